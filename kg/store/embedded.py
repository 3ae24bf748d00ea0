"""The quad store: named graphs on disk (Oxigraph/RocksDB) or in memory.

This module owns the storage engine and nothing else: it knows graphs, triples and SPARQL,
never articles. Everything goes through :class:`Store`:

* ``Store.open(path)`` opens (and by default creates) an on-disk store; ``None`` or
  ``":memory:"`` gives an in-memory one; an ``http://`` or ``https://`` URL gives a
  :class:`kg.remote.RemoteStore`, the same interface over a SPARQL 1.1 server. Writers hold ``PATH/.kg-lock`` (the writer's PID;
  a lock whose process is gone is taken over; RocksDB's own ``LOCK`` backs it up).
  Readers (``read_only=True``) take no lock and open the engine read-only: they see a
  snapshot of the store as it was when they opened it, even while a writer works on it.
  A writer's compaction can retire engine files such a snapshot still needs; the reader
  then reopens the store and runs that read again, seeing the store as of then (each read
  sees one version of the store; two reads in a row may see two). A reader never writes
  the store's data files. Keep readers short-lived and reopen to see new data.
* ``replace_graph`` swaps the content of one named graph in a single engine transaction, so
  a reader sees either the old or the new graph, never a mix.
* SPARQL queries see the union (the RDF merge: each triple once) of all named graphs as their
  default graph; ``GRAPH ?g`` ranges over the named graphs. ``query(..., limit=N)`` reads at
  most N rows or triples. ``update`` runs a SPARQL 1.1 Update and keeps the union whole.

How the union is made: the engine's own default graph is reserved for it. Every write puts a
triple in its named graph *and* in the default graph, and removing a graph removes from the
default graph the triples no other named graph holds, in the same transaction. Oxigraph's
``use_default_graph_as_union`` is not used because pyoxigraph 0.5 returns a triple once per
graph holding it (oxigraph issue #1919, fixed upstream in #1920), which would double rows and
counts. So the store's data are its named graphs; quads cannot be added to the default graph.

Terms crossing this module's boundary are rdflib terms (``URIRef``, ``BNode``, ``Literal``);
the engine's own types stay inside. The engine keeps literals of numeric and date types as
values, so their lexical forms come back canonical (``"007"^^xsd:integer`` → ``"7"``,
``"40.0"^^xsd:decimal`` → ``"40"``); compare such literals by value, not by text.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TypeVar, Union

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from kg.atomic import pid_alive
from kg.errors import QueryError, StoreError

__all__ = [
    "LOCK_FILE",
    "MEMORY",
    "Quad",
    "QueryAnswer",
    "Store",
    "Term",
    "Triple",
    "check_syntax",
    "check_update_syntax",
    "collector_paused",
    "engine_triples",
    "from_engine",
    "is_remote",
    "to_engine",
    "to_ntriples",
]

Term = Union[URIRef, BNode, Literal]
Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, URIRef]
"""(subject, predicate, object, named graph)."""

QueryAnswer = Union[bool, Graph, tuple[list[str], list[tuple[Union[Term, None], ...]]]]
"""What :meth:`Store.query` returns: ASK → bool, CONSTRUCT/DESCRIBE → Graph,
SELECT → (variable names, rows)."""

LOCK_FILE = ".kg-lock"
MEMORY = ":memory:"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_BATCH = 10_000
_READ_ATTEMPTS = 5
_T = TypeVar("_T")
_LOCK_GRACE_SECONDS = 5.0
_ENGINE_MARKER = "CURRENT"
_ENGINE_FILE = re.compile(r"^(CURRENT|IDENTITY|LOCK|LOG(\.old\..*)?|MANIFEST-\d+|OPTIONS-\d+|\d+\.(log|sst|blob)|bulk-\d+\.sst)$")
_BULK_FILE = re.compile(r"^bulk-\d+\.sst$")
"""Files the engine's bulk loader writes before it ingests them (and removes after): any found
by a writer that holds the lock were left by a writer killed while loading."""


class _IllTypedQuiet(logging.Filter):
    """Drops rdflib's warning (with a traceback) for each literal whose lexical form is not
    valid for its datatype ("abc"^^xsd:integer): kg keeps such literals as written, and the
    commands that should say so (``kg import``, ``kg validate``) report them in one line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to convert Literal lexical form to value")


logging.getLogger("rdflib.term").addFilter(_IllTypedQuiet())

