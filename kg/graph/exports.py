"""Writing a graph view to a file: GraphML, GEXF, node-link JSON, Cytoscape.js JSON, Graphviz
DOT, a self-contained interactive HTML page, and PNG or SVG pictures.

``export_view(graph, fmt, path)`` takes a view (``kg.graph.views.build_view``) and a view
format from the format table (``kg.formats.VIEW_FORMATS``) and writes the file atomically (a
temporary file beside the target, renamed over it when complete; ``-`` is stdout).

What each format keeps:

* **GraphML** (Gephi, yEd, Cytoscape desktop) and **GEXF** (Gephi): every node and edge
  attribute with its type (string, int or float), the graph's attributes, parallel edges.
  Edge ids are unique (``e0``, ``e1``, ... in GraphML, ``0``, ``1``, ... in GEXF; Gephi merges
  or rejects repeated ids); the relation is the edge attribute ``relation``. XML cannot carry
  some characters (most C0 controls, U+FFFE, U+FFFF, lone surrogates); they become U+FFFD. In
  GEXF the node ``label`` is GEXF's own label and every other attribute, ``kind`` included, is
  a declared node attribute; each node has ``viz:color``, ``viz:size`` and ``viz:position``:
  the HTML viewer's colour of its kind, its PageRank size and its laid-out position, so
  Gephi opens the file coloured and laid out.
* **node-link JSON** (D3): ``networkx.node_link_data``, the edges under ``links`` (the name D3
  and networkx before 3.4 use) and again under ``edges`` (networkx 3.6's default), so
  ``networkx.node_link_graph(data)`` and D3's force examples both read it unchanged.
* **Cytoscape.js JSON** (``.cyjs``): ``{"data", "directed", "multigraph", "elements": {"nodes",
  "edges"}}`` as ``networkx.cytoscape_data`` writes it (``id``, ``value`` and ``name`` — the
  label — on each node), plus each node's laid-out ``position``.
* **DOT** (Graphviz): every attribute as a quoted string (``"`` and ``\\`` escaped, line breaks
  as ``\\n``); nodes filled with the colour of their kind; edges labelled with their relation.
* **HTML**: see ``kg.graph.viewer``.
* **PNG / SVG**: see ``kg.graph.picture``.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import networkx as nx

from kg.atomic import write_atomically
from kg.errors import KgError, UsageError
from kg.formats import Format
from kg.graph.layout import colour_of

__all__ = [
    "ExportError",
    "cytoscape_document",
    "export_view",
    "gexf_viz",
    "render_view",
    "xml_safe",
]



class ExportError(KgError):
    """A view could not be written (unwritable target, or data a format cannot carry)."""

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_DOT_CONTROL = _XML_INVALID


def xml_safe(value: object) -> object:
    """``value`` with the characters XML 1.0 cannot carry replaced by U+FFFD (non-strings unchanged)."""
    return _XML_INVALID.sub("\ufffd", value) if isinstance(value, str) else value


def _xml_copy(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph`` whose node ids and attribute strings are XML-safe."""
    copy = graph.__class__()
    copy.graph.update({k: xml_safe(v) for k, v in graph.graph.items()})
    for node, attrs in graph.nodes(data=True):
        copy.add_node(xml_safe(node), **{k: xml_safe(v) for k, v in attrs.items()})
    if graph.is_multigraph():
        for u, v, key, attrs in graph.edges(keys=True, data=True):
            copy.add_edge(xml_safe(u), xml_safe(v), key=xml_safe(key), **{k: xml_safe(x) for k, x in attrs.items()})
    else:
        for u, v, attrs in graph.edges(data=True):
            copy.add_edge(xml_safe(u), xml_safe(v), **{k: xml_safe(x) for k, x in attrs.items()})
    return copy


# --- writers --------------------------------------------------------------------------------------


def _numbered_edges(graph: nx.Graph) -> nx.Graph:
    """``graph``, a multigraph with edge keys ``e0``, ``e1``, ... when it is one: networkx's
    GraphML writer makes a multigraph edge's key its id, and the actors view's keys (the
    relations) repeat; the relation stays in the edge's ``relation``. A simple graph's
    edges get no id."""
    if not graph.is_multigraph():
        return graph
    copy = graph.__class__()
    copy.graph.update(graph.graph)
    copy.add_nodes_from(graph.nodes(data=True))
    for index, (u, v, attrs) in enumerate(graph.edges(data=True)):
        copy.add_edge(u, v, key=f"e{index}", **attrs)
    return copy


