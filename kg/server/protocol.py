"""The SPARQL 1.1 Protocol, as ``kg serve`` speaks it: reading requests, negotiating formats,
vetting federated calls, describing the service.

Nothing here does I/O or runs a query; :mod:`kg.server.app` puts it together.

* ``operation_form`` tells a query's form (select, ask, graph) or an update, from the text.
* ``external_targets`` lists what a query or update would fetch from elsewhere (``SERVICE``
  endpoints, ``LOAD`` sources); ``check_targets`` refuses those the allow-list does not name.
  Codepoint escapes (``\\u0053ERVICE``) are decoded first, as the SPARQL grammar does, so they
  cannot hide a keyword.
* ``negotiate`` picks a result format from an ``Accept`` header (q-values, wildcards) among
  the formats of :mod:`kg.formats` (and N3, sent as Turtle, which is N3), or says which
  types it could have answered with; ``requested_format`` reads the ``format``/``output``/
  ``results`` parameters, as often as a client repeats them (SPARQLWrapper sends each of
  them, some twice: a short name and a media type).
* ``default_graph_write`` finds the part of an update that would write to the default
  graph, which here is the union of the named graphs and holds nothing of its own.
* ``service_description`` is the SPARQL 1.1 Service Description of the endpoint.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.formats import RDF_FORMATS, RESULT_FORMATS, Format
from kg.sparql.lexer import decode_escapes, sparql_tokens
from kg.sparql.lexer import external_targets as query_targets

__all__ = [
    "GRAPH_FORMATS",
    "SELECT_FORMATS",
    "ForbiddenTarget",
    "NotAcceptable",
    "check_targets",
    "decode_escapes",
    "default_graph_write",
    "external_targets",
    "negotiate",
    "operation_form",
    "parse_accept",
    "requested_format",
    "service_description",
]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
W3_FORMATS = Namespace("http://www.w3.org/ns/formats/")

_SELECT_ORDER = ("json", "xml", "csv", "tsv")
_GRAPH_ORDER = ("turtle", "ntriples", "jsonld", "rdfxml", "nquads", "trig")

SELECT_FORMATS: tuple[Format, ...] = tuple(f for name in _SELECT_ORDER for f in RESULT_FORMATS if f.name == name)
"""What a SELECT or ASK answer can be sent as, in the server's order of preference."""

N3 = Format("n3", (".n3",), "text/n3", "turtle", "graph", ("text/rdf+n3", "application/n3"))
"""Notation3, for clients that ask for it (SPARQLWrapper's ``N3``): the answer is Turtle,
which is N3, labelled ``text/n3``."""

GRAPH_FORMATS: tuple[Format, ...] = (
    *(f for name in _GRAPH_ORDER for f in RDF_FORMATS if f.name == name), N3)
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
    "nquads": ("text/x-nquads",),
    "trig": (),
    "n3": ("text/rdf+n3", "application/n3"),
}

_REQUEST_ALIASES: Mapping[str, tuple[str, ...]] = {
    "jsonld": ("json",), "rdfxml": ("xml", "rdf", "rdf+xml"), "n3": ("text/rdf+n3",),
    "ntriples": ("text/plain",), "turtle": ("application/x-turtle",),
}
"""Other names a ``format`` parameter gives a format by: ``format=json`` or ``format=xml``
asked for a CONSTRUCT answer, ``rdf`` and ``rdf+xml`` for RDF/XML (SPARQLWrapper's)."""

FORMAT_PARAMETERS = ("format", "output", "results")
"""Request parameters that name the answer's format (SPARQLWrapper sends all three)."""

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
    "n3": "N3",
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
    read by :func:`kg.sparql.lexer.external_targets`; ``ForbiddenTarget`` for one that cannot be
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
        return host == name and str(parts.port or {"http": "80", "https": "443"}.get(parts.scheme, "")) == port
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


def _named(value: str, offers: Sequence[Format]) -> Format | None:
    key = value.split(";")[0].strip().lower()
    for fmt in offers:
        if key in fmt.names or key == fmt.media_type or key in _REQUEST_ALIASES.get(fmt.name, ()):
            return fmt
    return None


class ConflictingFormats(Exception):
    """The format parameters name two different formats."""


