"""Build benchmark: throughput against a measured floor, scaling, peak memory, out-of-genre sanity.

Usage::

    python bench/build_bench.py CORPUS [--jobs 1 2] [--scales 1 4 16] [--work DIR] [--skip-scaling]
    python bench/build_bench.py FOLDER... --speed [--dask-workers 4] [--repeat 3]

CORPUS is a folder of articles, e.g. ``../shared/data/bbc-news`` (2,225 BBC articles in five
topic folders; read in place, never copied). Prints markdown tables:

1. **Build**: ``kg build CORPUS`` into a fresh on-disk store, once per ``--jobs`` value, run as
   the real command in a subprocess: wall time, articles/s, peak resident memory of the
   ``kg`` process and of it plus its worker processes (sampled from /proc every 50 ms).
2. **Floor**, measured in the same run on the same data: spaCy tokenisation of the same texts
   (a blank English tokenizer, in one process) plus a bulk load of the same output quads
   (Oxigraph's ``bulk_load`` of the built store's named graphs, exported as N-Quads, into a
   fresh on-disk store). The build's time is reported as a multiple of it. Next to it, what
   the store's own write path costs for the same quads: ``Store.add_graphs`` (what ``kg build``
   writes new graphs with: N-Triples text, one transaction per batch of whole graphs, plus
   the union copy in the default graph) and the raw engine's transactional ``extend``
   with and without the union copy — the cost of the union copy, in time and on disk.
3. **Out of genre**: agreements found per 100 articles in each top-level folder, and the
   agreement labels found in the folders named sport and entertainment, to look at.
4. **Scaling** (unless ``--skip-scaling``): the corpus replicated 1×, 4×, 16× with varied names
   (``bench/synthetic.py``), each built with the largest ``--jobs``: time per article and
   peak memory should stay flat as the corpus grows.

With ``--speed`` (the folders given, e.g. the BBC ``politics`` and ``business`` folders), only
the speed of ``kg build`` is measured, side by side in one run:

5. **Jobs and engines**: fresh builds with ``--jobs 1``, ``--jobs 2``, the default ``--jobs``
   and the Dask engine on a ``LocalCluster`` of ``--dask-workers`` single-threaded worker
   processes on 127.0.0.1, each with the parser and with ``--fast``.
6. **Unchanged rebuilds**: the same command again on the built stores (median of
   ``--repeat``), as a whole command and as the build's own work (``kg.builder.build`` in this
   process, after start-up), with how many sources the readers decoded (a counter on
   ``kg.reading.sources``: none, when nothing changed).
7. **The cost model** of the default ``--jobs`` (``kg.engine.local``): the CPU time to extract
   one article in one process (parser, ``--fast``), and what the building process spends per
   article writing it; next to the constants the default is chosen from, and the jobs chosen
   for 1 to 64 cores.

Timings on a shared machine vary with its load; the machine and its load averages are
printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


# --- the machine and memory sampling ----------------------------------------------------------


def machine() -> str:
    """One line describing this machine for the report: CPU model, usable cores, RAM, OS, and the
    versions of Python, pyoxigraph, spaCy and rdflib."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.0f} GB RAM"
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import pyoxigraph
    import rdflib
    import spacy

    return (f"{cpu}, {cores} cores{mem}; {platform.system()} {platform.release()}; Python "
            f"{platform.python_version()}, pyoxigraph {pyoxigraph.__version__}, spaCy {spacy.__version__}, "
            f"rdflib {rdflib.__version__}")


def load() -> str:
    """The 1, 5 and 15 minute load averages as a line of text ("load average unknown" if unreadable)."""
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found + [g for c in found for g in _descendants(c)]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class PeakMemory:
    """Samples the resident memory of a process and of it with its descendants, and their CPU time."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.parent = self.tree = 0.0
        self.cpu: dict[int, float] = {}  # the last CPU time seen of each process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            parent = _rss_mb(self.pid)
            children = _descendants(self.pid)
            tree = parent + sum(_rss_mb(c) for c in children)
            self.parent, self.tree = max(self.parent, parent), max(self.tree, tree)
            for pid in (self.pid, *children):
                seconds = _cpu_seconds(pid)
                if seconds:
                    self.cpu[pid] = seconds
            self._stop.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling and wait for the sampling thread; the peaks and CPU times stay readable."""
        self._stop.set()
        self._thread.join()


