"""ORDER BY over values SPARQL does not compare (numbers and strings in one column) must not
crash: the engine's sort aborts the process on them, so kg makes every ORDER BY a total order
(kg/sparql/total_order.py). The crash kills the process, so the end-to-end checks run kg in a
subprocess."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from kg.errors import QueryError
from kg.sparql.total_order import family_key, total_order
from kg.store.sparql_text import syntax_error
from kg.store import Store
from tests.conftest import REPO_ROOT, run_kg_process

XSD = "http://www.w3.org/2001/XMLSchema#"
GRAPH = "https://example.org/graph/mixed"
# A column of 100 values, half integers and half strings of digits: the engine's comparison
# is not transitive on them (10 < "5" < 9 < 10), and for this data its sort notices and aborts.
MIXED = "SELECT ?s ?o WHERE { ?s <http://e/p> ?o } ORDER BY ?o"
ENGINE_ALONE = """
import sys, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
print(len(list(store.query(sys.argv[2]))))
"""


def mixed_values(seed: int = 2, count: int = 100) -> list[ox.Literal]:
    rng = random.Random(seed)
    values = []
    for _ in range(count):
        number = str(rng.randrange(100))
        is_integer = rng.random() < 0.5
        values.append(ox.Literal(number, datatype=ox.NamedNode(XSD + "integer")) if is_integer else ox.Literal(number))
    return values


@pytest.fixture(scope="module")
def mixed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mixed") / "store"
    with Store.open(path) as store:
        triples = [ox.Triple(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"), value)
                   for i, value in enumerate(mixed_values())]
        store.add_graphs([(URIRef(GRAPH), ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode())])
    return path


def expected_order(descending: bool = False) -> list[str]:
    """Numbers by value, then strings by text (each family in SPARQL's order)."""
    values = mixed_values()
    numbers = sorted((int(v.value) for v in values if v.datatype.value == XSD + "integer"), reverse=descending)
    strings = sorted((v.value for v in values if v.datatype.value == XSD + "string"), reverse=descending)
    return [str(n) for n in numbers] + strings if not descending else strings + [str(n) for n in numbers]


def test_the_engine_alone_aborts_on_this_column(mixed_store: Path) -> None:
    """The premise of the tests below: without kg's rewrite the engine kills the process."""
    done = subprocess.run([sys.executable, "-c", ENGINE_ALONE, str(mixed_store), MIXED],
                          capture_output=True, text=True, timeout=120)
    if done.returncode == 0:
        pytest.skip("this engine version sorts the column without aborting: the rewrite is not needed for it")
    assert done.returncode != 0 and "total order" in done.stderr


@pytest.mark.parametrize("order, descending", [("?o", False), ("DESC(?o)", True), ("ASC(STR(?o)) ?o", None)])
def test_kg_query_orders_a_mixed_column(mixed_store: Path, order: str, descending: bool | None) -> None:
    query = f"SELECT ?s ?o WHERE {{ ?s <http://e/p> ?o }} ORDER BY {order}"
    code, out, err = run_kg_process("query", query, "--store", str(mixed_store), "-f", "tsv", "--no-headers")
    assert code == 0, err
    objects = [line.split("\t")[1] for line in out.splitlines()]
    assert len(objects) == 100
    shown = [o.split('"')[1] if o.startswith('"') else o for o in objects]
    if descending is None:  # by text first: numbers and strings of the same digits meet
        assert shown == sorted(shown, key=str)
    else:
        assert shown == expected_order(descending)


def test_an_order_by_in_a_subquery_and_in_an_update(mixed_store: Path, tmp_path: Path) -> None:
    subquery = ("SELECT ?o WHERE { { SELECT ?o WHERE { ?s <http://e/p> ?o } ORDER BY DESC(?o) LIMIT 1 } }")
    code, out, err = run_kg_process("query", subquery, "--store", str(mixed_store), "-f", "csv", "--no-headers")
    assert code == 0, err
    assert out.split() == [expected_order(descending=True)[0]]
    # an update is run by the embedded store in this process: a crash here would kill pytest
    with Store.open(mixed_store) as store:
        store.update("INSERT { GRAPH <https://example.org/graph/top> { <http://e/top> <http://e/is> ?o } } "
                     "WHERE { { SELECT ?o WHERE { ?s <http://e/p> ?o } ORDER BY ?o LIMIT 1 } }")
        _names, rows = store.query("SELECT ?o WHERE { <http://e/top> <http://e/is> ?o }")
        assert [str(row[0]) for row in rows] == [expected_order()[0]]
        store.drop_graph(URIRef("https://example.org/graph/top"))


def test_order_within_one_family_is_the_engines() -> None:
    """Where every value is of one family the rewrite changes nothing: the same order."""
    store = ox.Store()
    rng = random.Random(7)
    data = {
        "integers": [ox.Literal(str(rng.randrange(-500, 500)), datatype=ox.NamedNode(XSD + "integer")) for _ in range(60)],
        "strings": [ox.Literal(rng.choice(["alpha", "Beta", "gamma", "é", "10", "9"]) + str(i)) for i in range(60)],
        "dates": [ox.Literal(f"20{rng.randrange(10, 30)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}",
                             datatype=ox.NamedNode(XSD + "date")) for _ in range(60)],
        "iris": [ox.NamedNode(f"http://e/{rng.randrange(10**6)}") for _ in range(60)],
    }
    for family, values in data.items():
        store.extend(ox.Quad(ox.NamedNode(f"http://e/{family}/{i}"), ox.NamedNode(f"http://e/{family}"), value)
                     for i, value in enumerate(values))
        for order in ("?o", "DESC(?o)"):
            query = f"SELECT ?o WHERE {{ ?s <http://e/{family}> ?o }} ORDER BY {order}"
            plain = [row[0].value for row in store.query(query)]
            rewritten = [row[0].value for row in store.query(total_order(query))]
            assert rewritten == plain and len(plain) == 60


def test_families_follow_each_other_in_the_documented_order() -> None:
    store = ox.Store()
    values = [ox.Literal("b"), ox.Literal("2024-01-01T00:00:00Z", datatype=ox.NamedNode(XSD + "dateTime")),
              ox.Literal("2024-01-01T00:00:00", datatype=ox.NamedNode(XSD + "dateTime")),
              ox.Literal("NaN", datatype=ox.NamedNode(XSD + "double")), ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")),
              ox.Literal("P1M", datatype=ox.NamedNode(XSD + "duration")), ox.NamedNode("http://e/x"),
              ox.Literal("abc", datatype=ox.NamedNode(XSD + "integer"))]
    store.extend(ox.Quad(ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"), v) for i, v in enumerate(values))
    query = total_order("SELECT ?o WHERE { ?s <http://e/p> ?o } ORDER BY ?o")
    shown = [row[0].value for row in store.query(query)]
    assert shown[:5] == ["http://e/x", "3", "2024-01-01T00:00:00", "2024-01-01T00:00:00Z", "P1M"]
    assert sorted(shown[5:]) == ["NaN", "abc", "b"]  # the rest: by lexical form, as the engine does


def test_what_is_rewritten_and_what_is_left() -> None:
    plain = "SELECT ?s WHERE { ?s ?p ?o }"
    assert total_order(plain) is plain
    quoted = 'SELECT ?s WHERE { ?s ?p "ORDER BY ?o" } # ORDER BY ?o'
    assert total_order(quoted) == quoted
    text = "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?o LIMIT 2 } } order by desc(?s) xsd:string(?s)"
    rewritten = total_order(text)
    assert rewritten == (
        f"SELECT ?s WHERE {{ {{ SELECT ?s WHERE {{ ?s ?p ?o }} ORDER BY ASC({family_key('?o')}) ?o LIMIT 2 }} }} "
        f"order by DESC({family_key('(?s)')}) desc(?s) ASC({family_key('xsd:string(?s)')}) xsd:string(?s)")
    assert total_order("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s VALUES ?s { <x> }").endswith("?s VALUES ?s { <x> }")
    unreadable = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY 42"
    assert total_order(unreadable) == unreadable
    escaped = "SELECT ?s WHERE { ?s ?p ?o } \\u004FRDER BY ?s"
    assert total_order(escaped).startswith("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ASC(COALESCE(")


def test_a_syntax_error_is_reported_on_the_query_as_written(mixed_store: Path) -> None:
    broken = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?o LIMT 3"
    with pytest.raises(SyntaxError) as engine:
        ox.Store().query(broken)
    with Store.open(mixed_store, read_only=True) as store, pytest.raises(QueryError) as caught:
        store.query(broken)
    assert str(caught.value) == str(syntax_error(engine.value))


def test_kg_serve_answers_a_mixed_order_by_and_keeps_serving(mixed_store: Path) -> None:
    """A worker process of kg serve would die on the engine's abort: it answers instead."""
    from tests.test_server import KgServe, json_rows, post_query

    server = KgServe(mixed_store, "--workers", "1")
    try:
        for _ in range(2):  # the same worker answers again: it did not die
            status, _headers, body = post_query(server.sparql, MIXED)
            assert status == 200
            assert [row["o"] for row in json_rows(body)] == expected_order()
    finally:
        server.close()


def every_shipped_query() -> list[Path]:
    roots = [REPO_ROOT / "queries", REPO_ROOT / "queries" / "lookup", REPO_ROOT / "kg" / "graph" / "queries"]
    return sorted(path for root in roots for path in root.glob("*.rq") if "ORDER" in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", every_shipped_query(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_shipped_query_answers_the_same_rewritten(dev_store: Path, path: Path) -> None:
    """Each ORDER BY query kg ships, run on the engine as written and rewritten: the same rows
    in the same order (their sort keys are of one family each), from a text that parses."""
    text = path.read_text(encoding="utf-8")
    rewritten = total_order(text)
    assert rewritten != text  # every one of them has an ORDER BY the rewrite reads
    engine = ox.Store.read_only(str(dev_store))
    try:
        plain = [tuple(map(str, row)) for row in engine.query(text)]
    except (SyntaxError, OSError, ValueError, RuntimeError):  # a lookup form with an unbound parameter, say
        pytest.skip("the engine cannot run this text without its parameters")
    ordered = [tuple(map(str, row)) for row in engine.query(rewritten)]
    assert ordered == plain


def test_order_by_is_found_only_where_it_is_the_keyword() -> None:
    from kg.sparql.lexer import order_by_ends

    assert order_by_ends('SELECT ?s { ?s ?p "ORDER BY" } # ORDER BY ?s') == []
    assert order_by_ends("SELECT ?s { ?s ?p '''x ' ORDER BY''' ; ex:ORDER ?by . ?ORDER ?by ?x }") == []
    assert order_by_ends("SELECT ?s { ?s <http://e/ORDER> ?o } order\n  by ?s") == [len("SELECT ?s { ?s <http://e/ORDER> ?o } order\n  by")]
    long = "SELECT ?s WHERE { " + " . ".join(f"?s <http://e/p{i}> ?o{i}" for i in range(500)) + " } ORDER BY ?o1"
    assert total_order(long).endswith(f"ORDER BY ASC({family_key('?o1')}) ?o1")
