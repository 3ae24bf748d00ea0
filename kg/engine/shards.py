"""N-Quads shards: article graphs written to files that any RDF store can bulk-load.

A shard is a plain N-Quads file (``part-000001.nq``, ...); every article's graph lies in one
shard, its quads contiguous and in its own named graph, with the ``kgo:contentHash`` quad
last. Shards hold only the named graphs, not the store's union copy, so they load as they
are into Oxigraph (``oxigraph load``), into any SPARQL store that takes N-Quads, or back into
a kg store with ``kg build SHARD.nq`` (which skips graphs whose content hash the store
already holds, as for articles).

``ShardWriter`` writes them; ``read_shard`` streams one back graph by graph.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from kg.engine.work import ArticleResult, ArticleSummary, title_of
from kg.errors import InputError, KgError
from kg.namespaces import KGO
from kg.store import Triple, from_engine

__all__ = ["SHARD_SUFFIXES", "ShardWriter", "is_shard", "read_shard"]

SHARD_SUFFIXES = (".nq", ".nq.gz")
SHARD_PATTERN = "part-{:06d}.nq"
ARTICLES_PER_SHARD = 1000
_HASH = str(KGO.contentHash)
_SOURCE = str(KGO.sourceFile)
_BUILD_KEY = str(KGO.buildKey)


def is_shard(name: str) -> bool:
    """True for a file name that names an N-Quads shard (``.nq`` or ``.nq.gz``)."""
    return name.lower().endswith(SHARD_SUFFIXES)


class ShardWriter:
    """Writes article graphs into ``directory/part-NNNNNN.nq``, ``per_shard`` articles a file.

    The directory is created if needed and must hold no shards already (shards of two runs
    are never mixed). Each file is complete when the next one starts; ``close`` ends the last.
    """

    def __init__(self, directory: str | os.PathLike[str], *, per_shard: int = ARTICLES_PER_SHARD) -> None:
        self.directory = Path(directory)
        self.per_shard = max(1, per_shard)
        self.paths: list[Path] = []
        self._file: TextIO | None = None
        self._count = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            existing = sorted(p.name for p in self.directory.iterdir() if is_shard(p.name))
        except OSError as error:
            raise KgError(f"cannot use shard directory {self.directory}: {error.strerror or error}") from None
        if existing:
            raise KgError(f"shard directory {self.directory} already holds shards ({existing[0]}, ...); "
                          "choose a new or empty directory")

    def write(self, result: ArticleResult) -> None:
        """Append one article's graph, starting a new shard when the current one is full."""
        if self._file is None or self._count >= self.per_shard:
            self._next()
        assert self._file is not None
        try:
            self._file.write(result.as_nquads())
        except OSError as error:
            raise KgError(f"cannot write shard {self.paths[-1]}: {error.strerror or error}") from None
        self._count += 1

    def _next(self) -> None:
        self.close()
        path = self.directory / SHARD_PATTERN.format(len(self.paths) + 1)
        try:
            self._file = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as error:
            raise KgError(f"cannot create shard {path}: {error.strerror or error}") from None
        self.paths.append(path)
        self._count = 0

    def close(self) -> None:
        """Close the current shard, if one is open; raises ``KgError`` when the file cannot be written
        out. Writing again afterwards starts a new shard."""
        if self._file is not None:
            try:
                self._file.close()
            except OSError as error:
                raise KgError(f"cannot write shard {self.paths[-1]}: {error.strerror or error}") from None
            finally:
                self._file = None

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _result(path: str, graph: str, triples: list[Triple]) -> ArticleResult:
    article = content_hash = source = key = None
    for s, p, o in triples:
        if str(p) == _HASH:
            article, content_hash = str(s), str(o)
        elif str(p) == _SOURCE and source is None:
            source = str(o)
        elif str(p) == _BUILD_KEY:
            key = str(o)
    where = f"{source} (shard {path})" if source else path
    summary = ArticleSummary(where, title_of(triples, article), len(triples), {}, [])
    return ArticleResult(where, graph, article, content_hash, summary, triples=triples, build_key=key)


_BLOCK_LINES = 10_000


class _BadLine(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _parse_lines(lines: list[bytes], first: int) -> Iterator[ox.Quad]:
    """The quads of a block of whole N-Quads lines; ``_BadLine`` names the first bad line."""
    try:
        yield from list(ox.parse(b"".join(lines), ox.RdfFormat.N_QUADS))
        return
    except SyntaxError:
        pass
    for offset, line in enumerate(lines):  # find the bad line; yield what comes before it
        try:
            quads = list(ox.parse(line, ox.RdfFormat.N_QUADS))
        except SyntaxError as error:
            raise _BadLine(first + offset, " ".join(str(error.msg or error).split())) from None
        yield from quads


def _quads(stream) -> Iterator[ox.Quad]:
    """The quads of an N-Quads stream, parsed in blocks of lines (N-Quads is line-based)."""
    block: list[bytes] = []
    first = 1
    for line in stream:
        block.append(line)
        if len(block) >= _BLOCK_LINES:
            yield from _parse_lines(block, first)
            first += len(block)
            block = []
    if block:
        yield from _parse_lines(block, first)


def read_shard(path: str) -> Iterator[ArticleResult | InputError]:
    """The article graphs of one shard, each as an ``ArticleResult``; problems as ``InputError``.

    A graph is a run of consecutive quads with the same graph name (kg writes each article's
    quads together). Reading stops at the first line that is not N-Quads, or at a quad
    outside any named graph, after yielding the complete graphs before it (a graph is
    complete when its content-hash quad, which kg writes last, has been read).
    """
    graph: str | None = None
    triples: list[Triple] = []
    count = 0
    try:
        with open(path, "rb") as raw:
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if path.lower().endswith(".gz") else raw
            for quad in _quads(stream):
                count += 1
                name = quad.graph_name
                if not isinstance(name, ox.NamedNode):
                    yield InputError(path, f"quad {count} is not in a named graph; a kg shard holds one "
                                           "named graph per article")
                    return
                if name.value != graph:
                    if graph is not None:
                        yield _result(path, graph, triples)
                    graph, triples = name.value, []
                triples.append((from_engine(quad.subject), from_engine(quad.predicate),
                                from_engine(quad.object)))
    except _BadLine as bad:
        # The graph being read when the bad line came is complete only if its last quad, the
        # content hash, was read (kg writes it last); an incomplete graph is not loaded.
        if graph is not None and triples and str(triples[-1][1]) == _HASH:
            yield _result(path, graph, triples)
        yield InputError(path, f"not valid N-Quads ({bad.message})", bad.line)
        return
    except gzip.BadGzipFile:
        yield InputError(path, "not a gzip file (the name ends in .gz)")
        return
    except (EOFError, zlib.error):
        yield InputError(path, "damaged gzip data (the file is truncated or corrupt)")
        return
    except FileNotFoundError:
        yield InputError(path, "not found")
        return
    except IsADirectoryError:
        yield InputError(path, "is a directory")
        return
    except OSError as error:
        yield InputError(path, f"cannot read ({error.strerror or error})")
        return
    if graph is not None:
        yield _result(path, graph, triples)
    elif count == 0:
        yield InputError(path, "empty shard (no quads)")
