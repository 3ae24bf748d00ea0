"""Remote stores: the :class:`kg.store.Store` protocol over a SPARQL 1.1 server.

``kg.store.open("http://host:port/...")`` returns a :class:`RemoteStore` on that SPARQL query
endpoint (Oxigraph server, Apache Jena Fuseki, Virtuoso, GraphDB, ``kg serve`` or any
SPARQL 1.1 store). It keeps the embedded store's contract: one named graph per article,
``replace_graph`` atomic, SPARQL queries whose default graph is the union of the graphs.

* **Reading**: every query goes through kg's SPARQL client (:mod:`kg.store.client`: POST,
  results as SPARQL JSON or XML, graphs as Turtle or another RDF syntax) and comes back as
  the same rdflib terms the embedded store gives.
* **Writing**: SPARQL 1.1 Update (``INSERT DATA``, ``DROP``, ``MOVE``), or the Graph Store
  Protocol when an endpoint for it is given. A graph of at most ``batch_size`` triples is
  replaced by one request, which the server applies in one transaction. A larger graph is
  loaded in batches into a staging graph (``urn:kg:staging:…``, hidden from ``graphs()``),
  then swapped in by one final request, so readers still never see half a graph. Triples
  that share a blank node always travel in the same request (blank nodes in a request are
  fresh on the server), so no blank node is split.
* **The union**: with ``union="kg"`` (the default) kg keeps the server's default graph as the
  union of the named graphs, exactly as the embedded store does (each triple is written to its
  graph and to the default graph; removing a graph removes from the default graph what no
  other graph holds). This suits servers whose default graph is a graph of its own (Oxigraph
  server, Fuseki). With ``union="server"`` the server's default graph already is the union
  (Virtuoso, GraphDB, Fuseki with ``tdb2:unionDefaultGraph``, ``oxigraph serve
  --union-default-graph``, ``kg serve``) and kg writes the named graphs only. ``"auto"``
  picks "server" when the endpoint's service description declares ``sd:UnionDefaultGraph``.
* **Endpoints**: the update endpoint is the one given, else the one the query endpoint's
  service description names, else the usual layout: ``…/query`` → ``…/update`` (Oxigraph,
  Fuseki), ``…/repositories/ID`` → ``…/repositories/ID/statements`` (GraphDB), otherwise
  the query URL itself (Virtuoso's ``/sparql``, Fuseki's dataset URL, ``kg serve``).
* **Credentials**: HTTP Basic or Digest (user and password) or a bearer token, from
  :class:`RemoteSettings` — the CLI fills it from options, files, a prompt or the
  environment, never from the command line itself. They are never part of a message: any
  text shown to the user is scrubbed of them. A URL with a password in it is refused.

There is no writer lock on a remote store: two writers of the same graph race, the last
one wins (each replacement is still atomic).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal as TypingLiteral
from typing import cast

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from kg import __version__
from kg.errors import KgError, QueryError, StoreError
from kg.formats import SPARQL_UPDATE_MEDIA_TYPE, rdf_format
from kg.store.base import Store, one_line
from kg.store.client import (
    GRAPH_ACCEPT,
    BadAnswer,
    EndpointUnreachable,
    HttpStatusError,
    SparqlClient,
    is_results,
    parse_graph,
    parse_results,
)
from kg.store.sparql_text import UNION_RESYNC, drop_update, with_prefixes
from kg.store.terms import (
    EngineTriple,
    Quad,
    QueryAnswer,
    Term,
    Triple,
    engine_quad,
    engine_triples,
    graph_node,
    to_engine,
)

__all__ = [
    "ENV",
    "STAGING_PREFIX",
    "RemoteSettings",
    "RemoteStore",
    "StoreURL",
    "guess_update_endpoint",
    "read_secret_file",
]

UnionMode = TypingLiteral["auto", "kg", "server"]
AuthScheme = TypingLiteral["basic", "digest"]

STAGING_PREFIX = "urn:kg:staging:"
"""Graphs being loaded in batches are named with this prefix; ``graphs()`` never lists them."""

ENV = {
    "user": "KG_STORE_USER",
    "password": "KG_STORE_PASSWORD",
    "token": "KG_STORE_TOKEN",
    "auth": "KG_STORE_AUTH",
    "update_endpoint": "KG_UPDATE_ENDPOINT",
    "gsp_endpoint": "KG_GSP_ENDPOINT",
    "union": "KG_STORE_UNION",
    "timeout": "KG_STORE_TIMEOUT",
    "batch_size": "KG_STORE_BATCH",
}
"""The environment variables :meth:`RemoteSettings.from_env` reads, by setting."""

_SD = "http://www.w3.org/ns/sparql-service-description#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_NTRIPLES = rdf_format("ntriples").media_type
_DEFAULT_TIMEOUT = 60.0
_DEFAULT_BATCH = 5_000


# --- settings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteSettings:
    """How to reach a SPARQL server: endpoints, credentials, how the union is kept.

    ``password`` and ``token`` are secrets: they are left out of ``repr`` and never appear
    in a message. ``timeout`` (seconds) bounds every HTTP request; ``batch_size`` is the
    largest number of triples sent in one write request.
    """

    update_endpoint: str | None = None
    gsp_endpoint: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    auth: AuthScheme = "basic"
    union: UnionMode = "auto"
    timeout: float = _DEFAULT_TIMEOUT
    batch_size: int = _DEFAULT_BATCH

    def __post_init__(self) -> None:
        if self.auth not in ("basic", "digest"):
            raise StoreError(f"unknown HTTP authentication {self.auth!r}; use basic or digest")
        if self.union not in ("auto", "kg", "server"):
            raise StoreError(f"unknown union mode {self.union!r}; use auto, kg or server")
        if not self.timeout > 0:
            raise StoreError(f"the store timeout must be a positive number of seconds, not {self.timeout!r}")
        if self.batch_size < 1:
            raise StoreError(f"the store batch size must be at least 1, not {self.batch_size!r}")
        for endpoint in (self.update_endpoint, self.gsp_endpoint):
            if endpoint is not None:
                _check_url(endpoint)
        if self.password and not self.user:
            raise StoreError(f"a store password needs a user name too (--store-user or ${ENV['user']})")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **given: object) -> RemoteSettings:
        """Settings from ``given`` (values that are None are ignored), else the environment (:data:`ENV`)."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, variable in ENV.items():
            value = given.get(name)
            if value is None:
                value = env.get(variable) or None
                if value is not None and name in ("timeout", "batch_size"):
                    try:
                        value = float(value) if name == "timeout" else int(value)
                    except ValueError:
                        raise StoreError(f"${variable} must be a number, not {value!r}") from None
                elif value is not None and name in ("auth", "union"):
                    value = str(value).strip().lower()
            if value is not None:
                values[name] = value
        # values are keyed by field name in a loop, and a caller's (given) may be any object:
        # no static type fits; __post_init__ checks auth, union, timeout and batch_size
        return cls(**values)  # type: ignore[arg-type]

    def secrets(self) -> list[str]:
        """The secret strings, to scrub from any text shown to the user."""
        found = [s for s in (self.password, self.token) if s]
        for secret in list(found):
            found.append(urllib.parse.quote(secret, safe=""))
            found.append(base64.b64encode(f"{self.user}:{secret}".encode()).decode("ascii"))
        return [s for s in found if len(s) >= 1]


