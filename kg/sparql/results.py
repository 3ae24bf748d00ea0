"""The answer to a query (:class:`QueryResult`) and writing it in a format of the formats table.

A SELECT or ASK answer is written by the function the results format names in
:mod:`kg.formats` (``Format.writer``, imported when first used: writing CSV loads no JSON or
XML code); a CONSTRUCT or DESCRIBE answer (a graph) in an RDF format.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO
from typing import Literal as TypingLiteral

from kg.errors import UsageError
from kg.formats import RESULT_FORMATS, Format, rdf_format, result_format

if TYPE_CHECKING:
    from rdflib import Graph

    from kg.store import Term

__all__ = ["QueryResult", "format_result", "graph_format", "writer_of"]


@dataclass
class QueryResult:
    """The answer to a query.

    ``kind`` is "select" (``vars`` and ``rows``; None in a row is an unbound variable),
    "ask" (``boolean``) or "graph" (CONSTRUCT/DESCRIBE: ``graph``). Rows hold rdflib terms,
    or engine (pyoxigraph) terms when the query ran with ``engine_terms``; read them through
    :func:`kg.sparql.writers.term_parts`, as the writers do.
    """

    kind: TypingLiteral["select", "ask", "graph"]
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def __len__(self) -> int:
        if self.kind == "graph" and self.graph is not None:
            return len(self.graph)
        if self.kind == "ask":
            return 1
        return len(self.rows)


Writer = Callable[..., None]


@functools.lru_cache(maxsize=None)
def writer_of(fmt: Format) -> Writer:
    """The function that writes a SELECT or ASK answer in the results format ``fmt``."""
    module, _, name = fmt.writer.partition(":")
    if not module or not name:
        raise UsageError(f"format {fmt.name} has no writer for a SELECT or ASK answer")
    function: Writer = getattr(importlib.import_module(module), name)
    return function


_GRAPH_DEFAULTS = {"table": "turtle", "json": "jsonld", "xml": "rdfxml"}
"""How a results format reads when the answer is a graph (CONSTRUCT/DESCRIBE)."""


def graph_format(fmt: str) -> Format:
    """The RDF format a CONSTRUCT or DESCRIBE answer is written in for the format name ``fmt``:
    an RDF format by name, alias or media type; ``table`` (``text``) means Turtle, ``json``
    JSON-LD, ``xml`` RDF/XML. Raises ``UsageError`` for a row format (csv, tsv, jsonl)."""
    try:
        return rdf_format(fmt)
    except UsageError as error:
        unknown = error
    try:
        rows = result_format(fmt)
    except UsageError:
        raise unknown from None
    if rows.name not in _GRAPH_DEFAULTS:
        raise UsageError(f"a CONSTRUCT or DESCRIBE answer is RDF, not a table: use an RDF format, not {fmt}")
    return rdf_format(_GRAPH_DEFAULTS[rows.name])


def format_result(result: QueryResult, fmt: str, out: TextIO, *, headers: bool = True,
                  width: int | None = None) -> None:
    """Write ``result`` to ``out`` in format ``fmt`` (a name, alias or media type).

    SELECT/ASK: table (``text``: aligned columns, IRIs and lexical forms, ``@lang`` shown, a
    row count footer; cells cut with an ellipsis to fit ``width`` characters), csv (SPARQL 1.1
    CSV: plain values, CRLF), tsv (SPARQL 1.1 TSV: N-Triples terms), json (``srj``: SPARQL 1.1
    results JSON), xml (``srx``: SPARQL results XML) or jsonl (one plain JSON object per row).
    ``headers=False`` leaves out the header of csv, tsv and table (and the table's row count).
    CONSTRUCT/DESCRIBE: any RDF format (see :func:`graph_format`), written by
    :func:`kg.writing.graph_text` (the kg prefixes; in a dataset format the answer's triples
    are in the default graph).
    """
    if result.kind == "graph":
        rdf = graph_format(fmt)
        graph: Any = result.graph
        if graph is None:
            from rdflib import Graph

            graph = Graph()
        from kg.writing import graph_text  # deferred: only a graph answer needs the RDF writers

        text = graph_text(graph, rdf)
        out.write(text if text.endswith("\n") or not text else text + "\n")
        return
    try:
        chosen = result_format(fmt)
    except UsageError:
        names = ", ".join(f.name for f in RESULT_FORMATS)
        raise UsageError(f"unknown result format {fmt!r} for a SELECT or ASK answer; use one of: {names}") from None
    writer_of(chosen)(result, out, headers=headers, width=width)
