"""The embedded store: named graphs in an Oxigraph engine in this process, on disk (RocksDB)
or in memory, behind the :class:`kg.store.Store` protocol.

* ``EmbeddedStore.open_at(path)`` opens (and by default creates) an on-disk store; ``None`` or
  ``":memory:"`` gives an in-memory one. Writers hold ``PATH/.kg-lock`` (the writer's PID;
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

How the union is made: the engine's own default graph is reserved for it (see
:mod:`kg.store.sparql_text`). Oxigraph's ``use_default_graph_as_union`` is not used because
pyoxigraph 0.5 returns a triple once per graph holding it (oxigraph issue #1919, fixed
upstream in #1920), which would double rows and counts. So the store's data are its named
graphs; quads cannot be added to the default graph.

Terms crossing this module's boundary are rdflib terms, converted by :mod:`kg.store.terms`
(imported when a method first needs rdflib, so opening a store and reading plain values
does not load rdflib); the engine's own types stay inside, except for the bulk loader's
quads (``ingest_new_graphs``) and the rows of ``query(..., engine_terms=True)``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyoxigraph as ox

from kg.errors import QueryError, StoreError
from kg.store.base import MEMORY, Store, collector_paused, one_line
from kg.store.sparql_text import UNION_RESYNC, check_update_syntax, drop_update, syntax_error

if TYPE_CHECKING:
    from rdflib import URIRef
    from rdflib.term import Node

    from kg.store.terms import Quad, QueryAnswer, Term, Triple

    _Pattern = tuple[ox.NamedNode | ox.BlankNode | ox.Triple | None, ox.NamedNode | None,
                     ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None,
                     ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None]
    """(subject, predicate, object, graph name) as ``ox.Store.quads_for_pattern`` takes them; None matches any."""

__all__ = ["LOCK_FILE", "EmbeddedStore"]

LOCK_FILE = ".kg-lock"
_BATCH = 10_000
_READ_ATTEMPTS = 5
_T = TypeVar("_T")
_LOCK_GRACE_SECONDS = 5.0
_ENGINE_MARKER = "CURRENT"
# Names of the engine's own files; compiled (and cached) by re when first matched: opening a
# store that exists needs neither.
_ENGINE_FILE = r"^(CURRENT|IDENTITY|LOCK|LOG(\.old\..*)?|MANIFEST-\d+|OPTIONS-\d+|\d+\.(log|sst|blob)|bulk-\d+\.sst)$"
_BULK_FILE = r"^bulk-\d+\.sst$"
"""Files the engine's bulk loader writes before it ingests them (and removes after): any found
by a writer that holds the lock were left by a writer killed while loading."""


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
    from kg.atomic import pid_alive  # writers only: a reader opens without it

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
                raise StoreError(f"cannot open store {directory} for reading: {one_line(error)}") from None
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")

def _remove_bulk_leftovers(directory: Path) -> None:
    """Remove the bulk loader's files a killed writer left (never ingested: the store does not
    hold their data). Called by a writer holding the lock, so no loader of ours is running."""
    with contextlib.suppress(OSError):
        for entry in os.listdir(directory):
            if re.match(_BULK_FILE, entry):
                with contextlib.suppress(OSError):
                    (directory / entry).unlink()


def _count(engine: ox.Store, sparql: str) -> int:
    """The number a ``SELECT (COUNT(*) AS ?n)`` query answers."""
    answer = engine.query(sparql)
    assert isinstance(answer, ox.QuerySolutions)
    first = next(iter(answer))[0]
    return int(first.value) if first is not None else 0


def _engine_query(engine: ox.Store, sparql: str, prefixes: Mapping[str, str] | None) -> Any:
    """The engine's answer to ``sparql``, each ORDER BY made a total order first
    (:func:`kg.sparql.total_order.total_order`: the engine's sort aborts the process when its
    comparison contradicts itself). A syntax error is reported on the text as written."""
    from kg.sparql.total_order import total_order

    given = dict(prefixes) if prefixes else None
    text = total_order(sparql)
    if text is not sparql:
        try:
            return engine.query(text, prefixes=given)
        except SyntaxError:
            pass  # the parser's message and position belong to the query as written
    return engine.query(sparql, prefixes=given)


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
    if all(re.match(_ENGINE_FILE, entry) for entry in entries):
        return False  # empty, or an engine directory whose creation never finished
    raise StoreError(
        f"{path} is not a kg store (the directory holds other files); "
        "choose another --store path or an empty directory"
    )

class EmbeddedStore(Store):
    """A set of named graphs in this process, on disk or in memory; use as a context manager.

    Open with :func:`kg.store.open` or :meth:`open_at`. All methods raise ``StoreError``
    (with the store path) when the engine fails, and ``QueryError`` for malformed SPARQL.
    """

    supports_bulk_load = True
    fast_order_by = False
    strict_casts = True

    def __init__(self, engine: ox.Store, path: Path | None, *, read_only: bool, lock: Path | None) -> None:
        self._engine: ox.Store | None = engine
        self.path = path
        self.read_only = read_only
        self._lock = lock

    # Store declares ``supports_optimize: bool``, an attribute (its capabilities are in
    # Store.__annotations__); here it is computed, and mypy calls a read-only property overriding
    # a writable attribute incompatible: nothing writes a store's capabilities.
    @property
    def supports_optimize(self) -> bool:  # type: ignore[override]
        """True on disk; a store in memory has no files to compact."""
        return self.path is not None

    # -- opening and closing

    @classmethod
    def open_at(cls, path: str | os.PathLike[str] | None, *, create: bool = True,
                read_only: bool = False) -> EmbeddedStore:
        """Open the store in the folder ``path`` (None or ":memory:" → a new empty in-memory store).

        ``create=False`` refuses to create a missing store; ``read_only=True`` implies it,
        takes no lock and works while another process writes.
        """
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
            message = one_line(error)
            if "lock" in message.lower():
                raise StoreError(f"store {directory} is in use by another process ({message})") from None
            raise StoreError(f"cannot open store {directory}: {message}") from None
        except BaseException:
            _release_lock(lock)
            raise
        return cls(engine, directory, read_only=False, lock=lock)

    def __repr__(self) -> str:
        where = self.path if self.path is not None else MEMORY
        mode = "read-only" if self.read_only else "read-write"
        state = "closed" if self._engine is None else mode
        return f"<EmbeddedStore {where} ({state})>"

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
        return StoreError(f"store {self.location}: cannot {action}: {one_line(error)}")

    # -- writing

    def replace_graph(self, graph_iri: URIRef, triples: Iterable[Triple]) -> None:
        """Replace the content of the named graph ``graph_iri`` by ``triples``, atomically.

        Blank nodes become fresh ones, shared within the graph. An empty ``triples`` drops the
        graph. See :meth:`replace_graph_ntriples`, which this calls.
        """
        from kg.store.terms import to_ntriples

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
        from kg.store.terms import graph_node

        engine = self._writable()
        name = graph_node(graph_iri)
        update = drop_update(name)
        for other in drop:
            update += " ;\n" + drop_update(graph_node(other))
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
        from kg.store.terms import graph_node

        engine = self._writable()
        names = [(graph_node(graph_iri), ntriples) for graph_iri, ntriples in graphs.items()]
        if not names:
            return
        update = " ;\n".join(drop_update(name) for name, _text in names)
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
        from kg.store.terms import graph_node

        engine = self._writable()
        named: list[str] = []
        union: list[str] = []
        count = 0
        for graph_iri, ntriples in graphs:
            name = graph_node(graph_iri)
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
        from kg.store.terms import graph_node

        engine = self._writable()
        name = graph_node(graph_iri)
        try:
            if not engine.contains_named_graph(name):
                return False
            engine.update(drop_update(name))
        except (OSError, SyntaxError, RuntimeError) as error:
            raise self._error(f"drop graph <{graph_iri}>", error) from None
        return True

    def add_quads(self, quads: Iterable[Quad | tuple[Node, Node, Node, object]]) -> int:
        """Add quads to their named graphs (and to the union); returns the number read.

        Meant for bulk loading: quads are written in batches, each batch one transaction.
        Blank nodes keep their labels, so the same label in two batches is one node. A quad
        without a graph name (None or rdflib's default graph) raises ``StoreError``.
        """
        from kg.store.terms import engine_quad

        engine = self._writable()
        batch: list[ox.Quad] = []
        count = 0
        try:
            for quad in quads:
                named = engine_quad(quad)
                batch.append(named)
                batch.append(ox.Quad(named.subject, named.predicate, named.object, ox.DefaultGraph()))
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
        from rdflib import URIRef

        names = self._read("list graphs", lambda engine: [
            g.value for g in engine.named_graphs() if isinstance(g, ox.NamedNode)])
        return [URIRef(value) for value in sorted(names)]

    def has_graph(self, graph_iri: URIRef) -> bool:
        """True if the named graph exists."""
        from kg.store.terms import graph_node

        name = graph_node(graph_iri)
        return self._read("read graphs", lambda engine: bool(engine.contains_named_graph(name)))

    def _stream(self, action: str, pattern: _Pattern) -> Iterator[ox.Quad]:
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
        from rdflib import URIRef

        from kg.store.terms import from_engine, graph_node, to_engine

        names = [graph_node(graph_iri)] if graph_iri is not None else [to_engine(g) for g in self.graphs()]
        for name in names:
            graph = URIRef(name.value)
            for quad in self._stream("read quads", (None, None, None, name)):
                yield (from_engine(quad.subject), from_engine(quad.predicate), from_engine(quad.object), graph)

    def triples(self, graph_iri: URIRef | None = None) -> Iterator[Triple]:
        """The triples of one named graph, or of the union of all graphs (each triple once)."""
        from kg.store.terms import from_engine, graph_node

        name = graph_node(graph_iri) if graph_iri is not None else ox.DefaultGraph()
        for quad in self._stream("read triples", (None, None, None, name)):
            yield (from_engine(quad.subject), from_engine(quad.predicate), from_engine(quad.object))

    def union_ntriples(self) -> str:
        """The union of all graphs as N-Triples text, written by the engine in one pass (no
        rdflib terms): for tools that read RDF text, such as ``kg validate``'s SHACL engine."""
        dumped = self._read("read triples", lambda engine: engine.dump(
            format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))
        return (dumped or b"").decode("utf-8")  # without an output file, the engine returns the bytes

    def get_value(self, graph_iri: URIRef, subject: Node, predicate: Node) -> Term | None:
        """One object of (subject, predicate, ?) in a named graph, or None."""
        from kg.store.terms import from_engine, graph_node, to_engine

        try:
            pattern: tuple[Any, Any, Any, Any] = (to_engine(subject), to_engine(predicate), None, graph_node(graph_iri))
        except ValueError as error:
            raise StoreError(f"invalid term in lookup: {error}") from None
        first = self._read("read a value", lambda engine: next(iter(engine.quads_for_pattern(*pattern)), None))
        return from_engine(first.object) if first is not None else None

    def __len__(self) -> int:
        """The number of quads: triples counted once per named graph holding them."""
        def count(engine: ox.Store) -> int:
            return len(engine) - _count(engine, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")

        return self._read("count quads", count)

    def union_size(self, at_most: int | None = None) -> int:
        """The number of distinct triples in the union of all graphs; with ``at_most``, the
        count stops there (the answer is then at most ``at_most``): asking "more than N?" of a
        large store need not count all of it."""
        pattern = "?s ?p ?o" if at_most is None else f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {int(at_most)}"
        return self._read("count triples", lambda engine: _count(engine, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"))

    # -- SPARQL

    def query(
        self,
        sparql: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        limit: int | None = None,
        engine_terms: bool = False,
    ) -> QueryAnswer:
        """Run a SPARQL query; its default graph is the union of all named graphs.

        Results are read into memory: all of them, or with ``limit`` at most that many rows
        (SELECT) or triples (CONSTRUCT/DESCRIBE) — the rest are never computed. Ask for one
        more than you show to learn whether the answer was cut. With ``engine_terms`` a
        SELECT answer's rows hold the engine's own terms (``pyoxigraph.NamedNode``,
        ``BlankNode``, ``Literal``; None when unbound) and neither rdflib nor
        :mod:`kg.store.terms` is loaded; ASK answers never load them. Raises ``QueryError``
        with the parser's message for malformed queries and for evaluation errors.
        """

        def run(engine: ox.Store) -> QueryAnswer:
            answer = _engine_query(engine, sparql, prefixes)
            if isinstance(answer, ox.QueryBoolean):
                return bool(answer)
            if isinstance(answer, ox.QuerySolutions):
                names = [variable.value for variable in answer.variables]
                if engine_terms:
                    with collector_paused():
                        return names, [tuple(solution) for solution in itertools.islice(answer, limit)]
                from kg.store.terms import TermCache

                convert = TermCache().__getitem__  # one rdflib term per distinct engine term
                with collector_paused():
                    rows = [tuple(map(convert, solution)) for solution in itertools.islice(answer, limit)]
                return names, rows
            from rdflib import Graph

            from kg.store.terms import from_engine

            graph = Graph()
            for triple in itertools.islice(answer, limit):
                graph.add((from_engine(triple.subject), from_engine(triple.predicate), from_engine(triple.object)))
            return graph

        with self._answering():
            return self._read("query", run)

    def select_values(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """The rows of a SELECT query as plain strings (an IRI, a blank node's label or a
        literal's lexical form; None when unbound), streamed from the engine: for reading an
        answer too large to hold as rdflib terms. Not retried (see :meth:`query`)."""
        engine = self._live()
        with self._answering():
            answer = _engine_query(engine, sparql, None)
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
            raise syntax_error(error) from None
        except OSError as error:
            raise self._error("query", error) from None
        except (RuntimeError, ValueError) as error:
            raise QueryError(f"query failed: {one_line(error)}") from None

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
        from kg.sparql.total_order import total_order

        # The re-synchronisation follows on a new line (the update may end in a comment),
        # after a ";" unless the update already ends with one. An ORDER BY in a subquery is
        # made a total order first, as in queries (_engine_query); the text as written is
        # tried when the rewritten one does not parse.
        for text in dict.fromkeys((total_order(sparql), sparql)):
            for joined in (f"{text}\n;\n{UNION_RESYNC}", f"{text}\n{UNION_RESYNC}"):
                try:
                    engine.update(joined, prefixes=dict(prefixes) if prefixes else None)
                    return
                except SyntaxError:
                    continue
                except OSError as error:
                    raise self._error("update", error) from None
                except (RuntimeError, ValueError) as error:
                    raise QueryError(f"update failed: {one_line(error)}") from None
        # Neither parsed: let the parser describe what is wrong with the update itself.
        check_update_syntax(sparql, prefixes=prefixes)
        raise QueryError("syntax error: the update cannot be followed by another operation (does it end inside a clause?)")
