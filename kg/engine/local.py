"""Engines on this machine: in this process, or in a pool of worker processes.

``SerialEngine`` extracts in the calling process (``--jobs 1``, and any run given its own
extractor). ``ProcessEngine`` starts ``jobs`` worker processes (spawned, so they inherit no
open store, lock or thread of the parent), each building its extractor once, and feeds them
chunks of articles through ``ordered_map``'s bounded window. A run with only a handful of
articles to build is extracted in this process instead: starting workers would cost more
than it saves.

``choose_jobs`` is the default for ``--jobs``: a pure function of what an article costs to
extract and the cores, over a model of a build (``seconds_per_article``) whose costs were
measured with ``bench/build_bench.py`` (``ARTICLE_SECONDS`` and the others below). Workers
pay when extraction dominates (the statistical parser: about ten times the parent's own
work per article); with ``--fast``, extraction costs less than writing the article's graph,
which only the building process does, so workers cannot make it faster and one process is
the default.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from kg.engine.window import ordered_map
from kg.engine.work import extract_article, extract_chunk
from kg.errors import KgError
from kg.reading.article import Article

__all__ = ["ProcessEngine", "SerialEngine", "available_cores", "choose_jobs", "default_jobs",
           "seconds_per_article"]

SMALL_RUN = 8
"""Up to this many articles to build, ``ProcessEngine`` extracts in the calling process."""

# What a build costs on the machine of the README's figures, per article of the BBC politics
# and business folders (``bench/build_bench.py --speed`` measures them again, in its "cost
# model" table, and shows the jobs they give).
ARTICLE_SECONDS = {False: 0.080, True: 0.0052}
"""CPU seconds to extract one article in one process: with the parser (False) and ``--fast``."""
WRITE_SECONDS = 0.0085
"""CPU seconds the building process spends on each article beside extraction (reading it,
writing its graph and the union copy on the writer thread)."""
HANDOFF_SECONDS = 0.0015
"""CPU seconds to send one article to a worker process and its graph back, on each side."""
START_SECONDS = 1.5
"""Seconds that starting worker processes costs a run beyond what one process spends on
building its extractor (spawning, imports, each worker's extractor)."""
MIN_GAIN = 0.8
"""Workers are the default only when the model makes an article at most this share of the
time it takes in one process: a margin for what the model leaves out (other load, memory)."""
MAX_LOOK_AHEAD = 256
"""The most articles a default engine holds back to see whether a run is long enough for workers."""


def seconds_per_article(jobs: int, article_seconds: float, cores: int, *, write_seconds: float = WRITE_SECONDS,
                        handoff_seconds: float = HANDOFF_SECONDS) -> float:
    """Wall seconds per article of a long build with ``jobs`` extracting on ``cores`` cores.

    One job: extraction in the building process, its writer thread alongside on a second
    core (if any). More: the workers' share of extraction, the building process's own work,
    or the cores' total work, whichever is the slowest.
    """
    if jobs <= 1:
        return max(article_seconds, write_seconds) if cores > 1 else article_seconds + write_seconds
    return max((article_seconds + handoff_seconds) / jobs, write_seconds + handoff_seconds,
               (article_seconds + write_seconds + 2 * handoff_seconds) / max(1, cores))


def choose_jobs(article_seconds: float, cores: int, **costs: float) -> int:
    """The number of jobs for a build whose articles cost ``article_seconds`` each to extract,
    on ``cores`` cores: the fewest jobs that reach the model's best time, and 1 unless that is
    at most ``MIN_GAIN`` of one job's time. Never more jobs than cores; never slower than one
    job by the model (``seconds_per_article``; ``costs`` overrides its other costs)."""
    if cores <= 1:
        return 1
    one = seconds_per_article(1, article_seconds, cores, **costs)
    best = min(range(1, cores + 1), key=lambda jobs: (seconds_per_article(jobs, article_seconds, cores, **costs), jobs))
    return best if seconds_per_article(best, article_seconds, cores, **costs) <= MIN_GAIN * one else 1


def break_even(article_seconds: float, jobs: int, cores: int, *, start_seconds: float = START_SECONDS) -> int:
    """How many articles a run must build for ``jobs`` workers to win back their start-up."""
    saved = seconds_per_article(1, article_seconds, cores) - seconds_per_article(jobs, article_seconds, cores)
    return MAX_LOOK_AHEAD + 1 if saved <= 0 else int(start_seconds / saved) + 1


def default_jobs(fast: bool, cores: int | None = None) -> tuple[int, int]:
    """(jobs, small run) for a build on this machine: the jobs ``choose_jobs`` picks for the
    measured cost of an article (parser or ``fast``), and how many articles a run must hold
    beyond which workers are started (``break_even``, at most ``MAX_LOOK_AHEAD``)."""
    cores = available_cores() if cores is None else cores
    jobs = choose_jobs(ARTICLE_SECONDS[fast], cores)
    if jobs == 1:
        return 1, 0
    return jobs, min(MAX_LOOK_AHEAD, max(SMALL_RUN, break_even(ARTICLE_SECONDS[fast], jobs, cores)))


def available_cores() -> int:
    """The number of cores this process may run on (the default for ``--jobs``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _is_article(item: Any) -> bool:
    return isinstance(item, Article)


class SerialEngine:
    """Extraction in this process, one article at a time."""

    name = "local"

    def __init__(self, extractor=None, fast: bool = False) -> None:  # extractor: kg.extraction.pipeline.Extractor
        self._extractor = extractor
        self.fast = fast if extractor is None else extractor.fast
        self.jobs = 1

    def _get_extractor(self):
        if self._extractor is None:
            from kg.extraction import default_extractor

            self._extractor = default_extractor(self.fast)
        return self._extractor

    def map(self, items: Iterable[Any]) -> Iterator[Any]:
        """Each article's ``ArticleResult`` and every other item, in input order."""
        for item in items:
            yield extract_article(item, self._get_extractor()) if _is_article(item) else item

    def close(self) -> None:
        """Nothing to release: extraction runs in this process, with no workers to stop."""
        pass

    def __enter__(self) -> SerialEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _exit_with_parent(parent: int) -> None:
    """End this worker when the process that started it dies (even by SIGKILL)."""
    try:  # Linux: the kernel sends SIGTERM the moment the parent goes
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:  # elsewhere (and if the parent died before prctl): poll
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="kg-parent-watch", daemon=True).start()


