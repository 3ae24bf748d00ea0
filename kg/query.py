"""Temporary: the former ``kg.query`` module, now the package :mod:`kg.sparql`.

Kept only so that modules still importing from ``kg.query`` keep working while they move to
``kg.sparql``; new code imports from ``kg.sparql`` (or its modules). To be removed once no
module imports it.
"""

from __future__ import annotations

from kg.sparql.catalogue import QueryText, load_query, named_queries, query_header
from kg.sparql.lexer import (
    MAX_NESTING,
    ExternalTarget,
    check_nesting,
    decode_escapes,
    external_targets,
    query_variables,
    sparql_tokens,
    split_order_by,
)
from kg.sparql.params import bind_params, param_term
from kg.sparql.results import QueryResult, format_result
from kg.sparql.run import run_query

__all__ = [
    "MAX_NESTING",
    "ExternalTarget",
    "QueryResult",
    "QueryText",
    "bind_params",
    "check_nesting",
    "decode_escapes",
    "external_targets",
    "format_result",
    "load_query",
    "named_queries",
    "param_term",
    "query_header",
    "query_variables",
    "run_query",
    "sparql_tokens",
    "split_order_by",
]
