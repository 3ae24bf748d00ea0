"""Engines on this machine: in this process, or in a pool of worker processes.

``SerialEngine`` extracts in the calling process (``--jobs 1``, and any run given its own
extractor). ``ProcessEngine`` starts ``jobs`` worker processes (spawned, so they inherit no
open store, lock or thread of the parent), each building its extractor once, and feeds them
chunks of articles through ``ordered_map``'s bounded window. A run with only a handful of
articles to build is extracted in this process instead: starting workers would cost more
than it saves.
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

__all__ = ["ProcessEngine", "SerialEngine", "available_cores"]

SMALL_RUN = 8
"""Up to this many articles to build, ``ProcessEngine`` extracts in the calling process."""


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

    def __init__(self, extractor=None, fast: bool = False) -> None:  # extractor: kg.extract.pipeline.Extractor
        self._extractor = extractor
        self.fast = fast if extractor is None else extractor.fast
        self.jobs = 1

    def _get_extractor(self):
        if self._extractor is None:
            from kg.extract import default_extractor

            self._extractor = default_extractor(self.fast)
        return self._extractor

    def map(self, items: Iterable[Any]) -> Iterator[Any]:
        """Each article's ``ArticleResult`` and every other item, in input order."""
        for item in items:
            yield extract_article(item, self._get_extractor()) if _is_article(item) else item

    def close(self) -> None:
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
    from kg.extract import default_extractor

    default_extractor(fast)


class ProcessEngine:
    """Extraction in ``jobs`` worker processes; the caller's process only reads and writes."""

    name = "local"

    def __init__(self, jobs: int, *, chunk_size: int = 8, window: int | None = None, fast: bool = False) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.jobs = jobs
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
            if articles > SMALL_RUN:
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
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _result(future: cf.Future) -> list[Any]:
    return future.result()
