"""Worker processes that run queries and updates under a time limit.

A query cannot be interrupted inside the RDF engine, and a Python thread cannot be killed,
so each query runs in a worker process: a runaway one is killed at the time limit and a
fresh worker takes its place, while the other workers go on answering. A reader opens the
store read-only for each query (a few milliseconds), so it sees the data of writers that
have finished (``kg build`` meanwhile); an open that fails while a writer switches engine
files is retried. When updates are enabled, one writer process holds the store open for
writing and answers queries and updates alike, one at a time (a reader opening the store
while that writer changes it could read half-written engine files); the engine applies
each update in one transaction, so an update killed at the limit leaves the store as it was.

Workers are started with ``spawn`` (never ``fork``: the server has threads), exchange
plain dicts over pipes, and format the answer themselves, so the time limit covers the
formatting too. A worker whose server dies sees its pipe close and exits.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import queue
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["Busy", "Pool", "TimeLimit", "WorkerFailed"]

_START_TIMEOUT = 120.0
_OPEN_ATTEMPTS = 4


class TimeLimit(Exception):
    """The job ran past the time limit; its worker was stopped."""


class Busy(Exception):
    """No worker became free within the time limit."""


class WorkerFailed(Exception):
    """A worker could not start, or died while running a job."""


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection


# --- the worker side --------------------------------------------------------------------------


def _open(location: str, remote: object, writable: bool):
    from kg.errors import StoreError
    from kg.store import Store

    if writable:
        return Store.open(location, create=False, remote=remote)
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            return Store.open(location, create=False, read_only=True, remote=remote)
        except StoreError:
            # A writer (kg build) may be switching engine files just now: try again shortly.
            if attempt == _OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _answer(store, job: dict[str, Any]) -> dict[str, Any]:
    from rdflib import Graph

    from kg.query import QueryResult, format_result

    limit = int(job["limit"])
    answer = store.query(job["text"], limit=limit + 1)
    truncated = False
    if isinstance(answer, bool):
        result, kind = QueryResult("ask", boolean=answer), "ask"
    elif isinstance(answer, Graph):
        kind = "graph"
        if len(answer) > limit:
            truncated = True
            kept = Graph()
            for index, triple in enumerate(answer):
                if index >= limit:
                    break
                kept.add(triple)
            answer = kept
        result = QueryResult("graph", graph=answer)
    else:
        kind = "select"
        names, rows = answer
        truncated = len(rows) > limit
        result = QueryResult("select", vars=names, rows=rows[:limit])
    fmt = job["graph_format"] if kind == "graph" else job["select_format"]
    if fmt is None:
        return {"status": "not_acceptable", "kind": kind}
    out = io.StringIO()
    format_result(result, fmt, out)
    return {"status": "ok", "kind": kind, "format": fmt, "body": out.getvalue().encode("utf-8"),
            "truncated": truncated, "size": len(result)}


def _run_job(store, job: dict[str, Any]) -> dict[str, Any]:
    from kg.errors import QueryError, StoreError, UsageError

    try:
        if job["op"] == "update":
            store.update(job["text"])
            return {"status": "ok", "kind": "update"}
        return _answer(store, job)
    except (QueryError, UsageError) as error:
        return {"status": "error", "error": "query", "message": str(error)}
    except StoreError as error:
        return {"status": "error", "error": "store", "message": str(error)}
    except Exception as error:  # noqa: BLE001 - a bug: report it, keep serving
        return {"status": "error", "error": "internal", "message": f"{type(error).__name__}: {error}"}


def worker_main(conn: Connection, location: str, remote: object, writable: bool) -> None:
    """The loop of one worker process: receive a job, answer it, until the pipe closes."""
    from kg.errors import KgError
    from kg.store import is_remote

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops us
    held = None  # the writer, and a remote reader, keep their store; a local reader reopens
    try:
        if writable or is_remote(location):
            held = _open(location, remote, writable)
        else:
            _open(location, remote, False).close()  # fail now, not at the first query
        import kg.query  # noqa: F401 - warm up before saying ready
    except KgError as error:
        conn.send({"status": "failed", "message": str(error)})
        return
    conn.send({"status": "ready"})
    try:
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return
            if job is None:
                return
            try:
                if held is not None:
                    reply = _run_job(held, job)
                else:
                    with _open(location, remote, False) as store:
                        reply = _run_job(store, job)
            except KgError as error:
                reply = {"status": "error", "error": "store", "message": str(error)}
            try:
                conn.send(reply)
            except (OSError, ValueError):
                return
    finally:
        if held is not None:
            with contextlib.suppress(Exception):
                held.close()


# --- the server side ----------------------------------------------------------------------------


class Pool:
    """``size`` worker processes over one store; :meth:`run` gives a job to a free one.

    ``writable`` makes writer workers (use ``size=1``: a store has one writer).
    """

    def __init__(self, location: str, remote: object = None, *, size: int = 2, writable: bool = False) -> None:
        self.location = location
        self.remote = remote
        self.size = size
        self.writable = writable
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._guard = threading.Lock()
        self._closed = False

    def start(self) -> None:
        """Start the workers and wait until each is ready; ``WorkerFailed`` if one cannot start."""
        workers = [self._spawn() for _ in range(self.size)]
        for worker in workers:
            self._await_ready(worker)
            self._idle.put(worker)

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=worker_main, args=(child, self.location, self.remote, self.writable),
            name="kg-serve-writer" if self.writable else "kg-serve-reader", daemon=True)
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._guard:
            self._all.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        try:
            if not worker.conn.poll(_START_TIMEOUT):
                raise WorkerFailed(f"a worker did not start within {_START_TIMEOUT:g} s")
            hello = worker.conn.recv()
        except (EOFError, OSError):
            self._discard(worker)
            raise WorkerFailed("a worker died while starting") from None
        except WorkerFailed:
            self._discard(worker)
            raise
        if hello.get("status") != "ready":
            self._discard(worker)
            raise WorkerFailed(str(hello.get("message", "a worker could not start")))

    def _discard(self, worker: _Worker) -> None:
        with self._guard:
            self._all.discard(worker)
        with contextlib.suppress(Exception):
            worker.process.kill()
        with contextlib.suppress(Exception):
            worker.process.join(5)
        with contextlib.suppress(Exception):
            worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        """Stop ``worker`` and start another in the background."""
        self._discard(worker)

        def start_one() -> None:
            for _attempt in range(3):
                if self._closed:
                    return
                try:
                    fresh = self._spawn()
                    self._await_ready(fresh)
                except WorkerFailed:
                    time.sleep(0.5)
                    continue
                if self._closed:
                    self._discard(fresh)
                    return
                self._idle.put(fresh)
                return

        threading.Thread(target=start_one, name="kg-serve-respawn", daemon=True).start()

    def run(self, job: dict[str, Any], time_limit: float) -> dict[str, Any]:
        """Run ``job`` within ``time_limit`` seconds (waiting for a free worker included).

        Raises ``Busy`` when no worker is free in time, ``TimeLimit`` when the job ran past
        the limit (its worker is killed and replaced), ``WorkerFailed`` when it died.
        """
        deadline = time.monotonic() + time_limit
        try:
            worker = self._idle.get(timeout=max(0.0, time_limit))
        except queue.Empty:
            raise Busy() from None
        try:
            worker.conn.send(job)
            remaining = max(0.0, deadline - time.monotonic())
            if not worker.conn.poll(remaining):
                self._replace(worker)
                raise TimeLimit()
            reply = worker.conn.recv()
        except (EOFError, OSError, ValueError):
            self._replace(worker)
            raise WorkerFailed("the worker running the job died") from None
        self._idle.put(worker)
        return reply

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._guard:
            workers = list(self._all)
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.conn.send(None)
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.process.join(2)
            self._discard(worker)
