"""Writing RDF: article graphs into a store (``GraphWriter``), and RDF text with the kg prefixes
(``write_rdf``, ``graph_text``).

**RDF text.** ``write_rdf(items, fmt, out)`` writes the RDF engine's triples or quads in an RDF
format of ``kg.formats``, with the prefixes of ``kg.namespaces.PREFIXES`` in Turtle, TriG and
RDF/XML, and as a JSON-LD ``@context`` (IRIs compacted, ``rdf:type`` as ``@type``, one named
graph per line, streamed graph by graph) in JSON-LD. ``kg export`` writes stores with it, and
``graph_text(graph, fmt)`` gives a CONSTRUCT/DESCRIBE answer (an rdflib graph) the same look:
in a dataset format (N-Quads, TriG, JSON-LD) its triples are in the default graph, never in a
blank-node graph.

**Article graphs into a store**, for ``kg build``: batched, ordered, in a background thread.

``GraphWriter`` takes the graphs of extracted articles (``ArticleResult``) in input order:

* On the embedded store, new graphs are gathered into batches of whole graphs (at most
  ``batch_quads`` quads) and written with one ``Store.add_graphs`` call each: the engine
  parses their N-Triples text itself, in one transaction. A graph the store already holds is
  replaced with ``Store.replace_graph_ntriples`` (one transaction). These writes run, in
  order, on one writer thread: the engine releases the GIL while it writes, so extraction
  (in this process, or receiving results from workers) goes on meanwhile. At most
  ``QUEUED_BATCHES`` batches wait for the thread, which bounds memory.
* On any other store (a remote SPARQL store, say) every graph goes through
  ``replace_graph``, one request per graph, in the calling thread.

``on_committed`` is called, in the calling thread, for each graph once its transaction has
committed. A write that fails stops the writer: the error is raised in the calling thread at
its next call, and nothing after the failed write is written. Close the writer (``close``)
to wait for every queued write.
"""

from __future__ import annotations

import io
import itertools
import json
import queue
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.errors import StoreError
from kg.formats import Format
from kg.namespaces import PREFIX_IRIS, RDF, bind_prefixes, compact_jsonld, jsonld_context

if TYPE_CHECKING:
    from kg.engine.work import ArticleResult

__all__ = ["BATCH_QUADS", "FLUSH_EVERY", "QUEUED_BATCHES", "GraphWriter", "engine_format", "graph_text", "write_rdf"]

# --- RDF text ----------------------------------------------------------------------------------


def engine_format(fmt: Format) -> ox.RdfFormat:
    """The RDF engine's format for ``fmt`` (``StoreError`` if the engine does not write it)."""
    found = ox.RdfFormat.from_media_type(fmt.media_type)
    if found is None:
        raise StoreError(f"cannot write {fmt.name}: the RDF engine does not write {fmt.media_type}")
    return found


def _graph_key(item: ox.Quad | ox.Triple) -> object:
    return item.graph_name if isinstance(item, ox.Quad) else None