def run_build(sources: list[str], store: Path, jobs: int | None, extra: tuple[str, ...] = (), *,
              fresh: bool = True, cluster_pid: int | None = None) -> dict:
    """``kg build SOURCES --store STORE [--jobs N] [EXTRA]`` in a subprocess: time, counts, peak
    memory (``cluster_pid``: also the CPU time of that process's children, a Dask cluster's workers)."""
    if fresh:
        shutil.rmtree(store, ignore_errors=True)
    command = [sys.executable, "-m", "kg", "build", *sources, "--store", str(store),
               *(("--jobs", str(jobs)) if jobs is not None else ()), *extra]
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    cluster = PeakMemory(cluster_pid) if cluster_pid else None
    cluster_before = {pid: _cpu_seconds(pid) for pid in _descendants(cluster_pid)} if cluster_pid else {}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = PeakMemory(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    peak.stop()
    cluster_cpu = 0.0
    if cluster is not None:
        cluster.stop()
        cluster_cpu = sum(cpu - cluster_before.get(pid, 0.0) for pid, cpu in cluster.cpu.items() if pid != cluster_pid)
    match = re.match(r"Built (\d+) article\(s\), (\d+) unchanged, (?:\d+ duplicate\(s\), )?(\d+) failed → store .* "
                     r"\((\d+) quads\)", out)
    if process.returncode not in (0, 1) or not match:
        raise SystemExit(f"kg build failed ({process.returncode}): {err.strip()[-2000:]}")
    built, unchanged, failed, quads = map(int, match.groups())
    parent_cpu = peak.cpu.get(process.pid, 0.0)
    workers_cpu = sum(cpu for pid, cpu in peak.cpu.items() if pid != process.pid) + cluster_cpu
    chosen = re.search(r"engine \w+, (\d+) job\(s\)", out)
    return {"jobs": jobs if jobs is not None else (int(chosen.group(1)) if chosen else None), "seconds": seconds, "built": built, "unchanged": unchanged, "failed": failed,
            "quads": quads, "articles": built + unchanged, "rate": (built + unchanged) / seconds,
            "peak_parent": peak.parent, "peak_tree": peak.tree, "cpu_parent": parent_cpu,
            "cpu_workers": workers_cpu,
            "peak_cluster": (cluster.tree - cluster.parent) if cluster is not None else 0.0}


def dir_mb(path: Path) -> float:
    """The total size in MB of the files under ``path``."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024 / 1024


# --- the floor and the cost of the union copy ---------------------------------------------------


def add_in_batches(store, graphs: list) -> None:
    """``store.add_graphs`` of (graph, N-Triples text) pairs, whole graphs in batches of at most
    10,000 quads, as the build's writer sends them."""
    batch: list = []
    size = 0
    for graph, text in graphs:
        quads = text.count("\n")
        if batch and size + quads > 10_000:
            store.add_graphs(batch)
            batch, size = [], 0
        batch.append((graph, text))
        size += quads
    store.add_graphs(batch)


def floor(corpus: list[str], store: Path, work: Path) -> dict:
    """Tokenisation of the texts, and bulk loads / transactional writes of the store's quads."""
    import pyoxigraph as ox
    import spacy
    from rdflib import URIRef

    from kg.errors import InputError
    from kg.reading.sources import iter_articles
    from kg.store import Store, to_engine

    texts = [a.text for a in iter_articles(corpus) if not isinstance(a, InputError)]
    nlp = spacy.blank("en")
    started = time.perf_counter()
    tokens = sum(len(nlp.make_doc(text)) for text in texts)
    tokenise = time.perf_counter() - started

    nquads = work / "export.nq"
    with Store.open(store, read_only=True) as s, nquads.open("w", encoding="utf-8") as f:
        for q in s.quads():
            f.write(f"{to_engine(q[0])} {to_engine(q[1])} {to_engine(q[2])} {to_engine(q[3])} .\n")
    engine_quads = list(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS))
    union_quads = [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in engine_quads]

    def timed(name: str, write) -> tuple[float, float]:
        """Run ``write`` into a fresh directory ``work/name``: (wall seconds, MB it left on disk)."""
        path = work / name
        shutil.rmtree(path, ignore_errors=True)
        started = time.perf_counter()
        write(path)
        return time.perf_counter() - started, dir_mb(path)

    def bulk(quads_of):
        """A writer that ``bulk_extend``s a new engine store with the quads ``quads_of()`` gives."""
        def write(path: Path) -> None:
            """Bulk-write the quads into a new engine store at ``path`` and flush it."""
            engine = ox.Store(str(path))
            engine.bulk_extend(quads_of())
            engine.flush()
        return write

    def bulk_load(path: Path) -> None:
        """``bulk_load`` the exported N-Quads file into a new engine store at ``path`` and flush it."""
        engine = ox.Store(str(path))
        engine.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        engine.flush()

    def transactional(with_union: bool):
        """A writer that ``extend``s a new engine store in transactions of 10,000 named-graph quads,
        each with its union-copy quads when ``with_union``."""
        def write(path: Path) -> None:
            """Write the quads into a new engine store at ``path`` in batches of 10,000, then flush."""
            engine = ox.Store(str(path))
            for i in range(0, len(engine_quads), 10_000):
                batch = engine_quads[i:i + 10_000]
                engine.extend(batch + union_quads[i:i + 10_000] if with_union else batch)
            engine.flush()
        return write

    graphs: dict[str, list[str]] = {}  # graph → its N-Triples lines, as the workers send them
    for q in engine_quads:
        graphs.setdefault(str(q.graph_name), []).append(f"{q.subject} {q.predicate} {q.object} .\n")
    graph_texts = [(URIRef(name[1:-1]), "".join(lines)) for name, lines in graphs.items()]

    def kg_add_graphs(path: Path) -> None:
        """Write the graphs' N-Triples into a new kg store at ``path`` as the build's writer does."""
        with Store.open(path) as s:
            add_in_batches(s, graph_texts)

    results = {
        "texts": len(texts), "tokens": tokens, "tokenise": tokenise, "quads": len(engine_quads),
        "bulk_load": timed("floor-bulk-load", bulk_load),
        "bulk_union": timed("floor-bulk-union", bulk(lambda: engine_quads + union_quads)),
        "tx_named": timed("floor-tx-named", transactional(False)),
        "tx_union": timed("floor-tx-union", transactional(True)),
        "kg_add_graphs": timed("floor-kg-add-graphs", kg_add_graphs),
        "store_mb": dir_mb(store),
    }
    for name in ("floor-bulk-load", "floor-bulk-union", "floor-tx-named", "floor-tx-union", "floor-kg-add-graphs"):
        shutil.rmtree(work / name, ignore_errors=True)
    nquads.unlink()
    return results


