"""Building at scale: incremental skip and replace, identity across articles, globs and stdin,
worker processes, N-Quads shards, the progress bar and the build command's options.

Most tests call ``kg.cli.main`` or ``kg.builder.build`` in this process with ``--jobs 1`` so the
extractor is loaded once; one test starts worker processes and one runs ``kg`` under a
pseudo-terminal to see the progress bar.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import URIRef

from kg.builder import BuildReport, build, count_articles, expand_sources
from kg.cli import main
from kg.engine.shards import read_shard
from kg.errors import InputError
from kg.namespaces import KGR
from kg.progress import Progress, format_duration
from kg.sparql import load_query, run_query
from kg.rdf import iris
from kg.reading.sources import read_file
from kg.store import Store

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "tests" / "articles"
HELDOUT = ROOT / "tests" / "articles_heldout"

# Two articles naming the same minister (in full once, then by surname) and the EU (by its
# acronym in one article, by its name in the other).
ARTICLE_A = """## Kenya and the EU agree on water projects
March 3 2021
---
Kenya's foreign minister, Ruth Wanjiru, met officials of the EU in Nairobi on Wednesday.

"We are ready to work together," Wanjiru said after the talks.
"""
ARTICLE_B = """## Tanzania and Kenya sign Lake Victoria pact
March 5 2021
---
Foreign Minister Ruth Wanjiru of Kenya and Tanzania signed the Lake Victoria Water Pact on Friday.

