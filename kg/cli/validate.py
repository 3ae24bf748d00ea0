"""``kg validate``: check the store against the SHACL shapes."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import add_store_option, store_path


def register(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser("validate", help="check the store against the SHACL shapes")
    add_store_option(v)
    v.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kg.store import Store
    from kg.validate import validate_store

    path = store_path(args)
    with Store.open(path, create=False, read_only=True) as store:
        report = validate_store(store)
    for literal in report.ill_typed:
        print(f"warning: {path}: ill-typed literal {literal} (not valid for its datatype)", file=sys.stderr)
    if report.ill_typed_count > len(report.ill_typed):
        print(f"warning: {path}: ... and {report.ill_typed_count - len(report.ill_typed)} more ill-typed literals",
              file=sys.stderr)
    if report.conforms:
        print(f"{path}: conforms to the kg SHACL shapes")
        return 0
    print(f"{path}: does NOT conform ({len(report.results)} violation(s))")
    for focus, pathterm, message in report.results[:50]:
        print(f"  {focus} {pathterm}: {message}")
    return 1
