"""Remote stores: ``--store http://…`` against a real Oxigraph server (and ``kg serve``).

An ``oxigraph serve`` process on 127.0.0.1 and a free port is the remote store. ``kg build``
writes the reference article into it, and every named query must give the same rows as on
the embedded store; export and validation read from it too. The Store API is checked for
the embedded store's contract: atomic replacement in batches, blank nodes kept whole, the
union counted once, read-only refusal. Credentials travel to ``kg serve`` (bearer token)
and never appear in a message.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.errors import QueryError, StoreError
from kg.query import named_queries, run_query, load_query
from kg.remote import STAGING_PREFIX, RemoteSettings, RemoteStore, guess_update_endpoint
from kg.store import Store
from test_server import TOKEN, KgServe, OxigraphServer, free_port

EX = "http://example.org/"
G1, G2 = URIRef(EX + "graph/1"), URIRef(EX + "graph/2")
A, B, C = URIRef(EX + "a"), URIRef(EX + "b"), URIRef(EX + "c")
NAME, KNOWS = URIRef(EX + "name"), URIRef(EX + "knows")
SECRET = "pa55-word-that-must-not-show"


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db")
    yield server
    server.close()


@pytest.fixture(scope="module")
def built(oxigraph: OxigraphServer, run_kg_module) -> OxigraphServer:
    """The Oxigraph server with the reference article built into it by ``kg build``."""
    code, out, err = run_kg_module("build", "--store", oxigraph.query_url)
    assert code == 0, err
    assert "Built 1 article(s)" in out
    return oxigraph


@pytest.fixture(scope="module")
def run_kg_module():
    from conftest import run_kg_process

    return run_kg_process


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path / "db")
    yield server
    server.close()


def rows_of(store: Store, name: str) -> Counter:
    result = run_query(store, load_query(name))
    return Counter(tuple((v, str(t)) for v, t in zip(result.vars, row) if t is not None) for row in result.rows)


# --- kg build / query / export / validate against Oxigraph server --------------------------------


def test_named_queries_give_the_same_rows_as_the_embedded_store(built: OxigraphServer, reference_store: Path) -> None:
    names = sorted(named_queries())
    assert {"members", "officials", "quotes", "agreements", "evidence"} <= set(names)
    with Store.open(reference_store, read_only=True) as local, Store.open(built.query_url, read_only=True) as remote:
        assert isinstance(remote, RemoteStore)
        for name in names:
            expected = rows_of(local, name)
            assert rows_of(remote, name) == expected, name
        assert len(remote) == len(local) and remote.union_size() == local.union_size()
        size = local.union_size()
        for at_most in (1, size - 1, size, size + 1):  # a capped count, on both kinds of store
            assert remote.union_size(at_most) == local.union_size(at_most) == min(size, at_most)
        assert remote.graphs() == local.graphs()
        assert remote.optimize() is False  # the server manages its own files


def test_members_on_the_command_line(built: OxigraphServer, reference_store: Path, run_kg) -> None:
    code, remote, err = run_kg("query", "members", "--store", built.query_url, "--format", "csv")
    assert code == 0, err
    code, local, _ = run_kg("query", "members", "--store", str(reference_store), "--format", "csv")
    assert remote.splitlines()[0] == local.splitlines()[0]
    assert sorted(remote.splitlines()[1:]) == sorted(local.splitlines()[1:]) and len(remote.splitlines()) == 23


def test_rebuild_is_unchanged_and_export_and_validate_read_the_server(built: OxigraphServer, reference_store: Path,
                                                                      run_kg, tmp_path: Path) -> None:
    code, out, err = run_kg("build", "--store", built.query_url)
    assert code == 0 and "0 article(s), 1 unchanged" in out, err
    code, out, err = run_kg("validate", "--store", built.query_url)
    assert code == 0 and "conforms" in out, err
    remote_file, local_file = tmp_path / "remote.nq", tmp_path / "local.nq"
    assert run_kg("export", "--store", built.query_url, "-o", str(remote_file))[0] == 0
    assert run_kg("export", "--store", str(reference_store), "-o", str(local_file))[0] == 0
    remote, local = Dataset(), Dataset()
    remote.parse(remote_file, format="nquads")
    local.parse(local_file, format="nquads")
    remote_graphs = {g.identifier: g for g in remote.graphs() if len(g)}
    local_graphs = {g.identifier: g for g in local.graphs() if len(g)}
    assert remote_graphs.keys() == local_graphs.keys()
    for name, graph in local_graphs.items():
        assert isomorphic(remote_graphs[name], graph), name


# --- the Store API on a remote store -----------------------------------------------------------------


def test_replace_graph_in_batches_is_whole_and_keeps_blank_nodes(scratch: OxigraphServer) -> None:
    graph = Graph()
    for i in range(7):
        place = BNode()
        graph.add((A, KNOWS, place))
        graph.add((place, NAME, Literal(f"place {i}")))
        graph.add((place, KNOWS, BNode()))
    graph.add((A, NAME, Literal("Alice")))
    with Store.open(scratch.query_url, remote=RemoteSettings(batch_size=4)) as store:
        store.replace_graph(G1, graph)
        assert isomorphic(store.graph(G1), graph)
        assert len(store) == len(graph) == store.union_size()
        store.replace_graph(G2, [(A, NAME, Literal("Alice")), (C, KNOWS, A)])
        assert len(store) == len(graph) + 2 and store.union_size() == len(graph) + 1  # one triple shared
        store.replace_graph(G1, [(B, NAME, Literal("Bob", lang="en"))])
        assert store.graphs() == [G1, G2]
        assert not any(str(g).startswith(STAGING_PREFIX) for g in store.graphs())
        assert store.union_size() == 3
        assert set(store.triples()) == {(B, NAME, Literal("Bob", lang="en")), (A, NAME, Literal("Alice")), (C, KNOWS, A)}
        assert store.query(f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER STRSTARTS(STR(?g), \"{STAGING_PREFIX}\") }}") is False


def test_drop_add_and_lookups(scratch: OxigraphServer) -> None:
    with Store.open(scratch.query_url) as store:
        assert store.add_quads([(A, NAME, Literal("Alice"), G1), (A, KNOWS, B, G2), (A, NAME, Literal("Alice"), G2)]) == 3
        assert len(store) == 3 and store.union_size() == 2
        assert store.get_value(G1, A, NAME) == Literal("Alice") and store.get_value(G1, A, KNOWS) is None
        assert G1 in store and store.has_graph(G2)
        assert store.drop_graph(G2) is True and store.drop_graph(G2) is False
        assert store.union_size() == 1
        typed = Literal("007", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))
        store.replace_graph(G1, [(A, NAME, typed)])
        assert store.get_value(G1, A, NAME) == Literal(7)
        with pytest.raises(StoreError, match="named graph"):
            store.add_quads([(A, NAME, Literal("x"), None)])
        with pytest.raises(QueryError):
            store.query("SELEKT * WHERE { ?s ?p ?o }")
        # A SPARQL Update through the store keeps the default graph the union of the graphs.
        store.update("INSERT DATA { GRAPH <http://example.org/graph/3> { <http://example.org/c> <http://example.org/name> 'Carol' } } ;")
        assert store.query("ASK { <http://example.org/c> <http://example.org/name> 'Carol' }") is True
        store.update("DROP GRAPH <http://example.org/graph/3> # gone")
        assert store.query("ASK { <http://example.org/c> ?p ?o }") is False
        with pytest.raises(QueryError):
            store.update("INSERT DATA { GRAPH <http://example.org/graph/3> {")


def test_read_only_remote_store_refuses_writes(scratch: OxigraphServer) -> None:
    with Store.open(scratch.query_url, read_only=True) as store, pytest.raises(StoreError, match="read-only"):
        store.replace_graph(G1, [(A, NAME, Literal("x"))])


def test_server_kept_union(tmp_path: Path) -> None:
    """With the server's default graph the union, kg writes named graphs only and reads the same."""
    server = OxigraphServer(tmp_path / "db", union_default_graph=True)
    try:
        with Store.open(server.query_url, remote=RemoteSettings(union="server", batch_size=2)) as store:
            store.replace_graph(G1, [(A, NAME, Literal("Alice")), (A, KNOWS, B), (B, NAME, Literal("Bob"))])
            store.replace_graph(G2, [(C, KNOWS, A)])
            assert store.union_mode == "server"
            assert len(store) == 4 and store.union_size() == 4
            names, rows = store.query("SELECT ?s WHERE { ?s <http://example.org/knows> ?o } ORDER BY ?s")
            assert rows == [(A,), (C,)]
            store.drop_graph(G1)
            assert store.graphs() == [G2] and store.union_size() == 1
    finally:
        server.close()


