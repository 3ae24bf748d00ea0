"""Worker processes that run queries and updates under a time limit and a memory cap.

A query cannot be interrupted inside the RDF engine, and a Python thread cannot be killed,
so each query runs in a worker process: a runaway one is killed at the time limit and a
fresh worker takes its place, while the other workers go on answering. A reader keeps the
store open read-only while its files stay unchanged and opens it again (a few milliseconds)
once they changed, so it sees the data of writers that have finished (``kg build``
meanwhile); an open that fails while a writer switches engine files is retried. When updates are enabled, one writer process holds the store open for
writing and answers queries and updates alike, one at a time (a reader opening the store
while that writer changes it could read half-written engine files); the engine applies
each update in one transaction, so an update killed at the limit leaves the store as it was.

Each worker caps its own memory (``RLIMIT_DATA``, the heap and anonymous mappings the
engine and Python allocate; ``memory_limit`` bytes, :data:`DEFAULT_MEMORY_LIMIT` by
default): a query that needs more fails inside the worker (Python's ``MemoryError``, or
the engine's allocator aborting the process), the client is told it hit the memory limit,
and a dead worker is replaced in the background while the others go on answering.

Workers are started with ``spawn`` (never ``fork``: the server has threads), exchange
plain dicts over pipes, and format the answer themselves, so the time limit covers the
formatting too. A worker whose server dies sees its pipe close and exits. The server
side is used from an event loop (:meth:`Pool.run_async`): waiting for a free worker does
not hold a thread, and the few threads that talk to busy workers are as many as workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["DEFAULT_MEMORY_LIMIT", "Busy", "MemoryLimit", "Pool", "TimeLimit", "WorkerFailed"]

DEFAULT_MEMORY_LIMIT = 1024 * 2**20
"""Bytes of heap one worker may hold (its imports and open store included, about 100 MiB)."""

_START_TIMEOUT = 120.0
_OPEN_ATTEMPTS = 4
_log = logging.getLogger("kg.server")


class TimeLimit(Exception):
    """The job ran past the time limit; its worker was stopped."""


class Busy(Exception):
    """No worker became free within the time limit."""


class WorkerFailed(Exception):
    """A worker could not start, or died while running a job."""


class MemoryLimit(Exception):
    """The job needed more memory than the worker's cap; its worker was replaced."""


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


def _signature(location: str) -> tuple[tuple[str, int, int], ...] | None:
    """The names, sizes and times of the engine's files: what a finished writer changes."""
    try:
        with os.scandir(location) as entries:
            return tuple(sorted((e.name, st.st_size, st.st_mtime_ns) for e in entries
                                if e.is_file() and not e.name.startswith("LOG") for st in (e.stat(),)))
    except OSError:
        return None


class _LocalReader:
    """A local store opened read-only and kept open while its files stay as they were; once
    a writer (``kg build``) has changed them, the next query opens the store again and sees
    the new data. Opening takes milliseconds, checking the files microseconds."""

    def __init__(self, location: str, remote: object) -> None:
        self.location = location
        self.remote = remote
        self._store: Any = None
        self._signature: object = None

    def store(self) -> Any:
        signature = _signature(self.location)
        if self._store is None or signature is None or signature != self._signature:
            self.close()
            self._store = _open(self.location, self.remote, False)
            self._signature = signature
        return self._store

    def close(self) -> None:
        if self._store is not None:
            with contextlib.suppress(Exception):
                self._store.close()
            self._store = None


