"""The SPARQL both stores write for themselves, and the syntax checks of SPARQL text.

The union: a store's default graph is the union (the RDF merge) of its named graphs. Every
write puts a triple in its named graph *and* in the default graph; removing a graph removes
from the default graph the triples no other named graph holds (:func:`drop_update`);
:data:`UNION_RESYNC` makes the default graph the union again after a user's update. The
embedded store sends these to its engine, a remote store to its server (when kg keeps the
union there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import QueryError
from kg.store.base import one_line

if TYPE_CHECKING:
    from rdflib import URIRef

__all__ = [
    "CHECKED_DATATYPES",
    "UNION_RESYNC",
    "check_syntax",
    "check_update_syntax",
    "drop_update",
    "ill_typed_query",
    "surely_well_typed",
    "syntax_error",
    "with_prefixes",
]

UNION_RESYNC = (
    "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } } ;\n"
    "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
)
"""SPARQL Update making the default graph the union of the named graphs again."""

_XSD = "http://www.w3.org/2001/XMLSchema#"
CHECKED_DATATYPES = ("integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time",
                     "duration", "dayTimeDuration", "yearMonthDuration")
"""The XSD datatypes whose literals :func:`ill_typed_query` checks (those the engine can cast to)."""
_PREFIX_NAME = r"^[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$|^$"
"""A SPARQL prefix name (or none); compiled (and cached) by re when :func:`with_prefixes` first matches it."""


def drop_update(name: ox.NamedNode) -> str:
    """SPARQL Update removing a named graph and, from the union, what only it held."""
    return (
        f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != {name}) }} }} ;\n"
        f"DROP SILENT GRAPH {name}"
    )


def ill_typed_query(graphs: Iterable[URIRef]) -> str:
    """SPARQL counting the literals of ``graphs`` whose lexical form is not valid for their
    datatype (one of ``CHECKED_DATATYPES``), with one of them: ``?n``, ``?example``."""
    from kg.store.terms import graph_node

    names = " ".join(str(graph_node(graph)) for graph in graphs)
    cast = "?unbound"
    for name in reversed(CHECKED_DATATYPES):
        cast = f"IF(?d = <{_XSD}{name}>, <{_XSD}{name}>(STR(?o)), {cast})"
    types = ", ".join(f"<{_XSD}{name}>" for name in CHECKED_DATATYPES)
    return (f"SELECT (COUNT(?o) AS ?n) (SAMPLE(?o) AS ?example) WHERE {{ VALUES ?g {{ {names} }} "
            f"GRAPH ?g {{ ?s ?p ?o }} FILTER(isLiteral(?o)) BIND(DATATYPE(?o) AS ?d) FILTER(?d IN ({types})) "
            f"BIND({cast} AS ?value) FILTER(!BOUND(?value)) }}")


_NUMBER = r"[+-]?(?:\d{1,18}(?:\.\d{0,18})?|\.\d{1,18})"
_SURE_FORMS = {  # forms every engine cast reads, a subset of each type's lexical space
    _XSD + "integer": _NUMBER.replace(r"(?:\.\d{0,18})?|\.\d{1,18})", ")"),
    _XSD + "decimal": _NUMBER,
    _XSD + "double": _NUMBER + r"(?:[eE][+-]?\d{1,3})?|-?INF|NaN",
    _XSD + "float": _NUMBER + r"(?:[eE][+-]?\d{1,3})?|-?INF|NaN",
    _XSD + "boolean": r"true|false|1|0",
    _XSD + "date": r"\d{4}-\d\d-\d\d",
    _XSD + "dateTime": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-](?:0\d|1[0-3]):[0-5]\d)?",
}
_CHECKED_IRIS = frozenset(_XSD + name for name in CHECKED_DATATYPES)


def surely_well_typed(lexical: str, datatype: str) -> bool:
    """True when a literal (its lexical form, its datatype's IRI) is certainly not one that
    :func:`ill_typed_query` finds: a datatype it does not check, or a plain form of one it
    does (up to 18 digits each side of the point, a real calendar date with a four-digit
    year). False means "perhaps ill-typed": only the query can tell (``"00:00:00"^^xsd:time``
    and ``"-0001-01-01"^^xsd:date`` are well-typed but not sure here). A file whose literals are all
    sure needs no scan of the store after it is imported (:mod:`kg.importer`)."""
    if datatype not in _CHECKED_IRIS:
        return True
    form = _SURE_FORMS.get(datatype)
    if form is None or not re.fullmatch(form, lexical):
        return False
    if datatype == _XSD + "date" or datatype == _XSD + "dateTime":
        from datetime import date, time

        try:
            date.fromisoformat(lexical[:10])  # a real month and day; year 0000 is refused, so not sure
            if len(lexical) > 10:
                time(int(lexical[11:13]), int(lexical[14:16]), int(lexical[17:19]))
        except ValueError:
            return False
    return True


def syntax_error(error: SyntaxError) -> QueryError:
    """The engine's parse error as a one-line ``QueryError``."""
    return QueryError(f"syntax error: {one_line(error.msg if error.msg else error)}")


def check_syntax(sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
    """Raise ``QueryError`` with the parser's message (one line) if ``sparql`` is not a valid query."""
    try:
        answer = ox.Store().query(sparql, prefixes=dict(prefixes) if prefixes else None)
    except SyntaxError as error:
        raise syntax_error(error) from None
    except (OSError, RuntimeError, ValueError):
        return  # parsed; evaluating against nothing failed, which is not a syntax problem
    del answer  # parsed fine; lazy results are never evaluated


def check_update_syntax(sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
    """Raise ``QueryError`` with the parser's message (one line) if ``sparql`` is not a valid update.

    The update is run against an empty in-memory store (the engine has no parse-only call),
    so check ``LOAD`` and ``SERVICE`` targets before calling this with untrusted text.
    """
    try:
        ox.Store().update(sparql, prefixes=dict(prefixes) if prefixes else None)
    except SyntaxError as error:
        raise syntax_error(error) from None
    except (OSError, RuntimeError, ValueError):
        return  # parsed; running it against nothing failed, which is not a syntax problem


def with_prefixes(sparql: str, prefixes: Mapping[str, str] | None) -> str:
    """The query with ``PREFIX`` declarations for ``prefixes`` in front (names and IRIs checked):
    for a server, which takes no prefixes beside the text."""
    if not prefixes:
        return sparql
    lines = []
    for prefix, namespace in prefixes.items():
        if not re.match(_PREFIX_NAME, prefix):
            raise QueryError(f"not a valid SPARQL prefix name: {prefix!r}")
        try:
            iri = ox.NamedNode(str(namespace))
        except ValueError as error:
            raise QueryError(f"invalid namespace IRI for prefix {prefix}: {error}") from None
        lines.append(f"PREFIX {prefix}: {iri}")
    return "\n".join(lines) + "\n" + sparql
