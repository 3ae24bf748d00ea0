"""Pruning: the graphs of articles whose source file is gone leave the store.

A build adds and replaces article graphs; it never removes one, so an article whose file
was deleted or renamed would go on being answered, counted and linked. ``kg build DIR
--prune`` (``build(..., prune=True)``) first removes, for each directory it builds, the
graphs of the articles whose recorded source (``kgo:sourceFile``, the path as the build
was given it; for a line of a JSON Lines file, that file) lies inside the directory, named
the same way (``corpus/a.txt`` for ``kg build corpus``), and is no longer a file. Then the build runs: a renamed file is built again
under its new name, and a file whose text is that of a removed article is built instead of
being reported as its duplicate.

Limits, by design: only the absence of a file counts. A file that is still there is never
pruned (not when it fails to read, not when it is skipped as not English); a record removed
from a JSON Lines file that is still there is not noticed; articles built from files outside
the directories given, from glob patterns, from standard input, and graphs loaded by ``kg
import`` are never touched. Paths are compared as the build names them in
``kgo:sourceFile``, as given and relative to the working directory: a file recorded as
``corpus/a.txt`` is pruned by ``kg build corpus --prune`` run from the same directory, not
by ``kg build . --prune`` run inside ``corpus`` (which names it ``./a.txt``). Run a prune
from where the corpus was built, with the same folder name; every graph removed is listed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import URIRef

from kg.namespaces import KGO

__all__ = ["Pruned", "remove", "stale_articles"]

_LINE = re.compile(r"^(?P<file>.+\.jsonl(?:\.gz)?):\d+$")


@dataclass(frozen=True)
class Pruned:
    """An article graph whose source file is gone: the graph, and the source it recorded."""

    graph: URIRef
    source: str


def _file_of(source: str) -> str:
    """The file a recorded source names: itself, or for ``data.jsonl:12`` the JSON Lines file."""
    match = _LINE.match(source)
    return match.group("file") if match else source


def _inside(path: str, directory: str) -> bool:
    """Whether ``path`` is a file a build of ``directory`` would name: the directory as given,
    a separator, then the path inside it (``corpus/a.txt`` for ``corpus`` and ``corpus/``;
    ``./a.txt`` for ``.``, never ``corpus/a.txt``, which a build run elsewhere recorded)."""
    return path.startswith(directory if directory.endswith(os.sep) else directory + os.sep)


def stale_articles(store, directories: Sequence[str]) -> list[Pruned]:  # store: kg.store.Store
    """The article graphs of ``store`` whose recorded source file lies inside one of
    ``directories`` and is no longer a file, sorted by source."""
    if not directories:
        return []
    rows = store.select_values(
        f"SELECT DISTINCT ?g ?source WHERE {{ GRAPH ?g {{ ?article <{KGO.sourceFile}> ?source }} }}")
    found: list[Pruned] = []
    for graph, source in rows:
        if graph is None or source is None:
            continue
        file = _file_of(source)
        if any(_inside(file, directory) for directory in directories) and not os.path.isfile(file):
            found.append(Pruned(URIRef(graph), source))
    return sorted(found, key=lambda item: (item.source, str(item.graph)))


def remove(store, stale: Iterable[Pruned]) -> None:  # store: kg.store.Store
    """Remove the graphs of ``stale`` (each in its own transaction, with its triples in the union)."""
    for item in stale:
        store.drop_graph(item.graph)
