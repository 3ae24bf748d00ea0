"""``kg build DIR --prune``: the graphs of articles whose file is gone leave the store, and
nothing else does (kg/prune.py)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import kg
from kg.prune import stale_articles
from kg.store import Store
from tests.conftest import REPO_ROOT, run_kg_process

ARTICLES = sorted((REPO_ROOT / "tests" / "articles").glob("*.txt"))[:5]  # four in the corpus, one elsewhere
SOURCES = f"SELECT ?source WHERE {{ GRAPH ?g {{ ?a <https://w3id.org/kgnews/ontology#sourceFile> ?source }} }}"


def sources_in(store_path: Path) -> list[str]:
    with Store.open(store_path, read_only=True) as store:
        _names, rows = store.query(SOURCES)
    return sorted(str(row[0]) for row in rows)


def union_is_the_graphs(store_path: Path) -> bool:
    with Store.open(store_path, read_only=True) as store:
        union = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[1][0][0]
        merged = store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                             "WHERE { GRAPH ?g { ?s ?p ?o } } }")[1][0][0]
    return int(union) == int(merged)


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four articles in corpus/ (named relative to tmp_path, the working directory), built."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "corpus"
    folder.mkdir()
    for article in ARTICLES[:4]:
        shutil.copy(article, folder / article.name)
    report = kg.build("corpus", store="store", fast=True)
    assert report.built == 4
    return folder


def test_a_deleted_and_a_renamed_file_leave_the_store(corpus: Path) -> None:
    first, second = ARTICLES[0].name, ARTICLES[1].name
    (corpus / first).unlink()
    (corpus / second).rename(corpus / "renamed.txt")
    report = kg.build("corpus", store="store", fast=True, prune=True)
    assert (report.pruned, report.built, report.skipped) == (2, 1, 2)
    assert report.pruned_notes == sorted([f"corpus/{first}", f"corpus/{second}"])
    assert sources_in(Path("store")) == sorted(["corpus/renamed.txt", *(f"corpus/{a.name}" for a in ARTICLES[2:4])])
    assert union_is_the_graphs(Path("store"))  # the pruned articles' triples are gone from the union too


def test_without_prune_nothing_is_removed(corpus: Path) -> None:
    (corpus / ARTICLES[0].name).unlink()
    report = kg.build("corpus", store="store", fast=True)
    assert report.pruned == 0
    assert len(sources_in(Path("store"))) == 4


def test_only_missing_files_inside_the_directories_built_are_pruned(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(ARTICLES[4], other / "outside.txt")
    assert kg.build(["other/outside.txt"], store="store", fast=True).built == 1
    (other / "outside.txt").unlink()  # gone, but not inside a directory this build is given
    (corpus / ARTICLES[2].name).write_text("", encoding="utf-8")  # still a file (that fails to read): kept
    report = kg.build("corpus", store="store", fast=True, prune=True)
    assert report.pruned == 0 and report.failed == 1
    assert {"other/outside.txt", f"corpus/{ARTICLES[2].name}"} <= set(sources_in(Path("store")))
    with Store.open("store", read_only=True) as store:  # it would be, inside a directory given
        assert [item.source for item in stale_articles(store, ["other"])] == ["other/outside.txt"]
        assert [item.source for item in stale_articles(store, ["other/"])] == ["other/outside.txt"]
        assert stale_articles(store, ["./other"]) == []  # that build would name it ./other/outside.txt
        assert stale_articles(store, ["oth"]) == []  # a name that only begins the same is another folder


def test_a_duplicate_of_a_deleted_file_is_built_in_its_place(corpus: Path) -> None:
    shutil.copy(corpus / ARTICLES[0].name, corpus / "copy.txt")
    first = kg.build("corpus", store="store", fast=True)
    assert first.duplicates == 1  # copy.txt is the same article, built once
    (corpus / ARTICLES[0].name).unlink()
    report = kg.build("corpus", store="store", fast=True, prune=True)
    assert (report.pruned, report.built, report.duplicates) == (1, 1, 0)
    assert "corpus/copy.txt" in sources_in(Path("store"))


def test_records_of_a_deleted_json_lines_file_are_pruned(corpus: Path) -> None:
    records = [{"title": f"Story {i}", "date": "2012-12-05", "text": ARTICLES[i].read_text(encoding="utf-8")}
               for i in range(2)]
    lines = corpus / "feed.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    kg.build("corpus", store="store", fast=True)
    assert any(s.startswith("corpus/feed.jsonl:") for s in sources_in(Path("store")))
    lines.unlink()
    report = kg.build("corpus", store="store", fast=True, prune=True)
    assert not any(s.startswith("corpus/feed.jsonl:") for s in sources_in(Path("store")))
    assert report.pruned >= 1


def test_paths_are_compared_as_the_build_names_them(corpus: Path) -> None:
    """Run from inside corpus/, '.' names the files ./NAME: the articles recorded as
    corpus/NAME by the build run one level up are not this build's to prune."""
    os.chdir(corpus)
    Path(ARTICLES[3].name).unlink()
    report = kg.build(".", store="../store", fast=True, prune=True)
    assert report.pruned == 0
    assert f"corpus/{ARTICLES[3].name}" in sources_in(Path("../store"))
    shutil.copy(ARTICLES[3], ARTICLES[3].name)
    kg.build([ARTICLES[3].name], store="../store", fast=True)
    os.chdir(corpus.parent)
    (corpus / ARTICLES[3].name).unlink()
    report = kg.build("corpus/", store="store", fast=True, prune=True)  # a trailing / names the same files
    assert report.pruned_notes == [f"corpus/{ARTICLES[3].name}"]


