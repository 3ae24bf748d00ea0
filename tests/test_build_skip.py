"""What a rebuild skips, and what makes it read an article again.

* A source whose bytes were built before (same place, same reader, same extraction) is not
  read at all: no decoding, cleaning or language check runs for it. Counted with spies on
  the readers' cleaners and checks, not timed.
* An edited file, an edited JSON Lines record, a new reader version, another extraction and
  a switch between ``--fast`` and the parser each rebuild what they touch.
* The default number of jobs is a pure function of what an article costs and the cores.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import kg.builder
import kg.engine.work as work
import kg.reading.article as article_module
import kg.reading.html as html
import kg.reading.jsonl as jsonl
import kg.reading.sources as sources
import kg.reading.wire as wire
from kg.builder import build
from kg.engine import open_engine
from kg.engine.local import (
    ARTICLE_SECONDS,
    SMALL_RUN,
    ProcessEngine,
    SerialEngine,
    choose_jobs,
    default_jobs,
    seconds_per_article,
)
from kg.namespaces import KGO
from kg.store import Store

TEXTS = {
    "a.txt": "France and Germany signed a treaty in Paris on Monday. The European Union welcomed it.",
    "b.md": "## Water pact\n\nKenya and Tanzania signed the Lake Victoria Water Pact in Arusha on Friday.",
    "c.html": "<html><head><title>Deal</title></head><body><article><p>Chile and Peru agreed a fishing "
              "deal in Lima on Tuesday.</p></article></body></html>",
}
RECORDS = [
    {"id": "one", "text": "Norway and Ghana met in Accra on Monday to discuss cocoa exports."},
    {"text": "Spain and Portugal signed a water accord in Lisbon on Friday."},
]


@pytest.fixture
def reads(monkeypatch) -> Counter:
    """How often each reader step ran: decoding, cleaning and parsing, the language check."""
    counts: Counter = Counter()

    def spy(module, name: str) -> None:
        real = getattr(module, name)

        def counted(*args, **kwargs):
            counts[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)

    spy(sources, "_decode")
    spy(sources, "parse_wire")
    spy(sources, "parse_html")
    spy(wire, "clean_body")
    spy(html, "normalize_text")
    spy(jsonl, "_parse_line")
    spy(jsonl, "clean_body")
    spy(article_module, "not_english")
    return counts


def corpus(root: Path) -> Path:
    folder = root / "corpus"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    (folder / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return folder


def run(store_path: Path, *sources_: Path, **options):
    with Store.open(store_path) as store:
        report = build([str(s) for s in sources_], store, identity=False, fast=options.pop("fast", True), **options)
        keys = {str(o) for _s, p, o in store.triples() if p == KGO.buildKey}
        return report, set(store.quads()), keys


def test_an_unchanged_rebuild_reads_no_text(tmp_path: Path, reads: Counter) -> None:
    folder = corpus(tmp_path)
    report, quads, keys = run(tmp_path / "store", folder)
    assert (report.built, report.failed) == (5, 0)
    assert len(keys) == 5, "every graph holds its build key"
    assert reads["not_english"] == 5 and reads["_parse_line"] == 2, "the spies see a build that reads"
    reads.clear()
    report, again, _ = run(tmp_path / "store", folder)
    assert (report.built, report.skipped, report.duplicates, report.failed) == (0, 5, 0, 0)
    assert not reads, f"an unchanged source was read: {dict(reads)}"
    assert again == quads


def test_an_unchanged_rebuild_reads_no_text_with_worker_processes(tmp_path: Path, reads: Counter) -> None:
    folder = corpus(tmp_path)
    for n in range(SMALL_RUN):
        (folder / f"more-{n}.txt").write_text(f"Japan and Korea met in Seoul on day {n} to discuss trade.\n",
                                              encoding="utf-8")
    with Store.open(tmp_path / "store") as store:
        first = build([folder], store, jobs=2, fast=True, identity=False)
    assert first.built == 5 + SMALL_RUN
    reads.clear()
    with Store.open(tmp_path / "store") as store, ProcessEngine(2, fast=True) as engine:
        report = build([folder], store, engine=engine, identity=False)
        assert engine._pool is None, "no worker was started for a run with nothing to build"
    assert (report.built, report.skipped) == (0, 5 + SMALL_RUN)
    assert not reads


def test_an_edited_file_is_read_and_rebuilt_and_no_other(tmp_path: Path, reads: Counter) -> None:
    folder = corpus(tmp_path)
    _report, before, keys = run(tmp_path / "store", folder)
    (folder / "a.txt").write_text(TEXTS["a.txt"] + " Italy said it would join the treaty.\n", encoding="utf-8")
    reads.clear()
    report, after, new_keys = run(tmp_path / "store", folder)
    assert (report.built, report.skipped, report.duplicates) == (1, 4, 0)
    assert reads["_decode"] == 1 and reads["not_english"] == 1 and reads["_parse_line"] == 0
    assert len(new_keys) == 5 and len(new_keys - keys) == 1
    assert any("Italy" in str(q[2]) for q in after - before)


def test_an_edited_json_lines_record_is_the_only_line_read(tmp_path: Path, reads: Counter) -> None:
    folder = corpus(tmp_path)
    run(tmp_path / "store", folder)
    edited = [dict(RECORDS[0], text=RECORDS[0]["text"] + " Ghana said talks would go on."), RECORDS[1]]
    (folder / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in edited), encoding="utf-8")
    reads.clear()
    report, _quads, _keys = run(tmp_path / "store", folder)
    assert (report.built, report.skipped) == (1, 4)
    assert reads["_parse_line"] == 1 and reads["_decode"] == 0


def test_whitespace_only_edits_rebuild_the_file_once(tmp_path: Path) -> None:
    """Other bytes with the same content: read again, rebuilt under its new key, then skipped."""
    folder = corpus(tmp_path)
    _report, before, _keys = run(tmp_path / "store", folder)
    (folder / "a.txt").write_text(TEXTS["a.txt"] + "\n\n\n", encoding="utf-8")
    report, after, _ = run(tmp_path / "store", folder)
    assert (report.built, report.skipped, report.duplicates) == (1, 4, 0)
    assert len(after) == len(before)
    report, _quads, _keys = run(tmp_path / "store", folder)
    assert (report.built, report.skipped) == (0, 5)


def test_a_new_reader_version_rebuilds_every_article(tmp_path: Path, monkeypatch) -> None:
    folder = corpus(tmp_path)
    _report, before, keys = run(tmp_path / "store", folder)
    monkeypatch.setattr(article_module, "READER_VERSION", article_module.READER_VERSION + 1)
    report, after, new_keys = run(tmp_path / "store", folder)
    assert (report.built, report.skipped, report.duplicates) == (5, 0, 0)
    assert not keys & new_keys and len(new_keys) == 5
    unkeyed = {q for q in before if q[1] != KGO.buildKey}
    assert unkeyed == {q for q in after if q[1] != KGO.buildKey}, "the same reading gives the same graphs"


def test_another_extraction_rebuilds_every_article(tmp_path: Path, monkeypatch) -> None:
    folder = corpus(tmp_path)
    run(tmp_path / "store", folder)
    stamp = work.extractor_stamp(True)
    assert stamp.startswith("extraction ") and "rules only" in stamp
    monkeypatch.setattr(work, "extractor_stamp", lambda fast: stamp + " (changed)")
    monkeypatch.setattr(kg.builder, "extractor_stamp", work.extractor_stamp)
    report, _quads, _keys = run(tmp_path / "store", folder)
    assert (report.built, report.skipped) == (5, 0)
    report, _quads, _keys = run(tmp_path / "store", folder)
    assert (report.built, report.skipped) == (0, 5)


def test_the_extraction_stamp_follows_the_code_and_the_reading(tmp_path: Path, monkeypatch) -> None:
    assert work.extractor_stamp(True) != work.extractor_stamp(False)
    digest = work._code_digest()
    assert digest == work._code_digest()
    package = Path(work.__file__).resolve().parent.parent
    copy = tmp_path / "kg"
    for name in work._EXTRACTION_CODE:
        source = package / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            (copy / name).write_bytes(source.read_bytes())
        else:
            for path in source.rglob("*"):
                if path.is_file() and "__pycache__" not in path.parts:
                    target = copy / path.relative_to(package)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(path.read_bytes())
    (copy / "engine").mkdir()
    monkeypatch.setattr(work, "__file__", str(copy / "engine" / "work.py"))
    assert work._code_digest() == digest, "the digest is of the files, wherever kg is installed"
    with (copy / work._EXTRACTION_CODE[0] / "pipeline.py").open("a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    assert work._code_digest() != digest


def test_the_extraction_code_named_in_the_stamp_exists() -> None:
    """A package renamed or moved must not silently drop out of the extraction's digest."""
    package = Path(work.__file__).resolve().parent.parent
    missing = [name for name in work._EXTRACTION_CODE if not (package / name).exists()]
    assert not missing, f"kg.engine.work._EXTRACTION_CODE names what is not there: {missing}"
    assert (package / work._EXTRACTION_CODE[0] / "pipeline.py").is_file(), "the extractor's own code"


