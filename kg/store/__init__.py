"""The quad store: named graphs on disk or in memory (Oxigraph), or on a SPARQL 1.1 server.

The store knows graphs, triples and SPARQL, never articles. Open one with :func:`open`:

* a folder (created unless ``create=False``), ``None`` or ``":memory:"`` gives an
  :class:`~kg.store.embedded.EmbeddedStore`: Oxigraph in this process, with a writer lock;
* an ``http://`` or ``https://`` URL of a SPARQL query endpoint gives a
  :class:`~kg.store.remote.RemoteStore`, whose settings (update and Graph Store endpoints,
  credentials) come from ``remote`` (a :class:`~kg.store.remote.RemoteSettings`), else from
  the URL itself when it is a :class:`~kg.store.remote.StoreURL`, else from the environment.

Both implement the :class:`Store` protocol (:mod:`kg.store.base`): one named graph per
article, ``replace_graph`` atomic, SPARQL queries whose default graph is the union (the RDF
merge) of the named graphs. Callers ask a store's capabilities (``supports_bulk_load``,
``supports_optimize``, ``fast_order_by``, ``strict_casts``), never its class.

The package's modules: :mod:`~kg.store.base` (the protocol), :mod:`~kg.store.terms` (engine
↔ rdflib terms, the quad checks), :mod:`~kg.store.sparql_text` (the SPARQL the stores send
for themselves, syntax checks), :mod:`~kg.store.embedded`, :mod:`~kg.store.remote`, and
:mod:`~kg.store.client` (the one SPARQL HTTP client and its results codec, also used by
``kg link --endpoint``). ``import kg.store`` loads none of rdflib, HTTP, the engine or
``logging``: each name below is imported from its module when first used.

rdflib's warning (with a traceback) for each ill-typed literal is silenced by a filter on its
``rdflib.term`` logger, set when :mod:`kg.store.terms` (rdflib's side of the store) is
imported, or by ``import kg.store`` when ``logging`` is already loaded (as it is once rdflib is).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any, cast

from kg.store.base import MEMORY, BulkStore, Store, is_remote, one_line

if TYPE_CHECKING:
    import logging

    from kg.store.embedded import LOCK_FILE, EmbeddedStore
    from kg.store.remote import RemoteSettings, RemoteStore, StoreURL
    from kg.store.sparql_text import (CHECKED_DATATYPES, check_syntax, check_update_syntax, ill_typed_query,
                                      surely_well_typed)
    from kg.store.terms import (
        Quad,
        QueryAnswer,
        Term,
        Triple,
        collector_paused,
        engine_triples,
        from_engine,
        to_engine,
        to_ntriples,
    )

__all__ = [
    "CHECKED_DATATYPES",
    "LOCK_FILE",
    "MEMORY",
    "BulkStore",
    "EmbeddedStore",
    "Quad",
    "QueryAnswer",
    "RemoteSettings",
    "RemoteStore",
    "Store",
    "StoreURL",
    "Term",
    "Triple",
    "check_syntax",
    "check_update_syntax",
    "collector_paused",
    "engine_triples",
    "from_engine",
    "ill_typed_query",
    "is_remote",
    "one_line",
    "open",
    "surely_well_typed",
    "to_engine",
    "to_ntriples",
]

_LAZY = {
    "LOCK_FILE": "kg.store.embedded",
    "EmbeddedStore": "kg.store.embedded",
    "RemoteSettings": "kg.store.remote",
    "RemoteStore": "kg.store.remote",
    "StoreURL": "kg.store.remote",
    "CHECKED_DATATYPES": "kg.store.sparql_text",
    "check_syntax": "kg.store.sparql_text",
    "check_update_syntax": "kg.store.sparql_text",
    "ill_typed_query": "kg.store.sparql_text",
    "surely_well_typed": "kg.store.sparql_text",
    "Quad": "kg.store.terms",
    "QueryAnswer": "kg.store.terms",
    "Term": "kg.store.terms",
    "Triple": "kg.store.terms",
    "collector_paused": "kg.store.base",
    "engine_triples": "kg.store.terms",
    "from_engine": "kg.store.terms",
    "to_engine": "kg.store.terms",
    "to_ntriples": "kg.store.terms",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kg.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _ill_typed_quiet(record: logging.LogRecord) -> bool:
    """A filter of the ``rdflib.term`` logger: drops rdflib's warning (with a traceback) for
    each literal whose lexical form is not valid for its datatype ("abc"^^xsd:integer): kg
    keeps such literals as written, and the commands that should say so (``kg import``,
    ``kg validate``) report them in one line each."""
    return not str(record.msg).startswith("Failed to convert Literal lexical form to value")


def quiet_ill_typed_literals() -> None:
    """Set :func:`_ill_typed_quiet` on rdflib's ``rdflib.term`` logger (once: a logger keeps
    one copy of a filter). Called by :mod:`kg.store.terms` when it loads rdflib."""
    import logging

    logging.getLogger("rdflib.term").addFilter(_ill_typed_quiet)


if "logging" in sys.modules:  # rdflib may be loaded, or be loaded without kg.store.terms: quiet it now
    quiet_ill_typed_literals()


def open(  # noqa: A001 - kg.store.open, as io.open and gzip.open
    location: str | os.PathLike[str] | None,
    *,
    create: bool = True,
    read_only: bool = False,
    remote: object | None = None,
) -> Store:
    """Open the store at ``location``: a SPARQL endpoint URL → a remote store, else a folder.

    ``None`` or ``":memory:"`` gives a new empty in-memory store. ``create=False`` refuses to
    create a missing folder store; ``read_only=True`` implies it, takes no lock, works while
    another process writes, and makes every write raise ``StoreError``. ``remote`` (a
    :class:`~kg.store.remote.RemoteSettings`) sets how a server is reached (see the module
    docstring). Raises ``StoreError`` with a one-line message when the store cannot be opened.
    """
    if isinstance(location, str) and is_remote(location):
        from kg.store.remote import RemoteStore

        # the docstring's contract: remote is a RemoteSettings (the signature says object), and a
        # StoreURL's settings are one
        settings = cast("RemoteSettings | None", remote or getattr(location, "settings", None))
        return RemoteStore.connect(str(location), settings=settings, read_only=read_only)
    from kg.store.embedded import EmbeddedStore

    return EmbeddedStore.open_at(None if location is None else os.fspath(location), create=create,
                                 read_only=read_only)
