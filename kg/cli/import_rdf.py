"""``kg import``: load existing RDF files into the store, each file into its own named graph."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import add_store_option, store_path


def register(sub: argparse._SubParsersAction) -> None:
    i = sub.add_parser(
        "import", help="load RDF files into the store, each into its own named graph",
        description="Load RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML; optionally .gz) "
                    "into the store. Each file replaces its own named graph in one transaction: a file "
                    "that fails leaves the store as it was, and the other files are still imported. "
                    "A dataset file (N-Quads, TriG, JSON-LD) keeps its named graphs; --graph merges them "
                    "into one. Nothing is fetched: "
                    "no remote JSON-LD context, no external XML entity.")  # fmt: skip
    i.add_argument("sources", nargs="+", metavar="FILE",
                   help="RDF files, directories (their RDF files, recursively), or - for stdin (needs -f; --graph "
                        "for a triple format)")
    add_store_option(i)
    i.add_argument("-f", "--format", default=None, metavar="FMT",
                   help="turtle, ntriples, nquads, trig, jsonld, rdfxml, or a media type "
                        "(default: from each file's extension)")
    i.add_argument("--graph", metavar="IRI",
                   help="name of the graph to replace (one file only; default: derived from the file's path); "
                        "for a dataset file, the one graph all of its graphs are merged into")
    i.add_argument("--base", metavar="IRI", help="base IRI for relative IRIs (default: the file's file: URL)")
    i.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    i.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rdflib import URIRef

    from kg.formats import rdf_format
    from kg.importer import check_options, import_files
    from kg.store import Store

    fmt = rdf_format(args.format) if args.format is not None else None
    check_options(args.sources, fmt=fmt, graph=args.graph, base=args.base)  # before any URIRef is made
    graph = URIRef(args.graph) if args.graph is not None else None
    path = store_path(args)
    out = sys.stdout

    def on_file(done) -> None:
        if args.quiet:
            if done.warning:
                print(f"warning: {done.warning}", file=sys.stderr)
            return
        merged = f", {done.merged_graphs} named graphs merged" if done.merged_graphs > 1 else ""
        triples = f"{done.triples} triple{'' if done.triples == 1 else 's'}"
        graphs = done.graphs or (done.graph,)
        where = f"<{graphs[0]}>" if len(graphs) == 1 else f"{len(graphs)} graphs (<{graphs[0]}>, ...)"
        out.write(f"imported {done.source} → {where} ({triples}, {done.format}{merged})\n")
        if done.warning:
            print(f"warning: {done.warning}", file=sys.stderr)

    with Store.open(path) as store:
        report = import_files(args.sources, store, fmt=fmt, graph=graph, base=args.base, on_file=on_file,
                              on_error=lambda message: print(f"error: {message}", file=sys.stderr))
        total = len(store)
    if not args.quiet:
        out.write(f"Imported {len(report.imported)} file(s), {len(report.errors)} failed → "
                  f"store {path if path else 'memory'} ({total} quads)\n")
    return 0 if report.ok else 1
