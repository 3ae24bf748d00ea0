"""The build step: sources → articles → facts → triples → one named graph per article.

``build`` streams a corpus through the pipeline with bounded memory:

* **Sources** are files, directories (walked recursively, sorted), glob patterns
  (``'archive/**/*.jsonl.gz'``, expanded here so the shell's argument limit does not apply),
  ``-`` for stdin, and N-Quads shards (``.nq``, ``.nq.gz``) written by an earlier build,
  whose graphs are loaded as they are. Articles are read one at a time (``kg.reading``).
* **Incremental**: a source (a file, a line of a JSON Lines file) whose bytes were built
  before into the store, at the same place, by the same reader and extraction, is skipped
  before it is decoded, cleaned or checked (unless ``force``): the store looks its
  ``kgo:buildKey`` up (``kg.engine.work.build_key``: the digest of the bytes, where they lie
  and the reader's version, with the extraction's stamp — its code and data, and the parser
  or ``--fast``). Any other source is read; a changed article replaces its own named graph
  (``Article.identity`` says which: URL, title and date, else the file's path). Two versions
  of one article in the same run behave as if built one after the other. An article with the
  content of another source's article (in this run or in the store) is a duplicate: built
  once, and reported.
* **Extraction** runs on an engine (``kg.engine``): this process, worker processes, or a Dask
  cluster. Only this process writes the store (it has one writer), in input order.
* **Writing** (``kg.writing.GraphWriter``): a new article's graph is added in a batch with
  other new graphs, whole graphs only, one transaction per batch (``Store.add_graphs``: the
  engine parses the graphs' N-Triples text itself); an article already in the store is
  replaced with ``Store.replace_graph_ntriples`` (one transaction). The writes run in order
  on a writer thread while extraction goes on. Either way the ``kgo:contentHash`` triple is
  written last, so a store that has an article's hash has all of its graph, and a failure
  leaves the store as it was for every article not yet committed.
* Bad inputs are collected as errors; the other articles still build. The report keeps
  totals and the first few articles' summaries and errors, never one record per article.
"""

from __future__ import annotations

import glob
import gzip
import os
import stat
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import URIRef

from kg.engine.shards import ShardWriter, is_shard, read_shard
from kg.engine.work import ArticleResult, ArticleSummary, build_key, extractor_stamp, summarise
from kg.errors import InputError
from kg.namespaces import DCTERMS, KGO
from kg.reading.article import Article, Unread
from kg.reading.sources import ARTICLE_SUFFIXES, STDIN, Skip, iter_articles
from kg.writing import FLUSH_EVERY, GraphWriter

__all__ = [
    "ArticleSummary",
    "BuildReport",
    "build",
    "count_articles",
    "expand_sources",
    "summarise",
]

DETAILS_KEPT = 10
"""How many built articles' summaries a ``BuildReport`` keeps (the CLI prints them)."""
ERRORS_KEPT = 100
"""How many error messages a ``BuildReport`` keeps (all are passed to ``on_error``)."""
_GLOB_MAGIC = frozenset("*?[")
COMPACT_SHARE = 0.25
"""A build that wrote at least this share of the store's triples compacts the store after."""


@dataclass
class BuildReport:
    """The outcome of a build run: totals, and the first few summaries and errors."""

    built: int = 0
    skipped: int = 0
    duplicates: int = 0  # articles seen again at another source (same content): not built twice
    duplicate_notes: list[tuple[str, str]] = field(default_factory=list)  # the first (source, same as)
    pruned: int = 0  # article graphs removed because their file is gone (``prune``)
    pruned_notes: list[str] = field(default_factory=list)  # the first DETAILS_KEPT of their sources
    derived_dropped: list[str] = field(default_factory=list)  # graphs made from the old articles, removed
    failed: int = 0
    triples: int = 0  # triples written, summed over the built articles' graphs
    counts: Counter = field(default_factory=Counter)  # facts per type, over built articles
    details: list[ArticleSummary] = field(default_factory=list)  # the first DETAILS_KEPT built
    errors: list[str] = field(default_factory=list)  # the first ERRORS_KEPT error messages
    shards: list[str] = field(default_factory=list)  # shard files written
    resolved: int | None = None  # surname-only mentions resolved across articles (None: not run)
    unresolved: int = 0  # surname-only mentions with candidates but no clear choice
    compacted: bool = False  # the store's files were compacted after the load
    pipelines: list[str] = field(default_factory=list)  # the readings the built articles' facts came from
    seconds: float = 0.0
    jobs: int = 1
    engine: str = "local"

    @property
    def ok(self) -> bool:
        """True when no article failed."""
        return self.failed == 0

    @property
    def articles_per_second(self) -> float:
        """Articles built or skipped per second of the run (0.0 before any time is recorded)."""
        done = self.built + self.skipped
        return done / self.seconds if self.seconds > 0 else 0.0

    def add_built(self, summary: ArticleSummary) -> None:
        """Count one built article: its triples, facts and reading pipeline; its summary is kept while
        fewer than ``DETAILS_KEPT`` are."""
        self.built += 1
        if summary.pipeline and summary.pipeline not in self.pipelines:
            self.pipelines.append(summary.pipeline)
        self.triples += summary.triples
        self.counts.update(summary.counts)
        if len(self.details) < DETAILS_KEPT:
            self.details.append(summary)

    def add_error(self, message: str) -> None:
        """Count one failed article; its message is kept while fewer than ``ERRORS_KEPT`` are."""
        self.failed += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append(message)