# --- out of genre --------------------------------------------------------------------------------


def genres(store: Path, corpus: str) -> tuple[dict[str, tuple[int, int]], dict[str, list[str]]]:
    """Per top-level folder: (articles, agreements); and the agreement labels per folder."""
    from kg.store import Store

    root = os.path.abspath(corpus)

    def folder(source: str) -> str:
        """The top-level folder of ``root`` that ``source`` lies in ("." for a file at the top)."""
        rel = os.path.relpath(os.path.abspath(source), root)
        return rel.split(os.sep, 1)[0] if os.sep in rel else "."

    prefixes = {"kgo": "https://w3id.org/kgnews/ontology#", "schema": "https://schema.org/",
                "skos": "http://www.w3.org/2004/02/skos/core#"}
    with Store.open(store, read_only=True) as s:
        _, articles = s.query("SELECT ?source WHERE { ?a a schema:NewsArticle ; kgo:sourceFile ?source }",
                              prefixes=prefixes)
        _, found = s.query("SELECT ?source ?label WHERE { ?g a kgo:Agreement ; kgo:mentionedIn ?a ; "
                           "skos:prefLabel ?label . ?a kgo:sourceFile ?source }", prefixes=prefixes)
    per_folder = Counter(folder(str(source)) for (source,) in articles)
    agreements = Counter(folder(str(source)) for source, _label in found)
    labels: dict[str, list[str]] = {}
    for source, label in found:
        labels.setdefault(folder(str(source)), []).append(str(label))
    return {f: (per_folder[f], agreements[f]) for f in sorted(per_folder)}, labels


