"""The unit of work: one ``Article`` → the triples of its named graph, a pure function.

``extract_article`` runs extraction (``kg.extract``) and the RDF mapping (``kg.rdf``) on one
article and returns an ``ArticleResult``: the graph's name, the article's content hash, the
triples (as rdflib terms, or as N-Quads text ready for a shard) and a small summary for the
build report. It reads nothing but its argument and writes nothing, so an engine may run it
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
from kg.store import Triple, from_engine, to_engine

__all__ = [
    "NQUADS",
    "TRIPLES",
    "ArticleResult",
    "ArticleSummary",
    "extract_article",
    "extract_chunk",
    "nquads_to_triples",
    "summarise",
    "triples_to_nquads",
]

TRIPLES = "triples"
"""Result form: rdflib triples (cheapest to hand to the store)."""
NQUADS = "nquads"
"""Result form: N-Quads text (what a shard holds; cheapest to ship and to write to a file)."""
FORMS = (TRIPLES, NQUADS)

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


@dataclass
class ArticleResult:
    """The outcome of extracting one article (or of reading one graph from a shard).

    ``graph`` names the article's graph, ``article`` is the article's IRI and
    ``content_hash`` its hash (both ``None`` only for a failed article). Exactly one of
    ``triples`` and ``nquads`` is set for a success, neither for a failure (``error``).
    The ``kgo:contentHash`` triple comes last in either form, so a store that has the hash
    of an article holds all of its graph (see ``kg.build``).
    """

    source: str
    graph: str
    article: str | None
    content_hash: str | None
    summary: ArticleSummary | None = None
    triples: list[Triple] | None = None
    nquads: str | None = None
    error: str | None = None

    def graph_triples(self) -> list[Triple]:
        """The triples of the article's graph as rdflib terms."""
        if self.triples is None:
            self.triples = nquads_to_triples(self.nquads or "")
        return self.triples

    def as_nquads(self) -> str:
        """The graph as N-Quads text (one line per triple, the graph name on every line)."""
        if self.nquads is None:
            self.nquads = triples_to_nquads(self.triples or (), self.graph)
        return self.nquads


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
    return ArticleSummary(facts.article.source, facts.article.title, triples, dict(counts), agreements)


def triples_to_nquads(triples: Iterable[Triple], graph: str) -> str:
    """N-Quads text of ``triples`` in the named graph ``graph``, written by the RDF engine."""
    name = str(ox.NamedNode(graph))
    return "".join(f"{to_engine(s)} {to_engine(p)} {to_engine(o)} {name} .\n" for s, p, o in triples)


def nquads_to_triples(text: str | bytes) -> list[Triple]:
    """The triples of N-Quads text (graph names dropped), as rdflib terms, in order."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return [(from_engine(q.subject), from_engine(q.predicate), from_engine(q.object))  # type: ignore[misc]
            for q in ox.parse(data, ox.RdfFormat.N_QUADS)]


def hash_last(triples: Iterable[Triple]) -> list[Triple]:
    """``triples`` with the ``kgo:contentHash`` triple(s) moved to the end."""
    body: list[Triple] = []
    tail: list[Triple] = []
    for triple in triples:
        (tail if triple[1] == KGO.contentHash else body).append(triple)
    return body + tail


def extract_article(article: Article, extractor, form: str = TRIPLES) -> ArticleResult:
    """Extract facts from ``article`` and map them to its graph; never raises for bad content."""
    from kg.rdf import iris
    from kg.rdf.mapping import facts_to_graph

    graph = str(iris.graph_iri(article))
    article_iri = str(iris.article_iri(article))
    try:
        facts = extractor.extract(article)
        triples = hash_last(facts_to_graph(facts))
    except KgError as exc:
        return ArticleResult(article.source, graph, None, None, error=f"{article.source}: {exc}")
    except Exception as exc:  # an extractor bug must not stop the other articles
        problem = f"extraction failed ({type(exc).__name__}: {exc})"
        return ArticleResult(article.source, graph, None, None, error=f"{article.source}: {problem}")
    result = ArticleResult(article.source, graph, article_iri, article.content_hash,
                           summarise(facts, len(triples)), triples=triples)
    if form == NQUADS:
        result.as_nquads()
        result.triples = None
    return result


def extract_chunk(articles: list[Article], form: str = TRIPLES) -> list[ArticleResult]:
    """Worker entry point: every article of a chunk with this process's extractor."""
    from kg.extract import default_extractor

    if form not in FORMS:
        raise ValueError(f"unknown result form {form!r} (use one of {', '.join(FORMS)})")
    with _LOCK:
        extractor = default_extractor()
        return [extract_article(article, extractor, form) for article in articles]


def title_of(triples: Iterable[Triple], article: str | None) -> str | None:
    """The ``dcterms:title`` of the article node among ``triples``, if any."""
    subject = URIRef(article) if article else None
    for s, p, o in triples:
        if p == DCTERMS.title and (subject is None or s == subject):
            return str(o)
    return None