Ms Wanjiru said the pact would protect fishing communities. The European Union welcomed the deal.
"""


def record(title: str, text: str, date: str = "2021-03-03") -> str:
    return json.dumps({"title": title, "date": date, "text": text}) + "\n"


def quads(path: Path) -> set:
    with Store.open(path, read_only=True) as store:
        return set(store.quads())


def union(path: Path) -> set:
    with Store.open(path, read_only=True) as store:
        return set(store.triples())


def rows(path: Path, name: str, **params: str) -> list[dict[str, str]]:
    with Store.open(path, read_only=True) as store:
        result = run_query(store, load_query(name), params)
    return [{v: ("" if t is None else str(t)) for v, t in zip(result.vars, row)} for row in result.rows]


def build_cli(*args: object, capsys=None) -> tuple[int, str, str]:
    code = main(["build", "--jobs", "1", *map(str, args)])
    if capsys is None:
        return code, "", ""
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- incremental -------------------------------------------------------------------------------


def test_unchanged_articles_are_skipped_and_a_changed_one_replaces_its_graph(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus.jsonl"
    first = "Norway and Kenya signed the Oslo Water Accord in Oslo on Monday."
    other = "Chile and Peru met in Lima on Tuesday to discuss fishing."
    corpus.write_text(record("Water", first) + record("Fish", other, "2021-03-04"), encoding="utf-8")
    store = tmp_path / "store"

    code, out, _ = build_cli("--store", store, corpus, capsys=capsys)
    assert code == 0 and out.startswith("Built 2 article(s), 0 unchanged, 0 failed")
    before = quads(store)

    code, out, err = build_cli("--store", store, corpus, capsys=capsys)
    assert code == 0 and out.startswith("Built 0 article(s), 2 unchanged, 0 failed")
    assert err.count("unchanged: ") == 2
    assert quads(store) == before

    edited = "Norway and Kenya signed the Bergen Fisheries Accord in Bergen on Monday."
    corpus.write_text(record("Water", edited) + record("Fish", other, "2021-03-04"), encoding="utf-8")
    code, out, _ = build_cli("--store", store, corpus, capsys=capsys)
    assert code == 0 and out.startswith("Built 1 article(s), 1 unchanged, 0 failed")
    after = quads(store)
    fish, water = (str(iris.graph_iri(a)) for a in sorted(read_file(corpus), key=lambda a: a.title))
    assert {q for q in after if str(q[3]) == fish} == {q for q in before if str(q[3]) == fish}
    texts = {str(o) for _s, _p, o, g in after if str(g) == water}
    assert any("Bergen" in t for t in texts) and not any("Oslo Water" in t for t in texts)
    # The union holds no triple of the old version that only it had.
    assert not any("Oslo Water" in str(o) for _s, _p, o in union(store))
    assert union(store) == {(s, p, o) for s, p, o, _g in after}

    code, out, _ = build_cli("--store", store, "--force", corpus, capsys=capsys)
    assert code == 0 and out.startswith("Built 2 article(s), 0 unchanged, 0 failed")
    assert quads(store) == after


def test_two_versions_of_one_article_in_one_run_build_as_if_one_after_the_other(tmp_path: Path) -> None:
    corpus = tmp_path / "twice.jsonl"
    v1 = "Norway and Kenya met in Oslo on Monday."
    v2 = "Norway and Ghana met in Accra on Monday."
    corpus.write_text(record("Talks", v1) * 2 + record("Talks", v2), encoding="utf-8")
    store_path = tmp_path / "store"
    with Store.open(store_path) as store:
        report = build([corpus], store, jobs=1)
        # the second line repeats the first: the same article seen twice, built once
        assert (report.built, report.skipped, report.duplicates, report.failed) == (2, 0, 1, 0)
        (graph,) = store.graphs()
        texts = {str(o) for _s, _p, o in store.triples(graph)}
    assert any("Accra" in t for t in texts) and not any("Oslo" in t for t in texts)


def test_the_content_hash_is_written_last_so_a_partial_graph_is_never_taken_as_built(tmp_path: Path) -> None:
    corpus = tmp_path / "one.jsonl"
    corpus.write_text(record("Talks", "Norway and Kenya met in Oslo on Monday."), encoding="utf-8")
    build([corpus], None, jobs=1, shards=tmp_path / "shards")
    (shard,) = sorted((tmp_path / "shards").iterdir())
    lines = shard.read_text(encoding="utf-8").splitlines()
    assert "contentHash" in lines[-1] and not any("contentHash" in line for line in lines[:-1])


# --- identity across articles --------------------------------------------------------------------


def test_the_same_actors_in_two_articles_are_one_node_each(tmp_path: Path, capsys) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(ARTICLE_B, encoding="utf-8")
    store = tmp_path / "store"
    code, _, _ = build_cli("--store", store, tmp_path / "a.txt", tmp_path / "b.txt", capsys=capsys)
    assert code == 0
    actors = rows(store, "actors")
    assert list(actors[0]) == ["actor", "label", "type", "articles"]
    by_iri = {row["actor"]: row for row in actors}
    wanjiru = by_iri[KGR + "person/ruth-wanjiru"]
    assert (wanjiru["label"], wanjiru["type"], wanjiru["articles"]) == ("Ruth Wanjiru", "person", "2")
    eu = by_iri[KGR + "organisation/european-union"]
    assert (eu["type"], eu["articles"]) == ("organisation", "2")
    assert by_iri[KGR + "country/KEN"]["articles"] == "2"
    # surname-only mentions were resolved within each article: no second person node
    persons = [row for row in actors if row["type"] == "person"]
    assert [row["label"] for row in persons] == ["Ruth Wanjiru"]
    assert not any(row["actor"].endswith("/wanjiru") or row["actor"].endswith("/eu") for row in actors)
    # the query orders the most mentioned first and takes parameters
    assert [int(row["articles"]) for row in actors] == sorted((int(r["articles"]) for r in actors), reverse=True)
    assert [row["actor"] for row in rows(store, "actors", type="person")] == [KGR + "person/ruth-wanjiru"]
    assert rows(store, "actors", actor=KGR + "country/KEN")[0]["articles"] == "2"


# --- sources: globs, stdin, collections ------------------------------------------------------------


def test_glob_patterns_are_expanded_sorted_and_an_unmatched_pattern_is_one_error(tmp_path: Path, capsys) -> None:
    for name in ("b.txt", "a.txt", "skip.md"):
        (tmp_path / name).write_text(f"## Talks {name}\nMarch 3 2021\n---\nNorway and Kenya met in Oslo.\n",
                                     encoding="utf-8")
    pattern = str(tmp_path / "*.txt")
    assert list(expand_sources([pattern])) == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert count_articles([pattern, tmp_path]) == 2 + 3
    missing = str(tmp_path / "nothing" / "*.jsonl")
    code, out, err = build_cli("--store", tmp_path / "store", pattern, missing, capsys=capsys)
    assert code == 1
    assert out.startswith("Built 2 article(s), 0 unchanged, 1 failed")
    assert err.strip() == f"error: {missing}: no file matches this pattern"


def test_stdin_jsonl_is_streamed_through_worker_free_build(tmp_path: Path, run_kg) -> None:
    lines = "".join(record(f"Talks {i}", f"Norway and Kenya met in Oslo on day {i}.") for i in range(3))
    code, out, err = run_kg("build", "--jobs", "1", "--store", tmp_path / "store", "-", stdin=lines + "not json\n")
    assert code == 1
    assert out.startswith("Built 3 article(s), 0 unchanged, 1 failed")
    assert err.strip() == "error: <stdin>:4: not valid JSON (Expecting value at column 1)"


def test_count_articles_counts_collections_and_gives_up_on_stdin(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "c.jsonl").write_text("".join(record(str(i), "x") for i in range(5)), encoding="utf-8")
    with gzip.open(tmp_path / "d.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("".join(record(str(i), "x") for i in range(7)))
    assert count_articles([tmp_path]) == 12
    assert count_articles([tmp_path, "-"]) is None


# --- worker processes ------------------------------------------------------------------------------


def test_worker_processes_build_the_same_graph_as_one_process(tmp_path: Path, capsys) -> None:
    sources = [ARTICLES, HELDOUT]
    one, two = tmp_path / "one", tmp_path / "two"
    code, out1, _ = build_cli("--store", one, *sources, capsys=capsys)
    assert code == 0
    code = main(["build", "--jobs", "2", "--store", str(two), *map(str, sources)])
    out2 = capsys.readouterr().out
    assert code == 0
    assert quads(one) == quads(two)
    assert union(one) == union(two)
    n = len(list(ARTICLES.glob("*.txt"))) + len(list(HELDOUT.glob("*.txt")))
    assert out2.startswith(f"Built {n} article(s), 0 unchanged, 0 failed")
    # a large run prints totals and its rate instead of every article
    assert re.search(rf"All {n} built articles: \d+ agreements \([\d.]+ per 100 articles\)", out2), out2
    assert re.search(rf"{n} articles in [\d.]+ s \([\d.]+ articles/s, engine local, 2 job\(s\)\)", out2), out2
    assert out1.count("\n  source: ") == out2.count("\n  source: ") == 10


# --- shards ----------------------------------------------------------------------------------------


def test_shards_hold_the_same_graphs_and_load_back_incrementally(tmp_path: Path, capsys) -> None:
    store, shards, loaded = tmp_path / "store", tmp_path / "shards", tmp_path / "loaded"
    n = len(list(ARTICLES.glob("*.txt")))
    code, out, _ = build_cli("--store", store, "--shards", shards, ARTICLES, capsys=capsys)
    assert code == 0 and "Wrote 1 shard(s)" in out
    code, out, _ = build_cli("--store", loaded, str(shards / "*.nq"), capsys=capsys)
    assert code == 0 and out.startswith(f"Built {n} article(s), 0 unchanged, 0 failed")
    assert quads(store) == quads(loaded)
    code, out, _ = build_cli("--store", loaded, str(shards / "*.nq"), capsys=capsys)
    assert code == 0 and out.startswith(f"Built 0 article(s), {n} unchanged, 0 failed")
    # shards only, no store; a used shard directory is refused
    code, out, _ = build_cli("--no-store", "--shards", tmp_path / "only", ARTICLES, capsys=capsys)
    assert code == 0 and "→ no store" in out and len(list((tmp_path / "only").iterdir())) == 1
    assert sum(1 for _ in read_shard(str(tmp_path / "only" / "part-000001.nq"))) == n
    code, out, err = build_cli("--no-store", "--shards", tmp_path / "only", ARTICLES, capsys=capsys)
    assert code == 1 and "already holds shards" in err and len(err.strip().splitlines()) == 1


def test_a_broken_shard_is_one_error_and_its_complete_graphs_load(tmp_path: Path, capsys) -> None:
    build([ARTICLES / "global_alliance_2012.txt"], None, jobs=1, shards=tmp_path / "shards")
    good = (tmp_path / "shards" / "part-000001.nq").read_text(encoding="utf-8")
    broken = tmp_path / "broken.nq"
    broken.write_text(good + "<http://example.org/s> <http://example.org/p> oops .\n", encoding="utf-8")
    code, out, err = build_cli("--store", tmp_path / "store", broken, capsys=capsys)
    assert code == 1
    assert out.startswith("Built 1 article(s), 0 unchanged, 1 failed")
    bad_line = len(good.splitlines()) + 1
    assert err.startswith(f"error: {broken}:{bad_line}: not valid N-Quads") and len(err.strip().splitlines()) == 1
    default_graph = tmp_path / "default.nq"
    default_graph.write_text("<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n",
                             encoding="utf-8")
    assert list(read_shard(str(default_graph)))[0].problem.startswith("quad 1 is not in a named graph")


# --- the command line ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--engine", "dask"], "--engine dask needs --scheduler"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler is for --engine dask"),
        (["--no-store"], "--no-store needs --shards"),
        (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:1", "--jobs", "2"], "--jobs is for the local engine"),
    ],
)
def test_contradictory_options_are_one_line_usage_errors(args: list[str], message: str, tmp_path: Path,
                                                         capsys) -> None:
    code = main(["build", "--store", str(tmp_path / "store"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().startswith(f"kg build: {message}") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "store").exists()


def test_the_progress_bar_shows_counts_rate_and_eta_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = [0.0]
    term = Terminal()
    bar = Progress(term, total=10, clock=lambda: now[0], interval=0)
    now[0] = 2.0
    bar.advance(4, triples=1200)
    bar.advance(0, errors=1)
    bar.message("error: x.txt: empty file")
    line = bar.line(200)
    assert "4/10 articles" in line and "2.0/s" in line and "1,200 triples" in line and "1 error" in line
    assert "ETA 0:03" in line
    bar.close()
    assert "error: x.txt: empty file\n" in term.getvalue() and term.getvalue().endswith("\r\x1b[K")
    pipe = io.StringIO()
    quiet = Progress(pipe, total=10)
    quiet.advance(3)
    quiet.message("error: y")
    quiet.close()
    assert pipe.getvalue() == "error: y\n"
    assert format_duration(3725) == "1:02:05" and format_duration(59.6) == "1:00"


def test_kg_build_draws_progress_on_a_terminal_and_not_with_quiet(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    outputs = []
    for extra in ([], ["--quiet"]):
        leader, follower = pty.openpty()
        done = subprocess.run(
            [sys.executable, "-m", "kg", "build", "--jobs", "1", "--store", str(tmp_path / f"s{len(extra)}"),
             *extra, str(ARTICLES / "global_alliance_2012.txt")],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120, check=False)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(leader)
        assert done.returncode == 0
        outputs.append((done.stdout.decode(), b"".join(chunks).decode()))
    (out, err), (quiet_out, quiet_err) = outputs
    assert "1/1 articles" in err and "triples" in err and "\x1b[K" in err
    assert out.startswith("Built 1 article(s)")
    assert quiet_out == "" and quiet_err == ""


def test_the_report_keeps_totals_not_one_record_per_article() -> None:
    from kg.builder import DETAILS_KEPT, ERRORS_KEPT
    from kg.engine.work import ArticleSummary

    report = BuildReport()
    for i in range(DETAILS_KEPT + 50):
        report.add_built(ArticleSummary(f"a{i}", None, 10, {"actors": 2}, []))
    for i in range(ERRORS_KEPT + 50):
        report.add_error(f"e{i}")
    assert report.built == DETAILS_KEPT + 50 and len(report.details) == DETAILS_KEPT
    assert report.failed == ERRORS_KEPT + 50 and len(report.errors) == ERRORS_KEPT
    assert report.counts["actors"] == 2 * report.built and report.triples == 10 * report.built
    assert not report.ok


def test_input_errors_from_expansion_are_input_errors() -> None:
    (item,) = list(expand_sources(["/no/such/dir/*.txt"]))
    assert isinstance(item, InputError) and item.source == "/no/such/dir/*.txt"
    assert list(expand_sources(["-", "plain.txt"])) == ["-", "plain.txt"]


def test_csv_of_the_actors_query_from_the_command_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE_A, encoding="utf-8")
    store = tmp_path / "store"
    assert build_cli("--store", store, "--quiet", tmp_path / "a.txt")[0] == 0
    assert main(["query", "actors", "--store", str(store), "--format", "csv"]) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    assert table[0] == ["actor", "label", "type", "articles"]
    assert {row[2] for row in table[1:]} <= {"person", "country", "organisation"}
    assert all(row[3] == "1" for row in table[1:])
    assert URIRef(KGR + "person/ruth-wanjiru") in {URIRef(row[0]) for row in table[1:]}


def test_workers_exit_when_their_build_is_killed(tmp_path: Path) -> None:
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    process = subprocess.Popen([sys.executable, "-m", "kg", "build", "-q", "--jobs", "2", "--store",
                                str(tmp_path / "store"), str(ARTICLES), str(HELDOUT)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def members() -> list[int]:
        found = subprocess.run(["ps", "-e", "-o", "pid=,pgid=,stat="], capture_output=True, text=True).stdout
        return [int(pid) for pid, pgid, stat in (line.split() for line in found.splitlines())
                if int(pgid) == process.pid and not stat.startswith("Z") and int(pid) != process.pid]

    try:
        deadline = time.monotonic() + 60
        while len(members()) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(members()) >= 2, "the build started no worker processes"
        os.kill(process.pid, signal.SIGKILL)  # the main process only, as the OOM killer would
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while members() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert members() == [], "worker processes outlived their killed build"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)


def test_a_large_load_compacts_the_store_and_a_small_update_does_not(tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    articles = sorted(str(p) for p in ARTICLES.glob("*.txt"))
    with Store.open(store_path) as store:
        first = build(articles[:-1], store)
        before = run_query(store, load_query("agreements")).rows
        last = build(articles[-1:], store)
        after = run_query(store, load_query("agreements")).rows
    assert first.built == len(articles) - 1 and first.compacted, "a first build compacts the store"
    assert last.built == 1 and not last.compacted, "one article more is not worth rewriting the store"
    assert set(before) < set(after)
