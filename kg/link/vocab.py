"""The vocabularies linking speaks: Wikidata's RDF model, GeoNames, and kg's own link terms.

Wikidata's RDF dump format (https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format):
an item ``wd:Q…`` has "truthy" claims ``wdt:P…`` and full statements ``p:P…`` → statement node
→ ``ps:P…`` (the value), ``pq:P…`` (qualifiers such as start and end time) and
``wikibase:rank``. The bundled snapshot is written in that model, so the same SPARQL runs
against it and against a live endpoint.

Only the property numbers listed as verified in the snapshot's sources are used (see
``kg/data/links/README.md``); no class or item number is written in the code.
"""

from __future__ import annotations

import re
from typing import TypeGuard

from rdflib import Namespace, URIRef

from kg.namespaces import KGO, KGR

__all__ = [
    "GEONAMES",
    "KGO",
    "LINK_PREFIXES",
    "P",
    "PQ",
    "PS",
    "WD",
    "WDS",
    "WDT",
    "WIKIBASE",
    "WDQS",
    "geonames_iri",
    "is_item",
    "qid",
]

WD = Namespace("http://www.wikidata.org/entity/")
WDS = Namespace("http://www.wikidata.org/entity/statement/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
WIKIBASE = Namespace("http://wikiba.se/ontology#")
GEONAMES = Namespace("https://sws.geonames.org/")

WDQS = "https://query.wikidata.org/sparql"
"""The Wikidata Query Service, the default live endpoint."""

LINK_PREFIXES = (
    ("wd", WD),
    ("wdt", WDT),
    ("p", P),
    ("ps", PS),
    ("pq", PQ),
    ("wikibase", WIKIBASE),
    ("kgo", KGO),
    ("kgr", KGR),
)

_ITEM = re.compile(r"^http://www\.wikidata\.org/entity/(Q[1-9][0-9]*)$")


def is_item(term: object) -> TypeGuard[URIRef]:
    """True for a Wikidata item IRI (``http://www.wikidata.org/entity/Q42``)."""
    return isinstance(term, URIRef) and bool(_ITEM.match(str(term)))


def qid(term: object) -> str | None:
    """``"Q42"`` for a Wikidata item IRI, else None."""
    match = _ITEM.match(str(term)) if isinstance(term, URIRef) else None
    return match.group(1) if match else None


def geonames_iri(geonames_id: int) -> URIRef:
    """The GeoNames semantic-web IRI of a feature: ``https://sws.geonames.org/2800866/``."""
    return URIRef(f"{GEONAMES}{int(geonames_id)}/")
