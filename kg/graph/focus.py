"""Cutting a graph view down to what one drawing or file should show.

``focus(graph, ...)`` keeps, in this order:

* ``kinds``: only nodes of these kinds (``person``, ``country``, ...);
* ``min_degree``: only nodes with at least this many neighbours in the view (the undirected
  simple graph behind it, as ``kg analyse`` counts degree), counted before anything is cut;
* ``top``: only the ``top`` nodes with the highest PageRank in the view, ranked by
  ``kg.graph.analysis`` as ``kg analyse --sort pagerank --top N`` ranks them (of ``kinds``
  when given), so ``kg export --kinds person --top 20`` draws the twenty persons
  ``kg analyse --kinds person --top 20`` lists;

and the edges between the nodes kept. ``fold`` takes quotation nodes out first and gives each
speaker the number of its quotations (``quotations``) and up to five of them (``quoted``, one
per line); degree and PageRank are still those of the whole view. What was applied is
written in the graph attribute ``focus``.

``first_sight(graph)`` says what a drawing shows first: everything, or on a graph of more
than ``READABLE_FROM`` nodes no quotation and no isolated node (nor a node whose only
neighbours are quotations). ``drawing_layout(graph)`` lays a graph out from those nodes
(``kg.graph.layout``, the others placed beside their neighbours): the HTML page, the GEXF
``viz:position``, Cytoscape.js positions and the pictures all use it, so they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from kg.errors import UsageError

__all__ = [
    "QUOTES_SHOWN",
    "READABLE_FROM",
    "FirstSight",
    "drawing_layout",
    "first_sight",
    "focus",
    "fold_quotes",
    "isolated_nodes",
    "parse_kinds",
    "shown",
]

QUOTES_SHOWN = 5
"""How many quotations a speaker's ``quoted`` attribute lists when quotations are folded."""
READABLE_FROM = 500
"""A drawing of a graph with more nodes starts readable: quotations and isolated nodes hidden."""


def parse_kinds(text: str | None) -> list[str] | None:
    """``"person, country"`` → ``["person", "country"]``; ``None``, ``""`` or ``"all"`` → None (every kind)."""
    if text is None or text.strip() in ("", "all"):
        return None
    return [item.strip() for item in text.split(",") if item.strip()]


