"""The web page of ``kg serve`` in a real headless Chromium: run a named query, see its rows,
download them; an error clears the old table; only http(s) IRIs become links; a page of
another origin cannot query the endpoint, and a page at a rebinding name is refused.

Chromium (Debian's ``chromium`` package) is started with a fresh profile and driven over the
Chrome DevTools Protocol; the WebSocket it speaks is opened with the standard library (a
minimal RFC 6455 client below), so the test needs no extra package. The page must work
offline: it loads only its own bundled assets, and the test checks that no request left
127.0.0.1. Skipped only when no Chromium is installed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_server import KgServe, local_rows, stop

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
WAIT_SECONDS = 30


class WebSocket:
    """Just enough RFC 6455 for the DevTools Protocol: text frames, masked from the client."""

    def __init__(self, url: str, timeout: float = WAIT_SECONDS) -> None:
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        request = (f"GET {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode("ascii"))
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the browser closed the WebSocket during the handshake")
            response += chunk
        head, _, self.buffer = response.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(f"WebSocket handshake refused: {head[:200]!r}")

    def send(self, text: str) -> None:
        payload = text.encode("utf-8")
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _read(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the browser closed the WebSocket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def receive(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack(">H", self._read(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(size)
            opcode = first & 0x0F
            if opcode == 0x8:
                raise ConnectionError("the browser closed the WebSocket")
            if opcode in (0x9, 0xA):  # ping / pong: not part of a message
                continue
            message += payload
            if first & 0x80:
                return message.decode("utf-8")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class Browser:
    """Headless Chromium with a fresh profile, and one page driven over the DevTools Protocol."""

    def __init__(self, *extra_args: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="kg-chromium-")
        self.process = subprocess.Popen(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", f"--user-data-dir={self.profile}", "--remote-debugging-address=127.0.0.1",
             "--remote-debugging-port=0", "--window-size=1280,900", *extra_args, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = self._devtools_port()
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events: list[dict] = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Network.enable")

    def _devtools_port(self) -> int:
        marker = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            with contextlib.suppress(OSError, ValueError, IndexError):
                return int(marker.read_text().splitlines()[0])
            time.sleep(0.05)
        raise RuntimeError("chromium did not open its DevTools port")

    def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, seconds: float = WAIT_SECONDS) -> object:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def responses(self) -> list[tuple[str, int]]:
        """(url, status) of every answer the page got so far."""
        self.evaluate("0")  # read the events that arrived meanwhile
        return [(e["params"]["response"]["url"], e["params"]["response"]["status"]) for e in self.events
                if e.get("method") == "Network.responseReceived"]

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        self.ws.close()
        stop(self.process)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page_server(reference_store: Path) -> Iterator[KgServe]:
    server = KgServe(reference_store, "--timeout", "10")
    yield server
    server.close()


@pytest.fixture
def browser() -> Iterator[Browser]:
    opened = Browser()
    yield opened
    opened.close()


def test_a_named_query_runs_from_the_page(page_server: KgServe, browser: Browser, reference_store: Path) -> None:
    browser.call("Page.navigate", url=page_server.url)
    browser.wait_for("document.querySelectorAll('#named option').length > 1")
    names = browser.evaluate("[...document.querySelectorAll('#named option')].map(o => o.value)")
    assert "members" in names  # type: ignore[operator]
    browser.evaluate("""(() => { const s = document.getElementById('named');
        s.value = 'members'; s.dispatchEvent(new Event('change')); })()""")
    assert "SELECT" in str(browser.evaluate("document.getElementById('query').value")).upper()
    browser.evaluate("document.getElementById('run').click()")
    expected = local_rows(reference_store, "members")
    browser.wait_for(f"document.querySelectorAll('#results tbody tr').length === {len(expected)}")
    header = browser.evaluate("[...document.querySelectorAll('#results thead th')].map(th => th.textContent)")
    assert header == ["agreement", "agreementLabel", "member", "memberLabel", "iso3"]
    labels = browser.evaluate("[...document.querySelectorAll('#results tbody tr')].map(tr => tr.cells[3].textContent)")
    assert sorted(labels) == sorted(row["memberLabel"] for row in expected)  # type: ignore[arg-type]
    assert "Albania" in labels  # type: ignore[operator]
    assert "22 rows" in str(browser.evaluate("document.getElementById('status').textContent"))

    # The interactive graph view draws the agreement and its members.
    browser.evaluate("document.getElementById('tab-graph').click()")
    browser.wait_for("document.querySelectorAll('#graph .node').length > 0")
    drawn = browser.evaluate("[...document.querySelectorAll('#graph .node text')].map(t => t.textContent)")
    assert "Albania" in drawn and "global alliance" in drawn  # type: ignore[operator]
    edges = browser.evaluate("document.querySelectorAll('#graph line.edge').length")
    assert edges == len(expected)

    # Offline: every request the page made went to this server.
    urls = [u for u in browser.requested_urls() if not u.startswith(("data:", "about:"))]
    assert urls and all(u.startswith(page_server.url) for u in urls), urls


def test_a_bad_query_shows_the_servers_message(page_server: KgServe, browser: Browser) -> None:
    browser.call("Page.navigate", url=page_server.url)
    browser.wait_for("document.querySelectorAll('#named option').length > 1")
    browser.evaluate("document.getElementById('query').value = 'SELEKT * WHERE { ?s ?p ?o }'")
    browser.evaluate("document.getElementById('run').click()")
    status = browser.wait_for("(() => { const s = document.getElementById('status');"
                              " return s.classList.contains('error') && s.textContent; })()")
    assert "400" in str(status) and "syntax error" in str(status)


def open_page(browser: Browser, url: str) -> None:
    browser.call("Page.navigate", url=url)
    browser.wait_for("document.querySelectorAll('#named option').length > 1")


def run_query(browser: Browser, text: str) -> None:
    browser.evaluate(f"document.getElementById('query').value = {json.dumps(text)}")
    browser.evaluate("document.getElementById('run').click()")


def test_an_error_clears_the_table_of_the_query_before(page_server: KgServe, browser: Browser) -> None:
    open_page(browser, page_server.url)
    run_query(browser, "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5")
    browser.wait_for("document.querySelectorAll('#results tbody tr').length === 5")
    assert browser.evaluate("document.getElementById('download').disabled") is False
    run_query(browser, "SELECT ?s WHERE { ?s ?p ")
    browser.wait_for("document.getElementById('status').classList.contains('error')")
    assert browser.evaluate("document.querySelectorAll('#results tbody tr').length") == 0
    assert browser.evaluate("document.querySelectorAll('#results thead th').length") == 0
    assert browser.evaluate("document.getElementById('download').disabled") is True


def test_only_web_iris_become_links(page_server: KgServe, browser: Browser) -> None:
    open_page(browser, page_server.url)
    run_query(browser, "SELECT ?x WHERE { VALUES ?x { <javascript:alert(document.domain)> <https://example.org/a> "
                       "<data:text/html,hello> <http://example.org/b> <urn:x:c> } }")
    browser.wait_for("document.querySelectorAll('#results tbody tr').length === 5")
    links = browser.evaluate("[...document.querySelectorAll('#results a')].map(a => a.getAttribute('href'))")
    assert sorted(links) == ["http://example.org/b", "https://example.org/a"]  # type: ignore[arg-type]
    cells = browser.evaluate("[...document.querySelectorAll('#results tbody td')].map(td => td.textContent)")
    assert "javascript:alert(document.domain)" in cells  # type: ignore[operator]  # shown, as text
    assert browser.evaluate("document.querySelectorAll('a[href^=\"javascript:\" i], a[href^=\"data:\" i]').length") == 0


def test_the_results_can_be_downloaded(page_server: KgServe, browser: Browser, reference_store: Path,
                                       tmp_path: Path) -> None:
    browser.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(tmp_path))
    open_page(browser, page_server.url)
    browser.evaluate("""(() => { const s = document.getElementById('named');
        s.value = 'members'; s.dispatchEvent(new Event('change')); })()""")
    browser.evaluate("document.getElementById('run').click()")
    expected = local_rows(reference_store, "members")
    browser.wait_for(f"document.querySelectorAll('#results tbody tr').length === {len(expected)}")
    types = browser.evaluate("[...document.getElementById('download-format').options].map(o => o.value)")
    assert types == ["text/csv", "text/tab-separated-values", "application/sparql-results+json",
                     "application/sparql-results+xml"]
    browser.evaluate("document.getElementById('download-format').value = 'text/csv'")
    browser.evaluate("document.getElementById('download').click()")
    target = tmp_path / "results.csv"
    deadline = time.monotonic() + WAIT_SECONDS
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.exists(), list(tmp_path.iterdir())
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    assert sorted(r["memberLabel"] for r in rows) == sorted(r["memberLabel"] for r in expected)


def test_the_page_has_a_favicon_and_no_failed_requests(page_server: KgServe, browser: Browser) -> None:
    open_page(browser, page_server.url)
    icon = browser.evaluate("document.querySelector('link[rel=icon]').href")
    assert icon == page_server.url + "static/favicon.svg"
    assert browser.evaluate("fetch('/favicon.ico').then(r => r.status + ' ' + r.headers.get('content-type'))") == \
        "200 image/svg+xml; charset=utf-8"
    failed = [(url, status) for url, status in browser.responses() if status >= 400]
    assert not failed


def test_a_page_of_another_origin_cannot_query_by_default(page_server: KgServe, browser: Browser) -> None:
    # http://localhost:PORT is another origin than http://127.0.0.1:PORT, the same server.
    other_origin = page_server.url.replace("127.0.0.1", "localhost")
    open_page(browser, other_origin)
    outcome = browser.evaluate(f"""fetch({json.dumps(page_server.sparql)}, {{method: "POST",
        headers: {{"Content-Type": "application/x-www-form-urlencoded"}}, body: "query=ASK%7B%7D"}})
        .then(r => "answered " + r.status, e => "refused: " + e.name)""")
    assert outcome == "refused: TypeError"
    same = browser.evaluate("""fetch('/sparql', {method: "POST", headers: {"Content-Type":
        "application/x-www-form-urlencoded", Accept: "application/sparql-results+json"}, body: "query=ASK%7B%7D"})
        .then(r => r.json()).then(d => d.boolean)""")
    assert same is True


def test_a_dns_rebinding_page_is_refused(page_server: KgServe) -> None:
    port = urllib.parse.urlsplit(page_server.url).port
    rebinding = Browser("--host-resolver-rules=MAP rebinding.example 127.0.0.1")
    try:
        rebinding.call("Page.navigate", url=f"http://rebinding.example:{port}/")
        text = rebinding.wait_for("document.readyState === 'complete' && document.body && document.body.innerText")
        assert "is not this server" in str(text) and "--allow-host rebinding.example" in str(text)
        assert ("http://rebinding.example:%d/" % port, 403) in rebinding.responses()
    finally:
        rebinding.close()
