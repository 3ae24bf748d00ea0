"""Term conversion, in one place: engine (Oxigraph) terms ↔ rdflib terms, and the checks a
triple or a quad passes before any store takes it.

Both stores use these, so an embedded and a remote store refuse the same quads with the same
message and hand back the same rdflib terms. The engine keeps literals of numeric and date
types as values, so their lexical forms come back canonical (``"007"^^xsd:integer`` → ``"7"``);
:func:`from_engine` keeps whatever form the engine gives, and never normalises on its own.

This module imports rdflib; :mod:`kg.store` imports it only when a store is asked for rdflib
terms. Importing it silences rdflib's warning per ill-typed literal (see :mod:`kg.store`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Union, overload

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg.errors import StoreError
from kg.store.base import collector_paused  # defined there (it needs no rdflib); kept here for callers
from kg.store import quiet_ill_typed_literals

quiet_ill_typed_literals()  # rdflib logs a warning with a traceback per ill-typed literal: kg reports them itself

__all__ = [
    "EngineTerm",
    "EngineTriple",
    "Quad",
    "QueryAnswer",
    "Term",
    "TermCache",
    "Triple",
    "collector_paused",
    "engine_graph_name",
    "engine_quad",
    "engine_triples",
    "from_engine",
    "graph_node",
    "make_term",
    "to_engine",
    "to_ntriples",
]

Term = Union[URIRef, BNode, Literal]
Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]
"""(subject, predicate, object, named graph)."""

QueryAnswer = Union[bool, Graph, tuple[list[str], list[tuple[Union[Term, None], ...]]]]
"""What a store's ``query`` returns: ASK → bool, CONSTRUCT/DESCRIBE → Graph,
SELECT → (variable names, rows)."""

EngineTerm = Union[ox.NamedNode, ox.BlankNode, ox.Literal]
EngineTriple = tuple[Union[ox.NamedNode, ox.BlankNode], ox.NamedNode, EngineTerm]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_NO_GRAPH = ("no graph name: the default graph is the union of the named graphs, "
             "give every quad a named graph")


def _blank(label: str) -> ox.BlankNode:
    """An engine blank node for an rdflib label; labels the engine refuses are hashed."""
    try:
        return ox.BlankNode(label)
    except ValueError:
        return ox.BlankNode("h" + hashlib.sha1(label.encode("utf-8")).hexdigest())


@overload
def to_engine(term: URIRef, blanks: dict[BNode, ox.BlankNode] | None = None) -> ox.NamedNode: ...
@overload
def to_engine(term: BNode, blanks: dict[BNode, ox.BlankNode] | None = None) -> ox.BlankNode: ...
@overload
def to_engine(term: Literal, blanks: dict[BNode, ox.BlankNode] | None = None) -> ox.Literal: ...
@overload
def to_engine(term: Node, blanks: dict[BNode, ox.BlankNode] | None = None) -> EngineTerm: ...
def to_engine(term: Node, blanks: dict[BNode, ox.BlankNode] | None = None) -> EngineTerm:
    """Convert an rdflib term to an Oxigraph term (raises ValueError for invalid terms).

    With ``blanks``, each rdflib blank node is mapped to a fresh engine blank node, the
    same one for every occurrence in that mapping.
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        if blanks is None:
            return _blank(str(term))
        if term not in blanks:
            blanks[term] = ox.BlankNode()
        return blanks[term]
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ValueError(f"not an RDF term: {term!r}")


