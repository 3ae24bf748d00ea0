"""The one SPARQL 1.1 Protocol client of kg, and its codec for SPARQL query results.

Every request kg sends to a SPARQL server goes through :class:`SparqlClient` (Python's
``urllib``, one HTTP stack): the remote store's queries, updates, Graph Store requests and
service description (:mod:`kg.store.remote`), and ``kg link --endpoint`` (:mod:`kg.link.sources`).
Media types come from :mod:`kg.formats`.

* A request that gets an HTTP error status raises :class:`HttpStatusError`, which carries the
  status, the headers (``Retry-After``) and the server's own message (its body, one line);
  a request that gets no answer raises :class:`EndpointUnreachable` (connection refused, a
  timeout, a connection lost while reading). Callers turn these into their own one-line
  errors (``StoreError``, ``EndpointError``).
* :func:`parse_results` reads SPARQL 1.1 results in JSON or XML (a SELECT's rows or an ASK's
  verdict) into rdflib terms; :func:`parse_graph` reads a CONSTRUCT or DESCRIBE answer.
  Anything else (an empty body, HTML, truncated JSON, JSON without ``head.vars`` and
  ``results.bindings``) raises :class:`BadAnswer`, whatever the HTTP status said.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import TYPE_CHECKING

from kg.errors import KgError
from kg.formats import (
    FORM_MEDIA_TYPE,
    RDF_FORMATS,
    SPARQL_UPDATE_MEDIA_TYPE,
    format_for_media_type,
    result_format,
)
from kg.store.base import one_line

if TYPE_CHECKING:
    from rdflib import Graph

    from kg.store.terms import Term

__all__ = [
    "GRAPH_ACCEPT",
    "QUERY_ACCEPT",
    "RESULTS_ACCEPT",
    "RESULTS_JSON",
    "RESULTS_XML",
    "Answer",
    "BadAnswer",
    "EndpointUnreachable",
    "HttpStatusError",
    "Results",
    "SparqlClient",
    "is_results",
    "parse_graph",
    "parse_results",
    "server_message",
]

RESULTS_JSON = result_format("json").media_type
RESULTS_XML = result_format("xml").media_type
_RDF_QUALITY = {"text/turtle": "0.9", "application/n-triples": "0.8", "application/ld+json": "0.5",
                "application/rdf+xml": "0.4"}
RESULTS_ACCEPT = f"{RESULTS_JSON}, {RESULTS_XML};q=0.9"
"""Accept header for SELECT and ASK answers."""
GRAPH_ACCEPT = ", ".join(f"{fmt.media_type};q={_RDF_QUALITY[fmt.media_type]}" for fmt in RDF_FORMATS
                         if fmt.media_type in _RDF_QUALITY)
"""Accept header for CONSTRUCT and DESCRIBE answers (and service descriptions)."""
QUERY_ACCEPT = f"{RESULTS_ACCEPT}, {GRAPH_ACCEPT}"
"""Accept header for a query of any form."""

_SPARQL_RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_GENERIC = frozenset({"", "application/json", "text/json", "application/xml", "text/xml"})
_MESSAGE_LIMIT = 300


# --- errors ------------------------------------------------------------------------------------


class HttpStatusError(KgError):
    """The server answered with an HTTP error status; ``message`` is what it said, in one line."""

    def __init__(self, url: str, status: int, reason: str, body: bytes, headers: Mapping[str, str]) -> None:
        self.url = url
        self.status = status
        self.reason = reason
        self.headers = headers
        self.message = server_message(body)
        super().__init__(f"{url}: HTTP {status}" + (f": {self.message}" if self.message else f" {reason}"))


class EndpointUnreachable(KgError):
    """No answer: ``reason`` in words; ``timed_out`` for a timeout; ``reached`` when the
    connection was made and lost while the answer was read."""

    def __init__(self, url: str, reason: str, *, timed_out: bool, reached: bool) -> None:
        self.url = url
        self.reason = reason
        self.timed_out = timed_out
        self.reached = reached
        super().__init__(f"{url}: {reason}")


class BadAnswer(KgError):
    """An answer that is not what was asked for; the message says what it is instead, in a
    phrase that reads after "answered with" ("an empty body instead of SPARQL results")."""


def server_message(body: bytes | str) -> str:
    """A server's error body as one line: HTML tags removed, at most 300 characters."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = one_line(re.sub(r"<[^>]+>", " ", text) if "<html" in text.lower() else text)
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + "…"


def _reason(error: BaseException, timeout: float) -> tuple[str, bool]:
    """Why a connection failed, in words (``connection refused``, ``no answer within 60 s``),
    and whether it was a timeout."""
    reason = getattr(error, "reason", error)
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return f"no answer within {timeout:g} s", True
    if isinstance(reason, OSError) and reason.strerror:
        words = reason.strerror
        return (words[0].lower() + words[1:] if words[:1].isupper() and words[1:2].islower() else words), False
    return one_line(reason) or type(reason).__name__, False


