"""``kg export``: write the store (or one named graph) as RDF, or a graph view as a network file,
an interactive HTML page or a picture."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import add_store_option, store_path
from kg.errors import UsageError


def add_view_options(p: argparse.ArgumentParser) -> None:
    """``--view`` and the limits of a graph view (shared by export, analyse and path)."""
    from kg.graph import VIEWS

    p.add_argument("--view", default=None, choices=list(VIEWS), metavar="VIEW",
                   help=f"graph view: {', '.join(VIEWS)} (default: actors)")
    p.add_argument("--agreement", metavar="IRI|LABEL", help="limit the view to one agreement")
    p.add_argument("--article", metavar="IRI", help="limit the view to what one article states (article or graph IRI)")
    p.add_argument("--around", metavar="IRI|LABEL", help="limit the view to the neighbourhood of one node")
    p.add_argument("--depth", type=int, default=1, metavar="N", help="hops around --around (default: 1)")


def add_focus_options(p: argparse.ArgumentParser) -> None:
    """What of a view an export keeps (``kg.graph.focus``)."""
    p.add_argument("--kinds", metavar="LIST", help="keep only these node kinds, comma-separated (default: all)")
    p.add_argument("--min-degree", type=int, metavar="N", help="keep only nodes with at least N neighbours in the view")
    p.add_argument("--top", type=int, metavar="N",
                   help="keep only the N nodes of highest PageRank (the nodes kg analyse --top N lists)")
    p.add_argument("--fold-quotes", action="store_true",
                   help="fold quotations into their speakers (the HTML page does so itself on large graphs)")


_FOCUS = ("kinds", "min_degree", "top")


def view_requested(args: argparse.Namespace) -> bool:
    return (any(getattr(args, name, None) is not None for name in ("view", "agreement", "article", "around", *_FOCUS))
            or bool(getattr(args, "fold_quotes", False)))


def build_requested_view(store, args: argparse.Namespace):  # noqa: ANN001, ANN201 - thin CLI glue
    from kg.graph.views import build_view

    if args.around is None and args.depth != 1:
        raise UsageError("--depth needs --around")
    return build_view(store, args.view or "actors", agreement=args.agreement, article=args.article,
                      around=args.around, depth=args.depth)


def focus_requested_view(graph, args: argparse.Namespace):  # noqa: ANN001, ANN201 - thin CLI glue
    from kg.graph.focus import focus, parse_kinds

    return focus(graph, kinds=parse_kinds(args.kinds), min_degree=args.min_degree, top=args.top,
                 fold=args.fold_quotes)


def register(sub: argparse._SubParsersAction) -> None:
    from kg.formats import format_names

    e = sub.add_parser(
        "export",
        help="write the store as RDF, or a graph view as GraphML, GEXF, JSON, DOT, HTML, PNG or SVG",
        description="Write the store (or one named graph) as RDF, or a graph view (see --view) as a network "
                    "file, a self-contained interactive HTML page, or a picture.",
    )
    add_store_option(e)
    e.add_argument("-f", "--format", default=None, metavar="FMT",
                   help=f"RDF: {', '.join(format_names('rdf'))}; graph views: {', '.join(format_names('view'))}; "
                        "or a media type (default: from -o, else turtle)")
    e.add_argument("-o", "--output", default="-", metavar="FILE", help="output file (default: stdout)")
    e.add_argument("--graph", metavar="IRI", help="RDF only: export only this named graph")
    add_view_options(e)
    add_focus_options(e)
    e.add_argument("--title", metavar="TEXT", help="graph views: the title of the HTML page or picture")
    e.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    e.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rdflib import URIRef

    from kg.formats import export_format
    from kg.progress import steps
    from kg.store import Store

    fmt = export_format(args.format, None if args.output == "-" else args.output)
    if fmt.is_rdf:
        if view_requested(args) or args.title is not None:
            raise UsageError("--view, --agreement, --article, --around, --kinds, --min-degree, --top, --fold-quotes "
                             f"and --title apply to graph view formats, not to {fmt.name}")
        from kg.export import export_store
        from kg.rdf.iris import is_valid_iri

        if args.graph is not None and not is_valid_iri(args.graph):  # before rdflib sees it
            raise UsageError(f"--graph wants an absolute IRI, got {args.graph!r}")
        progress = steps(1, quiet=args.quiet)
        try:
            progress.step(f"writing {fmt.name}")
            with Store.open(store_path(args), create=False, read_only=True) as store:
                export_store(store, fmt, args.output, graph=URIRef(args.graph) if args.graph else None)
        finally:
            progress.close()
        if args.output != "-":
            print(f"wrote {args.output} ({fmt.name})", file=sys.stderr)
        return 0
    if args.graph is not None:
        raise UsageError("--graph applies to RDF formats; limit a graph view to one article with --article")
    if fmt.binary and args.output == "-" and sys.stdout.isatty():
        raise UsageError(f"{fmt.name} is binary: write it to a file with -o FILE")
    from kg.graph.exports import export_view

    progress = steps(2, quiet=args.quiet)
    try:
        progress.step(f"reading the {args.view or 'actors'} view")
        with Store.open(store_path(args), create=False, read_only=True) as store:
            graph = focus_requested_view(build_requested_view(store, args), args)
        progress.step(f"laying out and writing {fmt.name}" if fmt.name in ("html", "gexf", "cytoscape", "png", "svg")
                      else f"writing {fmt.name}")
        export_view(graph, fmt, args.output, title=args.title)
    finally:
        progress.close()
    if args.output != "-":
        print(f"wrote {args.output} ({fmt.name}, {graph.graph.get('view')} view: "
              f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges)", file=sys.stderr)
    return 0
