"""``kg link --endpoint``: the live path against a real SPARQL server on 127.0.0.1.

An Oxigraph server (the ``oxigraph`` package's CLI) is started once per test process and loaded
with a Wikidata-shaped fixture: the bundled snapshot's items without kg's own annotations, plus
``tests/fixtures/link/wikidata-overlay.ttl`` (an ambiguous "Korea", positions held with dates,
a deprecated statement, a river named Niger, organisations' countries). A small proxy in front
of it answers 429 or an empty 200 when a test asks it to, and records the User-Agent it sees.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kg.cli import main
from kg.errors import QueryError
from kg.link import LINKS_GRAPH, EndpointError, EndpointSource, Snapshot, SnapshotSource, link_store
from kg.link.actors import Actor, Post
from kg.link.federation import check_services, service_endpoints
from kg.link.resolve import AMBIGUOUS, LINKED, UNLINKED, Resolver
from kg.link.sources import DEFAULT_USER_AGENT
from kg.link.vocab import KGO
from kg.namespaces import KGR, OWL
from kg.store import Store

WD = "http://www.wikidata.org/entity/"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "link"
ARTICLES = FIXTURES / "articles.jsonl"
STARTUP_SECONDS = 15


# --- the server and the proxy -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _oxigraph() -> str:
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the oxigraph CLI is needed for the live linking tests: pip install oxigraph (test extra)")
    return found


def _fixture_ntriples() -> bytes:
    graph = Graph()
    for triple in Snapshot.load().graph:
        if triple[1] not in (KGO.linkKind, KGO.groupOfStates):
            graph.add(triple)
    graph.parse(FIXTURES / "wikidata-overlay.ttl", format="turtle")
    return graph.serialize(format="nt").encode("utf-8")


@contextlib.contextmanager
def running_oxigraph(workdir: Path, data: bytes | None) -> Iterator[str]:
    """An Oxigraph server on a free port of 127.0.0.1, loaded with ``data`` (N-Triples); its query URL."""
    binary = _oxigraph()
    for attempt in range(3):
        port = _free_port()
        log = (workdir / f"server-{port}.log").open("wb")
        process = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{port}"],
                                   stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        if process.poll() is None:
            break
        log.close()  # the port was taken meanwhile: try another
        if attempt == 2:
            pytest.fail(f"could not start the oxigraph server (see {log.name})")
    try:
        if data:
            request = urllib.request.Request(base + "/store?default", data=data, method="POST",
                                             headers={"Content-Type": "application/n-triples"})
            urllib.request.urlopen(request, timeout=30).close()
        yield base + "/query"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The query URL of an Oxigraph server on 127.0.0.1 holding the Wikidata-shaped fixture."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph"), _fixture_ntriples()) as url:
        yield url


class FaultyProxy:
    """Forwards to the server, except for the faults queued in ``faults`` ("429", "503", "empty",
    "html"; one per request, in order); ``always`` repeats one fault for every request."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rsplit("/", 1)[0]
        self.faults: list[str] = []
        self.always: str | None = None
        self.requests = 0
        self.agents: list[str] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self) -> None:
                proxy.requests += 1
                proxy.agents.append(self.headers.get("User-Agent", ""))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = proxy.always or (proxy.faults.pop(0) if proxy.faults else None)
                if fault in ("429", "503"):
                    self._answer(int(fault), b"slow down", {"Retry-After": "0", "Content-Type": "text/plain"})
                    return
                if fault == "empty":
                    self._answer(200, b"", {"Content-Type": "application/sparql-results+json"})
                    return
                if fault == "html":
                    self._answer(200, b"<html><body>busy</body></html>", {"Content-Type": "text/html"})
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "content-type")}
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command,
                                                 headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        self._answer(answer.status, answer.read(),
                                     {"Content-Type": answer.headers.get("Content-Type", "")})
                except urllib.error.HTTPError as error:
                    self._answer(error.code, error.read(), {"Content-Type": "text/plain"})

            do_GET = _handle
            do_POST = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/query"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(oxigraph_server: str) -> Iterator[FaultyProxy]:
    faulty = FaultyProxy(oxigraph_server)
    yield faulty
    faulty.close()


def endpoint(url: str, **options) -> EndpointSource:
    return EndpointSource(url, backoff=0.0, **options)


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.fixture(scope="module")
def articles_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("live-articles") / "store"
    assert main(["build", "--quiet", "--store", str(path), str(ARTICLES)]) == 0
    return path


def copy(path: Path, tmp_path: Path, name: str = "store") -> Path:
    target = tmp_path / name
    shutil.copytree(path, target)
    return target


def links_of(path: Path) -> Graph:
    with Store.open(path, read_only=True) as store:
        return store.graph(LINKS_GRAPH)