def requested_format(params: Mapping[str, Sequence[str]], offers: Sequence[Format]) -> str | None:
    """The format the ``format``/``output``/``results`` parameters ask for, among ``offers``.

    Each may be given more than once (SPARQLWrapper sends ``format=tsv&format=text/tab-
    separated-values``); empty values are ignored; values that name no format on offer are
    ignored when another names one. None when no parameter is given; the one value naming
    nothing on offer when all of them do (``negotiate`` then says what is on offer).
    Raises ``ConflictingFormats`` when two values name two different formats on offer.
    """
    values = [v.strip() for name in FORMAT_PARAMETERS for v in params.get(name, ()) if v.strip()]
    if not values:
        return None
    known = [(v, fmt) for v in values if (fmt := _named(v, offers)) is not None]
    if not known:
        return values[0]
    names = list(dict.fromkeys(fmt.name for _v, fmt in known))
    if len(names) > 1:
        raise ConflictingFormats(f"the format parameters ask for {' and '.join(names)}; ask for one format")
    return known[0][0]


def negotiate(accept: str | None, offers: Sequence[Format], *, requested: str | None = None) -> Format:
    """The format of ``offers`` the client prefers.

    ``requested`` (a ``format`` request parameter: short name or media type) wins over
    ``Accept``. Raises ``NotAcceptable`` naming the media types on offer when none fits.
    """
    on_offer = ", ".join(f.media_type for f in offers)
    if requested:
        fmt = _named(requested, offers)
        if fmt is not None:
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


# --- updates and the default graph ---------------------------------------------------------------

_QUAD_WORDS = {"INSERT", "DELETE"}


def _block_end(tokens: Sequence[tuple[str, str]], start: int) -> int:
    """The index after the ``}`` closing the ``{`` at ``start``."""
    depth = 0
    for index in range(start, len(tokens)):
        text = tokens[index][1]
        if text == "{":
            depth += 1
        elif text == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(tokens)


def _default_triples(tokens: Sequence[tuple[str, str]], start: int) -> bool:
    """True when the quad block opening at ``start`` holds a triple outside ``GRAPH``."""
    index, end = start + 1, _block_end(tokens, start) - 1
    while index < end:
        kind, text = tokens[index]
        if kind == "word" and text.upper() == "GRAPH":
            brace = index + 1
            while brace < end and tokens[brace][1] != "{":
                brace += 1
            index = _block_end(tokens, brace)
        elif text in (".", "}"):
            index += 1
        else:
            return True
    return False


def default_graph_write(text: str) -> str | None:
    """What part of an update writes to the default graph (``INSERT DATA`` outside
    ``GRAPH``, ``LOAD`` without ``INTO``, ``… TO DEFAULT``, ``CLEAR DEFAULT``), or None.

    The default graph of a kg store is the union of its named graphs and holds nothing of
    its own: such a write would change nothing, so the server refuses it instead.
    """
    tokens = sparql_tokens(decode_escapes(text))
    index, with_graph = 0, False
    while index < len(tokens):
        kind, token = tokens[index]
        word = token.upper() if kind == "word" else ""
        if token == ";":
            with_graph = False
        elif word == "WITH":
            with_graph = True
        elif word in _QUAD_WORDS:
            following = tokens[index + 1][1].upper() if index + 1 < len(tokens) else ""
            data = following in ("DATA", "WHERE")
            brace = index + (2 if data else 1)
            if brace < len(tokens) and tokens[brace][1] == "{":
                if (data or not with_graph) and _default_triples(tokens, brace):
                    return f"{word} {following if data else '{…}'} outside GRAPH"
                index = _block_end(tokens, brace)
                continue
        elif word == "LOAD":
            rest = [t.upper() for k, t in tokens[index + 1:] if k == "word" or t == ";"]
            until = rest[:rest.index(";")] if ";" in rest else rest
            if "INTO" not in until:
                return "LOAD without INTO GRAPH"
        elif word in ("ADD", "COPY", "MOVE"):
            end = index + 1
            while end < len(tokens) and tokens[end][1] != ";":
                end += 1
            words = [t.upper() for k, t in tokens[index + 1:end] if k == "word"]
            if "TO" in words and words[words.index("TO") + 1:words.index("TO") + 2] == ["DEFAULT"]:
                return f"{word} … TO DEFAULT"
            index = end
            continue
        elif word in ("CLEAR", "DROP"):
            targets = [t.upper() for k, t in tokens[index + 1:index + 3] if k == "word"]
            if "DEFAULT" in targets:
                return f"{word} DEFAULT"
        index += 1
    return None


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
