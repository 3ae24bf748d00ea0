"""The actor registry of one article: turns mentions into ``Actor`` records with evidence.

Countries are keyed by ISO 3166 alpha-3, organisations by canonical name, persons by their
normalised full name; a surname-only or honorific mention resolves to a person already seen.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from kg.extraction import gazetteer
from kg.extraction.facts import COUNTRY, ORGANISATION, PERSON, Actor, Evidence
from kg.extraction.mentions import COUNTRY as M_COUNTRY
from kg.extraction.mentions import DEMONYM as M_DEMONYM
from kg.extraction.mentions import ORGANISATION as M_ORG
from kg.extraction.mentions import Mention


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Case- and accent-insensitive comparison key: "Zieliński" == "zielinski"."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().strip()


@lru_cache(maxsize=1 << 16)
def _folded_words(name: str) -> tuple[str, ...]:
    return tuple(fold(name).split())


class ActorRegistry:
    """Collects the actors of one article; keys are stable for the same input."""

    def __init__(self) -> None:
        self.actors: dict[str, Actor] = {}
        self.gender: dict[str, str] = {}

    # -- countries and organisations ------------------------------------------------------------
    def from_mention(self, m: Mention, evidence: Evidence | None) -> str | None:
        """The key of the actor a country/demonym/organisation mention refers to."""
        if m.kind in (M_COUNTRY, M_DEMONYM):
            return self.country(m.ref, m.text if m.kind == M_COUNTRY else None, evidence)
        if m.kind == M_ORG:
            key = "org:" + fold(m.ref)
            actor = self.actors.get(key)
            if actor is None:
                actor = Actor(key=key, kind=ORGANISATION, name=m.ref, org_type=m.org_type,
                              country=m.country)
                self.actors[key] = actor
            if m.text != actor.name:
                actor.aliases.add(m.text)
            _add_evidence(actor, evidence)
            return key
        return None

    def country(self, iso3: str, surface: str | None, evidence: Evidence | None) -> str:
        """The key ("country:ISO3") of the country with alpha-3 code ``iso3``, registered on first use;
        ``surface`` (how the text wrote it) becomes an alias when it differs from the gazetteer name."""
        key = "country:" + iso3
        actor = self.actors.get(key)
        if actor is None:
            entry = gazetteer.country_by_code(iso3)
            assert entry is not None, iso3
            actor = Actor(key=key, kind=COUNTRY, name=entry.name, iso2=entry.iso2, iso3=entry.iso3)
            self.actors[key] = actor
        if surface and surface != actor.name:
            actor.aliases.add(surface)
        _add_evidence(actor, evidence)
        return key

    # -- persons --------------------------------------------------------------------------------
    def person(self, name: str, evidence: Evidence | None, gender: str | None = None) -> str:
        """Register a person by full name (or resolve a surname to a known person)."""
        name = " ".join(name.split())
        known = self.find_person(name)
        if known is not None:
            actor = self.actors[known]
            if len(name.split()) > len(actor.name.split()):  # a fuller name for the same person
                actor.aliases.add(actor.name)
                actor.name = name
            elif name != actor.name:
                actor.aliases.add(name)
            key = known
        else:
            key = "person:" + fold(name)
            actor = Actor(key=key, kind=PERSON, name=name)
            self.actors[key] = actor
        if gender and key not in self.gender:
            self.gender[key] = gender
        _add_evidence(self.actors[key], evidence)
        return key

    def find_person(self, name: str) -> str | None:
        """The key of a known person this name (full, or surname only) refers to."""
        folded = fold(name)
        key = "person:" + folded
        if key in self.actors:
            return key
        parts = folded.split()
        for k, actor in self.actors.items():
            if actor.kind != PERSON:
                continue
            known = _folded_words(actor.name)
            if len(parts) == 1 and parts[0] == known[-1]:
                return k
            if len(known) == 1 and parts and parts[-1] == known[0]:
                return k
            if len(parts) > 1 and len(known) > 1 and parts[-1] == known[-1] and parts[0][0] == known[0][0]:
                return k
        if len(parts) == 1:  # a family name written first ("Kang Min-seo" ... "Kang said")
            firsts = [k for k, a in self.actors.items() if a.kind == PERSON
                      and len(_folded_words(a.name)) > 1 and _folded_words(a.name)[0] == parts[0]]
            if len(firsts) == 1:
                return firsts[0]
        return None

    def persons(self) -> list[str]:
        """The keys of all persons registered so far, in the order they were first seen."""
        return [k for k, a in self.actors.items() if a.kind == PERSON]


def _add_evidence(actor: Actor, evidence: Evidence | None) -> None:
    if evidence is not None and evidence not in actor.evidence:
        actor.evidence.append(evidence)
