"""``kg build``: read articles, extract facts, store one named graph per article."""

from __future__ import annotations

import argparse
import sys
import threading

from kg.cli.common import DEFAULT_STORE, add_store_option, store_path
from kg.errors import UsageError

UNCHANGED_LISTED = 10
"""How many "unchanged:" lines a run prints before it only counts them."""


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser(
        "build", help="read articles, extract facts, store one named graph per article",
        description="Build articles into the store. With no SOURCE, the bundled reference article. "
                    "Unchanged articles are skipped; changed ones replace their graph.")
    b.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="article files (.txt .md .html .jsonl .jsonl.gz), directories, glob patterns "
                        "('corpus/**/*.txt', quoted), N-Quads shards (.nq .nq.gz), or - for stdin")
    add_store_option(b)
    b.add_argument("--memory", action="store_true", help="build in memory only (nothing is written)")
    b.add_argument("--force", action="store_true", help="rebuild articles even when unchanged")
    b.add_argument("--prune", action="store_true",
                   help="first remove the graphs of articles whose file inside a SOURCE directory is gone "
                        "(deleted or renamed)")
    b.add_argument("--fast", action="store_true",
                   help="rules only, without the statistical parser: several times faster, and fewer facts "
                        "right on real reporting (see Extraction quality in the README)")
    b.add_argument("--no-identity", action="store_true",
                   help="do not resolve surname-only persons across articles after the build (kg.identity)")
    b.add_argument("-q", "--quiet", action="store_true", help="print only errors (no progress bar, no summary)")
    b.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="worker processes that extract (1: in this process; default: chosen from what an "
                        "article costs and the cores: with the parser one per core, while this process "
                        "keeps up; with --fast one process, which writing the store keeps busy anyway)")
    b.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="where extraction runs: this machine (default) or a Dask cluster (needs --scheduler)")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="the Dask scheduler for --engine dask, e.g. tcp://10.0.0.5:8786")
    b.add_argument("--shards", metavar="DIR",
                   help="also write every built graph as N-Quads shards into DIR (new or empty)")
    b.add_argument("--no-store", action="store_true",
                   help="write only the --shards, no store (load them later with kg build DIR/*.nq or any RDF store)")
    b.set_defaults(run=run)


def _check(args: argparse.Namespace) -> None:
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")
    if args.engine == "dask" and not args.scheduler:
        raise UsageError("--engine dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler is for --engine dask")
    if args.engine == "dask" and args.jobs is not None:
        raise UsageError("--jobs is for the local engine; a Dask cluster runs as many tasks as its workers have threads")
    if args.no_store and not args.shards:
        raise UsageError("--no-store needs --shards DIR (otherwise nothing would be written)")
    if args.prune and args.no_store:
        raise UsageError("--prune removes articles from a store: it cannot be combined with --no-store")
    if args.no_store and (args.memory or args.store):
        raise UsageError("--no-store cannot be combined with --store or --memory")


def run(args: argparse.Namespace) -> int:
    from kg.builder import build, count_articles
    from kg.engine import open_engine
    from kg.progress import Progress
    from kg.reading.sources import default_article_path
    from kg.store import Store

    _check(args)
    sources = args.sources or [str(default_article_path())]
    path = None if args.no_store else store_path(args)
    progress = Progress(sys.stderr, enabled=False if args.quiet else None)
    if progress.enabled:  # the total, for the ETA, is counted while the build runs
        threading.Thread(target=lambda: progress.set_total(count_articles(sources)), daemon=True).start()
    unchanged = 0

    def on_article(summary) -> None:
        nonlocal unchanged
        progress.advance(triples=summary.triples)
        if summary.skipped and not args.quiet:
            unchanged += 1
            if unchanged <= UNCHANGED_LISTED:
                progress.message(f"unchanged: {summary.source}")
            elif unchanged == UNCHANGED_LISTED + 1:
                progress.message("unchanged: ... (further unchanged articles are only counted)")

    def on_duplicate(_source: str, _same_as: str) -> None:
        progress.advance()  # listed in the summary

    def on_error(message: str) -> None:
        progress.advance(0, errors=1)
        progress.message(f"error: {message}")

    engine = open_engine(args.engine, jobs=args.jobs, scheduler=args.scheduler, fast=args.fast)
    try:
        if args.no_store:
            report = build(sources, None, force=args.force, engine=engine, shards=args.shards,
                           on_article=on_article, on_error=on_error)
            total = None
        else:
            with Store.open(path) as store:
                report = build(sources, store, force=args.force, engine=engine, shards=args.shards,
                               on_article=on_article, on_error=on_error, identity=not args.no_identity,
                               on_duplicate=on_duplicate, prune=args.prune)
                total = len(store)
    finally:
        progress.close()
        engine.close()
    if not args.quiet:
        print_summary(report, path, total, no_store=args.no_store)
    return 0 if report.ok else 1


