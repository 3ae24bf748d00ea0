"""kg sorts answers itself (kg.ordering) exactly as the engine's ORDER BY would.

The truth is the engine: the same text, ORDER BY included, run by ``Store.query``. kg's
answer must hold the same rows, and the ordering columns of its rows must come in the very
same sequence (rows tied on every key may come in any order, in SPARQL as here).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Literal, URIRef

from kg.namespaces import XSD
from kg.ordering import OrderKey, sort_rows
from kg.query import load_query, named_queries, run_query, split_order_by
from kg.store import Store

EX = "http://example.org/"
PUBLIC = ["actors", "agreements", "commitments", "events", "evidence", "figures", "links", "members",
          "officials", "quotes"]


def same_answer(store: Store, text: str) -> tuple[list, list]:
    """(kg's rows, the engine's rows) of one query, after checking they agree."""
    names, engine_rows = store.query(text)
    ours = run_query(store, text)
    assert ours.vars == names
    assert Counter(ours.rows) == Counter(engine_rows), "kg's answer holds other rows than the engine's"
    split = split_order_by(text)
    if split is not None:
        positions = [names.index(key.variable) for key in split[1]]
        keys = [[row[p] for p in positions] for row in ours.rows]
        assert keys == [[row[p] for p in positions] for row in engine_rows], "kg orders rows differently"
    else:
        assert ours.rows == engine_rows
    return ours.rows, engine_rows


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
    ordered = sort_rows(["x"], rows, [OrderKey("x")])
    kinds = [0 if t is None else 1 if isinstance(t, BNode) else 2 if isinstance(t, URIRef) else 3
             for (t,) in ordered]
    assert kinds == sorted(kinds)
    assert [t for (t,) in ordered if isinstance(t, URIRef)] == sorted(t for t in terms if isinstance(t, URIRef))
    assert [str(t) for (t,) in ordered if isinstance(t, Literal)] == sorted(
        str(t) for t in terms if isinstance(t, Literal))


def test_numbers_dates_and_booleans_by_value_and_mixed_families_left_to_the_engine() -> None:
    numbers = [Literal(10), Literal(9), Literal("2.50", datatype=XSD.decimal), Literal(-3)]
    assert [str(t) for (t,) in sort_rows(["x"], [(n,) for n in numbers], [OrderKey("x")])] == ["-3", "2.50", "9", "10"]
    dates = [Literal("2012-12-05", datatype=XSD.date), Literal("2009-01-31", datatype=XSD.date)]
    assert sort_rows(["x"], [(d,) for d in dates], [OrderKey("x", True)]) == [(dates[0],), (dates[1],)]
    for mixed in ([Literal("a"), Literal(1)],
                  [Literal(1), Literal(1.5)],
                  [Literal("a"), Literal("a", lang="en")],
                  [Literal("x", datatype=URIRef(EX + "type"))],
                  [Literal("NaN", datatype=XSD.double)],
                  [Literal("2012-12-05Z", datatype=XSD.date, normalize=False)],
                  [Literal("twelve", datatype=XSD.integer)]):
        assert sort_rows(["x"], [(t,) for t in mixed], [OrderKey("x")]) is None, mixed


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
        assert sort_rows(names, rows, [OrderKey("o")]) is None
        assert run_query(store, text).rows == rows
