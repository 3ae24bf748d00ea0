"""The interactive HTML page in a real browser: Debian's headless Chromium, driven over the Chrome
DevTools Protocol (a websocket, ``websocket-client``).

The page is written by ``kg export -f html`` from the reference store, opened from a file://
URL with no network, and checked as a user would: the graph is drawn with every node on screen
(and the node colours are on the screenshot), typing "Holder" in the search box lists Eric
Holder, clicking the result and clicking a node on the canvas show their roles and source
sentences. A second page whose labels hold ``</script><script>alert(1)</script>`` must show
them as text and run nothing. Any console error, uncaught exception or dialog fails the test.
Skips (saying why) only when no ``chromium`` is installed.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from test_graph_views import HOLDER, store_from_facts, two_article_facts, view

from kg.cli import main

CHROMIUM = os.environ.get("KG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")

EVIL = "</script><script>alert(1)</script>"
WIDTH, HEIGHT = 1400, 900


class Browser:
    """A headless Chromium and one page, over the DevTools protocol (flattened sessions)."""

    def __init__(self, profile: Path) -> None:
        import websocket  # websocket-client

        self.process = subprocess.Popen(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                "--remote-debugging-port=0", f"--window-size={WIDTH},{HEIGHT}", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"chromium did not start (exit code {self.process.poll()})")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.socket = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session=True)

    def call(self, method: str, params: dict | None = None, *, session: bool = False) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._event(reply)

    def _event(self, event: dict) -> None:
        self.events.append(event)
        if event.get("method") == "Page.javascriptDialogOpening":  # never leave a dialog blocking the page
            self.socket.send(json.dumps({"id": 10**9 + len(self.events), "method": "Page.handleJavaScriptDialog",
                                         "params": {"accept": False}, "sessionId": self.session}))

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                           session=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def open(self, url: str) -> None:
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("document.readyState === 'complete' && !!(window.kgViewer && window.kgViewer.ready)")

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent",
                      {"type": kind, "x": x, "y": y, "button": "left" if kind != "mouseMoved" else "none", "clickCount": 1},
                      session=True)

    def click_element(self, selector: str) -> None:
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        self.click(*box)  # type: ignore[misc]

    def type(self, selector: str, text: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", {"text": text}, session=True)

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"])
        path.write_bytes(data)
        return data

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, error log entries and dialogs seen so far."""
        self.evaluate("1")  # drain pending events
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                found.append("exception: " + json.dumps(params["exceptionDetails"])[:500])
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append("log: " + params["entry"]["text"])
            elif method == "Page.javascriptDialogOpening":
                found.append("dialog: " + params.get("message", ""))
        return found

    def close(self) -> None:
        socket = getattr(self, "socket", None)
        if socket is not None:
            socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    profile = Path(tempfile.mkdtemp(prefix="kg-chromium-"))
    opened = Browser(profile)
    try:
        yield opened
    finally:
        opened.close()
        shutil.rmtree(profile, ignore_errors=True)


def export_html(store: Path, target: Path, *args: str) -> Path:
    assert main(["export", "--store", str(store), "-f", "html", "-o", str(target), *args]) == 0
    return target


def test_reference_graph_in_chromium(reference_store: Path, tmp_path: Path, browser: Browser) -> None:
    page = export_html(reference_store, tmp_path / "reference.html")
    browser.events.clear()
    browser.open(page.as_uri())

    # drawn: every node inside the canvas, and the node colours on the screenshot
    assert browser.evaluate("kgViewer.cy.nodes().length") == 34
    assert browser.evaluate("kgViewer.cy.edges().length") == 36
    assert browser.evaluate("kgViewer.visibleNodeCount()") == 34
    shot = browser.screenshot(tmp_path / "viewer.png")
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    colours = set(image.crop((0, 0, WIDTH - 360, HEIGHT)).getdata())
    for hex_colour in ("#59a14f", "#e15759", "#f28e2b"):  # countries, persons, the agreement
        assert tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)) in colours, hex_colour

    # search "Holder" by typing, then click the result
    browser.type("#kg-search", "Holder")
    browser.wait_for("document.querySelectorAll('#kg-results button').length > 0")
    results = browser.evaluate("[...document.querySelectorAll('#kg-results button')].map(b => b.textContent)")
    assert results == ["Eric Holder", "agreement a year ago between Holder and Malmstroem"]
    matched = browser.evaluate("kgViewer.cy.nodes('.match').map(n => n.id())")
    assert HOLDER in matched and len(matched) == 2
    browser.click_element("#kg-results button")
    browser.wait_for("document.querySelector('#kg-details h2') && document.querySelector('#kg-details h2').textContent === 'Eric Holder'")
    details = browser.evaluate("document.getElementById('kg-details').textContent")
    assert "attorney general (United States)" in details
    assert "holds_post_in → United States" in details
    assert "US Attorney General Eric Holder (L) and EU home affairs commissioner" in details
    assert browser.evaluate("kgViewer.cy.$(':selected').map(n => n.id())") == [HOLDER]

    # click a node on the canvas itself
    browser.wait_for("!kgViewer.cy.animated()")
    x, y = browser.evaluate(
        "(() => { const p = kgViewer.cy.getElementById('https://w3id.org/kgnews/id/country/USA').renderedPosition();"
        " const r = document.getElementById('kg-graph').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; })()"
    )
    browser.click(x, y)
    browser.wait_for("document.querySelector('#kg-details h2').textContent === 'United States'")
    assert "member_of → global alliance" in browser.evaluate("document.getElementById('kg-details').textContent")
    browser.screenshot(tmp_path / "viewer-selected.png")
    assert browser.problems() == []


