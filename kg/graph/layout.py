"""Node positions for drawings (the HTML viewer, PNG/SVG pictures, Cytoscape.js JSON).

``layout(graph)`` returns deterministic positions (a seeded force-directed layout) in a
square of side ``SCALE`` centred on 0, and a note when the graph was too large for it:

* up to ``EXACT_LAYOUT_NODES`` nodes: Fruchterman-Reingold (as ``networkx.spring_layout``) on
  the undirected simple graph, weight ignored (weights count articles, not closeness), each
  connected component on its own, the components packed in rows, largest first;
* larger graphs: the force-directed layout of the ``EXACT_LAYOUT_NODES`` best-connected
  nodes (ties: IRI), then every other node, breadth first, at the centre of its placed
  neighbours plus a small seeded offset; nodes of components without any placed node go on
  a grid below. This is O(n + m) after the first step and is said in the note.
"""

from __future__ import annotations

import math
import random
from collections import deque

import networkx as nx

__all__ = ["EXACT_LAYOUT_NODES", "SCALE", "layout", "node_sizes"]

EXACT_LAYOUT_NODES = 700
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


def _spring(simple: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    """Each component laid out on its own, scaled by the root of its size and packed in rows
    (largest first), so small components sit beside the big one instead of far away."""
    components = sorted(
        (sorted(c, key=str) for c in nx.connected_components(simple)), key=lambda c: (-len(c), str(c[0]))
    )
    if not components:
        return {}
    boxes = []
    for nodes in components:
        local = _spring_component(simple.subgraph(nodes), seed)
        xs = [x for x, _y in local.values()]
        ys = [y for _x, y in local.values()]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
        side = math.sqrt(len(nodes))
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


def layout(graph: nx.Graph, *, seed: int = 42) -> tuple[dict[str, tuple[float, float]], str | None]:
    """(node → (x, y), note or None). The same graph and seed give the same positions."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes, key=str))
    simple.add_edges_from(sorted(((u, v) for u, v in graph.edges() if u != v), key=lambda e: (str(e[0]), str(e[1]))))
    n = simple.number_of_nodes()
    if n <= EXACT_LAYOUT_NODES:
        return _fit(_spring(simple, seed)), None
    core = sorted(simple, key=lambda node: (-simple.degree(node), str(node)))[:EXACT_LAYOUT_NODES]
    positions = _spring(simple.subgraph(core).copy(), seed)
    xs = [x for x, _y in positions.values()]
    spread = (max(xs) - min(xs) if xs else 1.0) or 1.0
    jitter = spread / math.sqrt(n) * 2
    rng = random.Random(seed)
    queue = deque(core)
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
    rest = [node for node in simple if node not in positions]
    if rest:
        ys = [y for _x, y in positions.values()] or [0.0]
        top = min(ys) - spread * 0.1
        columns = max(1, int(math.sqrt(len(rest)) * 2))
        step = spread / columns
        for index, node in enumerate(rest):
            row, column = divmod(index, columns)
            positions[node] = (min(xs or [0.0]) + column * step, top - row * step)
    note = (
        f"layout: force-directed for the {EXACT_LAYOUT_NODES:,} best-connected of {n:,} nodes; "
        "the others placed beside their neighbours"
    )
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
