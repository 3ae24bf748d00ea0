"""Facts → triples: the one mapping from an ``ArticleFacts`` to the RDF graph of its article.

``facts_to_graph`` returns every triple of one article; the caller stores them in that
article's named graph (``kg.rdf.iris.graph_iri``). The vocabulary is documented in
``ontology/kg.ttl`` and the shape of a valid result in ``ontology/shapes.ttl``. IRIs come from
``kg.rdf.iris`` only, so the output is the same graph (no blank nodes) on every rebuild.
Which membership statuses exist, and which of them give ``org:hasMember``, is read from the
ontology's ``kgo:MembershipStatuses`` scheme (``kg.vocabulary``).

Text only ever becomes literals. Characters that no RDF syntax can carry everywhere (C0
controls other than tab/newline/return, lone surrogates, U+FFFE/U+FFFF — forbidden in XML)
are replaced by U+FFFD, one for one, so offsets into the text stay valid.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from decimal import Decimal

from rdflib import Graph, Literal, URIRef
from rdflib.term import Identifier

from kg.extraction.facts import (
    COUNTRY,
    ORGANISATION,
    PERSON,
    Actor,
    Agreement,
    ArticleFacts,
    Commitment,
    Event,
    Evidence,
    Figure,
    Membership,
    Place,
    Post,
    Quote,
)
from kg.namespaces import DCTERMS, FOAF, KGO, NIF, ORG, PROV, RDF, SCHEMA, SKOS, XSD, bind_prefixes
from kg.rdf import iris
from kg.vocabulary import vocabulary

__all__ = ["clean_text", "facts_to_graph", "facts_to_triples"]

INTERNATIONAL_ORGANISATION = "international organisation"

_UNCARRIABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` with characters no RDF syntax can carry replaced by U+FFFD (length unchanged)."""
    return _UNCARRIABLE.sub("\ufffd", text)


def _text(text: str) -> Literal:
    return Literal(clean_text(text))


def _date(value: dt.date) -> Literal:
    if isinstance(value, dt.datetime):
        value = value.date()
    return Literal(value.isoformat(), datatype=XSD.date)


def _index(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD.nonNegativeInteger)


def _decimal(value: float) -> Literal | None:
    """An ``xsd:decimal`` in XSD 1.0 canonical form ("40.0", "2.5"), or None for NaN/infinity.

    The decimal point is always written: rdflib's Turtle writer adds one, so a form without it
    would not survive a Turtle round trip unchanged.
    """
    if not math.isfinite(value):
        return None
    number = Decimal(repr(float(value))).normalize()
    lexical = format(number if number != 0 else Decimal(0), "f")
    if "." not in lexical:
        lexical += ".0"
    return Literal(lexical, datatype=XSD.decimal)


def facts_to_triples(facts: ArticleFacts) -> list[tuple[Identifier, URIRef, Identifier]]:
    """Every triple of one article, each once, in the order the mapping made them.

    The same triples as :func:`facts_to_graph`, without building an rdflib Graph (the build
    path uses this). Raises ``ValueError`` when a fact refers to an actor or agreement key
    the facts lack, or a membership has a status the ontology's scheme lacks.
    """
    mapper = _Mapper(facts)
    mapper.run()
    return list(mapper.triples)


def facts_to_graph(facts: ArticleFacts) -> Graph:
    """Map every fact of one article to triples (see ``ontology/kg.ttl`` for the vocabulary).

    Raises ``ValueError`` when a fact refers to an actor or agreement key the facts lack, or a
    membership has a status the ontology's scheme lacks.
    """
    graph = bind_prefixes(Graph())
    for triple in facts_to_triples(facts):
        graph.add(triple)
    return graph


