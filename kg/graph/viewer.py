"""The interactive HTML page of a graph view: one self-contained file that works offline.

``viewer_html(graph)`` returns the page: the graph laid out (``kg.graph.layout``), nodes
coloured by kind and sized by PageRank, a search box over labels, alternative labels and
IRIs, and a panel showing a clicked node's attributes (labels, roles, dates, ...) and
connections, or a clicked edge's relation and source sentences. Two boxes show or hide
quotations and isolated nodes; a graph of more than ``READABLE_FROM`` nodes starts with both
hidden (a speaker's panel then counts its quotations), and is laid out from what is shown. Cytoscape.js (vendored in
``kg/graph/assets`` with its MIT licence, which stays in the page as the library's opening
comment) and the viewer's own script are inlined; nothing is fetched.

Safety: the data travels as JSON in a ``<script type="application/json">`` block with ``<``,
``>``, ``&``, U+2028 and U+2029 written as ``\\uXXXX`` escapes, so no text from an article can
close the block; the viewer inserts every text with ``textContent``; the title is HTML-escaped;
and the page's Content-Security-Policy allows only the page's own two scripts (by their
SHA-256 hashes) and no network access at all, so even a script that got in would not run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from functools import cache
from pathlib import Path

import networkx as nx

from kg import __version__
from kg.graph.layout import colour_of
from kg.graph.focus import READABLE_FROM

__all__ = ["CYTOSCAPE_VERSION", "READABLE_FROM", "script_json", "viewer_data", "viewer_html"]

CYTOSCAPE_VERSION = "3.34.4"
ASSETS = Path(__file__).resolve().parent / "assets"
ALL_LABELS_UP_TO = 150
"""Graphs with up to this many nodes show every label; larger ones label their biggest nodes."""
LABELLED_NODES = 100
_TOKEN = re.compile(r"@@([A-Z_]+)@@")
_SEARCHED = ("label", "altLabel", "name", "iso2", "iso3", "roles")


@cache
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def script_json(value: object) -> str:
    """JSON that is safe inside an HTML ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _inline_script(code: str) -> str:
    """Script text that cannot end its ``<script>`` element early."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def graph_title(graph: nx.Graph) -> str:
    """The heading of a picture or page of ``graph``: its view, and the agreement, article or
    node it is centred on."""
    view = graph.graph.get("view", "graph")
    parts = [f"kg — {view} view"]
    for key, word in (("agreement", "agreement"), ("article", "article"), ("around", "around")):
        value = graph.graph.get(key)
        if value:
            label = graph.nodes[value].get("label", value) if value in graph else value
            parts.append(f"{word}: {label}")
    return ", ".join(parts)


def _said(graph: nx.Graph) -> dict[str, int]:
    """Speaker → how many quotation nodes it is linked to."""
    kinds = dict(graph.nodes(data="kind"))
    counts: dict[str, int] = {}
    for node, kind in kinds.items():
        if kind == "quote":
            for speaker in set(nx.all_neighbors(graph, node)):
                if kinds.get(speaker) != "quote":
                    counts[speaker] = counts.get(speaker, 0) + 1
    return counts


def viewer_data(graph: nx.Graph, *, title: str | None = None) -> dict[str, object]:
    """What the page embeds: nodes (with position, colour, size, attributes), edges, legend,
    and what the page shows to start with (``start``): on a graph of more than
    ``READABLE_FROM`` nodes, quotations folded into their speakers and isolated nodes hidden
    (laid out from the nodes shown; the others placed beside their neighbours)."""
    from kg.graph.focus import drawing_layout
    from kg.graph.layout import node_sizes

    positions, layout_note, sight = drawing_layout(graph)
    isolation, shown_first, readable = sight.isolation, sight.shown, sight.readable
    start = {"quotes": sight.quotes, "isolated": sight.isolated}
    said = _said(graph)
    sizes, sized_by = node_sizes(graph)
    by_size = sorted(shown_first, key=lambda n: (-sizes[n], str(n)))
    labelled = set(by_size if len(by_size) <= ALL_LABELS_UP_TO else by_size[:LABELLED_NODES])
    nodes = []
    kinds: dict[str, int] = {}
    for node, attrs in graph.nodes(data=True):
        kind = str(attrs.get("kind", "resource"))
        kinds[kind] = kinds.get(kind, 0) + 1
        label = str(attrs.get("label", node))
        x, y = positions.get(node, (0.0, 0.0))
        searched = " ".join(str(attrs[k]) for k in _SEARCHED if k in attrs) + " " + str(node)
        nodes.append(
            {
                "id": str(node),
                "label": label,
                "shown": label if node in labelled else "",
                "kind": kind,
                "colour": colour_of(kind),
                "size": sizes[node],
                "x": x,
                "y": -y,
                "search": searched.lower(),
                "isolated": isolation[node],
                "attributes": [[k, str(v)] for k, v in attrs.items() if k not in ("label", "kind")]
                + ([["quotations", str(said[node])]] if node in said and "quotations" not in attrs else []),
            }
        )
    edges = []
    items = graph.edges(keys=True, data=True) if graph.is_multigraph() else ((u, v, None, d) for u, v, d in graph.edges(data=True))
    for index, (u, v, _key, attrs) in enumerate(items):
        weight = attrs.get("weight", 1)
        weight = float(weight) if isinstance(weight, (int, float)) and weight > 0 else 1.0
        edges.append(
            {
                "id": f"e{index}",
                "source": str(u),
                "target": str(v),
                "relation": str(attrs.get("relation", "")),
                "width": round(1 + math.log2(weight), 2) if weight >= 1 else 1,
                "sentence": str(attrs.get("sentence", "")),
                "evidence": str(attrs.get("evidence", "")),
                "attributes": [[k, str(x)] for k, x in attrs.items() if k not in ("relation", "sentence", "evidence")],
            }
        )
    notes = [layout_note] if layout_note else []
    if graph.graph.get("focus"):
        notes.insert(0, f"kept: {graph.graph['focus']}")
    quotes = sum(1 for _n, kind in graph.nodes(data="kind") if kind == "quote")
    if readable and (quotes or any(isolation.values())):
        notes.append(f"{graph.number_of_nodes():,} nodes: {len(shown_first):,} shown to start with; quotations "
                     "folded into their speakers and isolated nodes hidden (tick the boxes to show them)")
    return {
        "title": title or graph_title(graph),
        "view": str(graph.graph.get("view", "graph")),
        "directed": graph.is_directed(),
        "sizedBy": sized_by,
        "start": start,
        "quotes": quotes,
        "nodes": nodes,
        "edges": edges,
        "legend": [{"kind": k, "colour": colour_of(k), "count": n} for k, n in sorted(kinds.items(), key=lambda i: (-i[1], i[0]))],
        "notes": notes,
    }


def _hash(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii") + "'"


def viewer_html(graph: nx.Graph, *, title: str | None = None) -> str:
    """The self-contained HTML page of ``graph``."""
    data = viewer_data(graph, title=title)
    library = _inline_script(_asset("cytoscape.min.js"))
    viewer = _inline_script(_asset("viewer.js"))
    csp = (
        "default-src 'none'; "
        f"script-src {_hash(library)} {_hash(viewer)}; "
        "style-src 'unsafe-inline'; img-src data: blob:; "
        "base-uri 'none'; form-action 'none'"
    )
    values = {
        "CSP": html.escape(csp, quote=True),
        "VERSION": html.escape(__version__),
        "CYTOSCAPE_VERSION": CYTOSCAPE_VERSION,
        "TITLE": html.escape(str(data["title"]), quote=True),
        "CSS": _asset("viewer.css"),
        "DATA": script_json(data),
        "CYTOSCAPE": library,
        "VIEWER": viewer,
    }
    # One pass over the template only: text substituted in is never scanned for tokens.
    return _TOKEN.sub(lambda match: values[match.group(1)], _asset("viewer.html"))