# --- the client --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A successful HTTP answer: its status, media type (no parameters, lower case), body, headers."""

    status: int
    media_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class SparqlClient:
    """Sends SPARQL 1.1 Protocol requests to ``endpoint`` (and to other URLs of the same server).

    Every request carries ``user_agent`` and the credentials: a bearer ``token``, or ``user``
    and ``password`` by HTTP Basic (sent at once) or Digest (after the server's challenge).
    ``timeout`` (seconds) bounds each request.
    """

    def __init__(self, endpoint: str, *, user_agent: str, timeout: float = 60.0, user: str | None = None,
                 password: str | None = None, token: str | None = None, auth: str = "basic",
                 other_urls: tuple[str | None, ...] = ()) -> None:
        self.endpoint = endpoint
        self.user_agent = user_agent
        self.timeout = timeout
        self._headers: dict[str, str] = {"User-Agent": user_agent}
        handlers: list[urllib.request.BaseHandler] = []
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        elif user and password and auth == "digest":
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in (endpoint, *other_urls):
                if url:
                    manager.add_password(None, url, user, password)
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        elif user and password:
            pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            self._headers["Authorization"] = f"Basic {pair}"
        self._opener = urllib.request.build_opener(*handlers)

    def request(self, method: str, url: str | None = None, *, body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> Answer:
        """One HTTP request to ``url`` (default: the endpoint). Raises :class:`HttpStatusError`
        for an error status and :class:`EndpointUnreachable` when no answer came."""
        target = url or self.endpoint
        request = urllib.request.Request(target, data=body, method=method)
        for name, value in {**self._headers, **(headers or {})}.items():
            request.add_header(name, value)
        try:
            response = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            try:
                content = error.read() if error.fp else b""
            except (OSError, HTTPException):
                content = b""
            raise HttpStatusError(target, error.code, str(error.reason), content, dict(error.headers or {})) from None
        except (urllib.error.URLError, OSError, HTTPException, ValueError) as error:
            reason, timed_out = _reason(error, self.timeout)
            raise EndpointUnreachable(target, reason, timed_out=timed_out, reached=False) from None
        try:
            with response:
                content = response.read()
        except (OSError, HTTPException) as error:
            reason, timed_out = _reason(error, self.timeout)
            raise EndpointUnreachable(target, reason, timed_out=timed_out, reached=True) from None
        media = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        return Answer(response.status, media, content, dict(response.headers))

    def query(self, sparql: str, *, accept: str = QUERY_ACCEPT, method: str = "POST") -> Answer:
        """Send a query (by POST as a form, or by GET in the URL) asking for ``accept``."""
        encoded = urllib.parse.urlencode({"query": sparql})
        if method == "GET":
            separator = "&" if "?" in self.endpoint else "?"
            return self.request("GET", self.endpoint + separator + encoded, headers={"Accept": accept})
        return self.request("POST", body=encoded.encode("ascii"),
                            headers={"Accept": accept, "Content-Type": FORM_MEDIA_TYPE})

    def update(self, sparql: str, url: str) -> Answer:
        """Send a SPARQL Update to the update endpoint ``url`` (POST, ``application/sparql-update``)."""
        return self.request("POST", url, body=sparql.encode("utf-8"),
                            headers={"Content-Type": f"{SPARQL_UPDATE_MEDIA_TYPE}; charset=utf-8"})


# --- the results codec -------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    """A SELECT answer (``variables`` and ``rows``: variable → term, unbound ones absent) or an
    ASK answer (``boolean``; no variables or rows)."""

    variables: list[str]
    rows: list[dict[str, Term]]
    boolean: bool | None = None

    def tuples(self) -> list[tuple[Term | None, ...]]:
        """The rows as tuples in the order of ``variables``, None where unbound."""
        return [tuple(row.get(name) for name in self.variables) for row in self.rows]


def _term(kind: object, text: str, language: object, datatype: object) -> Term:
    from kg.store.terms import make_term

    if kind == "triple":
        raise BadAnswer("an RDF-star triple term, which kg does not support")
    try:
        return make_term(str(kind), text, language=str(language) if language else None,
                         datatype=str(datatype) if datatype else None)
    except ValueError:
        raise BadAnswer(f"an unknown term type {kind!r} in SPARQL results") from None


def _json_results(body: bytes) -> Results:
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        start = body[:60].decode("utf-8", "replace").strip().replace("\n", " ")
        raise BadAnswer(f"something that is not SPARQL results JSON ({error.__class__.__name__}; "
                        f"it starts {start!r})") from None
    if isinstance(document, dict) and isinstance(document.get("boolean"), bool):
        return Results([], [], document["boolean"])
    head = document.get("head") if isinstance(document, dict) else None
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(head, dict) or not isinstance(head.get("vars"), list) or not isinstance(results, dict) \
            or not isinstance(results.get("bindings"), list):
        raise BadAnswer("JSON that holds no SPARQL results (no head.vars or results.bindings)")
    rows = []
    for binding in results["bindings"]:
        if not isinstance(binding, dict):
            raise BadAnswer("SPARQL results JSON with a row that is not a JSON object")
        row = {}
        for name, value in binding.items():
            if not isinstance(value, dict) or "type" not in value or "value" not in value:
                raise BadAnswer(f"SPARQL results JSON whose binding is not a term: {str(value)[:80]}")
            row[str(name)] = _term(value["type"], str(value["value"]), value.get("xml:lang"), value.get("datatype"))
        rows.append(row)
    return Results([str(name) for name in head["vars"]], rows)


def _xml_results(body: bytes) -> Results:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise BadAnswer(f"something that is not SPARQL results XML ({one_line(error)})") from None
    if root.tag != f"{_SPARQL_RESULTS_NS}sparql":
        raise BadAnswer(f"XML that holds no SPARQL results (its root is {root.tag!r})")
    boolean = root.find(f"{_SPARQL_RESULTS_NS}boolean")
    if boolean is not None:
        verdict = (boolean.text or "").strip()
        if verdict not in ("true", "false"):
            raise BadAnswer(f"SPARQL results XML whose boolean is {verdict!r}")
        return Results([], [], verdict == "true")
    head = root.find(f"{_SPARQL_RESULTS_NS}head")
    results = root.find(f"{_SPARQL_RESULTS_NS}results")
    if head is None or results is None:
        raise BadAnswer("XML that holds no SPARQL results (no head or results)")
    variables = [str(v.get("name")) for v in head.findall(f"{_SPARQL_RESULTS_NS}variable")]
    rows = []
    for result in results.findall(f"{_SPARQL_RESULTS_NS}result"):
        row = {}
        for binding in result.findall(f"{_SPARQL_RESULTS_NS}binding"):
            value = next(iter(binding), None)
            name = binding.get("name")
            if value is None or name is None:
                raise BadAnswer("SPARQL results XML with a binding that holds no term")
            kind = value.tag.removeprefix(_SPARQL_RESULTS_NS)
            row[name] = _term(kind, value.text or "", value.get(_XML_LANG), value.get("datatype"))
        rows.append(row)
    return Results(variables, rows)


def parse_results(body: bytes, media_type: str | None = None) -> Results:
    """The SELECT rows or the ASK verdict of a SPARQL 1.1 results document, JSON or XML.

    ``media_type`` (from the answer's ``Content-Type``) picks the syntax; when it is None or
    generic (``application/json``, ``text/xml``, …) the body's first character does. Raises
    :class:`BadAnswer` for anything that is not really SPARQL results.
    """
    if not body or not body.strip():
        raise BadAnswer("an empty body instead of SPARQL results")
    media = (media_type or "").split(";", 1)[0].strip().lower()
    if media not in _GENERIC and media not in (RESULTS_JSON, RESULTS_XML):
        raise BadAnswer(f"a {media} document instead of SPARQL results")
    if media == RESULTS_XML or (media in _GENERIC and body.lstrip()[:1] == b"<"):
        return _xml_results(body)
    return _json_results(body)


def is_results(media_type: str, body: bytes) -> bool:
    """True when an answer of this media type (and body) is SPARQL results rather than a graph."""
    media = media_type.split(";", 1)[0].strip().lower()
    if media in (RESULTS_JSON, RESULTS_XML):
        return True
    first = body.lstrip()[:1]
    return (media in ("", "application/json", "text/json") and first == b"{") or \
        (media in ("application/xml", "text/xml") and b"sparql-results" in body[:500])


def parse_graph(body: bytes, media_type: str, *, base: str | None = None) -> Graph:
    """The triples of an RDF answer (a CONSTRUCT or DESCRIBE, a service description) as an
    rdflib Graph; :class:`BadAnswer` for an unknown media type or a body that does not parse."""
    from rdflib import Graph

    fmt = format_for_media_type(media_type, "rdf")
    if fmt is None:
        raise BadAnswer(f"an unexpected content type {media_type or '(none)'}")
    try:
        return Graph().parse(data=body, format=fmt.rdflib_name, publicID=base)
    except Exception as error:  # noqa: BLE001 - any parser failure is a bad answer
        raise BadAnswer(f"{fmt.media_type} that cannot be parsed ({one_line(error)})") from None