class StoreURL(str):
    """A store URL carrying its :class:`RemoteSettings`; a ``str``, so it goes wherever a
    store path goes (``Store.open`` picks the settings up)."""

    settings: RemoteSettings | None

    def __new__(cls, url: str, settings: RemoteSettings | None = None) -> StoreURL:
        made = super().__new__(cls, url)
        made.settings = settings
        return made

    def __repr__(self) -> str:
        return f"StoreURL({str(self)!r})"


def _check_url(url: str) -> tuple[str, str | None]:
    """Validate an endpoint URL; return it without user information, and the user named in it."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as error:
        raise StoreError(f"not a valid store URL: {error}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise StoreError(f"not a SPARQL endpoint URL: {url!r} (want http://host:port/path)")
    if parts.password is not None:
        shown = parts._replace(netloc=f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else ""))
        raise StoreError(
            f"the store URL {urllib.parse.urlunsplit(shown)} holds a password; passwords on the command "
            f"line end up in shell history and process lists: put it in ${ENV['password']}, in a file "
            "named by --store-password-file, or type it at --ask-store-password"
        )
    if parts.username is not None:
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        if ":" in parts.hostname:
            netloc = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc)), urllib.parse.unquote(parts.username)
    return url, None


def guess_update_endpoint(query_endpoint: str) -> str:
    """The usual update endpoint beside a query endpoint (see the module docstring)."""
    parts = urllib.parse.urlsplit(query_endpoint)
    path = parts.path
    if path.rstrip("/").endswith("/query"):
        path = path.rstrip("/")[: -len("query")] + "update"
    elif re.search(r"/repositories/[^/]+/?$", path):
        path = path.rstrip("/") + "/statements"
    return urllib.parse.urlunsplit(parts._replace(path=path, query="", fragment=""))


# --- packing triples into requests ---------------------------------------------------------


def _pack(items: list[tuple[object, str, tuple[str, ...]]], size: int) -> list[list[tuple[object, str]]]:
    """Group ``(graph, N-Triples line, blank node labels)`` items into batches of about ``size``.

    Items sharing a blank node (directly or through others) always land in the same batch.
    """
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        root = label
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[label] != root:
            parent[label], label = root, parent[label]
        return root

    for _graph, _line, labels in items:
        for label in labels[1:]:
            a, b = find(labels[0]), find(label)
            if a != b:
                parent[b] = a
    groups: dict[str, list[tuple[object, str]]] = {}
    plain: list[list[tuple[object, str]]] = []
    for graph, line, labels in items:
        if labels:
            groups.setdefault(find(labels[0]), []).append((graph, line))
        else:
            plain.append([(graph, line)])
    batches: list[list[tuple[object, str]]] = []
    current: list[tuple[object, str]] = []
    for group in [*groups.values(), *plain]:
        if current and len(current) + len(group) > size:
            batches.append(current)
            current = []
        current.extend(group)
    if current:
        batches.append(current)
    return batches


def _labels(*terms: object) -> tuple[str, ...]:
    """The labels of the engine blank nodes among ``terms``."""
    return tuple(term.value for term in terms if isinstance(term, ox.BlankNode))


def _insert_data(batch: list[tuple[object, str]], *, union: bool) -> str:
    """``INSERT DATA`` for a batch of (graph term, line): each graph's block, plus the union copy."""
    by_graph: dict[str, list[str]] = {}
    for graph, line in batch:
        by_graph.setdefault(str(graph), []).append(line)
    blocks = [f"GRAPH {graph} {{\n" + "\n".join(lines) + "\n}" for graph, lines in by_graph.items()]
    if union:
        blocks.append("\n".join(line for _graph, line in batch))
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


