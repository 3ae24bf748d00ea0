"""The shortest chains between two nodes of a view, with the sentence behind every hop.

``shortest_chains(graph, a, b)`` follows edges in either direction (who links whom matters
less than that they are linked) and returns every shortest chain, up to ``limit``, in a
stable order (by the labels along the chain). Each hop names the relations between its two
nodes as stated (``Ruth Wanjiru —holds_post_in→ Kenya``, or ``←member_of—`` when the
edge points back) and the first supporting sentence of each relation.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass
from typing import TextIO

import networkx as nx

from kg.errors import KgError, UsageError
from kg.graph.analysis import simple_graph

__all__ = ["Chain", "Hop", "NoPathError", "shortest_chains", "write_chains"]

SEARCH_LIMIT = 10_000
"""At most this many shortest chains are enumerated before the best ``limit`` are kept."""


class NoPathError(KgError):
    """The two nodes are not connected in the view."""


@dataclass(frozen=True)
class Link:
    """One relation between the two nodes of a hop."""

    relation: str
    forward: bool  # True: the edge points from the hop's start to its end
    sentence: str
    articles: int


@dataclass(frozen=True)
class Hop:
    start: str
    start_label: str
    end: str
    end_label: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Chain:
    hops: tuple[Hop, ...]

    @property
    def nodes(self) -> list[str]:
        """The nodes the chain passes through, from its start to its end; empty for no hops."""
        return [self.hops[0].start, *(hop.end for hop in self.hops)] if self.hops else []


def _label(graph: nx.Graph, node: str) -> str:
    return str(graph.nodes[node].get("label", node))


def _links(graph: nx.Graph, start: str, end: str) -> tuple[Link, ...]:
    found: list[Link] = []
    for u, v, forward in ((start, end, True), (end, start, False)):
        if not graph.has_edge(u, v):
            continue
        datas = graph.get_edge_data(u, v)
        items = list(datas.values()) if graph.is_multigraph() else [datas]
        if not graph.is_directed() and not forward:
            continue  # an undirected edge was already read from the start
        for data in items:
            weight = data.get("articles", data.get("weight", 0))
            found.append(
                Link(
                    relation=str(data.get("relation", "linked_to")),
                    forward=forward or not graph.is_directed(),
                    sentence=str(data.get("sentence", data.get("shared", ""))),
                    articles=int(weight) if isinstance(weight, (int, float)) else 0,
                )
            )
    return tuple(sorted(found, key=lambda link: (link.relation, not link.forward, link.sentence)))


def shortest_chains(graph: nx.Graph, source: str, target: str, *, limit: int = 5) -> list[Chain]:
    """Up to ``limit`` shortest chains from ``source`` to ``target`` (node ids of ``graph``).

    Raises ``NoPathError`` when they are not connected.
    """
    if limit < 1:
        raise UsageError(f"--max must be 1 or more, not {limit}")
    if source == target:
        raise UsageError("give two different nodes")
    simple = simple_graph(graph)
    try:
        paths = list(itertools.islice(nx.all_shortest_paths(simple, source, target), SEARCH_LIMIT))
    except nx.NetworkXNoPath:
        raise NoPathError(
            f"no chain links {_label(graph, source)!r} and {_label(graph, target)!r} in the "
            f"{graph.graph.get('view', '')} view: they are in different components"
        ) from None
    paths.sort(key=lambda path: ([_label(graph, n).casefold() for n in path], path))
    chains = []
    for path in paths[:limit]:
        hops = tuple(
            Hop(a, _label(graph, a), b, _label(graph, b), _links(graph, a, b)) for a, b in zip(path, path[1:])
        )
        chains.append(Chain(hops))
    return chains


def _arrow(link: Link) -> str:
    return f"—{link.relation}→" if link.forward else f"←{link.relation}—"


def write_chains(chains: list[Chain], fmt: str, out: TextIO, *, total_note: str | None = None) -> None:
    """Write chains as ``table`` (one block per chain, a quoted sentence under each hop) or ``json``."""
    if fmt == "json":
        json.dump([{"hops": [asdict(hop) for hop in chain.hops]} for chain in chains], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    if fmt != "table":
        raise UsageError(f"unknown path format {fmt!r}; use table or json")
    if not chains:
        return
    first, last = chains[0].hops[0], chains[0].hops[-1]
    hops = len(chains[0].hops)
    count = len(chains)
    out.write(
        f"{first.start_label} → {last.end_label}: {count} shortest chain{'s' if count != 1 else ''} "
        f"of {hops} hop{'s' if hops != 1 else ''}\n"
    )
    for number, chain in enumerate(chains, 1):
        out.write(f"\n{number}.\n")
        for hop in chain.hops:
            for link in hop.links:
                out.write(f"   {hop.start_label} {_arrow(link)} {hop.end_label}\n")
                if link.sentence:
                    out.write(f"      “{' '.join(link.sentence.split())}”\n")
    if total_note:
        out.write(f"\nnote: {total_note}\n")
