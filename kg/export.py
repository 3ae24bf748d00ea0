"""Export a store (or one of its graphs) to an RDF file, atomically.

Dataset syntaxes (N-Quads, TriG, JSON-LD) keep the named graphs; triple syntaxes (Turtle,
N-Triples, RDF/XML) get the union of all graphs, each distinct triple once. The file is
written to a temporary file beside the target and renamed over it only when complete, so a
crash or a serialisation error never leaves a truncated file and never touches an existing
one. ``-`` writes to stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import URIRef

from kg.atomic import write_atomically
from kg.errors import KgError, StoreError
from kg.formats import Format
from kg.store import Store, to_engine

__all__ = ["export_store"]


def _engine_format(fmt: Format) -> ox.RdfFormat:
    engine_format = ox.RdfFormat.from_media_type(fmt.media_type)
    if engine_format is None:
        raise StoreError(f"cannot export as {fmt.name}: the RDF engine does not write {fmt.media_type}")
    return engine_format


def _engine_quads(store: Store, graph: URIRef | None) -> Iterator[ox.Quad]:
    for s, p, o, g in store.quads(graph):
        name = ox.DefaultGraph() if g is None else to_engine(g)
        yield ox.Quad(to_engine(s), to_engine(p), to_engine(o), name)


def _engine_triples(store: Store, graph: URIRef | None) -> Iterator[ox.Triple]:
    for s, p, o in store.triples(graph):
        yield ox.Triple(to_engine(s), to_engine(p), to_engine(o))


def _serialize(
    store: Store,
    fmt: Format,
    out: BinaryIO,
    graph: URIRef | None,
    prefixes: Mapping[str, str] | None,
) -> None:
    """Write the store (or one graph) to a binary stream in ``fmt``."""
    engine_format = _engine_format(fmt)
    items: Iterator[ox.Quad] | Iterator[ox.Triple]
    if fmt.keeps_graphs:
        items = _engine_quads(store, graph)
    else:
        items = _engine_triples(store, graph)
    options: dict[str, object] = {}
    if prefixes and fmt.name in ("turtle", "trig", "rdfxml", "jsonld"):
        options["prefixes"] = dict(prefixes)
    ox.serialize(items, out, engine_format, **options)


def export_store(
    store: Store,
    fmt: Format,
    out_path: str | Path,
    graph: URIRef | None = None,
    *,
    prefixes: Mapping[str, str] | None = None,
) -> None:
    """Write the whole store, or the named graph ``graph``, to ``out_path`` ("-" = stdout) in ``fmt``.

    ``prefixes`` (prefix → namespace IRI) shorten IRIs in syntaxes that support them.
    Raises ``StoreError`` when the file cannot be written; an existing file is then untouched.
    """
    if not fmt.is_rdf:
        raise StoreError(f"{fmt.name} is not an RDF format; a store can only be exported as RDF")
    if graph is not None and not store.has_graph(graph):
        raise StoreError(f"store {store.location} has no graph <{graph}>")
    if str(out_path) == "-":
        stream = getattr(sys.stdout, "buffer", None)
        if stream is not None:
            sys.stdout.flush()
            _guarded(store, fmt, stream, graph, prefixes, "stdout")
            stream.flush()
        else:  # a text-only stdout (e.g. redirected in tests): go through memory
            import io

            buffer = io.BytesIO()
            _guarded(store, fmt, buffer, graph, prefixes, "stdout")
            sys.stdout.write(buffer.getvalue().decode("utf-8"))
        return
    write_atomically(Path(out_path),
                     lambda handle: _guarded(store, fmt, handle, graph, prefixes, str(out_path)),
                     StoreError)


def _guarded(
    store: Store,
    fmt: Format,
    out: BinaryIO,
    graph: URIRef | None,
    prefixes: Mapping[str, str] | None,
    where: str,
) -> None:
    """Serialise, turning engine failures into ``StoreError`` naming the destination."""
    try:
        _serialize(store, fmt, out, graph, prefixes)
    except KgError:
        raise
    except (ValueError, SyntaxError, RuntimeError) as error:
        raise StoreError(f"cannot export {store.location} as {fmt.name} to {where}: {' '.join(str(error).split())}") from None
