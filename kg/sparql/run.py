"""Running a query against a store: parameters bound, the answer sorted by kg when it can.

On the embedded store a final ``ORDER BY`` of answer columns is split off
(:func:`kg.sparql.lexer.split_order_by`) and the rows sorted by :mod:`kg.ordering`: the
engine's ORDER BY re-reads long strings from disk at every comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from kg.errors import QueryError
from kg.sparql.catalogue import QueryText
from kg.sparql.lexer import check_nesting, split_order_by
from kg.sparql.params import bind_params, choose_text
from kg.sparql.results import QueryResult

if TYPE_CHECKING:
    from kg.store import Store, Term

__all__ = ["run_query"]


def run_query(
    store: Store,
    query: str | QueryText,
    params: Mapping[str, str | Term] | None = None,
    *,
    prefixes: Mapping[str, str] | None = None,
    engine_terms: bool = False,
) -> QueryResult:
    """Run a query (text or :class:`QueryText`) with parameters bound safely.

    With ``engine_terms`` the rows of a SELECT answer may hold the store's engine terms
    (see ``Store.query``) instead of rdflib terms: the result writers of
    :mod:`kg.sparql.writers` take either, and on the embedded store neither rdflib nor the
    HTTP stack is loaded. Raises ``QueryError`` naming the query, with the parser's message
    on one line.
    """
    name = query.name if isinstance(query, QueryText) else "query"
    text = query.text if isinstance(query, QueryText) else query
    if params and isinstance(query, QueryText):
        text = choose_text(query, params)  # the same answer; from bound values, index lookups beat scans
    named = isinstance(query, QueryText) and query.named
    from kg.store import check_syntax  # deferred: the store is open, so loaded
    from kg.store.base import collector_paused

    try:
        check_nesting(text)
        check_syntax(text, prefixes=prefixes)
        bound = bind_params(text, params or {}, columns_only=named)
    except QueryError as error:
        raise QueryError(f"{name}: {error}") from None
    # The embedded engine's ORDER BY re-reads long strings from disk at every comparison:
    # kg sorts the answer itself when it can (kg.ordering), and lets the engine order the rest.
    if store.fast_order_by:
        split = None
    elif isinstance(query, QueryText) and bound is query.text:
        split = query.order_split
    else:
        split = split_order_by(bound)
    try:
        with collector_paused():
            answer = store.query(split[0] if split else bound, prefixes=prefixes, engine_terms=engine_terms)
            if split and isinstance(answer, tuple):
                from kg.ordering import sort_rows  # only when kg sorts the answer

                ordered = sort_rows(answer[0], answer[1], split[1])
                answer = (answer[0], ordered) if ordered is not None else store.query(
                    bound, prefixes=prefixes, engine_terms=engine_terms)
    except QueryError as error:
        if bound is not text:
            raise QueryError(f"{name}: cannot bind parameters: {error}") from None
        raise QueryError(f"{name}: {error}") from None
    if isinstance(answer, bool):
        return QueryResult("ask", boolean=answer)
    if isinstance(answer, tuple):
        variables, rows = answer
        return QueryResult("select", vars=variables, rows=rows)
    return QueryResult("graph", graph=answer)

