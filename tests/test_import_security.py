"""Parsers never fetch, never resolve external entities, and never blow up: RDF and HTML.

A real HTTP server on 127.0.0.1 serves everything a parser might be tempted to load (a DTD, a
JSON-LD context, an entity's content, images and scripts of an article page) and counts the
requests; a secret file stands for what an external entity would leak. Every test asserts
the server saw no request and the secret reached neither the store nor the messages. Inputs
that would make a parser use unbounded memory or time (entity expansion, deep nesting) are
refused quickly with one line; the deep JSON-LD case runs ``kg import`` in a subprocess,
because the engine's JSON-LD parser overflows the C stack at a few thousand levels and would
take the test process down with it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kg.cli import main
from kg.importer import ENTITY_EXPANSION_LIMIT, MAX_JSON_DEPTH, MAX_XML_DEPTH
from kg.store import Store

SECRET = "TOP-SECRET-7f3a9c"
RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"'


class Bait:
    """An HTTP server on a free loopback port that serves bait and records every request."""

    def __init__(self) -> None:
        requests: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                requests.append(self.path)
                if self.path.endswith(".jsonld"):
                    body, kind = json.dumps({"@context": {"name": "http://example.org/name"}}), "application/ld+json"
                elif self.path.endswith(".dtd"):
                    body, kind = f'<!ENTITY leak "{SECRET}">', "application/xml-dtd"
                else:
                    body, kind = SECRET, "text/plain"
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.requests = requests
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Bait:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bait() -> Iterator[Bait]:
    with Bait() as server:
        yield server


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def kg_import(path: Path, store: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["import", str(path), "--store", str(store), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def store_text(store: Path) -> str:
    if not store.exists():
        return ""
    with Store.open(store, read_only=True) as s:
        return " ".join(str(term) for quad in s.quads() for term in quad)


def assert_nothing_leaked(bait: Bait, store: Path, *outputs: str) -> None:
    assert bait.requests == [], f"a parser fetched {bait.requests}"
    assert SECRET not in store_text(store)
    for text in outputs:
        assert SECRET not in text


# --- RDF/XML ----------------------------------------------------------------------------------


def rdfxml(doctype: str, value: str) -> str:
    return (f'<?xml version="1.0"?>\n{doctype}\n<rdf:RDF {RDF_NS}>\n'
            f'<rdf:Description rdf:about="http://example.org/a"><ex:p>{value}</ex:p></rdf:Description>\n</rdf:RDF>\n')  # fmt: skip


@pytest.mark.parametrize(
    "doctype, value, problem",
    [("<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM '{secret_uri}'>]>", "&xxe;", "external entity"),
     ('<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "{url}/entity.txt">]>', "&xxe;", "external entity"),
     ('<!DOCTYPE rdf:RDF [<!ENTITY xxe PUBLIC "-//kg//x" "{url}/entity.txt">]>', "&xxe;", "external entity"),
     ('<!DOCTYPE rdf:RDF [<!ENTITY % dtd SYSTEM "{url}/evil.dtd"> %dtd;]>', "&leak;", "parameter entity")],
    ids=["file", "http", "public", "parameter"],
)  # fmt: skip
def test_rdfxml_external_entities_are_refused_unread(
    doctype: str, value: str, problem: str, bait: Bait, secret: Path, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "xxe.rdf"
    path.write_text(rdfxml(doctype.format(secret_uri=secret.as_uri(), url=bait.url), value))
    store = tmp_path / "store"
    code, out, err = kg_import(path, store, capsys)
    assert code == 1
    assert err.startswith(f"error: {path}: ") and problem in err and err.count("\n") == 1, err
    assert_nothing_leaked(bait, store, out, err)


def test_rdfxml_external_dtd_is_not_fetched(bait: Bait, tmp_path: Path, capsys) -> None:
    path = tmp_path / "dtd.rdf"
    path.write_text(rdfxml(f'<!DOCTYPE rdf:RDF SYSTEM "{bait.url}/evil.dtd">', "plain value"))
    store = tmp_path / "store"
    code, out, err = kg_import(path, store, capsys)
    assert code == 0, err  # the DTD is ignored, the RDF is read
    assert "plain value" in store_text(store)
    assert_nothing_leaked(bait, store, out, err)


def test_rdfxml_internal_entities_still_work(tmp_path: Path, capsys) -> None:
    path = tmp_path / "protege.owl"
    doctype = '<!DOCTYPE rdf:RDF [<!ENTITY ex "http://example.org/"><!ENTITY name "Blue &amp; Green">]>'
    path.write_text(rdfxml(doctype, "&name;").replace('rdf:about="http://example.org/a"', 'rdf:about="&ex;b"'))
    store = tmp_path / "store"
    code, out, err = kg_import(path, store, capsys)
    assert code == 0, err
    assert "http://example.org/b http://example.org/p Blue & Green" in store_text(store)


@pytest.mark.parametrize("shape", ["billion-laughs", "quadratic"])
def test_rdfxml_entity_expansion_bombs_are_refused_quickly(shape: str, tmp_path: Path, capsys) -> None:
    if shape == "billion-laughs":  # 10 levels of 10 references: 3 * 10^9 characters from 1 KB
        entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
        value = "&l9;"
    else:  # one 100 KB entity referenced 20,000 times: 2 GB from 200 KB
        entities = f'<!ENTITY big "{"x" * 100_000}">'
        value = "&big;" * 20_000
    path = tmp_path / f"{shape}.rdf"
    path.write_text(rdfxml(f"<!DOCTYPE rdf:RDF [{entities}]>", value))
    started = time.monotonic()
    code, out, err = kg_import(path, tmp_path / "store", capsys)
    assert time.monotonic() - started < 10, "the bomb was (partly) expanded"
    assert code == 1
    assert err.startswith(f"error: {path}: the XML's entities would expand to"), err
    assert ENTITY_EXPANSION_LIMIT < 10**9


def test_rdfxml_recursive_entity_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "loop.rdf"
    path.write_text(rdfxml('<!DOCTYPE rdf:RDF [<!ENTITY a "&b;"><!ENTITY b "&a;">]>', "&a;"))
    code, out, err = kg_import(path, tmp_path / "store", capsys)
    assert code == 1 and "refers to itself" in err, err


def test_rdfxml_nested_too_deeply_is_refused_quickly(tmp_path: Path, capsys) -> None:
    depth = 100_000  # the parser needs minutes for this (its time grows with depth squared)
    body = "<rdf:Description><ex:p>" * depth + "</ex:p></rdf:Description>" * depth
    path = tmp_path / "deep.rdf"
    path.write_text(f"<rdf:RDF {RDF_NS}>{body}</rdf:RDF>")
    started = time.monotonic()
    code, out, err = kg_import(path, tmp_path / "store", capsys)
    assert time.monotonic() - started < 20
    assert code == 1
    assert err == f"error: {path}: XML elements are nested too deeply (more than {MAX_XML_DEPTH:,} levels)\n"


# --- JSON-LD ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [{"@context": "{url}/context.jsonld", "@id": "http://example.org/a", "name": "x"},
     {"@context": ["{url}/context.jsonld", {"ex": "http://example.org/"}], "@id": "ex:a", "ex:p": "x"},
     {"@context": {"@import": "{url}/context.jsonld"}, "@id": "http://example.org/a", "name": "x"},
     {"@id": "http://example.org/a", "http://example.org/p": {"@context": "{url}/nested.jsonld", "name": "x"}}],
    ids=["string", "array", "import", "nested"],
)  # fmt: skip
def test_jsonld_remote_contexts_are_not_fetched(document: dict, bait: Bait, tmp_path: Path, capsys) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text(json.dumps(document).replace("{url}", bait.url))
    store = tmp_path / "store"
    code, out, err = kg_import(path, store, capsys)
    assert code == 1
    assert err.startswith(f"error: {path}: ") and "context" in err.lower() and err.count("\n") == 1, err
    assert_nothing_leaked(bait, store, out, err)


def test_jsonld_inline_contexts_work(tmp_path: Path, capsys) -> None:
    path = tmp_path / "inline.jsonld"
    path.write_text(json.dumps({"@context": {"@vocab": "http://example.org/"},
                                "@graph": [{"@id": "http://example.org/a", "name": 'quote " and </script>'}]}))  # fmt: skip
    store = tmp_path / "store"
    code, out, err = kg_import(path, store, capsys)
    assert code == 0, err
    assert 'quote " and </script>' in store_text(store)


@pytest.mark.parametrize("depth, kind", [(MAX_JSON_DEPTH + 1, "objects"), (5_000, "objects"), (60_000, "arrays")])
def test_deep_jsonld_is_refused_without_crashing_the_process(depth: int, kind: str, tmp_path: Path, run_kg) -> None:
    if kind == "objects":
        body = '{"http://example.org/p": ' * depth + '"x"' + "}" * depth
    else:
        body = '{"http://example.org/p": ' + "[" * depth + '"x"' + "]" * depth + "}"
    path = tmp_path / "deep.jsonld"
    path.write_text('{"@id": "http://example.org/a", "http://example.org/q": ' + body + "}")
    good = tmp_path / "good.nt"
    good.write_text("<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n")
    code, out, err = run_kg("import", path, good, "--store", tmp_path / "store")
    assert code == 1, "a crash (signal) or a silent success"
    assert err.startswith(f"error: {path}: JSON nested too deeply") and err.count("\n") == 1, err
    assert "Imported 1 file(s), 1 failed" in out, "the file after it was still imported"


def test_json_depth_counts_brackets_outside_strings_only(tmp_path: Path, capsys) -> None:
    path = tmp_path / "strings.jsonld"
    text = "[{" * 5_000  # brackets inside a string do not nest anything
    path.write_text(json.dumps({"@id": "http://example.org/a", "http://example.org/p": text, "http://example.org/q": 'a \\" [['}))
    code, out, err = kg_import(path, tmp_path / "store", capsys)
    assert code == 0, err


# --- HTML articles ------------------------------------------------------------------------------


def test_html_article_loads_nothing_it_names(bait: Bait, secret: Path, tmp_path: Path, capsys) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        f"""<!DOCTYPE html [<!ENTITY xxe SYSTEM "{secret.as_uri()}"><!ENTITY net SYSTEM "{bait.url}/entity.txt">]>
        <html><head><link rel="stylesheet" href="{bait.url}/style.css"><script src="{bait.url}/app.js"></script>
        <meta http-equiv="refresh" content="0; url={bait.url}/refresh"><base href="{bait.url}/">
        <link rel="canonical" href="https://news.example.org/pact"></head>
        <body><article><img src="{bait.url}/img.png"><iframe src="{bait.url}/frame.html"></iframe>
        <object data="{bait.url}/object.swf"></object><svg><image href="{bait.url}/svg.png"/></svg>
        <p>Chile and Peru signed a fisheries pact in Lima on Tuesday, the government said. &xxe; &net;</p>
        <p>Both countries will share data on the fish stocks of the Humboldt Current.</p>
        </article></body></html>""",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    code = main(["build", "--jobs", "1", "--store", str(store), str(page)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Chile" in store_text(store)
    assert_nothing_leaked(bait, store, captured.out, captured.err)