def test_hostile_labels_are_shown_as_text_and_never_run(tmp_path: Path, browser: Browser) -> None:
    facts = two_article_facts()
    person = facts[0].actors["person:asa lindqvist"]
    person.name = f"{EVIL} <img src=x onerror=alert(2)>"
    facts[1].actors["person:asa lindqvist"].name = person.name
    quote = facts[0].quotes[0]
    store = store_from_facts(tmp_path / "store", facts)
    page = export_html(store, tmp_path / "hostile.html", "--title", EVIL)
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text
    browser.events.clear()
    browser.open(page.as_uri())
    assert browser.evaluate("document.title") == EVIL
    assert browser.evaluate("document.getElementById('kg-title').textContent") == EVIL
    browser.type("#kg-search", "alert(1)")
    browser.wait_for("document.querySelectorAll('#kg-results button').length > 0")
    browser.click_element("#kg-results button")
    browser.wait_for("!!document.querySelector('#kg-details h2')")
    assert browser.evaluate("document.querySelector('#kg-details h2').textContent") == person.name
    assert quote.text in browser.evaluate("document.getElementById('kg-details').textContent")
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert browser.evaluate("document.querySelectorAll('script').length") == 3
    browser.screenshot(tmp_path / "hostile.png")
    assert browser.problems() == []


# --- a corpus-sized export ----------------------------------------------------------------------------------

CORPUS_ARTICLES = 350
QUOTES_PER_ARTICLE = 7


