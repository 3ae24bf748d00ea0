"""Parser benchmark: what a build costs next to the statistical parser alone, in one run.

Usage::

    python bench/parser_bench.py [FOLDER ...] [--jobs 1 2] [--work DIR] [--json FILE]

FOLDERs default to the BBC politics and business folders (``../shared/data/bbc-news/``, 927
articles, read in place). Measured side by side on the same texts:

1. **Parser alone**: the installed pipeline (``kg.extraction.syntax.load_pipeline``) over every
   text with ``nlp.pipe`` in one process, nothing else: the floor a parsed build cannot beat.
2. **kg build** (the real command in a subprocess, fresh on-disk store) with the parser, once
   per ``--jobs`` value, and once with ``--fast`` (rules only): wall time, the multiple of the
   parser alone, articles/s, peak resident memory of the process tree.

The issue's target is a parsed ``--jobs 1`` build within 1.5x the parser alone, and peak RSS
under 1 GB. Timings on a shared machine vary with its load; the load is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from build_bench import load, machine, run_build  # noqa: E402

DEFAULT = [ROOT.parent / "shared" / "data" / "bbc-news" / "politics",
           ROOT.parent / "shared" / "data" / "bbc-news" / "business"]


def parser_alone(texts: list[str]) -> dict:
    """Seconds to load the pipeline and to run ``nlp.pipe`` over ``texts``."""
    from kg.extraction.syntax import load_pipeline

    started = time.perf_counter()
    nlp, info = load_pipeline()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    return {"pipeline": info.label, "load_seconds": loaded, "seconds": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    """Time the parser alone and ``kg build`` (per ``--jobs``, and with ``--fast``) on the folders'
    ``.txt`` articles and print the table; 1 when the folders hold no ``.txt`` file, else 0."""
    parser = argparse.ArgumentParser(description="kg parser benchmark (see the module docstring)")
    parser.add_argument("folders", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--work", type=Path, help="scratch directory (default: a new temporary one)")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    files = sorted(p for folder in args.folders for p in folder.glob("*.txt"))
    if not files:
        print(f"parser_bench: no .txt files in {', '.join(map(str, args.folders))}", file=sys.stderr)
        return 1
    from kg.reading.sources import read_file

    texts = [read_file(p)[0].text for p in files]
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-parser-bench-"))
    print(f"{machine()}; load {load()}; {len(files)} articles")
    alone = parser_alone(texts)
    builds = [("parser", jobs, run_build([str(f) for f in args.folders], work / f"store-{jobs}", jobs))
              for jobs in args.jobs]
    builds.append(("--fast", 1, run_build([str(f) for f in args.folders], work / "store-fast", 1, ("--fast",))))
    print(f"\nPipeline: {alone['pipeline']} (loaded in {alone['load_seconds']:.1f} s)\n")
    print("| run | jobs | seconds | × parser alone | articles/s | peak RSS (tree) |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| parser alone (`nlp.pipe`) | 1 | {alone['seconds']:.1f} | 1.00 | {len(texts) / alone['seconds']:.1f} | |")
    for name, jobs, b in builds:
        print(f"| kg build ({name}) | {jobs} | {b['seconds']:.1f} | {b['seconds'] / alone['seconds']:.2f} | "
              f"{b['rate']:.1f} | {b['peak_tree']:.0f} MB |")
    print(f"\nload after: {load()}")
    if args.json:
        args.json.write_text(json.dumps({"parser_alone": alone, "builds": [
            {"mode": n, **b} for n, _, b in builds]}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
