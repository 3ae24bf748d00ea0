"""The SPARQL of linking: its query files, binding values, and reading SPARQL results JSON.

Every lookup is a file in ``kg/link/queries/`` (a header comment says what it answers, its
columns and parameters). The same file runs against the bundled snapshot and against a live
endpoint; values are bound as RDF terms by ``kg.query.bind_params`` (a VALUES block written by
the RDF engine's own escaping), never pasted into the text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Literal, URIRef

from kg.errors import QueryError
from kg.link.errors import EndpointError, LinkError
from kg.query import QueryText, bind_params
from kg.store import Term

__all__ = ["QUERIES_DIR", "Row", "bind", "date_of", "link_query", "parse_results"]

QUERIES_DIR = Path(__file__).resolve().parent / "queries"

Row = dict[str, Term]
"""One solution: variable name → term (unbound variables are absent)."""


@lru_cache(maxsize=None)
def link_query(name: str) -> QueryText:
    """The query ``kg/link/queries/<name>.rq``."""
    path = QUERIES_DIR / f"{name}.rq"
    try:
        return QueryText(name, path.read_text(encoding="utf-8"), str(path))
    except OSError as error:
        raise LinkError(f"link query {name!r} is missing ({path}: {error.strerror or error}); reinstall kg") from None


def bind(name: str, params: Mapping[str, Term] | None = None) -> str:
    """The text of link query ``name`` with ``params`` bound as terms."""
    query = link_query(name)
    try:
        return bind_params(query.text, dict(params or {}))
    except QueryError as error:
        raise LinkError(f"link query {name}: {error}") from None


def date_of(term: object) -> dt.date | None:
    """The date of an ``xsd:date`` or ``xsd:dateTime`` literal ("2012-12-05T00:00:00Z"), else None."""
    if not isinstance(term, Literal):
        return None
    try:
        return dt.date.fromisoformat(str(term).lstrip("+")[:10])
    except ValueError:
        return None


def _term(value: object, where: str) -> Term:
    if not isinstance(value, dict) or "type" not in value or "value" not in value:
        raise EndpointError(f"{where}: a binding is not a SPARQL JSON term: {str(value)[:80]}")
    kind, text = value["type"], value["value"]
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        if value.get("xml:lang"):
            return Literal(text, lang=value["xml:lang"])
        if value.get("datatype"):
            return Literal(text, datatype=URIRef(value["datatype"]), normalize=False)
        return Literal(text)
    raise EndpointError(f"{where}: unknown term type {kind!r} in the answer")


def parse_results(body: bytes, where: str) -> list[Row]:
    """The rows of a SPARQL 1.1 results JSON document; ``EndpointError`` unless it really is one.

    An empty body, HTML, truncated JSON, or JSON without ``head.vars`` and
    ``results.bindings`` is not an answer, whatever the HTTP status said.
    """
    if not body or not body.strip():
        raise EndpointError(f"{where}: answered 200 with an empty body instead of SPARQL results")
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        start = body[:60].decode("utf-8", "replace").strip().replace("\n", " ")
        raise EndpointError(f"{where}: answered 200 with something that is not SPARQL results JSON "
                            f"({error.__class__.__name__}; it starts {start!r})") from None
    head = document.get("head") if isinstance(document, dict) else None
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(head, dict) or not isinstance(head.get("vars"), list) or not isinstance(results, dict) \
            or not isinstance(results.get("bindings"), list):
        raise EndpointError(f"{where}: answered 200 with JSON that holds no SPARQL results "
                            "(no head.vars or results.bindings)")
    rows = []
    for binding in results["bindings"]:
        if not isinstance(binding, dict):
            raise EndpointError(f"{where}: a result row is not a JSON object")
        rows.append({name: _term(value, where) for name, value in binding.items()})
    return rows
