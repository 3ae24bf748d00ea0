"""SPARQL in kg: the catalogue of named queries, a small lexer, parameter binding, running a
query against a store, and writing its answer.

* :mod:`kg.sparql.catalogue` — the public named queries (``queries/*.rq``) and the internal
  ones that live with their code; telling a name from a file or a query text.
* :mod:`kg.sparql.lexer` — tokens, variables, the WHERE clause, ``SERVICE``/``LOAD`` targets,
  the final ``ORDER BY``, the nesting guard.
* :mod:`kg.sparql.params` — ``name=value`` bound as RDF terms, never pasted into SPARQL.
* :mod:`kg.sparql.run` — :func:`run_query`.
* :mod:`kg.sparql.total_order` — every ``ORDER BY`` the embedded engine evaluates made a
  total order (the engine's sort aborts the process on values SPARQL does not compare).
* :mod:`kg.sparql.results` and :mod:`kg.sparql.writers` — :class:`QueryResult` and its writers,
  one per results format of :mod:`kg.formats`.

The names below are imported lazily: ``import kg.sparql`` loads nothing else.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "ExternalTarget": "kg.sparql.lexer",
    "MAX_NESTING": "kg.sparql.lexer",
    "check_nesting": "kg.sparql.lexer",
    "decode_escapes": "kg.sparql.lexer",
    "external_targets": "kg.sparql.lexer",
    "query_variables": "kg.sparql.lexer",
    "sparql_tokens": "kg.sparql.lexer",
    "split_order_by": "kg.sparql.lexer",
    "total_order": "kg.sparql.total_order",
    "QueryText": "kg.sparql.catalogue",
    "UnknownQuery": "kg.sparql.catalogue",
    "internal_queries": "kg.sparql.catalogue",
    "internal_query": "kg.sparql.catalogue",
    "load_query": "kg.sparql.catalogue",
    "named_queries": "kg.sparql.catalogue",
    "query_header": "kg.sparql.catalogue",
    "query_kind": "kg.sparql.catalogue",
    "bind_params": "kg.sparql.params",
    "engine_term": "kg.sparql.params",
    "param_term": "kg.sparql.params",
    "run_query": "kg.sparql.run",
    "QueryResult": "kg.sparql.results",
    "format_result": "kg.sparql.results",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'kg.sparql' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
