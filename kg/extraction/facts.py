"""Typed fact records produced by extraction; plain dataclasses, no RDF, no NLP objects.

Every fact carries ``Evidence``: the sentence it was read from, with character offsets into
``Article.text``. Actors are referred to by ``Actor.key`` within one ``ArticleFacts``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass, field
from typing import TypeVar

from kg.reading.article import Article

# The words of the ontology's vocabularies (ontology/kg.ttl, read by kg.vocabulary) that the
# extractors write. Which statuses exist and which make an actor a member is the ontology's
# to say: MEMBER_STATUSES and ALL_STATUSES below ask it when used.

# Actor kinds: notations of kgo:FactKinds (those in kgo:ActorKinds)
PERSON = "person"
COUNTRY = "country"
ORGANISATION = "organisation"

# Membership statuses: notations of kgo:MembershipStatuses
MEMBER = "member"
FOUNDER = "founding member"
SIGNATORY = "signatory"
OBSERVER = "observer"
PARTNER = "partner"
INVITEE = "invitee"
NON_SIGNATORY = "non-signatory"


_T = TypeVar("_T")


class _SchemeStatuses(Set[str]):
    """A set of status notations read from the ontology's scheme at each use, never at import."""

    def __init__(self, which: str) -> None:
        self._which = which  # an attribute of kg.vocabulary.Vocabulary

    def _items(self) -> frozenset[str]:
        from kg.vocabulary import vocabulary

        items: frozenset[str] = getattr(vocabulary(), self._which)
        return items

    def __contains__(self, item: object) -> bool:
        return item in self._items()

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items()))

    def __len__(self) -> int:
        return len(self._items())

    def __hash__(self) -> int:
        return hash(self._items())

    @classmethod
    def _from_iterable(cls, it: Iterable[_T]) -> frozenset[_T]:  # what &, |, - give: a frozenset
        return frozenset(it)

    def __repr__(self) -> str:
        return f"{self._which.upper()}{sorted(self._items())}"


MEMBER_STATUSES: Set[str] = _SchemeStatuses("member_statuses")
"""The statuses that make an actor a member: those with ``kgo:countsAsMember true``."""
ALL_STATUSES: Set[str] = _SchemeStatuses("all_statuses")
"""Every membership status of ``kgo:MembershipStatuses``."""


@dataclass(frozen=True)
class Evidence:
    """A sentence of the article that states a fact; offsets index ``Article.text``."""

    start: int
    end: int
    sentence: str


@dataclass
class Actor:
    """A person, country or organisation mentioned in the article."""

    key: str  # unique within the article: "country:USA", "person:ana souza", "org:interpol"
    kind: str  # PERSON | COUNTRY | ORGANISATION
    name: str  # canonical label
    aliases: set[str] = field(default_factory=set)  # other surface forms seen
    iso2: str | None = None  # countries only
    iso3: str | None = None  # countries only
    org_type: str | None = None  # organisations: "international organisation", "ministry", ...
    country: str | None = None  # ISO3 of the country an organisation belongs to, when known
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Place:
    """A named place (city, region) where something happened."""

    name: str
    geonames_id: int | None = None
    country_iso2: str | None = None


@dataclass
class Post:
    """A person holds a role (post) in an organisation or for a country."""

    person: str  # Actor.key
    role: str  # lower-case role words: "attorney general", "home affairs commissioner"
    affiliation: str | None  # Actor.key of the country or organisation served
    evidence: Evidence


@dataclass
class Agreement:
    """An alliance, pact, partnership, coalition, treaty or similar."""

    key: str  # unique within the article
    label: str  # its name or description as written: "maritime security pact", "Paris Agreement"
    kind: str  # head noun: "alliance", "treaty", "partnership", ...
    named: bool  # True when the label is a proper name (capitalised or quoted)
    date: dt.date | None = None
    date_text: str | None = None  # the words the date was read from ("on Wednesday")
    place: Place | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Membership:
    """An actor's relation to an agreement: member, signatory, observer, non-signatory, ..."""

    agreement: str  # Agreement.key
    member: str  # Actor.key
    status: str  # one of ALL_STATUSES
    evidence: Evidence


@dataclass
class Quote:
    """A direct quotation and who said it (None when no speaker could be found)."""

    text: str
    speaker: str | None  # Actor.key
    start: int  # offsets of the quoted text (without quotation marks) in Article.text
    end: int
    evidence: Evidence


@dataclass
class Commitment:
    """An aim or commitment of an agreement, as a verb phrase."""

    agreement: str  # Agreement.key
    text: str
    evidence: Evidence


@dataclass
class Event:
    """Something that happened: a launch, a press conference, a meeting, an earlier agreement."""

    key: str
    type: str  # "launch", "press conference", "meeting", "summit", "agreement", "signing", ...
    label: str
    date: dt.date | None
    place: Place | None
    participants: list[str]  # Actor.keys
    agreement: str | None  # Agreement.key it concerns, if any
    evidence: Evidence


@dataclass
class Figure:
    """A quantity as written, its numeric value, unit and what it measures."""

    text: str  # as written: "50,000", "10 percent", "$2.5 billion"
    value: float
    unit: str | None  # "percent", "USD", None for plain counts
    measures: str | None  # "new pictures uploaded every year"
    evidence: Evidence


@dataclass
class ArticleFacts:
    """Everything extracted from one article."""

    article: Article
    pipeline: str | None = None  # which reading made these facts (kg.extraction.syntax), for provenance
    actors: dict[str, Actor] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    sentences: list[Evidence] = field(default_factory=list)
