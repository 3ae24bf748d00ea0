"""The SPARQL 1.1 Protocol, as ``kg serve`` speaks it: reading requests, negotiating formats,
vetting federated calls, describing the service.

Nothing here does I/O or runs a query; :mod:`kg.server.app` puts it together.

* ``operation_form`` tells a query's form (select, ask, graph) or an update, from the text.
* ``external_targets`` lists what a query or update would fetch from elsewhere (``SERVICE``
  endpoints, ``LOAD`` sources); ``check_targets`` refuses those the allow-list does not name.
  Codepoint escapes (``\\u0053ERVICE``) are decoded first, as the SPARQL grammar does, so they
  cannot hide a keyword.
* ``negotiate`` picks a result format from an ``Accept`` header (q-values, wildcards) among
  the formats of :mod:`kg.formats`, or says which types it could have answered with.
* ``service_description`` is the SPARQL 1.1 Service Description of the endpoint.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.formats import RDF_FORMATS, RESULT_FORMATS, Format
from kg.query import decode_escapes, sparql_tokens
from kg.query import external_targets as query_targets

__all__ = [
    "GRAPH_FORMATS",
    "SELECT_FORMATS",
    "ForbiddenTarget",
    "NotAcceptable",
    "check_targets",
    "decode_escapes",
    "external_targets",
    "negotiate",
    "operation_form",
    "parse_accept",
    "service_description",
]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
W3_FORMATS = Namespace("http://www.w3.org/ns/formats/")

_SELECT_ORDER = ("json", "xml", "csv", "tsv")
_GRAPH_ORDER = ("turtle", "ntriples", "jsonld", "rdfxml", "nquads", "trig")

SELECT_FORMATS: tuple[Format, ...] = tuple(f for name in _SELECT_ORDER for f in RESULT_FORMATS if f.name == name)
"""What a SELECT or ASK answer can be sent as, in the server's order of preference."""

GRAPH_FORMATS: tuple[Format, ...] = tuple(f for name in _GRAPH_ORDER for f in RDF_FORMATS if f.name == name)
"""What a CONSTRUCT or DESCRIBE answer can be sent as, in the server's order of preference."""

_ALIASES: Mapping[str, tuple[str, ...]] = {
    # Media types clients send for these formats besides the registered one.
    "json": ("application/json",),
    "xml": ("application/xml", "text/xml"),
    "csv": (),
    "tsv": (),
    "turtle": ("application/x-turtle",),
    "ntriples": ("text/plain",),
    "jsonld": ("application/json",),
    "rdfxml": ("application/xml", "text/xml"),
    "nquads": (),
    "trig": (),
}

_REQUEST_ALIASES: Mapping[str, tuple[str, ...]] = {"jsonld": ("json",), "rdfxml": ("xml",)}
"""``format=json`` or ``format=xml`` asked for a CONSTRUCT answer (SPARQLWrapper sends them)."""

_W3_NAMES = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
    "nquads": "N-Quads",
    "trig": "TriG",
}


# --- reading the text of a query ------------------------------------------------------------

_FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of the significant tokens, from kg's one SPARQL lexer."""
    return sparql_tokens(text)


def operation_form(text: str) -> str | None:
    """"select", "ask" or "graph" for a query, "update" for an update, None when neither shows."""
    for kind, token in _tokens(decode_escapes(text)):
        if kind != "word":
            continue
        upper = token.upper()
        if upper in _FORMS:
            return _FORMS[upper]
        if upper in _UPDATE_WORDS:
            return "update"
    return None


class ForbiddenTarget(Exception):
    """A query or update would call an endpoint or fetch a document the allow-list does not name."""


def external_targets(text: str) -> list[str]:
    """The IRIs a query or update would reach out to (``SERVICE`` endpoints, ``LOAD`` sources),
    read by :func:`kg.query.external_targets`; ``ForbiddenTarget`` for one that cannot be
    known before running (``SERVICE ?var``, an undeclared prefix, a relative IRI)."""
    found: list[str] = []
    for target in query_targets(text):
        if target.iri is None:
            raise ForbiddenTarget(target.problem or f"{target.keyword} {target.written}")
        found.append(target.iri)
    return list(dict.fromkeys(found))