_XSD = "http://www.w3.org/2001/XMLSchema#"
CHECKED_DATATYPES = ("integer", "decimal", "double", "float", "boolean", "date", "dateTime", "time",
                     "duration", "dayTimeDuration", "yearMonthDuration")
"""The XSD datatypes whose literals :func:`ill_typed_query` checks (those the engine can cast to)."""


def ill_typed_query(graphs: Iterable[URIRef]) -> str:
    """SPARQL counting the literals of ``graphs`` whose lexical form is not valid for their
    datatype (one of ``CHECKED_DATATYPES``), with one of them: ``?n``, ``?example``."""
    names = " ".join(str(_require_iri(graph)) for graph in graphs)
    cast = "?unbound"
    for name in reversed(CHECKED_DATATYPES):
        cast = f"IF(?d = <{_XSD}{name}>, <{_XSD}{name}>(STR(?o)), {cast})"
    types = ", ".join(f"<{_XSD}{name}>" for name in CHECKED_DATATYPES)
    return (f"SELECT (COUNT(?o) AS ?n) (SAMPLE(?o) AS ?example) WHERE {{ VALUES ?g {{ {names} }} "
            f"GRAPH ?g {{ ?s ?p ?o }} FILTER(isLiteral(?o)) BIND(DATATYPE(?o) AS ?d) FILTER(?d IN ({types})) "
            f"BIND({cast} AS ?value) FILTER(!BOUND(?value)) }}")


# --- term conversion -------------------------------------------------------------------


def _blank(label: str) -> ox.BlankNode:
    """An engine blank node for an rdflib label; labels the engine refuses are hashed."""
    try:
        return ox.BlankNode(label)
    except ValueError:
        return ox.BlankNode("h" + hashlib.sha1(label.encode("utf-8")).hexdigest())


def to_engine(term: Node, blanks: dict[BNode, ox.BlankNode] | None = None) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to an Oxigraph term (raises ValueError for invalid terms).

    With ``blanks``, each rdflib blank node is mapped to a fresh engine blank node, the
    same one for every occurrence in that mapping.
    """
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        if blanks is None:
            return _blank(str(term))
        if term not in blanks:
            blanks[term] = ox.BlankNode()
        return blanks[term]
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ValueError(f"not an RDF term: {term!r}")


def from_engine(term: object) -> Term | None:
    """Convert an Oxigraph term to an rdflib term, keeping literals' lexical forms."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype in (_XSD_STRING, _RDF_LANG_STRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise StoreError(f"unsupported RDF term from the store: {term!r} (RDF-star triple terms are not supported)")


