"""What linking reads from the store: actors, posts, organisation members, statuses, places.

Every read is a query file of ``kg/link/queries/`` (``kg-*.rq``) over the article graphs only,
never over the links graph, so linking twice reads the same input and writes the same graph.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from rdflib import URIRef

from kg.link.errors import LinkError
from kg.rdf.iris import LINKS_GRAPH
from kg.link.sparql import Row, bind, date_of
from kg.namespaces import KGO, SKOS
from kg.store import Store

if TYPE_CHECKING:
    from kg.store.terms import Term

__all__ = ["Actor", "GroupMention", "Inputs", "Post", "read_inputs"]


@dataclass
class Actor:
    """A country, organisation or person as the articles name it."""

    iri: URIRef
    kind: str  # "country" | "organisation" | "person"
    labels: list[str] = field(default_factory=list)  # skos:prefLabel, sorted
    aliases: list[str] = field(default_factory=list)  # skos:altLabel, sorted
    iso3: str | None = None
    org_type: str | None = None
    based_in: URIRef | None = None

    @property
    def label(self) -> str:
        """The first label, or the last segment of the IRI when the articles gave none."""
        return self.labels[0] if self.labels else str(self.iri).rsplit("/", 1)[-1]

    def names(self) -> list[str]:
        """Names to look the actor up by: labels first, then aliases; a person's one-word aliases
        (a surname alone) are left out, they name too many people."""
        out = list(self.labels)
        for alias in self.aliases:
            if self.kind == "person" and len(alias.split()) < 2:
                continue
            out.append(alias)
        return list(dict.fromkeys(n for n in out if n.strip()))


@dataclass
class Post:
    """A person's post as an article gives it, with the article's dates."""

    person: URIRef
    post: URIRef
    role: str
    affiliation: URIRef | None
    country: URIRef | None  # the affiliation's country (itself when it is a country)
    dates: list[dt.date] = field(default_factory=list)


@dataclass
class GroupMention:
    """An organisation that is a member of an agreement: maybe a group of states."""

    agreement: URIRef
    agreement_label: str
    member: URIRef
    agreement_date: dt.date | None
    article_dates: list[dt.date] = field(default_factory=list)

    @property
    def date(self) -> dt.date | None:
        """The agreement's date, else the earliest date of an article stating the membership."""
        if self.agreement_date is not None:
            return self.agreement_date
        return min(self.article_dates) if self.article_dates else None


@dataclass
class Inputs:
    """Everything linking needs from the store."""

    actors: dict[URIRef, Actor]
    posts: list[Post]
    groups: list[GroupMention]
    statuses: dict[tuple[URIRef, URIRef], set[str]]  # (agreement, member) → statuses
    places: dict[URIRef, tuple[str, int]]  # place → (label, GeoNames id)



def _select(store: Store, name: str) -> list[Row]:
    answer = store.query(bind(name, {"links": LINKS_GRAPH}))
    if not isinstance(answer, tuple):
        raise LinkError(f"link query {name} is not a SELECT query")
    names, rows = answer
    return [{n: t for n, t in zip(names, row) if t is not None} for row in rows]


def _actors(store: Store) -> dict[URIRef, Actor]:
    actors: dict[URIRef, Actor] = {}
    for row in _select(store, "kg-actors"):
        iri, kind = row["actor"], str(row["kind"])
        if not isinstance(iri, URIRef):
            continue
        actor = actors.get(iri)
        if actor is None:
            actor = actors[iri] = Actor(iri, kind)
        elif kind == "country" and actor.kind != "country":
            actor.kind = "country"  # a country is never an organisation too
    for row in _select(store, "kg-actor-values"):
        subject = row["actor"]
        actor = actors.get(subject) if isinstance(subject, URIRef) else None  # a blank node is no actor
        prop, value = row["property"], row["value"]
        if actor is None:
            continue  # not a country, organisation or person
        if prop == SKOS.prefLabel and str(value) not in actor.labels:
            actor.labels.append(str(value))
        elif prop == SKOS.altLabel and str(value) not in actor.aliases:
            actor.aliases.append(str(value))
        elif prop == KGO.iso3:
            actor.iso3 = str(value).upper()
        elif prop == KGO.organisationType:
            actor.org_type = str(value)
        elif prop == KGO.basedIn and isinstance(value, URIRef):
            actor.based_in = value
    for actor in actors.values():
        actor.labels.sort()
        actor.aliases.sort()
    return dict(sorted(actors.items()))


def _country(affiliation: object, actors: Mapping[URIRef, Actor]) -> URIRef | None:
    """The affiliation itself when it is a country, else the country it is based in."""
    actor = actors.get(affiliation) if isinstance(affiliation, URIRef) else None
    if actor is None:
        return None
    return actor.iri if actor.kind == "country" else actor.based_in


def _iri(term: Term) -> URIRef:
    """A term of a column the link queries document as an IRI (``person``, ``post``,
    ``agreement``, ``member``, ``place``): stated for the type checker, not checked."""
    return cast(URIRef, term)


def _posts(store: Store, actors: Mapping[URIRef, Actor]) -> list[Post]:
    posts: dict[tuple[URIRef, URIRef], Post] = {}
    for row in _select(store, "kg-posts"):
        key = (_iri(row["person"]), _iri(row["post"]))
        post = posts.get(key)
        if post is None:
            affiliation = cast("URIRef | None", row.get("affiliation"))  # org:postIn's object: an actor's IRI
            post = posts[key] = Post(key[0], key[1], str(row["role"]), affiliation,
                                     _country(affiliation, actors))
        date = date_of(row.get("date"))
        if date is not None and date not in post.dates:
            post.dates.append(date)
    for post in posts.values():
        post.dates.sort()
    return [posts[key] for key in sorted(posts)]


def _groups(store: Store) -> list[GroupMention]:
    mentions: dict[tuple[URIRef, URIRef], GroupMention] = {}
    for row in _select(store, "kg-group-members"):
        key = (_iri(row["agreement"]), _iri(row["member"]))
        mention = mentions.get(key)
        if mention is None:
            label = str(row.get("agreementLabel", "")) or str(row["agreement"])
            mention = mentions[key] = GroupMention(key[0], label, key[1],
                                                   date_of(row.get("agreementDate")))
        date = date_of(row.get("articleDate"))
        if date is not None and date not in mention.article_dates:
            mention.article_dates.append(date)
    return [mentions[key] for key in sorted(mentions)]


def read_inputs(store: Store) -> Inputs:
    """Read the actors, posts, organisation members, statuses and places of the article graphs."""
    statuses: dict[tuple[URIRef, URIRef], set[str]] = defaultdict(set)
    for row in _select(store, "kg-statuses"):
        statuses[(_iri(row["agreement"]), _iri(row["member"]))].add(str(row["status"]))
    places: dict[URIRef, tuple[str, int]] = {}
    for row in _select(store, "kg-places"):
        try:
            places[_iri(row["place"])] = (str(row.get("label", "")), int(str(row["geonamesId"])))
        except (KeyError, ValueError):
            continue
    actors = _actors(store)
    return Inputs(actors, _posts(store, actors), _groups(store), dict(statuses), places)
