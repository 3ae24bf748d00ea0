"""Network analysis of a graph view: centrality, communities, components.

``analyse(graph)`` works on the undirected simple graph behind a view (parallel edges merged,
their weights added, self-loops dropped) and returns an :class:`Analysis`:

* ``degree`` — degree centrality (links / (n - 1));
* ``betweenness`` — the share of shortest paths through a node (unweighted: hops). Exact up
  to a work budget (``BETWEENNESS_BUDGET`` node-and-edge visits); beyond it estimated from a
  seeded sample of source nodes (``k`` pivots, Brandes' estimator), and the analysis says so
  in its ``notes``;
* ``eigenvector`` — eigenvector centrality of the weighted adjacency matrix (numpy up to
  ``DENSE_EIGEN_NODES`` nodes, ARPACK through scipy with a fixed start vector beyond, so the
  result is the same on every run), computed on the largest connected component (it is
  undefined across components);
  nodes elsewhere score 0 and the notes say so;
* ``pagerank`` — PageRank on the weighted graph (damping 0.85);
* communities by Louvain (``networkx.community.louvain_communities``, seeded, so the same
  graph gives the same communities), or Leiden when a networkx backend provides it;
* connected components.

Communities and components are numbered from 1, largest first (ties: smallest node IRI).
``write_scores`` stores the scores back as triples, so SPARQL can use them (see
``score_triples`` for the vocabulary) and ``write_analysis`` prints a table, CSV or JSON.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO, cast

import networkx as nx
from rdflib import BNode, Literal, URIRef

from kg.errors import KgError, UsageError
from kg.namespaces import PROV, RDF, RDFS, SCHEMA, XSD
from kg.rdf.iris import ANALYSIS_GRAPH_PREFIX

if TYPE_CHECKING:
    from kg.store import Store
    from kg.store.terms import Triple

__all__ = [
    "BETWEENNESS_BUDGET",
    "COMMUNITY_METHODS",
    "MEASURES",
    "Analysis",
    "AnalysisError",
    "analyse",
    "analysis_graph_iri",
    "score_triples",
    "simple_graph",
    "write_analysis",
    "write_scores",
]

MEASURES = ("degree", "betweenness", "eigenvector", "pagerank")
"""Centrality measures, in the order they are computed and shown."""

COMMUNITY_METHODS = ("louvain", "leiden", "none")

BETWEENNESS_BUDGET = 2_500_000
"""Node-and-edge visits allowed for betweenness before it is estimated from a sample:
exact betweenness visits n × (n + m); a sample of k sources visits k × (n + m). At about 2 µs a
visit in networkx (2–5 µs), the budget keeps betweenness around 10 s."""

DENSE_EIGEN_NODES = 1_000
"""Up to this many nodes eigenvector centrality is solved densely (numpy); beyond, with ARPACK."""

MIN_SAMPLES = 32
"""Betweenness is never estimated from fewer source nodes than this."""

TABLE_FORMATS = ("table", "csv", "json")


class AnalysisError(KgError):
    """An analysis cannot be run as asked (e.g. Leiden without a backend)."""


@dataclass
class Analysis:
    """Scores, communities and components of one view."""

    view: str
    graph: nx.Graph
    nodes: int
    edges: int
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    communities: list[list[str]] = field(default_factory=list)
    community_method: str = "none"
    modularity: float | None = None
    components: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _community: dict[str, int] | None = field(default=None, repr=False, compare=False)
    _component: dict[str, int] | None = field(default=None, repr=False, compare=False)

    @property
    def measures(self) -> list[str]:
        """The measures that were computed, in the order of ``MEASURES``."""
        return [m for m in MEASURES if m in self.scores]

    def community_of(self) -> dict[str, int]:
        """Node → community number (1 = the largest)."""
        if self._community is None:
            self._community = {node: number for number, group in enumerate(self.communities, 1) for node in group}
        return self._community

    def component_of(self) -> dict[str, int]:
        """Node → component number (1 = the largest)."""
        if self._component is None:
            self._component = {node: number for number, group in enumerate(self.components, 1) for node in group}
        return self._component

    def label(self, node: str) -> str:
        """The node's label, or its IRI when it has none."""
        return str(self.graph.nodes[node].get("label", node))

    def ranked(self, *, by: str | None = None, kinds: Iterable[str] | None = None, top: int | None = None) -> list[str]:
        """Nodes of the given kinds, best first by measure ``by`` (ties: label, then IRI)."""
        measure = by or (self.measures[-1] if self.measures else None)
        if measure is not None and measure not in self.scores:
            raise UsageError(f"cannot sort by {measure!r}: it was not computed (computed: {', '.join(self.measures) or 'none'})")
        wanted = set(kinds) if kinds is not None else None
        nodes = [n for n, a in self.graph.nodes(data=True) if wanted is None or a.get("kind") in wanted]
        scores = self.scores.get(measure, {}) if measure else {}
        nodes.sort(key=lambda n: (-scores.get(n, 0.0), self.label(n).casefold(), n))
        return nodes if top is None else nodes[:top]

    def row(self, node: str) -> dict[str, object]:
        """One table row for ``node``: IRI, label, kind, each computed measure (rounded to 6 places),
        its community number when communities were found, and its component number."""
        attrs = self.graph.nodes[node]
        row: dict[str, object] = {"node": node, "label": self.label(node), "kind": attrs.get("kind", "")}
        for measure in self.measures:
            row[measure] = round(self.scores[measure].get(node, 0.0), 6)
        if self.communities:
            row["community"] = self.community_of().get(node, 0)
        row["component"] = self.component_of().get(node, 0)
        return row


