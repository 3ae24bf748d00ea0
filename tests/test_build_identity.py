"""An article's identity under edits, and one article seen at two paths.

* Two files with the same content are one article seen at two paths: built once, and the
  summary says so (not "unchanged", which is what a fresh store used to report).
* An edited article keeps its identity, for every input kind: a file without URL (or title
  and date) by its path, a JSON Lines record by its ``id`` (else its file and line), an HTML
  page by its canonical URL (else its path). The store then holds one graph per article,
  the edited one; a graph stored under an earlier identity of the same file is dropped in
  the same transaction as the new one is written.
"""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import URIRef

from kg.builder import build
from kg.namespaces import KGO, NIF
from kg.store import Store

TEXT = "France and Germany signed a treaty in Paris on Monday. The European Union welcomed the treaty."
EDITED = TEXT + " Italy said it would join the treaty next year."


def _build(store_path: Path, *sources: Path, **options):
    with Store.open(store_path) as store:
        report = build([str(s) for s in sources], store, jobs=1, identity=False, **options)
        graphs = store.graphs()  # article graphs only: no identity or links graph here
        sources_of = sorted(str(o) for _s, _p, o in store.triples() if _p == KGO.sourceFile)
    return report, graphs, sources_of


def test_duplicate_files_on_a_fresh_store_are_one_article_seen_at_two_paths(tmp_path: Path, run_kg) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(TEXT + "\n", encoding="utf-8")
    second.write_text(TEXT + "\n", encoding="utf-8")
    report, graphs, _ = _build(tmp_path / "store", first, second)
    assert (report.built, report.skipped, report.duplicates, report.failed) == (1, 0, 1, 0)
    assert report.duplicate_notes == [(str(second), str(first))]
    assert len(graphs) == 1
    code, out, err = run_kg("build", first, second, "--store", tmp_path / "cli-store")
    assert code == 0, err
    assert out.splitlines()[0].startswith("Built 1 article(s), 0 unchanged, 1 duplicate(s), 0 failed")
    assert f"duplicate: {second} is the same article as {first}" in out


