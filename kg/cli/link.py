"""``kg link``: link actors to Wikidata, GeoNames and ISO 3166; expand groups; check roles.

Offline by default (the bundled snapshot); ``--endpoint [URL]`` asks a live Wikidata-shaped
SPARQL endpoint instead (the Wikidata Query Service when no URL is given).
``kg link refresh-snapshot --endpoint URL`` regenerates a snapshot with the same queries.
"""

from __future__ import annotations

import argparse
import sys

from kg.cli.common import add_store_option, store_path
from kg.errors import UsageError

WDQS = "https://query.wikidata.org/sparql"  # the default of --endpoint (kg.link.vocab.WDQS)


def _add_endpoint_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", nargs="?", const=WDQS, metavar="URL",
                   help=f"ask a live Wikidata-shaped SPARQL endpoint (default URL: {WDQS})")
    p.add_argument("--snapshot", metavar="DIR", help="use this snapshot directory instead of the bundled one")
    p.add_argument("--cache", metavar="DIR", help="cache live answers here (default: $KG_CACHE_DIR or ~/.cache/kg/sparql)")
    p.add_argument("--no-cache", action="store_true", help="do not cache live answers")
    p.add_argument("--user-agent", metavar="TEXT", help="User-Agent for live requests (default: $KG_USER_AGENT or kg's own)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S", help="seconds per live request (default: 60)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "link", help="link actors to Wikidata, GeoNames and ISO 3166; infer group members",
        description="Link every country, organisation and person of the store to Wikidata (and countries and "
                    "places to GeoNames), expand groups of states into their members as of each agreement's "
                    "date, and check persons' roles at the article's date. Offline unless --endpoint is given.")
    add_store_option(p)
    _add_endpoint_options(p)
    p.add_argument("--report", action="store_true", help="list linked, unlinked and ambiguous actors, groups and roles")
    p.add_argument("--dry-run", action="store_true", help="link and report, but do not write the store")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors and warnings (no progress bar)")
    actions = p.add_subparsers(dest="link_action", metavar="ACTION")
    r = actions.add_parser("refresh-snapshot", help="regenerate the offline snapshot from a live endpoint",
                           description="Ask a live Wikidata-shaped endpoint, with the queries kg link sends, for "
                                       "everything the snapshot holds, and write a new snapshot directory.")
    _add_endpoint_options(r)
    r.add_argument("--output", metavar="DIR", help="where to write the snapshot (default: the bundled snapshot)")
    r.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    p.set_defaults(run=run)


def _endpoint_source(args: argparse.Namespace):
    from kg.link.sources import EndpointSource, default_cache_dir

    url = args.endpoint
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--endpoint wants an http(s) URL, got {url!r}")
    cache = None if args.no_cache else (args.cache or default_cache_dir())
    return EndpointSource(url, cache_dir=cache, user_agent=args.user_agent, timeout=args.timeout)


def run(args: argparse.Namespace) -> int:
    from kg.link.snapshot import Snapshot

    if args.endpoint == "refresh-snapshot":
        raise UsageError("write kg link refresh-snapshot --endpoint URL (the action comes first)")
    snapshot = Snapshot.load(args.snapshot)
    if args.link_action == "refresh-snapshot":
        return _refresh(args, snapshot)
    return _link(args, snapshot)


def _refresh(args: argparse.Namespace, snapshot) -> int:
    from kg.link.refresh import refresh_snapshot

    if not args.endpoint:
        raise UsageError("refresh-snapshot needs --endpoint URL: the snapshot is refreshed from a live endpoint")
    source = _endpoint_source(args)
    output = args.output or snapshot.directory
    written = refresh_snapshot(source, snapshot, output)
    if not args.quiet:
        print(f"wrote snapshot {written.directory}: {written.summary()} ({source.requests} request(s) to {source.url})")
    return 0


def _link(args: argparse.Namespace, snapshot) -> int:
    from kg.link.linker import LINK_STEPS, link_store
    from kg.link.report import summary, write_report
    from kg.link.sources import SnapshotSource
    from kg.progress import steps
    from kg.store import Store

    source = _endpoint_source(args) if args.endpoint else SnapshotSource(snapshot)
    path = store_path(args)
    progress = steps(LINK_STEPS - args.dry_run, quiet=args.quiet)
    try:
        with Store.open(path, create=False, read_only=args.dry_run) as store:
            report = link_store(store, source, snapshot, write=not args.dry_run, on_step=progress.step,
                                on_warning=lambda line: progress.message(f"warning: role contradiction: {line}"))
    finally:
        progress.close()
        source.close()
    if args.report:
        write_report(report, sys.stdout)
        if not args.quiet:
            sys.stdout.write("\n")
    if not args.quiet:
        where = f"{path} (dry run: nothing written)" if args.dry_run else str(path)
        print(summary(report, where))
    return 0
