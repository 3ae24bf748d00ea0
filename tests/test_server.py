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
import os
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
from email.message import Message
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from conftest import assert_graph_answer_in_default_graph, kg_env
from kg.sparql import load_query, run_query
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
         timeout: float = 30) -> tuple[int, Message, bytes]:
    """(status, headers, body) of one request; HTTP errors are answers too. The headers are
    looked up by name in any case (``headers["content-type"]``), None when absent."""
    body = data.encode("utf-8") if isinstance(data, str) else data
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post_query(url: str, query: str, accept: str = "application/sparql-results+json", *,
               headers: dict[str, str] | None = None, **kw) -> tuple[int, Message, bytes]:
    return http("POST", url, data=urllib.parse.urlencode({"query": query}),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept, **(headers or {})}, **kw)


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


def test_cross_origin_requests_are_refused_by_default(served: KgServe) -> None:
    status, headers, body = http("OPTIONS", served.sparql, headers={
        "Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 403 and "--cors-origin http://elsewhere.example" in body.decode()
    assert headers["Access-Control-Allow-Origin"] is None
    status, headers, body = http("POST", served.sparql, data=urllib.parse.urlencode({"query": "ASK {}"}),
                                 headers={"Content-Type": "application/x-www-form-urlencoded",
                                          "Origin": "http://elsewhere.example"})
    assert status == 403 and headers["Access-Control-Allow-Origin"] is None
    # The server's own page (same origin) is answered, and no answer carries CORS headers.
    status, headers, _ = http("POST", served.sparql, data=urllib.parse.urlencode({"query": "ASK {}"}),
                              headers={"Content-Type": "application/x-www-form-urlencoded",
                                       "Origin": served.url.rstrip("/")})
    assert status == 200 and headers["Access-Control-Allow-Origin"] is None


@pytest.fixture(scope="module")
def open_to_one_page(reference_store: Path) -> Iterator[KgServe]:
    """kg serve letting one other origin in, and one more Host name (a proxy's)."""
    server = KgServe(reference_store, "--cors-origin", "http://yasgui.example:8080", "--allow-host", "kg.example")
    yield server
    server.close()


def test_cors_origin_lets_that_page_in(open_to_one_page: KgServe) -> None:
    page = "http://yasgui.example:8080"
    status, headers, _ = http("OPTIONS", open_to_one_page.sparql, headers={
        "Origin": page, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and headers["Access-Control-Allow-Origin"] == page
    assert "POST" in headers["Access-Control-Allow-Methods"] and "Content-Type" in headers["Access-Control-Allow-Headers"]
    status, headers, body = post_query(open_to_one_page.sparql, "ASK {}", headers={"Origin": page})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == page and "Origin" in headers["Vary"]
    assert json.loads(body)["boolean"] is True
    status, headers, _ = post_query(open_to_one_page.sparql, "ASK {}", headers={"Origin": "http://other.example"})
    assert status == 403 and headers["Access-Control-Allow-Origin"] is None


def raw_request(port: int, head: bytes, timeout: float = 30) -> bytes:
    """Send ``head`` (a whole HTTP/1.1 request) on a fresh connection; what came back until it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head)
        answer = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                answer += chunk
    return answer


def test_a_dns_rebinding_host_is_refused(served: KgServe, open_to_one_page: KgServe) -> None:
    port = urllib.parse.urlsplit(served.url).port
    ask = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})
    for host, expected in (("attacker.example", b"403"), ("localhost", b"200"), ("127.0.0.1", b"200"),
                           ("[::1]", b"200"), ("kg.example", b"403")):
        answer = raw_request(port, f"GET {ask} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
                             .encode())
        assert answer.split(b"\r\n")[0].split(b" ")[1] == expected, (host, answer[:300])
        if expected == b"403":
            assert b"--allow-host " + host.encode() in answer
    other = urllib.parse.urlsplit(open_to_one_page.url).port
    answer = raw_request(other, f"GET {ask} HTTP/1.1\r\nHost: kg.example\r\nConnection: close\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]


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


# --- the HTTP server: deadlines, sizes, memory, dead workers ------------------------------------------

REQUEST_TIMEOUT = 2.0
MEMORY_LIMIT_MIB = 200
HUNGRY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"


@pytest.fixture(scope="module")
def strict(reference_store: Path) -> Iterator[KgServe]:
    """kg serve with a short request deadline, a small body limit and a small memory cap."""
    server = KgServe(reference_store, "--request-timeout", str(REQUEST_TIMEOUT), "--max-body", "2000",
                     "--memory-limit", str(MEMORY_LIMIT_MIB), "--timeout", "60", "--workers", "2")
    yield server
    server.close()


def port_of(server: KgServe) -> int:
    port = urllib.parse.urlsplit(server.url).port
    assert port is not None
    return port


def test_a_slow_client_is_cut_off_at_the_request_deadline(strict: KgServe) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port_of(strict)), timeout=30) as sock:
        answer = b""
        with contextlib.suppress(OSError):
            for byte in b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100:
                sock.sendall(bytes([byte]))
                # Meanwhile other clients are answered.
                assert post_query(strict.sparql, "ASK {}")[0] == 200
                time.sleep(0.25)
        with contextlib.suppress(OSError):
            while chunk := sock.recv(4096):
                answer += chunk
    seconds = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"did not arrive in full within 2 s" in answer
    # The client would go on for 35 s and more: it was cut at the deadline, not when it gave up.
    assert REQUEST_TIMEOUT <= seconds < REQUEST_TIMEOUT + 10


def test_a_slow_body_is_cut_off_too(strict: KgServe) -> None:
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 500\r\n\r\nASK ")
    with socket.create_connection(("127.0.0.1", port_of(strict)), timeout=30) as sock:
        sock.sendall(head)
        answer = b""
        with contextlib.suppress(OSError):
            for _ in range(40):
                sock.sendall(b" ")
                time.sleep(0.25)
        with contextlib.suppress(OSError):
            while chunk := sock.recv(4096):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_keep_alive_serves_many_requests_on_one_connection(strict: KgServe) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port_of(strict), timeout=30)
    try:
        for _ in range(5):
            connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}),
                               headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["boolean"] is True
    finally:
        connection.close()


def test_size_limits_of_head_and_body(strict: KgServe) -> None:
    answer = raw_request(port_of(strict), b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    status, _, body = http("POST", strict.sparql, data="ASK { " + "#" * 3000 + "\n }",
                           headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and b"larger than 2000 bytes" in body
    assert post_query(strict.sparql, "ASK {}")[0] == 200


def server_workers(server: KgServe) -> list[int]:
    """The process ids of the worker processes of a kg serve."""
    pid = server.process.pid
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            children += [int(c) for c in (task / "children").read_text().split()]
    workers = []
    for child in children:
        with contextlib.suppress(OSError):
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
    return workers


def peak_memory_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_a_query_over_the_memory_cap_is_stopped_and_its_worker_replaced(strict: KgServe) -> None:
    status, _, body = post_query(strict.sparql, HUNGRY, timeout=90)
    assert status == 503 and f"memory limit of {MEMORY_LIMIT_MIB} MiB".encode() in body, body[:300]
    for _ in range(4):
        assert post_query(strict.sparql, "ASK { ?s ?p ?o }")[0] == 200
    deadline = time.monotonic() + STARTUP_SECONDS
    while len(server_workers(strict)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = server_workers(strict)
    assert len(workers) == 2
    assert all(peak_memory_kib(pid) < MEMORY_LIMIT_MIB * 1024 for pid in workers)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_a_dead_worker_is_replaced_while_the_server_answers(strict: KgServe) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while len(server_workers(strict)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    before = server_workers(strict)
    os.kill(before[0], signal.SIGKILL)
    for _ in range(6):
        status, _, body = post_query(strict.sparql, "SELECT ?name WHERE { ?p <https://schema.org/name> ?name }")
        assert status == 200 and json_rows(body), body
    while len(server_workers(strict)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    after = server_workers(strict)
    assert len(after) == 2 and before[0] not in after


def test_a_build_that_finished_meanwhile_is_seen(reference_store: Path, tmp_path: Path, run_kg) -> None:
    copy = tmp_path / "store"
    shutil.copytree(reference_store, copy)
    server = KgServe(copy)
    try:
        count = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        before = int(json_rows(post_query(server.sparql, count)[2])[0]["n"])
        article = Path(__file__).parent / "articles" / "arctic_maritime_treaty_2015.txt"
        code, _, err = run_kg("build", str(article), "--store", str(copy))
        assert code == 0, err
        for _ in range(3):  # each worker, whichever answers
            assert int(json_rows(post_query(server.sparql, count)[2])[0]["n"]) == before + 1
    finally:
        server.close()


def test_kg_does_not_import_the_server_library() -> None:
    code = ("import sys, kg, kg.cli, kg.sparql, kg.store; "
            "sys.exit(1 if {'uvicorn', 'httptools', 'kg.server'} & set(sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], env=kg_env(), check=False).returncode == 0


def test_the_cli_names_the_workers_memory_default() -> None:
    from kg.cli.serve import DEFAULT_MEMORY_LIMIT as shown
    from kg.server.workers import DEFAULT_MEMORY_LIMIT

    assert shown == DEFAULT_MEMORY_LIMIT


# --- updates and the default graph ---------------------------------------------------------------------


@pytest.mark.parametrize("update", [
    'INSERT DATA { <urn:x:a> <https://schema.org/name> "lost" }',
    'INSERT { ?s <https://schema.org/alternateName> "lost" } WHERE { ?s <https://schema.org/name> "Eric Holder" }',
    "CLEAR DEFAULT",
    "COPY <urn:kg:test> TO DEFAULT",
], ids=["insert-data", "insert-where", "clear", "copy"])
def test_an_update_of_the_default_graph_is_refused_not_lost(writable: KgServe, update: str) -> None:
    auth = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    status, _, body = http("POST", writable.sparql, data=update, headers=auth)
    message = body.decode()
    assert status == 400 and "default graph" in message and "GRAPH <" in message and message.count("\n") == 1
    ask = 'ASK { ?s ?p "lost" }'
    assert json.loads(post_query(writable.sparql, ask)[2])["boolean"] is False
    named = 'INSERT DATA { GRAPH <urn:kg:test> { <urn:x:a> <https://schema.org/name> "kept" } }'
    assert http("POST", writable.sparql, data=named, headers=auth)[0] == 204
    assert json.loads(post_query(writable.sparql, 'ASK { <urn:x:a> ?p "kept" }')[2])["boolean"] is True


# --- SPARQLWrapper as a client ------------------------------------------------------------------------


NAMES_SELECT = "SELECT ?p ?name WHERE { ?p <https://schema.org/name> ?name }"
NAMES_CONSTRUCT = "CONSTRUCT { ?p <https://schema.org/name> ?name } WHERE { ?p <https://schema.org/name> ?name }"


def local_names(store_path: Path) -> set[tuple[str, str]]:
    with Store.open(store_path, read_only=True) as store:
        names, rows = store.query(NAMES_SELECT)
    return {(str(p), str(n)) for p, n in rows}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", ["json", "xml", "csv", "tsv"])
def test_sparqlwrapper_select_in_every_return_format(served: KgServe, reference_store: Path, return_format: str,
                                                       method: str) -> None:
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(served.sparql)
    client.setQuery(NAMES_SELECT)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    answer = client.query().convert()
    if return_format == "json":
        rows = {(b["p"]["value"], b["name"]["value"]) for b in answer["results"]["bindings"]}
    elif return_format == "xml":
        rows = set()
        for result in answer.getElementsByTagName("result"):
            values = {b.getAttribute("name"): b.firstChild.firstChild.data for b in result.getElementsByTagName("binding")}
            rows.add((values["p"], values["name"]))
    elif return_format == "csv":
        rows = {(r[0], r[1]) for r in list(csv.reader(io.StringIO(answer.decode("utf-8"), newline="")))[1:]}
    else:
        lines = answer.decode("utf-8").splitlines()
        assert lines[0].split("\t") == ["?p", "?name"]
        rows = {(p.strip("<>"), n.strip('"')) for p, n in (line.split("\t") for line in lines[1:])}
    assert rows == local_names(reference_store)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", ["turtle", "n3", "xml", "rdf+xml", "rdf", "json-ld", "json"])
def test_sparqlwrapper_construct_in_every_return_format(served: KgServe, reference_store: Path,
                                                          return_format: str, method: str) -> None:
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(served.sparql)
    client.setQuery(NAMES_CONSTRUCT)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    answer = client.query().convert()
    graph = answer if isinstance(answer, Graph) else Graph().parse(data=answer, format="turtle")
    with Store.open(reference_store, read_only=True) as store:
        assert isomorphic(graph, store.query(NAMES_CONSTRUCT))


def test_sparqlwrapper_ask(served: KgServe) -> None:
    from SPARQLWrapper import JSON, XML, SPARQLWrapper

    for return_format in (JSON, XML):
        client = SPARQLWrapper(served.sparql)
        client.setMethod("POST")
        client.setQuery("ASK { ?s ?p ?o }")
        client.setReturnFormat(return_format)
        answer = client.queryAndConvert()
        if return_format == JSON:
            assert answer["boolean"] is True  # type: ignore[index]
        else:
            assert answer.getElementsByTagName("boolean")[0].firstChild.data == "true"  # type: ignore[union-attr]


def test_rdflib_sparqlstore(served: KgServe, reference_store: Path) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(served.sparql))
    assert {(str(p), str(n)) for p, n in graph.query(NAMES_SELECT)} == local_names(reference_store)
    assert graph.query('ASK { ?s <https://schema.org/name> "Eric Holder" }').askAnswer is True
    with Store.open(reference_store, read_only=True) as store:
        assert isomorphic(graph.query(NAMES_CONSTRUCT).graph, store.query(NAMES_CONSTRUCT))
    name = URIRef("https://schema.org/name")
    assert {(str(s), str(o)) for s, _, o in graph.triples((None, name, None))} == local_names(reference_store)


@pytest.mark.parametrize("query,accept,media", [
    (NAMES_SELECT, "application/sparql-results+json,*/*;q=0.9", "application/sparql-results+json"),
    (NAMES_CONSTRUCT, "text/turtle,*/*;q=0.9", "text/turtle"),
    (NAMES_CONSTRUCT, "text/n3", "text/n3"),
    (NAMES_CONSTRUCT, "application/n-quads", "application/n-quads"),
], ids=["yasgui-select", "yasgui-construct", "n3", "nquads"])
def test_yasgui_style_posts(served: KgServe, reference_store: Path, query: str, accept: str, media: str) -> None:
    status, headers, body = http("POST", served.sparql, data=urllib.parse.urlencode({"query": query}),
                                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                                          "Accept": accept})
    assert status == 200 and headers["Content-Type"].split(";")[0] == media, body[:300]
    if media.endswith("json"):
        assert {(r["p"], r["name"]) for r in json_rows(body)} == local_names(reference_store)
    else:
        graph = Graph().parse(data=body, format={"application/n-quads": "nquads"}.get(media, "turtle"))
        assert {(str(s), str(o)) for s, _, o in graph} == local_names(reference_store)


def test_format_parameters_as_sparqlwrapper_repeats_them(served: KgServe) -> None:
    query = urllib.parse.urlencode([("query", NAMES_SELECT), ("format", "tsv"), ("format", "text/tab-separated-values"),
                                    ("output", "tsv"), ("output", "text/tab-separated-values"), ("results", "tsv")])
    status, headers, _ = http("GET", served.sparql + "?" + query)
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    query = urllib.parse.urlencode([("query", NAMES_CONSTRUCT), ("format", "nquads")])
    status, headers, _ = http("GET", served.sparql + "?" + query)
    assert status == 200 and headers["Content-Type"].startswith("application/n-quads")
    query = urllib.parse.urlencode([("query", NAMES_SELECT), ("format", "csv"), ("format", "json")])
    status, _, body = http("GET", served.sparql + "?" + query)
    assert status == 406 and b"csv and json" in body


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


def test_serve_checks_its_options(reference_store: Path, run_kg) -> None:
    for args, words in ((["--cors-origin", "evil.example"], "not an origin"),
                        (["--memory-limit", "5"], "--memory-limit"),
                        (["--request-timeout", "0"], "--request-timeout")):
        code, _, err = run_kg("serve", "--store", str(reference_store), "--port", "0", *args)
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err


def test_serve_says_when_its_port_is_taken(reference_store: Path, run_kg) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, _, err = run_kg("serve", "--store", str(reference_store), "--port", str(port))
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
