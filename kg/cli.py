"""The ``kg`` command: parses arguments, calls the library, turns ``KgError`` into one line.

Exit codes: 0 success, 1 failure (or a negative verdict such as a non-conforming graph),
2 usage error, 141 when the reader of stdout went away (``kg query members | head``).
Data goes to stdout; messages and summaries of progress go to stderr. Tracebacks are shown
only with ``--debug``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from kg import __version__
from kg.errors import KgError, UsageError

DEFAULT_STORE = "kg-store"


def _store_path(args: argparse.Namespace) -> str | None:
    if getattr(args, "memory", False):
        return None
    return args.store or os.environ.get("KG_STORE") or DEFAULT_STORE


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", metavar="PATH",
                   help=f"store directory (default: $KG_STORE or ./{DEFAULT_STORE})")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Turn news articles about international cooperation into an RDF knowledge graph.",
    )
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("build", help="read articles, extract facts, store one named graph per article",
                       description="Build articles into the store. With no SOURCE, the bundled reference article.")
    b.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="article files (.txt .md .html .jsonl .jsonl.gz), directories, or - for stdin")
    _add_store(b)
    b.add_argument("--memory", action="store_true", help="build in memory only (nothing is written)")
    b.add_argument("--force", action="store_true", help="rebuild articles even when unchanged")
    b.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    q = sub.add_parser("query", help="run a named query, a .rq file or SPARQL from stdin",
                       description="Run a named query (see --list), a SPARQL file, or - for stdin.")
    q.add_argument("query", nargs="?", metavar="NAME|FILE|-")
    _add_store(q)
    q.add_argument("--format", "-f", default="table", metavar="FMT",
                   help="table, csv, tsv, json or xml for SELECT; an RDF format for CONSTRUCT (default: table)")
    q.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a query variable safely (repeatable); <iri> or \"literal\" to force a kind")
    q.add_argument("--list", action="store_true", help="list the named queries and what they answer")

    e = sub.add_parser("export", help="write the store (or one graph) as RDF")
    _add_store(e)
    e.add_argument("-f", "--format", default=None, metavar="FMT",
                   help="turtle, ntriples, nquads, trig, jsonld, rdfxml, or a media type (default: from -o)")
    e.add_argument("-o", "--output", default="-", metavar="FILE", help="output file (default: stdout)")
    e.add_argument("--graph", metavar="IRI", help="export only this named graph")

    v = sub.add_parser("validate", help="check the store against the SHACL shapes")
    _add_store(v)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code = _COMMANDS[args.command](args)
        sys.stdout.flush()  # inside the try: a closed pipe shows up here for short outputs
        return code
    except BrokenPipeError:  # the reader went away (kg query ... | head): not an error of ours
        _silence_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by a closed pipe
    except UsageError as exc:
        print(f"kg {args.command}: {exc}", file=sys.stderr)
        return 2
    except KgError as exc:
        print(f"kg {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line unless --debug
        if args.debug:
            raise
        print(f"kg {args.command}: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. captured)
        pass


# -- commands ---------------------------------------------------------------------------------
def _cmd_build(args: argparse.Namespace) -> int:
    from kg.build import build
    from kg.reading.sources import default_article_path
    from kg.store import Store

    sources = args.sources or [str(default_article_path())]
    path = _store_path(args)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))

    def on_article(summary) -> None:
        if summary.skipped:
            say(f"unchanged: {summary.source}")

    with Store.open(path) as store:
        report = build(sources, store, force=args.force, on_article=on_article,
                       on_error=lambda msg: print(f"error: {msg}", file=sys.stderr))
        total = len(store)
    if not args.quiet:
        _print_summary(report, path, total)
    return 0 if report.ok else 1


def _print_summary(report, path: str | None, total: int) -> None:
    out = sys.stdout
    where = path if path else "memory"
    out.write(f"Built {len(report.built)} article(s), {len(report.skipped)} unchanged, "
              f"{len(report.errors)} failed → store {where} ({total} quads)\n")
    for s in report.built:
        out.write(f"\n{s.title or s.source}\n  source: {s.source}\n")
        for label, date, place, members in s.agreements:
            bits = ", ".join(x for x in (date, place) if x)
            out.write(f"  agreement: {label}" + (f" ({bits})" if bits else "") + f" — {members} members\n")
        c = s.counts
        out.write("  " + ", ".join(f"{c.get(k, 0)} {k}" for k in
                                    ("actors", "officials", "members", "non-members", "quotes",
                                     "commitments", "events", "figures")) + f", {s.triples} triples\n")
    if report.built:
        out.write("\nTry: kg query members" + (f" --store {path}" if path and path != DEFAULT_STORE else "") + "\n")


def _parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param wants NAME=VALUE, got {item!r}")
        params[name.strip().lstrip("?$")] = value
    return params


def _cmd_query(args: argparse.Namespace) -> int:
    from kg.query import format_result, load_query, named_queries, query_header, run_query
    from kg.store import Store

    if args.list:
        for name, path in sorted(named_queries().items()):
            header = query_header(path.read_text(encoding="utf-8")).strip().splitlines()
            first = next((h.lstrip("# ").strip() for h in header if h.lstrip("# ").strip()), "")
            print(f"{name:<12} {first}")
        return 0
    if not args.query:
        raise UsageError("name a query (see kg query --list), a .rq file, or - for stdin")
    query = load_query(args.query, stdin=sys.stdin)
    params = _parse_params(args.param)
    with Store.open(_store_path(args), create=False, read_only=True) as store:
        result = run_query(store, query, params)
        format_result(result, args.format, sys.stdout)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from kg.export import export_store
    from kg.formats import rdf_format
    from kg.store import Store

    fmt = rdf_format(args.format, None if args.output == "-" else args.output)
    with Store.open(_store_path(args), create=False, read_only=True) as store:
        from rdflib import URIRef

        export_store(store, fmt, args.output, graph=URIRef(args.graph) if args.graph else None)
    if args.output != "-":
        print(f"wrote {args.output} ({fmt.name})", file=sys.stderr)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from kg.store import Store
    from kg.validate import validate_store

    path = _store_path(args)
    with Store.open(path, create=False, read_only=True) as store:
        report = validate_store(store)
    if report.conforms:
        print(f"{path}: conforms to the kg SHACL shapes")
        return 0
    print(f"{path}: does NOT conform ({len(report.results)} violation(s))")
    for focus, pathterm, message in report.results[:50]:
        print(f"  {focus} {pathterm}: {message}")
    return 1


_COMMANDS = {"build": _cmd_build, "query": _cmd_query, "export": _cmd_export, "validate": _cmd_validate}

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
