"""IRIs minted by linking: the links graph, data sources, inferred memberships, role checks.

Built like every kg IRI (``KGR`` + normalised keys, see ``kg.rdf.iris``), deterministically, so
re-linking gives the identical graph.
"""

from __future__ import annotations

import hashlib

from rdflib import URIRef

from kg.namespaces import KGR
from kg.rdf.iris import normalise_key

__all__ = [
    "LINKS_GRAPH",
    "data_source_iri",
    "inferred_membership_iri",
    "role_check_iri",
    "snapshot_statement_iri",
]

LINKS_GRAPH = URIRef(KGR + "graph/links")
"""The named graph holding everything ``kg link`` adds; replaced as a whole on every run."""


def _digest(*parts: object, size: int = 12) -> str:
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:size]


def data_source_iri(kind: str, identity: str) -> URIRef:
    """``kgr:source/<kind>/<hash>``: a snapshot (by content) or an endpoint (by URL)."""
    return URIRef(f"{KGR}source/{normalise_key(kind)}/{_digest(identity)}")


def inferred_membership_iri(agreement: URIRef, member: URIRef, group: URIRef) -> URIRef:
    """``kgr:membership/inferred/<hash>``: a state's membership inferred from its group's."""
    return URIRef(f"{KGR}membership/inferred/{_digest(agreement, member, group)}")


def role_check_iri(post: URIRef, date: str, item: URIRef) -> URIRef:
    """``kgr:role-check/<hash>``: a post compared with a linked person's positions at a date."""
    return URIRef(f"{KGR}role-check/{_digest(post, date, item)}")


def snapshot_statement_iri(subject_qid: str, prop: str, value_qid: str, start: str | None) -> URIRef:
    """``kgr:snapshot/statement/Q145-P463-Q458-1973-01-01``: a statement of the bundled snapshot.

    Wikidata's own statement IRIs carry random ids the snapshot's sources do not give, so the
    snapshot names its statements in kg's namespace.
    """
    parts = [subject_qid, prop, value_qid] + ([start] if start else [])
    return URIRef(f"{KGR}snapshot/statement/{normalise_key('-'.join(parts)).upper()}")
