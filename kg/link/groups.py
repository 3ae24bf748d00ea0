"""Group expansion: the member states of a group of states, as of an agreement's date.

When an article makes an organisation a member of an agreement ("the 27-nation European Union
joined") and that organisation is linked to an item the snapshot lists as a group of states
(``kgo:groupOfStates``), the group's member states on the agreement's date (its own date, else
the article's) become members too, marked as inferred. The membership data are read in
Wikidata's own model (``group-members.rq``: P463 statements with P580/P582), from the snapshot
or a live endpoint alike. A state the article already makes a member is not added twice; a
state the article gives another status (observer, non-signatory, ...) is not made a member.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from kg.extraction.facts import MEMBER_STATUSES
from kg.link.actors import GroupMention, Inputs
from kg.link.resolve import LINKED, Resolution, Resolver
from kg.link.sparql import date_of
from kg.link.vocab import is_item
from kg.namespaces import XSD
from kg.rdf.iris import country_iri

__all__ = ["GroupExpansion", "InferredMember", "expand_groups"]


@dataclass(frozen=True)
class InferredMember:
    """A member state of a group on a date, from one membership statement."""

    node: URIRef  # the country's kg IRI
    item: URIRef
    label: str
    iso2: str | None
    iso3: str
    start: dt.date | None
    end: dt.date | None
    statement: URIRef | None


@dataclass
class GroupExpansion:
    """One organisation member of one agreement, expanded (or not) into its member states."""

    mention: GroupMention
    group: URIRef  # the group's item
    date: dt.date | None
    members: list[InferredMember] = field(default_factory=list)
    skipped: list[tuple[InferredMember, str]] = field(default_factory=list)
    note: str = ""



def expand_groups(inputs: Inputs, resolutions: dict[URIRef, Resolution], resolver: Resolver,
                  groups: frozenset[URIRef]) -> list[GroupExpansion]:
    """Expand every organisation member of an agreement that is a known group of states."""
    expansions = []
    for mention in inputs.groups:
        resolution = resolutions.get(mention.member)
        if resolution is None or resolution.status != LINKED or resolution.item not in groups:
            continue
        expansion = GroupExpansion(mention, resolution.item, mention.date)
        expansions.append(expansion)
        if expansion.date is None:
            expansion.note = "no date for the agreement or its article: members not inferred"
            continue
        at = Literal(f"{expansion.date.isoformat()}T00:00:00Z", datatype=XSD.dateTime)
        seen: set[str] = set()
        for row in resolver.select("group-members", group=resolution.item, date=at):
            iso3 = str(row.get("iso3", "")).upper()
            item, statement = row.get("member"), row.get("statement")
            if len(iso3) != 3 or iso3 in seen or not is_item(item):
                continue
            seen.add(iso3)
            member = InferredMember(
                node=country_iri(iso3), item=item, label=str(row.get("memberLabel", "")) or iso3,
                iso2=str(row["iso2"]).upper() if row.get("iso2") is not None else None, iso3=iso3,
                start=date_of(row.get("start")), end=date_of(row.get("end")),
                statement=statement if isinstance(statement, URIRef) else None,
            )
            statuses = inputs.statuses.get((mention.agreement, member.node), set())
            if statuses & MEMBER_STATUSES:
                expansion.skipped.append((member, "already a member in the article"))
            elif statuses:
                expansion.skipped.append((member, "the article says " + ", ".join(sorted(statuses))))
            else:
                expansion.members.append(member)
    return expansions