class _Converted(dict):  # type: ignore[type-arg]
    """Engine terms (None for unbound) → rdflib terms, each converted once, when first looked up."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, term: object) -> Term | None:
        converted = self[term] = from_engine(term)
        return converted


def engine_triples(triples: Iterable[Triple], *, context: str = "") -> Iterator[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]]:
    """``triples`` as engine terms, checked; one engine blank node per rdflib blank node.

    Raises ``StoreError`` (naming ``context``, e.g. the graph) for a term or triple RDF cannot hold.
    """
    blanks: dict[BNode, ox.BlankNode] = {}
    where = f" in {context}" if context else ""
    for triple in triples:
        try:
            s, p, o = (to_engine(term, blanks) for term in triple)
        except (ValueError, TypeError) as error:
            raise StoreError(f"cannot store triple {triple!r}{where}: {error}") from None
        if not isinstance(p, ox.NamedNode) or isinstance(s, ox.Literal):
            raise StoreError(f"cannot store triple {triple!r}{where}: not a valid RDF triple")
        yield s, p, o


def to_ntriples(triples: Iterable[Triple], *, context: str = "") -> str:
    """N-Triples text of ``triples``, one line each ending in `` .\n``, written by the engine
    (see :func:`engine_triples` for blank nodes and errors)."""
    return "".join(f"{s} {p} {o} .\n" for s, p, o in engine_triples(triples, context=context))


def _graph_name(graph: object) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph:
    if graph is None or graph == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    if isinstance(graph, Graph):
        return _graph_name(graph.identifier)
    if isinstance(graph, (URIRef, BNode)):
        return to_engine(graph)  # type: ignore[return-value]
    raise ValueError(f"not a graph name: {graph!r}")


def _require_iri(graph_iri: object) -> ox.NamedNode:
    if not isinstance(graph_iri, URIRef):
        raise StoreError(f"a graph name must be an IRI (rdflib URIRef), not {graph_iri!r}")
    try:
        return ox.NamedNode(str(graph_iri))
    except ValueError as error:
        raise StoreError(f"invalid graph IRI <{graph_iri}>: {error}") from None


def _drop_update(name: ox.NamedNode) -> str:
    """SPARQL Update removing a named graph and, from the union, what only it held."""
    return (
        f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != {name}) }} }} ;\n"
        f"DROP SILENT GRAPH {name}"
    )


_UNION_RESYNC = (
    "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } } ;\n"
    "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
)
"""SPARQL Update making the default graph the union of the named graphs again."""

_REMOTE = re.compile(r"^https?://", re.IGNORECASE)


def is_remote(location: object) -> bool:
    """True when a store location is an ``http(s)://`` URL (a SPARQL endpoint), not a path."""
    return isinstance(location, str) and bool(_REMOTE.match(location))


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a large answer is turned into rdflib terms (and
    sorted): they form no reference cycles, and the collector would otherwise walk the growing
    answer again and again (5–10% of reading a 28,000-row answer)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_syntax(sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
    """Raise ``QueryError`` with the parser's message (one line) if ``sparql`` is not a valid query."""
    try:
        answer = ox.Store().query(sparql, prefixes=dict(prefixes) if prefixes else None)
    except SyntaxError as error:
        raise QueryError(f"syntax error: {_one_line(error.msg if error.msg else error)}") from None
    except (OSError, RuntimeError, ValueError):
        return  # parsed; evaluating against nothing failed, which is not a syntax problem
    del answer  # parsed fine; lazy results are never evaluated


def check_update_syntax(sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
    """Raise ``QueryError`` with the parser's message (one line) if ``sparql`` is not a valid update.

    The update is run against an empty in-memory store (the engine has no parse-only call),
    so check ``LOAD`` and ``SERVICE`` targets before calling this with untrusted text.
    """
    try:
        ox.Store().update(sparql, prefixes=dict(prefixes) if prefixes else None)
    except SyntaxError as error:
        raise QueryError(f"syntax error: {_one_line(error.msg if error.msg else error)}") from None
    except (OSError, RuntimeError, ValueError):
        return  # parsed; running it against nothing failed, which is not a syntax problem


# --- the writer lock -------------------------------------------------------------------


def _read_lock(lock: Path) -> int | None:
    """The PID in a lock file, or None when it is empty or unreadable."""
    try:
        text = lock.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        raise
    except OSError:
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def _publish_lock(directory: Path, lock: Path) -> bool:
    """Create ``lock`` already holding our PID, atomically; False if it exists.

    The PID is written to a private file first, which is then hard-linked to the lock's name
    (``link`` fails if the name exists): another process never sees the lock empty.
    """
    private = directory / f"{LOCK_FILE}.{os.getpid()}.tmp"
    try:
        fd = os.open(private, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o644)
        try:
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(private, lock)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: create, then write (briefly empty)
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            try:
                os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            finally:
                os.close(fd)
        return True
    except FileExistsError:
        return False
    except OSError as error:
        raise StoreError(f"cannot create lock file {lock}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            private.unlink()


def _acquire_lock(directory: Path) -> Path:
    """Create ``directory/.kg-lock`` holding our PID, taking over a stale lock."""
    lock = directory / LOCK_FILE
    for _attempt in range(3):
        if _publish_lock(directory, lock):
            return lock
        try:
            pid = _read_lock(lock)
        except FileNotFoundError:
            continue  # released meanwhile: try again
        if pid is not None and pid_alive(pid):
            mine = " (this process)" if pid == os.getpid() else ""
            raise StoreError(
                f"store {directory} is locked by PID {pid}{mine}; wait for it to finish "
                f"(or remove {lock} if that process is not a kg writer)"
            ) from None
        if pid is None:
            # Not written by kg (kg's locks are never empty): an old kg's lock being written,
            # or a damaged one. Give a young one time to be finished before taking it over.
            try:
                age = time.time() - lock.stat().st_mtime
            except FileNotFoundError:
                continue
            if age < _LOCK_GRACE_SECONDS:
                raise StoreError(f"store {directory} is being locked by another process; try again") from None
        # Stale: its writer is gone. Remove it and race for a fresh one.
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
    raise StoreError(f"could not lock store {directory}: the lock file {lock} keeps changing")


def _release_lock(lock: Path) -> None:
    """Remove our lock file (only if it still holds our PID)."""
    try:
        if _read_lock(lock) == os.getpid():
            lock.unlink()
    except OSError:
        pass


# --- the store -------------------------------------------------------------------------



def _open_read_only(directory: Path, attempts: int = 5) -> ox.Store:
    """A read-only engine over the store. A writer compacting at the same moment can retire a
    file the engine's manifest still names ("Corruption: ... No such file"); the next manifest
    is consistent again, so the open is retried a few times before it is reported."""
    for attempt in range(attempts):
        try:
            return ox.Store.read_only(str(directory))
        except (OSError, RuntimeError) as error:
            if attempt + 1 == attempts:
                raise StoreError(f"cannot open store {directory} for reading: {_one_line(error)}") from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")

def _remove_bulk_leftovers(directory: Path) -> None:
    """Remove the bulk loader's files a killed writer left (never ingested: the store does not
    hold their data). Called by a writer holding the lock, so no loader of ours is running."""
    with contextlib.suppress(OSError):
        for entry in os.listdir(directory):
            if _BULK_FILE.match(entry):
                with contextlib.suppress(OSError):
                    (directory / entry).unlink()


def _check_store_dir(path: Path) -> bool:
    """True if ``path`` holds a store, False if it is absent or empty; StoreError otherwise."""
    if not path.exists():
        return False
    if not path.is_dir():
        raise StoreError(f"{path} is not a kg store (it is a file, not a store directory)")
    try:
        entries = {entry for entry in os.listdir(path) if not entry.startswith(LOCK_FILE)}
    except OSError as error:
        raise StoreError(f"cannot read store directory {path}: {error.strerror or error}") from None
    if _ENGINE_MARKER in entries:
        return True
    if all(_ENGINE_FILE.match(entry) for entry in entries):
        return False  # empty, or an engine directory whose creation never finished
    raise StoreError(
        f"{path} is not a kg store (the directory holds other files); "
        "choose another --store path or an empty directory"
    )


class Store:
    """A set of named graphs, on disk or in memory; use as a context manager.

    Open with :meth:`Store.open`. All methods raise ``StoreError`` (with the store path)
    when the engine fails, and ``QueryError`` for malformed SPARQL.
    """

    embedded: bool = True
    """True when queries run on the embedded engine in this process (False: a remote store)."""

    def __init__(self, engine: ox.Store, path: Path | None, *, read_only: bool, lock: Path | None) -> None:
        self._engine: ox.Store | None = engine
        self.path = path
        self.read_only = read_only
        self._lock = lock

    # -- opening and closing

    @classmethod
    def open(
        cls,
        path: str | Path | None,
        *,
        create: bool = True,
        read_only: bool = False,
        remote: object | None = None,
    ) -> Store:
        """Open the store at ``path`` (None or ":memory:" → a new empty in-memory store).

        ``create=False`` refuses to create a missing store; ``read_only=True`` implies it,
        takes no lock and works while another process writes.

        An ``http(s)://`` URL opens a :class:`kg.remote.RemoteStore` on that SPARQL query
        endpoint; its connection settings (update and Graph Store endpoints, credentials)
        come from ``remote`` (a :class:`kg.remote.RemoteSettings`), else from the URL
        object itself when it is a :class:`kg.remote.StoreURL`, else from the environment.
        """
        if is_remote(path if not isinstance(path, Path) else None):
            from kg.remote import RemoteStore  # deferred: only remote stores need HTTP

            return RemoteStore.connect(str(path), settings=remote or getattr(path, "settings", None),
                                       read_only=read_only)
        if path is None or str(path) == MEMORY:
            return cls(ox.Store(), None, read_only=read_only, lock=None)
        directory = Path(path)
        exists = _check_store_dir(directory)
        if not exists and (read_only or not create):
            raise StoreError(f"no store at {directory} (run kg build first)")
        if read_only:
            return cls(_open_read_only(directory), directory, read_only=True, lock=None)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create store directory {directory}: {error.strerror or error}") from None
        lock = _acquire_lock(directory)
        _remove_bulk_leftovers(directory)
        try:
            engine = ox.Store(str(directory))
        except (OSError, RuntimeError) as error:  # RuntimeError: "Corruption: …" of damaged files
            _release_lock(lock)
            message = _one_line(error)
            if "lock" in message.lower():
                raise StoreError(f"store {directory} is in use by another process ({message})") from None
            raise StoreError(f"cannot open store {directory}: {message}") from None
        except BaseException:
            _release_lock(lock)
            raise
        return cls(engine, directory, read_only=False, lock=lock)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.path if self.path is not None else MEMORY
        mode = "read-only" if self.read_only else "read-write"
        state = "closed" if self._engine is None else mode
        return f"<Store {where} ({state})>"

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._engine is None

    @property
    def location(self) -> str:
        """The store path for messages (":memory:" for an in-memory store)."""
        return str(self.path) if self.path is not None else MEMORY

    def flush(self) -> None:
        """Make every committed write durable on disk (a no-op in memory or read-only)."""
        engine = self._live()
        if self.path is None or self.read_only:
            return
        try:
            engine.flush()
        except OSError as error:
            raise self._error("flush", error) from None

    def optimize(self) -> bool:
        """Compact the engine's files (a full RocksDB compaction); True if it did, False for a
        store in memory, which has no files.

        After a large load, reads touch fewer files: the named queries ran about a quarter
        faster on a compacted 1.2M-quad store. Readers already open keep working (see
        :meth:`_read`). Takes about 2–3 s per million quads.
        """
        engine = self._writable()
        if self.path is None:
            return False
        try:
            engine.optimize()
        except OSError as error:
            raise self._error("compact", error) from None
        return True

    def close(self) -> None:
        """Flush, release the engine and the writer lock. Closing twice is harmless."""
        if self._engine is None:
            return
        try:
            self.flush()
        finally:
            self._engine = None  # drops the engine: RocksDB closes its files
            if self._lock is not None:
                _release_lock(self._lock)
                self._lock = None

    # -- helpers

    def _live(self) -> ox.Store:
        if self._engine is None:
            raise StoreError(f"store {self.location} is closed")
        return self._engine

    def _writable(self) -> ox.Store:
        engine = self._live()
        if self.read_only:
            raise StoreError(f"store {self.location} is open read-only")
        return engine

    def _error(self, action: str, error: BaseException) -> StoreError:
        return StoreError(f"store {self.location}: cannot {action}: {_one_line(error)}")

    # -- writing

    def replace_graph(self, graph_iri: URIRef, triples: Iterable[Triple]) -> None:
        """Replace the content of the named graph ``graph_iri`` by ``triples``, atomically.

        Blank nodes become fresh ones, shared within the graph. An empty ``triples`` drops the
        graph. See :meth:`replace_graph_ntriples`, which this calls.
        """
        self._writable()
        self.replace_graph_ntriples(graph_iri, to_ntriples(triples, context=f"<{graph_iri}>"))

    def replace_graph_ntriples(self, graph_iri: URIRef, ntriples: str, *, drop: Iterable[URIRef] = ()) -> None:
        """Replace the content of the named graph ``graph_iri`` by N-Triples text, atomically.

        Runs as one SPARQL Update (remove the graph's triples from the union, ``DROP SILENT
        GRAPH``, ``INSERT DATA`` into the graph and the union), which the engine applies in a
        single transaction: readers see the old or the new graph, never a mix. ``ntriples``
        must be N-Triples (as :func:`to_ntriples` writes it); blank nodes become fresh ones,
        shared within the graph. Empty text drops the graph. The graphs in ``drop`` (an
        earlier version of the same article under another name) are removed in the same
        transaction.
        """
        engine = self._writable()
        name = _require_iri(graph_iri)
        update = _drop_update(name)
        for other in drop:
            update += " ;\n" + _drop_update(_require_iri(other))
        if ntriples.strip():
            update += f" ;\nINSERT DATA {{\nGRAPH {name} {{\n{ntriples}\n}}\n{ntriples}\n}}"
        try:
            engine.update(update)
        except (OSError, SyntaxError, RuntimeError, ValueError) as error:
            raise self._error(f"replace graph <{graph_iri}>", error) from None

    def replace_graphs_ntriples(self, graphs: Mapping[URIRef, str]) -> None:
        """Replace several named graphs, each by N-Triples text, in one SPARQL Update (one
        transaction): readers see all of them old or all of them new. Blank nodes become
        fresh ones, shared across the call. See :meth:`replace_graph_ntriples`."""
        engine = self._writable()
        names = [(_require_iri(graph_iri), ntriples) for graph_iri, ntriples in graphs.items()]
        if not names:
            return
        update = " ;\n".join(_drop_update(name) for name, _text in names)
        named = "".join(f"GRAPH {name} {{\n{text}\n}}\n" for name, text in names if text.strip())
        union = "".join(f"{text}\n" for _name, text in names if text.strip())
        if named:
            update += f" ;\nINSERT DATA {{\n{named}{union}}}"
        try:
            engine.update(update)
        except (OSError, SyntaxError, RuntimeError, ValueError) as error:
            raise self._error(f"replace graphs <{names[0][0].value}> ...", error) from None

    def add_graphs(self, graphs: Iterable[tuple[URIRef, str]]) -> int:
        """Add new named graphs, each given as N-Triples text, in one transaction; returns the quads.

        The bulk path for new graphs: the engine parses the text itself (no per-term work in
        Python) and writes every graph and its union copy in a single transaction, so a
        failure or a crash leaves none of them. The graphs must not exist yet (their triples
        would be added to the old ones). ``ntriples`` must be N-Triples as :func:`to_ntriples`
        writes it: one triple per line, each line ending in `` .``. Blank nodes become fresh
        ones, shared within the call.
        """
        engine = self._writable()
        named: list[str] = []
        union: list[str] = []
        count = 0
        for graph_iri, ntriples in graphs:
            name = _require_iri(graph_iri)
            if not ntriples:
                continue
            if not ntriples.endswith("\n"):
                ntriples += "\n"
            # Every line ends in " .\n" (a newline inside a literal is always escaped), so the
            # graph name goes in before it.
            named.append(ntriples.replace(" .\n", f" {name} .\n"))
            union.append(ntriples)
            count += ntriples.count("\n")
        if not named:
            return 0
        try:
            engine.load("".join(named) + "".join(union), ox.RdfFormat.N_QUADS)
        except (OSError, SyntaxError, RuntimeError, ValueError) as error:
            raise self._error("add graphs", error) from None
        return count

    def ingest_new_graphs(self, quads: Iterable[ox.Quad]) -> None:
        """Add engine quads to new named graphs in one atomic ingest; ``quads`` must hold each
        quad of a named graph *and* its copy in the default graph (the union), as the caller
        writes them (no per-quad work here: this is the bulk path of ``kg import``).

        The engine's bulk loader writes the quads into files and ingests them all at once when
        ``quads`` is exhausted, so readers see every one of them or none; an exception raised
        while ``quads`` is read (a parse error on the last line, say) leaves the store as it
        was, and so does a crash before the end. The graphs must not exist yet (their quads
        would be added to the old ones).
        """
        engine = self._writable()
        try:
            engine.bulk_extend(quads)
        except OSError as error:
            raise self._error("load graphs", error) from None

    def drop_graph(self, graph_iri: URIRef) -> bool:
        """Remove a named graph and its triples; False if there was no such graph."""
        engine = self._writable()
        name = _require_iri(graph_iri)
        try:
            if not engine.contains_named_graph(name):
                return False
            engine.update(_drop_update(name))
        except (OSError, SyntaxError, RuntimeError) as error:
            raise self._error(f"drop graph <{graph_iri}>", error) from None
        return True

    def add_quads(self, quads: Iterable[Quad | tuple[Node, Node, Node, object]]) -> int:
        """Add quads to their named graphs (and to the union); returns the number read.

        Meant for bulk loading: quads are written in batches, each batch one transaction.
        Blank nodes keep their labels, so the same label in two batches is one node. A quad
        without a graph name (None or rdflib's default graph) raises ``StoreError``.
        """
        engine = self._writable()
        batch: list[ox.Quad] = []
        count = 0
        try:
            for quad in quads:
                s, p, o, g = quad
                try:
                    graph_name = _graph_name(g)
                    terms = (to_engine(s), to_engine(p), to_engine(o))
                    if isinstance(graph_name, ox.DefaultGraph):
                        raise ValueError(
                            "no graph name: the default graph is the union of the named graphs, "
                            "give every quad a named graph"
                        )
                    batch.append(ox.Quad(*terms, graph_name))
                    batch.append(ox.Quad(*terms, ox.DefaultGraph()))
                except (ValueError, TypeError) as error:
                    raise StoreError(f"cannot store quad {quad!r}: {error}") from None
                count += 1
                if len(batch) >= 2 * _BATCH:
                    engine.extend(batch)
                    batch = []
            if batch:
                engine.extend(batch)
        except OSError as error:
            raise self._error("add quads", error) from None
        return count

    # -- reading

    def _read(self, action: str, operation: Callable[[ox.Store], _T]) -> _T:
        """Run a read on the engine; a read-only view that lost files to a writer is reopened.

        A writer compacting the store retires engine files a read-only view opened earlier may
        still need ("No such file"). The view is then reopened, which sees the store as of
        now, and the read is run again from the start, so each read sees one version.
        """
        for attempt in range(_READ_ATTEMPTS):
            engine = self._live()
            try:
                return operation(engine)
            except OSError as error:
                if not (self.read_only and self.path is not None) or attempt + 1 == _READ_ATTEMPTS:
                    raise self._error(action, error) from None
                self._engine = _open_read_only(self.path)
        raise AssertionError("unreachable")

    def graphs(self) -> list[URIRef]:
        """The IRIs of the named graphs, sorted."""
        names = self._read("list graphs", lambda engine: [
            g.value for g in engine.named_graphs() if isinstance(g, ox.NamedNode)])
        return [URIRef(value) for value in sorted(names)]

    def has_graph(self, graph_iri: URIRef) -> bool:
        """True if the named graph exists."""
        name = _require_iri(graph_iri)
        return self._read("read graphs", lambda engine: bool(engine.contains_named_graph(name)))

    def graph(self, graph_iri: URIRef) -> Graph:
        """A copy of one named graph as an in-memory rdflib Graph (empty if absent)."""
        copy = Graph(identifier=graph_iri)
        for s, p, o, _g in self.quads(graph_iri):
            copy.add((s, p, o))
        return copy

    def dataset(self) -> Dataset:
        """A copy of the whole store (its named graphs) as an in-memory rdflib Dataset.

        The copy's ``default_union`` is on, so rdflib queries see the same union as ours.
        """
        copy = Dataset(default_union=True)
        for s, p, o, g in self.quads():
            copy.add((s, p, o, g))
        return copy

    def _stream(self, action: str, pattern: tuple[object, object, object, object]) -> Iterator[ox.Quad]:
        """The engine's quads matching ``pattern``, streamed.

        The first block is read through :meth:`_read` (so a read-only view that lost files is
        reopened and the read starts again); the rest streams from the same engine iterator,
        one version of the store. Losing files after the first block raises ``StoreError``.
        """
        def start(engine: ox.Store) -> tuple[Iterator[ox.Quad], list[ox.Quad]]:
            found = iter(engine.quads_for_pattern(*pattern))
            return found, list(itertools.islice(found, _BATCH))

        found, head = self._read(action, start)
        yield from head
        try:
            yield from found
        except OSError as error:
            raise self._error(action, error) from None

    def quads(self, graph_iri: URIRef | None = None) -> Iterator[Quad]:
        """The quads of every named graph (sorted by graph), or of one named graph."""
        names = [_require_iri(graph_iri)] if graph_iri is not None else [to_engine(g) for g in self.graphs()]
        for name in names:
            graph = URIRef(name.value)
            for quad in self._stream("read quads", (None, None, None, name)):
                yield (from_engine(quad.subject), from_engine(quad.predicate), from_engine(quad.object), graph)

    def triples(self, graph_iri: URIRef | None = None) -> Iterator[Triple]:
        """The triples of one named graph, or of the union of all graphs (each triple once)."""
        name = _require_iri(graph_iri) if graph_iri is not None else ox.DefaultGraph()
        for quad in self._stream("read triples", (None, None, None, name)):
            yield (from_engine(quad.subject), from_engine(quad.predicate), from_engine(quad.object))  # type: ignore[misc]

    def get_value(self, graph_iri: URIRef, subject: Node, predicate: Node) -> Term | None:
        """One object of (subject, predicate, ?) in a named graph, or None."""
        try:
            pattern = (to_engine(subject), to_engine(predicate), None, _require_iri(graph_iri))
        except ValueError as error:
            raise StoreError(f"invalid term in lookup: {error}") from None
        first = self._read("read a value", lambda engine: next(iter(engine.quads_for_pattern(*pattern)), None))
        return from_engine(first.object) if first is not None else None

    def __len__(self) -> int:
        """The number of quads: triples counted once per named graph holding them."""
        def count(engine: ox.Store) -> int:
            union = engine.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            return len(engine) - int(next(iter(union))[0].value)

        return self._read("count quads", count)

    def union_size(self, at_most: int | None = None) -> int:
        """The number of distinct triples in the union of all graphs; with ``at_most``, the
        count stops there (the answer is then at most ``at_most``): asking "more than N?" of a
        large store need not count all of it."""
        pattern = "?s ?p ?o" if at_most is None else f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {int(at_most)}"
        return self._read("count triples", lambda engine: int(
            next(iter(engine.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")))[0].value))

    def __contains__(self, graph_iri: object) -> bool:
        return isinstance(graph_iri, URIRef) and self.has_graph(graph_iri)

    # -- SPARQL

    def query(
        self,
        sparql: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> QueryAnswer:
        """Run a SPARQL query; its default graph is the union of all named graphs.

        Results are read into memory: all of them, or with ``limit`` at most that many rows
        (SELECT) or triples (CONSTRUCT/DESCRIBE) — the rest are never computed. Ask for one
        more than you show to learn whether the answer was cut. Raises ``QueryError`` with
        the parser's message for malformed queries and for evaluation errors.
        """
        def run(engine: ox.Store) -> QueryAnswer:
            answer = engine.query(sparql, prefixes=dict(prefixes) if prefixes else None)
            if isinstance(answer, ox.QueryBoolean):
                return bool(answer)
            if isinstance(answer, ox.QuerySolutions):
                names = [variable.value for variable in answer.variables]
                convert = _Converted().__getitem__  # one rdflib term per distinct engine term
                with collector_paused():
                    rows = [tuple(map(convert, solution)) for solution in itertools.islice(answer, limit)]
                return names, rows
            graph = Graph()
            for triple in itertools.islice(answer, limit):
                graph.add((from_engine(triple.subject), from_engine(triple.predicate), from_engine(triple.object)))  # type: ignore[arg-type]
            return graph

        with self._answering():
            return self._read("query", run)

    def select_values(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """The rows of a SELECT query as plain strings (an IRI, a blank node's label or a
        literal's lexical form; None when unbound), streamed from the engine: for reading an
        answer too large to hold as rdflib terms. Not retried (see :meth:`query`)."""
        engine = self._live()
        with self._answering():
            answer = engine.query(sparql)
            if not isinstance(answer, ox.QuerySolutions):
                raise QueryError("select_values needs a SELECT query")
            width = len(answer.variables)
            for solution in answer:
                yield tuple(None if (term := solution[i]) is None else term.value for i in range(width))

    @contextlib.contextmanager
    def _answering(self) -> Iterator[None]:
        """Engine errors while a query is answered, as kg errors: a malformed query or a failed
        evaluation as ``QueryError`` (one line), a storage failure as ``StoreError``."""
        try:
            yield
        except SyntaxError as error:
            raise QueryError(f"syntax error: {_one_line(error.msg if error.msg else error)}") from None
        except OSError as error:
            raise self._error("query", error) from None
        except (RuntimeError, ValueError) as error:
            raise QueryError(f"query failed: {_one_line(error)}") from None

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
        """Run a SPARQL 1.1 Update, then make the default graph the union again, atomically.

        The update and the re-synchronisation of the union run as one request, so one
        engine transaction: readers see the store before or after, never in between.
        Write into named graphs: the default graph is the union of the named graphs, so
        triples an update puts only in the default graph are removed again. The cost of
        the re-synchronisation grows with the size of the store. Raises ``QueryError`` for
        a malformed update.
        """
        engine = self._writable()
        options = {"prefixes": dict(prefixes)} if prefixes else {}
        # The re-synchronisation follows on a new line (the update may end in a comment),
        # after a ";" unless the update already ends with one.
        for joined in (f"{sparql}\n;\n{_UNION_RESYNC}", f"{sparql}\n{_UNION_RESYNC}"):
            try:
                engine.update(joined, **options)
                return
            except SyntaxError:
                continue
            except OSError as error:
                raise self._error("update", error) from None
            except (RuntimeError, ValueError) as error:
                raise QueryError(f"update failed: {_one_line(error)}") from None
        # Neither parsed: let the parser describe what is wrong with the update itself.
        check_update_syntax(sparql, prefixes=prefixes)
        raise QueryError("syntax error: the update cannot be followed by another operation (does it end inside a clause?)")
