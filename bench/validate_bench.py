"""Benchmark of ``kg validate``: both SHACL engines on one store, and the start-up of ``kg --help``.

    kg build ../shared/data/bbc-news/politics --store /tmp/pol     # the store measured in the README
    python bench/validate_bench.py /tmp/pol                         # median of 3 runs of each
    python bench/validate_bench.py /tmp/pol --repeat 5

Each run is a fresh ``python -m kg validate --store STORE --engine E --quiet`` process, so the
figure is what a user waits for (interpreter start, imports, reading the store, validating);
the verdicts of the two engines are checked to be the same. ``kg --help`` is timed the same
way, and ``python -X importtime`` says which modules it imports. Run by hand on a quiet
machine; the numbers go in the README.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def timed(argv: list[str], repeat: int) -> tuple[float, str]:
    """Median wall-clock seconds of ``python -m kg ARGV`` over ``repeat`` runs, and its stdout."""
    times, out = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "kg", *argv], capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"kg {' '.join(argv)} failed: {done.stderr.strip()}")
        out = done.stdout
    return statistics.median(times), out


def imported(argv: list[str]) -> list[str]:
    """The kg modules ``python -m kg ARGV`` imports, from ``-X importtime``."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "kg", *argv], capture_output=True, text=True,
                          check=False)
    names = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    return [name for name in names if name == "kg" or name.startswith("kg.")]


def main() -> None:
    """Time ``kg validate`` with each SHACL engine and ``kg --help`` on the store, print the table and
    the kg modules ``--help`` imports; exits with a message when the engines' verdicts differ."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", help="a store built by kg build")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (default: 3)")
    args = parser.parse_args()
    verdicts = {}
    print("| command | seconds (median) |\n|---|---:|")
    for engine in ("pyshacl", "turbo"):
        seconds, out = timed(["validate", "--store", args.store, "--engine", engine, "--quiet"], args.repeat)
        verdicts[engine] = out
        print(f"| kg validate --engine {engine} | {seconds:.2f} |")
    seconds, _ = timed(["--help"], max(args.repeat, 5))
    print(f"| kg --help | {seconds:.3f} |")
    if verdicts["pyshacl"].splitlines()[:1] != verdicts["turbo"].splitlines()[:1]:
        raise SystemExit(f"the engines disagree: {verdicts}")
    print(f"\nverdict: {verdicts['turbo'].splitlines()[0]}")
    print(f"kg --help imports: {', '.join(imported(['--help']))}")


if __name__ == "__main__":
    main()
