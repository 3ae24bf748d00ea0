"""The HTTP server of ``kg serve``: a SPARQL 1.1 Protocol endpoint and a web page.

Routes:

* ``GET /`` — the web page (a query editor preloaded with the named queries, results as a
  table and as an interactive graph); ``GET /static/…`` — its bundled assets.
* ``GET /api/queries`` — the named queries as JSON (name, description, text).
* ``GET|POST /sparql`` — queries (``query=`` in the URL or a form, or an
  ``application/sparql-query`` body) and, when enabled, updates (``update=`` in a form or an
  ``application/sparql-update`` body, with ``Authorization: Bearer TOKEN``). ``GET /sparql``
  without a query is the service description. ``OPTIONS`` answers CORS preflights.

Every answer carries CORS headers. Errors are one line of ``text/plain``: 400 for a bad
query, 401 for an update without the right token, 403 for a refused update or ``SERVICE``
call, 404, 405, 406 and 415 naming what is accepted, 413 for a request body over the limit,
503 when a query ran past the time limit or no worker was free. An answer cut at the result
limit carries ``X-KG-Truncated: <limit>``.
"""

from __future__ import annotations

import hmac
import json
import mimetypes
import sys
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kg import __version__
from kg.server.protocol import (
    GRAPH_FORMATS,
    SELECT_FORMATS,
    ForbiddenTarget,
    NotAcceptable,
    ServiceFacts,
    check_targets,
    negotiate,
    operation_form,
    service_description,
)
from kg.server.workers import Busy, Pool, TimeLimit, WorkerFailed