def fold_quotes(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph`` without quotation nodes; each speaker (a node linked to a quotation)
    gets ``quotations`` (how many) and ``quoted`` (the first ``QUOTES_SHOWN`` texts, by IRI)."""
    quotes = sorted(n for n, kind in graph.nodes(data="kind") if kind == "quote")
    folded = graph.copy()
    said: dict[str, list[str]] = {}
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    for quote in quotes:
        text = str(graph.nodes[quote].get("text", graph.nodes[quote].get("label", quote)))
        for speaker in sorted(undirected.neighbors(quote)):
            if graph.nodes[speaker].get("kind") != "quote":
                said.setdefault(speaker, []).append(text)
    folded.remove_nodes_from(quotes)
    for speaker, texts in said.items():
        folded.nodes[speaker]["quotations"] = len(texts)
        folded.nodes[speaker]["quoted"] = "\n".join(texts[:QUOTES_SHOWN])
    return folded


def isolated_nodes(graph: nx.Graph) -> list[str]:
    """Nodes without a link to another node (self-loops do not count)."""
    return [n for n in graph if all(m == n for m in nx.all_neighbors(graph, n))]


def _note(graph: nx.Graph, part: str) -> None:
    graph.graph["focus"] = f"{graph.graph['focus']}; {part}" if graph.graph.get("focus") else part


def focus(
    graph: nx.Graph,
    *,
    kinds: Sequence[str] | None = None,
    min_degree: int | None = None,
    top: int | None = None,
    fold: bool = False,
) -> nx.Graph:
    """``graph`` cut down as the module docstring says (a copy; ``graph`` is unchanged).

    Raises ``UsageError`` for a negative ``min_degree``, a ``top`` below 1, or when nothing
    of ``kinds`` is in the view (naming the kinds it has)."""
    if min_degree is not None and min_degree < 0:
        raise UsageError(f"--min-degree must be 0 or more, not {min_degree}")
    if top is not None and top < 1:
        raise UsageError(f"--top must be 1 or more, not {top}")
    kept: Iterable[str] = list(graph.nodes)
    notes = []
    if kinds is not None:
        wanted = set(kinds)
        kept = [n for n in kept if graph.nodes[n].get("kind") in wanted]
        if not kept:
            present = sorted({str(k) for _n, k in graph.nodes(data="kind")})
            raise UsageError(f"the {graph.graph.get('view', '')} view has no node of the kinds {', '.join(kinds)}; "
                             f"it has: {', '.join(present) or 'no nodes'}")
        notes.append(f"kinds {', '.join(kinds)}")
    if min_degree:
        from kg.graph.analysis import simple_graph

        simple = simple_graph(graph)
        kept = [n for n in kept if simple.degree(n) >= min_degree]
        notes.append(f"degree at least {min_degree}")
    if top is not None:
        from kg.graph.analysis import analyse

        ranked = analyse(graph, measures=("pagerank",), communities="none").ranked(by="pagerank", kinds=kinds)
        chosen = set(kept)
        kept = [n for n in ranked if n in chosen][:top]
        notes.append(f"top {top:,} by PageRank")
    shown = graph
    if fold and any(kind == "quote" for _n, kind in graph.nodes(data="kind")):
        shown = fold_quotes(graph)
        notes.insert(0, "quotations folded into their speakers")
    result = shown.subgraph([n for n in kept if n in shown]).copy() if notes else graph.copy()
    for part in notes:
        _note(result, part)
    return result


@dataclass(frozen=True)
class FirstSight:
    """What a drawing of a graph shows to start with."""

    readable: bool  # quotations and isolated nodes start hidden
    quotes: bool  # quotations shown
    isolated: bool  # isolated nodes shown
    isolation: dict[str, int]  # node → 2: no neighbour, 1: only quotations as neighbours, 0: others
    shown: list[str]  # the nodes shown, in graph order


def _isolation(graph: nx.Graph) -> dict[str, int]:
    kinds = dict(graph.nodes(data="kind"))
    found = {}
    for node in graph:
        neighbours = {m for m in nx.all_neighbors(graph, node) if m != node}
        if not neighbours:
            found[node] = 2
        elif kinds.get(node) != "quote" and all(kinds.get(m) == "quote" for m in neighbours):
            found[node] = 1
        else:
            found[node] = 0
    return found


def shown(kind: object, isolation: int, *, quotes: bool, isolated: bool) -> bool:
    """Whether a node of ``kind`` and ``isolation`` is drawn when quotations (``quotes``) and
    isolated nodes (``isolated``) are shown or not; the HTML viewer's script agrees."""
    if kind == "quote" and not quotes:
        return False
    return isolated or not (isolation == 2 or (isolation == 1 and not quotes))


def first_sight(graph: nx.Graph) -> FirstSight:
    """What a drawing of ``graph`` shows first (see the module docstring)."""
    isolation = _isolation(graph)
    if graph.number_of_nodes() > READABLE_FROM:
        kept = [n for n in graph if shown(graph.nodes[n].get("kind"), isolation[n], quotes=False, isolated=False)]
        if kept:  # a graph of nothing but quotations and isolated nodes is shown whole
            return FirstSight(True, False, False, isolation, kept)
    return FirstSight(False, True, True, isolation, list(graph))


def drawing_layout(graph: nx.Graph) -> tuple[dict[str, tuple[float, float]], str | None, FirstSight]:
    """(positions, layout note, first sight): ``graph`` laid out from what it shows first."""
    from kg.graph.layout import layout

    sight = first_sight(graph)
    positions, note = layout(graph, first=sight.shown if sight.readable else None)
    return positions, note, sight
