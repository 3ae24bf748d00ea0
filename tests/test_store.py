"""The store: atomic graph replacement, the union default graph, persistence, the writer lock."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from kg.errors import QueryError, StoreError
from kg.store import LOCK_FILE, Store

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
EX = "http://example.org/"
G1 = URIRef(EX + "graph/1")
G2 = URIRef(EX + "graph/2")
A, B, C = URIRef(EX + "a"), URIRef(EX + "b"), URIRef(EX + "c")
NAME, KNOWS = URIRef(EX + "name"), URIRef(EX + "knows")


def triples_1() -> list[tuple]:
    return [(A, NAME, Literal("Alice")), (A, KNOWS, B), (B, NAME, Literal("Bob", lang="en"))]


def triples_2() -> list[tuple]:
    return [(B, NAME, Literal("Bob", lang="en")), (C, NAME, Literal("Carol")), (C, KNOWS, A)]


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "kg-store"


@pytest.fixture
def store(store_path: Path):
    with Store.open(store_path) as opened:
        yield opened


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# --- replacing graphs -----------------------------------------------------------------------


def test_replace_graph_replaces_not_duplicates(store: Store) -> None:
    store.replace_graph(G1, triples_1())
    store.replace_graph(G1, triples_1())
    assert len(store) == 3
    store.replace_graph(G1, [(A, NAME, Literal("Alicia"))])
    assert set(store.graph(G1)) == {(A, NAME, Literal("Alicia"))}
    assert len(store) == 1


def test_replace_graph_leaves_other_graphs_alone(store: Store) -> None:
    store.replace_graph(G1, triples_1())
    store.replace_graph(G2, triples_2())
    store.replace_graph(G1, [])
    assert store.graphs() == [G2]
    assert isomorphic(store.graph(G2), Graph().__iadd__(triples_2()))


def test_replace_graph_accepts_an_rdflib_graph_with_blank_nodes(store: Store) -> None:
    graph = Graph()
    place = BNode()
    graph.add((A, KNOWS, place))
    graph.add((place, NAME, Literal("somewhere")))
    store.replace_graph(G1, graph)
    store.replace_graph(G2, graph)
    assert isomorphic(store.graph(G1), graph)
    blanks = {o for _s, _p, o, _g in store.quads() if isinstance(o, BNode)}
    assert len(blanks) == 2, "the same blank node in two graphs must be two nodes"


def test_replace_graph_is_all_or_nothing(store: Store) -> None:
    store.replace_graph(G1, triples_1())

    def failing():
        yield (C, NAME, Literal("Carol"))
        raise RuntimeError("extractor crashed half way")

    with pytest.raises(RuntimeError):
        store.replace_graph(G1, failing())
    with pytest.raises(StoreError, match="graph/1"):
        store.replace_graph(G1, [(C, NAME, Literal("ok")), (URIRef("http://bad iri/"), NAME, Literal("x"))])
    with pytest.raises(StoreError):
        store.replace_graph(G1, [(Literal("a literal subject"), NAME, Literal("x"))])
    assert isomorphic(store.graph(G1), Graph().__iadd__(triples_1()))


def test_literals_keep_their_type_and_canonical_lexical_form(store: Store) -> None:
    """The engine stores numbers as values: "007"^^xsd:integer comes back as "7"."""
    values = [
        Literal("007", datatype=XSD.integer, normalize=False),
        Literal("2012-03-04", datatype=XSD.date),
        Literal("x", datatype=XSD.string),
        Literal("tab\there\nnewline \"quoted\" \\ } . # DROP ALL"),
        Literal("ünïcødé 😀", lang="de-CH"),
    ]
    store.replace_graph(G1, [(A, NAME, value) for value in values])
    stored = {o for _s, _p, o in store.graph(G1)}
    assert {(str(o), o.datatype, o.language) for o in stored} == {
        ("7", XSD.integer, None),
        ("2012-03-04", XSD.date, None),
        ("x", None, None),  # xsd:string is the plain literal
        ("tab\there\nnewline \"quoted\" \\ } . # DROP ALL", None, None),
        ("ünïcødé 😀", None, "de-ch"),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=40))
def test_any_text_round_trips(text: str) -> None:
    with Store.open(None) as memory:
        memory.replace_graph(G1, [(A, NAME, Literal(text))])
        assert memory.get_value(G1, A, NAME) == Literal(text)


# --- reading ---------------------------------------------------------------------------------


def test_union_of_graphs_is_the_default_graph_for_sparql(store: Store) -> None:
    store.replace_graph(G1, triples_1())
    store.replace_graph(G2, triples_2())
    names, rows = store.query(f"SELECT ?s ?name WHERE {{ ?s <{NAME}> ?name }} ORDER BY ?s")
    assert names == ["s", "name"]
    assert rows == [(A, Literal("Alice")), (B, Literal("Bob", lang="en")), (C, Literal("Carol"))]
    # the triple stored in both graphs appears once in the union, once per graph with GRAPH
    _names, rows = store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{B}> <{NAME}> ?n }} }} ORDER BY ?g")
    assert rows == [(G1,), (G2,)]
    assert store.query(f"ASK {{ <{C}> <{KNOWS}> <{A}> }}") is True
    constructed = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(constructed, Graph) and len(constructed) == 5
    assert len(store) == 6


def test_query_errors_are_query_errors(store: Store) -> None:
    with pytest.raises(QueryError, match="syntax error"):
        store.query("SELECT ?x WHERE { ?x ")


def test_reading_helpers(store: Store) -> None:
    store.replace_graph(G1, triples_1())
    assert store.get_value(G1, A, NAME) == Literal("Alice")
    assert store.get_value(G1, C, NAME) is None
    assert store.get_value(G2, A, NAME) is None
    assert store.has_graph(G1) and G1 in store and G2 not in store
    assert sorted(store.quads(G1)) == sorted((s, p, o, G1) for s, p, o in triples_1())
    assert len(store.dataset()) == 3
    assert store.drop_graph(G1) is True
    assert store.drop_graph(G1) is False
    assert len(store) == 0 and store.graphs() == []


def test_add_quads_bulk_loads_named_graphs(store: Store) -> None:
    quads = [(A, NAME, Literal(f"n{i}"), G1) for i in range(25_000)] + [(B, NAME, Literal("n7"), G2)]
    assert store.add_quads(quads) == 25_001
    assert len(store) == 25_001
    assert store.graphs() == [G1, G2]
    _names, rows = store.query(f'SELECT ?s WHERE {{ ?s <{NAME}> "n7" }} ORDER BY ?s')
    assert rows == [(A,), (B,)]
    with pytest.raises(StoreError, match="default graph is the union"):
        store.add_quads([(C, NAME, Literal("nowhere"), None)])


def test_union_counts_a_shared_triple_once(store: Store) -> None:
    shared = (A, NAME, Literal("Alice"))
    store.replace_graph(G1, [shared, (A, KNOWS, B)])
    store.replace_graph(G2, [shared])
    assert len(store) == 3 and store.union_size() == 2
    _names, rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{NAME}> ?o }}")
    assert rows == [(Literal(1),)]
    store.replace_graph(G2, [])
    assert store.union_size() == 2, "still held by graph 1"
    store.drop_graph(G1)
    assert store.union_size() == 0 and list(store.triples()) == []


def test_memory_store_needs_no_path() -> None:
    for where in (None, ":memory:"):
        with Store.open(where) as memory:
            memory.replace_graph(G1, triples_1())
            assert len(memory) == 3
            assert memory.path is None


# --- persistence and paths -------------------------------------------------------------------


def test_reopen_persists_and_releases_the_lock(store_path: Path) -> None:
    with Store.open(store_path) as first:
        first.replace_graph(G1, triples_1())
        assert (store_path / LOCK_FILE).read_text().strip() == str(os.getpid())
    assert not (store_path / LOCK_FILE).exists()
    with Store.open(store_path, create=False) as again:
        assert again.graphs() == [G1]
        assert isomorphic(again.graph(G1), Graph().__iadd__(triples_1()))


def test_closed_store_refuses_work(store_path: Path) -> None:
    opened = Store.open(store_path)
    opened.close()
    opened.close()
    with pytest.raises(StoreError, match="closed"):
        len(opened)


def test_missing_store_without_create(store_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no store at .*kg-store \(run kg build first\)"):
        Store.open(store_path, create=False)
    assert not store_path.exists()
    with pytest.raises(StoreError, match="no store at"):
        Store.open(store_path, read_only=True)


def test_a_file_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(StoreError, match="not a kg store"):
        Store.open(path)
    assert path.read_text() == "hello"


def test_a_directory_of_other_files_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(StoreError, match="not a kg store"):
        Store.open(tmp_path)
    with pytest.raises(StoreError, match="not a kg store"):
        Store.open(tmp_path, read_only=True)
    assert sorted(os.listdir(tmp_path)) == ["thesis.tex"]


def test_an_empty_directory_becomes_a_store(tmp_path: Path) -> None:
    with Store.open(tmp_path) as opened:
        opened.replace_graph(G1, triples_1())
    with Store.open(tmp_path, read_only=True) as reader:
        assert len(reader) == 3


# --- locking and readers ---------------------------------------------------------------------


def test_second_writer_gets_the_pid(store: Store, store_path: Path) -> None:
    with pytest.raises(StoreError, match=rf"store .*kg-store is locked by PID {os.getpid()}"):
        Store.open(store_path)


def test_stale_lock_is_taken_over(store_path: Path) -> None:
    with Store.open(store_path) as first:
        first.replace_graph(G1, triples_1())
    pid = dead_pid()
    (store_path / LOCK_FILE).write_text(f"{pid}\n")
    with Store.open(store_path) as again:
        assert (store_path / LOCK_FILE).read_text().strip() == str(os.getpid())
        assert len(again) == 3


def test_unreadable_lock_is_respected_briefly_then_taken_over(store_path: Path) -> None:
    Store.open(store_path).close()
    lock = store_path / LOCK_FILE
    lock.write_text("")
    with pytest.raises(StoreError, match="being locked"):
        Store.open(store_path)
    old = time.time() - 60
    os.utime(lock, (old, old))
    Store.open(store_path).close()


def test_read_only_store_refuses_writes(store_path: Path) -> None:
    with Store.open(store_path) as writer:
        writer.replace_graph(G1, triples_1())
    with Store.open(store_path, read_only=True) as reader:
        assert not (store_path / LOCK_FILE).exists()
        with pytest.raises(StoreError, match="read-only"):
            reader.replace_graph(G1, [])
        assert len(reader) == 3


WRITER = textwrap.dedent(
    """
    import sys
    from rdflib import Literal, URIRef
    from kg.store import Store
    with Store.open(sys.argv[1]) as store:
        store.replace_graph(URIRef("http://example.org/graph/1"),
                            [(URIRef("http://example.org/a"), URIRef("http://example.org/name"), Literal("Alice"))])
        print("ready", flush=True)
        sys.stdin.readline()
        store.replace_graph(URIRef("http://example.org/graph/2"),
                            [(URIRef("http://example.org/b"), URIRef("http://example.org/name"), Literal("Bob"))])
        print("done", flush=True)
        sys.stdin.readline()
    """
)


def test_other_process_writing_locks_writers_but_not_readers(store_path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdin is not None
        assert writer.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match=f"locked by PID {writer.pid}"):
            Store.open(store_path)
        # A reader opens while the writer holds the store and sees what was committed.
        with Store.open(store_path, read_only=True) as reader:
            assert reader.graphs() == [G1]
            writer.stdin.write("\n")
            writer.stdin.flush()
            assert writer.stdout.readline().strip() == "done"
            assert reader.graphs() == [G1], "a reader keeps the snapshot it opened"
        with Store.open(store_path, read_only=True) as later:
            assert later.graphs() == [G1, G2]
        writer.stdin.write("\n")
        writer.stdin.flush()
        assert writer.wait(timeout=20) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert not (store_path / LOCK_FILE).exists()
    with Store.open(store_path) as after:
        assert after.graphs() == [G1, G2]


# --- kg.store.open and the Store protocol ----------------------------------------------------------


def test_open_picks_the_store_from_the_location(tmp_path: Path) -> None:
    import kg.store
    from kg.store import EmbeddedStore, RemoteStore

    for location in (None, ":memory:", tmp_path / "as-path", str(tmp_path / "as-text")):
        with kg.store.open(location) as opened:
            assert isinstance(opened, EmbeddedStore)
            assert opened.location == (":memory:" if location in (None, ":memory:") else str(location))
    with Store.open(tmp_path / "as-path", read_only=True) as again:  # Store.open is kg.store.open
        assert isinstance(again, EmbeddedStore) and again.read_only
    for url in ("http://127.0.0.1:9/query", "HTTPS://example.org/sparql"):
        remote = kg.store.open(url)  # nothing is asked of the server until a method needs it
        assert isinstance(remote, RemoteStore) and remote.location == url
        remote.close()
        assert remote.closed
    with pytest.raises(StoreError, match="holds a password"):
        kg.store.open("http://kg:secret@127.0.0.1:9/query")
    with pytest.raises(StoreError, match="no store at"):
        kg.store.open(tmp_path / "absent", create=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is not a kg store"):
        kg.store.open(tmp_path / "file")


SHARED = {"open", "__enter__", "__exit__", "__contains__", "graph", "dataset"}
"""Protocol members with one implementation, in the protocol, that both stores inherit."""


def protocol_members(protocol: type) -> dict[str, object]:
    """The methods and properties a protocol declares (its own, not its bases')."""
    return {name: value for name, value in vars(protocol).items()
            if (not name.startswith("_") or name in ("__len__", "__contains__", "__enter__", "__exit__"))
            and (callable(value) or isinstance(value, (property, staticmethod)))}


def test_both_stores_implement_every_member_of_the_protocol() -> None:
    import inspect

    from kg.store import BulkStore, EmbeddedStore, RemoteStore

    members = protocol_members(Store)
    assert {"replace_graph", "query", "select_values", "union_size", "__len__", "location", "closed"} <= set(members)
    for implementation in (EmbeddedStore, RemoteStore):
        for name, declared in members.items():
            given = inspect.getattr_static(implementation, name)
            if name in SHARED:
                assert given is declared, (implementation.__name__, name)
                continue
            assert given is not declared, f"{implementation.__name__} does not implement {name}"
            if isinstance(declared, property):
                assert isinstance(given, property), (implementation.__name__, name)
                continue
            wanted = inspect.signature(declared)
            got = inspect.signature(getattr(implementation, name))
            assert [(p.name, p.kind) for p in got.parameters.values()] == \
                [(p.name, p.kind) for p in wanted.parameters.values()], (implementation.__name__, name)
        for capability in ("supports_bulk_load", "supports_optimize", "fast_order_by", "strict_casts"):
            assert capability in Store.__annotations__
            assert hasattr(implementation, capability)
    for name in protocol_members(BulkStore):
        assert inspect.getattr_static(EmbeddedStore, name) is not vars(BulkStore)[name], name
    with Store.open(None) as memory:
        assert memory.supports_bulk_load and memory.strict_casts and not memory.fast_order_by
        assert not memory.supports_optimize and memory.optimize() is False  # no files to compact
    remote = Store.open("http://127.0.0.1:9/query")
    assert not (remote.supports_bulk_load or remote.supports_optimize or remote.strict_casts)
    assert remote.fast_order_by


def test_importing_the_store_loads_no_rdflib_or_http() -> None:
    """``import kg.store`` and reading plain values from an embedded store load neither rdflib
    nor an HTTP client: a short command pays for them only when it needs them."""
    script = textwrap.dedent(
        """
        import sys
        import kg.store
        heavy = ("rdflib", "urllib.request", "SPARQLWrapper", "pyoxigraph")
        print(sorted(m for m in heavy if m in sys.modules))
        store = kg.store.open(None)
        print(list(store.select_values("SELECT ?n WHERE { VALUES ?n { 1 2 } }")), len(store))
        print(sorted(m for m in heavy if m in sys.modules))
        store.query("SELECT ?x WHERE { VALUES ?x { 1 } }")  # an ASK or engine_terms=True loads none
        print("rdflib" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    before, values, opened, after_query = done.stdout.splitlines()
    assert before == "[]"
    assert values == "[('1',), ('2',)] 0"
    assert opened == "['pyoxigraph']"
    assert after_query == "True"  # a query's answer is rdflib terms
