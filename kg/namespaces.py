"""The vocabularies of kg: every namespace the package writes or queries, and their prefixes.

This is the one namespace module. Other modules import terms from here (``ORG.Membership``,
``KGO.Agreement``) instead of spelling IRIs; ``bind_prefixes`` gives a graph the same prefixes
everywhere, so serialisations and SPARQL prologues look alike. ``PREFIXES`` is the one table
of prefixes: ``bind_prefixes`` (rdflib graphs), ``PREFIX_IRIS`` (the RDF engine's writers) and
``compact_jsonld`` (JSON-LD) all read it, so Turtle, TriG, RDF/XML and JSON-LD written by
``kg export``, ``kg query`` and ``kg serve`` use the same prefixes.

All are plain (open) ``rdflib.Namespace`` objects, which are ``str`` subclasses: a term whose
name is also a ``str`` method (``format``, ``index``, ``count``, ``replace``, ...) must be
written with brackets, ``DCTERMS["format"]``; ``title`` is special-cased by rdflib and works.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import cast

from rdflib import Graph, Namespace

__all__ = [
    "DCTERMS",
    "FOAF",
    "KGO",
    "KGR",
    "NIF",
    "ORG",
    "OWL",
    "PREFIXES",
    "PREFIX_IRIS",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SH",
    "SKOS",
    "WD",
    "XSD",
    "bind_prefixes",
    "compact_iri",
    "compact_jsonld",
    "jsonld_context",
]

RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
SH = Namespace("http://www.w3.org/ns/shacl#")

KGO = Namespace("https://w3id.org/kgnews/ontology#")
"""Our own ontology terms (declared in ``ontology/kg.ttl``)."""

KGR = Namespace("https://w3id.org/kgnews/id/")
"""Base of every resource IRI minted by ``kg.rdf.iris`` (a ``str`` subclass: ``KGR + "x"``)."""

WD = Namespace("http://www.wikidata.org/entity/")
"""Wikidata items, which ``kg link`` makes actors ``owl:sameAs``."""

PREFIXES: tuple[tuple[str, Namespace], ...] = (
    ("rdf", RDF),
    ("rdfs", RDFS),
    ("xsd", XSD),
    ("owl", OWL),
    ("sh", SH),
    ("org", ORG),
    ("prov", PROV),
    ("schema", SCHEMA),
    ("skos", SKOS),
    ("dcterms", DCTERMS),
    ("foaf", FOAF),
    ("nif", NIF),
    ("kgo", KGO),
    ("kgr", KGR),
    ("wd", WD),
)
"""Prefix → namespace, in the order they are bound (an immutable table)."""


def bind_prefixes(graph: Graph) -> Graph:
    """Bind every kg prefix on ``graph`` (a Graph or Dataset), replacing clashing bindings; returns it."""
    for prefix, namespace in PREFIXES:
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


PREFIX_IRIS: Mapping[str, str] = MappingProxyType({prefix: str(namespace) for prefix, namespace in PREFIXES})
"""Prefix → namespace IRI as plain strings (``PREFIXES``, for writers that take a dict)."""

_LONGEST_FIRST = sorted(((str(ns), prefix) for prefix, ns in PREFIXES), key=lambda item: -len(item[0]))
_RDF_TYPE = str(RDF.type)


def jsonld_context() -> dict[str, str]:
    """The JSON-LD ``@context`` of the kg prefixes (a fresh dict)."""
    return dict(PREFIX_IRIS)


def compact_iri(iri: str) -> str:
    """``iri`` as ``prefix:local`` with the longest matching kg namespace, else unchanged.

    An IRI is left whole when its local part would begin with ``//`` (JSON-LD reads that as
    an absolute IRI). Valid as a JSON-LD compact IRI; Turtle writers escape the local part
    themselves."""
    for namespace, prefix in _LONGEST_FIRST:
        if iri.startswith(namespace) and not iri[len(namespace):].startswith("//"):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


class _Confusable(ValueError):
    """An absolute IRI that a reader of the compacted document would take for a compact IRI."""


def _compact_ref(iri: str) -> str:
    if iri.startswith("_:"):
        return iri
    short = compact_iri(iri)
    if short == iri and iri.partition(":")[0] in PREFIX_IRIS:
        raise _Confusable(iri)  # e.g. the IRI "schema:x" would read as https://schema.org/x
    return short


def _compact_node(node: object) -> object:
    """One expanded JSON-LD object (node, graph or value object) with its IRIs compacted."""
    if isinstance(node, list):
        return [_compact_node(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "@value" in node:  # a literal: only its datatype IRI is an IRI
        return {key: (_compact_ref(value) if key == "@type" else value) for key, value in node.items()}
    compacted: dict[str, object] = {}
    for key, value in node.items():
        if key == "@id":
            compacted[key] = _compact_ref(value)
        elif key == "@type":
            compacted[key] = [_compact_ref(v) for v in value] if isinstance(value, list) else _compact_ref(value)
        elif key.startswith("@"):
            compacted[key] = _compact_node(value)
        elif (key == _RDF_TYPE and isinstance(value, list)
              and all(isinstance(v, dict) and list(v) == ["@id"] and not v["@id"].startswith("_:") for v in value)):
            types = [_compact_ref(v["@id"]) for v in value]
            # what the "@type" branch put there: a list of compact IRIs (or one, a str)
            earlier = cast("Iterable[str]", compacted.get("@type", []))
            compacted["@type"] = types + list(earlier)
        else:
            compacted[_compact_ref(key)] = _compact_node(value)
    return compacted


def compact_jsonld(expanded: list[object], *, context: bool = True) -> dict[str, object] | list[object]:
    """An expanded JSON-LD document (as the RDF engine writes it) with the kg prefixes: IRIs as
    ``prefix:local``, ``rdf:type`` as ``@type``, and ``{"@context": ..., "@graph": [...]}``
    around it (without ``context``, the compacted objects only, to go inside such a document).

    The result reads back as the same RDF. If some absolute IRI would read as a compact IRI
    (its scheme is one of our prefixes, as ``skos:x``), the document is returned unchanged
    (expanded; with ``context`` False, each object gets ``"@context": null``)."""
    try:
        nodes = [_compact_node(node) for node in expanded]
    except _Confusable:
        if context:
            return expanded
        # the top level of expanded JSON-LD is a list of node objects
        return [{"@context": None, **cast("dict[str, object]", node)} for node in expanded]
    return {"@context": jsonld_context(), "@graph": nodes} if context else nodes