class _Mapper:
    """One mapping run: the facts, the triples made so far (each once), the IRIs resolved."""

    def __init__(self, facts: ArticleFacts) -> None:
        self.facts = facts
        self.article = facts.article
        self.triples: dict[tuple[Identifier, URIRef, Identifier], None] = {}  # an ordered set
        self.sentences: dict[tuple[int, int], URIRef] = {}
        self.article_iri = iris.article_iri(facts.article)
        self.actor_iris = {key: iris.actor_iri(actor) for key, actor in facts.actors.items()}
        self.agreement_iris = {a.key: iris.agreement_iri(facts.article, a) for a in facts.agreements}

    # --- helpers ---------------------------------------------------------------------------

    def add(self, subject: Identifier, predicate: URIRef, obj: Identifier) -> None:
        self.triples[(subject, predicate, obj)] = None

    def actor(self, key: str, what: str) -> URIRef:
        try:
            return self.actor_iris[key]
        except KeyError:
            raise ValueError(f"{self.article.source}: {what} refers to unknown actor key {key!r}") from None

    def agreement(self, key: str, what: str) -> URIRef:
        try:
            return self.agreement_iris[key]
        except KeyError:
            problem = f"{what} refers to unknown agreement key {key!r}"
            raise ValueError(f"{self.article.source}: {problem}") from None

    def sentence(self, evidence: Evidence) -> URIRef:
        """The sentence node of ``evidence`` (added to the graph on first use)."""
        span = (evidence.start, evidence.end)
        if span in self.sentences:
            return self.sentences[span]
        node = self.sentences[span] = iris.sentence_iri(self.article, evidence.start, evidence.end)
        self.add(node, RDF.type, KGO.Sentence)
        self.add(node, RDF.type, NIF.String)
        self.add(node, NIF.anchorOf, _text(evidence.sentence))
        self.add(node, NIF.beginIndex, _index(evidence.start))
        self.add(node, NIF.endIndex, _index(evidence.end))
        self.add(node, DCTERMS.isPartOf, self.article_iri)
        return node

    def derived(self, node: URIRef, evidence: Iterable[Evidence]) -> None:
        for item in evidence:
            self.add(node, PROV.wasDerivedFrom, self.sentence(item))

    def relation(
        self, subject: URIRef, predicate: URIRef, obj: URIRef, evidence: Iterable[Evidence]
    ) -> None:
        """Add ``subject predicate obj`` and the reified statement of it, derived from ``evidence``."""
        self.add(subject, predicate, obj)
        self.assertion(subject, predicate, obj, evidence)

    def assertion(
        self, subject: URIRef, predicate: URIRef, obj: URIRef, evidence: Iterable[Evidence]
    ) -> None:
        """Add the reified statement ``<kgr:statement/..> rdf:subject/predicate/object`` with provenance."""
        statement = iris.statement_iri(self.article, subject, predicate, obj)
        self.add(statement, RDF.type, RDF.Statement)
        self.add(statement, RDF.type, KGO.Assertion)
        self.add(statement, RDF.subject, subject)
        self.add(statement, RDF.predicate, predicate)
        self.add(statement, RDF.object, obj)
        self.derived(statement, evidence)

    def labels(self, node: URIRef, name: str, aliases: Iterable[str] = ()) -> None:
        self.add(node, SKOS.prefLabel, _text(name))
        for alias in aliases:
            if alias.strip() and alias != name:
                self.add(node, SKOS.altLabel, _text(alias))

    def place(self, place: Place) -> URIRef:
        node = iris.place_iri(place.name, place.geonames_id)
        self.add(node, RDF.type, SCHEMA.Place)
        self.add(node, SKOS.prefLabel, _text(place.name))
        if place.geonames_id is not None:
            self.add(node, KGO.geonamesId, Literal(str(int(place.geonames_id)), datatype=XSD.integer))
        if place.country_iso2:
            self.add(node, KGO.countryCode, _text(place.country_iso2))
        return node

    # --- the facts -------------------------------------------------------------------------

    def run(self) -> None:
        self.map_article()
        for key in sorted(self.facts.actors):
            self.map_actor(self.facts.actors[key])
        for post in self.facts.posts:
            self.map_post(post)
        for agreement in self.facts.agreements:
            self.map_agreement(agreement)
        for membership in self.facts.memberships:
            self.map_membership(membership)
        for quote in self.facts.quotes:
            self.map_quote(quote)
        for commitment in self.facts.commitments:
            self.map_commitment(commitment)
        for event in self.facts.events:
            self.map_event(event)
        for figure in self.facts.figures:
            self.map_figure(figure)

    def map_article(self) -> None:
        article, node = self.article, self.article_iri
        self.add(node, RDF.type, SCHEMA.NewsArticle)
        self.add(node, RDF.type, PROV.Entity)
        self.add(node, DCTERMS.identifier, _text(article.identity))
        self.add(node, KGO.contentHash, Literal(article.content_hash))
        self.add(node, KGO.sourceFile, _text(article.source))
        if self.facts.pipeline:
            self.add(node, KGO.extractedWith, _text(self.facts.pipeline))
        if article.title and article.title.strip():
            self.add(node, DCTERMS.title, _text(article.title))
        if article.date is not None:
            self.add(node, DCTERMS.date, _date(article.date))
        if article.retrieved is not None:
            self.add(node, KGO.retrieved, _date(article.retrieved))
        if article.publisher and article.publisher.strip():
            publisher = iris.organisation_iri(article.publisher)
            self.add(node, DCTERMS.publisher, publisher)
            self.add(publisher, RDF.type, SCHEMA.Organization)
            self.add(publisher, SKOS.prefLabel, _text(article.publisher))
        if article.url and article.url.strip():
            url = article.url.strip()
            if iris.is_valid_iri(url):
                self.add(node, DCTERMS.source, URIRef(url))
            else:
                self.add(node, KGO.sourceText, _text(url))

    def map_actor(self, actor: Actor) -> None:
        node = self.actor_iris[actor.key]
        kind = actor.kind
        if kind == PERSON:
            self.add(node, RDF.type, SCHEMA.Person)
            self.add(node, RDF.type, FOAF.Person)
            self.add(node, SCHEMA.name, _text(actor.name))
        elif kind == COUNTRY:
            self.add(node, RDF.type, SCHEMA.Country)
            if actor.iso2:
                self.add(node, KGO.iso2, _text(actor.iso2))
            if actor.iso3:
                self.add(node, KGO.iso3, _text(actor.iso3))
        elif kind == ORGANISATION:
            self.add(node, RDF.type, ORG.Organization)
            self.add(node, RDF.type, SCHEMA.Organization)
            if actor.org_type:
                self.add(node, KGO.organisationType, _text(actor.org_type))
                if actor.org_type == INTERNATIONAL_ORGANISATION:
                    self.add(node, RDF.type, KGO.InternationalOrganisation)
        if actor.country and kind != COUNTRY:
            self.add(node, KGO.basedIn, iris.country_iri(actor.country))
        self.labels(node, actor.name, sorted(actor.aliases))
        self.add(node, KGO.mentionedIn, self.article_iri)
        self.derived(node, actor.evidence)

    def map_post(self, post: Post) -> None:
        person = self.actor(post.person, "a post")
        affiliation = self.actor(post.affiliation, "a post") if post.affiliation is not None else None
        node = iris.post_iri(self.facts.actors[post.person].name, post.role, affiliation)
        role = iris.role_iri(post.role)
        self.add(node, RDF.type, ORG.Post)
        self.add(node, ORG.heldBy, person)
        self.add(node, ORG.role, role)
        self.add(role, RDF.type, ORG.Role)
        self.add(role, SKOS.prefLabel, _text(post.role))
        self.derived(node, [post.evidence])
        self.relation(person, ORG.holds, node, [post.evidence])
        if affiliation is not None:
            self.relation(node, ORG.postIn, affiliation, [post.evidence])

    def map_agreement(self, agreement: Agreement) -> None:
        node = self.agreement_iris[agreement.key]
        self.add(node, RDF.type, KGO.Agreement)
        self.add(node, RDF.type, PROV.Entity)
        self.add(node, SKOS.prefLabel, _text(agreement.label))
        self.add(node, KGO.agreementType, _text(agreement.kind))
        if agreement.date is not None:
            self.add(node, DCTERMS.date, _date(agreement.date))
        if agreement.date_text:
            self.add(node, KGO.dateText, _text(agreement.date_text))
        self.add(node, KGO.mentionedIn, self.article_iri)
        self.derived(node, agreement.evidence)
        if agreement.place is not None:
            # Evidence for the place: the agreement's sentences that name it, else all of them.
            name = agreement.place.name
            naming = [e for e in agreement.evidence if name and name in e.sentence]
            self.relation(node, KGO.place, self.place(agreement.place), naming or agreement.evidence)

    def map_membership(self, membership: Membership) -> None:
        agreement = self.agreement(membership.agreement, "a membership")
        member = self.actor(membership.member, "a membership")
        status = vocabulary().status(membership.status)
        if status is None:
            known = ", ".join(repr(s.notation) for s in vocabulary().statuses)
            problem = f"a membership has status {membership.status!r}, which kgo:MembershipStatuses lacks"
            raise ValueError(f"{self.article.source}: {problem} (use one of {known})")
        node = iris.membership_iri(self.article, agreement, member, membership.status)
        role = iris.role_iri(membership.status)
        self.add(node, RDF.type, ORG.Membership)
        self.add(node, ORG.member, member)
        self.add(node, ORG.organization, agreement)
        self.add(node, ORG.role, role)
        self.add(node, KGO.membershipStatus, _text(membership.status))
        self.add(role, RDF.type, ORG.Role)
        self.add(role, SKOS.prefLabel, _text(membership.status))
        self.derived(node, [membership.evidence])
        if status.counts_as_member:
            self.relation(agreement, ORG.hasMember, member, [membership.evidence])
        else:
            self.assertion(node, ORG.member, member, [membership.evidence])

    def map_quote(self, quote: Quote) -> None:
        node = iris.quote_iri(self.article, quote)
        self.add(node, RDF.type, SCHEMA.Quotation)
        self.add(node, SCHEMA.text, _text(quote.text))
        self.add(node, SCHEMA.isPartOf, self.article_iri)
        self.add(node, KGO.beginIndex, _index(quote.start))
        self.add(node, KGO.endIndex, _index(quote.end))
        self.derived(node, [quote.evidence])
        if quote.speaker is not None:
            speaker = self.actor(quote.speaker, "a quote")
            self.relation(node, SCHEMA.spokenByCharacter, speaker, [quote.evidence])

    def map_commitment(self, commitment: Commitment) -> None:
        agreement = self.agreement(commitment.agreement, "a commitment")
        node = iris.commitment_iri(self.article, agreement, commitment.text)
        self.add(node, RDF.type, KGO.Commitment)
        self.add(node, SCHEMA.text, _text(commitment.text))
        self.add(node, KGO.commitmentOf, agreement)
        self.derived(node, [commitment.evidence])
        self.relation(agreement, KGO.commitment, node, [commitment.evidence])

    def map_event(self, event: Event) -> None:
        node = iris.event_iri(self.article, event)
        self.add(node, RDF.type, SCHEMA.Event)
        self.add(node, KGO.eventType, _text(event.type))
        self.add(node, SKOS.prefLabel, _text(event.label))
        if event.date is not None:
            self.add(node, DCTERMS.date, _date(event.date))
        if event.agreement is not None:
            self.add(node, SCHEMA.about, self.agreement(event.agreement, "an event"))
        self.add(node, KGO.mentionedIn, self.article_iri)
        self.derived(node, [event.evidence])
        if event.place is not None:
            self.relation(node, SCHEMA.location, self.place(event.place), [event.evidence])
        for key in event.participants:
            self.relation(node, SCHEMA.attendee, self.actor(key, "an event"), [event.evidence])

    def map_figure(self, figure: Figure) -> None:
        node = iris.figure_iri(self.article, figure)
        self.add(node, RDF.type, KGO.Figure)
        self.add(node, RDF.type, SCHEMA.QuantitativeValue)
        self.add(node, KGO.asWritten, _text(figure.text))
        value = _decimal(figure.value)
        if value is not None:
            self.add(node, SCHEMA.value, value)
        if figure.unit:
            self.add(node, SCHEMA.unitText, _text(figure.unit))
        if figure.measures:
            self.add(node, KGO.measures, _text(figure.measures))
        self.add(node, KGO.mentionedIn, self.article_iri)
        self.derived(node, [figure.evidence])