def _write_jsonld(items: Iterable[ox.Quad] | Iterable[ox.Triple], out: BinaryIO) -> None:
    """JSON-LD with the kg ``@context``: the engine's expanded JSON-LD of each run of items in
    one graph (a store gives its quads graph by graph), compacted and written as it comes."""
    out.write(b'{"@context": ')
    out.write(json.dumps(jsonld_context(), ensure_ascii=False, indent=1).encode("utf-8"))
    out.write(b',\n "@graph": [')
    first = True
    for _name, run in itertools.groupby(items, key=_graph_key):
        expanded = json.loads(ox.serialize(run, format=ox.RdfFormat.JSON_LD) or b"[]")
        for node in compact_jsonld(expanded, context=False):
            out.write(b"\n" if first else b",\n")
            out.write(json.dumps(node, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
            first = False
    out.write(b"\n]}\n")


_TURTLE_TERM = re.compile(r'"(?:[^"\\\n]|\\.)*"|<[^>\n]*>|(?<![\w\\:])([A-Za-z][A-Za-z0-9_-]*):((?:[^\s\\]|\\.)*)')
"""In the engine's Turtle/TriG: a string (one line: line breaks are escaped), an IRI, or a
prefixed name (prefix, local part); the engine separates terms with spaces."""
_LOCAL_ESCAPE = re.compile(r"\\(.)")


class _WholeIris:
    """A binary stream in front of ``out`` for the engine's Turtle and TriG: a prefixed name
    whose local part needs backslash escapes (``kgr:person\\/eric-holder``) is written as the
    whole IRI (``<https://w3id.org/kgnews/id/person/eric-holder>``), as Jena and rdflib write
    it; vocabulary terms keep their prefixes. Lines are rewritten as they complete."""

    def __init__(self, out: BinaryIO, prefixes: Mapping[str, str]) -> None:
        self.out = out
        self.prefixes = prefixes
        self.pending = bytearray()

    def _whole(self, match: re.Match[str]) -> str:
        prefix, local = match.group(1), match.group(2)
        if prefix is None or "\\" not in local or prefix not in self.prefixes:
            return match.group(0)
        unescaped = _LOCAL_ESCAPE.sub(r"\1", local)
        return f"<{self.prefixes[prefix]}{unescaped}>"

    def write(self, data: bytes) -> int:
        self.pending += data
        cut = self.pending.rfind(b"\n") + 1
        if cut:
            self._emit(bytes(self.pending[:cut]))
            del self.pending[:cut]
        return len(data)

    def _emit(self, text: bytes) -> None:
        if b"\\" in text:
            text = _TURTLE_TERM.sub(self._whole, text.decode("utf-8")).encode("utf-8")
        self.out.write(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        """Write what is left (the engine ends its output with a line break)."""
        if self.pending:
            self._emit(bytes(self.pending))
            self.pending.clear()


def write_rdf(items: Iterable[ox.Quad] | Iterable[ox.Triple], fmt: Format, out: BinaryIO, *,
              prefixes: Mapping[str, str] | None = None) -> None:
    """Write the engine's triples (triple syntaxes) or quads (dataset syntaxes) to ``out`` in
    ``fmt``: Turtle, TriG and RDF/XML with ``prefixes`` (default: the kg prefixes), JSON-LD
    with the kg ``@context``."""
    if fmt.name == "jsonld":
        _write_jsonld(items, out)
        return
    table = dict(PREFIX_IRIS if prefixes is None else prefixes)
    if fmt.name in ("turtle", "trig"):
        whole = _WholeIris(out, table)
        # pyoxigraph's stubs ask for a typing.IO, which _WholeIris is not; the engine calls only write and flush
        ox.serialize(items, whole, engine_format(fmt), prefixes=table)  # type: ignore[arg-type]
        whole.close()
    elif fmt.name == "rdfxml":
        ox.serialize(items, out, engine_format(fmt), prefixes=table)
    else:
        ox.serialize(items, out, engine_format(fmt))


def graph_text(graph: Graph, fmt: Format) -> str:
    """A CONSTRUCT/DESCRIBE answer as text in the RDF format ``fmt``, with the kg prefixes; in
    a dataset syntax (N-Quads, TriG, JSON-LD) its triples are in the default graph. Triples
    are written by subject, its types first, then by predicate. RDF/XML goes through rdflib
    (the engine's writer does not check element names)."""
    if fmt.name == "rdfxml":
        return bind_prefixes(graph).serialize(format=fmt.rdflib_name)
    from kg.store import to_engine

    blanks: dict[Any, ox.BlankNode] = {}
    ordered = sorted(graph, key=lambda t: (str(t[0]), t[1] != RDF.type, str(t[1]), str(t[2])))  # a subject's types first
    triples: list[Any] = [tuple(to_engine(term, blanks) for term in triple) for triple in ordered]  # terms as parsed
    if fmt.keeps_graphs:
        items: list[Any] = [ox.Quad(s, p, o, ox.DefaultGraph()) for s, p, o in triples]
    else:
        items = [ox.Triple(s, p, o) for s, p, o in triples]
    out = io.BytesIO()
    write_rdf(items, fmt, out)
    return out.getvalue().decode("utf-8")


# --- article graphs into a store -----------------------------------------------------------------

BATCH_QUADS = 10_000
"""New graphs are written in batches of at most this many quads (whole graphs only)."""
FLUSH_EVERY = 100_000
"""The store is flushed after about this many triples: the engine's write buffers (RocksDB
memtables) then stay small, so memory is bounded by this, not by the size of the corpus."""
QUEUED_BATCHES = 2
"""How many writes may wait for the writer thread."""

_STOP = object()


class GraphWriter:
    """Writes article graphs into a store: new graphs in batches, existing ones replaced."""

    def __init__(self, store, *, batch_quads: int = BATCH_QUADS, flush_every: int | None = FLUSH_EVERY,
                 on_committed: Callable[[URIRef], None] | None = None, background: bool = True) -> None:
        self.store = store
        self.on_committed = on_committed
        self.batch_quads = batch_quads
        self.flush_every = flush_every
        # Only the embedded store writes a batch in one transaction; a remote store may split
        # it into several requests, so every graph goes there through replace_graph.
        self._bulk = store.supports_bulk_load
        self._unflushed = 0
        self._pending: list[tuple[URIRef, str]] = []
        self._pending_quads = 0
        self._pending_graphs: set[URIRef] = set()
        self._queued: Counter[URIRef] = Counter()  # graphs handed to the thread, not yet committed
        self._committed: queue.SimpleQueue[list[URIRef]] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._tasks: queue.Queue[Any] | None = None
        self._thread: threading.Thread | None = None
        if background and self._bulk:
            self._tasks = queue.Queue(maxsize=QUEUED_BATCHES)
            self._thread = threading.Thread(target=self._work, name="kg-graph-writer", daemon=True)
            self._thread.start()

    # -- the calling thread

    def write(self, result: ArticleResult, *, drop: tuple[URIRef, ...] = ()) -> None:
        """Write (or queue) the graph of one extracted article; the graphs in ``drop`` (the
        same article's earlier version under another name) are removed with it, in the same
        transaction on the embedded store."""
        self._collect()
        graph = URIRef(result.graph)
        if graph in self._pending_graphs:
            self.flush()  # an earlier version of this graph waits in the batch
        if self._queued[graph]:
            self.wait()  # ... or is being written: whether the store has it must be known
        if not self._bulk:
            triples = result.graph_triples()
            self.store.replace_graph(graph, triples)
            for other in drop:  # a remote store: a second request, after the new graph is in
                self.store.drop_graph(other)
            self._done([graph], len(triples))
            return
        ntriples = result.as_ntriples()
        quads = ntriples.count("\n")
        if drop or self.store.has_graph(graph):
            self._submit(("replace", graph, ntriples, tuple(drop)), [graph], quads)
            return
        if self._pending and self._pending_quads + quads > self.batch_quads:
            self.flush()
        self._pending.append((graph, ntriples))
        self._pending_quads += quads
        self._pending_graphs.add(graph)

    def flush(self) -> None:
        """Hand the batch of new graphs waiting to be written to the writer."""
        self._collect()
        if self._pending:
            pending, self._pending = self._pending, []
            count, self._pending_quads = self._pending_quads, 0
            self._pending_graphs.clear()
            self._submit(("add", pending), [graph for graph, _text in pending], count)

    def wait(self) -> None:
        """Wait until every write handed to the writer has committed (or one failed: raised)."""
        if self._tasks is not None and self._error is None:
            self._tasks.join()
        self._collect()

    def close(self) -> None:
        """Write what is pending, wait for it, and stop the writer thread."""
        try:
            self.flush()
            self.wait()
        finally:
            if self._thread is not None and self._tasks is not None:
                self._tasks.put(_STOP)  # a failed writer still drains its queue
                self._thread.join()
                self._thread = None
                self._tasks = None  # anything written later is written in the calling thread

    def _submit(self, task: tuple[Any, ...], graphs: list[URIRef], quads: int) -> None:
        if self._tasks is None:
            self._run(task)
            self._done(graphs, quads)
            return
        self._queued.update(graphs)
        while True:  # a failed writer takes no more tasks: do not block on a full queue
            self._collect()
            try:
                self._tasks.put((task, graphs, quads), timeout=0.5)
                return
            except queue.Full:
                continue

    def _collect(self) -> None:
        """Report graphs committed by the thread; raise the thread's error, if any."""
        while True:
            try:
                graphs = self._committed.get_nowait()
            except queue.Empty:
                break
            self._queued.subtract(graphs)
            if self.on_committed is not None:
                for graph in graphs:
                    self.on_committed(graph)
        if self._error is not None:
            raise self._error

    def _done(self, graphs: list[URIRef], quads: int) -> None:
        if self.on_committed is not None:
            for graph in graphs:
                self.on_committed(graph)
        self._count(quads)

    # -- the writer thread (or the calling thread, without one)

    def _run(self, task: tuple[Any, ...]) -> None:
        if task[0] == "add":
            self.store.add_graphs(task[1])
        else:
            self.store.replace_graph_ntriples(task[1], task[2], drop=task[3])

    def _count(self, quads: int) -> None:
        self._unflushed += quads
        if self.flush_every is not None and self._unflushed >= self.flush_every:
            self._unflushed = 0
            self.store.flush()

    def _work(self) -> None:
        assert self._tasks is not None
        while True:
            item = self._tasks.get()
            try:
                if item is _STOP:
                    return
                if self._error is not None:
                    continue  # failed: what follows is not written
                task, graphs, quads = item
                try:
                    self._run(task)
                    self._count(quads)
                except BaseException as error:  # raised in the calling thread
                    self._error = error
                    continue
                self._committed.put(graphs)
            finally:
                self._tasks.task_done()
