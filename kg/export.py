"""Export a store (or one of its graphs) to an RDF file, atomically.

Dataset syntaxes (N-Quads, TriG, JSON-LD) keep the named graphs; triple syntaxes (Turtle,
N-Triples, RDF/XML) get the union of all graphs, each distinct triple once. Turtle, TriG,
RDF/XML and JSON-LD are written with the kg prefixes (``kg.writing.write_rdf``). The file is
written to a temporary file beside the target and renamed over it only when complete, so a
crash or a serialisation error never leaves a truncated file and never touches an existing
one. ``-`` writes to stdout.

RDF/XML cannot carry every graph: XML 1.0 has no way to write most control characters or
U+FFFE/U+FFFF, reads a carriage return back as a line feed, and a property (or the class of a
typed node) must be written as an element name, which an IRI such as ``http://e/p/`` does
not end in. Such an export is refused in one line naming the term, rather than written as a
file no RDF/XML parser reads back as the same graph: no file is left, and stdout gets nothing
(it is checked in a first pass, as it cannot be taken back).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, cast

import pyoxigraph as ox
from rdflib import URIRef

from kg.atomic import write_atomically
from kg.errors import KgError, StoreError
from kg.formats import Format
from kg.store import Store, to_engine
from kg.writing import engine_format, write_rdf

__all__ = ["export_store"]


# A store holds only well-formed triples (an IRI or blank-node subject, an IRI predicate) in
# IRI-named graphs, so the casts below state what its terms are; they cost nothing per quad.
_Subject = ox.NamedNode | ox.BlankNode


def _engine_quads(store: Store, graph: URIRef | None) -> Iterator[ox.Quad]:
    for s, p, o, g in store.quads(graph):
        name = ox.DefaultGraph() if g is None else cast(ox.NamedNode, to_engine(g))
        yield ox.Quad(cast(_Subject, to_engine(s)), cast(ox.NamedNode, to_engine(p)), to_engine(o), name)


def _engine_triples(store: Store, graph: URIRef | None) -> Iterator[ox.Triple]:
    for s, p, o in store.triples(graph):
        yield ox.Triple(cast(_Subject, to_engine(s)), cast(ox.NamedNode, to_engine(p)), to_engine(o))


# --- what RDF/XML cannot carry ------------------------------------------------------------

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE = _RDF + "type"
_XMLNS = "http://www.w3.org/2000/xmlns/"
_SYNTAX_TERMS = frozenset(_RDF + name for name in
                          ("Description", "li", "RDF", "ID", "about", "parseType", "resource", "nodeID", "datatype"))
_NAME_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d"
               "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_NAME_CHAR = _NAME_START + "\\-.0-9\u00b7\u0300-\u036f\u203f\u2040"
_NCNAME = re.compile(f"[{_NAME_START}][{_NAME_CHAR}]*")
_LOCAL_NAME = re.compile(_NCNAME.pattern + "$")
"""The XML name an IRI ends in, which the RDF engine writes as an element's local name."""
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold, and the carriage return (XML reads it back as a line feed)."""


class _NotXml(ValueError):
    """A term RDF/XML cannot carry; the message names it."""


def _brief(text: str, limit: int = 40) -> str:
    """``text`` shortened, with characters that cannot be shown written as ``\\uXXXX``."""
    short = text if len(text) <= limit else text[:limit] + "…"
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in short)


def _check_element_name(iri: str, role: str) -> None:
    if iri in _SYNTAX_TERMS and role == "predicate":
        raise _NotXml(f"the predicate <{iri}> is RDF/XML syntax, which cannot be a property element")
    local = _LOCAL_NAME.search(iri)
    if local is None or iri[: local.start()] == _XMLNS:
        raise _NotXml(f"the {role} <{_brief(iri, 80)}> cannot be an XML element name "
                      "(RDF/XML needs it to end in an XML name, as …/p1 does and …/, …# or …/1 do not)")


def _check_text(text: str, role: str) -> None:
    bad = _NOT_XML_TEXT.search(text)
    if bad is None:
        return
    if bad.group() == "\r":
        why = "holds a carriage return (U+000D), which XML reads back as a line feed"
    else:
        why = f"holds U+{ord(bad.group()):04X}, which XML 1.0 cannot carry"
    raise _NotXml(f'the {role} "{_brief(text)}" {why}')


def _check_node_id(node: ox.BlankNode) -> None:
    if not _NCNAME.fullmatch(node.value):
        raise _NotXml(f"the blank node _:{_brief(node.value)} is not an XML name, as rdf:nodeID needs")


def _xml_checked(triples: Iterator[ox.Triple]) -> Iterator[ox.Triple]:
    """``triples``, raising ``_NotXml`` at the first one RDF/XML cannot carry."""
    predicates: set[str] = set()  # element names already checked: few distinct ones
    classes: set[str] = set()
    for triple in triples:
        subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
        if isinstance(subject, ox.BlankNode):
            _check_node_id(subject)
        if predicate not in predicates:
            _check_element_name(predicate, "predicate")
            predicates.add(predicate)
        if isinstance(obj, ox.Literal):
            _check_text(obj.value, "literal")
        elif isinstance(obj, ox.BlankNode):
            _check_node_id(obj)
        elif predicate == _RDF_TYPE and isinstance(obj, ox.NamedNode) and obj.value not in _SYNTAX_TERMS and obj.value not in classes:
            _check_element_name(obj.value, "class")  # a typed node element: <ex:Class rdf:about=…>
            classes.add(obj.value)
        yield triple


# --- writing ---------------------------------------------------------------------------------


def _engine_items(store: Store, fmt: Format, graph: URIRef | None) -> Iterator[ox.Quad] | Iterator[ox.Triple]:
    """What ``fmt`` writes: quads for dataset syntaxes, else triples (checked for RDF/XML)."""
    if fmt.keeps_graphs:
        return _engine_quads(store, graph)
    if fmt.name == "rdfxml":
        return _xml_checked(_engine_triples(store, graph))
    return _engine_triples(store, graph)


def _serialize(store: Store, fmt: Format, out: BinaryIO | None, graph: URIRef | None,
               prefixes: Mapping[str, str] | None) -> None:
    """Write the store (or one graph) to a binary stream in ``fmt``; with ``out`` None, only
    check that ``fmt`` can carry it (go through it without writing anything)."""
    engine_format(fmt)
    items = _engine_items(store, fmt, graph)
    if out is None:
        for _item in items:
            pass
        return
    write_rdf(items, fmt, out, prefixes=prefixes)


def export_store(store: Store, fmt: Format, out_path: str | Path, graph: URIRef | None = None, *,
                 prefixes: Mapping[str, str] | None = None) -> None:
    """Write the whole store, or the named graph ``graph``, to ``out_path`` ("-" = stdout) in ``fmt``.

    Turtle, TriG and RDF/XML use ``prefixes`` (prefix → namespace IRI; default: the kg
    prefixes, ``kg.namespaces.PREFIXES``); JSON-LD always gets the kg ``@context``.
    Raises ``StoreError`` when the file cannot be written, or when ``fmt`` is RDF/XML and the
    graph holds a term it cannot carry (naming the term); an existing file is then untouched.
    """
    if not fmt.is_rdf:
        raise StoreError(f"{fmt.name} is not an RDF format; a store can only be exported as RDF")
    if graph is not None and not store.has_graph(graph):
        raise StoreError(f"store {store.location} has no graph <{graph}>")
    if str(out_path) == "-":
        if fmt.name == "rdfxml":  # a refusal comes before the first byte, not half-way through
            _guarded(store, fmt, None, graph, prefixes, "stdout")
        stream = getattr(sys.stdout, "buffer", None)
        if stream is not None:
            sys.stdout.flush()
            _guarded(store, fmt, stream, graph, prefixes, "stdout")
            stream.flush()
        else:  # a text-only stdout (e.g. redirected in tests): go through memory
            import io

            buffer = io.BytesIO()
            _guarded(store, fmt, buffer, graph, prefixes, "stdout")
            sys.stdout.write(buffer.getvalue().decode("utf-8"))
        return
    write_atomically(Path(out_path),
                     lambda handle: _guarded(store, fmt, handle, graph, prefixes, str(out_path)),
                     StoreError)


def _guarded(store: Store, fmt: Format, out: BinaryIO | None, graph: URIRef | None,
             prefixes: Mapping[str, str] | None, where: str) -> None:
    """Serialise, turning engine failures into ``StoreError`` naming the destination."""
    try:
        _serialize(store, fmt, out, graph, prefixes)
    except KgError:
        raise
    except _NotXml as error:
        raise StoreError(f"cannot export {store.location} as RDF/XML to {where}: {error}; "
                         "export as Turtle or N-Triples instead") from None
    except (ValueError, SyntaxError, RuntimeError) as error:
        raise StoreError(f"cannot export {store.location} as {fmt.name} to {where}: {' '.join(str(error).split())}") from None
