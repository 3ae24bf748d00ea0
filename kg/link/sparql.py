"""The SPARQL of linking: its query files, binding values, and reading an endpoint's answer.

Every lookup is a file in ``kg/link/queries/`` (a header comment says what it answers, its
columns and parameters). The same file runs against the bundled snapshot and against a live
endpoint; values are bound as RDF terms by ``kg.sparql.bind_params`` (a VALUES block written by
the RDF engine's own escaping), never pasted into the text. Answers are read by the codec of
kg's SPARQL client (:func:`kg.store.client.parse_results`, JSON or XML).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from rdflib import Literal

from kg.errors import QueryError
from kg.link.errors import EndpointError, LinkError
from kg.sparql import QueryText, bind_params
from kg.store import Term

__all__ = ["QUERIES_DIR", "Row", "bind", "date_of", "link_query", "read_rows"]

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


def read_rows(body: bytes, media_type: str | None, where: str) -> list[Row]:
    """The rows of an endpoint's SPARQL results (JSON or XML; ``media_type`` None: told by the
    body); ``EndpointError`` naming ``where`` unless the body really is SELECT results.

    An empty body, HTML, truncated JSON, or JSON without ``head.vars`` and
    ``results.bindings`` is not an answer, whatever the HTTP status said.
    """
    from kg.store.client import BadAnswer, parse_results

    try:
        results = parse_results(body, media_type)
    except BadAnswer as error:
        raise EndpointError(f"{where}: answered 200 with {error}") from None
    if results.boolean is not None:
        raise EndpointError(f"{where}: answered 200 with an ASK verdict instead of SELECT results")
    return results.rows
