"""Every kind of bad article input in one real ``kg build`` run, as a user would meet them.

The issue's list — arbitrary bytes, a 100 MB file, a 1 MB single line, deeply nested HTML,
invalid UTF-8, mixed encodings, empty and whitespace-only articles, articles in another
language, a ``.jsonl`` with a broken line in the middle — goes into one batch with good
articles, against a store that already holds an article. What must hold: one line on stderr
per problem naming the file (and line), no traceback, exit code 1, every good article built,
and the store unchanged for everything that failed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.rdf import iris
from kg.reading.sources import read_file
from kg.store import LOCK_FILE, Store

ARTICLES = Path(__file__).resolve().parent / "articles"
GOOD = ARTICLES / "arctic_maritime_treaty_2015.txt"
EARLIER = ARTICLES / "amazon_forest_accord_2021.txt"
ENGLISH = (
    "Foreign ministers of Chile and Peru signed a fisheries treaty in Lima on Tuesday, the "
    'government said. "We will protect the ocean together," said Foreign Minister Ana Rojas.\n\n'
)
FRENCH = (
    "Les ministres des affaires étrangères de la France et de l'Allemagne ont signé mercredi un accord de "
    "coopération. Selon le communiqué publié par le gouvernement, les deux pays s'engagent à investir "
    "plusieurs milliards d'euros dans les réseaux électriques. "
)
CHINESE = "法国和德国外交部长周三在巴黎签署了一项能源领域合作协议。"
MB = 1024 * 1024

# name → (content as bytes or a callable writing the file, [(line or None, words naming the problem)])
BAD: dict[str, tuple[object, list[tuple[int | None, tuple[str, ...]]]]] = {
    "huge.txt": ("huge-text", [(None, ("too large",))]),
    "huge.jsonl": ("huge-jsonl", [(1, ("too long",))]),
    "one-line.txt": ((ENGLISH.replace("\n", " ") * (MB // len(ENGLISH) + 1)).encode()[:MB], [(None, ("too long",))]),
    "deep.html": (("<p>x</p>" + "<div>" * 100_000 + "deep" + "</div>" * 100_000).encode(), [(None, ("nested too deeply",))]),
    "invalid-utf8.txt": (ENGLISH.encode()[:60] + b"\xff\xfe" + ENGLISH.encode()[60:], [(None, ("utf-8", "byte 60"))]),
    "mixed-encodings.md": ("Caf\u00e9 talks. ".encode() + "Caf\u00e9 talks in Z\u00fcrich.".encode("latin-1"), [(None, ("utf-8",))]),
    "empty.txt": (b"", [(None, ("empty",))]),
    "whitespace.md": (" \t\r\n\u00a0\u3000\u2028\n\n".encode(), [(None, ("empty",))]),
    "invisible.txt": ("\ufeff\u200b\u2060 \u200d\n".encode(), [(None, ("no article text", "invisible"))]),
    "french.txt": ((FRENCH * 3).encode(), [(None, ("not english",))]),
    "chinese.html": (f"<html><body><article><p>{CHINESE * 5}</p></article></body></html>".encode(),
                     [(None, ("not english",))]),
    "broken-middle.jsonl": ((json.dumps({"text": ENGLISH, "title": "Line one"}) + "\n"
                             + '{"text": "the record breaks off here\n'
                             + json.dumps({"text": ENGLISH.replace("Lima", "Santiago"), "title": "Line three"}) + "\n"
                             ).encode(), [(2, ("json",))]),
    "binary.dat": (bytes(range(256)) * 64, [(None, ("binary",))]),
    "missing.txt": (None, [(None, ("not found",))]),
}  # fmt: skip


def write_bad(folder: Path, name: str) -> Path:
    content = BAD[name][0]
    path = folder / name
    if content is None:
        return path
    if content == "huge-text":  # 100 MB of real text, not a sparse file
        block = (ENGLISH * (MB // len(ENGLISH) + 1)).encode()[:MB]
        with path.open("wb") as f:
            for _ in range(100):
                f.write(block)
    elif content == "huge-jsonl":  # one 100 MB record, then a good one
        with path.open("wb") as f:
            f.write(b'{"text": "')
            block = (ENGLISH.replace("\n", " ") * (MB // len(ENGLISH) + 1)).encode()[:MB]
            for _ in range(100):
                f.write(block)
            f.write(b'"}\n')
            f.write(json.dumps({"text": ENGLISH.replace("Lima", "Quito"), "title": "After the huge line"}).encode() + b"\n")
    else:
        path.write_bytes(content)  # type: ignore[arg-type]
    return path


@pytest.fixture(scope="module")
def earlier_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kg.cli import main

    path = tmp_path_factory.mktemp("bad-input") / "store"
    assert main(["build", "--quiet", "--jobs", "1", "--store", str(path), str(EARLIER)]) == 0
    return path


def test_every_bad_input_in_one_build(earlier_store: Path, copy_store, tmp_path: Path, run_kg) -> None:
    store = copy_store(earlier_store)
    with Store.open(store, read_only=True) as s:
        before = set(s.quads())
        graphs_before = set(s.graphs())
    inputs = [write_bad(tmp_path, name) for name in BAD]
    code, out, err = run_kg("build", "--store", store, *inputs, GOOD)
    assert code == 1, out + err
    assert "Traceback" not in out + err and "internal error" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    expected = 0
    for path in inputs:
        for line, words in BAD[path.name][1]:
            expected += 1
            where = f"{path}:{line}:" if line is not None else f"{path}:"
            named = [message for message in lines if where in message]
            assert len(named) == 1, f"expected one line naming {where} in:\n{err}"
            assert all(word in named[0].lower() for word in words), named[0]
    assert len(lines) == expected, err  # nothing else on stderr: no warnings, no progress noise
    with Store.open(store, read_only=True) as s:
        graphs = set(s.graphs())
        earlier_graph = iris.graph_iri(read_file(EARLIER)[0])
        # the earlier article is untouched, quad for quad
        assert {q for q in s.quads() if q[3] == earlier_graph} == {q for q in before if q[3] == earlier_graph}
        new = graphs - graphs_before
    # built: the good article, lines 1 and 3 of broken-middle.jsonl, line 2 of huge.jsonl — nothing else
    assert len(new) == 4, new
    assert iris.graph_iri(read_file(GOOD)[0]) in new
    assert not (store / LOCK_FILE).exists()
    assert f"Built 4 article(s), 0 unchanged, {expected} failed" in out, out


def test_bad_input_with_debug_still_prints_one_line_per_problem(tmp_path: Path, capsys) -> None:
    from kg.cli import main

    inputs = [write_bad(tmp_path, name) for name in ("invalid-utf8.txt", "french.txt", "deep.html")]
    code = main(["--debug", "build", "--jobs", "1", "--store", str(tmp_path / "store"), *map(str, inputs)])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.err, "bad input is not a bug: --debug has no traceback to show"
    assert len([line for line in captured.err.splitlines() if line.startswith("error: ")]) == 3, captured.err
