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
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.errors import QueryError, StoreError
from kg.sparql import named_queries, run_query, load_query
from kg.store.remote import STAGING_PREFIX, RemoteSettings, RemoteStore, guess_update_endpoint
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
        assert code == 0 and "kg help remote" in " ".join(out.split()), command  # explained once, there
    code, out, _ = run_kg("help", "remote")
    assert code == 0 and "--store-token-file" in out and "--update-endpoint" in out
    assert "KG_STORE_PASSWORD" in out


def test_no_secret_in_the_environment_leaks_into_settings_repr() -> None:
    settings = RemoteSettings.from_env({"KG_STORE_USER": "u", "KG_STORE_PASSWORD": SECRET, "KG_STORE_TOKEN": SECRET})
    assert settings.password == SECRET and SECRET not in repr(settings)
    assert os.environ.get("KG_STORE_PASSWORD") != SECRET


# --- both stores, every method of the Store protocol -------------------------------------------------


class Recording:
    """A store whose method calls are recorded by name, to show a test called every one."""

    def __init__(self, store: Store, called: set[str]) -> None:
        self._store, self._called = store, called

    def __getattr__(self, name: str):
        self._called.add(name)
        return getattr(self._store, name)

    def __len__(self) -> int:
        self._called.add("__len__")
        return len(self._store)

    def __contains__(self, graph: object) -> bool:
        self._called.add("__contains__")
        return graph in self._store


def exercise(store: Store, called: set[str]) -> dict[str, object]:
    """Every method of the protocol on ``store``; what each answered, to compare two stores."""
    s = Recording(store, called)
    seen: dict[str, object] = {"location": bool(s.location), "read_only": s.read_only, "closed": s.closed}
    s.replace_graph(G1, [(A, NAME, Literal("Alice")), (A, KNOWS, B)])
    s.replace_graph_ntriples(G2, f"<{C}> <{KNOWS}> <{A}> .\n<{A}> <{NAME}> \"Alice\" .\n")
    s.replace_graphs_ntriples({URIRef(EX + "graph/3"): f"<{B}> <{NAME}> \"Bob\"@en .\n"})
    s.replace_graph_ntriples(URIRef(EX + "graph/4"), f"<{B}> <{KNOWS}> <{C}> .\n", drop=[URIRef(EX + "graph/3")])
    seen["add_quads"] = s.add_quads([(C, NAME, Literal("Carol"), URIRef(EX + "graph/5"))])
    s.update(f"INSERT DATA {{ GRAPH <{EX}graph/6> {{ <{C}> <{NAME}> 'C.' }} }}")
    seen["drop_graph"] = (s.drop_graph(URIRef(EX + "graph/6")), s.drop_graph(URIRef(EX + "graph/6")))
    s.flush()
    seen["graphs"] = s.graphs()
    seen["has_graph"] = (s.has_graph(G1), s.has_graph(URIRef(EX + "graph/3")), G2 in s)
    seen["graph"] = sorted(s.graph(G1))
    seen["dataset"] = sorted((q[0], q[1], q[2], q[3]) for q in s.dataset().quads((None, None, None, None)))
    seen["quads"] = sorted(s.quads())
    seen["triples"] = (sorted(s.triples(G2)), sorted(s.triples()))
    seen["get_value"] = (s.get_value(G1, A, NAME), s.get_value(G1, A, URIRef(EX + "none")))
    seen["len"] = len(s)
    seen["union_size"] = (s.union_size(), s.union_size(at_most=2))
    seen["ask"] = s.query(f"ASK {{ <{A}> <{NAME}> 'Alice' }}")
    names, rows = s.query("SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o", limit=3)
    seen["select"] = (names, rows)
    seen["construct"] = sorted(s.query(f"CONSTRUCT {{ ?s <{KNOWS}> ?o }} WHERE {{ ?s <{KNOWS}> ?o }}"))
    seen["prefixes"] = s.query("SELECT ?o WHERE { ex:a ex:name ?o }", prefixes={"ex": EX})
    seen["select_values"] = sorted(s.select_values("SELECT ?s ?o WHERE { ?s ?p ?o }"), key=str)
    seen["optimize"] = isinstance(s.optimize(), bool)
    with store as same:  # the context manager closes the store
        assert same is store
    s.close()  # closing twice is harmless
    seen["after"] = s.closed
    return seen


def test_both_stores_answer_every_method_of_the_protocol(scratch: OxigraphServer) -> None:
    from test_store import protocol_members

    called: set[str] = set()
    embedded = exercise(Store.open(None), called)
    remote = exercise(Store.open(scratch.query_url), called)
    assert remote == embedded
    assert embedded["graphs"] == [G1, G2, URIRef(EX + "graph/4"), URIRef(EX + "graph/5")]
    assert embedded["len"] == 6 and embedded["union_size"] == (5, 2) and embedded["after"] is True
    assert set(protocol_members(Store)) - {"open"} <= called | {"__enter__", "__exit__"}


# --- the SPARQL client and its results codec -----------------------------------------------------------

TERMS_DATA = (f'INSERT DATA {{ GRAPH <{G1}> {{ <{A}> <{NAME}> "x"@en, "7"^^<http://www.w3.org/2001/XMLSchema#integer>, '
              f'"plain", _:b . _:b <{NAME}> "blank" }} }}')


