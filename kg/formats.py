"""The one table of file and result formats kg reads and writes.

Every part of kg that names a format (the CLI's ``-f/--format``, the exporter, the query
result writer, the HTTP endpoint) looks it up here: its short name and aliases, file
extensions, media type, the name rdflib's plugins know it by, and its kind:

* ``"graph"``: an RDF syntax for triples only (named graphs are merged on export);
* ``"dataset"``: an RDF syntax that keeps named graphs (N-Quads, TriG, JSON-LD);
* ``"results"``: a way to write the rows of a SPARQL SELECT (or an ASK verdict);
* ``"view"``: a file format for a graph view (``kg.graph``): a network of nodes and edges
  for Gephi, yEd, Cytoscape, D3 or Graphviz, an interactive HTML page, or a picture.

``kg export -f NAME`` accepts the RDF formats and the view formats (``export_format``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kg.errors import UsageError

FormatKind = Literal["graph", "dataset", "results", "view"]


@dataclass(frozen=True)
class Format:
    """One format: ``name`` is the canonical short name, ``aliases`` other accepted names."""

    name: str
    extensions: tuple[str, ...]
    media_type: str
    rdflib_name: str
    kind: FormatKind
    aliases: tuple[str, ...] = ()
    binary: bool = False
    writer: str = ""
    """For a results format: ``module:function`` of the function that writes a SELECT or ASK
    answer in it (``kg.sparql.results.format_result`` imports it when first used)."""

    @property
    def is_rdf(self) -> bool:
        """True for RDF syntaxes (graph or dataset), False for SELECT results and view formats."""
        return self.kind in ("graph", "dataset")

    @property
    def is_view(self) -> bool:
        """True for the file formats of graph views (GraphML, GEXF, ..., HTML, PNG, SVG)."""
        return self.kind == "view"

    @property
    def keeps_graphs(self) -> bool:
        """True when the syntax can carry named graphs."""
        return self.kind == "dataset"

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name followed by the aliases."""
        return (self.name, *self.aliases)


RDF_FORMATS: tuple[Format, ...] = (
    Format("turtle", (".ttl",), "text/turtle", "turtle", "graph", ("ttl",)),
    Format("ntriples", (".nt",), "application/n-triples", "nt", "graph", ("nt", "n-triples")),
    Format("nquads", (".nq",), "application/n-quads", "nquads", "dataset", ("nq", "n-quads")),
    Format("trig", (".trig",), "application/trig", "trig", "dataset"),
    Format("jsonld", (".jsonld",), "application/ld+json", "json-ld", "dataset", ("json-ld",)),
    Format(
        "rdfxml",
        (".rdf", ".owl", ".xml"),
        "application/rdf+xml",
        "xml",
        "graph",
        ("xml", "rdf/xml", "rdf-xml"),
    ),
)
"""RDF syntaxes, in the order they are listed to users."""

_WRITERS = "kg.sparql.writers:"
RESULT_FORMATS: tuple[Format, ...] = (
    Format("table", (".txt",), "text/plain", "txt", "results", ("text",), writer=_WRITERS + "write_table"),
    Format("csv", (".csv",), "text/csv", "csv", "results", writer=_WRITERS + "write_csv"),
    Format("tsv", (".tsv",), "text/tab-separated-values", "tsv", "results", writer=_WRITERS + "write_tsv"),
    Format("json", (".srj", ".json"), "application/sparql-results+json", "json", "results", ("srj",),
           writer=_WRITERS + "write_json"),
    Format("xml", (".srx", ".xml"), "application/sparql-results+xml", "xml", "results", ("srx",),
           writer=_WRITERS + "write_xml"),
    Format("jsonl", (".jsonl", ".ndjson"), "application/x-ndjson", "", "results", ("ndjson",),
           writer=_WRITERS + "write_jsonl"),
)
"""SPARQL SELECT result formats, in the order they are listed to users. ``text``, ``srj`` and
``srx`` are the names Jena's arq and Oxigraph's CLI give the table, JSON and XML results;
``jsonl`` is one plain JSON object per row (as sqlite-utils ``--nl``)."""

VIEW_FORMATS: tuple[Format, ...] = (
    Format("graphml", (".graphml",), "application/graphml+xml", "", "view"),
    Format("gexf", (".gexf",), "application/gexf+xml", "", "view"),
    Format("nodelink", (".json",), "application/json", "", "view", ("node-link", "d3")),
    Format("cytoscape", (".cyjs",), "application/vnd.cytoscape.js+json", "", "view", ("cyjs", "cytoscape.js")),
    Format("dot", (".dot", ".gv"), "text/vnd.graphviz", "", "view", ("graphviz", "gv")),
    Format("html", (".html", ".htm"), "text/html", "", "view"),
    Format("png", (".png",), "image/png", "", "view", (), True),
    Format("svg", (".svg",), "image/svg+xml", "", "view"),
)
"""File formats of graph views (``kg.graph.exports``), in the order they are listed to users.
``rdflib_name`` is empty: rdflib does not write them."""


