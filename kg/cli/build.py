"""``kg build``: read articles, extract facts, store one named graph per article."""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import DEFAULT_STORE, add_store_option, store_path


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("build", help="read articles, extract facts, store one named graph per article",
                       description="Build articles into the store. With no SOURCE, the bundled reference article.")
    b.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="article files (.txt .md .html .jsonl .jsonl.gz), directories, or - for stdin")
    add_store_option(b)
    b.add_argument("--memory", action="store_true", help="build in memory only (nothing is written)")
    b.add_argument("--force", action="store_true", help="rebuild articles even when unchanged")
    b.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    b.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from kg.build import build
    from kg.reading.sources import default_article_path
    from kg.store import Store

    sources = args.sources or [str(default_article_path())]
    path = store_path(args)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))

    def on_article(summary) -> None:
        if summary.skipped:
            say(f"unchanged: {summary.source}")

    with Store.open(path) as store:
        report = build(sources, store, force=args.force, on_article=on_article,
                       on_error=lambda msg: print(f"error: {msg}", file=sys.stderr))
        total = len(store)
    if not args.quiet:
        print_summary(report, path, total)
    return 0 if report.ok else 1


def print_summary(report, path: str | None, total: int) -> None:
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
