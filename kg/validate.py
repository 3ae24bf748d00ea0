"""SHACL validation: does a graph hold what ``ontology/shapes.ttl`` says a valid kg graph holds?

``validate_graph`` checks one graph, or the union of a dataset's graphs (what the named
queries see); ``validate_store`` does the same for the union of every named graph of a
``kg.store.Store``. No inference, no ontology import: offline, and the verdict depends only
on the data and the shapes.

Two SHACL engines give the same verdicts (the tests hold them to it, valid and broken graphs
alike, every constraint the shapes use):

* ``turbo`` (the default): pyshacl-turbo, pySHACL's checks compiled in Rust. A store's union
  reaches it as the N-Triples the store's engine writes, never as rdflib terms: on the BBC
  politics store (107,000 triples) ``kg validate`` takes about a quarter of pyshacl's time.
* ``pyshacl``: pySHACL itself, the reference (``kg validate --engine pyshacl``).

Their reports differ only in the wording of a violation the shapes give no ``sh:message``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from rdflib import Dataset, Graph, Literal
from rdflib.graph import ConjunctiveGraph
from rdflib.term import Node

import kg.store  # noqa: F401 - silences rdflib's warning per ill-typed literal
from kg.errors import UsageError, ValidationError
from kg.namespaces import RDF, SH, bind_prefixes
from kg.resources import resource_path

__all__ = ["ENGINES", "ValidationReport", "ValidationResult", "load_shapes", "validate_graph", "validate_store"]

ENGINES = ("turbo", "pyshacl")
"""The SHACL engines, the default first."""

READ_STEP = 20_000
"""``validate_store`` tells ``on_read`` how far it got every this many triples."""


class TripleSource(Protocol):
    """Anything that yields the triples of its union graph (``kg.store.Store`` does)."""

    def triples(self) -> Iterator[tuple[Node, Node, Node]]:
        """Every triple of the union graph, streamed."""


class ValidationResult(NamedTuple):
    """One violation: the node that fails, the property path (or ""), and what is wrong."""

    focus: str
    path: str
    message: str


@dataclass
class ValidationReport:
    """The verdict of a validation: ``conforms``, the engine's text report, and each violation."""

    conforms: bool
    text: str
    results: list[ValidationResult] = field(default_factory=list)
    ill_typed: list[str] = field(default_factory=list)  # literals not valid for their datatype (N-Triples)
    ill_typed_count: int = 0
    triples: int = 0  # how many triples were validated (validate_store)

    def raise_for_violations(self) -> None:
        """Raise ``kg.errors.ValidationError`` naming the first violations when the graph does not conform."""
        if self.conforms:
            return
        shown = "; ".join(f"{r.focus} {r.path}: {r.message}".replace("  ", " ") for r in self.results[:3])
        more = f" (and {len(self.results) - 3} more)" if len(self.results) > 3 else ""
        raise ValidationError(f"graph does not conform to the kg SHACL shapes: {shown}{more}")


