"""Cross-article identity: surname-only persons resolved, per article, to full-name persons.

Extraction resolves aliases and surname-only mentions within one article ("Tony Blair ... Mr
Blair" is one person). An article that names someone by surname only gives a one-word person
(``kgr:person/blair``), shared by every such article. This module decides, per article, which
full-name person (``kgr:person/tony-blair``) such a mention is, from the store's content:

* **Candidates**: the full-name persons (two words or more) whose last word is the surname.
* **Context**: the persons and organisations (not countries: too common to tell anyone
  apart) an article mentions. A context actor is *specific* when at most 5% of the
  articles (and at least two) mention it.
* **Decision**: for each article naming the surname only, each candidate scores the number
  of that article's specific context actors that also appear in the candidate's own
  articles. The best candidate is taken when it scores at least ``MIN_SHARED`` and more
  than every other candidate; otherwise the mention stays unresolved. Nothing else is
  guessed: no context, no resolution.

Each decision is a ``kgo:Resolution`` (article, mention, resolved person, and the shared
context actors as evidence) in the graph ``kgr:graph/identity``, which :func:`resolve` replaces
as a whole: it depends only on what the store holds, so rebuilding gives the same graph
whatever the order articles came in. Article graphs are never changed; the ``actors`` query
counts an article under the person a resolution names.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import RDF, URIRef

from kg.extract.actors import fold
from kg.namespaces import KGO
from kg.rdf.iris import IDENTITY_GRAPH, resolution_iri

__all__ = ["MIN_SHARED", "SPECIFIC_SHARE", "IdentityReport", "Mention", "Resolution", "decide", "resolve"]

MIN_SHARED = 1
"""A resolution needs at least this many specific context actors shared with the candidate."""
SPECIFIC_SHARE = 0.05
"""A context actor is specific when at most this share of the articles mention it."""


@dataclass(frozen=True)
class Mention:
    """One actor mentioned in one article, under one of its labels."""

    actor: str
    type: str  # "person" or "organisation"
    label: str
    article: str


@dataclass(frozen=True)
class Resolution:
    """In ``article``, the surname-only person ``mention`` is the full-name person ``person``."""

    article: str
    mention: str
    person: str
    shared: tuple[str, ...]  # the specific context actors both have, sorted


@dataclass
class IdentityReport:
    """What :func:`resolve` found: resolutions made, and surname-only mentions left alone."""

    resolutions: list[Resolution] = field(default_factory=list)
    unresolved: int = 0  # (article, surname-only person) pairs with candidates but no clear winner

    @property
    def resolved(self) -> int:
        return len(self.resolutions)


def _words(label: str) -> list[str]:
    return fold(label).replace(".", " ").split()


def decide(mentions: Iterable[Mention]) -> IdentityReport:
    """The resolutions the mentions support (a pure function; see the module docstring)."""
    articles_of: dict[str, set[str]] = defaultdict(set)
    context_of: dict[str, set[str]] = defaultdict(set)  # article → actors it mentions
    words_of: dict[str, list[str]] = {}
    kind_of: dict[str, str] = {}
    for m in mentions:
        articles_of[m.actor].add(m.article)
        context_of[m.article].add(m.actor)
        kind_of[m.actor] = m.type
        words = _words(m.label)
        if m.actor not in words_of or (words and len(words) > len(words_of[m.actor])):
            words_of[m.actor] = words  # the fullest of its labels
    total = len(context_of)
    limit = max(2, int(total * SPECIFIC_SHARE))
    specific = {actor for actor, found in articles_of.items() if len(found) <= limit}

    by_surname: dict[str, list[str]] = defaultdict(list)
    surname_only: list[str] = []
    for actor, words in words_of.items():
        if kind_of[actor] != "person" or not words:
            continue
        if len(words) == 1:
            surname_only.append(actor)
        else:
            by_surname[words[-1]].append(actor)

    report = IdentityReport()
    for mention in sorted(surname_only):
        candidates = sorted(by_surname.get(words_of[mention][0], ()))
        if not candidates:
            continue
        # the context each candidate has, over its own articles
        seen_with = {c: set().union(*(context_of[a] for a in articles_of[c])) for c in candidates}
        namesakes = set(candidates) | {mention}
        for article in sorted(articles_of[mention]):
            here = (context_of[article] & specific) - namesakes
            scores = Counter({c: len(here & seen_with[c]) for c in candidates})
            ranked = scores.most_common()
            best, score = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0
            if score >= MIN_SHARED and score > runner_up:
                shared = tuple(sorted(here & seen_with[best]))
                report.resolutions.append(Resolution(article, mention, best, shared))
            else:
                report.unresolved += 1
    return report


def resolve(store) -> IdentityReport:
    """Recompute the resolutions of the store and replace the graph ``kgr:graph/identity``.

    ``store`` is a writable ``kg.store.Store`` or ``kg.remote.RemoteStore``. The graph is
    replaced in one transaction (dropped when there is nothing to resolve).
    """
    from kg.query import load_query, run_query

    result = run_query(store, load_query("view_actor_mentions"))
    mentions = [Mention(str(actor), str(kind), str(label), str(article))
                for actor, kind, label, article in result.rows]  # fmt: skip
    report = decide(mentions)
    triples = []
    for r in report.resolutions:
        node = resolution_iri(URIRef(r.article), URIRef(r.mention))
        triples += [(node, RDF.type, KGO.Resolution), (node, KGO.inArticle, URIRef(r.article)),
                    (node, KGO.resolvedMention, URIRef(r.mention)), (node, KGO.resolvedTo, URIRef(r.person))]
        triples += [(node, KGO.sharedContext, URIRef(actor)) for actor in r.shared]
    store.replace_graph(IDENTITY_GRAPH, triples)
    return report