def test_json_and_xml_results_give_the_same_terms(scratch: OxigraphServer) -> None:
    from kg.store.client import RESULTS_JSON, RESULTS_XML, SparqlClient, parse_results

    client = SparqlClient(scratch.query_url, user_agent="kg-test")
    client.update(TERMS_DATA, scratch.url + "/update")
    select = f"SELECT ?s ?o ?none WHERE {{ GRAPH ?g {{ ?s <{NAME}> ?o }} }} ORDER BY ?o"
    answers = {accept: parse_results(*(lambda a: (a.body, a.media_type))(client.query(select, accept=accept)))
               for accept in (RESULTS_JSON, RESULTS_XML)}
    json_rows, xml_rows = answers[RESULTS_JSON], answers[RESULTS_XML]
    assert json_rows.variables == xml_rows.variables == ["s", "o", "none"]
    assert json_rows.rows == xml_rows.rows and len(json_rows.rows) == 5
    objects = {row["o"] for row in json_rows.rows if isinstance(row["o"], Literal)}
    assert {Literal("x", lang="en"), Literal("plain"), Literal("blank"),
            Literal("7", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))} == objects
    assert all("none" not in row for row in json_rows.rows)
    assert json_rows.tuples()[0][2] is None
    blank_rows = [row for row in xml_rows.rows if row["o"] == Literal("blank")]
    assert isinstance(blank_rows[0]["s"], BNode)
    for accept in (RESULTS_JSON, RESULTS_XML):
        answer = client.query(f"ASK {{ GRAPH ?g {{ <{A}> ?p ?o }} }}", accept=accept)
        assert parse_results(answer.body, answer.media_type).boolean is True


def test_the_codec_reads_both_syntaxes_and_refuses_what_is_not_results() -> None:
    from kg.store.client import BadAnswer, parse_results

    xml = (b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
           b'<variable name="x"/><variable name="y"/></head><results><result>'
           b'<binding name="x"><uri>http://example.org/a</uri></binding>'
           b'<binding name="y"><literal datatype="http://www.w3.org/2001/XMLSchema#decimal">1.50</literal></binding>'
           b'</result><result><binding name="y"><literal xml:lang="fr">chat</literal></binding></result></results></sparql>')
    json_text = (b'{"head": {"vars": ["x", "y"]}, "results": {"bindings": [{"x": {"type": "uri", "value": '
                 b'"http://example.org/a"}, "y": {"type": "typed-literal", "value": "1.50", "datatype": '
                 b'"http://www.w3.org/2001/XMLSchema#decimal"}}, {"y": {"type": "literal", "value": "chat", '
                 b'"xml:lang": "fr"}}]}}')
    for body, media in ((xml, "application/sparql-results+xml"), (xml, None), (json_text, None),
                        (json_text, "application/sparql-results+json; charset=utf-8")):
        results = parse_results(body, media)
        assert results.tuples() == [(A, Literal("1.50", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))),
                                    (None, Literal("chat", lang="fr"))]
        assert str(results.rows[0]["y"]) == "1.50"  # the lexical form as the server wrote it
    assert parse_results(b'{"head": {}, "boolean": false}').boolean is False
    refused = {
        b"": "an empty body",
        b"   \n": "an empty body",
        b'{"head": {"vars": ["x"]}, "results": {"bind': "not SPARQL results JSON (JSONDecodeError",
        b'{"head": {"vars": ["x"]}}': "no head.vars or results.bindings",
        b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": "a"}]}}': "binding is not a term",
        b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "triple", "value": {}}}]}}': "RDF-star",
        b"<sparql><head/></sparql>": "its root is 'sparql'",
        b"<sparql": "not SPARQL results XML",
    }
    for body, message in refused.items():
        with pytest.raises(BadAnswer, match=re.escape(message)):
            parse_results(body)
    with pytest.raises(BadAnswer, match="a text/html document instead of SPARQL results"):
        parse_results(b"<html><body>busy</body></html>", "text/html; charset=utf-8")


class Failing:
    """An HTTP server on 127.0.0.1 answering every request with ``status`` and ``body``."""

    def __init__(self, status: int, body: bytes, content_type: str = "text/html") -> None:
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_errors_carry_the_servers_message(scratch: OxigraphServer) -> None:
    from kg.store.client import EndpointUnreachable, HttpStatusError, SparqlClient

    client = SparqlClient(scratch.query_url, user_agent="kg-test")
    with pytest.raises(HttpStatusError) as rejected:
        client.query("SELEKT * WHERE { ?s ?p ?o }")
    assert rejected.value.status == 400 and "error at 1:" in rejected.value.message
    with Store.open(scratch.query_url) as store, pytest.raises(QueryError) as caught:
        store.query("SELEKT * WHERE { ?s ?p ?o }")
    assert str(caught.value) == f"the server rejected the query: {rejected.value.message}"
    broken = Failing(500, b"<html><head><title>oops</title></head><body><h1>Broken</h1>\n disk full</body></html>")
    try:
        with pytest.raises(HttpStatusError) as failed:
            SparqlClient(broken.url, user_agent="kg-test").query("ASK {}")
        assert failed.value.status == 500 and failed.value.message == "oops Broken disk full"
        with Store.open(broken.url) as store, pytest.raises(StoreError) as caught_store:
            store.graphs()
        assert str(caught_store.value) == f"store {broken.url}: cannot query: HTTP 500: oops Broken disk full"
    finally:
        broken.close()
    dead = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(EndpointUnreachable) as unreachable:
        SparqlClient(dead, user_agent="kg-test").query("ASK {}")
    assert unreachable.value.reason == "connection refused" and not unreachable.value.timed_out