@overload
def from_engine(term: ox.NamedNode) -> URIRef: ...
@overload
def from_engine(term: ox.BlankNode) -> BNode: ...
@overload
def from_engine(term: ox.Literal) -> Literal: ...
@overload
def from_engine(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Term: ...  # a Triple raises StoreError
@overload
def from_engine(term: object) -> Term | None: ...
def from_engine(term: object) -> Term | None:
    """Convert an Oxigraph term to an rdflib term, keeping literals' lexical forms."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype in (_XSD_STRING, _RDF_LANG_STRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise StoreError(f"unsupported RDF term from the store: {term!r} (RDF-star triple terms are not supported)")


def make_term(kind: str, value: str, *, language: str | None = None, datatype: str | None = None) -> Term:
    """An rdflib term from the parts SPARQL results give (``kind`` "uri", "bnode", "literal"
    or "typed-literal"), as :func:`from_engine` makes it: a literal keeps its lexical form, and
    ``xsd:string`` or ``rdf:langString`` make a plain literal. ValueError for another kind."""
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        if language:
            return Literal(value, lang=language)
        if datatype and datatype not in (_XSD_STRING, _RDF_LANG_STRING):
            return Literal(value, datatype=URIRef(datatype), normalize=False)
        return Literal(value)
    raise ValueError(f"not a kind of RDF term: {kind!r}")


class TermCache(dict):
    """Engine terms (None for unbound) → rdflib terms, each converted once, when first looked up."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, term: object) -> Term | None:
        converted = self[term] = from_engine(term)
        return converted


def graph_node(graph_iri: object) -> ox.NamedNode:
    """The engine node of a graph name, which must be an IRI (an rdflib ``URIRef``); ``StoreError`` otherwise."""
    if not isinstance(graph_iri, URIRef):
        raise StoreError(f"a graph name must be an IRI (rdflib URIRef), not {graph_iri!r}")
    try:
        return ox.NamedNode(str(graph_iri))
    except ValueError as error:
        raise StoreError(f"invalid graph IRI <{graph_iri}>: {error}") from None


def engine_graph_name(graph: object) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph:
    """The engine graph name of an rdflib graph name, graph or default graph (ValueError otherwise)."""
    if graph is None or graph == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    if isinstance(graph, Graph):
        return engine_graph_name(graph.identifier)
    if isinstance(graph, (URIRef, BNode)):
        return to_engine(graph)
    raise ValueError(f"not a graph name: {graph!r}")


def engine_quad(quad: Quad | tuple[Node, Node, Node, object]) -> ox.Quad:
    """One rdflib quad as an engine quad in its named graph; blank nodes keep their labels.

    Raises ``StoreError`` for a term RDF cannot hold and for a quad without a graph name
    (None or rdflib's default graph): the default graph is the union of the named graphs.
    """
    try:
        s, p, o, g = quad
        graph = engine_graph_name(g)
        terms = (to_engine(s), to_engine(p), to_engine(o))
        if isinstance(graph, ox.DefaultGraph):
            raise ValueError(_NO_GRAPH)
        # Left to the engine to check: a literal subject or a non-IRI predicate raises its
        # TypeError, reported below; mypy sees only that to_engine gives any kind of term.
        return ox.Quad(*terms, graph)  # type: ignore[arg-type]
    except (ValueError, TypeError) as error:
        raise StoreError(f"cannot store quad {quad!r}: {error}") from None


def engine_triples(triples: Iterable[Triple], *, context: str = "") -> Iterator[EngineTriple]:
    """``triples`` as engine terms, checked; one engine blank node per rdflib blank node.

    Raises ``StoreError`` (naming ``context``, e.g. the graph) for a term or triple RDF cannot hold.
    """
    blanks: dict[BNode, ox.BlankNode] = {}
    where = f" in {context}" if context else ""
    for triple in triples:
        try:
            s, p, o = (to_engine(term, blanks) for term in triple)
        except (ValueError, TypeError) as error:
            raise StoreError(f"cannot store triple {triple!r}{where}: {error}") from None
        if not isinstance(p, ox.NamedNode) or isinstance(s, ox.Literal):
            raise StoreError(f"cannot store triple {triple!r}{where}: not a valid RDF triple")
        yield s, p, o


def to_ntriples(triples: Iterable[Triple], *, context: str = "") -> str:
    """N-Triples text of ``triples``, one line each ending in `` .\n``, written by the engine
    (see :func:`engine_triples` for blank nodes and errors)."""
    return "".join(f"{s} {p} {o} .\n" for s, p, o in engine_triples(triples, context=context))
