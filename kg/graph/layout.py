"""How drawings look (the HTML viewer, PNG/SVG pictures, GEXF, Cytoscape.js JSON): the colour
of each node kind, node sizes, and node positions.

``layout(graph)`` returns deterministic positions (a seeded force-directed layout) in a
square of side ``SCALE`` centred on 0, and a note when the graph was too large for it:

* Fruchterman-Reingold (as ``networkx.spring_layout``) on the undirected simple graph,
  weight ignored (weights count articles, not closeness), each connected component on its
  own, the components packed in rows, largest first;
* a component of more than ``EXACT_LAYOUT_NODES`` nodes: the force-directed layout of its
  ``EXACT_LAYOUT_NODES`` best-connected nodes (ties: IRI), then every other node, breadth
  first, at the centre of its placed neighbours plus a small seeded offset. This is O(n + m)
  after the first step and is said in the note;
* ``first`` (the HTML viewer's readable start): only those nodes are laid out so; the others
  are then placed beside their neighbours, and the rest (isolated nodes) on a grid below.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterable

import networkx as nx

__all__ = ["EXACT_LAYOUT_NODES", "KIND_COLOURS", "OTHER_COLOUR", "SCALE", "colour_of", "layout", "node_sizes"]

KIND_COLOURS: dict[str, str] = {
    "person": "#e15759",
    "organisation": "#4e79a7",
    "country": "#59a14f",
    "agreement": "#f28e2b",
    "event": "#b07aa1",
    "quote": "#9c755f",
    "statement": "#76b7b2",
    "membership": "#edc948",
    "post": "#ff9da7",
    "commitment": "#bab0ac",
    "figure": "#8cd17d",
    "sentence": "#86bcb6",
    "article": "#499894",
    "source": "#d4a6c8",
}
"""Node kind → fill colour (Tableau 10 and its extension), shared by every drawing."""

OTHER_COLOUR = "#a0a0a0"


def colour_of(kind: object) -> str:
    """The fill colour of a node of ``kind`` (``OTHER_COLOUR`` for a kind without one)."""
    return KIND_COLOURS.get(str(kind), OTHER_COLOUR)


EXACT_LAYOUT_NODES = 700
LARGEST_SPREAD = 1.5
"""The largest component gets this much more room per node than the others (it is the dense one)."""
SCALE = 1000.0


def _spring_component(component: nx.Graph, seed: int, iterations: int = 100) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold positions of one connected component, in a box of side ~1.

    The algorithm of ``networkx.spring_layout`` (its dense variant, vectorised with numpy:
    O(n²) memory and time per iteration, fine up to ``EXACT_LAYOUT_NODES``), with the
    optimal distance k = 1.6 / sqrt(n) and a linearly cooling step.
    """
    import numpy as np

    nodes = list(component)
    n = len(nodes)
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    adjacency = nx.to_numpy_array(component, nodelist=nodes, weight=None, dtype=np.float32)
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2), dtype=np.float32)
    k = 1.6 / math.sqrt(n)
    step = 0.1
    cooling = step / (iterations + 1)
    for _ in range(iterations):
        dx = pos[:, 0, None] - pos[None, :, 0]
        dy = pos[:, 1, None] - pos[None, :, 1]
        distance = np.hypot(dx, dy)
        np.clip(distance, 0.01, None, out=distance)
        force = (k * k) / (distance * distance)
        force -= adjacency * distance / k
        displacement = np.stack(((dx * force).sum(axis=1), (dy * force).sum(axis=1)), axis=1)
        length = np.hypot(displacement[:, 0], displacement[:, 1])
        length = np.where(length < 0.01, 0.1, length)
        pos += displacement * (step / length)[:, None]
        step -= cooling
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos)}


def _beside(simple: nx.Graph, positions: dict[str, tuple[float, float]], start: list[str], jitter: float,
            rng: random.Random) -> None:
    """Place the unplaced nodes reachable from ``start`` breadth first, each at the centre of
    its placed neighbours plus a seeded offset of up to ``jitter`` (in place)."""
    queue = deque(start)
    while queue:
        node = queue.popleft()
        for neighbour in sorted(simple.neighbors(node), key=str):
            if neighbour in positions:
                continue
            placed = [positions[p] for p in simple.neighbors(neighbour) if p in positions]
            x = sum(p[0] for p in placed) / len(placed) + rng.uniform(-jitter, jitter)
            y = sum(p[1] for p in placed) / len(placed) + rng.uniform(-jitter, jitter)
            positions[neighbour] = (x, y)
            queue.append(neighbour)


