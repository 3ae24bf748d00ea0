"""``kg validate``: check the store against the SHACL shapes."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import add_store_option, store_path

SHOWN = 50
"""Violations listed; the rest are counted."""


def register(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser(
        "validate", help="check the store against the SHACL shapes",
        description="Check the union of the store's named graphs against the SHACL shapes of ontology/ "
                    "(shapes.ttl, link-shapes.ttl): no inference, nothing fetched. Prints the verdict and "
                    f"the first {SHOWN} violations; exit code 1 when the store does not conform. Ill-typed "
                    "literals (\"abc\"^^xsd:integer) are warned about on stderr.")
    add_store_option(v)
    v.add_argument("--engine", choices=("turbo", "pyshacl"), default="turbo",
                   help="SHACL engine: turbo (pyshacl-turbo, compiled; default) or pyshacl (the reference, slower); "
                        "same verdicts")
    v.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    v.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kg.progress import steps
    from kg.store import Store
    from kg.validate import validate_store

    path = store_path(args)
    progress = steps(3, quiet=args.quiet)
    try:
        progress.step("opening the store")
        with Store.open(path, create=False, read_only=True) as store:
            progress.step("reading the store")
            report = validate_store(
                store, engine=args.engine,
                on_read=lambda n: progress.relabel(f"reading the store: {n:,} triples"),
                on_check=lambda n: progress.step(f"checking {n:,} triples against the shapes ({args.engine})"))
    finally:
        progress.close()
    for literal in report.ill_typed:
        print(f"warning: {path}: ill-typed literal {literal} (not valid for its datatype)", file=sys.stderr)
    if report.ill_typed_count > len(report.ill_typed):
        print(f"warning: {path}: ... and {report.ill_typed_count - len(report.ill_typed)} more ill-typed literals",
              file=sys.stderr)
    if report.conforms:
        print(f"{path}: conforms to the kg SHACL shapes")
        return 0
    print(f"{path}: does NOT conform ({len(report.results)} violation(s))")
    for focus, pathterm, message in report.results[:SHOWN]:
        print(f"  {focus} {pathterm}: {message}")
    if len(report.results) > SHOWN:
        print(f"  ... and {len(report.results) - SHOWN} more")
    return 1