# --- sources ---------------------------------------------------------------------------------


def _has_magic(name: str) -> bool:
    return any(ch in _GLOB_MAGIC for ch in name)


def expand_sources(sources: Iterable[str | os.PathLike[str]]) -> Iterator[str | InputError]:
    """Each source as given, glob patterns expanded (sorted); a pattern matching nothing is an error.

    A name that exists is never read as a pattern, so a file called ``a[1].txt`` still works.
    ``**`` matches any depth of folders. Hidden files match only a pattern that names them.
    """
    for source in sources:
        name = os.fspath(source)
        if name == STDIN or not _has_magic(name) or os.path.lexists(name):
            yield name
            continue
        matches = sorted(glob.iglob(name, recursive=True))
        if not matches:
            yield InputError(name, "no file matches this pattern")
        yield from matches


def _items(sources: Iterable[str | os.PathLike[str]],
           skip: Skip = None) -> Iterator[Article | Unread | ArticleResult | InputError]:
    """Articles (or ``Unread`` sources, see ``skip``), graphs read from shards, and input
    errors, in source order, streamed."""
    for source in expand_sources(sources):
        if isinstance(source, InputError):
            yield source
        elif source != STDIN and is_shard(source) and os.path.isfile(source):
            yield from read_shard(source)
        else:
            yield from iter_articles([source], skip=skip)


