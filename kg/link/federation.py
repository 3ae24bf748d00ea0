"""Federated queries: which endpoints a query's ``SERVICE`` clauses call, and whether that is allowed.

The store's engine (Oxigraph) evaluates ``SERVICE <url> { … }`` by sending the inner pattern
to ``url`` over HTTP. kg works offline unless the user names an endpoint, so a query that calls
a service should run only when every endpoint it calls was allowed (``--endpoint URL``):
:func:`check_services` raises a one-line ``QueryError`` otherwise. ``SERVICE ?variable`` (an
endpoint chosen by the data) is never allowed.
"""

from __future__ import annotations

from collections.abc import Iterable

from kg.errors import QueryError
from kg.sparql.lexer import external_targets  # directly: kg.sparql's lazy names hide it from -X importtime

__all__ = ["check_services", "service_endpoints"]


def service_endpoints(text: str) -> list[str]:
    """The endpoints ``text`` calls with ``SERVICE [SILENT] <iri>|prefix:name|?var``, in order.

    Read by :func:`kg.sparql.external_targets` (comments and strings skipped, codepoint escapes
    decoded); an endpoint that cannot be known before running is returned as written
    (``?name``, ``prefix:name`` with an undeclared prefix).
    """
    return [t.iri if t.iri is not None else t.written for t in external_targets(text) if t.keyword == "SERVICE"]


def check_services(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The endpoints ``text`` calls; ``QueryError`` when one of them is not in ``allowed``."""
    permitted = {url.rstrip("/") for url in allowed}
    endpoints: list[str] = []
    for target in external_targets(text):
        if target.keyword != "SERVICE":
            continue
        if target.iri is None:
            if target.written.startswith("?"):
                raise QueryError(f"the query calls SERVICE {target.written}: an endpoint taken from the data "
                                 "is never allowed")
            raise QueryError(f"the query calls {target.problem}")
        if target.iri.rstrip("/") not in permitted:
            raise QueryError(f"the query calls SERVICE <{target.iri}>, a live endpoint; kg works offline unless "
                             f"you allow it with --endpoint {target.iri}")
        endpoints.append(target.iri)
    return endpoints