def sameas(graph: Graph) -> set[tuple[str, str]]:
    return {(str(s), str(o)) for s, _p, o in graph.triples((None, OWL.sameAs, None))}


# --- linking live ------------------------------------------------------------------------------------


def test_live_link_of_the_reference_article(reference_store: Path, tmp_path: Path, oxigraph_server: str,
                                             run_kg) -> None:
    store = copy(reference_store, tmp_path)
    code, out, err = run_kg("link", "--store", store, "--endpoint", oxigraph_server,
                            "--cache", tmp_path / "cache", "--report")
    assert code == 0, err
    assert f"SPARQL endpoint {oxigraph_server}" in out
    assert "Linked 21 of 21 countries, 3 of 3 organisations, 1 of 2 persons (0 ambiguous)" in out
    assert "Inferred 27 member(s) from 1 group(s)" in out
    assert "Eric Holder  attorney general  2012-12-05  confirmed" in out
    code, out, err = run_kg("query", "members", "--store", store, "--format", "csv")
    iso3 = [line.rsplit(",", 1)[1].strip() for line in out.splitlines()[1:]]
    assert len([c for c in iso3 if c]) == len({c for c in iso3 if c}) == 48
    code, out, err = run_kg("validate", "--store", store)
    assert code == 0, out + err


def test_live_and_offline_links_agree(reference_store: Path, tmp_path: Path, oxigraph_server: str) -> None:
    offline, live = copy(reference_store, tmp_path, "offline"), copy(reference_store, tmp_path, "live")
    assert main(["link", "--quiet", "--store", str(offline)]) == 0
    assert main(["link", "--quiet", "--store", str(live), "--endpoint", oxigraph_server, "--no-cache"]) == 0
    assert sameas(links_of(offline)) == sameas(links_of(live))


def test_role_contradicted_at_the_date_is_reported(articles_store: Path, tmp_path: Path, oxigraph_server: str,
                                                   run_kg) -> None:
    store = copy(articles_store, tmp_path)
    code, out, err = run_kg("link", "--store", store, "--endpoint", oxigraph_server, "--no-cache", "--report")
    assert code == 0, err
    warning = one_line(err)
    assert warning.startswith("warning: role contradiction: Eric Holder: the article (2016-03-08) calls Eric Holder "
                              "'attorney general', but the source has United States Attorney General "
                              "from 2009-02-03 to 2015-04-27")
    assert "1 role contradiction(s)" in out
    graph = links_of(store)
    check = graph.value(URIRef(KGR + "post/eric-holder/attorney-general/country-USA"), KGO.roleCheck)
    assert str(graph.value(check, KGO.verdict)) == "contradicted"
    assert graph.value(check, KGO.checkedAgainst) == URIRef(WD + "Q312644")
    # the deprecated statement (held from 2016) is ignored
    assert [str(p) for p in graph.objects(check, KGO.positionStatement)] == [
        "http://example.org/wikidata-fixture/statement-holder-attorney-general"]


# --- names, live ----------------------------------------------------------------------------------------

NAMES = [
    ("Niger", "Q1032"), ("Nigeria", "Q1033"),
    ("Czech Republic", "Q213"), ("Czechia", "Q213"),
    ("Burma", "Q836"), ("Myanmar", "Q836"),
    ("Republic of Korea", "Q884"), ("Democratic People's Republic of Korea", "Q423"),
]


def test_country_names_resolve_live(oxigraph_server: str) -> None:
    resolver = Resolver(endpoint(oxigraph_server))
    for name, expected in NAMES:
        resolution = resolver.country(Actor(URIRef(KGR + "country/name-x"), "country", [name]))
        assert (name, resolution.status, resolution.item) == (name, LINKED, URIRef(WD + expected))
    by_code = resolver.country(Actor(URIRef(KGR + "country/NER"), "country", ["Niger"], iso3="NER"))
    assert (by_code.item, by_code.how) == (URIRef(WD + "Q1032"), "ISO 3166-1 alpha-3 code")


def test_an_ambiguous_name_is_not_linked(oxigraph_server: str) -> None:
    resolver = Resolver(endpoint(oxigraph_server))
    korea = resolver.country(Actor(URIRef(KGR + "country/name-korea"), "country", ["Korea"]))
    assert korea.status == AMBIGUOUS and korea.item is None
    assert {c.item for c in korea.candidates} == {URIRef(WD + "Q884"), URIRef(WD + "Q423")}
    assert korea.reason.startswith("2 candidates score 1: ")


