"""Where link lookups are answered: the bundled snapshot (offline) or a live SPARQL endpoint.

Both take the same query files (``kg/link/queries/*.rq``) and the same bound values and give
rows of rdflib terms, so the linker cannot tell them apart:

* :class:`SnapshotSource` loads a snapshot's Wikidata-shaped RDF into an in-memory store.
  Nothing leaves the machine.
* :class:`EndpointSource` sends the queries through kg's SPARQL client (:mod:`kg.store.client`)
  to a Wikidata-shaped endpoint (the Wikidata Query Service by default): a descriptive User-Agent, answers cached on disk,
  retries with backoff on 429 and 503 (honouring ``Retry-After``), and a check that a 200
  answer really holds SPARQL results (WDQS may answer 200 with an empty or truncated body).
"""

from __future__ import annotations

import abc
import email.utils
import hashlib
import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from kg import __version__
from kg.link.errors import EndpointError, LinkError
from kg.rdf.iris import data_source_iri
from kg.link.snapshot import Snapshot
from kg.link.sparql import Row, bind, read_rows
from kg.link.vocab import KGO, WDQS
from kg.namespaces import PROV
from kg.rdf.iris import is_valid_iri
from kg.store import Store, Term, Triple

if TYPE_CHECKING:
    from kg.store.client import SparqlClient

__all__ = [
    "DEFAULT_USER_AGENT",
    "EndpointSource",
    "SnapshotSource",
    "Source",
    "default_cache_dir",
    "snapshot_data_source",
]

DEFAULT_USER_AGENT = (
    f"kg-news/{__version__} (https://w3id.org/kgnews; knowledge graph of news about international "
    "cooperation; linking actors to Wikidata)"
)
"""Sent to live endpoints; ``KG_USER_AGENT`` (or ``--user-agent``) replaces it, e.g. to add an e-mail."""

_SNAPSHOT_GRAPH = URIRef("https://w3id.org/kgnews/id/graph/wikidata-snapshot")
_RETRY_STATUSES = frozenset({429, 503})


class Source(abc.ABC):
    """Answers link queries: ``select`` runs a query of ``kg/link/queries`` with values bound;
    ``data_source`` names the source in the graph, ``data_source_triples`` describes it."""

    description: str = ""
    data_source: URIRef

    @abc.abstractmethod
    def select(self, name: str, params: Mapping[str, Term] | None = None) -> list[Row]:
        """The rows of link query ``name`` with ``params`` bound as RDF terms."""

    @abc.abstractmethod
    def data_source_triples(self) -> list[Triple]:
        """Triples describing ``data_source`` (a ``kgo:DataSource``)."""

    def close(self) -> None:
        """Release what the source holds (a no-op by default)."""


def snapshot_data_source(snapshot: Snapshot) -> tuple[URIRef, list[Triple]]:
    """The data-source node of a snapshot and the triples describing it."""
    node = data_source_iri("wikidata-snapshot", snapshot.identity)
    return node, [
        (node, RDF.type, KGO.DataSource),
        (node, RDF.type, PROV.Entity),
        (node, RDFS.label, Literal("kg's offline snapshot of Wikidata items, ISO 3166 codes and GeoNames ids")),
        (node, DCTERMS.identifier, Literal(f"sha1:{snapshot.identity}")),
    ]


class SnapshotSource(Source):
    """The snapshot's RDF in an in-memory store, queried by the engine kg stores articles with."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.description = "bundled offline snapshot" if snapshot.bundled else f"offline snapshot {snapshot.directory}"
        self.data_source, self._triples = snapshot_data_source(snapshot)
        self._store = Store.open(None)
        self._store.replace_graph(_SNAPSHOT_GRAPH, snapshot.graph)

    def select(self, name: str, params: Mapping[str, Term] | None = None) -> list[Row]:
        """The rows of link query ``name``, run on the snapshot's in-memory store; unbound variables
        are left out of a row. Raises ``LinkError`` when the query is not a SELECT."""
        answer = self._store.query(bind(name, params))
        if not isinstance(answer, tuple):
            raise LinkError(f"link query {name} is not a SELECT query")
        names, rows = answer
        return [{n: t for n, t in zip(names, row) if t is not None} for row in rows]

    def data_source_triples(self) -> list[Triple]:
        """The triples describing the snapshot as a data source (a fresh list)."""
        return list(self._triples)

    def close(self) -> None:
        """Close the in-memory store holding the snapshot's RDF."""
        self._store.close()