def _count_lines(path: str) -> int:
    """Lines of a (possibly gzipped) file, read in blocks (blank lines count too: an estimate)."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    count = 0
    last = b"\n"
    with opener(path, "rb") as f:
        while block := f.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _count_file(path: str, explicit: bool) -> int:
    lower = path.lower()
    if lower.endswith((".jsonl", ".jsonl.gz")):
        return _count_lines(path)
    if is_shard(lower) and explicit:
        opener = gzip.open if lower.endswith(".gz") else open
        with opener(path, "rb") as f:
            return sum(block.count(b"ontology#contentHash>") for block in iter(lambda: f.read(1 << 20), b""))
    return 1 if explicit or lower.endswith(ARTICLE_SUFFIXES) else 0


def count_articles(sources: Iterable[str | os.PathLike[str]]) -> int | None:
    """About how many articles ``sources`` hold (for a progress bar's ETA); None for stdin.

    Counts article files, non-blank lines of JSON Lines files and graphs in shards. Cheap
    next to building (it reads but does not parse), but it does read every collection once.
    """
    total = 0
    for source in expand_sources(sources):
        if isinstance(source, InputError):
            continue
        if source == STDIN:
            return None
        try:
            info = os.stat(source)
            if stat.S_ISDIR(info.st_mode):
                for folder, dirs, files in os.walk(source, followlinks=True):
                    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                    total += sum(_count_file(os.path.join(folder, f), False) for f in files if not f.startswith("."))
            elif stat.S_ISREG(info.st_mode):
                total += _count_file(source, True)
        except (OSError, EOFError, zlib.error):
            continue
    return total


# --- writing ---------------------------------------------------------------------------------


# --- the build -------------------------------------------------------------------------------


@dataclass
class _Skipped:
    source: str
    title: str | None
    duplicate_of: str | None = None  # the source it is the same article as (same content)


class _InFlight:
    """Content hashes of the graphs read but not yet committed, by graph: what the store will hold."""

    def __init__(self) -> None:
        self._hashes: dict[str, tuple[str | None, int, str | None]] = {}
        self._by_hash: dict[str, tuple[str, str | None]] = {}  # hash → (graph, source), in flight only
        self.added = 0  # graphs sent to be written in this run, committed or not

    def add(self, graph: str, content_hash: str | None, source: str | None = None) -> None:
        self.added += 1
        _old, n, _source = self._hashes.get(graph, (None, 0, None))
        self._hashes[graph] = (content_hash, n + 1, source)
        if content_hash is not None:
            self._by_hash[content_hash] = (graph, source)

    def get(self, graph: str) -> tuple[bool, str | None]:
        """(whether the graph is in flight, the hash it will have)."""
        if graph in self._hashes:
            return True, self._hashes[graph][0]
        return False, None

    def source(self, graph: str) -> str | None:
        """The source of the graph's last version in flight."""
        return self._hashes[graph][2] if graph in self._hashes else None

    def with_hash(self, content_hash: str) -> tuple[str, str | None] | None:
        """(graph, source) of an article in flight with this content hash."""
        found = self._by_hash.get(content_hash)
        if found is None or self.get(found[0]) != (True, content_hash):
            return None
        return found

    def done(self, graph: str) -> None:
        content_hash, n, source = self._hashes.get(graph, (None, 1, None))
        if n <= 1:
            self._hashes.pop(graph, None)
            if content_hash is not None and self._by_hash.get(content_hash, (None,))[0] == graph:
                del self._by_hash[content_hash]
        else:
            self._hashes[graph] = (content_hash, n - 1, source)


def _select(store, sparql: str) -> list[tuple]:
    answer = store.query(sparql)
    return list(answer[1]) if isinstance(answer, tuple) else []


def _literal(text: str) -> str:
    from rdflib import Literal

    from kg.store import to_engine

    return str(to_engine(Literal(text)))


def _stored_with_hash(store, content_hash: str) -> list[tuple[str, str | None, str | None]]:
    """(graph, source file, build key) of each stored article with this content hash."""
    rows = _select(store, "SELECT ?g ?source ?key WHERE { GRAPH ?g { ?article <%s> %s "
                          "OPTIONAL { ?article <%s> ?source } OPTIONAL { ?article <%s> ?key } } }"
                          % (KGO.contentHash, _literal(content_hash), KGO.sourceFile, KGO.buildKey))
    return [(str(g), None if source is None else str(source), None if key is None else str(key))
            for g, source, key in rows]


KEYS_KEPT = 250_000
"""How many stored build keys a build holds in memory (16 bytes each); past that, it asks the store."""


class _Built:
    """The ``skip`` test of the readers: were these bytes built into the store already?

    True when a graph of the store holds the build key of the digest under this build's
    extraction, with its content hash (written last: the graph is whole), and no version of
    that graph was written in this run (then the article is read, and compared with it).

    The store's keys are read once, at the first source (up to ``KEYS_KEPT``), so that an
    unchanged source costs a set lookup; once this run has sent a graph to be written, a
    key found there is confirmed by asking the store (the graph may have been replaced).
    """

    def __init__(self, store, stamp: str, in_flight: _InFlight) -> None:
        self.store, self.stamp, self.in_flight = store, stamp, in_flight
        self._keys: set[bytes] | None = None
        self._complete = False  # every stored key is in _keys

    def key(self, digest: str | None) -> str | None:
        return None if digest is None else build_key(digest, self.stamp)

    def _load(self) -> set[bytes]:
        keys: set[bytes] = set()
        rows = self.store.select_values("SELECT ?key WHERE { GRAPH ?g { ?article <%s> ?key ; <%s> ?hash } }"
                                        % (KGO.buildKey, KGO.contentHash))
        self._complete = True
        for (key,) in rows:
            if len(keys) >= KEYS_KEPT:
                self._complete = False
                break
            keys.add(_short(key))
        close = getattr(rows, "close", None)
        if close is not None:
            close()
        return keys

    def __call__(self, digest: str) -> bool:
        if self._keys is None:
            self._keys = self._load()
        key = build_key(digest, self.stamp)
        if _short(key) in self._keys:
            if not self.in_flight.added:
                return True  # nothing written yet in this run: the store is as it was read
        elif self._complete:
            return False
        query = ("SELECT ?g WHERE { GRAPH ?g { ?article <%s> %s ; <%s> ?hash } }"
                 % (KGO.buildKey, _literal(key), KGO.contentHash))
        return any(not self.in_flight.get(str(g))[0] for (g,) in self.store.select_values(query))


def _short(key: str | None) -> bytes:
    """The first 16 bytes of a hex build key (enough to tell 2^64 keys apart)."""
    try:
        return bytes.fromhex((key or "")[:32])
    except ValueError:
        return b""


def _earlier_versions(store, source: str) -> list[str]:
    """Graphs of articles read from the file ``source`` (named as given) under an identity
    that was not the file's own: by its title (a title or date since edited), or, in a store
    built before files were identified by their path, by its text. Those are earlier
    versions of the file's article."""
    rows = _select(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?article <%s> %s ; <%s> ?id "
                          'FILTER (STRSTARTS(?id, "title:") || STRSTARTS(?id, "text:")) } }'
                          % (KGO.sourceFile, _literal(source), DCTERMS.identifier))
    return [str(g) for (g,) in rows]


def _to_build(items: Iterable[Any], store, force: bool, in_flight: _InFlight,
              earlier: dict[str, tuple[URIRef, ...]] | None = None, built: _Built | None = None) -> Iterator[Any]:
    """Items with unchanged articles (and graphs) replaced by ``_Skipped`` markers.

    ``Unread`` sources (their build key is stored, see ``_Built``) are unchanged. An article
    that was read is unchanged when its graph is stored with its content hash and its build
    key (``built.key``: the same bytes, reader and extraction; an article read from other
    bytes with the same content, or by another reader or extraction, is rebuilt).

    An article whose content (text and metadata) is that of another article of this run or
    of the store, read from another source, is the same article seen at two paths: a
    ``_Skipped`` marker naming that source (with ``force`` too: it is never built twice). An
    article read from a whole file whose earlier version the store holds under another
    identity (``_earlier_versions``) gets that graph in ``earlier``, to be dropped with it.
    """
    from kg.rdf import iris

    for item in items:
        if isinstance(item, InputError):
            yield item
            continue
        if isinstance(item, Unread):
            yield _Skipped(item.source, None)
            continue
        if isinstance(item, Article):
            graph, article, content_hash = str(iris.graph_iri(item)), iris.article_iri(item), item.content_hash
            source, title = item.source, item.title
            key = built.key(item.digest) if built is not None else None
            verdict = _article_verdict(item, graph, article, store, force, in_flight, key)
            if verdict is not None:
                yield verdict
                continue
            if store is not None and earlier is not None and (item.key or "").startswith("file:"):
                stale = [g for g in _earlier_versions(store, source) if g != graph and not in_flight.get(g)[0]]
                if stale:
                    earlier[graph] = tuple(URIRef(g) for g in stale)
            in_flight.add(graph, content_hash, source)
            yield item
            continue
        # a graph read from a shard
        graph, content_hash = item.graph, item.content_hash
        shard_article = URIRef(item.article) if item.article else None
        source, title = item.source, item.summary.title if item.summary else None
        if not force and content_hash is not None:
            pending, will_have = in_flight.get(graph)
            if pending:
                unchanged = will_have == content_hash
            elif store is not None and shard_article is not None:
                unchanged = (str(store.get_value(URIRef(graph), shard_article, KGO.contentHash)) == content_hash
                             and _stored_key(store, URIRef(graph), shard_article) == item.build_key)
            else:
                unchanged = False
            if unchanged:
                yield _Skipped(source, title)
                continue
        in_flight.add(graph, content_hash, source)
        yield item


def _stored_key(store, graph: URIRef, article: URIRef) -> str | None:
    value = store.get_value(graph, article, KGO.buildKey)
    return None if value is None else str(value)


def _article_verdict(item: Article, graph: str, article: URIRef, store, force: bool,
                     in_flight: _InFlight, key: str | None = None) -> _Skipped | None:
    """A ``_Skipped`` marker when the article need not be built (unchanged, or a duplicate
    of another source's article), else None. ``key`` is the article's build key (None: the
    content hash alone says whether a stored version is unchanged)."""
    source, title, content_hash = item.source, item.title, item.content_hash
    pending, will_have = in_flight.get(graph)
    if pending and will_have == content_hash:
        earlier_source = in_flight.source(graph)
        if earlier_source not in (None, source):
            return _Skipped(source, title, duplicate_of=earlier_source)
        if not force:
            return _Skipped(source, title)
    elif not pending and not force and store is not None:
        if str(store.get_value(URIRef(graph), article, KGO.contentHash)) == content_hash:
            stored_source = store.get_value(URIRef(graph), article, KGO.sourceFile)
            if stored_source is not None and str(stored_source) != source:
                return _Skipped(source, title, duplicate_of=str(stored_source))
            if key is None or _stored_key(store, URIRef(graph), article) == key:
                return _Skipped(source, title)
            # the same content read from other bytes, or by another reader or extraction: rebuilt
    other = in_flight.with_hash(content_hash)
    if other is not None and other[0] != graph:
        return _Skipped(source, title, duplicate_of=other[1])
    if store is not None:
        for stored_graph, stored_source, stored_key in _stored_with_hash(store, content_hash):
            if stored_graph == graph or in_flight.get(stored_graph)[0]:
                continue  # this article itself, or a graph about to be replaced
            if stored_source == source:
                if not force and (key is None or stored_key == key):
                    return _Skipped(source, title)  # this file, stored under an earlier identity
                continue
            return _Skipped(source, title, duplicate_of=stored_source)
    return None


def build(
    sources: Iterable[str | os.PathLike[str]],
    store,  # kg.store.Store, or None to write shards only
    *,
    force: bool = False,
    jobs: int | None = 1,
    engine=None,  # a kg.engine engine; default: the local one for ``jobs``
    shards: str | os.PathLike[str] | None = None,
    extractor=None,  # kg.extraction.pipeline.Extractor, run in this process
    fast: bool = False,
    on_article: Callable[[ArticleSummary], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    flush_every: int | None = FLUSH_EVERY,
    identity: bool = True,
    on_duplicate: Callable[[str, str], None] | None = None,
    prune: bool = False,
) -> BuildReport:
    """Build every article of ``sources`` into ``store`` (and into N-Quads ``shards``, if given).

    ``jobs`` worker processes extract (``1``: this process; None: ``kg.engine.local.default_jobs``,
    as ``kg build`` chooses), with the statistical parser
    unless ``fast`` (rules only; ignored with a given ``extractor`` or ``engine``); a given ``engine`` (e.g. a
    ``kg.engine.cluster.DaskEngine``) is used instead and left open for the caller.
    ``on_article`` gets each built or skipped article's summary, ``on_error`` each problem
    (one line), in input order; ``on_duplicate`` gets (source, the source it repeats) for
    each article seen again at another source, which is not built twice. ``flush_every`` bounds the store's write buffers (triples
    between flushes; None: only at the end). With ``prune``, the graphs of articles whose
    file inside one of the directories of ``sources`` is gone are removed first
    (:mod:`kg.prune`). When articles were built into (or pruned from) a store and
    ``identity`` is on, cross-article identity (``kg.identity.resolve``) is recomputed at the
    end. Never raises for a bad input; raises ``KgError`` for a store, shard directory or
    engine failure (what was committed before it stays committed).
    """
    from kg.engine import open_engine

    if store is None and shards is None:
        raise ValueError("build needs a store, a shard directory, or both")
    if prune and store is None:
        raise ValueError("prune needs a store")
    names = [os.fspath(source) for source in sources]
    started = time.perf_counter()
    own_engine = engine is None
    if own_engine:
        engine = open_engine("local", jobs=jobs, extractor=extractor, fast=fast)
    report = BuildReport(jobs=getattr(engine, "jobs", 1 if jobs is None else jobs), engine=getattr(engine, "name", "local"))
    in_flight = _InFlight()
    earlier: dict[str, tuple[URIRef, ...]] = {}  # graph → earlier versions to drop with it
    built = _Built(store, extractor_stamp(bool(getattr(engine, "fast", fast))), in_flight) if store is not None else None
    writer = (GraphWriter(store, flush_every=flush_every, on_committed=lambda g: in_flight.done(str(g)))
              if store is not None else None)
    shard_writer = ShardWriter(shards) if shards is not None else None
    failed = True
    derived_gone = False  # the graphs made from the articles before this build are removed
    try:
        if prune:
            from kg.prune import remove, stale_articles

            gone = stale_articles(store, [name for name in names if name != STDIN and os.path.isdir(name)])
            if gone:
                report.derived_dropped, derived_gone = _drop_derived(store), True
                remove(store, gone)
            report.pruned = len(gone)
            report.pruned_notes = [item.source for item in gone[:DETAILS_KEPT]]
        skip = built if built is not None and not force else None
        for item in engine.map(_to_build(_items(names, skip), store, force, in_flight, earlier, built)):
            if isinstance(item, InputError):
                _error(report, str(item), on_error)
            elif isinstance(item, _Skipped) and item.duplicate_of is not None:
                report.duplicates += 1
                if len(report.duplicate_notes) < DETAILS_KEPT:
                    report.duplicate_notes.append((item.source, item.duplicate_of))
                if on_duplicate:
                    on_duplicate(item.source, item.duplicate_of)
            elif isinstance(item, _Skipped):
                report.skipped += 1
                if on_article:
                    on_article(ArticleSummary(item.source, item.title, 0, {}, [], skipped=True))
            else:
                if writer is not None and item.error is None and not derived_gone:
                    # before the first article changes, so that no stop of the build leaves them stale
                    report.derived_dropped = _drop_derived(store)
                    derived_gone = True
                _write(item, writer, shard_writer, in_flight, report, on_article, on_error,
                       earlier.pop(item.graph, ()))
        if writer is not None:
            writer.close()
            if identity and (report.built or report.pruned):
                from kg.identity import resolve

                found = resolve(store)
                report.resolved, report.unresolved = found.resolved, found.unresolved
            report.compacted = _compact_after_load(store, report.triples)
        failed = False
    finally:
        try:
            if writer is not None:
                writer.close()  # whole graphs only: committing them is right even when interrupted
            if shard_writer is not None:
                shard_writer.close()
        except Exception:
            if not failed:
                raise
        finally:
            if own_engine:
                engine.close()
            if shard_writer is not None:
                report.shards = [str(p) for p in shard_writer.paths]
            report.seconds = time.perf_counter() - started
    return report


def _drop_derived(store) -> list[str]:
    """Remove the graphs computed from the articles as they were before this build — the links
    of ``kg link`` (``LINKS_GRAPH``) and the scores of ``kg analyse --write`` (the graphs under
    ``ANALYSIS_GRAPH_PREFIX``) — and return their IRIs. Called before the first article of a
    build changes (is pruned, or sent to be written). Kept, they would go on answering for
    articles that changed or are gone: a member inferred for an agreement no article reports
    any more, a centrality of the old network. They are made again by running those commands."""
    from kg.rdf.iris import ANALYSIS_GRAPH_PREFIX, LINKS_GRAPH

    derived = [graph for graph in store.graphs() if graph == LINKS_GRAPH or str(graph).startswith(ANALYSIS_GRAPH_PREFIX)]
    for graph in derived:
        store.drop_graph(graph)
    return [str(graph) for graph in derived]


def _compact_after_load(store, written: int) -> bool:
    """Compact an embedded store after a build that wrote at least ``COMPACT_SHARE`` of the
    triples it now holds (a first build, a large batch); True if it did. A small update of a
    large store is not worth rewriting its files."""
    if not store.supports_optimize or written == 0:  # remote stores manage their own files
        return False
    largest = int(written / COMPACT_SHARE)  # the largest store this build is a big enough share of
    if store.union_size(at_most=largest + 1) > largest:  # counts no further than it must
        return False
    return store.optimize()


def _write(result: ArticleResult, writer: GraphWriter | None, shard_writer: ShardWriter | None,
           in_flight: _InFlight, report: BuildReport, on_article, on_error,
           earlier: tuple[URIRef, ...] = ()) -> None:
    if result.error is not None or writer is None:
        in_flight.done(result.graph)  # nothing of it will be written to a store
    if result.error is not None:
        _error(report, result.error, on_error)
        return
    if writer is not None:
        writer.write(result, drop=earlier)  # done once committed
    if shard_writer is not None:
        shard_writer.write(result)
    summary = result.summary or ArticleSummary(result.source, None, result.as_ntriples().count("\n"), {}, [])
    report.add_built(summary)
    if on_article:
        on_article(summary)


def _error(report: BuildReport, message: str, on_error: Callable[[str], None] | None) -> None:
    report.add_error(message)
    if on_error:
        on_error(message)