def _allowed(iri: str, entry: str) -> bool:
    if "://" in entry:
        return iri == entry or (entry.endswith("/") and iri.startswith(entry))
    parts = urllib.parse.urlsplit(iri)
    host = (parts.hostname or "").lower()
    wanted = entry.lower()
    if ":" in wanted and not wanted.startswith("["):
        name, _, port = wanted.rpartition(":")
        return host == name and str(parts.port or {"http": 80, "https": 443}.get(parts.scheme, "")) == port
    return host == wanted


def check_targets(text: str, allow: Iterable[str]) -> None:
    """Raise ``ForbiddenTarget`` unless every ``SERVICE``/``LOAD`` target of ``text`` is allowed.

    An allow-list entry is an endpoint IRI (matched exactly, or as a prefix when it ends in
    ``/``), a host name (``query.wikidata.org``: any URL on that host) or ``host:port``.
    """
    entries = [e.strip() for e in allow if e.strip()]
    for iri in external_targets(text):
        if not any(_allowed(iri, entry) for entry in entries):
            listed = ", ".join(entries) if entries else "none"
            raise ForbiddenTarget(
                f"calls to <{iri}> are not allowed: this server reaches only the endpoints its "
                f"--allow-service options name (now: {listed})"
            )


# --- content negotiation ---------------------------------------------------------------------


class NotAcceptable(Exception):
    """No format the client accepts fits the answer; ``str`` names the types on offer."""


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``Accept`` → [(media range, q)], malformed parts skipped; no header means ``*/*``."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media or "/" not in media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(media_types: Sequence[str], ranges: Sequence[tuple[str, float]]) -> float:
    """The q a client gives the first of ``media_types`` it names (most specific range wins)."""
    best_specificity, best_q = -1, 0.0
    for media in media_types:
        kind = media.split("/")[0]
        for pattern, q in ranges:
            if pattern == media:
                specificity = 2
            elif pattern == f"{kind}/*":
                specificity = 1
            elif pattern == "*/*":
                specificity = 0
            else:
                continue
            if specificity > best_specificity:
                best_specificity, best_q = specificity, q
    return best_q if best_specificity >= 0 else 0.0


def negotiate(accept: str | None, offers: Sequence[Format], *, requested: str | None = None) -> Format:
    """The format of ``offers`` the client prefers.

    ``requested`` (a ``format`` request parameter: short name or media type) wins over
    ``Accept``. Raises ``NotAcceptable`` naming the media types on offer when none fits.
    """
    on_offer = ", ".join(f.media_type for f in offers)
    if requested:
        key = requested.split(";")[0].strip().lower()
        for fmt in offers:
            if key in fmt.names or key == fmt.media_type or key in _REQUEST_ALIASES.get(fmt.name, ()):
                return fmt
        raise NotAcceptable(f"cannot answer this query as {requested!r}; it can be sent as: {on_offer}")
    ranges = parse_accept(accept)
    best: Format | None = None
    best_q = 0.0
    for fmt in offers:  # the server's order breaks ties
        q = _quality((fmt.media_type, *_ALIASES.get(fmt.name, ())), ranges)
        if q > best_q:
            best, best_q = fmt, q
    if best is None:
        raise NotAcceptable(f"none of the accepted types ({accept}) fits this answer; it can be sent as: {on_offer}")
    return best


# --- the service description -------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceFacts:
    """What the service description states about a running endpoint."""

    endpoint: str
    updates: bool
    time_limit: float
    max_results: int
    allowed_services: tuple[str, ...]


def service_description(facts: ServiceFacts) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint, as an rdflib Graph."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("formats", W3_FORMATS)
    graph.bind("dcterms", DCTERMS)
    service = URIRef(facts.endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if facts.updates:
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for fmt in (*SELECT_FORMATS, *GRAPH_FORMATS):
        if fmt.name in _W3_NAMES:
            graph.add((service, SD.resultFormat, W3_FORMATS[_W3_NAMES[fmt.name]]))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if facts.allowed_services:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    dataset = BNode()
    default = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    mode = "queries and updates (with a token)" if facts.updates else "read-only"
    federated = ", ".join(facts.allowed_services) if facts.allowed_services else "none"
    graph.add((service, DCTERMS.description, Literal(
        f"kg SPARQL endpoint, {mode}. The default graph is the union of the article graphs. "
        f"Each query may run {facts.time_limit:g} s and return {facts.max_results} results or triples; "
        f"SERVICE calls allowed to: {federated}.")))
    return graph