def _normalise(name: str) -> str:
    """Lower-case, trimmed, without media type parameters (``; charset=utf-8``)."""
    return name.split(";", 1)[0].strip().lower()


def _lookup(table: tuple[Format, ...], name: str) -> Format | None:
    key = _normalise(name)
    for fmt in table:
        if key in fmt.names or key == fmt.media_type:
            return fmt
    return None


def _accepted(table: tuple[Format, ...]) -> str:
    return ", ".join(fmt.name for fmt in table)


def rdf_format(name: str | None, path: str | Path | None = None) -> Format:
    """The RDF format named by ``name`` (short name, alias or media type).

    When ``name`` is None the format is guessed from the extension of ``path``; with no
    path either (or ``-``, stdout) it is Turtle. Raises ``UsageError`` listing the accepted names when neither gives a known format.
    """
    if name is not None:
        fmt = _lookup(RDF_FORMATS, name)
        if fmt is None:
            raise UsageError(
                f"unknown RDF format {name!r}; use one of: {_accepted(RDF_FORMATS)} "
                "(or a media type such as text/turtle)"
            )
        return fmt
    if path is None or str(path) == "-":
        return RDF_FORMATS[0]  # nothing to guess from (stdout): Turtle
    suffix = Path(path).suffix.lower()
    for fmt in RDF_FORMATS:
        if suffix in fmt.extensions:
            return fmt
    raise UsageError(
        f"cannot guess the RDF format of {str(path)!r} from its extension; "
        f"use -f/--format with one of: {_accepted(RDF_FORMATS)}"
    )


def export_format(name: str | None, path: str | Path | None = None) -> Format:
    """The format ``kg export`` writes: an RDF format or a view format, by name, alias or media
    type, else guessed from the extension of ``path``; Turtle for stdout with no name.

    Raises ``UsageError`` listing both kinds of accepted names when neither gives a format.
    """
    table = RDF_FORMATS + VIEW_FORMATS
    accepted = f"{_accepted(RDF_FORMATS)} (RDF) or {_accepted(VIEW_FORMATS)} (graph views)"
    if name is not None:
        fmt = _lookup(table, name)
        if fmt is None:
            raise UsageError(f"unknown export format {name!r}; use one of: {accepted}")
        return fmt
    if path is None or str(path) == "-":
        return RDF_FORMATS[0]
    suffix = Path(path).suffix.lower()
    for fmt in table:
        if suffix in fmt.extensions:
            return fmt
    raise UsageError(f"cannot guess the export format of {str(path)!r} from its extension; use -f/--format with one of: {accepted}")


def result_format(name: str) -> Format:
    """The SELECT result format named by ``name`` (short name or media type).

    Raises ``UsageError`` listing the accepted names when it is unknown.
    """
    fmt = _lookup(RESULT_FORMATS, name)
    if fmt is None:
        raise UsageError(f"unknown result format {name!r}; use one of: {_accepted(RESULT_FORMATS)}")
    return fmt


def result_format_for_path(path: str | Path) -> Format | None:
    """The SELECT result format ``path``'s extension names (``.csv``, ``.srj``, ``.jsonl``, …),
    or None when it names none."""
    suffix = Path(path).suffix.lower()
    return next((fmt for fmt in RESULT_FORMATS if suffix in fmt.extensions), None)


def format_names(kind: str | None = None) -> list[str]:
    """Canonical names of the formats of one kind ("rdf", "graph", "dataset", "results",
    "view"), or all."""
    table = RDF_FORMATS + RESULT_FORMATS + VIEW_FORMATS
    if kind == "rdf":
        return [fmt.name for fmt in RDF_FORMATS]
    if kind is None:
        return list(dict.fromkeys(fmt.name for fmt in table))
    return [fmt.name for fmt in table if fmt.kind == kind]


SPARQL_QUERY_MEDIA_TYPE = "application/sparql-query"
"""The body of a SPARQL 1.1 Protocol query sent directly by POST."""
SPARQL_UPDATE_MEDIA_TYPE = "application/sparql-update"
"""The body of a SPARQL 1.1 Protocol update sent directly by POST."""
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
"""The body of a query or update sent as an HTML form (``query=…`` or ``update=…``)."""
_OLDER_RDF_MEDIA_TYPES = {"application/x-turtle": "text/turtle", "text/plain": "application/n-triples"}


def format_for_media_type(media_type: str, kind: str) -> Format | None:
    """The format of ``kind`` (``"rdf"`` or ``"results"``) whose media type is ``media_type``
    (parameters such as ``; charset=utf-8`` and case ignored), or None. For RDF, the older
    names ``application/x-turtle`` and ``text/plain`` (N-Triples) count too."""
    key = _normalise(media_type)
    table = RDF_FORMATS if kind == "rdf" else RESULT_FORMATS
    if kind == "rdf":
        key = _OLDER_RDF_MEDIA_TYPES.get(key, key)
    return next((fmt for fmt in table if fmt.media_type == key), None)