def test_update_endpoint_guesses() -> None:
    assert guess_update_endpoint("http://h:7878/query") == "http://h:7878/update"
    assert guess_update_endpoint("http://h:3030/kg/query") == "http://h:3030/kg/update"
    assert guess_update_endpoint("http://h:7200/repositories/kg") == "http://h:7200/repositories/kg/statements"
    assert guess_update_endpoint("http://h:8890/sparql") == "http://h:8890/sparql"


# --- kg serve as a remote store, with a token -------------------------------------------------------


def test_building_into_kg_serve_with_a_token(reference_store: Path, tmp_path: Path, run_kg) -> None:
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(reference_store, copy)
    server = KgServe(copy, "--allow-updates", "--timeout", "30", env={"KG_SERVE_TOKEN": TOKEN})
    try:
        article = Path(__file__).parent / "articles" / "arctic_maritime_treaty_2015.txt"
        code, _, err = run_kg("build", str(article), "--store", server.sparql)
        assert code == 1 and "401" in err and TOKEN not in err  # no token, no write
        code, out, err = run_kg("build", str(article), "--store", server.sparql, env={"KG_STORE_TOKEN": TOKEN})
        assert code == 0 and "Built 1 article(s)" in out, err
        token_file = tmp_path / "token"
        token_file.write_text(TOKEN + "\n")
        code, out, err = run_kg("build", str(article), "--store", server.sparql, "--store-token-file", str(token_file))
        assert code == 0 and "1 unchanged" in out, err
        with Store.open(server.sparql, read_only=True) as store:
            assert isinstance(store, RemoteStore) and store.union_mode == "server"  # from the service description
            assert len(store.graphs()) == 2
        code, out, err = run_kg("validate", "--store", server.sparql)
        assert code == 0, err
    finally:
        server.close()