# --- speed: jobs, engines, unchanged rebuilds, the cost model -------------------------------------


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def unchanged_rebuild(folders: list[str], store: Path, extra: tuple[str, ...], repeat: int) -> dict:
    """The same build again on a built store: whole commands, and the build's own work in this process."""
    import kg.reading.sources as sources
    from kg.builder import build
    from kg.engine import open_engine
    from kg.store import Store

    commands = [run_build(folders, store, None, extra, fresh=False) for _ in range(repeat)]
    decoded = 0
    real_decode = sources._decode

    def counted(*args, **kwargs):
        """``kg.reading.sources._decode``, counting each call in ``decoded``."""
        nonlocal decoded
        decoded += 1
        return real_decode(*args, **kwargs)

    work, cpu = [], []
    sources._decode = counted  # type: ignore[assignment]
    try:
        for _ in range(repeat):
            decoded = 0
            with Store.open(store) as s, open_engine("local", fast="--fast" in extra) as engine:
                started, cpu_started = time.perf_counter(), time.process_time()
                report = build(folders, s, engine=engine)
                work.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
    finally:
        sources._decode = real_decode  # type: ignore[assignment]
    return {"command": _median([c["seconds"] for c in commands]), "work": _median(work), "cpu": _median(cpu),
            "skipped": report.skipped, "built": report.built, "duplicates": report.duplicates, "decoded": decoded}