def print_summary(report, path: str | None, total: int | None, *, no_store: bool = False) -> None:
    from kg.builder import DETAILS_KEPT

    out = sys.stdout
    where = "no store" if no_store else f"store {path if path else 'memory'} ({total} quads)"
    duplicates = f"{report.duplicates} duplicate(s), " if report.duplicates else ""
    out.write(f"Built {report.built} article(s), {report.skipped} unchanged, {duplicates}"
              f"{report.failed} failed → {where}\n")
    if report.pruned:
        out.write(f"Pruned {report.pruned} article(s) whose file is gone\n")
        for source in report.pruned_notes:
            out.write(f"pruned: {source}\n")
        if report.pruned > len(report.pruned_notes):
            out.write(f"pruned: ... and {report.pruned - len(report.pruned_notes)} more\n")
    if report.derived_dropped:
        from kg.rdf.iris import LINKS_GRAPH

        made_by = sorted({"kg link" if graph == str(LINKS_GRAPH) else "kg analyse --write"
                          for graph in report.derived_dropped})
        out.write(f"Removed {len(report.derived_dropped)} graph(s) made from the articles before this build "
                  f"(so that they cannot answer for changed or removed articles): run {' and '.join(made_by)} again\n")
    for source, same_as in report.duplicate_notes:
        out.write(f"duplicate: {source} is the same article as {same_as} (one article, built once)\n")
    if report.duplicates > len(report.duplicate_notes):
        out.write(f"duplicate: ... and {report.duplicates - len(report.duplicate_notes)} more\n")
    for pipeline in report.pipelines:
        out.write(f"Read with: {pipeline}\n")
    for s in report.details:
        out.write(f"\n{s.title or s.source}\n  source: {s.source}\n")
        for label, date, place, members in s.agreements:
            bits = ", ".join(x for x in (date, place) if x)
            out.write(f"  agreement: {label}" + (f" ({bits})" if bits else "") + f" — {members} members\n")
        c = s.counts
        if c:
            out.write("  " + ", ".join(f"{c.get(k, 0)} {k}" for k in
                                        ("actors", "officials", "members", "non-members", "quotes",
                                         "commitments", "events", "figures")) + f", {s.triples} triples\n")
        else:
            out.write(f"  {s.triples} triples (loaded from a shard)\n")
    if report.built > DETAILS_KEPT:
        c = report.counts
        per_100 = 100 * c.get("agreements", 0) / report.built
        out.write(f"\n... and {report.built - DETAILS_KEPT} more article(s)\n"
                  f"All {report.built} built articles: {c.get('agreements', 0)} agreements ({per_100:.1f} per 100 "
                  f"articles), " + ", ".join(f"{c.get(k, 0)} {k}" for k in
                                             ("actors", "officials", "members", "quotes", "events", "figures"))
                  + f", {report.triples} triples\n")
    if report.built + report.skipped > DETAILS_KEPT:
        out.write(f"{report.built + report.skipped} articles in {report.seconds:.1f} s "
                  f"({report.articles_per_second:.1f} articles/s, engine {report.engine}, {report.jobs} job(s))\n")
    if report.resolved:
        out.write(f"Identity: {report.resolved} surname-only mention(s) resolved to a full-name person across "
                  f"articles ({report.unresolved} left unresolved); see kg query actors\n")
    if report.shards:
        out.write(f"Wrote {len(report.shards)} shard(s): {report.shards[0]}"
                  + (f" ... {report.shards[-1]}" if len(report.shards) > 1 else "") + "\n")
    if report.built and not no_store:
        out.write("\nTry: kg query members" + (f" --store {path}" if path and path != DEFAULT_STORE else "") + "\n")
