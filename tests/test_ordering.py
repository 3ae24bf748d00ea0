"""kg sorts answers itself (kg.ordering) exactly as the engine's ORDER BY would.

The truth is the engine: the same text, ORDER BY included, run by ``Store.query``. kg's
answer must hold the same rows, and the ordering columns of its rows must come in the very
same sequence (rows tied on every key may come in any order, in SPARQL as here), whether kg
sorts rdflib terms or the engine's own (``engine_terms=True``, as ``kg query`` does).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Literal, URIRef

from kg.namespaces import XSD
from kg.ordering import OrderKey, sort_rows
from kg.sparql.catalogue import load_query, named_queries
from kg.sparql.lexer import split_order_by
from kg.sparql.run import run_query
from kg.store import Store, from_engine, to_engine

EX = "http://example.org/"
PUBLIC = ["actors", "agreements", "commitments", "events", "evidence", "figures", "links", "members",
          "officials", "quotes"]


def same_answer(store: Store, text: str) -> tuple[list, list]:
    """(kg's rows, the engine's rows) of one query, after checking they agree, with kg's rows
    in rdflib terms and in engine terms."""
    names, engine_rows = store.query(text)
    ours = run_query(store, text)
    in_engine_terms = run_query(store, text, engine_terms=True)
    assert all(isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal))
               for row in in_engine_terms.rows for term in row if term is not None)
    for rows in (ours.rows, [tuple(map(from_engine, row)) for row in in_engine_terms.rows]):
        assert Counter(rows) == Counter(engine_rows), "kg's answer holds other rows than the engine's"
        split = split_order_by(text)
        if split is not None:
            positions = [names.index(key.variable) for key in split[1]]
            keys = [[row[p] for p in positions] for row in rows]
            assert keys == [[row[p] for p in positions] for row in engine_rows], "kg orders rows differently"
        else:
            assert rows == engine_rows
    assert in_engine_terms.vars == ours.vars == names
    return ours.rows, engine_rows


def engine(rows: list[tuple]) -> list[tuple]:
    """``rows`` of rdflib terms as rows of engine terms."""
    return [tuple(None if term is None else to_engine(term) for term in row) for row in rows]


def sort_both(variables: list[str], rows: list[tuple], order: list[OrderKey]) -> list[tuple] | None:
    """:func:`sort_rows` of rdflib rows, after checking that the same rows in engine terms
    are sorted the same (or are left to the engine the same)."""
    ordered = sort_rows(variables, rows, order)
    in_engine_terms = sort_rows(variables, engine(rows), order)
    assert in_engine_terms == (None if ordered is None else engine(ordered))
    return ordered


# --- splitting the ORDER BY off --------------------------------------------------------------


@pytest.mark.parametrize("text, keys", [
    ("SELECT ?a ?b WHERE { ?a ?p ?b } ORDER BY ?a DESC(?b)", [OrderKey("a"), OrderKey("b", True)]),
    ("SELECT ?a WHERE { ?a ?p ?b } ORDER BY ASC(?a) # the end", [OrderKey("a")]),
    ("SELECT * WHERE { ?a ?p ?b } ORDER BY ?b", [OrderKey("b")]),
    ("SELECT ?a (COUNT(*) AS ?n) WHERE { ?a ?p ?b } GROUP BY ?a HAVING (COUNT(*) > 1) ORDER BY DESC(?n) ?a",
     [OrderKey("n", True), OrderKey("a")]),
])
def test_a_final_order_by_of_answer_columns_is_split_off(text: str, keys: list[OrderKey]) -> None:
    rest, found = split_order_by(text)
    assert found == keys
    assert "ORDER" not in rest.upper().split("#")[0]
    assert rest == text[:text.index("ORDER BY")]


@pytest.mark.parametrize("text", [
    "SELECT ?a WHERE { ?a ?p ?b }",                                     # no ORDER BY
    "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 10",                # the order decides what is kept
    "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a OFFSET 1",
    "SELECT ?a WHERE { ?a ?p ?b } ORDER BY STR(?a)",                    # an expression
    "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?b",                         # not an answer column
    "SELECT DISTINCT ?a WHERE { ?a ?p ?b } ORDER BY ?b ?a",
    "SELECT ?a WHERE { { SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a } }",  # only a sub-select's
    "CONSTRUCT { ?a ?p ?b } WHERE { ?a ?p ?b } ORDER BY ?a",
    "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a VALUES ?a { <http://example.org/x> }",
    "SELECT ?a WHERE { ?a ?p ?b ",                                      # not a query
])
def test_other_orderings_are_left_to_the_engine(text: str) -> None:
    assert split_order_by(text) is None


# --- the order of terms ----------------------------------------------------------------------

def _sample_terms() -> list:
    return [
        URIRef(EX + "b"), URIRef(EX + "a"), URIRef(EX + "é"), URIRef("urn:x"), BNode("n1"), BNode("n2"),
        Literal("b"), Literal("B"), Literal("é"), Literal(""), Literal("ab"), Literal("a" * 40),
        Literal("a" * 40 + "b"),
    ]


def test_iris_strings_blank_nodes_and_unbound_are_ordered_as_sparql_orders_them() -> None:
    terms = [None, *_sample_terms()]
    rows = [(term,) for term in reversed(terms)]
    ordered = sort_both(["x"], rows, [OrderKey("x")])
    kinds = [0 if t is None else 1 if isinstance(t, BNode) else 2 if isinstance(t, URIRef) else 3
             for (t,) in ordered]
    assert kinds == sorted(kinds)
    assert [t for (t,) in ordered if isinstance(t, URIRef)] == sorted(t for t in terms if isinstance(t, URIRef))
    assert [str(t) for (t,) in ordered if isinstance(t, Literal)] == sorted(
        str(t) for t in terms if isinstance(t, Literal))


def test_numbers_dates_and_booleans_by_value_and_mixed_families_left_to_the_engine() -> None:
    numbers = [Literal(10), Literal(9), Literal("2.50", datatype=XSD.decimal), Literal(-3)]
    assert [str(t) for (t,) in sort_both(["x"], [(n,) for n in numbers], [OrderKey("x")])] == ["-3", "2.50", "9", "10"]
    dates = [Literal("2012-12-05", datatype=XSD.date), Literal("2009-01-31", datatype=XSD.date)]
    assert sort_both(["x"], [(d,) for d in dates], [OrderKey("x", True)]) == [(dates[0],), (dates[1],)]
    for mixed in ([Literal("a"), Literal(1)],
                  [Literal(1), Literal(1.5)],
                  [Literal("a"), Literal("a", lang="en")],
                  [Literal("x", datatype=URIRef(EX + "type"))],
                  [Literal("NaN", datatype=XSD.double)],
                  [Literal("2012-12-05Z", datatype=XSD.date, normalize=False)],
                  [Literal("twelve", datatype=XSD.integer)]):
        assert sort_both(["x"], [(t,) for t in mixed], [OrderKey("x")]) is None, mixed


@pytest.mark.filterwarnings("ignore:Parsing weird boolean")  # rdflib's, for "yes"^^xsd:boolean
@pytest.mark.parametrize("lexical, datatype, sorted_by_kg", [
    ("9223372036854775807", "integer", True), ("9223372036854775808", "integer", False),  # 64 bits
    ("0.123456789012345678", "decimal", True), ("0.1234567890123456789", "decimal", False),  # 18 digits
    ("1" + "0" * 20, "decimal", False), ("NaN", "decimal", False), ("twelve", "decimal", False),
    ("INF", "double", True), ("NaN", "float", False), ("x", "double", False),
    ("true", "boolean", True), ("0", "boolean", True), ("TRUE", "boolean", False), ("yes", "boolean", False),
    ("2012-02-29", "date", True), ("2013-02-29", "date", False), ("2012-12-05+01:00", "date", False),
    ("2012-12-05T10:00:00.25", "dateTime", True), ("2012-12-05T10:00:00Z", "dateTime", False),
    ("2012-12-05T25:00:00", "dateTime", False), ("12", "int", False),
])
def test_a_literal_is_sorted_by_kg_only_when_its_value_is_the_engines(lexical: str, datatype: str,
                                                                      sorted_by_kg: bool) -> None:
    """Values come from lexical forms, for rdflib and engine terms alike; an ill-typed literal,
    or one the engine holds other than kg would, is left to the engine."""
    term = Literal(lexical, datatype=XSD[datatype], normalize=False)
    ordered = sort_both(["x"], [(term,), (term,)], [OrderKey("x")])
    assert (ordered is not None) == sorted_by_kg


# --- against the engine, on generated data ----------------------------------------------------

FAMILIES = {
    "string": st.text(alphabet="aAbé z0", max_size=20).map(Literal),
    "integer": st.integers(-50, 50).map(Literal),
    "decimal": st.sampled_from(["0.5", "-2.25", "3", "10.125"]).map(lambda v: Literal(v, datatype=XSD.decimal)),
    "date": st.dates().map(lambda d: Literal(d.isoformat(), datatype=XSD.date)),
    "english": st.text(alphabet="ab", max_size=3).map(lambda v: Literal(v, lang="en")),
    "boolean": st.booleans().map(Literal),
    "double": st.floats(-10, 10, allow_nan=False).map(lambda v: Literal(v, datatype=XSD.double)),
}
_NODES = st.one_of(st.sampled_from(["a", "b", "ab", "é", "b" * 30]).map(lambda v: URIRef(EX + v)),
                   st.sampled_from(["x", "y"]).map(BNode))


@st.composite
def _column(draw: st.DrawFn) -> tuple[str, list]:
    """(family, values): literals of one family (or of any, "mixed"), IRIs and blank nodes."""
    family = draw(st.sampled_from([*FAMILIES, "mixed"]))
    literals = st.one_of(*FAMILIES.values()) if family == "mixed" else FAMILIES[family]
    return family, draw(st.lists(st.one_of(_NODES, literals), min_size=1, max_size=12))


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objects=_column(), values=_column(), subjects=st.lists(st.integers(0, 7), min_size=24, max_size=24),
       order=st.lists(st.tuples(st.sampled_from(["s", "o", "v"]), st.booleans()), min_size=1, max_size=3))
def test_kg_orders_as_the_engine_does(objects: tuple, values: tuple, subjects: list, order: list) -> None:
    triples = {(URIRef(f"{EX}s{s}"), URIRef(EX + "p"), o) for s, o in zip(subjects, objects[1])}
    triples |= {(URIRef(f"{EX}s{s}"), URIRef(EX + "q"), v) for s, v in zip(reversed(subjects), values[1])}
    with Store.open(None) as store:
        store.replace_graph(URIRef(EX + "g"), sorted(triples))
        keys = " ".join(f"DESC(?{v})" if down else f"?{v}" for v, down in order)
        text = f"SELECT ?s ?o ?v WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?v }} }} ORDER BY {keys}"
        same_answer(store, text)
        names, rows = store.query(text)
        single = {"s": True, "o": objects[0] != "mixed", "v": values[0] != "mixed"}
        if all(single[v] for v, _down in order):  # then kg, not the engine, must have sorted
            assert sort_rows(names, rows, split_order_by(text)[1]) is not None
        names, engine_rows = store.query(text, engine_terms=True)
        ordered = sort_rows(names, engine_rows, split_order_by(text)[1])
        assert (ordered is None) == (sort_rows(names, rows, split_order_by(text)[1]) is None)


# --- the named queries ----------------------------------------------------------------------


def test_public_named_queries_are_ordered_by_answer_columns_so_kg_sorts_them() -> None:
    """Each public named query but quotes (ordered by the quote's place in its article, which is
    not a column) leaves its ORDER BY to kg."""
    assert set(PUBLIC) <= set(named_queries())
    for name in PUBLIC:
        split = split_order_by(load_query(name).text)
        assert (split is None) == (name == "quotes"), name


@pytest.mark.parametrize("name", PUBLIC)
def test_named_query_rows_and_order_are_the_engines(dev_store: Path, name: str) -> None:
    with Store.open(dev_store, read_only=True) as store:
        rows, _ = same_answer(store, load_query(name).text)
    assert rows, f"{name} found nothing in the dev articles"


def test_an_answer_kg_cannot_order_is_ordered_by_the_engine() -> None:
    with Store.open(None) as store:
        store.replace_graph(URIRef(EX + "g"), [
            (URIRef(EX + "a"), URIRef(EX + "p"), Literal("zebra")),
            (URIRef(EX + "b"), URIRef(EX + "p"), Literal(7)),
            (URIRef(EX + "c"), URIRef(EX + "p"), Literal("apple")),
        ])
        text = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?o"
        names, rows = store.query(text)
        assert sort_both(names, rows, [OrderKey("o")]) is None
        assert run_query(store, text).rows == rows
        assert [tuple(map(from_engine, row)) for row in run_query(store, text, engine_terms=True).rows] == rows