def test_a_duplicate_of_a_stored_article_is_reported_as_such(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(TEXT, encoding="utf-8")
    second.write_text(TEXT, encoding="utf-8")
    _build(tmp_path / "store", first)
    report, graphs, _ = _build(tmp_path / "store", first, second)
    assert (report.built, report.skipped, report.duplicates) == (0, 1, 1)
    assert len(graphs) == 1
    report, graphs, _ = _build(tmp_path / "store", second, force=True)
    assert (report.built, report.duplicates) == (0, 1), "--force never builds one article twice"


def _one_graph_after_edit(tmp_path: Path, path: Path, before: str, after: str) -> list:
    path.write_text(before, encoding="utf-8")
    report, graphs, _ = _build(tmp_path / "store", path)
    assert report.built >= 1 and graphs
    count = len(graphs)
    path.write_text(after, encoding="utf-8")
    report, graphs_after, _ = _build(tmp_path / "store", path)
    assert report.built >= 1 and report.duplicates == 0
    assert len(graphs_after) == count, f"an edited {path.suffix} was added, not replaced"
    return graphs_after


def test_an_edited_plain_text_file_replaces_its_own_graph(tmp_path: Path) -> None:
    graphs = _one_graph_after_edit(tmp_path, tmp_path / "story.txt", TEXT + "\n", EDITED + "\n")
    with Store.open(tmp_path / "store", read_only=True) as store:
        texts = [str(o) for _s, p, o in store.triples(graphs[0]) if p == NIF.anchorOf]
    assert any("Italy" in t for t in texts), "the graph is the edited article's"


def test_an_edited_title_line_keeps_the_file_identity(tmp_path: Path) -> None:
    _one_graph_after_edit(tmp_path, tmp_path / "story.txt", "Treaty signed\n\n" + TEXT + "\n",
                          "Treaty signed in Paris\n\n" + EDITED + "\n")


def test_an_edited_html_page_without_canonical_url_keeps_its_path_identity(tmp_path: Path) -> None:
    page = "<html><head><title>Treaty</title></head><body><article><p>{}</p></article></body></html>"
    _one_graph_after_edit(tmp_path, tmp_path / "story.html", page.format(TEXT), page.format(EDITED))


def test_edited_json_lines_records_keep_their_identity(tmp_path: Path) -> None:
    def lines(*records: dict) -> str:
        return "".join(json.dumps(r) + "\n" for r in records)

    by_id = [{"id": "a", "text": TEXT}, {"id": "b", "text": "Spain and Portugal signed a water accord in Lisbon."}]
    edited = [{"id": "b", "text": "Spain and Portugal signed a water accord in Lisbon on Friday."}, {"id": "a", "text": EDITED}]
    (tmp_path / "ids").mkdir()
    _one_graph_after_edit(tmp_path / "ids", tmp_path / "ids.jsonl", lines(*by_id), lines(*edited))
    plain = [{"text": TEXT}, {"text": "Spain and Portugal signed a water accord in Lisbon."}]
    (tmp_path / "lines").mkdir()
    _one_graph_after_edit(tmp_path / "lines", tmp_path / "lines.jsonl", lines(*plain),
                          lines({"text": EDITED}, plain[1]))


def test_a_graph_stored_under_an_earlier_identity_goes_in_the_same_transaction(tmp_path: Path, monkeypatch) -> None:
    import kg.reading.sources as sources

    story = tmp_path / "story.txt"
    story.write_text(TEXT + "\n", encoding="utf-8")
    with monkeypatch.context() as patch:  # a store built before files were identified by path
        patch.setattr(sources, "file_key", lambda path: None)
        _report, old_graphs, _ = _build(tmp_path / "store", story)

    def no_separate_drop(self, graph_iri):  # the old graph must go with the new one, not after it
        raise AssertionError(f"dropped {graph_iri} in a transaction of its own")

    monkeypatch.setattr(Store, "drop_graph", no_separate_drop)
    # built by another reader (another identity), the same file is read again: its graph
    # under the file's own identity replaces the old one
    report, graphs, sources_of = _build(tmp_path / "store", story)
    assert (report.built, report.skipped, report.duplicates) == (1, 0, 0)
    assert len(graphs) == 1 and graphs != old_graphs
    assert sources_of == [str(story)]
    report, unchanged, _ = _build(tmp_path / "store", story)
    assert (report.built, report.skipped) == (0, 1) and unchanged == graphs
    with monkeypatch.context() as patch:  # under its old identity, edited
        patch.setattr(sources, "file_key", lambda path: None)
        _report, old_graphs, _ = _build(tmp_path / "old-store", story)
    story.write_text(EDITED + "\n", encoding="utf-8")
    report, graphs, sources_of = _build(tmp_path / "old-store", story)
    assert report.built == 1
    assert len(graphs) == 1 and graphs != old_graphs
    assert sources_of == [str(story)]


def test_replace_graph_drops_the_given_graphs_in_the_same_update(tmp_path: Path) -> None:
    one, two, three = (URIRef(f"https://example.org/graph/{n}") for n in ("one", "two", "three"))
    triple = "<https://example.org/s> <https://example.org/p> \"{}\" .\n"
    with Store.open(None) as store:
        store.add_graphs([(one, triple.format(1)), (two, triple.format(2))])
        store.replace_graph_ntriples(three, triple.format(3), drop=[one])
        assert store.graphs() == [three, two]
        assert sorted(str(o) for _s, _p, o in store.triples()) == ["2", "3"]


def test_a_dated_article_whose_title_is_edited_replaces_its_earlier_version(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    _one_graph_after_edit(tmp_path, story, "## Treaty signed\n\nJune 15 2021\n\n---\n\n" + TEXT + "\n",
                          "## Treaty signed in Paris\n\nJune 15 2021\n\n---\n\n" + EDITED + "\n")
