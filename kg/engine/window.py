"""An ordered, bounded map over a stream: the back-pressure every parallel engine shares.

``ordered_map`` groups the work items of a stream into chunks, hands each chunk to
``submit`` (which returns a future: a ``concurrent.futures`` or a Dask one), and yields the
results in the order of the input. Items that need no work (an input error, an unchanged
article, a graph read from a shard) keep their place in the stream without being sent
anywhere. At most ``window`` chunks are in flight, so at most ``window × chunk_size``
articles are held at once however long the stream is: memory is bounded by the window, not
by the corpus, and reading runs ahead of the workers only as far as the window allows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["ordered_map"]

# A chunk without any work item is closed after this many pass-through items, so a long run
# of unchanged articles is reported as it goes.
_MAX_PASS_THROUGH = 256


class _Chunk:
    """Items in input order; ``future`` computes the results of the work items among them."""

    __slots__ = ("future", "items", "work")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.work: list[Any] = []
        self.future: Any = None

    def ready(self) -> bool:
        return self.future is None or self.future.done()

    def results(self, result_of: Callable[[Any], list[Any]]) -> Iterator[Any]:
        if self.future is None:
            yield from self.items
            return
        done = iter(result_of(self.future))
        for item in self.items:
            yield next(done) if item is _WORK else item


_WORK = object()  # placeholder for a work item's result within a chunk


def ordered_map(
    items: Iterable[Any],
    is_work: Callable[[Any], bool],
    submit: Callable[[list[Any]], Any],
    *,
    chunk_size: int,
    window: int,
    result_of: Callable[[Any], list[Any]] = lambda future: future.result(),
) -> Iterator[Any]:
    """Yield, in input order, each pass-through item and each work item's result.

    ``submit(work_items)`` must return a future whose result is the list of results, one per
    work item and in the same order. Finished chunks at the head are yielded as soon as they
    are done, so callers see progress while later chunks are still running.
    """
    if chunk_size < 1 or window < 1:
        raise ValueError("chunk_size and window must be at least 1")
    queue: deque[_Chunk] = deque()
    in_flight = 0
    chunk = _Chunk()

    def close_chunk() -> None:
        """End the chunk being filled: submit its work items, if any, queue it behind the chunks
        before it, and start an empty one."""
        nonlocal chunk, in_flight
        if chunk.work:
            chunk.future = submit(chunk.work)
            in_flight += 1
        if chunk.items:
            queue.append(chunk)
        chunk = _Chunk()

    def drain(block: bool) -> Iterator[Any]:
        """Yield finished chunks at the head; with ``block``, wait for (at least) one in flight."""
        nonlocal in_flight
        while queue and (block or queue[0].ready()):
            head = queue.popleft()
            if head.future is not None:
                in_flight -= 1
                block = False  # one chunk in flight finished: room for another
            head.work = []
            yield from head.results(result_of)

    for item in items:
        if is_work(item):
            chunk.items.append(_WORK)
            chunk.work.append(item)
            if len(chunk.work) >= chunk_size:
                close_chunk()
        else:
            chunk.items.append(item)
            if not chunk.work and len(chunk.items) >= _MAX_PASS_THROUGH:
                close_chunk()
        yield from drain(block=False)
        while in_flight >= window:
            yield from drain(block=True)
    close_chunk()
    while queue:
        yield from drain(block=True)