def load_shapes() -> Graph:
    """A fresh graph of the bundled SHACL shapes: ``ontology/shapes.ttl`` and every other
    ``ontology/*shapes.ttl`` a feature adds (``link-shapes.ttl``, ...)."""
    graph = Graph()
    for path in sorted(resource_path("ontology").glob("*shapes.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _union(data: Graph) -> Graph:
    """One plain graph: ``data`` itself, or all triples of every graph of a dataset."""
    if not isinstance(data, (Dataset, ConjunctiveGraph)):
        return data
    union = bind_prefixes(Graph())
    for s, p, o, _ in data.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def _show(graph: Graph, node: Node | None) -> str:
    """A term as a prefixed name when it has one (``kgo:iso3``), else its plain IRI or N3 form."""
    if node is None:
        return ""
    shown = node.n3(graph.namespace_manager)
    if shown.startswith("<") and shown.endswith(">"):
        return shown[1:-1]
    return shown


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise UsageError(f"unknown SHACL engine {engine!r}; use one of: {', '.join(ENGINES)}")


def _run(data: Any, engine: str) -> tuple[bool, Graph, str]:
    """(conforms, report graph, text) of ``data`` against the shapes, by ``engine``."""
    if engine == "pyshacl":
        from pyshacl import validate
    else:
        from pyshacl_turbo import validate
    conforms, report_graph, text = validate(data, shacl_graph=load_shapes(), inference="none", abort_on_first=False,
                                            allow_infos=True, allow_warnings=True, advanced=False)
    return bool(conforms), report_graph, str(text)


def _report(conforms: bool, report_graph: Graph, text: str, names: Graph) -> ValidationReport:
    """A ``ValidationReport`` of an engine's report graph; terms shown with ``names``' prefixes."""
    results = []
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        messages = sorted(str(m) for m in report_graph.objects(result, SH.resultMessage))
        if not messages:
            component = report_graph.value(result, SH.sourceConstraintComponent)
            messages = [f"violates {_show(names, component)}"]
        results.append(
            ValidationResult(
                focus=_show(names, report_graph.value(result, SH.focusNode)),
                path=_show(names, report_graph.value(result, SH.resultPath)),
                message="; ".join(messages),
            )
        )
    return ValidationReport(conforms=conforms, text=text, results=sorted(results))


def validate_graph(graph_or_dataset: Graph, *, engine: str = ENGINES[0]) -> ValidationReport:
    """Validate a Graph, or the union of all graphs of a Dataset, against the kg shapes."""
    _check_engine(engine)
    graph = _union(graph_or_dataset)
    return _report(*_run(graph, engine), names=graph)


ILL_TYPED_SHOWN = 10
"""``validate_store`` keeps this many of the ill-typed literals it finds (all are counted)."""

_PLAIN = frozenset({"http://www.w3.org/2001/XMLSchema#string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"})


def validate_store(store: TripleSource, *, engine: str = ENGINES[0], on_read: Callable[[int], None] | None = None,
                   on_check: Callable[[int], None] | None = None) -> ValidationReport:
    """Validate the union of every named graph of a store against the kg shapes.

    Literals whose lexical form is not valid for their datatype ("abc"^^xsd:integer) are
    counted in the report (``ill_typed_count``, the first ``ILL_TYPED_SHOWN`` in ``ill_typed``);
    rdflib's warning for each of them is silenced (``kg.store``). ``on_read(n)`` hears how
    many triples were read (every ``READ_STEP`` when they come one by one), ``on_check(n)``
    when the ``n`` triples go to the SHACL engine.

    A store that writes its union as N-Triples itself (``union_ntriples()``, the embedded
    store) hands that text to the turbo engine as it is; otherwise the triples come from
    ``store.triples()``.
    """
    _check_engine(engine)
    dump = getattr(store, "union_ntriples", None) if engine == "turbo" else None
    if dump is not None:
        text = dump()
        ill_typed, count, read = _ill_typed_in(text)
        if on_read is not None:
            on_read(read)
        data: object = _turbo_input(text)
    else:
        data, ill_typed, count, read = _collect(store.triples(), engine, on_read)
    if on_check is not None:
        on_check(read)
    report = _report(*_run(data, engine), names=bind_prefixes(Graph()))
    report.ill_typed, report.ill_typed_count, report.triples = ill_typed, count, read
    return report


def _is_ill_typed(literal: Literal) -> bool:
    return literal.datatype is not None and str(literal.datatype) not in _PLAIN and bool(literal.ill_typed)


class _IllTyped:
    """Counts ill-typed literals, keeping the first ``ILL_TYPED_SHOWN`` in N-Triples form."""

    def __init__(self) -> None:
        self.shown: list[str] = []
        self.count = 0

    def add(self, literal: Literal) -> None:
        self.count += 1
        if len(self.shown) < ILL_TYPED_SHOWN:
            self.shown.append(literal.n3())


def _ill_typed_in(text: str) -> tuple[list[str], int, int]:
    """(the first ill-typed literals, how many, how many triples) of N-Triples ``text``; only
    literals of a datatype other than a string's become rdflib terms."""
    import pyoxigraph as ox

    from kg.store import from_engine

    found = _IllTyped()
    read = 0
    for triple in ox.parse(text, format=ox.RdfFormat.N_TRIPLES):
        read += 1
        obj = triple.object
        if isinstance(obj, ox.Literal) and obj.datatype.value not in _PLAIN:
            literal = from_engine(obj)
            if isinstance(literal, Literal) and _is_ill_typed(literal):
                found.add(literal)
    return found.shown, found.count, read


def _collect(triples: Iterable[tuple[Node, Node, Node]], engine: str,
             on_read: Callable[[int], None] | None) -> tuple[object, list[str], int, int]:
    """The engine's input made of ``triples`` (rdflib terms), with the ill-typed literals and the count."""
    from kg.store import to_engine

    found = _IllTyped()
    union = bind_prefixes(Graph())
    lines: list[str] = []
    read = 0
    for triple in triples:
        if engine == "pyshacl":
            union.add(triple)
        else:
            lines.append(" ".join(str(to_engine(term)) for term in triple) + " .\n")
        read += 1
        if on_read is not None and read % READ_STEP == 0:
            on_read(read)
        obj = triple[2]
        if isinstance(obj, Literal) and _is_ill_typed(obj):
            found.add(obj)
    data = union if engine == "pyshacl" else _turbo_input("".join(lines))
    return data, found.shown, found.count, read


def _turbo_input(ntriples: str) -> object:
    """N-Triples text as pyshacl-turbo's input, read by its native parser. (Handed over as
    text with a format name it would be parsed into rdflib terms first: several times slower.)"""
    from pyshacl_turbo.rdf import Input

    return Input(ntriples, "nt", None, {})