def simple_graph(graph: nx.Graph) -> nx.Graph:
    """The undirected simple graph behind a view: parallel edges merged (weights added), no self-loops."""
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    for u, v, data in graph.edges(data=True):
        if u == v:
            continue
        weight = data.get("weight", 1)
        weight = weight if isinstance(weight, (int, float)) and weight > 0 else 1
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += weight
        else:
            simple.add_edge(u, v, weight=weight)
    return simple


def _betweenness(simple: nx.Graph, *, samples: int | None, exact: bool, seed: int, notes: list[str]) -> dict[str, float]:
    n, m = simple.number_of_nodes(), simple.number_of_edges()
    if n == 0:
        return {}
    if samples is None and not exact:
        affordable = BETWEENNESS_BUDGET // max(n + m, 1)
        samples = None if affordable >= n else max(MIN_SAMPLES, affordable)
    if exact or samples is None or samples >= n:
        return nx.betweenness_centrality(simple, normalized=True)
    notes.append(
        f"betweenness estimated from {samples:,} of {n:,} nodes taken as path sources (seed {seed}); "
        f"the exact measure needs about {n * (n + m):.1e} steps — use --exact to compute it anyway"
    )
    return nx.betweenness_centrality(simple, k=samples, normalized=True, seed=seed)


def _eigenvector(simple: nx.Graph, components: list[list[str]], notes: list[str]) -> dict[str, float] | None:
    """Eigenvector centrality of the largest component (the measure is undefined across
    components); nodes of other components score 0, and the notes say so."""
    n = simple.number_of_nodes()
    if n == 0:
        return {}
    scores = {node: 0.0 for node in simple}
    largest = simple.subgraph(components[0]) if components else simple
    if largest.number_of_edges() == 0:
        return scores
    try:
        import numpy as np

        nodes = list(largest)
        if len(nodes) <= DENSE_EIGEN_NODES:
            matrix = nx.to_numpy_array(largest, nodelist=nodes, weight="weight")
            values, vectors = np.linalg.eigh(matrix)
            vector = vectors[:, int(np.argmax(values))]
        else:
            from scipy.sparse.linalg import eigsh

            matrix = nx.to_scipy_sparse_array(largest, nodelist=nodes, weight="weight", dtype=float)
            # A fixed start vector makes ARPACK's answer the same on every run.
            _values, vectors = eigsh(matrix, k=1, which="LA", v0=np.ones(len(nodes)))
            vector = vectors[:, 0]
        vector = np.abs(vector)
        norm = float(np.linalg.norm(vector)) or 1.0
        scores.update({node: float(x) / norm for node, x in zip(nodes, vector)})
    except ImportError:
        raise AnalysisError("eigenvector centrality needs scipy: pip install scipy (or leave it out with --measures)") from None
    except Exception as error:  # ARPACK did not converge, or a degenerate matrix
        notes.append(f"eigenvector centrality could not be computed ({type(error).__name__}: {error}); use pagerank")
        return None
    if len(components) > 1:
        notes.append(
            f"eigenvector centrality is computed on the largest component ({len(components[0]):,} of {n:,} nodes); "
            "the other nodes score 0 — compare across components with pagerank"
        )
    return scores


