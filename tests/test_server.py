"""``kg serve`` over HTTP: the SPARQL 1.1 Protocol, content negotiation, limits and security.

Every test talks to a real ``kg serve`` process on 127.0.0.1 (a free port it picks itself),
over real HTTP, with urllib and with SPARQLWrapper as clients. The helpers at the top
(``free_port``, ``KgServe``, ``OxigraphServer``) are shared with ``test_remote.py`` and
``test_web.py``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from conftest import assert_graph_answer_in_default_graph, kg_env
from kg.query import load_query, run_query
from kg.store import Store

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
TOKEN = "test-token-0123456789abcdef"
STARTUP_SECONDS = 60
TIME_LIMIT = 2.0
MAX_RESULTS = 50
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


# --- shared helpers -----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class OxigraphServer:
    """``oxigraph serve`` (the ``oxigraph`` package's CLI) on 127.0.0.1 and a free port."""

    def __init__(self, directory: Path, *, union_default_graph: bool = False) -> None:
        executable = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        if not Path(executable).exists():
            pytest.fail("the oxigraph server CLI is missing: pip install oxigraph (it is in the test extra)")
        self.port = free_port()
        command = [executable, "serve", "--location", str(directory), "--bind", f"127.0.0.1:{self.port}"]
        if union_default_graph:
            command.append("--union-default-graph")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_port(self.port, self.process)
        self.url = f"http://127.0.0.1:{self.port}"
        self.query_url = f"{self.url}/query"

    def close(self) -> None:
        stop(self.process)
        if self.process.stderr:
            self.process.stderr.close()


class KgServe:
    """``python -m kg serve`` on 127.0.0.1 with ``--port 0``; the URL is read from its first line."""

    def __init__(self, store: str | Path, *args: str, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", "0", "--quiet", *args]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        env=kg_env(env), text=True)
        self.lines: list[str] = []
        self.url = self._read_url()
        self.sparql = self.url + "sparql"
        self._drain = threading.Thread(target=self._read_rest, daemon=True)
        self._drain.start()

    def _read_url(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        assert self.process.stderr is not None
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                raise RuntimeError(f"kg serve exited ({self.process.wait()}): {''.join(self.lines)}")
            self.lines.append(line)
            found = re.match(r"kg serve: (http://\S+/) ", line)
            if found:
                return found.group(1)
        raise RuntimeError("kg serve did not say where it listens")

    def _read_rest(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def close(self) -> None:
        stop(self.process)


def http(method: str, url: str, *, data: bytes | str | None = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request; HTTP errors are answers too."""
    body = data.encode("utf-8") if isinstance(data, str) else data
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_query(url: str, query: str, accept: str = "application/sparql-results+json", **kw) -> tuple[int, dict, bytes]:
    return http("POST", url, data=urllib.parse.urlencode({"query": query}),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}, **kw)


def json_rows(body: bytes) -> list[dict[str, str]]:
    document = json.loads(body)
    return [{k: v["value"] for k, v in b.items()} for b in document["results"]["bindings"]]


def local_rows(store_path: Path, name: str) -> list[dict[str, str]]:
    with Store.open(store_path, read_only=True) as store:
        result = run_query(store, load_query(name))
    return [{v: str(t) for v, t in zip(result.vars, row) if t is not None} for row in result.rows]


def as_bag(rows: list[dict[str, str]]) -> Counter:
    return Counter(tuple(sorted(row.items())) for row in rows)


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def federated_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """An Oxigraph server that the read-only kg serve may call with SERVICE."""
    server = OxigraphServer(tmp_path_factory.mktemp("federated") / "db")
    http("POST", server.url + "/update", data='INSERT DATA { <urn:x:a> <urn:x:says> "hello from the other endpoint" }',
         headers={"Content-Type": "application/sparql-update"})
    yield server
    server.close()


@pytest.fixture(scope="module")
def served(reference_store: Path, federated_target: OxigraphServer) -> Iterator[KgServe]:
    """A read-only kg serve over the reference store, with a short time limit and result limit."""
    server = KgServe(reference_store, "--timeout", str(TIME_LIMIT), "--max-results", str(MAX_RESULTS),
                     "--workers", "2", "--allow-service", f"127.0.0.1:{federated_target.port}")
    yield server
    server.close()


@pytest.fixture
def writable(reference_store: Path, tmp_path: Path) -> Iterator[KgServe]:
    """kg serve accepting updates with TOKEN, over a private copy of the reference store."""
    copy = tmp_path / "store"
    shutil.copytree(reference_store, copy)
    server = KgServe(copy, "--allow-updates", "--timeout", "20", env={"KG_SERVE_TOKEN": TOKEN})
    server.store = copy  # type: ignore[attr-defined]
    yield server
    server.close()


# --- the protocol ------------------------------------------------------------------------------------


def test_binds_to_loopback_by_default(served: KgServe) -> None:
    assert served.url.startswith("http://127.0.0.1:")
    status, headers, body = http("GET", served.url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'id="query"' in body


def test_get_and_post_queries_answer_the_same(served: KgServe, reference_store: Path) -> None:
    query = load_query("members").text
    expected = as_bag(local_rows(reference_store, "members"))
    status, _, get_body = http("GET", served.sparql + "?" + urllib.parse.urlencode({"query": query}),
                               headers={"Accept": "application/sparql-results+json"})
    assert status == 200
    status, _, form_body = post_query(served.sparql, query)
    assert status == 200
    status, headers, direct_body = http("POST", served.sparql, data=query,
                                        headers={"Content-Type": "application/sparql-query",
                                                 "Accept": "application/sparql-results+json"})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    for body in (get_body, form_body, direct_body):
        assert as_bag(json_rows(body)) == expected


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_select_content_negotiation(served: KgServe, accept: str) -> None:
    query = "SELECT ?name WHERE { ?p <https://schema.org/name> ?name } ORDER BY ?name"
    status, headers, body = post_query(served.sparql, query, accept=f"text/html;q=0.1, {accept}")
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == accept
    text = body.decode("utf-8")
    if accept.endswith("json"):
        names = [row["name"] for row in json_rows(body)]
    elif accept.endswith("xml"):
        names = re.findall(r"<literal[^>]*>([^<]*)</literal>", text)
    elif accept == "text/csv":
        names = [row[0] for row in list(csv.reader(io.StringIO(text, newline="")))[1:]]
    else:
        lines = text.splitlines()
        assert lines[0] == "?name"
        names = [line.strip('"') for line in lines[1:]]
    assert "Eric Holder" in names and names == sorted(names)


@pytest.mark.parametrize("accept,parser", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                           ("application/ld+json", "json-ld")])
def test_construct_content_negotiation(served: KgServe, reference_store: Path, accept: str, parser: str) -> None:
    query = ("CONSTRUCT { ?p <https://schema.org/name> ?name } "
             "WHERE { ?p a <https://schema.org/Person> ; <https://schema.org/name> ?name }")
    status, headers, body = post_query(served.sparql, query, accept=accept)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == accept
    remote = Graph().parse(data=body, format=parser)
    with Store.open(reference_store, read_only=True) as store:
        local = store.query(query)
    assert len(remote) > 0 and isomorphic(remote, local)


@pytest.mark.parametrize("accept,parser", [("application/n-quads", "nquads"), ("application/trig", "trig")])
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_a_graph_answer_in_a_quad_format_is_its_triples_in_the_default_graph(
        served: KgServe, reference_store: Path, accept: str, parser: str, form: str) -> None:
    query = ("CONSTRUCT { ?p <https://schema.org/name> ?name } "
             "WHERE { ?p a <https://schema.org/Person> ; <https://schema.org/name> ?name }"
             if form == "CONSTRUCT" else "DESCRIBE <https://w3id.org/kgnews/id/person/eric-holder>")
    status, headers, body = post_query(served.sparql, query, accept=accept)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == accept
    assert_graph_answer_in_default_graph(body, parser, reference_store, query)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 20_000 + " ?s ?p ?o " + "}" * 20_000,
    "SELECT * WHERE { ?s ?p ?o FILTER (" + "(" * 5_000 + "?o" + ")" * 5_000 + ") }",
], ids=["braces", "parentheses"])
def test_deeply_nested_sparql_is_refused_before_a_worker_runs_it(served: KgServe, query: str) -> None:
    status, _, body = post_query(served.sparql, query, accept="application/sparql-results+json")
    assert status == 400, body[:200]
    assert b"brackets nest more than 256 deep" in body and body.strip().count(b"\n") == 0
    status, _, _ = post_query(served.sparql, "ASK { ?s ?p ?o }", accept="application/sparql-results+json")
    assert status == 200, "the server goes on answering"


def test_ask_answers_in_json_and_xml(served: KgServe) -> None:
    query = "ASK { ?s <https://schema.org/name> \"Eric Holder\" }"
    status, _, body = post_query(served.sparql, query)
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = post_query(served.sparql, query, accept="application/sparql-results+xml")
    assert status == 200 and b"<boolean>true</boolean>" in body


def test_format_parameter_overrides_accept(served: KgServe) -> None:
    url = served.sparql + "?" + urllib.parse.urlencode({"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "format": "csv"})
    status, headers, _ = http("GET", url, headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")


def test_406_names_the_acceptable_types(served: KgServe) -> None:
    status, _, body = post_query(served.sparql, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", accept="text/turtle")
    message = body.decode("utf-8")
    assert status == 406
    assert "application/sparql-results+json" in message and "text/csv" in message and "\n" not in message.strip()
    status, _, body = post_query(served.sparql, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", accept="text/csv")
    assert status == 406 and "text/turtle" in body.decode("utf-8")


def test_415_names_the_accepted_content_types(served: KgServe) -> None:
    status, headers, body = http("POST", served.sparql, data="SELECT * WHERE { ?s ?p ?o }",
                                 headers={"Content-Type": "text/plain"})
    assert status == 415
    assert "application/sparql-query" in body.decode() and "application/x-www-form-urlencoded" in body.decode()
    assert "application/sparql-query" in headers["Accept-Post"]


def test_bad_queries_get_one_line(served: KgServe) -> None:
    status, headers, body = post_query(served.sparql, "SELEKT ?x WHERE { ?x ?y ?z }")
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert "syntax error" in body.decode() and body.decode().count("\n") == 1
    status, _, body = http("GET", served.sparql + "?" + urllib.parse.urlencode({"update": "CLEAR ALL"}))
    assert status == 405 and "POST" in body.decode()
    status, _, body = http("GET", served.url + "nowhere")
    assert status == 404


def test_service_description(served: KgServe) -> None:
    status, headers, body = http("GET", served.sparql, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body, format="turtle")
    service = URIRef(served.sparql)
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in graph  # read-only
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.resultFormat, URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV")) in graph


def test_cors(served: KgServe) -> None:
    status, headers, _ = http("OPTIONS", served.sparql, headers={
        "Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in headers["Access-Control-Allow-Headers"]
    _, headers, _ = post_query(served.sparql, "ASK {}")
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_result_limit_cuts_and_says_so(served: KgServe) -> None:
    status, headers, body = post_query(served.sparql, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200
    assert len(json_rows(body)) == MAX_RESULTS and headers["X-KG-Truncated"] == str(MAX_RESULTS)
    status, headers, body = post_query(served.sparql, "CONSTRUCT WHERE { ?s ?p ?o }", accept="application/n-triples")
    assert status == 200 and len(Graph().parse(data=body, format="nt")) == MAX_RESULTS
    assert headers["X-KG-Truncated"] == str(MAX_RESULTS)
    _, headers, _ = post_query(served.sparql, "SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    assert "X-KG-Truncated" not in headers


def test_named_queries_for_the_page(served: KgServe) -> None:
    status, _, body = http("GET", served.url + "api/queries")
    queries = {q["name"]: q for q in json.loads(body)["queries"]}
    assert status == 200 and {"members", "officials", "quotes"} <= set(queries)
    assert "SELECT" in queries["members"]["text"].upper() and queries["members"]["description"]


# --- SPARQLWrapper as a client ------------------------------------------------------------------------


def test_sparqlwrapper_select_and_construct(served: KgServe, reference_store: Path) -> None:
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(served.sparql)
    client.setQuery(load_query("officials").text)
    client.setReturnFormat(JSON)
    answer = client.query().convert()
    rows = [{k: v["value"] for k, v in b.items()} for b in answer["results"]["bindings"]]
    assert as_bag(rows) == as_bag(local_rows(reference_store, "officials"))

    client = SPARQLWrapper(served.sparql)
    client.setQuery("CONSTRUCT { ?s <https://schema.org/name> ?o } WHERE { ?s <https://schema.org/name> ?o }")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) > 0

    client = SPARQLWrapper(served.sparql)
    client.setMethod("POST")
    client.setQuery("ASK { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_kg_query_through_the_endpoint(served: KgServe, reference_store: Path, run_kg) -> None:
    code, remote, err = run_kg("query", "members", "--store", served.sparql, "--format", "csv")
    assert code == 0, err
    code, local, err = run_kg("query", "members", "--store", str(reference_store), "--format", "csv")
    assert code == 0, err
    assert sorted(remote.splitlines()[1:]) == sorted(local.splitlines()[1:])


# --- security ------------------------------------------------------------------------------------------


def test_updates_are_refused_by_a_read_only_server(served: KgServe) -> None:
    status, _, body = http("POST", served.sparql, data="INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }",
                           headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert status == 403 and "read-only" in body.decode()
    status, _, _ = post_query(served.sparql, "ASK { <urn:a> <urn:b> <urn:c> }")
    assert status == 200


def test_update_needs_the_token(writable: KgServe) -> None:
    update = 'INSERT DATA { GRAPH <urn:kg:test> { <urn:x:a> <https://schema.org/name> "added" } }'
    ask = 'ASK { <urn:x:a> <https://schema.org/name> "added" }'
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    data = urllib.parse.urlencode({"update": update})
    status, headers, body = http("POST", writable.sparql, data=data, headers=form)
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer") and TOKEN not in body.decode()
    status, _, body = http("POST", writable.sparql, data=data, headers={**form, "Authorization": "Bearer wrong-token"})
    assert status == 401 and TOKEN not in body.decode()
    assert json.loads(post_query(writable.sparql, ask)[2])["boolean"] is False
    status, _, body = http("POST", writable.sparql, data=data, headers={**form, "Authorization": f"Bearer {TOKEN}"})
    assert status == 204, body
    # The default graph stays the union of the named graphs: the new triple is seen without GRAPH.
    answer = post_query(writable.sparql, ask)
    assert answer[0] == 200, (answer, "".join(writable.lines))
    assert json.loads(answer[2])["boolean"] is True
    status, _, body = http("GET", writable.sparql, headers={"Accept": "text/turtle"})
    assert (URIRef(writable.sparql), SD.supportedLanguage, SD.SPARQL11Update) in Graph().parse(data=body, format="turtle")


def test_runaway_query_is_stopped_and_others_are_answered(served: KgServe) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = post_query(served.sparql, RUNAWAY, timeout=60)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    status, _, body = post_query(served.sparql, "SELECT ?name WHERE { ?p <https://schema.org/name> ?name }")
    assert status == 200 and json_rows(body), "another query must be answered while one runs away"
    assert time.monotonic() - started < TIME_LIMIT
    thread.join(60)
    assert outcome["status"] == 503 and b"time limit" in outcome["body"]  # type: ignore[operator]
    assert TIME_LIMIT <= outcome["seconds"] < TIME_LIMIT + 5  # type: ignore[operator]
    # The server goes on answering after killing the runaway query's worker.
    for _ in range(4):
        status, _, _ = post_query(served.sparql, "ASK { ?s ?p ?o }")
        assert status == 200


def test_service_to_a_host_not_allowed_is_refused(served: KgServe, federated_target: OxigraphServer) -> None:
    other = free_port()
    for query in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{other}/query> {{ ?s ?p ?o }} }}",
                  "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
                  "PREFIX e: <http://example.org/> SELECT * WHERE { SERVICE SILENT e:sparql { ?s ?p ?o } }",
                  "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
                  "SELECT * WHERE { BIND(<http://example.org/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }"):
        status, _, body = post_query(served.sparql, query)
        assert status == 403, query
        assert "not allowed" in body.decode() or "cannot be checked" in body.decode()
    allowed = f"SELECT ?o WHERE {{ SERVICE <{federated_target.query_url}> {{ <urn:x:a> <urn:x:says> ?o }} }}"
    status, _, body = post_query(served.sparql, allowed)
    assert status == 200, body
    assert json_rows(body) == [{"o": "hello from the other endpoint"}]


def test_load_from_a_host_not_allowed_is_refused(writable: KgServe) -> None:
    status, _, body = http("POST", writable.sparql, data="LOAD <http://example.org/data.ttl> INTO GRAPH <urn:g>",
                           headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert status == 403 and "not allowed" in body.decode()


# --- the command line ---------------------------------------------------------------------------------


def test_serve_refuses_updates_without_a_token(reference_store: Path, run_kg) -> None:
    code, _, err = run_kg("serve", "--store", str(reference_store), "--allow-updates", "--port", "0")
    assert code == 2 and "KG_SERVE_TOKEN" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_kg("serve", "--store", str(reference_store), "--allow-updates", "--port", "0",
                          env={"KG_SERVE_TOKEN": "short"})
    assert code == 2 and "too short" in err and "short" not in err.split("too short")[0].replace("kg serve:", "")


def test_serve_needs_a_store(tmp_path: Path, run_kg) -> None:
    code, _, err = run_kg("serve", "--store", str(tmp_path / "none"), "--port", "0")
    assert code == 1 and "no store" in err and "Traceback" not in err
