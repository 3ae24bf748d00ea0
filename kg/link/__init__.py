"""Linking the graph with open data: Wikidata, GeoNames, ISO 3166, time-aware group membership.

``kg link`` joins the actors the articles name to the world's open data:

* every country ``owl:sameAs`` its Wikidata item and its GeoNames feature, with ISO 3166-1
  codes, short and official names and UN region; organisations and persons ``owl:sameAs``
  their Wikidata item when a verified identifier exists — never on a guess;
* groups of states (the EU) expanded into their member states as of each agreement's date,
  marked as inferred, from membership data in Wikidata's own model (P463 with P580/P582);
* the roles articles give linked persons compared with the positions they held (P39) then.

Offline by default (the bundled snapshot, ``kg/data/links``), or live against a
Wikidata-shaped SPARQL endpoint — the same query files (``kg/link/queries``) either way.

Public API (imported lazily: importing ``kg.link`` does no I/O)::

    from kg.link import Snapshot, SnapshotSource, EndpointSource, link_store
    with Store.open("kg-store", create=False) as store:
        report = link_store(store, SnapshotSource(Snapshot.load()))

Modules: ``actors`` (what is read from the store), ``sources`` (snapshot / endpoint),
``resolve`` (candidates and ranking), ``groups`` (group expansion), ``roles`` (roles at the
date), ``triples`` (the links graph), ``linker`` (``link_store``), ``refresh``
(``refresh_snapshot``), ``report``, ``federation`` (SERVICE clauses in user queries),
``snapshot``, ``sparql``, ``vocab``, ``iris``, ``errors``.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "EndpointError",
    "EndpointSource",
    "LINKS_GRAPH",
    "LinkError",
    "LinkReport",
    "Snapshot",
    "SnapshotError",
    "SnapshotSource",
    "check_services",
    "link_store",
    "refresh_snapshot",
    "service_endpoints",
]

_WHERE = {
    "EndpointError": "kg.link.errors",
    "LinkError": "kg.link.errors",
    "SnapshotError": "kg.link.errors",
    "EndpointSource": "kg.link.sources",
    "SnapshotSource": "kg.link.sources",
    "LINKS_GRAPH": "kg.rdf.iris",
    "LinkReport": "kg.link.linker",
    "link_store": "kg.link.linker",
    "Snapshot": "kg.link.snapshot",
    "refresh_snapshot": "kg.link.refresh",
    "check_services": "kg.link.federation",
    "service_endpoints": "kg.link.federation",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'kg.link' has no attribute {name!r}")
