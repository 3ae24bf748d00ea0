"""Link results → the triples of the links graph (vocabulary in ``ontology/link.ttl``).

* every linked actor: ``owl:sameAs`` its Wikidata item;
* every country (named in an article or inferred): ``owl:sameAs`` its GeoNames feature,
  ``kgo:geonamesId``, ``kgo:iso2``/``kgo:iso3``, short and official names as ``skos:altLabel``,
  ``kgo:region``/``kgo:subregion`` (UN M49); a country no article names also gets its type, a
  ``skos:prefLabel`` and its codes, so it reads like any other country;
* every place with a GeoNames id: ``owl:sameAs`` its GeoNames feature;
* every inferred membership: ``<agreement> org:hasMember <state>`` and an ``org:Membership``
  with ``kgo:inferred true``, ``prov:wasDerivedFrom`` the data source, ``kgo:viaGroup`` the
  group's node, ``kgo:inferredFromStatement`` the P463 statement and its dates;
* every role check: ``<post> kgo:roleCheck <check>`` with the verdict and why.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef

from kg.extraction.facts import MEMBER
from kg.link.actors import Inputs
from kg.link.groups import GroupExpansion
from kg.rdf.iris import LINKS_GRAPH, inferred_membership_iri, role_check_iri
from kg.link.resolve import LINKED, Resolution
from kg.link.roles import RoleCheck
from kg.link.snapshot import Snapshot
from kg.link.vocab import geonames_iri
from kg.namespaces import DCTERMS, KGO, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD, bind_prefixes
from kg.rdf.iris import role_iri
from kg.store import Triple

__all__ = ["links_graph"]


def _date(value) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


class _Builder:
    def __init__(self, inputs: Inputs, snapshot: Snapshot) -> None:
        self.inputs = inputs
        self.snapshot = snapshot
        self.graph = bind_prefixes(Graph())
        self.graph.bind("wd", "http://www.wikidata.org/entity/")

    def add(self, s, p, o) -> None:
        self.graph.add((s, p, o))

    def country(self, node: URIRef, iso3: str | None, iso2: str | None, item: URIRef | None,
                wikidata_label: str | None) -> None:
        actor = self.inputs.actors.get(node)
        record = self.snapshot.country(iso3)
        labels = set(actor.labels) if actor is not None else set()
        if actor is None:
            name = (record.name if record else None) or wikidata_label or iso3 or str(node).rsplit("/", 1)[-1]
            self.add(node, RDF.type, SCHEMA.Country)
            self.add(node, SKOS.prefLabel, Literal(name))
            labels.add(name)
        if item is not None:
            self.add(node, OWL.sameAs, item)
        iso2 = (record.iso2 if record and record.iso2 else iso2)
        if iso2:
            self.add(node, KGO.iso2, Literal(iso2.upper()))
        if iso3:
            self.add(node, KGO.iso3, Literal(iso3.upper()))
        if record is None:
            return
        if record.geonames_id is not None:
            self.add(node, OWL.sameAs, geonames_iri(record.geonames_id))
            self.add(node, KGO.geonamesId, Literal(str(record.geonames_id), datatype=XSD.integer))
        for name in (record.short_name, record.official_name):
            if name and name not in labels:
                self.add(node, SKOS.altLabel, Literal(name))
        if record.region:
            self.add(node, KGO.region, Literal(record.region))
        if record.subregion:
            self.add(node, KGO.subregion, Literal(record.subregion))

    def membership(self, expansion: GroupExpansion, data_source: URIRef) -> None:
        mention = expansion.mention
        role = role_iri(MEMBER)
        self.add(role, RDF.type, ORG.Role)
        self.add(role, SKOS.prefLabel, Literal(MEMBER))
        for member in expansion.members:
            node = inferred_membership_iri(mention.agreement, member.node, mention.member)
            self.add(mention.agreement, ORG.hasMember, member.node)
            self.add(node, RDF.type, ORG.Membership)
            self.add(node, ORG.member, member.node)
            self.add(node, ORG.organization, mention.agreement)
            self.add(node, ORG.role, role)
            self.add(node, KGO.membershipStatus, Literal(MEMBER))
            self.add(node, KGO.inferred, Literal(True))
            self.add(node, PROV.wasDerivedFrom, data_source)
            self.add(node, KGO.viaGroup, mention.member)
            self.add(node, KGO.asOf, _date(expansion.date))
            if member.statement is not None:
                self.add(node, KGO.inferredFromStatement, member.statement)
            if member.start is not None:
                self.add(node, KGO.memberSince, _date(member.start))
            if member.end is not None:
                self.add(node, KGO.memberUntil, _date(member.end))

    def role_check(self, check: RoleCheck, data_source: URIRef) -> None:
        date = check.date.isoformat() if check.date else ""
        node = role_check_iri(check.post, date, check.item)
        self.add(check.post, KGO.roleCheck, node)
        self.add(node, RDF.type, KGO.RoleCheck)
        self.add(node, KGO.verdict, Literal(check.verdict))
        self.add(node, KGO.checkedAgainst, check.item)
        self.add(node, RDFS.comment, Literal(check.detail))
        self.add(node, PROV.wasDerivedFrom, data_source)
        if check.date is not None:
            self.add(node, DCTERMS.date, _date(check.date))
        for position in check.evidence:
            self.add(node, KGO.positionStatement, position.statement)


def links_graph(
    inputs: Inputs,
    resolutions: dict[URIRef, Resolution],
    expansions: list[GroupExpansion],
    checks: list[RoleCheck],
    snapshot: Snapshot,
    sources: Iterable[tuple[URIRef, list[Triple]]],
    data_source: URIRef,
) -> Graph:
    """Every triple of the links graph; ``data_source`` is what the links were looked up in."""
    builder = _Builder(inputs, snapshot)
    for source, triples in sources:
        builder.add(LINKS_GRAPH, PROV.wasDerivedFrom, source)
        for triple in triples:
            builder.add(*triple)
    builder.add(LINKS_GRAPH, RDF.type, KGO.LinkSet)
    for iri, resolution in resolutions.items():
        actor = resolution.actor
        if actor.kind == "country":
            item = resolution.item if resolution.status == LINKED else None
            builder.country(iri, resolution.iso3 or actor.iso3, resolution.iso2, item, resolution.item_label)
        elif resolution.status == LINKED and resolution.item is not None:
            builder.add(iri, OWL.sameAs, resolution.item)
    for expansion in expansions:
        for member in expansion.members:
            if member.node not in resolutions:
                builder.country(member.node, member.iso3, member.iso2, member.item, member.label)
        builder.membership(expansion, data_source)
    for place, (_label, geonames_id) in inputs.places.items():
        builder.add(place, OWL.sameAs, geonames_iri(geonames_id))
    for check in checks:
        builder.role_check(check, data_source)
    return builder.graph