# --- the store ------------------------------------------------------------------------------


class RemoteStore(Store):
    """The :class:`kg.store.Store` protocol over a SPARQL 1.1 server (see the module docstring).

    Open with :func:`kg.store.open` or :meth:`connect`. Methods raise ``StoreError`` naming the
    endpoint (never a credential) when the server cannot be reached or refuses, and
    ``QueryError`` when it rejects a query as malformed.
    """

    supports_bulk_load = False
    supports_optimize = False
    fast_order_by = True
    strict_casts = False

    def __init__(self, endpoint: str, settings: RemoteSettings, *, read_only: bool) -> None:
        self.path = None
        self.endpoint = endpoint
        self.settings = settings
        self.read_only = read_only
        self._open = True
        self._update_endpoint: str | None = settings.update_endpoint
        self._union: str | None = None if settings.union == "auto" else settings.union
        self._described = False
        root = urllib.parse.urlunsplit(urllib.parse.urlsplit(endpoint)._replace(path="/", query="", fragment=""))
        self._client = SparqlClient(
            endpoint, user_agent=f"kg/{__version__} (SPARQL client)", timeout=settings.timeout,
            user=settings.user, password=settings.password, token=settings.token, auth=settings.auth,
            other_urls=(root, settings.update_endpoint, settings.gsp_endpoint))

    @classmethod
    def connect(cls, url: str, *, settings: RemoteSettings | None = None, read_only: bool = False) -> RemoteStore:
        """A store on the SPARQL query endpoint ``url``; ``settings`` default to the environment."""
        endpoint, user = _check_url(url)
        chosen = settings if settings is not None else RemoteSettings.from_env()
        if user is not None and chosen.user is None:
            chosen = replace(chosen, user=user)
        return cls(endpoint, chosen, read_only=read_only)

    # -- opening and closing

    def __repr__(self) -> str:
        state = "closed" if not self._open else ("read-only" if self.read_only else "read-write")
        return f"<RemoteStore {self.endpoint} ({state})>"

    @property
    def closed(self) -> bool:
        return not self._open

    @property
    def location(self) -> str:
        return self.endpoint

    def flush(self) -> None:
        """Nothing to do: the server made each write durable before answering."""
        self._check_open()

    def optimize(self) -> bool:
        """Nothing to do: the server manages its own files. False: nothing was compacted."""
        self._check_open()
        return False

    def close(self) -> None:
        self._open = False

    def _check_open(self) -> None:
        if not self._open:
            raise StoreError(f"store {self.endpoint} is closed")

    def _check_writable(self) -> None:
        self._check_open()
        if self.read_only:
            raise StoreError(f"store {self.endpoint} is open read-only")

    # -- messages without secrets

    def _scrub(self, text: str) -> str:
        for secret in sorted(self.settings.secrets(), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def _fail(self, action: str, detail: str, url: str | None = None) -> StoreError:
        where = url or self.endpoint
        return StoreError(self._scrub(f"store {where}: cannot {action}: {one_line(detail)}"))

    def _http_detail(self, code: int, text: str) -> str:
        hint = {
            401: " (check the credentials: --store-user with $KG_STORE_PASSWORD or $KG_STORE_TOKEN)",
            403: " (the server refuses this user or operation)",
            404: " (no such endpoint: check the URL, or give --update-endpoint)",
        }.get(code, "")
        return f"HTTP {code}" + (f": {text}" if text else "") + hint

    # -- HTTP

    def _request(self, method: str, url: str, *, body: bytes | None = None,
                 headers: Mapping[str, str] | None = None, action: str) -> bytes:
        """One HTTP request through the client; its body. Failures raise ``StoreError`` (an
        update the server rejects as malformed: ``QueryError``), scrubbed of credentials."""
        try:
            return self._client.request(method, url, body=body, headers=headers).body
        except HttpStatusError as error:
            detail = self._http_detail(error.status, error.message)
            if error.status == 400 and action.startswith("update"):
                raise QueryError(self._scrub(f"the server rejected the update: {detail}")) from None
            raise self._fail(action, detail, url) from None
        except EndpointUnreachable as error:
            raise self._fail(action, error.reason, url) from None

    # -- discovering the update endpoint and the union mode

    def _describe(self) -> None:
        """Read the query endpoint's service description once (a server may have none)."""
        if self._described:
            return
        self._described = True
        if self._update_endpoint is not None and self._union is not None:
            return
        update: str | None = None
        union = False
        try:
            answer = self._client.request("GET", self.endpoint, headers={"Accept": GRAPH_ACCEPT})
            if answer.body.strip():
                sd = parse_graph(answer.body, answer.media_type, base=self.endpoint)
                for service in sd.subjects(URIRef(_RDF_TYPE), URIRef(_SD + "Service")):
                    languages = set(sd.objects(service, URIRef(_SD + "supportedLanguage")))
                    if URIRef(_SD + "SPARQL11Update") in languages:
                        update = next((str(e) for e in sd.objects(service, URIRef(_SD + "endpoint"))), None)
                    if URIRef(_SD + "UnionDefaultGraph") in set(sd.objects(service, URIRef(_SD + "feature"))):
                        union = True
        except KgError:  # unreachable, refused or unparsable: there is none to read
            pass  # no (readable) description: fall back on the usual layout
        if self._update_endpoint is None:
            self._update_endpoint = update or guess_update_endpoint(self.endpoint)
        if self._union is None:
            self._union = "server" if union else "kg"

    @property
    def union_mode(self) -> str:
        """"kg" (kg keeps the union in the default graph) or "server" (the server does)."""
        self._describe()
        return str(self._union)

    @property
    def update_endpoint(self) -> str:
        """The SPARQL Update endpoint writes go to (given, described, or guessed)."""
        self._describe()
        return str(self._update_endpoint)

    # -- writing

    def _post_update(self, update: str, action: str) -> None:
        self._request("POST", self.update_endpoint, body=update.encode("utf-8"),
                      headers={"Content-Type": f"{SPARQL_UPDATE_MEDIA_TYPE}; charset=utf-8"}, action=action)

    def _gsp_url(self, graph: str) -> str:
        base = str(self.settings.gsp_endpoint)
        return base + ("&" if "?" in base else "?") + urllib.parse.urlencode({"graph": graph})

    def _gsp(self, method: str, graph: str, lines: list[str] | None, action: str) -> None:
        body = None if lines is None else ("\n".join(lines) + "\n").encode("utf-8")
        headers = {"Content-Type": f"{_NTRIPLES}; charset=utf-8"} if body is not None else {}
        self._request(method, self._gsp_url(graph), body=body, headers=headers, action=action)

    def replace_graph(self, graph_iri: URIRef, triples: Iterable[Triple]) -> None:
        """Replace the named graph ``graph_iri`` by ``triples``, atomically (see the module docstring)."""
        self._check_writable()
        self._replace(graph_iri, engine_triples(triples, context=f"<{graph_iri}>"))

    def replace_graph_ntriples(self, graph_iri: URIRef, ntriples: str, *, drop: Iterable[URIRef] = ()) -> None:
        """Replace the named graph ``graph_iri`` by N-Triples text, atomically, then remove the
        graphs in ``drop`` (a second request: a server takes no transaction across requests)."""
        self._check_writable()
        try:
            parsed = [(q.subject, q.predicate, q.object) for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
        except (SyntaxError, ValueError) as error:
            raise StoreError(f"cannot store graph <{graph_iri}>: not N-Triples ({one_line(error)})") from None
        self._replace(graph_iri, parsed)
        for other in drop:
            if other != graph_iri:
                self.drop_graph(other)

    def replace_graphs_ntriples(self, graphs: Mapping[URIRef, str]) -> None:
        """Replace several named graphs, each by N-Triples text: one after the other, each
        atomically (a server takes no transaction across requests)."""
        for graph_iri, ntriples in graphs.items():
            self.replace_graph_ntriples(graph_iri, ntriples)

    def _replace(self, graph_iri: URIRef, triples: Iterable[EngineTriple]) -> None:
        name = graph_node(graph_iri)
        items: list[tuple[object, str, tuple[str, ...]]] = [(name, f"{s} {p} {o} .", _labels(s, o)) for s, p, o in triples]
        action = f"replace graph <{graph_iri}>"
        batches = _pack(items, self.settings.batch_size)
        keep_union = self.union_mode == "kg"
        if len(batches) <= 1:
            batch = batches[0] if batches else []
            if not keep_union and self.settings.gsp_endpoint:
                if batch:
                    self._gsp("PUT", str(graph_iri), [line for _g, line in batch], action)
                else:
                    self.drop_graph(graph_iri)
                return
            update = drop_update(name) if keep_union else f"DROP SILENT GRAPH {name}"
            if batch:
                update += " ;\n" + _insert_data(batch, union=keep_union)
            self._post_update(update, action)
            return
        staging = to_engine(URIRef(STAGING_PREFIX + hashlib.sha1(str(graph_iri).encode("utf-8")).hexdigest()))
        try:
            self._post_update(f"DROP SILENT GRAPH {staging}", action)
            for batch in batches:
                if self.settings.gsp_endpoint:
                    self._gsp("POST", staging.value, [line for _g, line in batch], action)
                else:
                    self._post_update(_insert_data([(staging, line) for _g, line in batch], union=False), action)
        except BaseException:
            try:
                self._post_update(f"DROP SILENT GRAPH {staging}", action)
            except (StoreError, QueryError):
                pass
            raise
        swap = (drop_update(name) if keep_union else f"DROP SILENT GRAPH {name}")
        swap += f" ;\nMOVE SILENT GRAPH {staging} TO GRAPH {name}"
        if keep_union:
            swap += f" ;\nINSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }}"
        self._post_update(swap, action)

    def drop_graph(self, graph_iri: URIRef) -> bool:
        """Remove a named graph and its triples; False if there was no such graph."""
        self._check_writable()
        name = graph_node(graph_iri)
        if not self.has_graph(graph_iri):
            return False
        action = f"drop graph <{graph_iri}>"
        if self.union_mode == "kg":
            self._post_update(drop_update(name), action)
        elif self.settings.gsp_endpoint and self.settings.update_endpoint is None:
            self._gsp("DELETE", str(graph_iri), None, action)
        else:
            self._post_update(f"DROP SILENT GRAPH {name}", action)
        return True

    def add_quads(self, quads: Iterable[Quad | tuple[Node, Node, Node, object]]) -> int:
        """Add quads to their named graphs (and the union), in batches; returns the number read.

        Blank nodes keep their labels within the load: quads sharing a blank node label are
        sent in the same request, so the server makes them one node.
        """
        self._check_writable()
        items: list[tuple[object, str, tuple[str, ...]]] = []
        for quad in quads:
            q = engine_quad(quad)
            items.append((q.graph_name, f"{q.subject} {q.predicate} {q.object} .", _labels(q.subject, q.object)))
        keep_union = self.union_mode == "kg"
        for batch in _pack(items, self.settings.batch_size):
            self._post_update(_insert_data(batch, union=keep_union), "add quads")
        return len(items)

    def update(self, sparql: str, *, prefixes: Mapping[str, str] | None = None) -> None:
        """Run a SPARQL 1.1 Update on the server; with ``union="kg"`` the union is re-made in the same request."""
        self._check_writable()
        text = with_prefixes(sparql, prefixes)
        if self.union_mode != "kg":
            self._post_update(text, "update")
            return
        # The re-synchronisation follows on a new line, after a ";" unless the update ends with one;
        # a request the server cannot parse changed nothing, so the second form may be tried.
        try:
            self._post_update(f"{text}\n;\n{UNION_RESYNC}", "update")
        except QueryError as first:
            try:
                self._post_update(f"{text}\n{UNION_RESYNC}", "update")
            except QueryError:
                raise first from None

    # -- reading

    def select_values(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """The rows of a SELECT query as plain strings (None when unbound); read whole."""
        answer = self.query(sparql)
        if not isinstance(answer, tuple):
            raise QueryError("select_values needs a SELECT query")
        for row in answer[1]:
            yield tuple(None if term is None else str(term) for term in row)

    def query(self, sparql: str, *, prefixes: Mapping[str, str] | None = None,
              limit: int | None = None, engine_terms: bool = False) -> QueryAnswer:
        """Run a query on the server; the answer has the embedded store's shape (see ``Store.query``).
        Rows are rdflib terms, with or without ``engine_terms`` (there is no engine here)."""
        self._check_open()
        try:
            answer = self._client.query(with_prefixes(sparql, prefixes))
        except HttpStatusError as error:
            if error.status == 400:
                raise QueryError(self._scrub(f"the server rejected the query: {error.message}")) from None
            raise self._fail("query", self._http_detail(error.status, error.message)) from None
        except EndpointUnreachable as error:
            raise self._fail("query", error.reason) from None
        try:
            if is_results(answer.media_type, answer.body):
                results = parse_results(answer.body, answer.media_type)
                if results.boolean is not None:
                    return results.boolean
                rows = results.tuples()
                return results.variables, rows if limit is None else rows[:limit]
            parsed = parse_graph(answer.body, answer.media_type)
        except BadAnswer as error:
            raise self._fail("read the answer", f"the server answered with {error}") from None
        graph = Graph()
        for index, triple in enumerate(parsed):
            if limit is not None and index >= limit:
                break
            graph.add(triple)
        return graph

    def _select(self, sparql: str) -> list[tuple[Term | None, ...]]:
        answer = self.query(sparql)
        if not isinstance(answer, tuple):
            raise self._fail("query", "the server did not answer a SELECT query with rows")
        return answer[1]

    def graphs(self) -> list[URIRef]:
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        names = {str(row[0]) for row in rows if isinstance(row[0], URIRef)}
        return [URIRef(n) for n in sorted(names) if not n.startswith(STAGING_PREFIX)]

    def has_graph(self, graph_iri: URIRef) -> bool:
        answer = self.query(f"ASK {{ GRAPH {graph_node(graph_iri)} {{ ?s ?p ?o }} }}")
        return bool(answer)

    def quads(self, graph_iri: URIRef | None = None) -> Iterator[Quad]:
        names = [graph_iri] if graph_iri is not None else self.graphs()
        for name in names:
            for s, p, o in self.triples(name):
                yield (s, p, o, name)

    def triples(self, graph_iri: URIRef | None = None) -> Iterator[Triple]:
        if graph_iri is not None:
            sparql = f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph_node(graph_iri)} {{ ?s ?p ?o }} }}"
        else:
            sparql = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"
        for row in self._select(sparql):
            yield cast(Triple, row)  # ?s ?p ?o: a triple pattern binds all three in every row

    def get_value(self, graph_iri: URIRef, subject: Node, predicate: Node) -> Term | None:
        try:
            s, p = to_engine(subject), to_engine(predicate)
        except ValueError as error:
            raise StoreError(f"invalid term in lookup: {error}") from None
        rows = self._select(f"SELECT ?o WHERE {{ GRAPH {graph_node(graph_iri)} {{ {s} {p} ?o }} }} LIMIT 1")
        return rows[0][0] if rows else None

    def _count(self, sparql: str) -> int:
        rows = self._select(sparql)
        try:
            return int(str(rows[0][0]))
        except (IndexError, ValueError):
            raise self._fail("count", "the server answered a COUNT query without a number") from None

    def __len__(self) -> int:
        return self._count(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            f'FILTER (!STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}'
        )

    def union_size(self, at_most: int | None = None) -> int:
        limit = "" if at_most is None else f" LIMIT {int(at_most)}"
        return self._count(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?p ?o }}{limit} }}")


def read_secret_file(path: str | os.PathLike[str], what: str) -> str:
    """The first line of a secret file (a password or a token), for the CLI's ``--…-file`` options."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise StoreError(f"cannot read the {what} file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise StoreError(f"the {what} file {path} is not UTF-8 text") from None
    secret = text.splitlines()[0].strip() if text.strip() else ""
    if not secret:
        raise StoreError(f"the {what} file {path} is empty")
    return secret
