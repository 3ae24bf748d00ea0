"""``kg analyse``: centrality, communities and components of a graph view."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import add_store_option, store_path
from kg.cli.export import add_view_options, build_requested_view
from kg.errors import UsageError

MEASURES = ("degree", "betweenness", "eigenvector", "pagerank")  # kg.graph.analysis.MEASURES


def register(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser(
        "analyse", aliases=["analyze"],
        help="who is central, which communities form: centrality, communities, components of a graph view",
        description="Compute degree, betweenness, eigenvector and PageRank centrality, Louvain communities and "
                    "connected components of a graph view, print the most central nodes, and optionally "
                    "write the scores back into the store as triples.",
    )
    add_store_option(a)
    add_view_options(a)
    a.add_argument("--measures", default=",".join(MEASURES), metavar="LIST",
                   help=f"comma-separated centrality measures (default: {','.join(MEASURES)})")
    a.add_argument("--sort", default=None, metavar="MEASURE", help="rank by this measure (default: pagerank, else the last measure)")
    a.add_argument("--kinds", default=None, metavar="LIST",
                   help="rank only these node kinds, comma-separated, or 'all' "
                        "(default: person,organisation,country in the actors view, all in the others)")
    a.add_argument("--top", type=int, default=None, metavar="N", help="rows to show (default: 10 for table, all for csv/json)")
    a.add_argument("--communities", default="louvain", choices=["louvain", "leiden", "none"],
                   help="community detection (default: louvain; leiden needs a networkx backend)")
    a.add_argument("--resolution", type=float, default=1.0, metavar="R", help="community resolution (default: 1.0)")
    a.add_argument("--samples", type=int, default=None, metavar="K",
                   help="estimate betweenness from K source nodes (default: only when the graph is large)")
    a.add_argument("--exact", action="store_true", help="never estimate betweenness, however long it takes")
    a.add_argument("--seed", type=int, default=42, help="seed for sampling and Louvain (default: 42)")
    a.add_argument("--format", "-f", default="table", choices=["table", "csv", "json"], help="output format (default: table)")
    a.add_argument("--write", action="store_true",
                   help="store the scores in the named graph <https://w3id.org/kgnews/id/graph/analysis/VIEW>")
    a.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    a.set_defaults(run=run)


def _list(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def run(args: argparse.Namespace) -> int:
    from kg.graph.analysis import analyse, write_analysis, write_scores
    from kg.graph.focus import parse_kinds
    from kg.graph.views import ACTOR_KINDS
    from kg.progress import steps
    from kg.store import Store

    if args.top is not None and args.top < 1:
        raise UsageError(f"--top must be 1 or more, not {args.top}")
    if args.exact and args.samples is not None:
        raise UsageError("--exact and --samples contradict each other; give one")
    measures = _list(args.measures)
    view = args.view or "actors"
    kinds = parse_kinds(args.kinds) if args.kinds is not None else (list(ACTOR_KINDS) if view == "actors" else None)
    progress = steps(1 + len(measures) + (args.communities != "none") + args.write, quiet=args.quiet)
    try:
        progress.step(f"reading the {view} view")
        with Store.open(store_path(args), create=False, read_only=True) as store:
            graph = build_requested_view(store, args)
        result = analyse(graph, measures=measures, communities=args.communities, seed=args.seed,
                         resolution=args.resolution, samples=args.samples, exact=args.exact, on_step=progress.step)
        if args.write:
            progress.step("writing the scores")
            with Store.open(store_path(args), create=False) as store:
                name, count = write_scores(store, result)
    finally:
        progress.close()
    sort = args.sort or ("pagerank" if "pagerank" in result.measures else None)
    write_analysis(result, args.format, sys.stdout, by=sort, kinds=kinds, top=args.top)
    for note in result.notes if args.format != "table" else ():
        print(f"note: {note}", file=sys.stderr)
    if args.write:
        print(f"wrote {count:,} triples of scores to graph <{name}> in {store.location}", file=sys.stderr)
    return 0