def test_report_lists_an_ambiguous_actor(tmp_path: Path, oxigraph_server: str, run_kg) -> None:
    from kg.namespaces import RDF, SCHEMA, SKOS

    graph = Graph()
    korea = URIRef(KGR + "country/name-korea")
    graph.add((korea, RDF.type, SCHEMA.Country))
    graph.add((korea, SKOS.prefLabel, Literal("Korea")))
    with Store.open(tmp_path / "store") as store:
        store.replace_graph(URIRef(KGR + "graph/hand-made"), graph)
    code, out, err = run_kg("link", "--report", "--store", tmp_path / "store", "--endpoint", oxigraph_server,
                            "--no-cache")
    assert code == 0, err
    ambiguous = out.split("Ambiguous (1):\n", 1)[1].split("\n\n", 1)[0]
    assert ambiguous.split() == ["country", "Korea", "2", "candidates", "score", "1:", "Q423", "North", "Korea,",
                                 "Q884", "South", "Korea"]
    assert (korea, OWL.sameAs, None) not in links_of(tmp_path / "store")


def test_no_false_link_for_a_person_without_a_verified_identifier(oxigraph_server: str) -> None:
    resolver = Resolver(endpoint(oxigraph_server))
    for name in ("Cecilia Malmstroem", "Niger", "Georgia", "European Union", "Interpol"):
        person = resolver.person(Actor(URIRef(KGR + "person/x"), "person", [name]), [], {})
        assert (name, person.status) == (name, UNLINKED)
    holder = resolver.person(
        Actor(URIRef(KGR + "person/eric-holder"), "person", ["Eric Holder"], ["Holder"]),
        [Post(URIRef(KGR + "person/eric-holder"), URIRef(KGR + "post/x"), "attorney general",
              URIRef(KGR + "country/USA"), URIRef(KGR + "country/USA"))],
        {URIRef(KGR + "country/USA"): URIRef(WD + "Q30")},
    )
    assert holder.status == LINKED and holder.item == URIRef(WD + "Q312644")
    assert "in the post's country" in holder.how and "held 'United States Attorney General'" in holder.how


# --- HTTP behaviour: User-Agent, 429, empty 200, cache ------------------------------------------------


def test_user_agent_and_429_with_retry_after(proxy: FaultyProxy) -> None:
    proxy.faults = ["429", "429", "503"]
    rows = endpoint(proxy.url).select("country-by-iso", {"iso3": Literal("NER")})
    assert [str(r["item"]) for r in rows] == [WD + "Q1032"]
    assert proxy.requests == 4
    assert set(proxy.agents) == {DEFAULT_USER_AGENT}
    assert "kg-news/" in DEFAULT_USER_AGENT and "https://" in DEFAULT_USER_AGENT


def test_429_for_ever_fails_with_one_line(reference_store: Path, tmp_path: Path, proxy: FaultyProxy, run_kg) -> None:
    proxy.always = "429"
    code, out, err = run_kg("link", "--store", copy(reference_store, tmp_path), "--endpoint", proxy.url, "--no-cache")
    assert code == 1
    line = one_line(err)
    assert "answered HTTP 429" in line and "5 time(s); try again later" in line
    with Store.open(tmp_path / "store", read_only=True) as store:
        assert LINKS_GRAPH not in store.graphs()  # nothing half-written


def test_a_retry_after_beyond_the_limit_gives_up_at_once(proxy: FaultyProxy) -> None:
    proxy.always = "503"
    with pytest.raises(EndpointError, match="asks to wait 0 s"):
        EndpointSource(proxy.url, max_wait=-1.0).select("country-by-iso", {"iso3": Literal("NER")})
    assert proxy.requests == 1


def test_an_empty_200_is_not_an_answer(proxy: FaultyProxy) -> None:
    proxy.faults = ["empty", "html"]
    rows = endpoint(proxy.url).select("country-by-iso", {"iso3": Literal("NGA")})
    assert [str(r["item"]) for r in rows] == [WD + "Q1033"]
    assert proxy.requests == 3
    proxy.always = "empty"
    with pytest.raises(EndpointError, match="answered 200 with an empty body"):
        endpoint(proxy.url, retries=2).select("country-by-iso", {"iso3": Literal("NGA")})


def test_a_real_empty_answer_is_an_answer(proxy: FaultyProxy) -> None:
    assert endpoint(proxy.url).select("country-by-iso", {"iso3": Literal("XXX")}) == []
    assert proxy.requests == 1


def test_answers_are_cached_on_disk(reference_store: Path, tmp_path: Path, proxy: FaultyProxy) -> None:
    cache = tmp_path / "cache"
    for name in ("first", "second"):
        store = copy(reference_store, tmp_path, name)
        assert main(["link", "--quiet", "--store", str(store), "--endpoint", proxy.url, "--cache", str(cache)]) == 0
        if name == "first":
            asked = proxy.requests
            assert asked > 10 and any(cache.rglob("*.json"))
    assert proxy.requests == asked  # the second run asked nothing
    assert sameas(links_of(tmp_path / "first")) == sameas(links_of(tmp_path / "second"))