def corpus_facts(articles: int = CORPUS_ARTICLES) -> list:
    """A synthetic news corpus shaped like the BBC politics store: about 3,300 nodes in the
    actors view, two thirds of them quotations; people drawn from a pool of 700 (some named
    once and never linked), 120 countries, 150 organisations and 80 agreements."""
    import datetime as dt
    import random

    from kg.extraction.facts import COUNTRY, MEMBER, ORGANISATION, PERSON, Actor, Agreement, ArticleFacts, Evidence, Membership, Post, Quote
    from kg.reading.article import Article

    rng = random.Random(17)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    people = [f"{first} {last}" for first in ("Ana", "Ben", "Cai", "Dora", "Eli", "Finn", "Gia", "Hugo", "Iris", "Jon")
              for last in (f"Varn{n}" for n in range(70))]
    facts = []
    for number in range(articles):
        countries = rng.sample(range(120), 3)
        persons = [people[min(int(rng.paretovariate(0.9)) - 1, len(people) - 1) if rng.random() < 0.5
                          else rng.randrange(len(people))] for _ in range(3)]
        persons = list(dict.fromkeys(persons))
        org = rng.randrange(150)
        pact = rng.randrange(80)
        codes = [letters[c // 26 % 26] + letters[c % 26] + "X" for c in countries]
        sentences = [f"{', '.join(codes)} joined the Pact {pact} on Monday.",
                     f"{persons[0]}, minister at Office {org}, led the talks."]
        quotes = [f"We will keep promise {q} of story {number}" for q in range(QUOTES_PER_ARTICLE)]
        sentences += [f'"{quote}," {persons[q % len(persons)]} said.' for q, quote in enumerate(quotes)]
        text = " ".join(sentences)
        evidence = [Evidence(text.index(s), text.index(s) + len(s), s) for s in sentences]
        actors = {f"country:{code}": Actor(f"country:{code}", COUNTRY, f"Land {code}", iso3=code, evidence=[evidence[0]])
                  for code in codes}
        actors[f"org:{org}"] = Actor(f"org:{org}", ORGANISATION, f"Office {org}", org_type="ministry", evidence=[evidence[1]])
        for person in persons:
            actors[f"person:{person.lower()}"] = Actor(f"person:{person.lower()}", PERSON, person, {person.split()[1]},
                                                       evidence=[evidence[1]])
        article = Article(source=f"corpus/{number}.txt", text=text, title=f"Story {number}",
                          date=dt.date(2005, 1, 1) + dt.timedelta(days=number), publisher="Wire",
                          url=f"https://news.example.org/story/{number}")
        facts.append(ArticleFacts(
            article=article,
            actors=actors,
            posts=[Post(f"person:{persons[0].lower()}", "minister", f"org:{org}", evidence[1])],
            agreements=[Agreement("agreement:pact", f"Pact {pact}", "pact", named=True, evidence=[evidence[0]])],
            memberships=[Membership("agreement:pact", f"country:{code}", MEMBER, evidence[0]) for code in codes],
            quotes=[Quote(quote, f"person:{persons[q % len(persons)].lower()}", text.index(quote),
                          text.index(quote) + len(quote), evidence[2 + q]) for q, quote in enumerate(quotes)],
            sentences=evidence,
        ))
    return facts


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_from_facts(tmp_path_factory.mktemp("corpus") / "store", corpus_facts())


def test_corpus_sized_export_starts_readable_in_chromium(corpus_store: Path, tmp_path: Path, browser: Browser) -> None:
    page = export_html(corpus_store, tmp_path / "corpus.html")
    data = json.loads(page.read_text(encoding="utf-8").split('id="kg-data">', 1)[1].split("</script>", 1)[0])
    quotes = sum(1 for n in data["nodes"] if n["kind"] == "quote")
    assert len(data["nodes"]) > 3000 and quotes > 2000 and data["start"] == {"quotes": False, "isolated": False}
    browser.events.clear()
    browser.open(page.as_uri())

    # to start with: no quotation and no isolated node drawn, and everything drawn fits the canvas
    shown = browser.evaluate("kgViewer.cy.nodes().not('.hidden').length")
    assert shown == sum(1 for n in data["nodes"] if n["kind"] != "quote" and n["isolated"] == 0)
    assert shown < len(data["nodes"]) / 2
    assert browser.evaluate("kgViewer.cy.nodes('[kind = \"quote\"]').not('.hidden').length") == 0
    assert browser.evaluate("kgViewer.visibleNodeCount()") == shown
    assert f"{shown:,} nodes shown" in browser.evaluate("document.getElementById('kg-summary').textContent")
    assert "quotations folded into their speakers" in browser.evaluate("document.getElementById('kg-notes').textContent")
    shot = browser.screenshot(tmp_path / "corpus.png")
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    canvas = image.crop((0, 0, WIDTH - 360, HEIGHT))
    colours = set(canvas.getdata())
    for hex_colour in ("#59a14f", "#e15759", "#f28e2b", "#4e79a7"):  # countries, persons, agreements, organisations
        assert tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)) in colours, hex_colour
    quote_rgb = tuple(int("#9c755f"[i : i + 2], 16) for i in (1, 3, 5))
    assert quote_rgb not in colours  # no quotation drawn
    background = canvas.getpixel((2, 2))
    drawn = sum(1 for pixel in canvas.getdata() if pixel != background)
    assert drawn > 0.05 * canvas.width * canvas.height  # the graph fills the canvas, not a dot in a corner

    # a speaker's panel counts its quotations; ticking the box draws them
    speaker = next(n for n in data["nodes"] if any(k == "quotations" for k, _v in n["attributes"]))
    assert browser.evaluate(f"kgViewer.select({json.dumps(speaker['id'])})")
    assert "quotations" in browser.evaluate("document.getElementById('kg-details').textContent")
    browser.click_element("#kg-show-quotes")
    browser.wait_for("kgViewer.cy.nodes('[kind = \"quote\"]').not('.hidden').length > 2000")
    browser.click_element("#kg-show-isolated")
    browser.wait_for(f"kgViewer.cy.nodes().not('.hidden').length === {len(data['nodes'])}")
    browser.screenshot(tmp_path / "corpus-everything.png")
    assert browser.problems() == []


def test_export_view_options_cut_the_corpus(corpus_store: Path, tmp_path: Path, capsys) -> None:
    """--kinds, --min-degree and --top (the nodes kg analyse --top lists) and --fold-quotes."""
    from kg.graph.analysis import analyse

    full = view(corpus_store)
    target = tmp_path / "top.json"
    assert main(["export", "--store", str(corpus_store), "-o", str(target), "--kinds", "person,country", "--top", "25"]) == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    ranked = analyse(full, measures=("pagerank",), communities="none").ranked(by="pagerank", kinds=["person", "country"], top=25)
    assert [n["id"] for n in document["nodes"]] != [] and {n["id"] for n in document["nodes"]} == set(ranked)
    assert document["graph"]["focus"] == "kinds person, country; top 25 by PageRank"
    code = main(["analyse", "--store", str(corpus_store), "--kinds", "person,country", "--top", "25", "-f", "csv"])
    listed = capsys.readouterr().out.splitlines()[1:]
    assert code == 0 and {row.split(",")[1] for row in listed} == {full.nodes[n]["label"] for n in ranked}
    assert main(["export", "--store", str(corpus_store), "-o", str(target), "--min-degree", "5", "--fold-quotes"]) == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    from kg.graph.analysis import simple_graph

    degree = simple_graph(full).degree
    assert {n["id"] for n in document["nodes"]} == {n for n in full if degree(n) >= 5 and full.nodes[n]["kind"] != "quote"}
    assert any(n.get("quotations", 0) > 0 and "We will keep promise" in n["quoted"] for n in document["nodes"])
    capsys.readouterr()
    assert main(["export", "--store", str(corpus_store), "-f", "gexf", "--kinds", "persn"]) == 2
    err = capsys.readouterr().err
    assert "has no node of the kinds persn; it has: agreement, country, organisation, person, quote" in err
