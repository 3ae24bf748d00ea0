"""``kg path A B``: the shortest chains between two nodes of a graph view, with their sentences."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import add_store_option, store_path
from kg.cli.export import add_view_options, build_requested_view


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "path",
        help="how two actors are connected: the shortest chains between them, with the sentence behind every hop",
        description="Find the shortest chains between two nodes (IRIs or labels) of a graph view, edges followed in "
                    "either direction, and show the relation and a source sentence for every hop. "
                    "Exit code 1 when they are not connected.",
    )
    p.add_argument("source", metavar="A", help="IRI or label of the first node")
    p.add_argument("target", metavar="B", help="IRI or label of the second node")
    add_store_option(p)
    add_view_options(p)
    p.add_argument("--max", type=int, default=5, metavar="N", help="at most N chains (default: 5)")
    p.add_argument("--format", "-f", default="table", choices=["table", "json"], help="output format (default: table)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kg.graph.paths import shortest_chains, write_chains
    from kg.graph.views import find_node
    from kg.store import Store

    with Store.open(store_path(args), create=False, read_only=True) as store:
        graph = build_requested_view(store, args)
    source = find_node(graph, args.source)
    target = find_node(graph, args.target)
    chains = shortest_chains(graph, source, target, limit=args.max)
    write_chains(chains, args.format, sys.stdout)
    return 0