__all__ = ["ServerConfig", "SparqlServer", "make_server"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
SPARQL_PATH = "/sparql"

_QUERY_TYPE = "application/sparql-query"
_UPDATE_TYPE = "application/sparql-update"
_FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class ServerConfig:
    """How ``kg serve`` runs. ``update_token`` set means updates are enabled (with that token)."""

    store: str
    remote: object = None
    host: str = "127.0.0.1"
    port: int = 7878
    time_limit: float = 10.0
    max_results: int = 10_000
    workers: int = 2
    allow_services: tuple[str, ...] = ()
    update_token: str | None = field(default=None, repr=False)
    cors_origin: str = "*"
    max_body: int = 1_048_576
    quiet: bool = False

    @property
    def updates(self) -> bool:
        return self.update_token is not None


class _HttpError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class SparqlServer(ThreadingHTTPServer):
    """A threading HTTP server holding the configuration and the worker pools."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        if config.updates:
            # One process holds the store for writing and answers every request: a reader
            # opening the store while a writer changes it may read half-written engine files.
            self.writer: Pool | None = Pool(config.store, config.remote, size=1, writable=True)
            self.readers = self.writer
        else:
            self.readers = Pool(config.store, config.remote, size=config.workers)
            self.writer = None
        super().__init__((config.host, config.port), _Handler)
        self._queries_json: bytes | None = None
        self._queries_guard = threading.Lock()

    def start_workers(self) -> None:
        self.readers.start()

    def server_close(self) -> None:
        super().server_close()
        self.readers.close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    def named_queries_json(self) -> bytes:
        with self._queries_guard:
            if self._queries_json is None:
                from kg.query import named_queries, query_header

                items = []
                for name, path in named_queries().items():
                    text = path.read_text(encoding="utf-8")
                    header = query_header(text)
                    items.append({"name": name, "description": header.splitlines()[0] if header else "",
                                  "header": header, "text": text})
                self._queries_json = json.dumps({"queries": items}, ensure_ascii=False).encode("utf-8")
            return self._queries_json


def make_server(config: ServerConfig) -> SparqlServer:
    """Bind the server and start its workers (raises ``OSError`` if the address is taken,
    ``WorkerFailed`` if the store cannot be opened)."""
    server = SparqlServer(config)
    try:
        server.start_workers()
    except BaseException:
        server.server_close()
        raise
    return server


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"
    server_version = f"kg/{__version__}"
    timeout = 60  # seconds a client may take to send its request

    # -- plumbing

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if not self.server.config.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _cors(self) -> dict[str, str]:
        origin = self.server.config.cors_origin
        if not origin:
            return {}
        headers = {"Access-Control-Allow-Origin": origin,
                   "Access-Control-Expose-Headers": "X-KG-Truncated, Content-Type"}
        if origin != "*":
            headers["Vary"] = "Origin"
        return headers

    def _send(self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        all_headers = {"Content-Type": content_type, "Content-Length": str(len(body)),
                       "X-Content-Type-Options": "nosniff", **self._cors(), **(headers or {})}
        for name, value in all_headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def _error(self, error: _HttpError) -> None:
        body = (" ".join(error.message.split()) + "\n").encode("utf-8")
        self._send(error.status, body, "text/plain; charset=utf-8", error.headers)

    def _dispatch(self, method: str) -> None:
        try:
            path = urllib.parse.urlsplit(self.path).path
            if path == SPARQL_PATH:
                self._sparql(method)
            elif method in ("GET", "HEAD") and path in ("/", "/index.html"):
                self._static("index.html")
            elif method in ("GET", "HEAD") and path.startswith("/static/"):
                self._static(path[len("/static/"):])
            elif method in ("GET", "HEAD") and path == "/api/queries":
                self._send(200, self.server.named_queries_json(), "application/json; charset=utf-8")
            elif path in ("/", "/index.html", "/api/queries") or path.startswith("/static/"):
                raise _HttpError(405, f"{path} answers GET only", {"Allow": "GET, HEAD"})
            else:
                raise _HttpError(404, f"no such page: {path} (the SPARQL endpoint is {SPARQL_PATH}, the web page /)")
        except _HttpError as error:
            self._error(error)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:  # noqa: N802
        headers = {
            "Allow": "GET, HEAD, POST, OPTIONS",
            "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Accept, Content-Type, Authorization",
            "Access-Control-Max-Age": "600",
        }
        self._send(204, b"", "text/plain; charset=utf-8", headers)

    # -- static files

    def _static(self, name: str) -> None:
        candidate = (STATIC_DIR / name).resolve()
        if STATIC_DIR not in candidate.parents or not candidate.is_file():
            raise _HttpError(404, f"no such file: /static/{name}")
        content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
            content_type += "; charset=utf-8"
        headers = {"Cache-Control": "no-cache",
                   "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                              "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"}
        self._send(200, candidate.read_bytes(), content_type, headers)

    # -- the SPARQL endpoint

    def _body(self) -> bytes:
        length_header = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise _HttpError(411, "send the request body with a Content-Length, not chunked")
        try:
            length = int(length_header) if length_header is not None else 0
        except ValueError:
            raise _HttpError(400, "Content-Length is not a number") from None
        if length < 0:
            raise _HttpError(400, "Content-Length is negative")
        if length > self.server.config.max_body:
            self.close_connection = True
            raise _HttpError(413, f"the request body is larger than {self.server.config.max_body} bytes")
        return self.rfile.read(length) if length else b""

    def _sparql(self, method: str) -> None:
        config = self.server.config
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if method in ("GET", "HEAD"):
            if "update" in params:
                raise _HttpError(405, "an update must be POSTed (update=… in a form, or an application/sparql-update body)",
                                 {"Allow": "GET, HEAD, POST, OPTIONS"})
            query = _one(params, "query")
            if query is None:
                self._describe(params)
                return
            self._query(query, params)
            return
        if method != "POST":
            raise _HttpError(405, f"{SPARQL_PATH} answers GET and POST, not {method}", {"Allow": "GET, HEAD, POST, OPTIONS"})
        content_type = self.headers.get("Content-Type", "")
        media = content_type.split(";")[0].strip().lower()
        accepted = f"{_FORM_TYPE}, {_QUERY_TYPE}" + (f", {_UPDATE_TYPE}" if config.updates else "")
        if media not in (_FORM_TYPE, _QUERY_TYPE, _UPDATE_TYPE):
            raise _HttpError(415, f"unsupported Content-Type {content_type or '(none)'}; POST one of: {accepted}",
                             {"Accept-Post": accepted})
        body = self._body()
        try:
            text = body.decode(_charset(content_type))
        except (UnicodeDecodeError, LookupError):
            raise _HttpError(400, "the request body is not text in its declared character set (UTF-8 by default)") from None
        if media == _FORM_TYPE:
            form = urllib.parse.parse_qs(text, keep_blank_values=True)
            merged = {**params, **form}
            if "update" in form:
                self._update(_one(form, "update") or "")
                return
            query = _one(merged, "query")
            if query is None:
                raise _HttpError(400, "the form holds neither query= nor update=")
            self._query(query, merged)
        elif media == _QUERY_TYPE:
            self._query(text, params)
        else:
            self._update(text)

    def _describe(self, params: Mapping[str, list[str]]) -> None:
        config = self.server.config
        try:
            fmt = negotiate(self.headers.get("Accept"), GRAPH_FORMATS, requested=_one(params, "format"))
        except NotAcceptable as error:
            raise _HttpError(406, f"service description: {error}") from None
        facts = ServiceFacts(self._endpoint_url(), config.updates, config.time_limit, config.max_results,
                             config.allow_services)
        text = service_description(facts).serialize(format=fmt.rdflib_name)
        self._send(200, text.encode("utf-8"), f"{fmt.media_type}; charset=utf-8", {"Vary": "Accept"})

    def _endpoint_url(self) -> str:
        host = self.headers.get("Host", "")
        if not host or any(c in host for c in "/\\ @<>\"'"):
            host_name, port = self.server.server_address[:2]
            host = f"{host_name}:{port}"
        return f"http://{host}{SPARQL_PATH}"

    def _query(self, query: str, params: Mapping[str, list[str]]) -> None:
        config = self.server.config
        if not query.strip():
            raise _HttpError(400, "the query is empty")
        if any(params.get(name) for name in ("default-graph-uri", "named-graph-uri")):
            raise _HttpError(400, "default-graph-uri and named-graph-uri are not supported: the default graph "
                                  "is the union of the article graphs; use FROM / FROM NAMED or GRAPH in the query")
        _check_nesting(query)
        form = operation_form(query)
        if form == "update":
            raise _HttpError(400, "this is an update, not a query: POST it as update=… or an application/sparql-update body")
        try:
            check_targets(query, config.allow_services)
        except ForbiddenTarget as error:
            raise _HttpError(403, str(error)) from None
        requested = _one(params, "format")
        accept = self.headers.get("Accept")
        select_format = graph_format = None
        problems = []
        try:
            select_format = negotiate(accept, SELECT_FORMATS, requested=requested)
        except NotAcceptable as error:
            problems.append(("select", str(error)))
        try:
            graph_format = negotiate(accept, GRAPH_FORMATS, requested=requested)
        except NotAcceptable as error:
            problems.append(("graph", str(error)))
        expected = "graph" if form == "graph" else "select"
        for kind, message in problems:
            if kind == expected and form is not None:
                raise _HttpError(406, message, {"Vary": "Accept"})
        job = {"op": "query", "text": query, "limit": config.max_results,
               "select_format": select_format.name if select_format else None,
               "graph_format": graph_format.name if graph_format else None}
        reply = self._run(self.server.readers, job, "query")
        if reply["status"] == "not_acceptable":
            message = next(m for k, m in problems if k == ("graph" if reply["kind"] == "graph" else "select"))
            raise _HttpError(406, message, {"Vary": "Accept"})
        offers = GRAPH_FORMATS if reply["kind"] == "graph" else SELECT_FORMATS
        fmt = next(f for f in offers if f.name == reply["format"])
        headers = {"Vary": "Accept"}
        if reply.get("truncated"):
            headers["X-KG-Truncated"] = str(config.max_results)
        self._send(200, reply["body"], f"{fmt.media_type}; charset=utf-8", headers)

    def _update(self, update: str) -> None:
        config = self.server.config
        if not config.updates or self.server.writer is None:
            raise _HttpError(403, "this endpoint is read-only: start kg serve with --allow-updates "
                                  "(and a token) to accept updates")
        supplied = self.headers.get("Authorization", "")
        scheme, _, token = supplied.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="kg"'}
        if scheme.lower() != "bearer" or not token.strip():
            raise _HttpError(401, "an update needs the server's token: send Authorization: Bearer TOKEN", challenge)
        if not hmac.compare_digest(token.strip().encode("utf-8"), str(config.update_token).encode("utf-8")):
            raise _HttpError(401, "the token is not right", {"WWW-Authenticate": 'Bearer realm="kg", error="invalid_token"'})
        if not update.strip():
            raise _HttpError(400, "the update is empty")
        _check_nesting(update)
        if operation_form(update) in ("select", "ask", "graph"):
            raise _HttpError(400, "this is a query, not an update: send it as query=… or an application/sparql-query body")
        try:
            check_targets(update, config.allow_services)
        except ForbiddenTarget as error:
            raise _HttpError(403, str(error)) from None
        self._run(self.server.writer, {"op": "update", "text": update}, "update")
        self._send(204, b"", "text/plain; charset=utf-8")

    def _run(self, pool: Pool, job: dict[str, Any], what: str) -> dict[str, Any]:
        limit = self.server.config.time_limit
        try:
            reply = pool.run(job, limit)
        except TimeLimit:
            raise _HttpError(503, f"the {what} was stopped at the time limit of {limit:g} s") from None
        except Busy:
            raise _HttpError(503, f"the server is busy: no worker became free within {limit:g} s; try again",
                             {"Retry-After": "1"}) from None
        except WorkerFailed as error:
            raise _HttpError(500, f"the {what} failed: {error}") from None
        if reply["status"] == "error":
            status = {"query": 400, "store": 500}.get(reply["error"], 500)
            prefix = "internal error: " if reply["error"] == "internal" else ""
            raise _HttpError(status, prefix + reply["message"])
        return reply


def _check_nesting(text: str) -> None:
    """400 for a query or update nested too deep for the engine (which could crash a worker)."""
    from kg.errors import QueryError
    from kg.query import check_nesting

    try:
        check_nesting(text)
    except QueryError as error:
        raise _HttpError(400, str(error)) from None


def _one(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise _HttpError(400, f"give {name}= once, not {len(values)} times")
    return values[0]


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"') or "utf-8"
    return "utf-8"
