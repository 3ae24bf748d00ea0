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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import RDF, URIRef

from kg.extraction.actors import fold
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
        """How many surname-only mentions were resolved to a full-name person."""
        return len(self.resolutions)


def _words(label: str) -> list[str]:
    return fold(label).replace(".", " ").split()


def decide(read: Callable[[], Iterable[Mention | tuple[str, str, str, str]]]) -> IdentityReport:
    """The resolutions the mentions support (a pure function; see the module docstring).

    ``read()`` gives every (actor, type, label, article) of the store, streamed; it is called
    three times, and only what the decision needs is kept: how many articles mention each
    actor and the persons' labels, then the articles of the surname-only persons and their
    namesakes, then what those articles mention. IRIs are kept as small integers.
    """
    ids: dict[str, int] = {}
    names: list[str] = []

    def intern(text: str) -> int:
        """The small integer standing for ``text`` (an IRI), given a new one on first sight."""
        found = ids.get(text)
        if found is None:
            found = ids[text] = len(names)
            names.append(text)
        return found

    def rows() -> Iterator[tuple[str, str, str, str]]:
        """One pass over ``read()``, each mention as an (actor, type, label, article) tuple."""
        for m in read():
            yield (m.actor, m.type, m.label, m.article) if isinstance(m, Mention) else m

    # 1. how many articles mention each actor; each person's fullest label
    frequency: Counter[int] = Counter()
    seen: set[int] = set()  # (actor, article) pairs, as one integer each
    articles: set[int] = set()
    words_of: dict[int, list[str]] = {}
    for actor, kind, label, article in rows():
        a, r = intern(actor), intern(article)
        if (pair := a << 32 | r) not in seen:
            seen.add(pair)
            frequency[a] += 1
        articles.add(r)
        if kind == "person":
            words = _words(label)
            if a not in words_of or len(words) > len(words_of[a]):
                words_of[a] = words
    limit = max(2, int(len(articles) * SPECIFIC_SHARE))
    del seen, articles
    by_surname: dict[str, list[int]] = defaultdict(list)
    for person, words in words_of.items():
        if len(words) > 1:
            by_surname[words[-1]].append(person)
    candidates_of = {p: sorted(by_surname[w[0]], key=lambda c: names[c])
                     for p, w in words_of.items() if len(w) == 1 and by_surname.get(w[0])}
    report = IdentityReport()
    if not candidates_of:
        return report
    # 2. the articles of the surname-only persons and of their namesakes
    wanted = set(candidates_of) | {c for found in candidates_of.values() for c in found}
    articles_of: dict[int, set[int]] = defaultdict(set)
    for actor, _kind, _label, article in rows():
        a = ids[actor]
        if a in wanted:
            articles_of[a].add(ids[article])
    # 3. what those articles mention
    needed = set().union(*articles_of.values())
    context_of: dict[int, set[int]] = defaultdict(set)
    for actor, _kind, _label, article in rows():
        r = ids[article]
        if r in needed:
            context_of[r].add(ids[actor])

    for mention in sorted(candidates_of, key=lambda p: names[p]):
        candidates = candidates_of[mention]
        # the context each candidate has, over its own articles
        seen_with = {c: set().union(*(context_of[a] for a in articles_of[c])) for c in candidates}
        namesakes = set(candidates) | {mention}
        for article_id in sorted(articles_of[mention], key=lambda r: names[r]):
            here = {a for a in context_of[article_id] - namesakes if frequency[a] <= limit}
            scores = sorted(((len(here & seen_with[c]), names[c], c) for c in candidates), reverse=True)
            score, _name, best = scores[0]
            runner_up = scores[1][0] if len(scores) > 1 else 0
            if score >= MIN_SHARED and score > runner_up:
                shared = tuple(sorted(names[a] for a in here & seen_with[best]))
                report.resolutions.append(Resolution(names[article_id], names[mention], names[best], shared))
            else:
                report.unresolved += 1
    return report


def resolve(store) -> IdentityReport:
    """Recompute the resolutions of the store and replace the graph ``kgr:graph/identity``.

    ``store`` is a writable ``kg.store.Store`` (embedded or remote). The mentions are
    streamed from the store as plain strings, three times (see :func:`decide`); the graph is
    replaced in one transaction (dropped when there is nothing to resolve).
    """
    from kg.sparql import load_query

    text = load_query("view_actor_mentions").text
    report = decide(lambda: store.select_values(text))
    triples = []
    for r in report.resolutions:
        node = resolution_iri(URIRef(r.article), URIRef(r.mention))
        triples += [(node, RDF.type, KGO.Resolution), (node, KGO.inArticle, URIRef(r.article)),
                    (node, KGO.resolvedMention, URIRef(r.mention)), (node, KGO.resolvedTo, URIRef(r.person))]
        triples += [(node, KGO.sharedContext, URIRef(actor)) for actor in r.shared]
    store.replace_graph(IDENTITY_GRAPH, triples)
    return report
