"""A named query's lookup form (``queries/lookup/NAME.rq``) gives the rows of its tuned form.

kg runs the lookup form whenever parameters are given; both forms must answer the same,
row for row and in the same order, for every parameter the query documents.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.sparql import QueryText, load_query, named_queries, run_query
from kg.resources import resource_path
from kg.store import Store

WITH_LOOKUP = sorted(path.stem for path in resource_path("queries", "lookup").glob("*.rq"))


def documented_parameters(text: str) -> list[str]:
    """The ``?name`` entries of the query header's "Parameters:" list."""
    header = text.split("\nPREFIX", 1)[0]
    section = header.split("# Parameters:", 1)[1] if "# Parameters:" in header else ""
    return re.findall(r"^#\s+\?(\w+)\s", section, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def store(dev_store: Path):
    with Store.open(dev_store, read_only=True) as opened:
        yield opened


def test_the_lookup_forms_are_of_named_queries_and_loaded_with_them() -> None:
    assert {"evidence", "figures", "quotes", "officials"} <= set(WITH_LOOKUP) <= set(named_queries())
    for name in WITH_LOOKUP:
        query = load_query(name)
        assert query.lookup is not None and query.lookup != query.text
    assert load_query("events").lookup is None


@pytest.mark.parametrize("name", WITH_LOOKUP)
def test_lookup_form_answers_as_the_tuned_form(store: Store, name: str) -> None:
    query = load_query(name)
    tuned = QueryText(name, query.text, query.source)           # no lookup form: always tuned
    plain = QueryText(name, query.lookup, query.source)          # the lookup form as the main text
    assert run_query(store, plain).rows == run_query(store, tuned).rows
    full = run_query(store, tuned)
    parameters = documented_parameters(query.text)
    assert parameters, f"{name} documents no parameters"
    tried = 0
    for parameter in parameters:
        if parameter not in full.vars:
            continue
        column = full.vars.index(parameter)
        values = sorted({str(row[column]) for row in full.rows if row[column] is not None})
        for value in values[:: max(1, len(values) // 3)][:3]:
            bound = {parameter: value}
            expected = run_query(store, tuned, bound).rows
            assert expected, f"{name} with ?{parameter}={value} found nothing"
            assert run_query(store, query, bound).rows == expected, f"{name} ?{parameter}={value}"
            tried += 1
    assert tried >= 2