def _answer(store, job: dict[str, Any]) -> dict[str, Any]:
    from rdflib import Graph

    from kg.sparql.results import QueryResult, format_result

    limit = int(job["limit"])
    # a SELECT in the engine's own terms: the writers read both kinds, and rdflib terms cost 3x
    answer = store.query(job["text"], limit=limit + 1, engine_terms=True)
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
    if fmt == "json" and kind != "graph":  # most clients' format: compact, for the C encoder's speed
        import json

        from kg.sparql.writers import json_document

        body = json.dumps(json_document(result), ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    else:
        out = io.StringIO()
        format_result(result, fmt, out)
        body = out.getvalue().encode("utf-8")
    return {"status": "ok", "kind": kind, "format": fmt, "body": body, "truncated": truncated, "size": len(result)}


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
    except MemoryError:
        return {"status": "error", "error": "memory", "message": "out of memory"}
    except Exception as error:  # noqa: BLE001 - a bug: report it, keep serving
        return {"status": "error", "error": "internal", "message": f"{type(error).__name__}: {error}"}


def _cap_memory(limit: int | None) -> None:
    """Cap the heap of this process at ``limit`` bytes (``RLIMIT_DATA``; not on every OS)."""
    if not limit:
        return
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def worker_main(conn: Connection, location: str, remote: object, writable: bool,
                memory_limit: int | None = DEFAULT_MEMORY_LIMIT) -> None:
    """The loop of one worker process: receive a job, answer it, until the pipe closes."""
    from kg.errors import KgError
    from kg.store import is_remote

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops us
    os.environ.setdefault("RUST_BACKTRACE", "0")
    _cap_memory(memory_limit)
    held = None  # the writer, and a remote reader, keep their store; a local reader reopens when it changed
    reader = _LocalReader(location, remote)
    try:
        if writable or is_remote(location):
            held = _open(location, remote, writable)
        else:
            reader.store()  # fail now, not at the first query
        import kg.sparql.results  # noqa: F401 - warm up before saying ready
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
                    reply = _run_job(reader.store(), job)
                    if reply.get("error") == "store":  # a writer may have moved files under it:
                        reader.close()  # open it afresh, once
                        reply = _run_job(reader.store(), job)
            except KgError as error:
                reader.close()
                reply = {"status": "error", "error": "store", "message": str(error)}
            try:
                conn.send(reply)
            except (OSError, ValueError):
                return
            if reply.get("error") == "memory":
                return  # a worker that ran out of memory may be in a bad state: the server replaces it
    finally:
        reader.close()
        if held is not None:
            with contextlib.suppress(Exception):
                held.close()


# --- the server side ----------------------------------------------------------------------------


class Pool:
    """``size`` worker processes over one store; :meth:`run_async` (in an event loop) or
    :meth:`run` gives a job to a free one.

    ``writable`` makes writer workers (use ``size=1``: a store has one writer).
    ``memory_limit`` is each worker's cap in bytes (None: no cap).
    """

    def __init__(self, location: str, remote: object = None, *, size: int = 2, writable: bool = False,
                 memory_limit: int | None = DEFAULT_MEMORY_LIMIT) -> None:
        self.location = location
        self.remote = remote
        self.size = size
        self.writable = writable
        self.memory_limit = memory_limit
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._guard = threading.Lock()
        self._closed = False
        self._slots: asyncio.Semaphore | None = None
        self._threads = ThreadPoolExecutor(max_workers=size + 1, thread_name_prefix="kg-serve-job")
        self.replaced = 0

    def start(self) -> None:
        """Start the workers and wait until each is ready; ``WorkerFailed`` if one cannot start."""
        workers = [self._spawn() for _ in range(self.size)]
        for worker in workers:
            self._await_ready(worker)
            self._idle.put(worker)

    def pids(self) -> list[int]:
        """The process ids of the live workers."""
        with self._guard:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=worker_main, args=(child, self.location, self.remote, self.writable, self.memory_limit),
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

    def _discard(self, worker: _Worker, wait: float = 0.0) -> int | None:
        """Stop ``worker`` (after ``wait`` seconds for it to end by itself); its exit code
        (negative: the signal that ended it)."""
        with self._guard:
            self._all.discard(worker)
        with contextlib.suppress(Exception):
            if wait and worker.process.exitcode is None:
                worker.process.join(wait)
        code = worker.process.exitcode
        with contextlib.suppress(Exception):
            worker.process.kill()
        with contextlib.suppress(Exception):
            worker.process.join(5)
        with contextlib.suppress(Exception):
            worker.conn.close()
        return code

    def _replace(self, worker: _Worker, why: str, wait: float = 0.0) -> int | None:
        """Stop ``worker`` and start another in the background; the stopped one's exit code."""
        code = self._discard(worker, wait)
        if self._closed:
            return code
        self.replaced += 1
        if wait and code is not None and code < 0:  # it ended by itself
            why += f" (ended by signal {-code}{', the engine out of memory under the cap' if code == -6 else ''})"
        _log.warning("a worker was replaced: %s", why)

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
            _log.error("a worker could not be restarted; %d of %d remain", len(self.pids()), self.size)

        threading.Thread(target=start_one, name="kg-serve-respawn", daemon=True).start()
        return code

    def _exchange(self, job: dict[str, Any], deadline: float) -> dict[str, Any]:
        """Give ``job`` to the next idle worker and wait for its reply until ``deadline``."""
        while True:
            if self._closed:
                raise WorkerFailed("the server is stopping")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Busy()
            try:
                worker = self._idle.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if worker.process.is_alive():
                break
            self._replace(worker, "it died while idle")  # and take the next one
        try:
            worker.conn.send(job)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker, "a job ran past the time limit")
                raise TimeLimit()
            reply = worker.conn.recv()
        except (EOFError, OSError, ValueError):
            code = self._replace(worker, "it died running a job", wait=2.0)
            if code == -signal.SIGABRT and self.memory_limit:
                raise MemoryLimit() from None  # the engine aborts when an allocation fails under the cap
            raise WorkerFailed(f"the worker running the job died (exit code {code})") from None
        if reply.get("status") == "error" and reply.get("error") == "memory":
            self._replace(worker, "a job ran out of memory", wait=2.0)
            raise MemoryLimit()
        self._idle.put(worker)
        return reply

    def run(self, job: dict[str, Any], time_limit: float) -> dict[str, Any]:
        """Run ``job`` within ``time_limit`` seconds (waiting for a free worker included).

        Raises ``Busy`` when no worker is free in time, ``TimeLimit`` when the job ran past
        the limit (its worker is killed and replaced), ``MemoryLimit`` when it needed more
        memory than the cap, ``WorkerFailed`` when its worker died otherwise.
        """
        return self._exchange_retrying(job, time.monotonic() + time_limit)

    def _exchange_retrying(self, job: dict[str, Any], deadline: float) -> dict[str, Any]:
        """:meth:`_exchange`, and once more on another worker when a query's worker died
        (killed from outside, or dead before it got the job); an update is never repeated."""
        try:
            return self._exchange(job, deadline)
        except WorkerFailed:
            if job.get("op") != "query":
                raise
            return self._exchange(job, deadline)

    async def run_async(self, job: dict[str, Any], time_limit: float) -> dict[str, Any]:
        """:meth:`run` from an event loop: waiting for a free worker holds no thread."""
        deadline = time.monotonic() + time_limit
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=max(0.0, time_limit))
        except TimeoutError:
            raise Busy() from None
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, self._exchange_retrying, job, deadline)
        finally:
            self._slots.release()

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
        self._threads.shutdown(wait=False, cancel_futures=True)