def _component(component: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    """One connected component: force-directed up to ``EXACT_LAYOUT_NODES`` nodes; beyond, its
    best-connected nodes (ties: IRI) force-directed and the others beside their neighbours."""
    if component.number_of_nodes() <= EXACT_LAYOUT_NODES:
        return _spring_component(component, seed)
    core = sorted(component, key=lambda node: (-component.degree(node), str(node)))[:EXACT_LAYOUT_NODES]
    positions = _spring_component(component.subgraph(core).copy(), seed)
    xs = [x for x, _y in positions.values()]
    jitter = ((max(xs) - min(xs)) or 1.0) / math.sqrt(component.number_of_nodes()) * 2
    _beside(component, positions, core, jitter, random.Random(seed))
    return positions


def _spring(simple: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    """Each component laid out on its own, scaled by the root of its size and packed in rows
    (largest first), so small components sit beside the big one instead of far away."""
    components = sorted(
        (sorted(c, key=str) for c in nx.connected_components(simple)), key=lambda c: (-len(c), str(c[0]))
    )
    if not components:
        return {}
    boxes = []
    for index, nodes in enumerate(components):
        local = _component(simple.subgraph(nodes), seed)
        xs = [x for x, _y in local.values()]
        ys = [y for _x, y in local.values()]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        side = math.sqrt(len(nodes)) * (LARGEST_SPREAD if index == 0 and len(nodes) > 2 else 1.0)
        scale = side / span
        boxes.append(({n: ((x - min(xs)) * scale, (y - min(ys)) * scale) for n, (x, y) in local.items()}, side))
    row_width = max(boxes[0][1], math.sqrt(sum(side * side for _p, side in boxes)) * 1.3)
    gap = 0.6
    positions: dict[str, tuple[float, float]] = {}
    x0 = y0 = row_height = 0.0
    for local, side in boxes:
        if x0 > 0 and x0 + side > row_width:
            x0, y0, row_height = 0.0, y0 - row_height - gap, 0.0
        for node, (x, y) in local.items():
            positions[node] = (x0 + x, y0 - side + y)
        x0 += side + gap
        row_height = max(row_height, side)
    return positions


def _fit(positions: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Scale and centre positions into [-SCALE/2, SCALE/2]², rounded to 0.1."""
    if not positions:
        return {}
    xs = [x for x, _y in positions.values()]
    ys = [y for _x, y in positions.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    factor = SCALE / span
    return {node: (round((x - cx) * factor, 1), round((y - cy) * factor, 1)) for node, (x, y) in positions.items()}


def layout(graph: nx.Graph, *, seed: int = 42, first: Iterable[str] | None = None,
           ) -> tuple[dict[str, tuple[float, float]], str | None]:
    """(node → (x, y), note or None). The same graph, seed and ``first`` give the same positions.

    With ``first``, only those nodes are laid out (force-directed); every other node is then
    placed beside its placed neighbours (a quotation beside its speaker), and what is still
    unplaced (isolated nodes) goes on a grid below."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes, key=str))
    simple.add_edges_from(sorted(((u, v) for u, v in graph.edges() if u != v), key=lambda e: (str(e[0]), str(e[1]))))
    chosen = set(first) if first is not None else None
    base = simple if chosen is None else simple.subgraph([n for n in simple if n in chosen])
    positions = _spring(base, seed)
    largest = max((len(c) for c in nx.connected_components(base)), default=0)
    note = None
    if largest > EXACT_LAYOUT_NODES:
        note = (f"layout: force-directed for the {EXACT_LAYOUT_NODES:,} best-connected of the {largest:,} nodes "
                "of the largest component; the others placed beside their neighbours")
    if len(positions) < simple.number_of_nodes():
        xs = [x for x, _y in positions.values()] or [0.0]
        ys = [y for _x, y in positions.values()] or [0.0]
        spread = (max(xs) - min(xs)) or 1.0
        rng = random.Random(seed)
        _beside(simple, positions, [n for n in simple if n in positions], spread / math.sqrt(len(simple)) * 2, rng)
        rest = [node for node in simple if node not in positions]
        if rest:
            top = min(ys) - spread * 0.1
            columns = max(1, int(math.sqrt(len(rest)) * 2))
            step = spread / columns
            for index, node in enumerate(rest):
                row, column = divmod(index, columns)
                positions[node] = (min(xs) + column * step, top - row * step)
    return _fit(positions), note


def node_sizes(graph: nx.Graph, *, smallest: float = 12.0, largest: float = 60.0) -> tuple[dict[str, float], str]:
    """(node → drawing size, what the size shows): sizes grow with the square root of PageRank
    (degree centrality when scipy is missing), from ``smallest`` to ``largest``."""
    from kg.graph.analysis import simple_graph

    simple = simple_graph(graph)
    if simple.number_of_edges() == 0:
        return {node: smallest + (largest - smallest) / 4 for node in graph}, "uniform (no edges)"
    try:
        scores, measure = nx.pagerank(simple, weight="weight"), "PageRank"
    except ImportError:  # scipy missing: degree tells as much for a drawing
        scores, measure = nx.degree_centrality(simple), "degree centrality"
    top = max(scores.values()) or 1.0
    span = largest - smallest
    return {node: round(smallest + span * math.sqrt(scores.get(node, 0.0) / top), 1) for node in graph}, measure
