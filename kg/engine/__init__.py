"""Where extraction runs: in this process, in worker processes, or on a Dask cluster.

Extraction (``kg.extraction`` then ``kg.rdf.mapping``) is a pure function of one ``Article``
(``kg.engine.work.extract_article``), so it can run anywhere; the store has one writer, so
the process that runs ``kg.builder`` alone writes. An engine turns a stream of items into a
stream of results, in input order, holding only a bounded window of articles at a time::

    with open_engine("local", jobs=4) as engine:
        for result in engine.map(items):   # Article → ArticleResult; other items pass through
            ...

* ``local`` with ``jobs=1`` — ``SerialEngine``: this process.
* ``local`` with ``jobs>1`` — ``ProcessEngine``: that many spawned worker processes.
* ``local`` without ``jobs`` — as many jobs as ``kg.engine.local.default_jobs`` chooses from
  the measured cost of an article (parser or ``fast``) and the cores.
* ``dask`` — ``DaskEngine``: the workers of a running ``dask.distributed`` scheduler
  (the optional ``dask`` extra).

``kg.engine.shards`` writes results as N-Quads shards and reads them back.
"""

from __future__ import annotations

from typing import Any

from kg.errors import UsageError

__all__ = ["ENGINES", "open_engine"]

ENGINES = ("local", "dask")


def open_engine(name: str = "local", *, jobs: int | None = None, scheduler: str | None = None,
                extractor=None, fast: bool = False) -> Any:
    """An engine by name: ``"local"`` (``jobs`` processes; default: ``default_jobs``) or ``"dask"``.

    ``fast`` makes the engine's extractors rule-only (no statistical parser).

    A given ``extractor`` cannot be shipped to other processes, so it means ``SerialEngine``.
    Raises ``UsageError`` for an unknown name or missing scheduler, ``KgError`` when the Dask
    scheduler cannot be reached.
    """
    if name == "local":
        from kg.engine.local import SMALL_RUN, ProcessEngine, SerialEngine, default_jobs

        small_run = SMALL_RUN
        if jobs is None:
            jobs, small_run = default_jobs(fast)
        if jobs < 1:
            raise UsageError(f"--jobs must be at least 1, got {jobs}")
        if extractor is not None or jobs == 1:
            return SerialEngine(extractor, fast=fast)
        return ProcessEngine(jobs, fast=fast, small_run=small_run)
    if name == "dask":
        if not scheduler:
            raise UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
        from kg.engine.cluster import DaskEngine

        return DaskEngine(scheduler, fast=fast)
    raise UsageError(f"unknown engine {name!r} (choose one of: {', '.join(ENGINES)})")
