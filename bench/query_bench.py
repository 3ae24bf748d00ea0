"""Query benchmark: every named query on the embedded store vs rdflib's in-memory store, side by
side; and, with ``--startup``, what a one-shot ``kg query NAME`` costs next to a one-shot
pyoxigraph script.

Usage::

    python bench/query_bench.py ../shared/data/bbc-news [--copies 2] [--work DIR]
    python bench/query_bench.py --store PATH [--only NAME ...] [--queries DIR] [--baseline DIR]
    python bench/query_bench.py --startup [--store PATH] [--only NAME ...] [--runs 20]

**Start-up** (``--startup``): on the small store of the bundled article (built with ``kg build``
into a temporary folder unless ``--store`` is given), each named query (default: agreements)
runs as a fresh process, ``--runs`` times, interleaved with the same number of runs of

* ``python -c pass`` (the interpreter alone),
* a one-shot pyoxigraph script: open the store read-only, run the same query text, print each
  row's values as CSV,
* ``python -m kg query NAME --store S -f csv``;

printed: p50 and p95 wall milliseconds of each, kg's p50 over the script's (the target is 2×),
and where kg's import time goes (``python -X importtime``, grouped by top-level package). The
``kg`` package is byte-compiled first, as a wheel install leaves it.

With a corpus, a synthetic corpus of ``--copies`` copies with varied names is generated
(``bench/synthetic.py``) and built with ``kg build`` into ``WORK/store`` (kept, and reused by
the next run with the same ``--work``); with ``--store``, an existing store is used. The store
should hold at least a million triples (the script says so if it does not).

Every public named query (``kg query --list``; ``--all`` adds the internal ``view_*`` queries
of ``kg/graph/queries``, which feed the graph views and exports) then runs, without parameters:

* on the store, through ``kg.sparql.run_query`` (what ``kg query`` does: rows converted to
  rdflib terms, and sorted by kg when the ORDER BY names answer columns, see
  ``kg/ordering.py``), ``--runs`` times after one warm-up run;
* on the same store through pyoxigraph alone, the whole text (ORDER BY included) evaluated
  by the engine (every solution read and every term's value taken as a string, no rdflib
  terms), as often;
* on an rdflib ``Graph`` (its default in-memory store) holding the same data — the union of
  the named graphs, which is what the queries see — ``--rdflib-runs`` times, each in a forked
  child process so that a run longer than ``--rdflib-timeout`` seconds can be stopped.

rdflib's graph is held by a child process (a million rdflib triples on the heap would slow
every allocation of the store's side), and each query is measured on both sides one after
the other, so that both see the machine in the same state.

Printed: rows, p50 and p95 in milliseconds on each side, and how many times faster the store
answers (rdflib's p50 / the store's p50), through kg and through the engine alone. Row counts
are compared: a mismatch is flagged. ``--only`` runs some of the queries; ``--queries DIR``
runs the ``NAME.rq`` files of another folder instead of the installed named queries.

``--baseline DIR`` names a folder of other texts of the same queries (``NAME.rq``, e.g. the
versions before a rewrite: ``git show REV:queries/NAME.rq``). rdflib then also runs the
baseline text of each query whose text differs, and "× faster" is taken against the faster of
rdflib's two times (a baseline text rdflib cannot answer is left out): a rewrite that helps
the store but slows rdflib down cannot make the store look faster than it is. The table then
has a column with rdflib's p50 on the baseline text.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_bench import load, machine  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def build_store(corpus: str, copies: int, work: Path) -> Path:
    """The store ``work/store``, reused when it exists, else built with ``kg build`` from a synthetic
    corpus of ``copies`` copies of ``corpus``; exits the benchmark when the build fails."""
    from synthetic import generate

    store = work / "store"
    if (store / "CURRENT").exists():
        print(f"reusing {store}", file=sys.stderr)
        return store
    corpus_file = work / f"synthetic-{copies}x.jsonl"
    if not corpus_file.exists():
        generate([corpus], copies, corpus_file)
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    done = subprocess.run([sys.executable, "-m", "kg", "build", str(corpus_file), "--store", str(store), "--quiet"],
                          env=env, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit("kg build failed")
    return store


_GRAPH = None  # the rdflib graph, inherited by forked children


def _rdflib_run(text: str, connection) -> None:
    from rdflib.plugins.sparql import prepareQuery

    try:
        query = prepareQuery(text)
        started = time.perf_counter()
        rows = list(_GRAPH.query(query))
        connection.send((time.perf_counter() - started, len(rows)))
    except Exception as error:  # rdflib cannot answer this query on this data
        connection.send((None, f"{type(error).__name__}: {error}"))
    connection.close()


def rdflib_time(text: str, timeout: float) -> tuple[float | None, int | str | None]:
    """(seconds, rows) of one rdflib run in a forked child; (None, None) after ``timeout``,
    (None, message) when rdflib fails."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_rdflib_run, args=(text, send))
    child.start()
    send.close()
    if receive.poll(timeout):
        seconds, rows = receive.recv()
        child.join()
        return seconds, rows
    child.kill()
    child.join()
    return None, None


