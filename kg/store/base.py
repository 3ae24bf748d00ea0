"""What a kg store is: the :class:`Store` protocol both stores implement.

:class:`kg.store.embedded.EmbeddedStore` (Oxigraph in this process, on disk or in memory) and
:class:`kg.store.remote.RemoteStore` (a SPARQL 1.1 server) are siblings behind it; callers
(the build, the importer, queries, linking, the HTTP endpoint, exports) use only what is
declared here, and ask a store's capabilities (``supports_bulk_load``, ...) instead of its
class. Stores whose ``supports_bulk_load`` is true are also :class:`BulkStore`. The two
implementations subclass the protocol, inheriting its few shared methods (``open``, the
context manager, ``__contains__``, ``graph``, ``dataset``), and nothing else of each other.

This module imports nothing heavy: the rdflib types below are for annotations only.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib import Dataset, Graph, URIRef
    from rdflib.term import Node

    from kg.store.terms import Quad, QueryAnswer, Term, Triple

__all__ = ["MEMORY", "BulkStore", "Store", "collector_paused", "is_remote", "one_line"]

MEMORY = ":memory:"
"""The location of a new, empty in-memory store."""

_REMOTE = re.compile(r"^https?://", re.IGNORECASE)


def is_remote(location: object) -> bool:
    """True when a store location is an ``http(s)://`` URL (a SPARQL endpoint), not a path."""
    return isinstance(location, str) and bool(_REMOTE.match(location))