def _graphml(graph: nx.Graph, out: BinaryIO) -> None:
    nx.write_graphml_lxml(_xml_copy(_numbered_edges(graph)), out, encoding="utf-8", prettyprint=True,
                          named_key_ids=True)


def gexf_viz(graph: nx.Graph) -> dict[str, dict[str, object]]:
    """Node → GEXF ``viz`` data: the HTML viewer's colour (by kind), size (by PageRank) and
    position (``kg.graph.focus.drawing_layout``, y pointing up as in Gephi)."""
    from kg.graph.focus import drawing_layout
    from kg.graph.layout import node_sizes

    positions, _note, _sight = drawing_layout(graph)
    sizes, _measure = node_sizes(graph)
    viz = {}
    for node, attrs in graph.nodes(data=True):
        colour = colour_of(attrs.get("kind"))
        x, y = positions.get(node, (0.0, 0.0))
        viz[node] = {
            "color": {"r": int(colour[1:3], 16), "g": int(colour[3:5], 16), "b": int(colour[5:7], 16), "a": 1.0},
            "size": sizes[node],
            "position": {"x": x, "y": y, "z": 0.0},
        }
    return viz


def _gexf(graph: nx.Graph, out: BinaryIO) -> None:
    # networkx keeps a multigraph's edge keys as the edge attribute ``networkx_key`` and
    # numbers the edges itself (ids 0, 1, ...); a node's ``viz`` becomes GEXF's viz elements.
    copy = _xml_copy(graph)
    for node, viz in gexf_viz(graph).items():
        copy.nodes[xml_safe(node)]["viz"] = viz
    nx.write_gexf(copy, out, encoding="utf-8", prettyprint=True, version="1.2draft")


