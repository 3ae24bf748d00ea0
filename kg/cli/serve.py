"""``kg serve``: the store as a SPARQL 1.1 endpoint with a web page (read-only by default)."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys

from kg.cli.common import add_store_option, store_path
from kg.errors import UsageError

DEFAULT_MEMORY_LIMIT = 1024 * 2**20  # kg.server.workers.DEFAULT_MEMORY_LIMIT, without importing the server here

TOKEN_ENV = "KG_SERVE_TOKEN"


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "serve", help="serve the store as a SPARQL endpoint with a web page",
        description="Serve the store over HTTP: a SPARQL 1.1 Protocol endpoint at /sparql (queries; updates "
                    "only with --allow-updates and a token) and a web page at /. Binds to 127.0.0.1 unless "
                    "--host says otherwise.")
    add_store_option(s)
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=int, default=7878, help="port to listen on; 0 picks a free one (default: 7878)")
    s.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                   help="time limit of each query or update (default: 10)")
    s.add_argument("--max-results", type=int, default=10_000, metavar="N",
                   help="most rows (or triples) one answer holds; longer answers are cut and marked "
                        "with an X-KG-Truncated header (default: 10000)")
    s.add_argument("--workers", type=int, default=2, metavar="N",
                   help="queries run at the same time, each in its own process (default: 2)")
    s.add_argument("--allow-service", action="append", default=[], metavar="ENDPOINT",
                   help="allow SERVICE calls (and LOAD) to this endpoint IRI, IRI prefix ending in /, host "
                        "or host:port (repeatable; default: none)")
    s.add_argument("--allow-updates", action="store_true",
                   help=f"accept SPARQL updates from clients that send the token (from ${TOKEN_ENV} or "
                        "--token-file) as Authorization: Bearer TOKEN")
    s.add_argument("--token-file", metavar="FILE", help="read the update token from the first line of FILE")
    s.add_argument("--cors-origin", default="", metavar="ORIGIN",
                   help="let pages at ORIGIN (e.g. https://yasgui.example) query this endpoint from a browser, or '*' "
                        "for any page; by default no answer carries CORS headers and requests from pages of "
                        "other origins are refused")
    s.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="accept requests whose Host header is NAME (for a reverse proxy or another name of this "
                        "machine; repeatable; '*' for any); by default only IP addresses, localhost and this "
                        "machine's name are accepted, which stops DNS rebinding")
    s.add_argument("--max-body", type=int, default=1_048_576, metavar="BYTES",
                   help="largest request body accepted (default: 1048576)")
    s.add_argument("--request-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="a request (line, headers and body) must arrive in full within this time, or it is "
                        "answered 408 and its connection closed (default: 30)")
    s.add_argument("--memory-limit", type=int, default=DEFAULT_MEMORY_LIMIT // 2**20, metavar="MIB",
                   help="most memory one query worker may use; a query needing more is stopped with 503 and its "
                        f"worker replaced (default: {DEFAULT_MEMORY_LIMIT // 2**20}; 0 for no cap)")
    s.add_argument("-q", "--quiet", action="store_true", help="do not log requests")
    s.set_defaults(run=run)


def _token(args: argparse.Namespace) -> str | None:
    from kg.store.remote import read_secret_file

    if not args.allow_updates:
        if args.token_file:
            raise UsageError("--token-file is for updates: add --allow-updates")
        return None
    token = read_secret_file(args.token_file, "token") if args.token_file else os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UsageError(f"--allow-updates needs a token: put it in ${TOKEN_ENV} or in a file named by --token-file "
                         "(never on the command line)")
    if len(token) < 16:
        raise UsageError("the update token is too short: use at least 16 characters (e.g. python -c "
                         "'import secrets; print(secrets.token_urlsafe())')")
    return token


def run(args: argparse.Namespace) -> int:
    from kg.server import ServerConfig, serve
    from kg.server.workers import WorkerFailed
    from kg.store import MEMORY, is_remote

    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.max_results < 1 or args.workers < 1 or args.max_body < 1:
        raise UsageError("--max-results, --workers and --max-body must be at least 1")
    if args.request_timeout <= 0:
        raise UsageError("--request-timeout must be a positive number of seconds")
    if args.memory_limit < 0 or 0 < args.memory_limit < 128:
        raise UsageError("--memory-limit must be at least 128 (MiB), or 0 for no cap")
    _check_origin(args.cors_origin.strip())
    _check_server_library()
    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    location = store_path(args)
    if location is None or str(location) == MEMORY:
        raise UsageError("kg serve needs a store directory or a SPARQL endpoint URL, not an in-memory store")
    remote = getattr(location, "settings", None)
    if not is_remote(location):
        from kg.store import Store

        with Store.open(location, create=False, read_only=True):
            pass  # fails now with a clear message when there is no store
    config = ServerConfig(
        store=str(location), remote=remote, host=args.host, port=args.port, time_limit=args.timeout,
        max_results=args.max_results, workers=args.workers, allow_services=tuple(args.allow_service),
        update_token=_token(args), cors_origin=args.cors_origin, allow_hosts=tuple(args.allow_host),
        max_body=args.max_body, request_timeout=args.request_timeout,
        memory_limit=args.memory_limit * 2**20 or None, quiet=args.quiet)

    def ready(server) -> None:
        mode = "read-write with a token" if config.updates else "read-only"
        memory = f"{args.memory_limit} MiB" if args.memory_limit else "none"
        print(f"kg serve: {server.url} (SPARQL endpoint {server.url}sparql; store {location}; {mode}; "
              f"time limit {config.time_limit:g} s; result limit {config.max_results}; memory limit {memory} "
              "per worker)", file=sys.stderr, flush=True)
        if not _loopback(args.host):
            print(f"kg serve: warning: listening on {args.host}, reachable from other machines", file=sys.stderr,
                  flush=True)

    try:
        serve(config, on_ready=ready)
    except WorkerFailed as error:
        from kg.errors import StoreError

        raise StoreError(f"cannot serve {location}: {error}") from None
    except OSError as error:
        from kg.errors import KgError

        raise KgError(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
    print("kg serve: stopped", file=sys.stderr)
    return 0


def _check_server_library() -> None:
    try:
        import httptools  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        from kg.errors import KgError

        raise KgError("kg serve needs its HTTP server library (uvicorn and httptools): "
                      "pip install 'kg-news[server]'") from None


def _check_origin(origin: str) -> None:
    import urllib.parse

    if origin in ("", "*"):
        return
    parts = urllib.parse.urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
        raise UsageError(f"--cors-origin {origin!r} is not an origin: give scheme, host and port as a browser "
                         "sends them (e.g. https://yasgui.example or http://localhost:8080), or '*' for any page")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