def test_kg_build_prune_reports_what_it_removed(corpus: Path, tmp_path: Path) -> None:
    (corpus / ARTICLES[0].name).unlink()
    code, out, err = run_kg_process("build", "corpus", "--store", "store", "--fast", "--prune", cwd=tmp_path)
    assert code == 0, err
    assert f"Pruned 1 article(s) whose file is gone\npruned: corpus/{ARTICLES[0].name}\n" in out
    code, _out, err = run_kg_process("build", "corpus", "--prune", "--no-store", "--shards", "s", cwd=tmp_path)
    assert code == 2 and "--prune" in err and "Traceback" not in err


def graph_names(store_path: Path) -> list[str]:
    with Store.open(store_path, read_only=True) as store:
        return [str(graph) for graph in store.graphs()]


def test_links_and_scores_do_not_outlive_the_articles_they_were_made_from(tmp_path: Path) -> None:
    """kg link's graph (inferred members among it) and kg analyse --write's scores were computed
    from the articles: a build that changes them removes both and says to run them again."""
    from kg.rdf.iris import ANALYSIS_GRAPH_PREFIX, LINKS_GRAPH

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    reference = REPO_ROOT / "kg" / "data" / "global_alliance_2012.txt"
    shutil.copy(reference, corpus / reference.name)
    for command in (["build", "corpus", "--fast", "-q"], ["link", "-q"], ["analyse", "--write"]):
        code, _out, err = run_kg_process(*command, "--store", "store", cwd=tmp_path)
        assert code == 0, err
    derived = [g for g in graph_names(tmp_path / "store") if g == str(LINKS_GRAPH) or g.startswith(ANALYSIS_GRAPH_PREFIX)]
    assert len(derived) == 2
    code, out, _err = run_kg_process("build", "corpus", "--fast", "--store", "store", cwd=tmp_path)
    assert code == 0 and "Removed" not in out  # nothing changed: the links and scores still hold
    assert set(derived) <= set(graph_names(tmp_path / "store"))

    (corpus / reference.name).unlink()  # the one article that reported the alliance is gone
    code, out, err = run_kg_process("build", "corpus", "--fast", "--prune", "--store", "store", cwd=tmp_path)
    assert "Removed 2 graph(s) made from the articles before this build" in out, out + err
    assert "run kg analyse --write and kg link again" in out
    assert not set(derived) & set(graph_names(tmp_path / "store"))
    code, out, err = run_kg_process("query", "members", "--store", "store", "-f", "csv", "--no-headers", cwd=tmp_path)
    assert code == 0 and out == ""  # no member inferred for an agreement no article reports


def test_a_build_stopped_after_its_first_change_leaves_no_stale_links(tmp_path: Path, monkeypatch) -> None:
    """The derived graphs go before the first article changes, not at the end: a build
    interrupted in between (Ctrl-C, a failing store) cannot leave them answering."""
    from kg.rdf.iris import LINKS_GRAPH

    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    reference = REPO_ROOT / "kg" / "data" / "global_alliance_2012.txt"
    shutil.copy(reference, corpus / reference.name)
    kg.build("corpus", store="store", fast=True)
    code, _out, err = run_kg_process("link", "-q", "--store", "store", cwd=tmp_path)
    assert code == 0, err
    assert str(LINKS_GRAPH) in graph_names(tmp_path / "store")
    for article in ARTICLES[:2]:
        shutil.copy(article, corpus / article.name)

    def stop(summary) -> None:
        if not summary.skipped:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        kg.build("corpus", store="store", fast=True, on_article=stop)
    assert str(LINKS_GRAPH) not in graph_names(tmp_path / "store")
