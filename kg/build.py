"""The build step: sources → articles → facts → triples → one named graph per article.

Each article's graph is replaced atomically, so rebuilding an article replaces its facts and a
failure leaves the store as it was. An article whose content hash is already stored is skipped
unless ``force`` is set. Bad inputs are collected as errors; the other articles still build.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kg.errors import InputError, KgError
from kg.extract.facts import MEMBER_STATUSES, ArticleFacts
from kg.reading.article import Article
from kg.reading.sources import iter_articles


@dataclass
class ArticleSummary:
    """What one built article contributed."""

    source: str
    title: str | None
    triples: int
    counts: dict[str, int]
    agreements: list[tuple[str, str | None, str | None, int]]  # label, date, place, members
    skipped: bool = False


@dataclass
class BuildReport:
    """The outcome of a build run."""

    built: list[ArticleSummary] = field(default_factory=list)
    skipped: list[ArticleSummary] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


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


def build(
    sources: Iterable[str | os.PathLike[str]],
    store,  # kg.store.Store
    *,
    force: bool = False,
    extractor=None,  # kg.extract.pipeline.Extractor
    on_article: Callable[[ArticleSummary], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build every article of ``sources`` into ``store``; never raises for a bad input."""
    from kg.extract import default_extractor
    from kg.namespaces import KGO
    from kg.rdf import iris
    from kg.rdf.mapping import facts_to_graph

    extractor = extractor or default_extractor()
    report = BuildReport()
    for item in iter_articles(sources):
        if isinstance(item, InputError):
            _error(report, str(item), on_error)
            continue
        article: Article = item
        graph_iri = iris.graph_iri(article)
        article_iri = iris.article_iri(article)
        if not force and str(store.get_value(graph_iri, article_iri, KGO.contentHash)) == article.content_hash:
            summary = ArticleSummary(article.source, article.title, 0, {}, [], skipped=True)
            report.skipped.append(summary)
            if on_article:
                on_article(summary)
            continue
        try:
            facts = extractor.extract(article)
            graph = facts_to_graph(facts)
        except KgError as exc:
            _error(report, f"{article.source}: {exc}", on_error)
            continue
        except Exception as exc:  # an extractor bug must not stop the other articles
            _error(report, f"{article.source}: extraction failed ({type(exc).__name__}: {exc})", on_error)
            continue
        store.replace_graph(graph_iri, graph)
        summary = summarise(facts, len(graph))
        report.built.append(summary)
        if on_article:
            on_article(summary)
    return report


def _error(report: BuildReport, message: str, on_error: Callable[[str], None] | None) -> None:
    report.errors.append(message)
    if on_error:
        on_error(message)