def _init_worker(parent: int, fast: bool) -> None:
    """Worker start-up: leave Ctrl-C to the parent, die with it, build the extractor once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent)
    from kg.extraction import default_extractor

    default_extractor(fast)


class ProcessEngine:
    """Extraction in ``jobs`` worker processes; the caller's process only reads and writes."""

    name = "local"

    def __init__(self, jobs: int, *, chunk_size: int = 8, window: int | None = None, fast: bool = False,
                 small_run: int = SMALL_RUN) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.jobs = jobs
        self.small_run = small_run  # up to this many articles to build: extracted in this process
        self.fast = fast
        self.chunk_size = chunk_size
        self.window = window or 3 * jobs
        self._pool: cf.ProcessPoolExecutor | None = None
        self._serial = SerialEngine(fast=fast)

    def _start(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                initargs=(os.getpid(), self.fast),
            )
        return self._pool

    def map(self, items: Iterable[Any]) -> Iterator[Any]:
        """Each article's ``ArticleResult`` and every other item, in input order."""
        stream = iter(items)
        head: list[Any] = []
        articles = 0
        for item in stream:
            head.append(item)
            articles += _is_article(item)
            if articles > self.small_run:
                break
        else:  # the whole run is small: no workers
            yield from self._serial.map(head)
            return
        pool = self._start()
        try:
            yield from ordered_map(
                chain(head, stream), _is_article, lambda chunk: pool.submit(extract_chunk, chunk, self.fast),
                chunk_size=self.chunk_size, window=self.window, result_of=_result,
            )
        except cf.process.BrokenProcessPool as exc:
            raise KgError(f"a worker process died while extracting ({exc}); "
                          "the articles written before it are stored, run the build again") from None

    def close(self) -> None:
        """Shut the worker processes down, cancelling chunks not yet started and waiting for the rest;
        does nothing when no worker was started."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _result(future: cf.Future) -> list[Any]:
    return future.result()