def one_line(message: object) -> str:
    """``message`` as one line: runs of white space (newlines too) become one space."""
    return " ".join(str(message).split())


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a large answer is read into terms (and sorted):
    they form no reference cycles, and the collector would otherwise walk the growing answer
    again and again (5–10% of reading a 28,000-row answer into rdflib terms)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Store(Protocol):
    """A set of named graphs whose union is the default graph of its SPARQL queries.

    Terms crossing the interface are rdflib terms (``URIRef``, ``BNode``, ``Literal``). Every
    method raises ``StoreError`` (naming the store, never a credential) when the store fails,
    and ``QueryError`` for malformed SPARQL. Use a store as a context manager, or ``close`` it.
    Open one with :func:`kg.store.open` (``Store.open`` is the same function).
    """

    read_only: bool
    """True when the store was opened for reading only: every write raises ``StoreError``."""

    supports_bulk_load: bool
    """True when the store is a :class:`BulkStore`: new graphs in bulk, one transaction per call."""

    supports_optimize: bool
    """True when :meth:`optimize` can compact files this process manages (an embedded store on disk)."""

    fast_order_by: bool
    """False when the engine's ``ORDER BY`` is slow on long strings (the embedded engine re-reads
    them from disk at every comparison), so a caller had better sort the answer itself; True
    when the query should be sent as it is (a server orders its own answers)."""

    strict_casts: bool
    """True when an XSD cast of an ill-typed literal gives no value in a query, as
    :func:`kg.store.ill_typed_query` needs (the embedded engine; a server's engine is unknown)."""

    # -- opening and closing

    @staticmethod
    def open(location: str | os.PathLike[str] | None, *, create: bool = True, read_only: bool = False,
             remote: object | None = None) -> Store:
        """Open a store: the same as :func:`kg.store.open` (kept here for ``Store.open(path)``)."""
        from kg.store import open as open_store

        return open_store(location, create=create, read_only=read_only, remote=remote)

    @property
    def location(self) -> str:
        """The store for messages: its path, ``:memory:`` or its endpoint URL."""
        ...

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        ...

    def close(self) -> None:
        """Release the store (and a writer's lock). Closing twice is harmless."""
        ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def flush(self) -> None:
        """Make every committed write durable."""
        ...

    def optimize(self) -> bool:
        """Compact the store's files; True if it did (see ``supports_optimize``)."""
        ...

    # -- writing

    def replace_graph(self, graph_iri: URIRef, triples: Iterable[Triple]) -> None:
        """Replace the named graph ``graph_iri`` by ``triples``, atomically; empty drops it."""
        ...

    def replace_graph_ntriples(self, graph_iri: URIRef, ntriples: str, *, drop: Iterable[URIRef] = ()) -> None:
        """Replace the named graph ``graph_iri`` by N-Triples text, atomically, and remove the graphs in ``drop``."""
        ...

    def replace_graphs_ntriples(self, graphs: Mapping[URIRef, str]) -> None:
        """Replace several named graphs, each by N-Triples text."""
        ...

    def drop_graph(self, graph_iri: URIRef) -> bool:
        """Remove a named graph; False if there was no such graph."""
        ...

    def add_quads(self, quads: Iterable[Quad | tuple[Node, Node, Node, object]]) -> int:
        """Add quads to their named graphs (and to the union); returns the number read."""
        ...

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
        """Run a SPARQL 1.1 Update; the default graph is the union again afterwards."""
        ...

    # -- reading

    def graphs(self) -> list[URIRef]:
        """The IRIs of the named graphs, sorted."""
        ...

    def has_graph(self, graph_iri: URIRef) -> bool:
        """True if the named graph exists."""
        ...

    def __contains__(self, graph_iri: object) -> bool:
        from rdflib import URIRef

        return isinstance(graph_iri, URIRef) and self.has_graph(graph_iri)

    def graph(self, graph_iri: URIRef) -> Graph:
        """A copy of one named graph as an in-memory rdflib Graph (empty if absent)."""
        from rdflib import Graph

        copy = Graph(identifier=graph_iri)
        for s, p, o, _g in self.quads(graph_iri):
            copy.add((s, p, o))
        return copy

    def dataset(self) -> Dataset:
        """A copy of the whole store (its named graphs) as an in-memory rdflib Dataset.

        The copy's ``default_union`` is on, so rdflib queries see the same union as the store's.
        """
        from rdflib import Dataset

        copy = Dataset(default_union=True)
        for s, p, o, g in self.quads():
            # rdflib's annotation wants a Graph as the quad's fourth item; it takes a graph's name too
            copy.add((s, p, o, g))  # type: ignore[arg-type]
        return copy

    def quads(self, graph_iri: URIRef | None = None) -> Iterator[Quad]:
        """The quads of every named graph (sorted by graph), or of one."""
        ...

    def triples(self, graph_iri: URIRef | None = None) -> Iterator[Triple]:
        """The triples of one named graph, or of the union (each triple once)."""
        ...

    def get_value(self, graph_iri: URIRef, subject: Node, predicate: Node) -> Term | None:
        """One object of (subject, predicate, ?) in a named graph, or None."""
        ...

    def __len__(self) -> int:
        """The number of quads: triples counted once per named graph holding them."""
        ...

    def union_size(self, at_most: int | None = None) -> int:
        """The number of distinct triples of the union, counting no further than ``at_most``."""
        ...

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None = None,
              limit: int | None = None, engine_terms: bool = False) -> QueryAnswer:
        """Run a SPARQL query on the union: a bool, a Graph, or (variables, rows); ``limit`` caps rows or triples.

        With ``engine_terms`` a store may give a SELECT answer's rows in its own engine's terms
        (the embedded store: pyoxigraph terms, without loading rdflib) instead of rdflib
        terms; callers then read terms only through :func:`kg.sparql.writers.term_parts`.
        """
        ...

    def select_values(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """The rows of a SELECT query as plain strings (None when unbound)."""
        ...


class BulkStore(Store, Protocol):
    """A store that takes new graphs in bulk, each call one transaction (``supports_bulk_load``)."""

    def add_graphs(self, graphs: Iterable[tuple[URIRef, str]]) -> int:
        """Add new named graphs, each as N-Triples text, in one transaction; returns the quads."""
        ...

    def ingest_new_graphs(self, quads: Iterable[ox.Quad]) -> None:
        """Add engine quads (each with its union copy) to new named graphs in one atomic ingest."""
        ...
