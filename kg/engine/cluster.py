"""The Dask engine: extraction on the workers of a ``dask.distributed`` cluster.

The calling process connects to a running scheduler (``tcp://HOST:PORT``), reads the
articles, and submits them in chunks to the cluster's workers, which run
``kg.engine.work.extract_chunk`` — the same pure function the local engines run — and send
back each article's graph (as N-Quads text when no store is written, else as rdflib
triples). At most about two chunks per worker thread are in flight, so the client's memory
stays bounded however large the corpus. Every worker needs ``kg-news`` installed (the
``dask`` extra) in the same version as the client; each worker process builds its extractor
once, on its first chunk.

Needs the optional ``dask`` extra (``pip install 'kg-news[dask]'``); importing this module
does not import Dask, ``DaskEngine`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from kg.engine.window import ordered_map
from kg.engine.work import extract_chunk
from kg.errors import KgError
from kg.reading.article import Article

__all__ = ["DaskEngine", "WAIT_FOR_WORKERS_SECONDS"]

WAIT_FOR_WORKERS_SECONDS = 60.0
"""How long to wait for at least one worker to join the scheduler."""
_INSTALL = "pip install 'kg-news[dask]'"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class DaskEngine:
    """Extraction on a Dask cluster reached at ``scheduler`` (an address such as tcp://host:8786)."""

    name = "dask"

    def __init__(self, scheduler: str, *, chunk_size: int = 16, window: int | None = None,
                 wait_for_workers: float = WAIT_FOR_WORKERS_SECONDS, fast: bool = False) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise KgError(f"--engine dask needs dask.distributed, which is not installed: {_INSTALL}") from None
        self.scheduler = scheduler
        self.fast = fast
        self.chunk_size = chunk_size
        try:
            client = Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as error:
            raise KgError(f"cannot reach the Dask scheduler at {scheduler}: {_one_line(error)} "
                          f"(start one with: dask scheduler)") from None
        self.client: Client | None = client
        try:
            client.wait_for_workers(1, timeout=wait_for_workers)
        except (OSError, TimeoutError) as error:
            client.close()
            raise KgError(f"no Dask worker joined the scheduler at {scheduler} within {wait_for_workers:g} s "
                          f"({_one_line(error)}); start workers with: dask worker {scheduler}") from None
        self.threads = max(1, sum(client.nthreads().values()))
        self.jobs = self.threads
        self.window = window or 2 * self.threads + 2

    def map(self, items: Iterable[Any]) -> Iterator[Any]:
        """Each article's ``ArticleResult`` and every other item, in input order."""
        client = self.client
        assert client is not None, "map() after close()"

        def submit(chunk: list[Article]):
            """Send one chunk of articles to the cluster to be extracted; the future of its results."""
            return client.submit(extract_chunk, chunk, self.fast, pure=False)

        yield from ordered_map(items, lambda item: isinstance(item, Article), submit,
                               chunk_size=self.chunk_size, window=self.window, result_of=self._result)

    def _result(self, future) -> list[Any]:
        try:
            return future.result()
        except Exception as error:  # a task that failed on the cluster (not an article's error)
            raise KgError(f"a task failed on the Dask cluster at {self.scheduler}: {_one_line(error)}; "
                          f"every worker needs kg installed ({_INSTALL})") from None

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running); a second call does nothing."""
        client, self.client = getattr(self, "client", None), None
        if client is not None:
            client.close()

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