def default_cache_dir() -> Path:
    """``$KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/kg/sparql``, else ``~/.cache/kg/sparql``."""
    if os.environ.get("KG_CACHE_DIR"):
        return Path(os.environ["KG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kg" / "sparql"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = str(value).strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class _Cache:
    """Answers on disk, one file per (endpoint, query text), kept for ``ttl`` seconds."""

    def __init__(self, directory: Path, ttl: float) -> None:
        self.directory = directory
        self.ttl = ttl

    def path(self, url: str, text: str) -> Path:
        key = hashlib.sha256(f"{url}\n{text}".encode()).hexdigest()
        return self.directory / key[:2] / f"{key}.json"

    def get(self, url: str, text: str) -> bytes | None:
        path = self.path(url, text)
        try:
            if time.time() - path.stat().st_mtime > self.ttl:
                return None
            return path.read_bytes()
        except OSError:
            return None

    def put(self, url: str, text: str, body: bytes) -> None:
        path = self.path(url, text)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            temporary.write_bytes(body)
            os.replace(temporary, path)
        except OSError:
            pass  # a cache that cannot be written only costs a later request


class EndpointSource(Source):
    """A live Wikidata-shaped SPARQL endpoint, asked through kg's SPARQL client.

    ``cache_dir=None`` turns the disk cache off. ``retries`` is how many times a 429, a 503, a
    timeout or a 200 without results is retried; waits follow ``Retry-After`` when given, else
    ``backoff * 2**attempt`` seconds, and a wait over ``max_wait`` gives up at once.
    """

    def __init__(
        self,
        url: str = WDQS,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        cache_ttl: float = 7 * 24 * 3600,
        user_agent: str | None = None,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise LinkError(f"endpoint {url!r} is not an http(s) URL")
        self.url = url
        self.description = f"SPARQL endpoint {url}"
        self.data_source = data_source_iri("sparql-endpoint", url)
        self.user_agent = user_agent or os.environ.get("KG_USER_AGENT") or DEFAULT_USER_AGENT
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.cache = _Cache(Path(cache_dir), cache_ttl) if cache_dir is not None else None
        self.requests = 0  # HTTP requests sent (cache hits are not requests)
        self._client: SparqlClient | None = None

    def data_source_triples(self) -> list[Triple]:
        """The triples describing the endpoint as a data source: its types, a label naming the URL,
        and the URL as ``dcterms:source`` when it is a valid IRI."""
        node = self.data_source
        triples: list[Triple] = [
            (node, RDF.type, KGO.DataSource),
            (node, RDF.type, PROV.Entity),
            (node, RDFS.label, Literal(f"Wikidata-shaped SPARQL endpoint {self.url}")),
        ]
        if is_valid_iri(self.url):
            triples.append((node, DCTERMS.source, URIRef(self.url)))
        return triples

    def select(self, name: str, params: Mapping[str, Term] | None = None) -> list[Row]:
        """The rows of link query ``name``, from the disk cache when a fresh entry is there, else from
        the endpoint (retried as the class says) and then cached. Raises ``EndpointError`` on failure."""
        text = bind(name, params)
        where = f"endpoint {self.url} (query {name})"
        if self.cache is not None:
            cached = self.cache.get(self.url, text)
            if cached is not None:
                try:
                    return read_rows(cached, None, where)
                except EndpointError:
                    pass  # a damaged cache entry: ask again
        body, rows = self._fetch(text, where)
        if self.cache is not None:
            self.cache.put(self.url, text, body)
        return rows

    def _wait(self, attempt: int, seconds: float | None, why: str) -> None:
        wait = seconds if seconds is not None else self.backoff * (2**attempt)
        if wait > self.max_wait:
            raise EndpointError(f"endpoint {self.url} {why} and asks to wait {wait:.0f} s "
                                f"(more than {self.max_wait:.0f} s); try again later")
        self.sleep(wait)

    def _fetch(self, text: str, where: str) -> tuple[bytes, list[Row]]:
        """The answer to ``text`` (its body, for the cache, and its rows), asked again after a
        429, a 503, a timeout, a lost connection or a 200 without results."""
        from kg.store.client import RESULTS_JSON, EndpointUnreachable, HttpStatusError, SparqlClient

        if self._client is None:
            self._client = SparqlClient(self.url, user_agent=self.user_agent, timeout=max(1.0, self.timeout))
        last = ""
        for attempt in range(self.retries + 1):
            self.requests += 1
            final = attempt == self.retries
            try:
                answer = self._client.query(text, accept=RESULTS_JSON, method="POST" if len(text) > 1000 else "GET")
            except HttpStatusError as error:
                if error.status in _RETRY_STATUSES:
                    last = f"answered HTTP {error.status} {error.reason}"
                    if final:
                        break
                    self._wait(attempt, _retry_after(error.headers), last)
                    continue
                said = f": {error.message}" if error.message else ""
                raise EndpointError(f"{where}: HTTP {error.status} {error.reason}{said}") from None
            except EndpointUnreachable as error:
                if not (error.timed_out or error.reached):
                    raise EndpointError(f"cannot reach endpoint {self.url}: {error.reason}") from None
                last = "timed out" if error.timed_out else f"failed ({error.reason})"
                if final:
                    break
                self._wait(attempt, None, last)
                continue
            try:
                return answer.body, read_rows(answer.body, answer.media_type, where)
            except EndpointError as error:
                last = str(error).split(": ", 1)[-1]
                if final:
                    raise
                self._wait(attempt, None, "answered without results")
                continue
        raise EndpointError(f"{where}: {last}, {self.retries + 1} time(s); try again later")
