"""SHACL validation: does a graph hold what ``ontology/shapes.ttl`` says a valid kg graph holds?

``validate_graph`` checks one graph, or the union of a dataset's graphs (what the named
queries see), with pyshacl: no inference, no ontology import, so it stays fast and offline.
``validate_store`` does the same for the union of every named graph of a ``kg.store.Store``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from pyshacl import validate
from rdflib import Dataset, Graph, Literal
from rdflib.graph import ConjunctiveGraph
from rdflib.term import Node

from kg.errors import ValidationError
from kg.namespaces import RDF, SH, bind_prefixes
from kg.resources import resource_path
import kg.store  # noqa: F401 - silences rdflib's warning per ill-typed literal

__all__ = ["ValidationReport", "ValidationResult", "load_shapes", "validate_graph", "validate_store"]


class TripleSource(Protocol):
    """Anything that yields the triples of its union graph (``kg.store.Store`` does)."""

    def triples(self) -> Iterator[tuple[Node, Node, Node]]: ...


class ValidationResult(NamedTuple):
    """One violation: the node that fails, the property path (or ""), and what is wrong."""

    focus: str
    path: str
    message: str


@dataclass
class ValidationReport:
    """The verdict of a validation: ``conforms``, pyshacl's text report, and each violation."""

    conforms: bool
    text: str
    results: list[ValidationResult] = field(default_factory=list)
    ill_typed: list[str] = field(default_factory=list)  # literals not valid for their datatype (N-Triples)
    ill_typed_count: int = 0

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


def validate_graph(graph_or_dataset: Graph) -> ValidationReport:
    """Validate a Graph, or the union of all graphs of a Dataset, against the kg shapes."""
    graph = _union(graph_or_dataset)
    conforms, report_graph, text = validate(
        graph,
        shacl_graph=load_shapes(),
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        advanced=False,
    )
    results = []
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        messages = sorted(str(m) for m in report_graph.objects(result, SH.resultMessage))
        if not messages:
            component = report_graph.value(result, SH.sourceConstraintComponent)
            messages = [f"violates {_show(graph, component)}"]
        results.append(
            ValidationResult(
                focus=_show(graph, report_graph.value(result, SH.focusNode)),
                path=_show(graph, report_graph.value(result, SH.resultPath)),
                message="; ".join(messages),
            )
        )
    return ValidationReport(conforms=bool(conforms), text=str(text), results=sorted(results))


ILL_TYPED_SHOWN = 10
"""``validate_store`` keeps this many of the ill-typed literals it finds (all are counted)."""


def validate_store(store: TripleSource) -> ValidationReport:
    """Validate the union of every named graph of a store (``store.triples()``) against the kg shapes.

    Literals whose lexical form is not valid for their datatype ("abc"^^xsd:integer) are
    counted in the report (``ill_typed_count``, the first ``ILL_TYPED_SHOWN`` in ``ill_typed``);
    rdflib's warning for each of them is silenced (``kg.store``)."""
    union = bind_prefixes(Graph())
    ill_typed: list[str] = []
    count = 0
    for triple in store.triples():
        union.add(triple)
        obj = triple[2]
        if isinstance(obj, Literal) and obj.ill_typed:
            count += 1
            if len(ill_typed) < ILL_TYPED_SHOWN:
                ill_typed.append(obj.n3())
    report = validate_graph(union)
    report.ill_typed, report.ill_typed_count = ill_typed, count
    return report
