"""A static picture of a graph view (PNG or SVG) for reports, drawn with matplotlib.

The same layout, colours and sizes as the HTML viewer: nodes coloured by kind and sized by
PageRank, edges as thin lines, a legend of kinds, labels on every node of a small graph (up
to ``ALL_LABELS_UP_TO``) or on the ``LABELLED_NODES`` largest of a big one. A graph the page
opens readable (``kg.graph.focus.first_sight``) is drawn as the page first shows it: without
quotations and isolated nodes (the subtitle says so). Labels are plain
text (no mathtext: ``$`` is a dollar sign). The output is deterministic: no dates in the
metadata, a fixed SVG id salt. matplotlib is imported only here, through its object API
(no pyplot, no global backend state).
"""

from __future__ import annotations

import warnings
from typing import BinaryIO

import networkx as nx

from kg.errors import KgError

__all__ = ["ALL_LABELS_UP_TO", "LABELLED_NODES", "draw"]

ALL_LABELS_UP_TO = 80
LABELLED_NODES = 40
_WIDTH_INCHES = 12.0
_DPI = 120


def draw(graph: nx.Graph, out: BinaryIO, *, fmt: str = "png", title: str | None = None) -> None:
    """Draw ``graph`` to the binary stream ``out`` as ``png`` or ``svg``."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.collections import LineCollection
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patheffects import withStroke
    except ImportError:
        raise KgError(f"{fmt.upper()} pictures need matplotlib: pip install matplotlib") from None
    from kg.graph.layout import colour_of
    from kg.graph.focus import drawing_layout
    from kg.graph.layout import node_sizes
    from kg.graph.viewer import graph_title

    positions, note, sight = drawing_layout(graph)
    sizes, sized_by = node_sizes(graph, smallest=3.0, largest=22.0)
    nodes = sight.shown
    drawn = set(nodes)
    figure = Figure(figsize=(_WIDTH_INCHES, _WIDTH_INCHES * 0.75), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.01, 0.01, 0.98, 0.92))
    axes.set_axis_off()
    segments = [(positions[u], positions[v]) for u, v in graph.edges() if u != v and u in drawn and v in drawn]
    if segments:
        axes.add_collection(LineCollection(segments, colors="#b5b5b5", linewidths=0.6, zorder=1))
    if nodes:
        xs = [positions[n][0] for n in nodes]
        ys = [positions[n][1] for n in nodes]
        axes.scatter(
            xs,
            ys,
            s=[sizes[n] ** 2 for n in nodes],
            c=[colour_of(graph.nodes[n].get("kind")) for n in nodes],
            edgecolors="white",
            linewidths=0.6,
            zorder=2,
        )
        margin = 60
        axes.set_xlim(min(xs) - margin * 2.5, max(xs) + margin * 2.5)
        axes.set_ylim(min(ys) - margin, max(ys) + margin)
    by_size = sorted(nodes, key=lambda n: (-sizes[n], str(n)))
    labelled = by_size if len(nodes) <= ALL_LABELS_UP_TO else by_size[:LABELLED_NODES]
    outline = [withStroke(linewidth=2.5, foreground="white")]
    for node in labelled:
        label = str(graph.nodes[node].get("label", node))
        size = 28 if graph.nodes[node].get("kind") == "quote" else 40
        label = label if len(label) <= size else label[: size - 1].rstrip() + "…"
        x, y = positions[node]
        axes.text(x, y - sizes[node] * 1.2 - 8, label, fontsize=7, ha="center", va="top", zorder=3,
                  path_effects=outline, parse_math=False)
    kinds: dict[str, int] = {}
    for node in nodes:
        kind = str(graph.nodes[node].get("kind", "resource"))
        kinds[kind] = kinds.get(kind, 0) + 1
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=colour_of(kind), markeredgecolor="white",
               label=f"{kind} ({count:,})")
        for kind, count in sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
    ]
    if handles:
        legend = axes.legend(handles=handles, loc="lower right", fontsize=8, frameon=True, framealpha=0.9)
        for text in legend.get_texts():
            text.set_parse_math(False)
    heading = title or graph_title(graph)
    subtitle = f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges; node size: {sized_by}"
    if sight.readable:
        subtitle += f"; {len(nodes):,} nodes drawn: quotations and isolated nodes left out"
    if note:
        subtitle += f"; {note}"
    figure.text(0.01, 0.985, heading, fontsize=13, va="top", parse_math=False)
    figure.text(0.01, 0.955, subtitle, fontsize=8, va="top", color="#555555", parse_math=False)
    with warnings.catch_warnings(), matplotlib.rc_context({"svg.hashsalt": "kg", "svg.fonttype": "path"}):
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
        warnings.filterwarnings("ignore", message=r"Matplotlib currently does not support")
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(out, format=fmt, metadata=metadata, facecolor="white")
