"""Failures of linking, as ``KgError`` subclasses (one-line messages for the CLI)."""

from __future__ import annotations

from kg.errors import KgError

__all__ = ["EndpointError", "LinkError", "SnapshotError"]


class LinkError(KgError):
    """Linking could not be done (bad options, bad data from a source)."""


class SnapshotError(LinkError):
    """The offline snapshot is missing, unreadable or malformed."""


class EndpointError(LinkError):
    """A live SPARQL endpoint could not be reached, refused the query or gave no usable answer."""
