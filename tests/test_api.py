"""The Python API (kg.api, reached as kg.open / kg.build / kg.query / kg.extract): its docstring
examples, the README's Python section, and what a notebook user relies on."""

from __future__ import annotations

import doctest
from decimal import Decimal
import re
import subprocess
import sys
from pathlib import Path

import pytest

import kg
import kg.api
from kg.errors import KgError, QueryError, UsageError

ROOT = Path(__file__).resolve().parent.parent


def test_docstring_examples_run():
    result = doctest.testmod(kg.api, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 10
    assert result.failed == 0


def _readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_python_section_runs(tmp_path, monkeypatch):
    blocks = _readme_python_blocks()
    assert blocks, "the README's Python API section has no python block"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "README.md (Python API)", "exec"), namespace)  # noqa: S102 - our own README


def test_import_kg_loads_no_api_dependency():
    code = ("import sys, kg; heavy = [m for m in ('kg.api', 'rdflib', 'pyoxigraph', 'spacy', 'kg.store') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_names_do_not_collide_with_submodules():
    """kg.build, kg.query and kg.extract stay functions after every submodule is imported."""
    import kg.builder  # noqa: F401
    import kg.extraction  # noqa: F401
    import kg.sparql  # noqa: F401

    assert callable(kg.build) and kg.build is kg.api.build
    assert kg.query is kg.api.query and kg.extract is kg.api.extract and kg.open is kg.api.open


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api") / "store"
    report = kg.build(kg.sample_article(), store=folder, fast=True)
    assert report.built == 1 and report.failed == 0
    return folder


def test_build_by_location_then_query_by_location(built):
    rows = kg.query("members", store=built)
    assert len(rows) == 22
    assert rows.columns[:4] == ("agreement", "agreementLabel", "member", "memberLabel")
    assert {row["iso3"] for row in rows} >= {"USA", "ALB", "JPN"}
    again = kg.build([kg.sample_article()], store=built, fast=True)
    assert (again.built, again.skipped) == (0, 1)


def test_build_jobs_none_takes_the_command_lines_default(tmp_path):
    from kg.engine.local import default_jobs

    report = kg.build(kg.sample_article(), store=tmp_path / "s", fast=True, jobs=None, identity=False)
    assert report.built == 1
    assert report.jobs == default_jobs(True)[0]


def test_query_parameters_narrow_like_the_cli(built):
    usa = kg.query("members", store=built, member="https://w3id.org/kgnews/id/country/USA")
    assert [row["memberLabel"] for row in usa] == ["United States"]
    assert len(kg.query("members", store=built, params={"memberLabel": "Nowhere"})) == 0
    with pytest.raises(QueryError):
        kg.query("members", store=built, nosuchcolumn="x")


def test_query_forms(built):
    assert kg.query("ASK { ?s ?p ?o }", store=built) is True
    graph = kg.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3", store=built)
    assert len(graph) == 3
    with pytest.raises(UsageError, match="did you mean"):
        kg.query("memberz", store=built)


def test_values_are_plain_python(built):
    rows = kg.query("figures", store=built)
    values = [row["value"] for row in rows]
    assert sorted(values) == [Decimal(10), Decimal(50000), Decimal(1000000)]  # xsd:decimal, exact
    assert all(isinstance(row["text"], str) and row["article"].startswith("https://") for row in rows)


def test_dataframes(built):
    rows = kg.query("members", store=built)
    frame = rows.to_pandas()
    assert list(frame.columns) == list(rows.columns) and len(frame) == 22
    polars_frame = rows.to_polars()
    assert polars_frame.columns == list(rows.columns) and polars_frame.height == 22


def test_dataframe_library_missing_is_one_line(built, monkeypatch):
    monkeypatch.setitem(sys.modules, "polars", None)  # as if not installed
    with pytest.raises(KgError, match="pip install polars"):
        kg.query("members", store=built).to_polars()


def test_extract_reads_text_as_a_file_is_read():
    facts = kg.extract("Treaty signed\n\nGermany and France signed a treaty on Monday.", fast=True,
                       date="2020-03-02")
    assert facts.article.title == "Treaty signed"
    assert str(facts.article.date) == "2020-03-02"
    assert {actor.name for actor in facts.actors.values()} >= {"Germany", "France"}
    assert facts.sentences
    for evidence in facts.sentences:  # provenance points into the article's text
        assert facts.article.text[evidence.start:evidence.end] == evidence.sentence


def test_bad_arguments_are_one_line_errors(tmp_path):
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        kg.extract("Germany and France signed a treaty.", date="yesterday", fast=True)
    with pytest.raises(UsageError):
        kg.extract(b"bytes", fast=True)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="jobs"):
        kg.build([kg.sample_article()], store=None or tmp_path / "s", jobs=0)
    with pytest.raises(KgError):
        kg.query("members", store=tmp_path / "missing")