def test_secrets_never_show(scratch: OxigraphServer, run_kg, tmp_path: Path) -> None:
    code, _, err = run_kg("query", "members", "--store", f"http://kg:{SECRET}@127.0.0.1:{scratch.port}/query")
    assert code == 1 and SECRET not in err and "password" in err and len(err.strip().splitlines()) == 1
    dead = f"http://127.0.0.1:{free_port()}/query"
    code, _, err = run_kg("query", "members", "--store", dead, "--store-user", "kg",
                          env={"KG_STORE_PASSWORD": SECRET})
    assert code == 1 and SECRET not in err and dead in err and "Traceback" not in err
    settings = RemoteSettings(user="kg", password=SECRET)
    assert SECRET not in repr(settings)
    store = RemoteStore.connect(dead, settings=settings)
    with pytest.raises(StoreError) as caught:
        store.graphs()
    assert SECRET not in str(caught.value)
    code, _, err = run_kg("query", "members", "--store", str(tmp_path / "local"), "--store-user", "kg")
    assert code == 2 and "remote store" in err


def test_remote_options_are_in_every_store_command(run_kg) -> None:
    for command in ("build", "query", "export", "validate", "serve"):
        code, out, _ = run_kg(command, "--help")
        assert code == 0 and "--store-token-file" in out and "--update-endpoint" in out, command
        assert "KG_STORE_PASSWORD" in out, command


def test_no_secret_in_the_environment_leaks_into_settings_repr() -> None:
    settings = RemoteSettings.from_env({"KG_STORE_USER": "u", "KG_STORE_PASSWORD": SECRET, "KG_STORE_TOKEN": SECRET})
    assert settings.password == SECRET and SECRET not in repr(settings)
    assert os.environ.get("KG_STORE_PASSWORD") != SECRET
