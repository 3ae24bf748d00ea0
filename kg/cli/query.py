"""``kg query``: run a named query, a .rq file, or SPARQL from stdin."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import add_store_option, parse_params, store_path
from kg.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    q = sub.add_parser("query", help="run a named query, a .rq file or SPARQL from stdin",
                       description="Run a named query (see --list), a SPARQL file, or - for stdin.")
    q.add_argument("query", nargs="?", metavar="NAME|FILE|-")
    add_store_option(q)
    q.add_argument("--format", "-f", default="table", metavar="FMT",
                   help="table, csv, tsv, json or xml for SELECT; an RDF format for CONSTRUCT (default: table)")
    q.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                   help="only the rows whose column NAME holds VALUE (repeatable; bound as an RDF term, "
                        "never pasted into the query); <iri> or \"literal\" to force a kind")
    q.add_argument("--list", action="store_true", help="list the named queries and what they answer")
    q.add_argument("--endpoint", action="append", default=[], metavar="URL",
                   help="allow SERVICE calls to this SPARQL endpoint (repeatable); "
                        "without it a query that calls a service is refused (kg stays offline)")
    q.set_defaults(run=run)


def _question(name: str, header: str) -> str:
    """What a query answers: its header's first paragraph, up to its first question mark
    (or full stop), on one line, without the leading "name —"."""
    paragraph = " ".join(header.split("\n\n", 1)[0].split())
    prefix = f"{name} — "
    if paragraph.startswith(prefix):
        paragraph = paragraph[len(prefix):]
    ends = [i for i in (paragraph.find("? "), paragraph.find(". ")) if i >= 0]
    return paragraph[: min(ends) + 1] if ends else paragraph


def run(args: argparse.Namespace) -> int:
    from kg.query import format_result, load_query, named_queries, query_header, run_query
    from kg.store import Store

    if args.list:
        queries = sorted(named_queries().items())
        width = max((len(name) for name, _path in queries), default=0)
        for name, path in queries:
            print(f"{name:<{width}}  {_question(name, query_header(path.read_text(encoding='utf-8')))}")
        return 0
    if not args.query:
        raise UsageError("name a query (see kg query --list), a .rq file, or - for stdin")
    query = load_query(args.query, stdin=sys.stdin)
    from kg.link.federation import check_services

    check_services(query.text, args.endpoint)
    params = parse_params(args.param)
    with Store.open(store_path(args), create=False, read_only=True) as store:
        result = run_query(store, query, params)
        format_result(result, args.format, sys.stdout)
    return 0