def article_costs(folders: list[str], store: Path, sample: int) -> dict:
    """CPU seconds per article: extraction in one process (parser on a sample, --fast on all),
    and writing the built graphs with ``Store.add_graphs`` (what the building process does)."""
    from rdflib import URIRef

    from kg.engine.work import extract_article
    from kg.errors import InputError
    from kg.extraction import default_extractor
    from kg.reading.sources import iter_articles
    from kg.store import Store, to_engine

    articles = [a for a in iter_articles(folders) if not isinstance(a, InputError)]
    costs: dict = {"articles": len(articles)}
    for fast in (True, False):
        chosen = articles if fast else articles[:: max(1, len(articles) // sample)]
        extractor = default_extractor(fast)
        extract_article(chosen[0], extractor)  # warm up
        started = time.process_time()
        for article in chosen:
            extract_article(article, extractor)
        costs["fast" if fast else "parser"] = (time.process_time() - started) / len(chosen)
        costs["sampled" if not fast else "all"] = len(chosen)
    graphs: dict[str, list[str]] = {}
    with Store.open(store, read_only=True) as s:
        for q in s.quads():
            if q[3] is not None:
                graphs.setdefault(str(q[3]), []).append(
                    f"{to_engine(q[0])} {to_engine(q[1])} {to_engine(q[2])} .\n")
    texts = [(URIRef(name), "".join(lines)) for name, lines in graphs.items()]
    target = store.parent / "cost-write"
    shutil.rmtree(target, ignore_errors=True)
    started = time.process_time()
    with Store.open(target) as s:
        add_in_batches(s, texts)
    costs["write"] = (time.process_time() - started) / max(1, len(texts))
    shutil.rmtree(target, ignore_errors=True)
    return costs


def speed(folders: list[str], work: Path, dask_workers: int, repeat: int, sample: int, rounds: int) -> dict:
    """Run and print the ``--speed`` tables (fresh builds per engine and jobs, unchanged rebuilds,
    the cost model) for ``folders``, building under ``work``; every figure, as a dict."""
    import contextlib

    from kg.engine import local

    figures: dict = {"folders": folders, "builds": [], "unchanged": [], "rounds": rounds}
    rows = figures["builds"]
    modes = (("parser", ()), ("--fast", ("--fast",)))
    try:
        from distributed import LocalCluster
    except ImportError:
        LocalCluster = None
    with contextlib.ExitStack() as stack:
        configs: list[tuple[str, tuple[str, ...], str, int | None]] = [
            (label, extra, "local", jobs) for label, extra in modes for jobs in (1, 2, None)]
        address = None
        if LocalCluster is not None and dask_workers:
            cluster = stack.enter_context(LocalCluster(
                n_workers=dask_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, worker_dashboard_address=None))
            address = cluster.scheduler_address
            configs += [(label, extra, "dask", dask_workers) for label, extra in modes]
        runs: dict[int, list[dict]] = {i: [] for i in range(len(configs))}
        for round_ in range(rounds):  # interleaved, so that a change of load touches every configuration
            for i, (label, extra, engine, jobs) in enumerate(configs):
                name = f"speed-{label.strip('-')}-{engine}-{jobs or 'default'}"
                if engine == "local":
                    result = run_build(folders, work / name, jobs, extra)
                else:
                    result = run_build(folders, work / name, None, ("--engine", "dask", "--scheduler", address, *extra),
                                       cluster_pid=os.getpid())
                    result["jobs"] = jobs
                result.update(extraction=label, engine=engine, requested=jobs, load=os.getloadavg()[0])
                runs[i].append(result)
                print(f"  round {round_ + 1}: {label} {engine} {jobs or 'default'}: {result['seconds']:.1f} s "
                      f"(load {result['load']:.1f})", file=sys.stderr)
        for i in range(len(configs)):
            ordered = sorted(runs[i], key=lambda r: r["seconds"])
            median = dict(ordered[(len(ordered) - 1) // 2])
            median["all_seconds"] = [r["seconds"] for r in runs[i]]
            rows.append(median)
    for label, extra in (("parser", ()), ("--fast", ("--fast",))):
        store = work / f"speed-{label.strip('-')}-local-default"
        result = unchanged_rebuild(folders, store, extra, repeat)
        result["extraction"] = label
        figures["unchanged"].append(result)
    figures["costs"] = article_costs(folders, work / "speed-parser-local-default", sample)
    figures["model"] = {"article_seconds": dict(local.ARTICLE_SECONDS), "write_seconds": local.WRITE_SECONDS,
                        "handoff_seconds": local.HANDOFF_SECONDS, "start_seconds": local.START_SECONDS}

    one = {r["extraction"]: r["seconds"] for r in rows if r["engine"] == "local" and r["requested"] == 1}
    print(f"## kg build speed: {', '.join(folders)} (fresh on-disk stores; identity and compaction included; "
          f"median of {rounds} interleaved round(s))\n")
    print("| extraction | engine | --jobs | jobs run | articles | wall s | articles/s | × one job's time "
          "| CPU s kg | CPU s workers | peak RSS kg + workers MB | wall s of each round |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        asked = ("default" if r["requested"] is None else str(r["requested"])) if r["engine"] == "local" \
            else f"{r['requested']} workers"
        print(f"| {r['extraction']} | {r['engine']} | {asked} | {r['jobs']} | {r['articles']} | {r['seconds']:.1f} | "
              f"{r['rate']:.1f} | {r['seconds'] / one[r['extraction']]:.2f} | {r['cpu_parent']:.1f} | "
              f"{r['cpu_workers']:.1f} | {r['peak_tree'] + r['peak_cluster']:.0f} | "
              + ", ".join(f"{x:.1f}" for x in r["all_seconds"]) + " |")
    print("\n## Unchanged rebuild (the same command again; median of %d)\n" % repeat)
    print("| extraction | articles unchanged | duplicates | sources decoded | whole command s | "
          "build's own work s (wall) | build's own work s (CPU) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for u in figures["unchanged"]:
        print(f"| {u['extraction']} | {u['skipped']} | {u['duplicates']} | {u['decoded']} | {u['command']:.2f} | "
              f"{u['work']:.3f} | {u['cpu']:.3f} |")
    c, m = figures["costs"], figures["model"]
    print("\n## The cost model of the default --jobs (kg.engine.local)\n")
    print("| CPU s per article | measured now | constant in kg.engine.local |")
    print("|---|---:|---:|")
    print(f"| extraction, parser (one process, {c['sampled']} articles) | {c['parser']:.4f} | "
          f"{m['article_seconds'][False]:.4f} |")
    print(f"| extraction, --fast (one process, {c['all']} articles) | {c['fast']:.4f} | "
          f"{m['article_seconds'][True]:.4f} |")
    print(f"| writing its graph (Store.add_graphs) | {c['write']:.4f} | {m['write_seconds']:.4f} |")
    cores = (1, 2, 4, 8, 16, 64)
    print("\n| jobs chosen on N cores | " + " | ".join(map(str, cores)) + " |")
    print("|---|" + "---:|" * len(cores))
    for label, fast in (("parser", False), ("--fast", True)):
        print(f"| {label} (constants) | " + " | ".join(str(local.default_jobs(fast, n)[0]) for n in cores) + " |")
        measured = c["fast" if fast else "parser"]
        print(f"| {label} (measured now) | " + " | ".join(
            str(local.choose_jobs(measured, n, write_seconds=c["write"])) for n in cores) + " |")
    return figures


# --- the report ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark the command line asks for, print its markdown tables, and write the figures
    as JSON with ``--json``; 0 (a failed ``kg build`` or a bad argument exits)."""
    parser = argparse.ArgumentParser(description="kg build benchmark (see the module docstring)")
    parser.add_argument("corpus", nargs="+", help="a folder of articles, e.g. ../shared/data/bbc-news "
                                                  "(with --speed, one or more)")
    parser.add_argument("--speed", action="store_true",
                        help="only the speed tables: jobs, the Dask engine, unchanged rebuilds, the cost model")
    parser.add_argument("--dask-workers", type=int, default=4, help="with --speed: LocalCluster workers (0: none)")
    parser.add_argument("--repeat", type=int, default=3, help="with --speed: runs of each unchanged rebuild")
    parser.add_argument("--rounds", type=int, default=1, help="with --speed: rounds of the fresh builds (median)")
    parser.add_argument("--sample", type=int, default=200,
                        help="with --speed: articles extracted with the parser to measure its cost")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--work", type=Path, help="scratch directory (default: a new temporary one)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    for folder in args.corpus:
        if not os.path.isdir(folder):
            parser.error(f"{folder} is not a directory")
    if len(args.corpus) > 1 and not args.speed:
        parser.error("several folders only with --speed")
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-build-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    figures: dict = {"machine": machine(), "load_before": load()}
    print(f"Machine: {figures['machine']}\nBefore: {figures['load_before']}\n")
    if args.speed:
        figures["speed"] = speed(args.corpus, work, args.dask_workers, args.repeat, args.sample, args.rounds)
        return finish(figures, args.json, work, keep=args.work is not None)
    args.corpus = args.corpus[0]

    builds = [run_build([args.corpus], work / f"store-j{jobs}", jobs) for jobs in args.jobs]
    figures["builds"] = builds
    fl = floor([args.corpus], work / f"store-j{args.jobs[0]}", work)
    figures["floor"] = fl
    floor_s = fl["tokenise"] + fl["bulk_load"][0]
    kg_floor_s = fl["tokenise"] + fl["kg_add_graphs"][0]

    print(f"## Build of {args.corpus} into a fresh on-disk store\n")
    print("| jobs | articles | quads | wall s | articles/s | × floor | × floor via Store.add_graphs "
          "| CPU s kg | CPU s workers | peak RSS kg MB | peak RSS kg + workers MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for b in builds:
        print(f"| {b['jobs']} | {b['articles']} | {b['quads']} | {b['seconds']:.1f} | {b['rate']:.1f} | "
              f"{b['seconds'] / floor_s:.1f} | {b['seconds'] / kg_floor_s:.1f} | {b['cpu_parent']:.1f} | "
              f"{b['cpu_workers']:.1f} | {b['peak_parent']:.0f} | {b['peak_tree']:.0f} |")
    print(f"\n## Floor (same run, same data: {fl['texts']} texts, {fl['tokens']} tokens, {fl['quads']} quads)\n")
    print("| step | seconds | store on disk MB |")
    print("|---|---:|---:|")
    print(f"| spaCy tokenisation (blank English, 1 process) | {fl['tokenise']:.2f} | |")
    print(f"| Oxigraph bulk_load of the named graphs (N-Quads) | {fl['bulk_load'][0]:.2f} | {fl['bulk_load'][1]:.0f} |")
    print(f"| **floor** = tokenisation + bulk load | **{floor_s:.2f}** | |")
    print(f"| Oxigraph bulk_extend, named graphs + union copy | {fl['bulk_union'][0]:.2f} | {fl['bulk_union'][1]:.0f} |")
    print(f"| engine extend (transactions of 10,000), named graphs only | {fl['tx_named'][0]:.2f} | "
          f"{fl['tx_named'][1]:.0f} |")
    print(f"| engine extend (transactions of 10,000), named graphs + union copy | {fl['tx_union'][0]:.2f} | "
          f"{fl['tx_union'][1]:.0f} |")
    print(f"| kg Store.add_graphs (N-Triples text, transactions of 10,000, union copy) | "
          f"{fl['kg_add_graphs'][0]:.2f} | {fl['kg_add_graphs'][1]:.0f} |")
    print(f"| the store kg build made | | {fl['store_mb']:.0f} |")

    table, labels = genres(work / f"store-j{args.jobs[0]}", args.corpus)
    figures["genres"] = {k: list(v) for k, v in table.items()}
    figures["genre_labels"] = labels
    print("\n## Agreements per 100 articles, by folder\n")
    print("| folder | articles | agreements | per 100 articles |")
    print("|---|---:|---:|---:|")
    for name, (n, a) in table.items():
        print(f"| {name} | {n} | {a} | {100 * a / n if n else 0:.1f} |")
    for name in ("sport", "entertainment"):
        if name in labels:
            print(f"\nAgreements found in {name}: " + "; ".join(sorted(labels[name])))

    if not args.skip_scaling:
        from synthetic import generate

        jobs = max(args.jobs)
        rows = []
        for scale in args.scales:
            corpus_file = work / f"synthetic-{scale}x.jsonl"
            if not corpus_file.exists():
                generate([args.corpus], scale, corpus_file)
            result = run_build([str(corpus_file)], work / f"store-{scale}x", jobs)
            result["scale"] = scale
            result["store_mb"] = dir_mb(work / f"store-{scale}x")
            rows.append(result)
            shutil.rmtree(work / f"store-{scale}x", ignore_errors=True)
        figures["scaling"] = rows
        print(f"\n## Scaling (synthetic copies with varied names, --jobs {jobs})\n")
        print("| corpus | articles | quads | wall s | ms per article | articles/s | CPU ms per article (kg + "
              "workers) | store MB | peak RSS kg MB | peak RSS kg + workers MB |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            cpu = 1000 * (r["cpu_parent"] + r["cpu_workers"]) / r["articles"]
            print(f"| {r['scale']}× | {r['articles']} | {r['quads']} | {r['seconds']:.1f} | "
                  f"{1000 * r['seconds'] / r['articles']:.1f} | {r['rate']:.1f} | {cpu:.1f} | {r['store_mb']:.0f} | "
                  f"{r['peak_parent']:.0f} | {r['peak_tree']:.0f} |")

    return finish(figures, args.json, work, keep=args.work is not None)


def finish(figures: dict, json_path: Path | None, work: Path, *, keep: bool) -> int:
    """End a run: note the load after it, write ``figures`` as JSON when asked, remove the
    work folder unless the user named it; the exit code."""
    figures["load_after"] = load()
    print(f"\nAfter: {figures['load_after']}")
    if json_path:
        json_path.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
