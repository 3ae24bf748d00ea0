"""``kg query``: run a named query, a .rq file, SPARQL text, or SPARQL from stdin.

Imports only what running a query needs (no rdflib for a SELECT or ASK answer on the
embedded store, no HTTP stack, no NLP); see ``bench/query_bench.py --startup``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import BinaryIO

from kg.cli.common import add_store_option, parse_params, store_path
from kg.errors import UsageError

_HEADED = ("table", "csv", "tsv")
"""The result formats that have a header line (``--no-headers`` leaves it out)."""


def register(sub: argparse._SubParsersAction) -> None:
    q = sub.add_parser(
        "query", help="run a named query, a .rq file, SPARQL text or SPARQL from stdin",
        description="Run a named query (see --list), a SPARQL file, SPARQL text, or - for stdin. "
                    "QUERY is SPARQL text when it starts with #, PREFIX, BASE, SELECT, ASK, CONSTRUCT or "
                    "DESCRIBE; a file when it ends with .rq or contains /; else a query name.")
    q.add_argument("query", nargs="?", metavar="QUERY", help="NAME, FILE.rq, 'SELECT …' or -")
    add_store_option(q)
    q.add_argument("--format", "-f", default=None, metavar="FMT",
                   help="table (text), csv, tsv, json (srj), xml (srx) or jsonl for SELECT/ASK; an RDF format "
                        "for CONSTRUCT/DESCRIBE (default: from the -o extension, else table)")
    q.add_argument("--output", "-o", metavar="FILE",
                   help="write the answer to FILE (replaced whole, only once the query succeeded); "
                        "- for stdout")
    q.add_argument("--no-headers", action="store_true",
                   help="leave out the header line of table, csv and tsv (and the table's row count)")
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


def _list() -> int:
    from kg.sparql.catalogue import named_queries, query_header

    queries = sorted(named_queries().items())
    width = max((len(name) for name, _path in queries), default=0)
    for name, path in queries:
        print(f"{name:<{width}}  {_question(name, query_header(path.read_text(encoding='utf-8')))}")
    return 0


def _check_output(fmt: str | None, output: str | None, no_headers: bool) -> None:
    """Refuse, before the query runs, a format or an output file that cannot be written."""
    from kg.formats import RDF_FORMATS, RESULT_FORMATS, rdf_format, result_format, result_format_for_path

    if fmt is not None:
        try:
            result_format(fmt)
        except UsageError:
            try:
                rdf_format(fmt)
            except UsageError:
                raise UsageError(f"unknown format {fmt!r}; use one of: {', '.join(f.name for f in RESULT_FORMATS)} "
                                 f"(SELECT, ASK) or {', '.join(f.name for f in RDF_FORMATS)} (CONSTRUCT, DESCRIBE)"
                                 ) from None
    if fmt is None and output not in (None, "-"):
        suffix = os.path.splitext(output)[1].lower()
        if result_format_for_path(output) is None and not any(suffix in f.extensions for f in RDF_FORMATS):
            known = sorted({ext for f in RESULT_FORMATS + RDF_FORMATS for ext in f.extensions})
            raise UsageError(f"cannot guess the format of {output!r} from its extension; use -f/--format, "
                             f"or one of: {' '.join(known)}")
    if no_headers:
        chosen = None
        if fmt is not None:
            try:
                chosen = result_format(fmt).name
            except UsageError:
                chosen = fmt
        elif output not in (None, "-"):
            guessed = result_format_for_path(output)
            chosen = guessed.name if guessed is not None else os.path.splitext(output)[1]
        if chosen is not None and chosen not in _HEADED:
            raise UsageError(f"--no-headers applies to table, csv and tsv, not to {chosen}")


def _chosen_format(fmt: str | None, output: str | None, kind: str) -> str:
    """The format to write an answer of ``kind`` in: -f, else the -o extension, else table."""
    if fmt is not None:
        return fmt
    if output in (None, "-"):
        return "table"
    from kg.formats import rdf_format, result_format_for_path

    if kind == "graph":
        return rdf_format(None, output).name  # UsageError: a row format's extension for a graph
    found = result_format_for_path(output)
    if found is None:
        raise UsageError(f"a SELECT or ASK answer is rows, not RDF: {output!r} names an RDF format; "
                         "use a .txt, .csv, .tsv, .srj/.json, .srx/.xml or .jsonl file, or -f")
    return found.name


def _terminal_width(stream) -> int | None:
    """How wide a table may be on ``stream``: $COLUMNS when set, else the terminal's width when
    ``stream`` is a terminal, else no limit (a file or a pipe gets whole cells)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        pass
    return None


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    if not args.query:
        raise UsageError("give a query: a name (see kg query --list), a .rq file, SPARQL text, or - for stdin")
    from kg.sparql.catalogue import load_query

    _check_output(args.format, args.output, args.no_headers)
    query = load_query(args.query, stdin=sys.stdin)
    from kg.link.federation import check_services

    check_services(query.text, args.endpoint)
    params = parse_params(args.param)
    from kg.sparql.results import format_result
    from kg.sparql.run import run_query
    from kg.store import open as open_store

    with open_store(store_path(args), create=False, read_only=True) as store:
        result = run_query(store, query, params, engine_terms=True)  # no rdflib for the rows
    fmt = _chosen_format(args.format, args.output, result.kind)
    if args.output in (None, "-"):
        format_result(result, fmt, sys.stdout, headers=not args.no_headers,
                      width=_terminal_width(sys.stdout))
        return 0
    import io
    from pathlib import Path

    from kg.atomic import write_atomically

    text = io.StringIO()
    format_result(result, fmt, text, headers=not args.no_headers)  # a file gets whole cells
    data = text.getvalue().encode("utf-8")
    target = Path(args.output)
    if target.is_dir():
        raise UsageError(f"cannot write {args.output}: it is a directory")
    def write(out: BinaryIO) -> None:
        out.write(data)

    write_atomically(target, write)
    print(f"wrote {args.output} ({fmt}, {_size(result)})", file=sys.stderr)
    return 0


def _size(result) -> str:
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    count = len(result)
    unit = "triple" if result.kind == "graph" else "row"
    return f"{count} {unit}{'' if count == 1 else 's'}"