def _rdflib_server(store_path: str, runs: int, timeout: float, connection) -> None:
    """A child process holding the rdflib graph: loads the union of the store's named graphs,
    sends the triple count, then answers each query text with (times, rows) until None."""
    global _GRAPH
    from rdflib import Graph

    from kg.store import Store

    started = time.perf_counter()
    with Store.open(store_path, read_only=True) as store:
        _GRAPH = Graph()
        for triple in store.triples():
            _GRAPH.add(triple)
    connection.send((len(_GRAPH), time.perf_counter() - started))
    while (text := connection.recv()) is not None:
        times: list[float] = []
        rows: int | str | None = None
        for _ in range(runs):
            seconds, rows = rdflib_time(text, timeout)
            if seconds is None:
                break
            times.append(seconds)
        connection.send((times, rows))


ONE_SHOT = """\
import sys

import pyoxigraph

store = pyoxigraph.Store.read_only(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as text:
    answer = store.query(text.read())
out = sys.stdout
out.write(",".join(variable.value for variable in answer.variables) + "\\r\\n")
for solution in answer:
    out.write(",".join("" if term is None else term.value for term in solution) + "\\r\\n")
"""
"""The one-shot pyoxigraph script ``--startup`` compares ``kg query`` with (no CSV quoting: the
bundled article's answers need none)."""


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=_env())
    return time.perf_counter() - started


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("KG_STORE", "PYTHONPROFILEIMPORTTIME")}