def test_an_unreachable_endpoint_is_one_line(reference_store: Path, tmp_path: Path, run_kg) -> None:
    url = f"http://127.0.0.1:{_free_port()}/query"
    code, out, err = run_kg("link", "--store", copy(reference_store, tmp_path), "--endpoint", url, "--no-cache")
    assert code == 1
    assert f"cannot reach endpoint {url}" in one_line(err)


# --- refresh-snapshot: the same queries, no drift ---------------------------------------------------


def test_refresh_snapshot_then_link_offline_gives_the_live_links(reference_store: Path, tmp_path: Path,
                                                                  oxigraph_server: str, run_kg) -> None:
    refreshed = tmp_path / "refreshed"
    code, out, err = run_kg("link", "refresh-snapshot", "--endpoint", oxigraph_server, "--no-cache",
                            "--output", refreshed)
    assert code == 0, err
    assert out.startswith(f"wrote snapshot {refreshed}: 249 countries, 6 verified organisations and persons, "
                          "28 group memberships")
    snapshot = Snapshot.load(refreshed)
    assert snapshot.countries == Snapshot.load().countries
    offline, live = copy(reference_store, tmp_path, "offline"), copy(reference_store, tmp_path, "live")
    assert main(["link", "--quiet", "--store", str(offline), "--snapshot", str(refreshed)]) == 0
    assert main(["link", "--quiet", "--store", str(live), "--endpoint", oxigraph_server, "--no-cache"]) == 0
    assert sameas(links_of(offline)) == sameas(links_of(live))
    # the refreshed snapshot carries the positions held, so the offline role check is the live one
    source = SnapshotSource(snapshot)
    with Store.open(offline, read_only=True) as store:
        report = link_store(store, source, snapshot, write=False)
    source.close()
    assert [c.verdict for c in report.role_checks] == ["confirmed"]


def test_refresh_of_a_server_without_countries_writes_nothing(tmp_path: Path, run_kg) -> None:
    with running_oxigraph(tmp_path, None) as empty:
        code, out, err = run_kg("link", "refresh-snapshot", "--endpoint", empty, "--no-cache",
                                "--output", tmp_path / "out")
    assert code == 1
    assert "knows no item with an ISO 3166-1 alpha-3 code (P298)" in one_line(err)
    assert not (tmp_path / "out").exists()


# --- federated queries ------------------------------------------------------------------------------


def test_federated_query_joins_the_alliance_with_the_endpoint(linked_reference: Path, oxigraph_server: str,
                                                              run_kg) -> None:
    query = f"""
        PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX kgo: <https://w3id.org/kgnews/ontology#>
        PREFIX p: <http://www.wikidata.org/prop/>
        PREFIX ps: <http://www.wikidata.org/prop/statement/>
        PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
        SELECT ?iso3 ?joined WHERE {{
          ?agreement org:hasMember ?country .
          ?country kgo:iso3 ?iso3 ; owl:sameAs ?item .
          SERVICE <{oxigraph_server}> {{ ?item p:P463 ?statement . ?statement pq:P580 ?joined }}
        }} ORDER BY ?joined ?iso3"""
    assert check_services(query, [oxigraph_server]) == [oxigraph_server]
    code, out, err = run_kg("query", "-", "--store", linked_reference, "--format", "csv", stdin=query)
    assert code == 1 and "--endpoint" in err and out == ""  # offline unless the user allows it
    code, out, err = run_kg("query", "-", "--store", linked_reference, "--format", "csv",
                            "--endpoint", oxigraph_server, stdin=query)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "iso3,joined" and len(lines) == 1 + 28  # the EU of 2012, and Croatia (2013)
    assert lines[1] == "BEL,1958-01-01T00:00:00Z" and lines[-1] == "HRV,2013-07-01T00:00:00Z"


def test_service_clauses_need_permission() -> None:
    text = """PREFIX wdqs: <https://query.wikidata.org/>
        # SERVICE <http://in.a/comment>
        SELECT * WHERE { ?s ?p "SERVICE <http://in.a/string>" .
          SERVICE SILENT <http://a.example/sparql> { ?s ?p ?o }
          SERVICE wdqs:sparql { ?s ?p ?o } }"""
    assert service_endpoints(text) == ["http://a.example/sparql", "https://query.wikidata.org/sparql"]
    assert check_services("SELECT * WHERE { ?s ?p ?o }") == []
    with pytest.raises(QueryError, match="--endpoint http://a.example/sparql"):
        check_services(text, ["https://query.wikidata.org/sparql"])
    assert check_services(text, ["http://a.example/sparql/", "https://query.wikidata.org/sparql"])
    with pytest.raises(QueryError, match="never allowed"):
        check_services("SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }", ["?where"])


@pytest.fixture(scope="module")
def linked_reference(reference_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("linked-reference") / "store"
    shutil.copytree(reference_store, path)
    assert main(["link", "--quiet", "--store", str(path)]) == 0
    return path
