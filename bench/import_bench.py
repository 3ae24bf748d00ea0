"""``kg import`` against pyoxigraph's own ``bulk_load`` of the same file: time and peak memory.

Run by hand (never in CI: timings depend on the machine)::

    python bench/import_bench.py [--triples 400000] [--rounds 3] [--keep DIR]

It writes two files — N-Triples (``--triples`` lines: types, labels, numbers, links) and Turtle
of nested collections (``( ( ... ) )``, which grew faster than linearly before) — and, for each,
runs in fresh processes, ``--rounds`` times and alternating: ``Store(path).bulk_load(file)``,
and ``kg import FILE --store NEW``. Each run gets a new on-disk store. It prints the best wall
time and the peak resident memory (the process's ``ru_maxrss``) of each, and their ratios; the
target is at most 2× ``bulk_load`` in both. The ``kg import`` figure includes starting Python
and importing kg (about 0.3 s and 80 MB) and writing every triple twice (its graph and the union).

Two floors of that double write run beside them, the engine alone, each in a fresh process:
``two bulk_loads`` (the file into a named graph, then again into the default graph: two
ingests, so not atomic, which kg cannot use) and ``one bulk_extend`` (the engine's parser's
quads and their union copies fed from Python to one atomic ingest, the path ``kg import``
takes). Every line shows its ratio to ``bulk_load``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BULK = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[2])
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.from_extension(sys.argv[1].rsplit(".", 1)[1]))
store.flush()
"""
# The two floors of writing every triple twice (its graph and the union), engine only:
TWO_LOADS = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[2])
fmt = ox.RdfFormat.from_extension(sys.argv[1].rsplit(".", 1)[1])
store.bulk_load(path=sys.argv[1], format=fmt, to_graph=ox.NamedNode("http://example.org/graph"))
store.bulk_load(path=sys.argv[1], format=fmt)
store.flush()
"""
ONE_INGEST = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[2])
graph, union = ox.NamedNode("http://example.org/graph"), ox.DefaultGraph()

def both():
    for q in ox.parse(path=sys.argv[1], format=ox.RdfFormat.from_extension(sys.argv[1].rsplit(".", 1)[1])):
        yield ox.Quad(q.subject, q.predicate, q.object, graph)
        yield ox.Quad(q.subject, q.predicate, q.object, union)

store.bulk_extend(both())
store.flush()
"""
RUNS = {"bulk_load": BULK, "two bulk_loads": TWO_LOADS, "one bulk_extend": ONE_INGEST, "kg import": None}


def write_ntriples(path: Path, count: int) -> None:
    """Write ``count`` N-Triples lines to ``path``, four per subject (a type, a label, an integer,
    a link to another subject), from a fixed random seed."""
    rng = random.Random(2012)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            subject = f"<http://example.org/entity/{i // 4}>"
            kind = i % 4
            if kind == 0:
                out.write(f"{subject} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                          f"<http://example.org/class/C{rng.randrange(50)}> .\n")
            elif kind == 1:
                out.write(f'{subject} <http://www.w3.org/2000/01/rdf-schema#label> "Entity number {i}"@en .\n')
            elif kind == 2:
                out.write(f'{subject} <http://example.org/p/value> '
                          f'"{rng.randrange(10**6)}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
            else:
                out.write(f"{subject} <http://example.org/p/link> <http://example.org/entity/{rng.randrange(count // 4)}> .\n")


def write_collections(path: Path, count: int) -> None:
    """Turtle: ``count // 20`` subjects, each with a collection of collections (about ``count`` triples)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("@prefix ex: <http://example.org/> .\n")
        for i in range(max(1, count // 20)):
            inner = " ".join(f'( "a{i}" "b{i}" )' for _ in range(3))
            out.write(f"ex:s{i} ex:items ( {inner} ex:end ) .\n")


def measure(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}: {process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def main() -> int:
    """Write the two input files, time ``kg import`` against the engine's loads of each in fresh
    processes, and print the best time and memory with their ratios; 0 whether or not the target is met."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=400_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the files and stores here (default: a temporary directory)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="kg-import-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    files = [root / f"data-{args.triples}.nt", root / f"collections-{args.triples}.ttl"]
    write_ntriples(files[0], args.triples)
    write_collections(files[1], args.triples)
    print(f"pyoxigraph bulk_load vs kg import, best of {args.rounds} (wall time, peak memory)")
    worst = 0.0
    try:
        for data in files:
            best = {name: [float("inf"), float("inf")] for name in RUNS}
            for round_ in range(args.rounds):
                for name, script in RUNS.items():
                    store = root / f"store-{round_}"
                    shutil.rmtree(store, ignore_errors=True)
                    command = ([sys.executable, "-c", script, str(data), str(store)] if script is not None
                               else [sys.executable, "-m", "kg", "import", "-q", str(data), "--store", str(store)])
                    seconds, megabytes = measure(command)
                    best[name] = [min(best[name][0], seconds), min(best[name][1], megabytes)]
                    shutil.rmtree(store, ignore_errors=True)
            bt, bm = best["bulk_load"]
            kt, km = best["kg import"]
            worst = max(worst, kt / bt, km / bm)
            print(f"{data.name} ({data.stat().st_size / 1e6:.0f} MB):")
            for name, (seconds, megabytes) in best.items():
                print(f"  {name:16} {seconds:6.2f} s {megabytes:6.0f} MB   {seconds / bt:.2f}x time, {megabytes / bm:.2f}x memory")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"target (at most 2x in time and memory): {'met' if worst <= 2 else 'missed'} (worst ratio {worst:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