def import_breakdown(command: list[str]) -> list[tuple[str, float]]:
    """(top-level package, ms) of what ``command`` spends importing (``python -X importtime``):
    each module's own time charged to its top-level package, largest first."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=True, env=_env())
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _cumulative, name = line[len("import time:"):].split("|")
        root = name.strip().split(".")[0]
        totals[root] = totals.get(root, 0.0) + int(own) / 1000
    return sorted(totals.items(), key=lambda item: -item[1])


def startup(args: argparse.Namespace) -> int:
    """``--startup``: one-shot ``kg query NAME`` against a one-shot pyoxigraph script."""
    from kg.sparql.catalogue import load_query

    work = Path(tempfile.mkdtemp(prefix="kg-startup-"))
    store = args.store
    if store is None:
        store = work / "store"
        subprocess.run([sys.executable, "-m", "kg", "build", "--quiet", "--store", str(store)], check=True,
                       env=_env())
    import compileall

    import kg

    # as a wheel install leaves it: byte-compiled (with PYTHONDONTWRITEBYTECODE set, a source
    # checkout would compile every kg module again in every run)
    compileall.compile_dir(str(Path(kg.__file__).parent), quiet=1)
    script = work / "one_shot.py"
    script.write_text(ONE_SHOT, encoding="utf-8")
    print(f"Machine: {machine()}\nBefore: {load()}\nStore: {store}; {args.runs} runs of each, interleaved\n")
    print("| query | rows | python -c pass p50 ms | pyoxigraph script p50 / p95 ms | kg query p50 / p95 ms | "
          "kg / script |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in args.only or ["agreements"]:
        query = load_query(name)
        text = work / f"{name}.rq"
        text.write_text(query.text, encoding="utf-8")
        commands = {
            "python": [sys.executable, "-c", "pass"],
            "script": [sys.executable, str(script), str(store), str(text)],
            "kg": [sys.executable, "-m", "kg", "query", name, "--store", str(store), "-f", "csv"],
        }
        shown = subprocess.run(commands["kg"], capture_output=True, text=True, check=True, env=_env()).stdout
        theirs = subprocess.run(commands["script"], capture_output=True, text=True, check=True, env=_env()).stdout
        rows = len(shown.splitlines()) - 1
        if sorted(shown.splitlines()) != sorted(theirs.splitlines()):
            print(f"warning: {name}: kg and the script print different rows", file=sys.stderr)
        times: dict[str, list[float]] = {key: [] for key in commands}
        for key in commands:  # warm-up: the store's files and the interpreter in the page cache
            _wall(commands[key])
        for _ in range(args.runs):
            for key, command in commands.items():
                times[key].append(_wall(command))
        p50 = {key: 1000 * percentile(values, 50) for key, values in times.items()}
        p95 = {key: 1000 * percentile(values, 95) for key, values in times.items()}
        print(f"| {name} | {rows} | {p50['python']:.0f} | {p50['script']:.0f} / {p95['script']:.0f} | "
              f"{p50['kg']:.0f} / {p95['kg']:.0f} | {p50['kg'] / p50['script']:.2f} |", flush=True)
        if name == (args.only or ["agreements"])[0]:
            breakdown = import_breakdown(commands["kg"])
    total = sum(ms for _root, ms in breakdown)
    print(f"\nImports of `kg query` (python -X importtime, one run): {total:.0f} ms in all, by package")
    for root, ms in breakdown[:12]:
        print(f"  {root:<24} {ms:7.1f} ms")
    print(f"\nAfter: {load()}")
    if args.store is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run every chosen named query on the store (built from the corpus unless ``--store``), the
    engine and rdflib, and print the timing table; ``--startup`` runs that benchmark instead. 0 when run."""
    parser = argparse.ArgumentParser(description="kg query benchmark (see the module docstring)")
    parser.add_argument("corpus", nargs="?", help="a folder of articles, e.g. ../shared/data/bbc-news")
    parser.add_argument("--startup", action="store_true", help="one-shot kg query NAME against a one-shot "
                        "pyoxigraph script, on the bundled article's store (or --store)")
    parser.add_argument("--store", type=Path, help="use this existing store instead of building one")
    parser.add_argument("--copies", type=int, default=2, help="synthetic copies of the corpus (default 2)")
    parser.add_argument("--work", type=Path, help="where to build the store (default: a temporary folder)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query on the store (default 20)")
    parser.add_argument("--rdflib-runs", type=int, default=5, help="timed runs per query on rdflib (default 5)")
    parser.add_argument("--rdflib-timeout", type=float, default=600.0, help="seconds before an rdflib run is "
                        "stopped (default 600)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these named queries")
    parser.add_argument("--all", action="store_true", help="also the view_* queries (internal to the graph "
                        "views and exports: whole-graph dumps)")
    parser.add_argument("--queries", type=Path, metavar="DIR", help="run the NAME.rq files of this folder instead "
                        "of the installed named queries")
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="a folder of other texts of the queries "
                        "(NAME.rq) that rdflib also runs; × faster is taken against its faster text")
    args = parser.parse_args(argv)
    if args.startup:
        return startup(args)
    if not args.store and not args.corpus:
        parser.error("give a corpus folder or --store PATH")

    from kg.sparql import load_query, named_queries, run_query
    from kg.store import Store

    # which queries, before anything is built or loaded
    names = list(named_queries(args.queries))
    if args.all and args.queries is None:
        from kg.sparql import internal_queries

        names += list(internal_queries())
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            parser.error(f"unknown queries: {', '.join(unknown)}")
        names = [name for name in names if name in args.only]
    if not names:
        parser.error("no queries to run")

    store_path = args.store or build_store(args.corpus, args.copies, args.work or Path(tempfile.mkdtemp()))
    print(f"Machine: {machine()}\nBefore: {load()}\n")
    # rdflib's graph lives in a child process: a million rdflib triples on this process's heap
    # would slow every allocation of the store's side. Each query is then measured on both
    # sides one after the other, so both see the machine in the same state.
    context = multiprocessing.get_context("fork")
    server, connection = context.Pipe()
    child = context.Process(target=_rdflib_server, args=(str(store_path), args.rdflib_runs, args.rdflib_timeout,
                                                         connection))
    child.start()
    loaded, load_seconds = server.recv()

    def rdflib_times(text: str) -> tuple[list[float], int | str | None]:
        """Have the rdflib child process run ``text``: (the times of its runs, rows or an error message)."""
        server.send(text)
        return server.recv()

    with Store.open(store_path, read_only=True) as store:
        quads, triples = len(store), store.union_size()
        print(f"Store {store_path}: {quads:,} quads in {len(store.graphs()):,} named graphs, "
              f"{triples:,} distinct triples in their union")
        if triples < 1_000_000:
            print("warning: fewer than 1,000,000 triples; use more --copies", file=sys.stderr)
        import pyoxigraph as ox

        engine = ox.Store.read_only(str(store_path))

        def engine_run(text: str) -> int:
            """Run ``text`` on the raw engine store, reading each value as a writer would; the row count."""
            n = 0
            for solution in engine.query(text):
                for term in solution:
                    if term is not None:
                        term.value  # noqa: B018 - take the value, as an output writer would
                n += 1
            return n

        print(f"rdflib Graph loaded with the same {loaded:,} triples in {load_seconds:.0f} s (in a child "
              "process)\n")

        baseline_column = " rdflib p50 ms (baseline text) |" if args.baseline else ""
        print("| query | rows | kg p50 ms | kg p95 ms | engine p50 ms | engine p95 ms | rdflib p50 ms | "
              f"rdflib p95 ms |{baseline_column} × faster (kg) | × faster (engine) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if args.baseline else "") + "---:|---:|")
        blank = " |" if args.baseline else ""
        for name in names:
            query = load_query(name, queries_dir=args.queries)
            try:
                rows = len(run_query(store, query))  # warm-up
                times = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    run_query(store, query)
                    times.append(time.perf_counter() - t)
                engine_run(query.text)
                raw = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    engine_run(query.text)
                    raw.append(time.perf_counter() - t)
            except Exception as error:  # a query another engine rejects: say so, go on
                print(f"| {name} | error: {type(error).__name__}: {error} | | | | | | |{blank} | |")
                continue
            raw50, raw95 = 1000 * percentile(raw, 50), 1000 * percentile(raw, 95)
            theirs, their_rows = rdflib_times(query.text)
            best = 1000 * percentile(theirs, 50) if theirs and not isinstance(their_rows, str) else None
            other = ""
            if args.baseline:
                path = args.baseline / f"{name}.rq"
                other_text = path.read_text(encoding="utf-8") if path.is_file() else None
                if other_text is None or other_text == query.text:
                    other = " same text |"
                else:
                    other_times, other_rows = rdflib_times(other_text)
                    if isinstance(other_rows, str):
                        other = " fails |"
                    elif other_times:
                        other50 = 1000 * percentile(other_times, 50)
                        mark = "" if other_rows == rows else f" ({other_rows} rows)"
                        other = f" {other50:.0f}{mark} |"
                        best = other50 if best is None else min(best, other50)
                    else:
                        other = f" > {1000 * args.rdflib_timeout:.0f} |"
            ours50, ours95 = 1000 * percentile(times, 50), 1000 * percentile(times, 95)
            ours = f"| {name} | {{rows}} | {ours50:.1f} | {ours95:.1f} | {raw50:.1f} | {raw95:.1f} |"
            if isinstance(their_rows, str):
                their = f" rdflib fails: {their_rows} | |"
            elif theirs:
                their50, their95 = 1000 * percentile(theirs, 50), 1000 * percentile(theirs, 95)
                their = f" {their50:.0f} | {their95:.0f} |"
            else:
                their = f" > {1000 * args.rdflib_timeout:.0f} | |"
            mark = "" if their_rows in (rows, None) or isinstance(their_rows, str) else f" (rdflib: {their_rows} rows)"
            if best is not None:
                faster = f" {best / ours50:.1f} | {best / raw50:.1f} |"
            elif not theirs and not isinstance(their_rows, str):
                limit = 1000 * args.rdflib_timeout
                faster = f" > {limit / ours50:.0f} | > {limit / raw50:.0f} |"
            else:
                faster = " | |"
            print(ours.format(rows=f"{rows}{mark}") + their + other + faster, flush=True)
    server.send(None)
    child.join()
    print(f"\nStore: {args.runs} runs after a warm-up; rdflib: up to {args.rdflib_runs} runs. After: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
