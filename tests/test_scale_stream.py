"""Streaming: a generated 10,000-line JSON Lines corpus goes through ``kg.builder.build`` with two
worker processes and a real on-disk store, and memory stays flat.

The build runs in a fresh interpreter (so its memory is its own) that samples, every 500
articles, the interpreter's allocated memory blocks (``sys.getallocatedblocks``: every Python
object the build keeps alive), its resident set size, and that of its worker processes.

* Python objects: the blocks go up and down with the write batch but do not trend upwards;
  keeping one small record per article would add several blocks per article.
* The parent's resident memory also holds the store engine (RocksDB): its write buffers are
  bounded by ``flush_every`` and its per-file indexes and filters grow slowly with the
  store. Keeping the articles' graphs would add over 100 MB here; the bound is 60 MB.
* The workers hold one chunk of articles at a time: their memory is flat.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from kg.store import Store

ARTICLES = 10_000
PARENT_GROWTH_MB = 60
WORKER_GROWTH_MB = 20
BLOCKS_PER_ARTICLE = 3.0
COUNTRIES = ["Norway", "Kenya", "Chile", "Japan", "Ghana", "Peru", "Poland", "Egypt", "Canada", "India", "Mexico"]

SCRIPT = r"""
import json, os, sys
from kg.builder import build
from kg.store import Store

def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0

def children(pid):
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found + [g for c in found for g in children(c)]

def main():
    corpus, store_path = sys.argv[1], sys.argv[2]
    samples, done = [], [0]

    def on_article(summary):
        done[0] += 1
        if done[0] % 500 == 0:
            me = os.getpid()
            samples.append((done[0], rss_mb(me), sum(rss_mb(c) for c in children(me)),
                            sys.getallocatedblocks()))

    with Store.open(store_path) as store:
        report = build([corpus], store, jobs=2, flush_every=10_000, on_article=on_article)
        graphs = len(store.graphs())
    print(json.dumps({"built": report.built, "failed": report.failed, "graphs": graphs, "samples": samples}))

if __name__ == "__main__":
    main()
"""


def write_corpus(path: Path, n: int) -> None:
    """``n`` short, distinct articles (each its own title, so its own graph), one per line."""
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            a, b = COUNTRIES[i % len(COUNTRIES)], COUNTRIES[(i // len(COUNTRIES)) % len(COUNTRIES)]
            f.write(json.dumps({"title": f"Talks {i}", "date": "2020-01-02",
                                "text": f"{a} and {b} met on day {i}."}) + "\n")


def test_a_10000_line_jsonl_streams_through_the_build_in_constant_memory(tmp_path: Path) -> None:
    corpus, store = tmp_path / "corpus.jsonl", tmp_path / "store"
    write_corpus(corpus, ARTICLES)
    script = tmp_path / "stream.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(corpus), str(store)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["built"], result["failed"], result["graphs"]) == (ARTICLES, 0, ARTICLES)
    samples = result["samples"]
    assert [n for n, *_ in samples] == list(range(500, ARTICLES + 1, 500))
    later = samples[1:]  # from 1,000 articles on: start-up and first allocations are done
    blocks_trend = statistics.linear_regression([s[0] for s in later], [s[3] for s in later]).slope
    assert blocks_trend < BLOCKS_PER_ARTICLE, samples
    (_, parent_at_1000, workers_at_1000, _) = later[0]
    assert workers_at_1000 > 0, "the build ran no worker processes"
    assert max(s[1] for s in later) - parent_at_1000 < PARENT_GROWTH_MB, samples
    assert max(s[2] for s in later) - workers_at_1000 < WORKER_GROWTH_MB, samples
    with Store.open(store, read_only=True) as s:
        assert len(s) == sum(1 for _ in s.quads())
