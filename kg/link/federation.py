"""Federated queries: which endpoints a query's ``SERVICE`` clauses call, and whether that is allowed.

The store's engine (Oxigraph) evaluates ``SERVICE <url> { … }`` by sending the inner pattern
to ``url`` over HTTP. kg works offline unless the user names an endpoint, so a query that calls
a service should run only when every endpoint it calls was allowed (``--endpoint URL``):
:func:`check_services` raises a one-line ``QueryError`` otherwise. ``SERVICE ?variable`` (an
endpoint chosen by the data) is never allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kg.errors import QueryError
from kg.query import sparql_tokens

__all__ = ["check_services", "service_endpoints"]

_PREFIX = re.compile(r"^([A-Za-z][\w\-.]*)?:(.*)$")


def service_endpoints(text: str) -> list[str]:
    """The endpoints ``text`` calls with ``SERVICE [SILENT] <iri>|prefix:name|?var``, in order.

    A variable endpoint is returned as ``?name``. Comments and strings are skipped, so a
    ``SERVICE`` inside them is not a call.
    """
    tokens = sparql_tokens(text)
    prefixes: dict[str, str] = {}
    for index, (kind, value) in enumerate(tokens[:-2]):
        if kind == "word" and value.upper() == "PREFIX" and tokens[index + 2][0] == "iri":
            prefixes[tokens[index + 1][1].rstrip(":")] = tokens[index + 2][1][1:-1]
    found = []
    for index, (kind, value) in enumerate(tokens):
        if kind != "word" or value.upper() != "SERVICE":
            continue
        following = tokens[index + 1:index + 3]
        if following and following[0][0] == "word" and following[0][1].upper() == "SILENT":
            following = following[1:]
        if not following:
            continue
        target_kind, target = following[0]
        if target_kind == "iri":
            found.append(target[1:-1])
        elif target_kind == "var":
            found.append("?" + target[1:])
        elif target_kind == "word" and _PREFIX.match(target):
            prefix, local = _PREFIX.match(target).groups()
            found.append(prefixes.get(prefix or "", f"{prefix or ''}:") + local)
    return found


def check_services(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The endpoints ``text`` calls; ``QueryError`` when one of them is not in ``allowed``."""
    permitted = {url.rstrip("/") for url in allowed}
    endpoints = service_endpoints(text)
    for endpoint in endpoints:
        if endpoint.startswith("?"):
            raise QueryError(f"the query calls SERVICE {endpoint}: an endpoint taken from the data is never allowed")
        if endpoint.rstrip("/") not in permitted:
            raise QueryError(f"the query calls SERVICE <{endpoint}>, a live endpoint; kg works offline unless "
                             f"you allow it with --endpoint {endpoint}")
    return endpoints
