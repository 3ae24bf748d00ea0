"""The HTTP server of ``kg serve``: a SPARQL 1.1 Protocol endpoint and a web page.

Routes:

* ``GET /`` — the web page (a query editor preloaded with the named queries, results as a
  table and as an interactive graph, downloadable); ``GET /static/…`` — its bundled assets;
  ``GET /favicon.ico`` — its icon.
* ``GET /api/queries`` — the named queries as JSON (name, description, text).
* ``GET|POST /sparql`` — queries (``query=`` in the URL or a form, or an
  ``application/sparql-query`` body) and, when enabled, updates (``update=`` in a form or an
  ``application/sparql-update`` body, with ``Authorization: Bearer TOKEN``). ``GET /sparql``
  without a query is the service description. ``OPTIONS`` answers CORS preflights.

The app is an ASGI application served by uvicorn (its ``httptools`` parser) from one event
loop; queries run in the worker processes of :mod:`kg.server.workers`, so the loop only
reads requests and writes answers. On top of uvicorn, :class:`_Protocol` gives every request
a whole-request deadline (its line, headers and body must all arrive within
``request_timeout`` seconds of its first byte, or of the connection: a client sending a
byte every few seconds is cut off with 408) and a limit on the size of its head (431).

Safe defaults: a request whose ``Host`` is not a name or address of this server is refused
(403; DNS rebinding), unless ``allow_hosts`` names it; a request from a page of another
origin (an ``Origin`` header that is not this server's) is refused (403) and no answer
carries CORS headers, unless ``cors_origin`` names that origin (or is ``*``).

Errors are one line of ``text/plain``: 400 for a bad query (and an update that would write
to the default graph, which is the union of the named graphs), 401 for an update without
the right token, 403 for a refused update, ``SERVICE`` call, host or origin, 404, 405, 406
and 415 naming what is accepted, 408 for a request that did not arrive in time, 413 for a
request body over the limit, 431 for a request head over the limit, 503 when a query ran
past the time limit or the memory limit, or no worker was free. An answer cut at the result
limit carries ``X-KG-Truncated: <limit>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import mimetypes
import socket
import threading
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from kg import __version__
from kg.server.protocol import (
    GRAPH_FORMATS,
    SELECT_FORMATS,
    ConflictingFormats,
    ForbiddenTarget,
    NotAcceptable,
    ServiceFacts,
    check_targets,
    default_graph_write,
    negotiate,
    operation_form,
    requested_format,
    service_description,
)
from kg.server.workers import DEFAULT_MEMORY_LIMIT, Busy, MemoryLimit, Pool, TimeLimit, WorkerFailed

__all__ = ["ServerConfig", "SparqlServer", "make_server"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
SPARQL_PATH = "/sparql"

_QUERY_TYPE = "application/sparql-query"
_UPDATE_TYPE = "application/sparql-update"
_FORM_TYPE = "application/x-www-form-urlencoded"
_ALLOW = "GET, HEAD, POST, OPTIONS"
_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'")

_log = logging.getLogger("kg.server")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


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
    cors_origin: str = ""
    allow_hosts: tuple[str, ...] = ()
    max_body: int = 1_048_576
    max_head: int = 16_384
    request_timeout: float = 30.0
    keep_alive: float = 5.0
    backlog: int = 2048
    max_connections: int = 1024
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT
    quiet: bool = False

    @property
    def updates(self) -> bool:
        """True when SPARQL updates are allowed, i.e. an update token was given."""
        return self.update_token is not None


class _HttpError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass
class _Answer:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def _text(status: int, message: str, headers: Mapping[str, str] | None = None) -> _Answer:
    return _Answer(status, (" ".join(message.split()) + "\n").encode("utf-8"), "text/plain; charset=utf-8",
                   dict(headers or {}))


@dataclass
class _Request:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    receive: Receive

    @classmethod
    def from_scope(cls, scope: Scope, receive: Receive) -> _Request:
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return cls(scope["method"].upper(), scope.get("path", "/"), scope.get("query_string", b"").decode("latin-1"),
                   headers, receive)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


# --- who may ask ---------------------------------------------------------------------------------------


def _host_name(value: str) -> str:
    """The host of a ``Host`` header or URL authority, lower-case, without port or brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class _Guard:
    """Which ``Host`` and ``Origin`` headers this server accepts."""

    def __init__(self, config: ServerConfig) -> None:
        own = {"localhost", "127.0.0.1", "::1", _host_name(config.host)}
        with contextlib.suppress(OSError):
            own.add(socket.gethostname().lower())
        self.names = own | {_host_name(h) for h in config.allow_hosts if h.strip() and h.strip() != "*"}
        self.any_host = any(h.strip() == "*" for h in config.allow_hosts)
        self.cors_origin = config.cors_origin.strip().rstrip("/")

    def host_allowed(self, host: str | None) -> bool:
        """An IP address (a page at an address is no rebinding attack), one of this server's
        names, a name under ``.localhost``, or one that ``--allow-host`` names."""
        if host is None or self.any_host:
            return True
        name = _host_name(host)
        return name in self.names or _is_address(name) or name.endswith(".localhost")

    def origin_allowed(self, origin: str | None, host: str | None) -> bool:
        if origin is None:
            return True
        if self.cors_origin == "*" or (self.cors_origin and origin.rstrip("/") == self.cors_origin):
            return True
        parts = urllib.parse.urlsplit(origin)
        if parts.scheme not in ("http", "https") or not host:
            return False
        default = "443" if parts.scheme == "https" else "80"
        mine = host.strip().lower()
        theirs = parts.netloc.lower()
        return theirs == mine or f"{theirs}:{default}" == mine or theirs == f"{mine}:{default}"

    def cors_headers(self, origin: str | None) -> dict[str, str]:
        if not self.cors_origin or origin is None:
            return {}
        headers = {"Access-Control-Expose-Headers": "X-KG-Truncated, Content-Type, Content-Disposition"}
        if self.cors_origin == "*":
            headers["Access-Control-Allow-Origin"] = "*"
        elif origin.rstrip("/") == self.cors_origin:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = "Origin"
        else:
            return {}
        return headers


