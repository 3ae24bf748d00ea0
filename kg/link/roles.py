"""Roles at the date: the post an article gives a linked person, compared with the positions
the person held (P39 with start and end) on the article's date.

Verdicts: ``confirmed`` (a matching position was held on that date), ``contradicted`` (matching
positions exist but none was held on that date — reported, never silently kept),
``unconfirmed`` (the source lists positions, none matching the role), ``not checked`` (the
source has no position data for the person).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rdflib import URIRef

from kg.link.actors import Post
from kg.link.resolve import Position, Resolution, role_matches

__all__ = ["CONFIRMED", "CONTRADICTED", "NOT_CHECKED", "UNCONFIRMED", "RoleCheck", "check_roles"]

CONFIRMED = "confirmed"
CONTRADICTED = "contradicted"
UNCONFIRMED = "unconfirmed"
NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class RoleCheck:
    """One post of one person on one article date, against the person's positions."""

    person: URIRef
    name: str
    post: URIRef
    role: str
    date: dt.date | None
    item: URIRef
    verdict: str
    detail: str
    evidence: tuple[Position, ...] = ()


def _check(resolution: Resolution, item: URIRef, post: Post, date: dt.date | None) -> RoleCheck:
    name, positions = resolution.actor.label, resolution.positions
    when = date.isoformat() if date else "an undated article"

    def make(verdict: str, detail: str, evidence: tuple[Position, ...] = ()) -> RoleCheck:
        return RoleCheck(resolution.actor.iri, name, post.post, post.role, date, item, verdict, detail, evidence)

    if not positions:
        return make(NOT_CHECKED, f"the source has no positions held (P39) for {name}")
    matching = tuple(p for p in positions if role_matches(post.role, p.label))
    if not matching:
        held = "; ".join(f"{p.label} ({p.span()})" for p in positions[:3])
        return make(UNCONFIRMED, f"no position held matches {post.role!r} (held: {held})")
    if date is None:
        return make(UNCONFIRMED, f"{post.role!r} matches {matching[0].label!r} but the article has no date", matching)
    held_then = tuple(p for p in matching if p.covers(date))
    if held_then:
        return make(CONFIRMED, f"{held_then[0].label} ({held_then[0].span()}) on {when}", held_then)
    spans = "; ".join(f"{p.label} {p.span()}" for p in matching)
    return make(CONTRADICTED, f"the article ({when}) calls {name} {post.role!r}, but the source has {spans}", matching)


def check_roles(posts: list[Post], resolutions: dict[URIRef, Resolution]) -> list[RoleCheck]:
    """A check for every post (and article date) of every linked person."""
    checks = []
    for post in posts:
        resolution = resolutions.get(post.person)
        if resolution is None or resolution.item is None:
            continue
        dates: list[dt.date | None] = [*post.dates] or [None]
        for date in dates:
            checks.append(_check(resolution, resolution.item, post, date))
    return checks
