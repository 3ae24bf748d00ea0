"""The unit of work: one ``Article`` → the triples of its named graph, a pure function.

``extract_article`` runs extraction (``kg.extract``) and the RDF mapping (``kg.rdf``) on one
article and returns an ``ArticleResult``: the graph's name, the article's content hash, the
triples as N-Triples text (cheap to ship between processes, and what the store's bulk path
and the shards take as they are) and a small summary for the build report. It reads nothing but its argument and writes nothing, so an engine may run it
in this process, in a pool of worker processes or on the workers of a Dask cluster; the
parent process alone writes the store.

``extract_chunk`` is what workers run: a list of articles in, a list of results out, with the
extractor of the worker process built once (about 1 s) and reused for every later chunk.
Extraction errors never escape: they become the ``error`` of that article's result.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import URIRef

from kg.errors import KgError
from kg.extract.facts import MEMBER_STATUSES, ArticleFacts
from kg.namespaces import DCTERMS, KGO
from kg.reading.article import Article
from kg.store import Triple, from_engine, to_ntriples

__all__ = [
    "ArticleResult",
    "ArticleSummary",
    "extract_article",
    "extract_chunk",
    "ntriples_to_triples",
    "summarise",
]

# Extractors are not shared between threads: a Dask worker with several threads runs one
# chunk at a time per process (extraction holds the GIL anyway).
_LOCK = threading.Lock()


@dataclass
class ArticleSummary:
    """What one article contributed (counts per fact type, its agreements), for reports."""

    source: str
    title: str | None
    triples: int
    counts: dict[str, int]
    agreements: list[tuple[str, str | None, str | None, int]]  # label, date, place, members
    skipped: bool = False
    pipeline: str | None = None  # the reading the facts came from (kg.extract.syntax)


@dataclass
class ArticleResult:
    """The outcome of extracting one article (or of reading one graph from a shard).

    ``graph`` names the article's graph, ``article`` is the article's IRI and
    ``content_hash`` its hash (both ``None`` only for a failed article). A success carries
    its graph's triples as ``ntriples`` text or as rdflib ``triples`` (at least one; the
    other is made on demand), a failure neither (``error``). The ``kgo:contentHash``
    triple comes last in either form, so a store that has the hash of an article holds all
    of its graph (see ``kg.build``).
    """

    source: str
    graph: str
    article: str | None
    content_hash: str | None
    summary: ArticleSummary | None = None
    ntriples: str | None = None
    triples: list[Triple] | None = None
    error: str | None = None

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
        name = str(ox.NamedNode(self.graph))
        return self.as_ntriples().replace(" .\n", f" {name} .\n")  # a newline in a term is escaped


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
    return [(from_engine(q.subject), from_engine(q.predicate), from_engine(q.object))  # type: ignore[misc]
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
        triples = hash_last(facts_to_triples(facts))
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
    from kg.extract import default_extractor

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
