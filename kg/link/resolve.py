"""From an actor to one item, or to none: candidates, context, ranking, and the verdict.

Countries are looked up by their ISO 3166-1 alpha-3 code first (``country-by-iso``), else by
name; organisations and persons by name (``search-*``: exact English label or alias, restricted
to the kind of thing). Each candidate gets points:

* its label is the name (2) or one of its aliases (1);
* an organisation: states are its members when the article calls it an international
  organisation (2), it is in the country the article bases the organisation in (2), the
  snapshot lists it as verified (1);
* a person: a position held matches the role the article gives (3), held on the article's date
  (1), in the country of the post (2); the snapshot lists it as verified (1).

The best candidate is linked when it scores more than every other; a tie is *ambiguous* and
nothing is linked. No candidate leaves the actor *unlinked*: kg never links on a guess.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import cast

from rdflib import Literal, URIRef

from kg.link.actors import Actor, Post
from kg.link.sources import Source
from kg.link.sparql import Row, date_of
from kg.link.vocab import is_item

__all__ = [
    "AMBIGUOUS",
    "LINKED",
    "UNLINKED",
    "Candidate",
    "Position",
    "Resolution",
    "Resolver",
    "decide",
    "role_matches",
]

LINKED = "linked"
UNLINKED = "unlinked"
AMBIGUOUS = "ambiguous"

_STOPWORDS = frozenset({"of", "the", "for", "and", "to", "in", "on", "at", "de", "du", "des", "a", "an"})


def _words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return {w for w in re.findall(r"[a-z0-9]+", folded) if w not in _STOPWORDS}


def role_matches(role: str, position: str) -> bool:
    """True when every word of the article's role is in the position's label.

    "attorney general" ~ "United States Attorney General"; "foreign minister" ~ "Minister of
    Foreign Affairs"; "home affairs commissioner" ~ "European Commissioner for Home Affairs".
    """
    wanted = _words(role)
    return bool(wanted) and wanted <= _words(position)



@dataclass(frozen=True)
class Position:
    """A position held (P39 statement): its item, label, start, end and countries."""

    statement: URIRef
    position: URIRef | None
    label: str
    start: dt.date | None
    end: dt.date | None
    countries: frozenset[URIRef] = frozenset()

    def covers(self, date: dt.date) -> bool:
        """Held on ``date`` (an open start or end counts as held)."""
        return (self.start is None or self.start <= date) and (self.end is None or date <= self.end)

    def span(self) -> str:
        """``"from 2009-02-03 to 2015-04-27"``, ``"from 2009-02-03"``, ``"until 2015-04-27"``."""
        parts = ([f"from {self.start.isoformat()}"] if self.start else []) + \
                ([f"to {self.end.isoformat()}" if self.start else f"until {self.end.isoformat()}"] if self.end else [])
        return " ".join(parts) or "at unknown dates"


@dataclass(frozen=True)
class Candidate:
    """An item that may be the actor, with its points and why."""

    item: URIRef
    label: str
    score: int
    reasons: tuple[str, ...] = ()


@dataclass
class Resolution:
    """The verdict for one actor: ``linked`` (``item``), ``unlinked`` or ``ambiguous``."""

    actor: Actor
    status: str
    item: URIRef | None = None
    item_label: str | None = None
    how: str = ""
    reason: str = ""
    candidates: list[Candidate] = field(default_factory=list)
    iso2: str | None = None
    iso3: str | None = None
    positions: list[Position] = field(default_factory=list)


def decide(candidates: Iterable[Candidate]) -> tuple[str, Candidate | None, list[Candidate]]:
    """(verdict, the chosen candidate or None, the candidates best first)."""
    ranked = sorted(candidates, key=lambda c: (-c.score, str(c.item)))
    if not ranked:
        return UNLINKED, None, ranked
    if len(ranked) == 1 or ranked[0].score > ranked[1].score:
        return LINKED, ranked[0], ranked
    return AMBIGUOUS, None, ranked


def _label_points(row: Row) -> tuple[int, str]:
    if str(row.get("matchedBy", "")) == "label":
        return 2, "label"
    return 1, "alias"


class Resolver:
    """Resolves actors against a source; every query answer is kept for the run."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._answers: dict[tuple[str, tuple[tuple[str, str], ...]], list[Row]] = {}

    def select(self, query: str, /, **params: URIRef | Literal) -> list[Row]:
        """The rows of link query ``query`` with ``params`` bound (asked once per run)."""
        key = (query, tuple(sorted((k, v.n3()) for k, v in params.items())))
        if key not in self._answers:
            self._answers[key] = self.source.select(query, params)
        return self._answers[key]

    # --- countries -------------------------------------------------------------------------

    def country(self, actor: Actor) -> Resolution:
        """The verdict for a country: linked by its ISO 3166-1 alpha-3 code when exactly one item has
        it (ambiguous when several do), else by the best-scoring item found by name."""
        if actor.iso3:
            rows = [r for r in self.select("country-by-iso", iso3=Literal(actor.iso3)) if is_item(r.get("item"))]
            items = sorted({cast(URIRef, r["item"]) for r in rows})  # is_item kept only item IRIs
            if len(items) == 1:
                row = next(r for r in rows if r["item"] == items[0])
                return Resolution(actor, LINKED, items[0], str(row.get("itemLabel", "")) or None,
                                  "ISO 3166-1 alpha-3 code", iso2=_text(row.get("iso2")), iso3=actor.iso3,
                                  candidates=[Candidate(items[0], str(row.get("itemLabel", "")), 3, ("iso3",))])
            if len(items) > 1:
                found = [Candidate(i, _label_of(rows, i), 3, ("iso3",)) for i in items]
                return Resolution(actor, AMBIGUOUS, reason=f"{len(items)} items have ISO 3166-1 alpha-3 {actor.iso3}",
                                  candidates=found, iso3=actor.iso3)
        best: dict[URIRef, tuple[int, str, Row]] = {}
        for name in actor.names():
            for row in self.select("search-country", name=Literal(name, lang="en")):
                item = row.get("item")
                if not is_item(item):
                    continue
                points, how = _label_points(row)
                if item not in best or points > best[item][0]:
                    best[item] = (points, f"{how} {name!r}", row)
        candidates = [Candidate(i, str(r.get("itemLabel", "")), p, (why,)) for i, (p, why, r) in best.items()]
        verdict, chosen, ranked = decide(candidates)
        resolution = Resolution(actor, verdict, candidates=ranked, iso3=actor.iso3)
        if chosen is not None:
            row = best[chosen.item][2]
            resolution.item, resolution.item_label = chosen.item, chosen.label or None
            resolution.how = "name (" + chosen.reasons[0] + ")"
            resolution.iso2, resolution.iso3 = _text(row.get("iso2")), _text(row.get("iso3")) or actor.iso3
        resolution.reason = _reason(verdict, ranked, "country", actor)
        return resolution

    # --- organisations -----------------------------------------------------------------------

    def organisation(self, actor: Actor, country_items: Mapping[URIRef, URIRef]) -> Resolution:
        """The verdict for an organisation, its candidates found by name and scored on the name, state
        membership, the article's country (``country_items``: country actor → linked item), curation."""
        home = country_items.get(actor.based_in) if actor.based_in is not None else None
        international = actor.org_type == "international organisation"
        found: dict[URIRef, dict] = {}
        for name in actor.names():
            for row in self.select("search-organisation", name=Literal(name, lang="en")):
                item = row.get("item")
                if not is_item(item):
                    continue
                entry = found.setdefault(item, {"label": str(row.get("itemLabel", "")), "points": 0, "how": "",
                                                "members": False, "curated": False, "countries": set()})
                points, how = _label_points(row)
                if points > entry["points"]:
                    entry["points"], entry["how"] = points, f"{how} {name!r}"
                entry["members"] |= _true(row.get("stateMembers"))
                entry["curated"] |= _true(row.get("curated"))
                if isinstance(row.get("country"), URIRef):
                    entry["countries"].add(row["country"])
        candidates = []
        for item, entry in found.items():
            score, reasons = entry["points"], [entry["how"]]
            if international and entry["members"]:
                score, reasons = score + 2, reasons + ["states are its members"]
            if home is not None and home in entry["countries"]:
                score, reasons = score + 2, reasons + ["in the article's country"]
            if entry["curated"]:
                score, reasons = score + 1, reasons + ["verified in the snapshot"]
            candidates.append(Candidate(item, entry["label"], score, tuple(reasons)))
        return self._resolution(actor, candidates, "organisation")

    # --- persons -------------------------------------------------------------------------------

    def positions(self, item: URIRef) -> list[Position]:
        """The positions ``item`` held (P39), from the source."""
        merged: dict[URIRef, dict] = {}
        for row in self.select("positions", item=item):
            statement = row.get("statement")
            if not isinstance(statement, URIRef):
                continue
            entry = merged.setdefault(statement, {"row": row, "countries": set()})
            if isinstance(row.get("country"), URIRef):
                entry["countries"].add(row["country"])
        out = []
        for statement, entry in merged.items():
            row = entry["row"]
            position = row.get("position") if isinstance(row.get("position"), URIRef) else None
            label = str(row.get("positionLabel", "")) or (str(position).rsplit("/", 1)[-1] if position else "")
            out.append(Position(statement, position, label, date_of(row.get("start")), date_of(row.get("end")),
                                frozenset(entry["countries"])))
        return sorted(out, key=lambda p: (p.start or dt.date.min, str(p.statement)))

    def person(self, actor: Actor, posts: list[Post], country_items: Mapping[URIRef, URIRef]) -> Resolution:
        """The verdict for a person, its candidates found by name and scored on the name, the positions
        they held against the article's ``posts``, and curation; a linked person keeps its positions."""
        found: dict[URIRef, dict] = {}
        for name in actor.names():
            for row in self.select("search-person", name=Literal(name, lang="en")):
                item = row.get("item")
                if not is_item(item):
                    continue
                entry = found.setdefault(item, {"label": str(row.get("itemLabel", "")), "points": 0, "how": "",
                                                "curated": False})
                points, how = _label_points(row)
                if points > entry["points"]:
                    entry["points"], entry["how"] = points, f"{how} {name!r}"
                entry["curated"] |= _true(row.get("curated"))
        candidates, held = [], {}
        for item, entry in found.items():
            positions = held[item] = self.positions(item)
            score, reasons = entry["points"], [entry["how"]]
            context, why = _post_points(posts, positions, country_items)
            score, reasons = score + context, reasons + why
            if entry["curated"]:
                score, reasons = score + 1, reasons + ["verified in the snapshot"]
            candidates.append(Candidate(item, entry["label"], score, tuple(reasons)))
        resolution = self._resolution(actor, candidates, "person")
        if resolution.item is not None:
            resolution.positions = held[resolution.item]
        return resolution

    # --- shared ----------------------------------------------------------------------------------

    def _resolution(self, actor: Actor, candidates: list[Candidate], kind: str) -> Resolution:
        verdict, chosen, ranked = decide(candidates)
        resolution = Resolution(actor, verdict, candidates=ranked)
        if chosen is not None:
            resolution.item, resolution.item_label = chosen.item, chosen.label or None
            resolution.how = "; ".join(chosen.reasons)
        resolution.reason = _reason(verdict, ranked, kind, actor)
        return resolution


