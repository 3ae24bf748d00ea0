"""``kg export``: write the store (or one named graph) as RDF."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import add_store_option, store_path


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("export", help="write the store (or one graph) as RDF")
    add_store_option(e)
    e.add_argument("-f", "--format", default=None, metavar="FMT",
                   help="turtle, ntriples, nquads, trig, jsonld, rdfxml, or a media type (default: from -o)")
    e.add_argument("-o", "--output", default="-", metavar="FILE", help="output file (default: stdout)")
    e.add_argument("--graph", metavar="IRI", help="export only this named graph")
    e.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rdflib import URIRef

    from kg.export import export_store
    from kg.formats import rdf_format
    from kg.store import Store

    fmt = rdf_format(args.format, None if args.output == "-" else args.output)
    with Store.open(store_path(args), create=False, read_only=True) as store:
        export_store(store, fmt, args.output, graph=URIRef(args.graph) if args.graph else None)
    if args.output != "-":
        print(f"wrote {args.output} ({fmt.name})", file=sys.stderr)
    return 0