# --- the application ---------------------------------------------------------------------------------------


class SparqlApp:
    """The ASGI application: routes, the SPARQL protocol, the page."""

    def __init__(self, server: SparqlServer) -> None:
        self.server = server
        self.config = server.config
        self.guard = _Guard(server.config)
        self._queries_json: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = _Request.from_scope(scope, receive)
        origin = request.header("origin")
        try:
            if not self.guard.host_allowed(request.header("host")):
                host = _host_name(request.header("host") or "")
                raise _HttpError(403, f"the Host header names {host}, which is not this server (a page at another "
                                      f"name may be a DNS rebinding attack); if a proxy or another name of this "
                                      f"machine sends it, start kg serve with --allow-host {host}")
            if not self.guard.origin_allowed(origin, request.header("host")):
                raise _HttpError(403, f"requests from pages at {origin} are refused: start kg serve with "
                                      f"--cors-origin {origin} to let that page query this endpoint")
            answer = await self._dispatch(request)
        except _HttpError as error:
            answer = _text(error.status, error.message, error.headers)
        except _Disconnected:
            return
        await self._send(send, request, answer, self.guard.cors_headers(origin))

    async def _send(self, send: Send, request: _Request, answer: _Answer, cors: Mapping[str, str]) -> None:
        headers = {"Content-Type": answer.content_type, "Content-Length": str(len(answer.body)),
                   "X-Content-Type-Options": "nosniff", "Server": f"kg/{__version__}", **cors, **answer.headers}
        vary = [v for v in (answer.headers.get("Vary"), cors.get("Vary")) if v]
        if vary:
            headers["Vary"] = ", ".join(vary)
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": b"" if request.method == "HEAD" else answer.body})

    async def _dispatch(self, request: _Request) -> _Answer:
        path, method = request.path, request.method
        if path == SPARQL_PATH:
            if method == "OPTIONS":
                return self._preflight()
            return await self._sparql(request)
        page = path in ("/", "/index.html", "/api/queries", "/favicon.ico") or path.startswith("/static/")
        if page and method == "OPTIONS":
            return _Answer(204, b"", "text/plain; charset=utf-8", {"Allow": "GET, HEAD, OPTIONS"})
        if page and method not in ("GET", "HEAD"):
            raise _HttpError(405, f"{path} answers GET only", {"Allow": "GET, HEAD"})
        if path in ("/", "/index.html"):
            return self._static("index.html")
        if path == "/favicon.ico":
            return self._static("favicon.svg")
        if path.startswith("/static/"):
            return self._static(path[len("/static/"):])
        if path == "/api/queries":
            return _Answer(200, self.named_queries_json(), "application/json; charset=utf-8")
        raise _HttpError(404, f"no such page: {path} (the SPARQL endpoint is {SPARQL_PATH}, the web page /)")

    def _preflight(self) -> _Answer:
        headers = {"Allow": _ALLOW}
        if self.guard.cors_origin:
            headers.update({"Access-Control-Allow-Methods": _ALLOW,
                            "Access-Control-Allow-Headers": "Accept, Content-Type, Authorization",
                            "Access-Control-Max-Age": "600"})
        return _Answer(204, b"", "text/plain; charset=utf-8", headers)

    def named_queries_json(self) -> bytes:
        """The ``/api/queries`` body: every named query's name, description (its header's first line),
        header and text as UTF-8 JSON; built on first use, then reused."""
        if self._queries_json is None:
            from kg.sparql.catalogue import named_queries, query_header

            items = []
            for name, path in named_queries().items():
                text = path.read_text(encoding="utf-8")
                header = query_header(text)
                items.append({"name": name, "description": header.splitlines()[0] if header else "",
                              "header": header, "text": text})
            self._queries_json = json.dumps({"queries": items}, ensure_ascii=False).encode("utf-8")
        return self._queries_json

    # -- static files

    def _static(self, name: str) -> _Answer:
        candidate = (STATIC_DIR / name).resolve()
        if STATIC_DIR not in candidate.parents or not candidate.is_file():
            raise _HttpError(404, f"no such file: /static/{name}")
        content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        if content_type == "text/javascript":
            content_type = "application/javascript"
        if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml"):
            content_type += "; charset=utf-8"
        headers = {"Cache-Control": "no-cache", "Content-Security-Policy": _CSP, "Referrer-Policy": "no-referrer"}
        return _Answer(200, candidate.read_bytes(), content_type, headers)

    # -- the SPARQL endpoint

    async def _body(self, request: _Request) -> bytes:
        limit = self.config.max_body
        too_big = _HttpError(413, f"the request body is larger than {limit} bytes", {"Connection": "close"})
        declared = request.header("content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                raise _HttpError(400, "Content-Length is not a number") from None
            if length < 0:
                raise _HttpError(400, "Content-Length is negative")
            if length > limit:
                raise too_big
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _sparql(self, request: _Request) -> _Answer:
        config = self.config
        method = request.method
        params = urllib.parse.parse_qs(request.query_string, keep_blank_values=True)
        if method in ("GET", "HEAD"):
            if "update" in params:
                raise _HttpError(405, "an update must be POSTed (update=… in a form, or an application/sparql-update "
                                      "body)", {"Allow": _ALLOW})
            query = _one(params, "query")
            if query is None:
                return self._describe(request, params)
            return await self._query(request, query, params)
        if method != "POST":
            raise _HttpError(405, f"{SPARQL_PATH} answers GET and POST, not {method}", {"Allow": _ALLOW})
        content_type = request.header("content-type") or ""
        media = content_type.split(";")[0].strip().lower()
        accepted = f"{_FORM_TYPE}, {_QUERY_TYPE}" + (f", {_UPDATE_TYPE}" if config.updates else "")
        if media not in (_FORM_TYPE, _QUERY_TYPE, _UPDATE_TYPE):
            raise _HttpError(415, f"unsupported Content-Type {content_type or '(none)'}; POST one of: {accepted}",
                             {"Accept-Post": accepted})
        body = await self._body(request)
        try:
            text = body.decode(_charset(content_type))
        except (UnicodeDecodeError, LookupError):
            raise _HttpError(400, "the request body is not text in its declared character set (UTF-8 by "
                                  "default)") from None
        if media == _FORM_TYPE:
            form = urllib.parse.parse_qs(text, keep_blank_values=True)
            merged = {**params}
            for name, values in form.items():
                merged[name] = [*merged.get(name, []), *values] if name in _REPEATABLE else values
            if "update" in form:
                return await self._update(request, _one(form, "update") or "")
            query = _one(merged, "query")
            if query is None:
                raise _HttpError(400, "the form holds neither query= nor update=")
            return await self._query(request, query, merged)
        if media == _QUERY_TYPE:
            return await self._query(request, text, params)
        return await self._update(request, text)

    def _describe(self, request: _Request, params: Mapping[str, list[str]]) -> _Answer:
        config = self.config
        try:
            fmt = negotiate(request.header("accept"), GRAPH_FORMATS, requested=requested_format(params, GRAPH_FORMATS))
        except (NotAcceptable, ConflictingFormats) as error:
            raise _HttpError(406, f"service description: {error}") from None
        facts = ServiceFacts(self._endpoint_url(request), config.updates, config.time_limit, config.max_results,
                             config.allow_services)
        text = service_description(facts).serialize(format=fmt.rdflib_name)
        return _Answer(200, text.encode("utf-8"), f"{fmt.media_type}; charset=utf-8", {"Vary": "Accept"})

    def _endpoint_url(self, request: _Request) -> str:
        host = request.header("host") or ""
        if not host or any(c in host for c in "/\\ @<>\"'"):
            host_name, port = self.server.server_address[:2]
            host = f"[{host_name}]:{port}" if ":" in host_name else f"{host_name}:{port}"
        return f"http://{host}{SPARQL_PATH}"

    async def _query(self, request: _Request, query: str, params: Mapping[str, list[str]]) -> _Answer:
        config = self.config
        if not query.strip():
            raise _HttpError(400, "the query is empty")
        if any(params.get(name) for name in ("default-graph-uri", "named-graph-uri")):
            raise _HttpError(400, "default-graph-uri and named-graph-uri are not supported: the default graph "
                                  "is the union of the article graphs; use FROM / FROM NAMED or GRAPH in the query")
        _check_nesting(query)
        form = operation_form(query)
        if form == "update":
            raise _HttpError(400, "this is an update, not a query: POST it as update=… or an application/sparql-update "
                                  "body")
        try:
            check_targets(query, config.allow_services)
        except ForbiddenTarget as error:
            raise _HttpError(403, str(error)) from None
        accept = request.header("accept")
        formats: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for kind, offers in (("select", SELECT_FORMATS), ("graph", GRAPH_FORMATS)):
            try:
                formats[kind] = negotiate(accept, offers, requested=requested_format(params, offers))
            except (NotAcceptable, ConflictingFormats) as error:
                formats[kind] = None
                problems[kind] = str(error)
        expected = "graph" if form == "graph" else "select"
        if form is not None and expected in problems:
            raise _HttpError(406, problems[expected], {"Vary": "Accept"})
        select_format, graph_format = formats["select"], formats["graph"]
        job = {"op": "query", "text": query, "limit": config.max_results, "form": form,
               "select_format": select_format.name if select_format else None,
               "graph_format": graph_format.rdflib_name if graph_format and graph_format.name == "n3"
               else graph_format.name if graph_format else None}
        reply = await self._run(self.server.readers, job, "query")
        kind = "graph" if reply["kind"] == "graph" else "select"
        if reply["status"] == "not_acceptable":
            raise _HttpError(406, problems[kind], {"Vary": "Accept"})
        fmt = formats[kind]
        headers = {"Vary": "Accept"}
        if reply.get("truncated"):
            headers["X-KG-Truncated"] = str(config.max_results)
        return _Answer(200, reply["body"], f"{fmt.media_type}; charset=utf-8", headers)

    async def _update(self, request: _Request, update: str) -> _Answer:
        config = self.config
        if not config.updates or self.server.writer is None:
            raise _HttpError(403, "this endpoint is read-only: start kg serve with --allow-updates "
                                  "(and a token) to accept updates")
        supplied = request.header("authorization") or ""
        scheme, _, token = supplied.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _HttpError(401, "an update needs the server's token: send Authorization: Bearer TOKEN",
                             {"WWW-Authenticate": 'Bearer realm="kg"'})
        if not hmac.compare_digest(token.strip().encode("utf-8"), str(config.update_token).encode("utf-8")):
            raise _HttpError(401, "the token is not right", {"WWW-Authenticate": 'Bearer realm="kg", error="invalid_token"'})
        if not update.strip():
            raise _HttpError(400, "the update is empty")
        _check_nesting(update)
        if operation_form(update) in ("select", "ask", "graph"):
            raise _HttpError(400, "this is a query, not an update: send it as query=… or an application/sparql-query "
                                  "body")
        written = default_graph_write(update)
        if written is not None:
            raise _HttpError(400, f"this update writes to the default graph ({written}), which here is the union of "
                                  "the named graphs and keeps nothing of its own: name a graph, e.g. INSERT DATA "
                                  "{ GRAPH <urn:kg:mine> { … } }; the default graph then shows it")
        try:
            check_targets(update, config.allow_services)
        except ForbiddenTarget as error:
            raise _HttpError(403, str(error)) from None
        await self._run(self.server.writer, {"op": "update", "text": update}, "update")
        return _Answer(204, b"", "text/plain; charset=utf-8")

    async def _run(self, pool: Pool, job: dict[str, Any], what: str) -> dict[str, Any]:
        limit = self.config.time_limit
        try:
            reply = await pool.run_async(job, limit)
        except TimeLimit:
            raise _HttpError(503, f"the {what} was stopped at the time limit of {limit:g} s") from None
        except MemoryLimit:
            cap = (self.config.memory_limit or 0) // 2**20
            raise _HttpError(503, f"the {what} was stopped at the memory limit of {cap} MiB") from None
        except Busy:
            raise _HttpError(503, f"the server is busy: no worker became free within {limit:g} s; try again",
                             {"Retry-After": "1"}) from None
        except WorkerFailed as error:
            raise _HttpError(500, f"the {what} failed: {error}") from None
        except asyncio.CancelledError:  # the server is stopping and did not wait any longer
            raise _HttpError(503, f"the server stopped before the {what} ended", {"Connection": "close"}) from None
        if reply["status"] == "error":
            status = {"query": 400, "store": 500}.get(reply["error"], 500)
            prefix = "internal error: " if reply["error"] == "internal" else ""
            raise _HttpError(status, prefix + reply["message"])
        return reply


class _Disconnected(Exception):
    """The client went away before its request arrived."""


_REPEATABLE = {"format", "output", "results", "default-graph-uri", "named-graph-uri"}


def _check_nesting(text: str) -> None:
    """400 for a query or update nested too deep for the engine (which could crash a worker)."""
    from kg.errors import QueryError
    from kg.sparql.lexer import check_nesting

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


# --- uvicorn, with a whole-request deadline and a limit on the request head ---------------------------------


def _protocol_class(request_timeout: float, max_head: int) -> type:
    """uvicorn's httptools protocol, with a deadline per request and a cap on its head."""
    import httptools
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class _Protocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None
        _head_bytes = 0
        _in_head = True
        _refused = False

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            # a stream server's protocol is given a Transport, which uvicorn's protocol declares it takes
            super().connection_made(cast(asyncio.Transport, transport))
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._deadline is None:
                self._deadline = self.loop.call_later(request_timeout, self._expire)
                self._head_bytes, self._in_head = 0, True

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _refuse(self, status: int, reason: str, message: str) -> None:
            """Answer ``status`` (unless an answer has started) and close the connection."""
            self._refused = True
            self._disarm()
            if self.transport.is_closing():
                return
            cycle = self.cycle
            if cycle is None or cycle.response_complete or not cycle.response_started:
                body = (message + "\n").encode("utf-8")
                self.transport.write(
                    f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
                    f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode("latin-1") + body)
            if cycle is not None and not cycle.response_complete:
                cycle.disconnected = True  # the app reading the body gets http.disconnect, and answers nothing
                cycle.message_event.set()
            self.transport.close()
            _log.warning("%s: %s", "%s:%d" % self.client if self.client else "a client", message)

        def _expire(self) -> None:
            self._deadline = None
            self._refuse(408, "Request Timeout", f"the request did not arrive in full within {request_timeout:g} s")

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            self._unset_keepalive_if_required()
            self._arm()
            if self._in_head:
                self._head_bytes += len(data)
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserUpgrade:
                pass  # no WebSockets here: the request is answered as a plain one
            except httptools.HttpParserError:
                if not self._refused:
                    self.send_400_response("Invalid HTTP request received.")
                return
            if self._in_head and self._head_bytes > max_head and not self._refused:
                self._refuse(431, "Request Header Fields Too Large",
                             f"the request line and headers are larger than {max_head} bytes")

        def on_message_begin(self) -> None:
            self._arm()
            self._in_head = True
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._in_head = False
            head = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
            if head > max_head:
                self._refuse(431, "Request Header Fields Too Large",
                             f"the request line and headers are larger than {max_head} bytes")
                raise _HeadTooLarge()
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

    return _Protocol


class _HeadTooLarge(Exception):
    pass


def _log_config(quiet: bool) -> dict[str, Any]:
    """uvicorn's logging: one line per request (unless quiet), with a timestamp, on stderr."""
    datefmt = "%Y-%m-%dT%H:%M:%S%z"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": {"()": "logging.Formatter", "fmt": "%(asctime)s kg serve: %(levelname)s: %(message)s",
                        "datefmt": datefmt},
            "access": {"()": "uvicorn.logging.AccessFormatter", "use_colors": False, "datefmt": datefmt,
                       "fmt": '%(asctime)s %(client_addr)s "%(request_line)s" %(status_code)s'},
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "WARNING", "propagate": False},
            "uvicorn.error": {"handlers": ["default"], "level": "WARNING", "propagate": False},
            "uvicorn.access": {"handlers": ["access"], "level": "WARNING" if quiet else "INFO", "propagate": False},
            "kg.server": {"handlers": ["default"], "level": "WARNING", "propagate": False},
        },
    }


