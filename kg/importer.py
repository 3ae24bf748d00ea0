"""Import existing RDF files into the store: each file's graphs replaced, atomically.

``import_files`` reads Turtle, N-Triples, N-Quads, TriG, JSON-LD and RDF/XML (optionally
gzip-compressed: ``data.ttl.gz``), the format named by ``fmt`` or guessed from the file's
extension through the one table of formats (``kg.formats``), with the RDF engine's own parser.

Which graphs: a triple format (Turtle, N-Triples, RDF/XML) fills one graph, named after the
file (``file_graph_iri``: a hash of its absolute ``file:`` URL, as ``kg.rdf.iris`` names an
article's graph after its URL) or ``graph=``. A dataset format (N-Quads, TriG, JSON-LD) keeps
its named graphs, as ``oxigraph load`` does, so ``kg export`` → ``kg import`` gives the same
dataset; its triples outside any named graph go to the file's graph; ``graph=`` is then an
explicit override that merges everything into that one graph. A graph named by a blank node
is refused. Importing a file again replaces the graphs it names (a graph an earlier version
named and this one does not is left as it is).

How: the graphs a file fills are replaced in one step, so a file that fails to parse anywhere,
even on its last line, leaves the store exactly as it was, and a reader sees each graph from
before or after the import, never part of it. Graphs the store does not hold yet (a first
import) go through the engine's bulk loader in one atomic ingest (``Store.ingest_new_graphs``);
when the store holds one of them, the file is read a second time and all its graphs are
replaced in one SPARQL Update (``Store.replace_graphs_ntriples``, slower: a transaction held in
memory). A file that holds no triples is refused rather than imported as an empty graph. The
engine's parser reads no token (literal, IRI) over 16 MB: such a file is one error.

Parsing never reads anything but the file: no URL is fetched and no external entity is
resolved. The RDF engine's parsers do neither (JSON-LD remote ``@context``s fail; external XML
entities are not loaded), and this module refuses the inputs that would make them use
unbounded memory, time or stack before the parser sees them: XML entity declarations that
are external, parameter entities, or whose expansion would exceed ``ENTITY_EXPANSION_LIMIT``
(the "billion laughs"), XML nested deeper than ``MAX_XML_DEPTH`` and JSON nested deeper than
``MAX_JSON_DEPTH`` (the engine's JSON-LD parser overflows the C stack at a few thousand
levels, which kills the process).

Problems are reported per file as ``InputError`` (file, line when the parser knows it, what is
wrong); ``import_files`` collects them and goes on with the next file.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import itertools
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from rdflib import URIRef

from kg.errors import InputError, KgError, UsageError
from kg.formats import RDF_FORMATS, Format, rdf_format
from kg.rdf.iris import file_graph_iri, is_valid_iri
from kg.store import Triple, from_engine, ill_typed_query, surely_well_typed, to_engine

__all__ = [
    "ENTITY_EXPANSION_LIMIT",
    "MAX_JSON_DEPTH",
    "MAX_XML_DEPTH",
    "RDF_SUFFIXES",
    "STDIN",
    "ImportReport",
    "ImportedFile",
    "check_options",
    "file_graph_iri",
    "import_file",
    "import_files",
    "parse_triples",
]

STDIN = "-"
STDIN_SOURCE = "<stdin>"
GZIP_SUFFIX = ".gz"
RDF_SUFFIXES: tuple[str, ...] = tuple(ext for fmt in RDF_FORMATS for ext in fmt.extensions)
"""File extensions read as RDF when a directory is walked (each also with ``.gz``)."""

MAX_JSON_DEPTH = 256
"""Deepest nesting of JSON objects and arrays accepted in JSON-LD."""
MAX_XML_DEPTH = 2_000
"""Deepest nesting of XML elements accepted in RDF/XML (the parser's time grows with depth²)."""
ENTITY_EXPANSION_LIMIT = 16 * 1024 * 1024
"""Most characters XML entity references may expand to, beyond ten times the file's size."""
_PARSER_BUFFER = 16 * 1024 * 1024  # the engine's parsers refuse a token longer than this

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BLANK = b" \t\r\n"
_REMOTE_CONTEXT = "LoadDocumentCallback"  # the engine's words for "this document needs another one"
_PARSER_PREFIX = re.compile(r"^Parser error (?:at|between) [^:]*:\s*")
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_ENTITY_DECL = re.compile(
    rb"<!ENTITY\s+(?P<param>%\s+)?(?P<name>[^\s\"'>]+)\s+"
    rb"(?:(?P<external>SYSTEM|PUBLIC)\b[^>]*|\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)')",
)
_ENTITY_REF = re.compile(rb"&([A-Za-z_:][-A-Za-z0-9._:]*);")


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedFile:
    """One file imported: where from, into which graph, as what, how many distinct triples."""

    source: str
    graph: URIRef  # the first graph the file filled (for a triple format, its only one)
    format: str  # the canonical format name (kg.formats)
    triples: int  # distinct triples the graphs hold now, summed over them
    merged_graphs: int = 0  # named graphs of a dataset file merged into ``graph`` (--graph)
    graphs: tuple[URIRef, ...] = ()  # every graph the file replaced, in the order it names them
    ill_typed: int = 0  # literals whose lexical form is not valid for their datatype ("abc"^^xsd:integer)
    ill_typed_example: str = ""  # one of them, in N-Triples

    @property
    def warning(self) -> str | None:
        """One line about the file's ill-typed literals, or None."""
        if not self.ill_typed:
            return None
        them = "literal" if self.ill_typed == 1 else "literals"
        return (f"{self.source}: {self.ill_typed} ill-typed {them} (not valid for the datatype, e.g. "
                f"{self.ill_typed_example}), kept as written")


@dataclass
class ImportReport:
    """The outcome of ``import_files``: the files imported and one message per failure."""

    imported: list[ImportedFile] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- naming the graph ------------------------------------------------------------------------


def _json_depth(data: bytes) -> int:
    """How deep JSON objects and arrays nest in ``data`` (brackets inside strings ignored)."""
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    steps = (1 if byte in (0x5B, 0x7B) else -1 for byte in brackets)
    return max(itertools.accumulate(steps), default=0)


def _xml_depth(data: bytes) -> int:
    """How deep XML elements nest in ``data``; entities are not expanded, nothing is loaded."""
    import lxml.etree as etree

    depth = deepest = 0
    events = etree.iterparse(
        io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=True, recover=True,
    )  # fmt: skip
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if deepest > MAX_XML_DEPTH:
                        break
            else:
                depth -= 1
                element.clear()
    except etree.XMLSyntaxError:
        pass  # malformed XML: the RDF parser reports it with its own message
    return deepest


def _entity_sizes(data: bytes, source: str) -> dict[bytes, int]:
    """Declared internal XML entities → the length they expand to (nested references counted).

    Raises ``InputError`` for external and parameter entities and for recursive ones.
    """
    values: dict[bytes, bytes] = {}
    for match in _ENTITY_DECL.finditer(data):
        name = match.group("name")
        shown = name.decode("utf-8", "replace")
        if match.group("param"):
            raise InputError(source, f"the XML declares a parameter entity (%{shown};): kg does not read them")
        if match.group("external"):
            raise InputError(
                source, f"the XML declares an external entity (&{shown};): kg never loads files or URLs named in RDF"
            )
        value = match.group("dq") if match.group("dq") is not None else match.group("sq")
        values.setdefault(name, value or b"")  # the first declaration is binding
    sizes: dict[bytes, int] = {}

    def size(name: bytes, seen: tuple[bytes, ...]) -> int:
        if name in sizes:
            return sizes[name]
        if name in seen:
            raise InputError(source, f"the XML entity &{name.decode('utf-8', 'replace')}; refers to itself")
        value = values[name]
        total = len(value)
        for ref in _ENTITY_REF.finditer(value):
            if ref.group(1) in values:
                total += size(ref.group(1), (*seen, name)) - len(ref.group(0))
        sizes[name] = total
        return total

    for name in values:
        size(name, ())
    return sizes


def _check_xml(data: bytes, source: str) -> None:
    """Refuse RDF/XML the parser would need unbounded memory or time for."""
    if b"<!ENTITY" in data:
        sizes = _entity_sizes(data, source)
        expanded = sum(sizes.get(ref.group(1), 0) for ref in _ENTITY_REF.finditer(data))
        limit = 10 * len(data) + ENTITY_EXPANSION_LIMIT
        if expanded > limit:
            raise InputError(
                source,
                f"the XML's entities would expand to {_size(expanded)} (the limit for this file is {_size(limit)}); "
                "entities nested in entities ('billion laughs') are refused",
            )
    depth = _xml_depth(data)
    if depth > MAX_XML_DEPTH:
        raise InputError(source, f"XML elements are nested too deeply (more than {MAX_XML_DEPTH:,} levels)")


def _check_json(data: bytes, source: str) -> None:
    depth = _json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise InputError(source, f"JSON nested too deeply ({depth:,} levels; the limit is {MAX_JSON_DEPTH})")


def _size(chars: int) -> str:
    if chars >= 1024 * 1024 * 1024:
        return f"{chars / (1024 * 1024 * 1024):,.0f} GB"
    return f"{chars / (1024 * 1024):,.1f} MB"


# --- parsing ---------------------------------------------------------------------------------


def _engine_format(fmt: Format) -> ox.RdfFormat:
    engine_format = ox.RdfFormat.from_media_type(fmt.media_type)
    if engine_format is None:  # pragma: no cover - every format of the table is known to the engine
        raise UsageError(f"cannot import {fmt.name}: the RDF engine does not read {fmt.media_type}")
    return engine_format


def _syntax_problem(error: SyntaxError, fmt: Format) -> tuple[str, int | None]:
    """The parser's message without its location prefix, and the line it names."""
    message = " ".join(str(error.msg if error.msg else error).split())
    message = _PARSER_PREFIX.sub("", message)
    line = error.lineno if isinstance(error.lineno, int) and error.lineno > 0 else None
    column = error.offset if isinstance(error.offset, int) and error.offset > 0 and line else None
    where = f" (column {column})" if column else ""
    return f"not valid {fmt.name}{where}: {message}", line


def _terms(quad: ox.Quad, source: str) -> Triple:
    terms = (quad.subject, quad.predicate, quad.object)
    if any(isinstance(term, ox.Triple) for term in terms):
        raise InputError(source, _RDF_STAR)
    return from_engine(quad.subject), from_engine(quad.predicate), from_engine(quad.object)


_RDF_STAR = "holds an RDF-star triple term (<< … >>); kg stores plain RDF only"


def _engine_quads(input_: IO[bytes] | _Peeked | bytes, fmt: Format, source: str,
                  base: str | None) -> Iterator[ox.Quad]:
    """The engine's quads of an RDF document (blank nodes renamed apart from every other
    file's; RDF-star triple terms are the caller's to refuse), its errors as ``InputError``
    naming ``source``."""
    stream = io.BytesIO(input_) if isinstance(input_, bytes) else input_
    try:
        # pyoxigraph's stubs ask for a typing.IO, which _Peeked is not; its parser only calls read
        yield from ox.parse(stream, _engine_format(fmt), base_iri=base, rename_blank_nodes=True)  # type: ignore[arg-type]
    except SyntaxError as error:
        if _REMOTE_CONTEXT in str(error):
            raise InputError(
                source, "the JSON-LD names a remote @context, and kg fetches nothing: put the context in the file"
            ) from None
        problem, line = _syntax_problem(error, fmt)
        raise InputError(source, problem, line) from None
    except MemoryError as error:  # the engine's parser buffers one token (a literal, an IRI) at most 16 MB
        raise InputError(source, f"holds a literal or IRI over {_size(_PARSER_BUFFER)}, more than the RDF "
                                 f"parser reads ({_one_line(error)})") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise InputError(source, f"damaged gzip data ({_one_line(error)})") from None
    except (OSError, ValueError, UnicodeError) as error:
        raise InputError(source, f"cannot read {fmt.name}: {_one_line(error)}") from None


def _checked_input(stream: IO[bytes] | _Peeked | bytes, fmt: Format, source: str) -> IO[bytes] | _Peeked | bytes:
    """``stream``, read whole and checked first for JSON-LD and RDF/XML (see the module docstring)."""
    if fmt.name not in ("jsonld", "rdfxml"):
        return stream
    data = stream if isinstance(stream, bytes) else _read_all(stream, source)
    (_check_json if fmt.name == "jsonld" else _check_xml)(data, source)
    return data


def parse_triples(
    stream: IO[bytes] | bytes,
    fmt: Format,
    source: str,
    *,
    base: str | None = None,
    graphs: set[str] | None = None,
) -> Iterator[Triple]:
    """The triples of an RDF document (as rdflib terms), parsed lazily; named graphs merged.

    ``graphs``, when given, collects the names of the named graphs seen. JSON-LD and RDF/XML
    are checked first (``stream`` is read whole for them). Raises ``InputError`` naming
    ``source`` (and the line, when the parser says) for anything that is not valid RDF.
    """
    if not fmt.is_rdf:
        raise UsageError(f"{fmt.name} is not an RDF format")
    for quad in _engine_quads(_checked_input(stream, fmt, source), fmt, source, base):
        if graphs is not None and isinstance(quad.graph_name, (ox.NamedNode, ox.BlankNode)):
            graphs.add(str(quad.graph_name))
        yield _terms(quad, source)


def _read_all(stream: IO[bytes] | _Peeked, source: str) -> bytes:
    try:
        return stream.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise InputError(source, f"damaged gzip data ({_one_line(error)})") from None
    except OSError as error:
        raise InputError(source, f"cannot read ({error.strerror or _one_line(error)})") from None


def _one_line(error: object) -> str:
    return " ".join(str(error).split())


# --- sources ---------------------------------------------------------------------------------


def _format_of(source: str, fmt: Format | None) -> Format:
    if fmt is not None:
        return fmt
    name = source[: -len(GZIP_SUFFIX)] if source.lower().endswith(GZIP_SUFFIX) else source
    try:
        return rdf_format(None, name)
    except UsageError:
        names = ", ".join(f"{f.name} ({' '.join(f.extensions)})" for f in RDF_FORMATS)
        raise InputError(
            source, f"cannot tell the RDF format from the file name; use -f/--format, or one of the extensions: {names}"
        ) from None


def _os_problem(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "not found"
    if isinstance(error, PermissionError):
        return "permission denied"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    return f"cannot read ({error.strerror or error})"


def _is_rdf_name(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(GZIP_SUFFIX):
        lower = lower[: -len(GZIP_SUFFIX)]
    return lower.endswith(RDF_SUFFIXES)


def _expand(sources: Iterable[str | os.PathLike[str]]) -> Iterator[str | InputError]:
    """Each source; a directory becomes its RDF files (recursively, sorted, hidden ones skipped)."""
    for source in sources:
        name = os.fspath(source)
        if name == STDIN or not os.path.isdir(name):
            yield name
            continue
        found = False
        for folder, dirs, files in os.walk(name, onerror=None):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for file in sorted(files):
                if not file.startswith(".") and _is_rdf_name(file):
                    found = True
                    yield os.path.join(folder, file)
        if not found:
            yield InputError(name, f"is a directory with no RDF files ({' '.join(RDF_SUFFIXES)}, optionally .gz)")


def _open(source: str) -> tuple[IO[bytes], IO[bytes] | gzip.GzipFile]:
    """The open file and its bytes as a stream (decompressed for ``*.gz``); ``InputError`` if unreadable."""
    try:
        info = os.stat(source)
    except OSError as error:
        raise InputError(source, _os_problem(error)) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(source, "is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(source, 'not a regular file (use "-" to read standard input)')
    try:
        raw = open(source, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as error:
        raise InputError(source, _os_problem(error)) from None
    if not source.lower().endswith(GZIP_SUFFIX):
        return raw, raw
    if not raw.peek(2)[:2] == _GZIP_MAGIC:
        raw.close()
        raise InputError(source, "not gzip data (the name ends in .gz)")
    return raw, gzip.GzipFile(fileobj=raw, mode="rb")


def _check_head(head: bytes, source: str) -> None:
    if not head.strip(_BLANK):
        raise InputError(source, "empty file")
    if head.startswith(_GZIP_MAGIC):
        raise InputError(source, "gzip-compressed data; name the file *.gz (e.g. data.ttl.gz) to import it")
    if head.startswith(_UTF16_BOMS):
        raise InputError(source, "UTF-16 text; RDF files must be UTF-8")


class _Peeked:
    """A stream whose first bytes were read to look at them, giving them back first."""

    def __init__(self, head: bytes, rest: IO[bytes] | gzip.GzipFile) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            if len(data) < size:
                data += self._rest.read(size - len(data))
            return data
        return self._rest.read(size)

    def readable(self) -> bool:
        return True


def _head_of(stream: IO[bytes] | gzip.GzipFile, source: str) -> tuple[bytes, _Peeked]:
    """Up to the first non-blank bytes of ``stream`` (at least 4 KB, a UTF-8 byte order mark dropped)
    and a stream that gives them back."""
    chunks: list[bytes] = []
    try:
        while True:
            chunk = stream.read(4096)
            chunks.append(chunk)
            if not chunk or chunk.strip(_BLANK):
                break
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise InputError(source, f"damaged gzip data ({_one_line(error)})") from None
    except OSError as error:
        raise InputError(source, _os_problem(error)) from None
    head = b"".join(chunks).removeprefix(_UTF8_BOM)  # editors write one; the RDF parsers refuse it
    return head, _Peeked(head, stream)


# --- importing -------------------------------------------------------------------------------


def _count(store, graph: URIRef) -> int:
    """Distinct triples in one named graph."""
    name = str(ox.NamedNode(str(graph)))  # the IRI as the engine escapes it: a term, never pasted text
    answer = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {name} }} GRAPH ?g {{ ?s ?p ?o }} }}")
    _names, rows = answer
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


class _GraphExists(Exception):
    """A graph the file fills is in the store already: the bulk path cannot replace it."""


class _Input:
    """What one import reads, openable again (a second pass replaces graphs the store holds)."""

    def __init__(self, name: str, source: str, fmt: Format, data: bytes | None = None) -> None:
        self.name, self.source, self.fmt, self._data = name, source, fmt, data

    @contextlib.contextmanager
    def open(self) -> Iterator[IO[bytes] | _Peeked | bytes]:
        """The input's bytes as a stream (a byte order mark dropped; JSON-LD and RDF/XML read
        whole and checked); ``InputError`` for an empty, compressed or UTF-16 one."""
        raw: IO[bytes]
        stream: IO[bytes] | gzip.GzipFile
        if self._data is not None:
            raw = stream = io.BytesIO(self._data)
        else:
            raw, stream = _open(self.name)
        try:
            head, rest = _head_of(stream, self.source)
            _check_head(head, self.source)
            yield _checked_input(rest, self.fmt, self.source)
        finally:
            stream.close()
            raw.close()


class _Literals:
    """Whether every literal a file held is surely well-typed (``surely_well_typed``): then
    the graphs it filled need no scan for ill-typed literals after the import."""

    __slots__ = ("sure",)

    def __init__(self) -> None:
        self.sure = True

    def see(self, literal: ox.Literal) -> None:
        """Note one literal of the file."""
        if self.sure and not surely_well_typed(literal.value, literal.datatype.value):
            self.sure = False


def _targets(quads: Iterator[ox.Quad], source: str, keep_graphs: bool, graph: ox.NamedNode | None,
             seen: dict[ox.NamedNode, None], merged: set[str], exists: Callable[[URIRef], bool] | None,
             literals: _Literals, union: bool = False) -> Iterator[ox.Quad]:
    """Each quad in the store graph it goes to: its own named graph when ``keep_graphs``, else
    (and for triples outside any named graph) ``graph``; with ``union``, each followed by its
    copy in the default graph. ``seen`` collects the graphs in order; ``exists``, when given,
    raises ``_GraphExists`` at the first graph the store holds; ``literals`` sees each literal
    object. Runs once per triple: kept lean."""
    quad_of, default, triple_term, literal, see = ox.Quad, ox.DefaultGraph(), ox.Triple, ox.Literal, literals.see
    if not keep_graphs:  # a triple format, or --graph: one graph, known before the first triple
        if graph is None:
            raise UsageError("a graph name is needed")  # pragma: no cover - import_file always gives one
        seen[graph] = None
        if exists is not None and exists(URIRef(graph.value)):
            raise _GraphExists
        for quad in quads:
            s, p, o = quad.subject, quad.predicate, quad.object
            if type(o) is triple_term or type(s) is triple_term:
                raise InputError(source, _RDF_STAR)
            if type(o) is literal:
                see(o)
            yield quad_of(s, p, o, graph)
            if type(quad.graph_name) is ox.DefaultGraph:
                if union:
                    yield quad  # the parsed quad is its own union copy
            else:
                merged.add(str(quad.graph_name))
                if union:
                    yield quad_of(s, p, o, default)
        return
    for quad in quads:
        s, p, o, name = quad.subject, quad.predicate, quad.object, quad.graph_name
        if type(o) is triple_term or type(s) is triple_term:
            raise InputError(source, _RDF_STAR)
        if type(o) is literal:
            see(o)
        if type(name) is ox.BlankNode:
            raise InputError(source, f"names a graph with a blank node (_:{name.value}); kg names graphs by IRIs: "
                                     "give --graph IRI to import all of the file into one graph")
        if type(name) is ox.DefaultGraph:
            if graph is None:
                raise InputError(source, "holds triples outside any named graph; give --graph IRI to name their graph")
            name = graph
        if name not in seen:
            seen[name] = None
            if exists is not None and exists(URIRef(name.value)):
                raise _GraphExists
        yield quad_of(s, p, o, name)
        if union:
            yield quad_of(s, p, o, default)


def _store_input(item: _Input, store, graph: URIRef | None, override: bool, base: str | None) -> ImportedFile:
    """Replace the store graphs ``item`` fills by its content, atomically.

    Graphs the store does not hold yet are written by the engine's bulk loader in one ingest
    (``Store.ingest_new_graphs``); when one of them exists, the file is read again and all of
    its graphs replace the old ones in one SPARQL Update (``Store.replace_graphs_ntriples``).
    """
    fmt, source = item.fmt, item.source
    keep_graphs = fmt.keeps_graphs and not override
    target = ox.NamedNode(str(graph)) if graph is not None else None
    seen: dict[ox.NamedNode, None] = {}
    merged: set[str] = set()
    literals = _Literals()
    bulk = store.supports_bulk_load
    if bulk:
        try:
            with item.open() as input_:
                quads = _targets(_engine_quads(input_, fmt, source, base), source, keep_graphs, target,
                                 seen, merged, store.has_graph, literals, union=True)
                first = next(quads, None)
                if first is None:
                    raise InputError(source, "holds no triples (nothing imported; the store keeps what it held)")
                store.ingest_new_graphs(itertools.chain([first], quads))
        except _GraphExists:
            bulk = False
    if not bulk:
        seen.clear()
        merged.clear()
        literals = _Literals()
        per_graph: dict[ox.NamedNode, list[ox.Triple]] = {}
        with item.open() as input_:
            for quad in _targets(_engine_quads(input_, fmt, source, base), source, keep_graphs, target,
                                 seen, merged, None, literals):
                name = quad.graph_name
                assert isinstance(name, ox.NamedNode)  # without union, _targets puts each quad in a named graph
                per_graph.setdefault(name, []).append(ox.Triple(quad.subject, quad.predicate, quad.object))
        if not per_graph:
            raise InputError(source, "holds no triples (nothing imported; the store keeps what it held)")
        _replace(store, per_graph)
    graphs = tuple(URIRef(name.value) for name in seen)
    # The graphs hold exactly the file's triples: when each of its literals was sure, none is ill-typed.
    ill_typed, example = (0, "") if literals.sure else _ill_typed(store, graphs)
    return ImportedFile(source, graphs[0], fmt.name, sum(_count(store, g) for g in graphs), len(merged), graphs,
                        ill_typed, example)


def _ill_typed(store, graphs: tuple[URIRef, ...]) -> tuple[int, str]:
    """How many literals of ``graphs`` are ill-typed, and one of them (N-Triples); (0, "") on a
    store that cannot tell (a remote one whose engine lacks the casts)."""
    if not store.strict_casts:
        return 0, ""
    try:
        _names, rows = store.query(ill_typed_query(graphs))
    except KgError:
        return 0, ""
    count, example = rows[0] if rows else (None, None)
    if not count or int(count) == 0 or example is None:
        return 0, ""
    shown = str(to_engine(example))
    return int(count), shown if len(shown) <= 80 else shown[:77] + "..."


def _replace(store, per_graph: dict[ox.NamedNode, list[ox.Triple]]) -> None:
    """Replace each graph of ``per_graph`` by its triples: in one transaction on the embedded
    store, graph by graph on a remote one."""
    if hasattr(store, "replace_graphs_ntriples"):
        store.replace_graphs_ntriples({
            URIRef(name.value): (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
            for name, triples in per_graph.items()})
        return
    for name, triples in per_graph.items():
        store.replace_graph(URIRef(name.value), [tuple(from_engine(t) for t in (x.subject, x.predicate, x.object))
                                                 for x in triples])


def import_file(
    source: str | os.PathLike[str],
    store,  # kg.store.Store
    *,
    fmt: Format | None = None,
    graph: URIRef | None = None,
    base: str | None = None,
    stdin: IO[bytes] | None = None,
) -> ImportedFile:
    """Import one RDF file (``"-"``: standard input, which needs ``fmt``, and ``graph`` unless
    the format is a dataset one whose every triple is in a named graph).

    The format is ``fmt`` or guessed from the extension (``.gz`` is decompressed). A triple
    format goes into ``graph``, else ``file_graph_iri(source)``; a dataset format (N-Quads, TriG,
    JSON-LD) keeps its named graphs, its triples outside any named graph going to that graph,
    unless ``graph`` is given, which then takes all of them. Relative IRIs resolve against
    ``base`` or the file's ``file:`` URL. Raises ``InputError`` for a file that cannot be read
    or parsed (the store is then unchanged) and ``StoreError`` when the store fails.
    """
    name = os.fspath(source)
    if name == STDIN:
        if fmt is None:
            raise UsageError("reading RDF from standard input (-) needs -f/--format")
        if graph is None and not fmt.keeps_graphs:
            raise UsageError("reading RDF from standard input (-) needs --graph IRI to name its graph")
        stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise InputError(STDIN_SOURCE, "no standard input")
        data = _read_all(stream, STDIN_SOURCE)  # read twice when it replaces graphs the store holds
        return _store_input(_Input(name, STDIN_SOURCE, fmt, data), store, graph, graph is not None, base)
    raw, stream = _open(name)  # missing, a directory, unreadable: said before the format is guessed
    stream.close()
    raw.close()
    chosen = _format_of(name, fmt)
    if base is None:
        base = Path(name).resolve().as_uri()
    return _store_input(_Input(name, name, chosen), store, graph or file_graph_iri(name), graph is not None, base)


def check_options(
    sources: Iterable[str | os.PathLike[str]],
    *,
    fmt: Format | None = None,
    graph: URIRef | str | None = None,
    base: str | None = None,
) -> None:
    """Raise ``UsageError`` when the sources and options cannot work together (before any I/O
    on the store): stdin without a format or a graph, ``graph`` for several files or a
    directory, a graph or base that is not an absolute IRI."""
    names = [os.fspath(source) for source in sources]
    if STDIN in names:
        if fmt is None:
            raise UsageError("reading RDF from standard input (-) needs -f/--format")
        if graph is None and not fmt.keeps_graphs:
            raise UsageError("reading RDF from standard input (-) needs --graph IRI to name its graph")
        if names.count(STDIN) > 1:
            raise UsageError("standard input (-) can be read only once")
    if graph is not None:
        if len(names) != 1 or (names[0] != STDIN and os.path.isdir(names[0])):
            raise UsageError("--graph names the graph of a single file; give exactly one file")
        if not is_valid_iri(str(graph)):
            raise UsageError(f"--graph wants an absolute IRI, got {str(graph)!r}")
    if base is not None and not is_valid_iri(base):
        raise UsageError(f"--base wants an absolute IRI, got {base!r}")


def import_files(
    sources: Iterable[str | os.PathLike[str]],
    store,  # kg.store.Store
    *,
    fmt: Format | None = None,
    graph: URIRef | None = None,
    base: str | None = None,
    on_file: Callable[[ImportedFile], None] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import every RDF file of ``sources`` (files, directories, ``"-"``), each into its own graph.

    A file that fails is reported (``on_error`` gets one line naming it) and the others are
    imported; the store keeps what it held for every file that failed. ``graph`` may only be
    given for a single file. Raises ``UsageError`` for such misuse and ``KgError`` when the
    store itself fails (what was imported before stays imported).
    """
    sources = [os.fspath(source) for source in sources]
    check_options(sources, fmt=fmt, graph=graph, base=base)
    report = ImportReport()
    for item in _expand(sources):
        if isinstance(item, InputError):
            _failed(report, str(item), on_error)
            continue
        try:
            done = import_file(item, store, fmt=fmt, graph=graph, base=base)
        except InputError as error:  # this file only; a failing store (StoreError) stops the run
            _failed(report, str(error), on_error)
            continue
        report.imported.append(done)
        if on_file:
            on_file(done)
    return report


def _failed(report: ImportReport, message: str, on_error: Callable[[str], None] | None) -> None:
    report.errors.append(message)
    if on_error:
        on_error(message)