def test_the_pipeline_packages_are_those_of_the_syntax_module() -> None:
    from kg.extraction.syntax import PIPELINE_PACKAGES

    assert work._PIPELINE_PACKAGES == PIPELINE_PACKAGES


def test_fast_and_parsed_builds_never_pass_for_each_other(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(TEXTS["a.txt"] + "\n", encoding="utf-8")
    store = tmp_path / "store"

    def extracted_with() -> list[str]:
        with Store.open(store, read_only=True) as s:
            return [str(o) for _s, p, o in s.triples() if p == KGO.extractedWith]

    report, _quads, _keys = run(store, story, fast=True)
    assert report.built == 1
    fast_label = extracted_with()
    report, _quads, _keys = run(store, story, fast=False)
    assert (report.built, report.skipped) == (1, 0), "a --fast graph is not what a parser build makes"
    assert extracted_with() != fast_label
    report, _quads, _keys = run(store, story, fast=False)
    assert (report.built, report.skipped) == (0, 1)
    report, _quads, _keys = run(store, story, fast=True)
    assert (report.built, report.skipped) == (1, 0), "nor the other way round"
    assert extracted_with() == fast_label


def test_a_shard_built_by_another_extraction_replaces_the_stored_graph(tmp_path: Path, monkeypatch) -> None:
    folder = corpus(tmp_path)
    with Store.open(tmp_path / "store") as store:
        build([folder], store, fast=True, identity=False, shards=tmp_path / "shards")
    report, _quads, _keys = run(tmp_path / "store", tmp_path / "shards" / "part-000001.nq")
    assert (report.built, report.skipped) == (0, 5), "the same graphs: unchanged"
    monkeypatch.setattr(work, "extractor_stamp", lambda fast: "another extraction")
    monkeypatch.setattr(kg.builder, "extractor_stamp", work.extractor_stamp)
    build([folder], None, shards=tmp_path / "other", fast=True, identity=False)
    monkeypatch.undo()
    report, _quads, keys = run(tmp_path / "store", tmp_path / "other" / "part-000001.nq")
    assert (report.built, report.skipped) == (5, 0), "the same content, built by another extraction"
    assert keys == {work.build_key(d, "another extraction") for d in _digests(folder)}
    report, _quads, _keys = run(tmp_path / "store", tmp_path / "other" / "part-000001.nq")
    assert (report.built, report.skipped) == (0, 5)


def _digests(folder: Path) -> set[str]:
    return {a.digest for a in sources.iter_articles([folder]) if isinstance(a, article_module.Article)}


# --- the default number of jobs ----------------------------------------------------------------


def test_fast_builds_use_one_process_on_two_cores_and_parsed_builds_both() -> None:
    assert choose_jobs(ARTICLE_SECONDS[True], 2) == 1
    assert choose_jobs(ARTICLE_SECONDS[False], 2) == 2
    assert default_jobs(True, 2) == (1, 0)
    jobs, small_run = default_jobs(False, 2)
    assert jobs == 2 and SMALL_RUN <= small_run


@pytest.mark.parametrize("cores", [1, 2, 3, 4, 8, 16, 64])
def test_the_chosen_jobs_are_never_slower_than_one_by_the_model(cores: int) -> None:
    previous = 1
    for cost in (0.0005, 0.001, 0.003, ARTICLE_SECONDS[True], 0.02, ARTICLE_SECONDS[False], 0.3, 2.0):
        jobs = choose_jobs(cost, cores)
        assert 1 <= jobs <= cores
        assert seconds_per_article(jobs, cost, cores) <= seconds_per_article(1, cost, cores)
        assert jobs >= previous, "a dearer article never gets fewer jobs"
        previous = jobs
    assert choose_jobs(0.0001, cores) == 1, "cheap articles: the building process's own work dominates"
    assert choose_jobs(10.0, cores) == cores, "dear articles: every core extracts"


def test_the_choice_follows_the_costs_it_is_given() -> None:
    assert choose_jobs(0.075, 2, write_seconds=0.2) == 1, "a store that costs more to write than to extract"
    assert choose_jobs(0.0096, 2, write_seconds=0.0, handoff_seconds=0.0) == 2


def test_the_default_engine_is_chosen_from_the_cost_and_the_cores(monkeypatch) -> None:
    import kg.engine.local as local

    monkeypatch.setattr(local, "available_cores", lambda: 2)
    with open_engine("local", fast=True) as engine:
        assert isinstance(engine, SerialEngine)
    with open_engine("local", fast=False) as engine:
        assert isinstance(engine, ProcessEngine) and engine.jobs == 2 and engine.small_run >= SMALL_RUN
    with open_engine("local", jobs=2, fast=True) as engine:
        assert isinstance(engine, ProcessEngine) and engine.small_run == SMALL_RUN, "--jobs N is obeyed"
    monkeypatch.setattr(local, "available_cores", lambda: 1)
    with open_engine("local", fast=False) as engine:
        assert isinstance(engine, SerialEngine)