def _pagerank(simple: nx.Graph) -> dict[str, float]:
    if simple.number_of_nodes() == 0:
        return {}
    try:
        return dict(nx.pagerank(simple, weight="weight"))
    except ImportError:
        raise AnalysisError("pagerank needs scipy: pip install scipy (or leave it out with --measures)") from None


def _ordered(groups: Iterable[Iterable[str]]) -> list[list[str]]:
    return sorted((sorted(group) for group in groups), key=lambda group: (-len(group), group[0] if group else ""))


def _communities(simple: nx.Graph, method: str, *, seed: int, resolution: float) -> list[list[str]]:
    if simple.number_of_nodes() == 0:
        return []
    if method == "louvain":
        return _ordered(nx.community.louvain_communities(simple, weight="weight", seed=seed, resolution=resolution))
    try:
        found = nx.community.leiden_communities(simple, weight="weight", seed=seed, resolution=resolution)
    except (NotImplementedError, ImportError, AttributeError):
        raise AnalysisError(
            "Leiden communities need a networkx backend that implements them (for example nx-cugraph); "
            "none is installed — use --communities louvain"
        ) from None
    return _ordered(found)


def analyse(
    graph: nx.Graph,
    *,
    measures: Sequence[str] = MEASURES,
    communities: str = "louvain",
    seed: int = 42,
    resolution: float = 1.0,
    samples: int | None = None,
    exact: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> Analysis:
    """Centrality ``measures``, communities and components of ``graph`` (a view).

    ``samples`` forces a betweenness estimate from that many source nodes; ``exact`` forbids
    estimating. Results depend only on the graph and ``seed``. ``on_step(label)`` hears each
    measure (and the communities) as its computation begins, for a progress bar.
    """
    step = on_step if on_step is not None else (lambda _label: None)
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise UsageError(f"unknown measure {unknown[0]!r}; use any of: {', '.join(MEASURES)}")
    if communities not in COMMUNITY_METHODS:
        raise UsageError(f"unknown community method {communities!r}; use one of: {', '.join(COMMUNITY_METHODS)}")
    if samples is not None and samples < 1:
        raise UsageError(f"--samples must be 1 or more, not {samples}")
    simple = simple_graph(graph)
    result = Analysis(
        view=str(graph.graph.get("view", "")),
        graph=graph,
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
    )
    result.components = _ordered(nx.connected_components(simple))
    for measure in MEASURES:
        if measure not in measures:
            continue
        step(f"{measure} centrality")
        if measure == "degree":
            result.scores["degree"] = dict(nx.degree_centrality(simple)) if len(simple) > 1 else {n: 0.0 for n in simple}
        elif measure == "betweenness":
            result.scores["betweenness"] = _betweenness(simple, samples=samples, exact=exact, seed=seed, notes=result.notes)
        elif measure == "eigenvector":
            scores = _eigenvector(simple, result.components, result.notes)
            if scores is not None:
                result.scores["eigenvector"] = scores
        else:
            result.scores["pagerank"] = _pagerank(simple)
    if communities != "none":
        step(f"{communities} communities")
        result.communities = _communities(simple, communities, seed=seed, resolution=resolution)
        result.community_method = communities
        if simple.number_of_edges():
            result.modularity = float(nx.community.modularity(simple, result.communities, weight="weight", resolution=resolution))
    return result


# --- output ------------------------------------------------------------------------------------------


def _figure(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if value else "0"
    return str(value)


def _group_names(analysis: Analysis, group: list[str], size: int = 4) -> str:
    by = analysis.measures[-1] if analysis.measures else None
    scores = analysis.scores.get(by, {}) if by else {}
    best = sorted(group, key=lambda n: (-scores.get(n, 0.0), analysis.label(n).casefold(), n))[:size]
    names = ", ".join(analysis.label(n) for n in best)
    return names + (f" and {len(group) - len(best):,} more" if len(group) > len(best) else "")


def _nodes(count: int) -> str:
    return f"{count:>6,} node{'s' if count != 1 else ' '}"


def _summary(analysis: Analysis) -> str:
    parts = [
        f"{analysis.view or 'graph'} view: {analysis.nodes:,} nodes, {analysis.edges:,} edges, "
        f"{len(analysis.components):,} component{'s' if len(analysis.components) != 1 else ''}"
    ]
    if analysis.communities:
        modularity = f", modularity {analysis.modularity:.3f}" if analysis.modularity is not None else ""
        count = len(analysis.communities)
        parts.append(f"{count:,} communit{'ies' if count != 1 else 'y'} ({analysis.community_method}{modularity})")
    return ", ".join(parts)


def _write_table(analysis: Analysis, nodes: list[str], by: str | None, kinds: Sequence[str] | None, out: TextIO, groups: int) -> None:
    out.write(_summary(analysis) + "\n\n")
    which = f"{', '.join(kinds)}" if kinds else "all nodes"
    out.write(f"Most central ({which}; by {by or 'label'}):\n")
    header = ["rank", "label", "kind", *analysis.measures]
    if analysis.communities:
        header.append("community")
    rows = []
    for rank, node in enumerate(nodes, 1):
        row = analysis.row(node)
        rows.append([str(rank), str(row["label"]), str(row["kind"]), *(_figure(row[m]) for m in analysis.measures)]
                    + ([str(row["community"])] if analysis.communities else []))
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for cells in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n")
    if analysis.communities:
        shown = analysis.communities[:groups]
        out.write(f"\nCommunities ({analysis.community_method}):\n")
        for number, group in enumerate(shown, 1):
            out.write(f"{number:>3}  {_nodes(len(group))}  {_group_names(analysis, group)}\n")
        if len(analysis.communities) > len(shown):
            out.write(f"     … and {len(analysis.communities) - len(shown):,} smaller communities\n")
    out.write("\nComponents:\n")
    shown = analysis.components[:groups]
    for number, group in enumerate(shown, 1):
        out.write(f"{number:>3}  {_nodes(len(group))}  {_group_names(analysis, group)}\n")
    if len(analysis.components) > len(shown):
        out.write(f"     … and {len(analysis.components) - len(shown):,} smaller components\n")
    for note in analysis.notes:
        out.write(f"\nnote: {note}\n")


def write_analysis(
    analysis: Analysis,
    fmt: str,
    out: TextIO,
    *,
    by: str | None = None,
    kinds: Sequence[str] | None = None,
    top: int | None = None,
    groups: int = 10,
) -> None:
    """Write ``analysis`` as ``table`` (summary, top nodes, communities, components, notes),
    ``csv`` (one row per node) or ``json`` (everything)."""
    if fmt not in TABLE_FORMATS:
        raise UsageError(f"unknown analysis format {fmt!r}; use one of: {', '.join(TABLE_FORMATS)}")
    by = by or (analysis.measures[-1] if analysis.measures else None)
    if fmt == "table":
        nodes = analysis.ranked(by=by, kinds=kinds, top=10 if top is None else top)
        _write_table(analysis, nodes, by, kinds, out, groups)
        return
    nodes = analysis.ranked(by=by, kinds=kinds, top=top)
    rows = [analysis.row(node) for node in nodes]
    if fmt == "csv":
        columns = ["node", "label", "kind", *analysis.measures, *(["community"] if analysis.communities else []), "component"]
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
        return
    document = {
        "view": analysis.view,
        "nodes": analysis.nodes,
        "edges": analysis.edges,
        "measures": analysis.measures,
        "sorted_by": by,
        "kinds": list(kinds) if kinds else None,
        "scores": rows,
        "communities": {
            "method": analysis.community_method,
            "modularity": analysis.modularity,
            "groups": [
                {"id": number, "size": len(group), "names": _group_names(analysis, group, 10), "members": group}
                for number, group in enumerate(analysis.communities, 1)
            ],
        },
        "components": [{"id": number, "size": len(group), "members": group} for number, group in enumerate(analysis.components, 1)],
        "notes": analysis.notes,
    }
    json.dump(document, out, ensure_ascii=False, indent=2)
    out.write("\n")


# --- writing scores back to the store ------------------------------------------------------------------


def analysis_graph_iri(view: str) -> URIRef:
    """The named graph that holds the written-back scores of one view."""
    return URIRef(f"{ANALYSIS_GRAPH_PREFIX}{view or 'graph'}")


def score_triples(analysis: Analysis) -> list[Triple]:
    """The scores as triples, reusing schema.org's ``PropertyValue``::

        <node> schema:additionalProperty [
            a schema:PropertyValue ;
            schema:propertyID "pagerank" ;            # degree, betweenness, eigenvector, pagerank,
                                                      # community, component
            schema:value 0.0412 ;                     # xsd:double (community/component: xsd:integer)
            schema:measurementTechnique "actors" ;    # the view
            prov:wasGeneratedBy <activity> ] .
        <activity> a prov:Activity ; rdfs:label "kg analyse (actors view)" ; rdfs:comment "…notes…" .

    Only IRI nodes get scores (every view node is one).
    """
    view = analysis.view or "graph"
    activity = URIRef(f"{analysis_graph_iri(view)}#activity")
    triples: list[Triple] = [
        (activity, RDF.type, PROV.Activity),
        (activity, RDFS.label, Literal(f"kg analyse ({view} view)")),
        (activity, RDFS.comment, Literal(_summary(analysis) + "".join(f"; {note}" for note in analysis.notes))),
    ]
    columns: list[tuple[str, Mapping[str, float], URIRef]] = [
        (measure, analysis.scores[measure], XSD.double) for measure in analysis.measures
    ]
    if analysis.communities:
        columns.append(("community", analysis.community_of(), XSD.integer))
    columns.append(("component", analysis.component_of(), XSD.integer))
    technique = Literal(view)
    for node in analysis.graph.nodes:
        if not isinstance(node, str) or ":" not in node:
            continue
        subject = URIRef(node)
        for name, values, datatype in columns:
            if node not in values:
                continue
            value = values[node]
            if datatype == XSD.double and not math.isfinite(float(value)):
                continue
            record = BNode()
            literal = Literal(repr(float(value)) if datatype == XSD.double else str(int(value)), datatype=datatype)
            triples += [
                (subject, SCHEMA.additionalProperty, record),
                (record, RDF.type, SCHEMA.PropertyValue),
                (record, SCHEMA.propertyID, Literal(name)),
                (record, SCHEMA.value, literal),
                (record, SCHEMA.measurementTechnique, technique),
                (record, PROV.wasGeneratedBy, activity),
            ]
    return triples


def write_scores(store: object, analysis: Analysis) -> tuple[URIRef, int]:
    """Replace the view's analysis graph in ``store`` (a writable ``kg.store.Store``) with the
    scores; returns (graph IRI, number of triples)."""
    triples = score_triples(analysis)
    name = analysis_graph_iri(analysis.view)
    cast("Store", store).replace_graph(name, triples)  # a Store, as the docstring says (typed object)
    return name, len(triples)