# --- the server ------------------------------------------------------------------------------------------------


def _bind(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


class SparqlServer:
    """The listening socket, the worker pools and the uvicorn server that answers on it."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        if config.updates:
            # One process holds the store for writing and answers every request: a reader
            # opening the store while a writer changes it may read half-written engine files.
            self.writer: Pool | None = Pool(config.store, config.remote, size=1, writable=True,
                                            memory_limit=config.memory_limit)
            self.readers = self.writer
        else:
            self.readers = Pool(config.store, config.remote, size=config.workers, memory_limit=config.memory_limit)
            self.writer = None
        self.socket = _bind(config.host, config.port, config.backlog)
        self.server_address = self.socket.getsockname()
        self._uvicorn: Any = None
        self._stop = threading.Event()

    def start_workers(self) -> None:
        """Start the worker processes and wait until each is ready; raises ``WorkerFailed`` if one
        cannot open the store."""
        self.readers.start()

    @property
    def url(self) -> str:
        """The server's address as an http URL, an IPv6 host in brackets."""
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"

    def serve_forever(self) -> None:
        """Answer requests until :meth:`shutdown`."""
        import uvicorn

        config = self.config

        class _Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self):
                yield  # kg.server.serve handles the signals

        uv_config = uvicorn.Config(
            SparqlApp(self), http=_protocol_class(config.request_timeout, config.max_head), ws="none",
            lifespan="off", interface="asgi3", loop="asyncio", backlog=config.backlog,
            timeout_keep_alive=max(1, round(config.keep_alive)), limit_concurrency=config.max_connections,
            timeout_graceful_shutdown=5, server_header=False, date_header=True, proxy_headers=False,
            access_log=not config.quiet, log_config=_log_config(config.quiet))
        self._uvicorn = _Server(uv_config)
        if self._stop.is_set():
            return
        asyncio.run(self._uvicorn.serve(sockets=[self.socket]))

    def shutdown(self) -> None:
        """Ask :meth:`serve_forever` to stop (from a signal handler or another thread)."""
        self._stop.set()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True

    def server_close(self) -> None:
        """Close the listening socket and stop the worker processes."""
        with contextlib.suppress(OSError):
            self.socket.close()
        self.readers.close()


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