def _post_points(posts: list[Post], positions: list[Position], country_items: Mapping[URIRef, URIRef]) -> tuple[int, list[str]]:
    """The best context points any of the article's posts gives a candidate's positions."""
    best, why = 0, []
    for post in posts:
        home = country_items.get(post.country) if post.country is not None else None
        for position in positions:
            if not role_matches(post.role, position.label):
                continue
            points, reasons = 3, [f"held {position.label!r} ({post.role})"]
            if post.dates and any(position.covers(d) for d in post.dates):
                points, reasons = points + 1, reasons + ["on the article's date"]
            if home is not None and home in position.countries:
                points, reasons = points + 2, reasons + ["in the post's country"]
            if points > best:
                best, why = points, reasons
    return best, why


def _true(term: object) -> bool:
    return isinstance(term, Literal) and str(term).lower() in ("true", "1")


def _text(term: object) -> str | None:
    return str(term) if term is not None and str(term) else None


def _label_of(rows: list[Row], item: URIRef) -> str:
    return next((str(r.get("itemLabel", "")) for r in rows if r.get("item") == item), "")


def _reason(verdict: str, ranked: list[Candidate], kind: str, actor: Actor) -> str:
    if verdict == UNLINKED:
        names = " / ".join(repr(n) for n in actor.names()[:3]) or repr(actor.label)
        code = f" or ISO 3166-1 alpha-3 {actor.iso3}" if kind == "country" and actor.iso3 else ""
        return f"no verified {kind} named {names}{code}"
    if verdict == AMBIGUOUS:
        tied = [c for c in ranked if c.score == ranked[0].score]
        return f"{len(tied)} candidates score {ranked[0].score}: " + ", ".join(
            f"{c.item.rsplit('/', 1)[-1]} {c.label}".strip() for c in tied)
    return ""
