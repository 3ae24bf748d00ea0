"""Writers of SELECT and ASK answers, one per results format of :mod:`kg.formats` (each
format's ``writer`` names its function here): an aligned table, SPARQL 1.1 CSV and TSV,
SPARQL results JSON and XML, and JSON lines.

Every writer is ``writer(result, out, *, headers=True, width=None)``: ``headers=False`` leaves
out the header line (csv, tsv, table; the table also its row count), ``width`` is the most
characters a table line may take (long cells are cut with an ellipsis; None: no limit). CSV,
TSV, JSON, XML and JSON lines always hold the full text.

Terms may be rdflib terms or engine (pyoxigraph) terms; nothing here imports rdflib, and the
XML writer escapes by itself (``xml.sax.saxutils`` pulls in ``urllib.request``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from kg.sparql.results import QueryResult

__all__ = ["json_document", "term_parts", "write_csv", "write_json", "write_jsonl", "write_table", "write_tsv", "write_xml"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
ELLIPSIS = "…"
MIN_CELL = 6
"""The narrowest a cut column becomes, ellipsis included; below it the table is wider than asked."""


def term_parts(term: object) -> tuple[str, str, str | None, str | None]:
    """(kind, value, language, datatype) of an RDF term: kind "uri", "bnode" or "literal";
    the datatype is None for a plain or language-tagged string."""
    oxigraph = sys.modules.get("pyoxigraph")
    if oxigraph is not None:
        if isinstance(term, oxigraph.NamedNode):
            return "uri", term.value, None, None
        if isinstance(term, oxigraph.BlankNode):
            return "bnode", term.value, None, None
        if isinstance(term, oxigraph.Literal):
            datatype = term.datatype.value
            plain = term.language or datatype in (_XSD_STRING, _RDF_LANG_STRING)
            return "literal", term.value, term.language, None if plain else datatype
    rdflib = sys.modules.get("rdflib.term")
    if rdflib is not None:
        if isinstance(term, rdflib.URIRef):
            return "uri", str(term), None, None
        if isinstance(term, rdflib.BNode):
            return "bnode", str(term), None, None
        if isinstance(term, rdflib.Literal):
            datatype = None if term.datatype is None or str(term.datatype) == _XSD_STRING else str(term.datatype)
            return "literal", str(term), term.language or None, None if term.language else datatype
    raise TypeError(f"not an RDF term: {term!r}")


def _verdict(result: QueryResult) -> str:
    return "true" if result.boolean else "false"


# --- plain text: table and CSV ------------------------------------------------------------


def _lexical(term: object) -> str:
    """A term as plain text: IRIs as the IRI, literals as their lexical form, ``_:id`` for blanks."""
    if term is None:
        return ""
    kind, value, _language, _datatype = term_parts(term)
    return f"_:{value}" if kind == "bnode" else value


def _cell(term: object) -> str:
    text = _lexical(term)
    if term is not None:
        language = term_parts(term)[2]
        if language:
            text += f"@{language}"
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")


def fit_widths(widths: Sequence[int], limit: int | None, gap: int = 2) -> list[int]:
    """Column widths whose line (columns joined by ``gap`` spaces) fits in ``limit``
    characters: the widest columns are narrowed to one common width, never below
    ``MIN_CELL`` (or their own width). Unchanged when they fit or there is no limit."""
    widths = list(widths)
    if limit is None or not widths or sum(widths) + gap * (len(widths) - 1) <= limit:
        return widths
    room = limit - gap * (len(widths) - 1)
    # the largest cap with sum(min(w, cap)) <= room
    low, high = MIN_CELL, max(widths)
    while low < high:
        middle = (low + high + 1) // 2
        if sum(min(w, middle) for w in widths) <= room:
            low = middle
        else:
            high = middle - 1
    return [min(w, low) for w in widths]


def display_width(text: str) -> int:
    """How many terminal columns ``text`` takes: East Asian wide and full-width characters two,
    combining marks none, the rest one."""
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
               for char in text)


def _cut(text: str, width: int) -> str:
    """``text`` padded to ``width`` columns, or cut to them with an ellipsis."""
    size = display_width(text)
    if size > width:
        kept, used = [], 0
        for char in text:
            step = display_width(char)
            if used + step > width - 1:
                break
            kept.append(char)
            used += step
        text, size = "".join(kept) + ELLIPSIS, used + 1
    return text + " " * (width - size)


def write_table(result: QueryResult, out: TextIO, *, headers: bool = True, width: int | None = None) -> None:
    """Aligned columns of IRIs and lexical forms (``@lang`` shown, line breaks as ``\\n``), a
    dashed rule under the header and a row count; cells cut with an ellipsis to fit ``width``
    terminal columns (see :func:`display_width`)."""
    if result.kind == "ask":
        out.write(f"{_verdict(result)}\n")
        return
    header = list(result.vars)
    cells = [[_cell(term) for term in row] for row in result.rows]
    natural = [display_width(name) for name in header]
    for row in cells:
        natural = [max(size, display_width(cell)) for size, cell in zip(natural, row)]
    widths = fit_widths(natural, width)

    def line(values: Sequence[str]) -> str:
        return "  ".join(_cut(value, size) for value, size in zip(values, widths)).rstrip() + "\n"

    if header:
        if headers:
            out.write(line(header))
            out.write("  ".join("-" * size for size in widths) + "\n")
        for row in cells:
            out.write(line(row))
    if headers:
        count = len(result.rows)
        out.write(f"({count} row{'' if count == 1 else 's'})\n")


def write_csv(result: QueryResult, out: TextIO, *, headers: bool = True, width: int | None = None) -> None:
    """SPARQL 1.1 CSV: plain values (IRIs, lexical forms), CRLF line ends."""
    import csv

    writer = csv.writer(out, lineterminator="\r\n")
    if result.kind == "ask":
        writer.writerow([_verdict(result)])
        return
    if headers:
        writer.writerow(result.vars)
    for row in result.rows:
        writer.writerow([_lexical(term) for term in row])


# --- N-Triples terms: TSV -------------------------------------------------------------------


def _ntriples(term: object) -> str:
    """A term in N-Triples syntax, tabs and line breaks escaped (for TSV)."""
    if term is None:
        return ""
    kind, value, language, datatype = term_parts(term)
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    text = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))
    if language:
        return f'"{text}"@{language}'
    if datatype is not None:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


def write_tsv(result: QueryResult, out: TextIO, *, headers: bool = True, width: int | None = None) -> None:
    """SPARQL 1.1 TSV: a ``?name`` header, N-Triples terms."""
    if result.kind == "ask":
        out.write(f"{_verdict(result)}\n")
        return
    if headers:
        out.write("\t".join(f"?{name}" for name in result.vars) + "\n")
    for row in result.rows:
        out.write("\t".join(_ntriples(term) for term in row) + "\n")


# --- JSON -----------------------------------------------------------------------------------


def _json_term(term: object) -> dict[str, str]:
    kind, value, language, datatype = term_parts(term)
    out = {"type": kind, "value": value}
    if language:
        out["xml:lang"] = language
    elif datatype is not None:
        out["datatype"] = datatype
    return out


def json_document(result: QueryResult) -> dict[str, object]:
    """A SELECT or ASK answer as the SPARQL 1.1 results JSON document (rdflib or engine terms)."""
    if result.kind == "ask":
        return {"head": {}, "boolean": bool(result.boolean)}
    bindings = [
        {name: _json_term(term) for name, term in zip(result.vars, row) if term is not None}
        for row in result.rows
    ]
    return {"head": {"vars": list(result.vars)}, "results": {"bindings": bindings}}


def write_json(result: QueryResult, out: TextIO, *, headers: bool = True, width: int | None = None) -> None:
    """SPARQL 1.1 results JSON, indented for reading."""
    import json

    json.dump(json_document(result), out, ensure_ascii=False, indent=2)
    out.write("\n")


_INTEGERS = {_XSD + name for name in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                      "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                      "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_NUMBERS = {_XSD + name for name in ("decimal", "double", "float")}


def plain_value(term: object) -> object:
    """A term as a plain JSON value: None when unbound; a number for xsd integers, decimals,
    doubles and floats, a boolean for xsd:boolean (each when its lexical form is valid);
    otherwise the IRI, ``_:id`` or lexical form as a string (the language tag is dropped)."""
    if term is None:
        return None
    kind, value, _language, datatype = term_parts(term)
    if kind == "bnode":
        return f"_:{value}"
    if datatype in _INTEGERS:
        try:
            return int(value)
        except ValueError:
            return value
    if datatype in _NUMBERS:
        try:
            number = float(value)
        except ValueError:
            return value
        return number if number not in (float("inf"), float("-inf")) and number == number else value
    if datatype == _XSD + "boolean" and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    return value


def write_jsonl(result: QueryResult, out: TextIO, *, headers: bool = True, width: int | None = None) -> None:
    """JSON lines: one object per row, column → :func:`plain_value` (unbound → null), in column
    order; an ASK answer is one line ``{"boolean": true}``."""
    import json

    if result.kind == "ask":
        out.write(json.dumps({"boolean": bool(result.boolean)}) + "\n")
        return
    names = list(result.vars)
    for row in result.rows:
        out.write(json.dumps(dict(zip(names, map(plain_value, row))), ensure_ascii=False) + "\n")


# --- XML ------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attribute(text: str) -> str:
    """``text`` as a double-quoted XML attribute value."""
    return '"' + _escape(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace(
        "\t", "&#9;") + '"'


def _xml_term(term: object) -> str:
    kind, value, language, datatype = term_parts(term)
    if kind == "uri":
        return f"<uri>{_escape(value)}</uri>"
    if kind == "bnode":
        return f"<bnode>{_escape(value)}</bnode>"
    attributes = ""
    if language:
        attributes = f" xml:lang={_attribute(language)}"
    elif datatype is not None:
        attributes = f" datatype={_attribute(datatype)}"
    return f"<literal{attributes}>{_escape(value)}</literal>"


def write_xml(result: QueryResult, out: TextIO, *, headers: bool = True, width: int | None = None) -> None:
    """SPARQL query results XML."""
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write('<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n')
    if result.kind == "ask":
        out.write("  <head/>\n")
        out.write(f"  <boolean>{_verdict(result)}</boolean>\n")
        out.write("</sparql>\n")
        return
    out.write("  <head>\n")
    for name in result.vars:
        out.write(f"    <variable name={_attribute(name)}/>\n")
    out.write("  </head>\n  <results>\n")
    for row in result.rows:
        out.write("    <result>\n")
        for name, term in zip(result.vars, row):
            if term is not None:
                out.write(f"      <binding name={_attribute(name)}>{_xml_term(term)}</binding>\n")
        out.write("    </result>\n")
    out.write("  </results>\n</sparql>\n")
