"""The web page of ``kg serve`` in a real headless Chromium: run a named query, see its rows.

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

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="kg-chromium-")
        self.process = subprocess.Popen(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", f"--user-data-dir={self.profile}", "--remote-debugging-address=127.0.0.1",
             "--remote-debugging-port=0", "--window-size=1280,900", "about:blank"],
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
