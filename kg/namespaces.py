"""The vocabularies of kg: every namespace the package writes or queries, and their prefixes.

This is the one namespace module. Other modules import terms from here (``ORG.Membership``,
``KGO.Agreement``) instead of spelling IRIs; ``bind_prefixes`` gives a graph the same prefixes
everywhere, so serialisations and SPARQL prologues look alike.

All are plain (open) ``rdflib.Namespace`` objects, which are ``str`` subclasses: a term whose
name is also a ``str`` method (``format``, ``index``, ``count``, ``replace``, ...) must be
written with brackets, ``DCTERMS["format"]``; ``title`` is special-cased by rdflib and works.
"""

from __future__ import annotations

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
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SH",
    "SKOS",
    "XSD",
    "bind_prefixes",
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
)
"""Prefix → namespace, in the order they are bound (an immutable table)."""


def bind_prefixes(graph: Graph) -> Graph:
    """Bind every kg prefix on ``graph`` (a Graph or Dataset), replacing clashing bindings; returns it."""
    for prefix, namespace in PREFIXES:
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