def _nodelink(graph: nx.Graph, out: BinaryIO) -> None:
    # "links" is the name D3 uses (and networkx before 3.4); networkx 3.6 reads "edges" by
    # default. Both hold the same list, so either reader works with its defaults.
    document = nx.node_link_data(graph, edges="links")
    document["edges"] = document["links"]
    out.write(json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8"))
    out.write(b"\n")


def cytoscape_document(graph: nx.Graph, positions: dict[str, tuple[float, float]] | None = None) -> dict[str, object]:
    """The Cytoscape.js JSON of ``graph`` (``networkx.cytoscape_data``'s shape, plus positions)."""
    nodes = []
    for node, attrs in graph.nodes(data=True):
        data = dict(attrs)
        data["id"] = str(node)
        data["value"] = node
        data.setdefault("name", str(attrs.get("label", node)))
        element: dict[str, object] = {"data": data}
        if positions is not None and node in positions:
            x, y = positions[node]
            element["position"] = {"x": x, "y": y}
        nodes.append(element)
    edges = []
    if graph.is_multigraph():
        items: Iterator[tuple[object, object, object, dict[str, object]]] = (
            (u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True)
        )
    else:
        items = ((u, v, None, d) for u, v, d in graph.edges(data=True))
    for index, (u, v, key, attrs) in enumerate(items):
        data = dict(attrs)
        data.update({"id": f"e{index}", "source": str(u), "target": str(v)})
        if key is not None:
            data["key"] = key
        edges.append({"data": data})
    return {
        "data": dict(graph.graph),
        "directed": graph.is_directed(),
        "multigraph": graph.is_multigraph(),
        "elements": {"nodes": nodes, "edges": edges},
    }


def _cytoscape(graph: nx.Graph, out: BinaryIO) -> None:
    from kg.graph.focus import drawing_layout

    positions, _note, _sight = drawing_layout(graph)
    document = cytoscape_document(graph, positions)
    out.write(json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8"))
    out.write(b"\n")


def dot_quote(value: object) -> str:
    """A DOT double-quoted string: ``\\`` and ``"`` escaped, line breaks as ``\\n``/``\\r``."""
    text = _DOT_CONTROL.sub("\ufffd", str(value))
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
    return f'"{text}"'


def _dot_attributes(attrs: dict[str, object]) -> str:
    return ", ".join(f"{dot_quote(k)}={dot_quote(v)}" for k, v in attrs.items())


def _dot(graph: nx.Graph, out: BinaryIO) -> None:
    arrow = "->" if graph.is_directed() else "--"
    lines = [f"{'digraph' if graph.is_directed() else 'graph'} {dot_quote(graph.graph.get('view', 'kg'))} {{"]
    if graph.graph:
        lines.append(f"  graph [{_dot_attributes(dict(graph.graph))}];")
    lines.append('  node [style="filled", fontname="Helvetica", fontsize="10"];')
    lines.append('  edge [fontname="Helvetica", fontsize="8"];')
    for node, attrs in graph.nodes(data=True):
        shown = {"fillcolor": colour_of(attrs.get("kind")), **attrs}
        lines.append(f"  {dot_quote(node)} [{_dot_attributes(shown)}];")
    if graph.is_multigraph():
        for u, v, key, attrs in graph.edges(keys=True, data=True):
            shown = {"key": key, **attrs}
            shown.setdefault("label", attrs.get("relation", key))
            lines.append(f"  {dot_quote(u)} {arrow} {dot_quote(v)} [{_dot_attributes(shown)}];")
    else:
        for u, v, attrs in graph.edges(data=True):
            shown = dict(attrs)
            if "relation" in attrs:
                shown.setdefault("label", attrs["relation"])
            lines.append(f"  {dot_quote(u)} {arrow} {dot_quote(v)} [{_dot_attributes(shown)}];")
    lines.append("}")
    out.write(("\n".join(lines) + "\n").encode("utf-8"))


def _html(graph: nx.Graph, out: BinaryIO, title: str | None) -> None:
    from kg.graph.viewer import viewer_html

    out.write(viewer_html(graph, title=title).encode("utf-8"))


def _picture(graph: nx.Graph, out: BinaryIO, fmt: str, title: str | None) -> None:
    from kg.graph.picture import draw

    draw(graph, out, fmt=fmt, title=title)


def render_view(graph: nx.Graph, fmt: Format, out: BinaryIO, *, title: str | None = None) -> None:
    """Write ``graph`` to the binary stream ``out`` in the view format ``fmt``."""
    if not fmt.is_view:
        raise UsageError(f"{fmt.name} is not a graph view format")
    if fmt.name == "graphml":
        _graphml(graph, out)
    elif fmt.name == "gexf":
        _gexf(graph, out)
    elif fmt.name == "nodelink":
        _nodelink(graph, out)
    elif fmt.name == "cytoscape":
        _cytoscape(graph, out)
    elif fmt.name == "dot":
        _dot(graph, out)
    elif fmt.name == "html":
        _html(graph, out, title)
    elif fmt.name in ("png", "svg"):
        _picture(graph, out, fmt.name, title)
    else:  # a format added to the table without a writer
        raise UsageError(f"no writer for the view format {fmt.name}")


def export_view(graph: nx.Graph, fmt: Format, out_path: str | Path, *, title: str | None = None) -> None:
    """Write ``graph`` to ``out_path`` (``-`` = stdout) in the view format ``fmt``, atomically.

    Raises ``ExportError`` when the file cannot be written; an existing file is then untouched.
    """
    if str(out_path) == "-":
        buffer = io.BytesIO()
        _guarded(graph, fmt, buffer, title, "stdout")
        stream = getattr(sys.stdout, "buffer", None)
        if stream is not None:
            sys.stdout.flush()
            stream.write(buffer.getvalue())
            stream.flush()
        elif fmt.binary:
            raise ExportError(f"cannot write {fmt.name} to a text-only stdout; use -o FILE")
        else:
            sys.stdout.write(buffer.getvalue().decode("utf-8"))
        return
    write_atomically(Path(out_path),
                     lambda handle: _guarded(graph, fmt, handle, title, str(out_path)),
                     ExportError)


def _guarded(graph: nx.Graph, fmt: Format, out: BinaryIO, title: str | None, where: str) -> None:
    try:
        render_view(graph, fmt, out, title=title)
    except KgError:
        raise
    except (nx.NetworkXError, ValueError, TypeError) as error:
        raise ExportError(f"cannot write the {graph.graph.get('view', '')} view as {fmt.name} to {where}: "
                         f"{' '.join(str(error).split())}") from None
