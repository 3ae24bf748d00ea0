"""``--param`` on a named query only narrows its answer, or is refused.

For every named query and every column: a value that occurs gives exactly the rows of the
unparameterised answer whose column holds that term (same rows, same order, nothing else
changed), and a value that does not occur gives no rows. A name that is not a column is
refused with a message that lists the columns and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef

from kg.errors import QueryError
from kg.sparql import load_query, named_queries, run_query
from kg.store import Store

ABSENT = (URIRef("https://example.org/no-such-thing"), Literal("no such value"), Literal(-987654321))


@pytest.fixture(scope="module")
def store(dev_store: Path):
    with Store.open(dev_store, read_only=True) as opened:
        yield opened


def samples(values: set) -> list:
    """Up to three values, spread over the sorted distinct values (deterministic)."""
    ordered = sorted(values, key=lambda term: (type(term).__name__, str(term), str(getattr(term, "datatype", ""))))
    return ordered[:: max(1, len(ordered) // 3)][:3]


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_column_narrows_exactly_or_gives_nothing(store: Store, name: str) -> None:
    query = load_query(name)
    full = run_query(store, query)
    assert full.kind == "select" and full.vars
    ordered = re.search(r"^ORDER BY", query.text, flags=re.MULTILINE) is not None

    def same(rows: list) -> list:
        return rows if ordered else sorted(rows, key=repr)  # an unordered answer: any order

    for column, variable in enumerate(full.vars):
        values = {row[column] for row in full.rows if row[column] is not None and not isinstance(row[column], BNode)}
        for value in samples(values):
            expected = [row for row in full.rows if row[column] == value]
            narrowed = run_query(store, query, {variable: value})
            assert narrowed.vars == full.vars
            assert same(narrowed.rows) == same(expected), f"{name} --param {variable}={value}"
        for value in ABSENT:
            if value in values:
                continue
            assert run_query(store, query, {variable: value}).rows == [], f"{name} --param {variable}={value!r}"


def test_the_dev_store_exercises_columns_filled_in_optionals(store: Store) -> None:
    """The exhaustive test above is only as good as its data: the store has rows for the
    queries whose columns the issue found inventing values."""
    for name in ("officials", "quotes", "figures", "members", "agreements", "events", "actors", "links"):
        assert run_query(store, load_query(name)).rows, name


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_a_name_that_is_not_a_column_is_refused_listing_only_the_columns(store: Store, name: str) -> None:
    query = load_query(name)
    columns = run_query(store, query).vars
    internal = [v for v in _variables(query.text) + _variables(query.lookup or "") if v not in columns]
    for variable in [*dict.fromkeys(internal), "nosuchcolumn"]:
        with pytest.raises(QueryError) as caught:
            run_query(store, query, {variable: "x"})
        message = str(caught.value)
        assert "\n" not in message
        assert message.endswith(": " + ", ".join(f"?{c}" for c in columns)), message
        mentioned = {word[1:].rstrip(",") for word in message.split() if word.startswith("?")}
        assert mentioned - {variable} <= set(columns), message


def _variables(text: str) -> list[str]:
    from kg.sparql import query_variables

    return query_variables(text)


@pytest.mark.parametrize(("query", "param", "rows"), [
    ("officials", "name=Nobody", 0),
    ("figures", "unit=furlongs", 0),
    ("quotes", "speakerName=Eric Holder", 1),
    ("members", "memberLabel=Albania", 1),
    ("agreements", "date=2012-12-05", 1),
])  # fmt: skip
def test_the_issue_examples_narrow_on_the_command_line(reference_store: Path, run_kg, query: str, param: str,
                                                       rows: int) -> None:
    code, out, err = run_kg("query", query, "--store", reference_store, "--format", "csv", "--param", param)
    assert code == 0, err
    lines = out.splitlines()[1:]
    assert len(lines) == rows, out
    column, _, value = param.partition("=")
    header = out.splitlines()[0].split(",")
    for line in lines:
        assert value in line, line
    assert column in header


def test_an_internal_variable_is_refused_on_the_command_line(reference_store: Path, run_kg) -> None:
    code, out, err = run_kg("query", "members", "--store", reference_store, "--param", "memberLabel_=Albania")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "?memberLabel_ is not a column" in err
    assert err.rstrip().endswith("?agreement, ?agreementLabel, ?member, ?memberLabel, ?iso3")
