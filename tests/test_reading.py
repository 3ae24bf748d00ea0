"""Reading article sources into Article records (kg.reading)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import InputError
from kg.reading.article import Article
from kg.reading.sources import (
    MAX_FILE_BYTES,
    default_article_path,
    iter_articles,
    read_file,
)
from kg.reading.text import clean_body, normalize_text, parse_date, parse_date_line

FIXTURES = Path(__file__).parent / "fixtures" / "reading"


def read_all(*paths: str | os.PathLike[str]) -> list[Article | InputError]:
    return list(iter_articles(paths))


def only_article(path: str | os.PathLike[str]) -> Article:
    items = read_all(path)
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


def only_error(path: str | os.PathLike[str]) -> InputError:
    items = read_all(path)
    assert len(items) == 1 and isinstance(items[0], InputError), items
    return items[0]


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- the reference article ----------------------------------------------------------------


def test_reference_article_metadata_and_body() -> None:
    [article] = read_file(default_article_path())
    assert article.title == "EU, US in 'global alliance' to hit web child sex"
    assert article.date == dt.date(2012, 12, 5)
    assert article.publisher == "AFP"
    assert article.url == "https://phys.org/news/2012-12-eu-global-alliance-web-child.html"
    assert article.retrieved == dt.date(2024, 4, 26)
    text = article.text
    assert text.startswith("US Attorney General Eric Holder")
    assert text.endswith("grows by 10 percent annually.")
    for metadata in ("Citation", "(c) 2012 AFP", "subject to copyright", "](#)", "## ", "---"):
        assert metadata not in text
    assert "combating child sexual abuse online" in text
    assert "child sexual abuse online" in text
    assert text == normalize_text(text)


def test_reference_article_is_read_the_same_twice() -> None:
    first, second = read_file(default_article_path()), read_file(default_article_path())
    assert first == second
    assert first[0].content_hash == second[0].content_hash


# --- wire format and plain text -------------------------------------------------------------

WIRE_CASES = {
    "plain text": (
        "One paragraph\nwrapped.\n\nAnother.",
        dict(title=None, date=None, publisher=None),
        "One paragraph wrapped.\n\nAnother.",
    ),
    "markdown heading": (
        "# A *title*\n\nBody text.",
        dict(title="A title", date=None),
        "Body text.",
    ),
    "header without rule": (
        "## Title here\n5 December 2012\n\nBody text.",
        dict(title="Title here", date=dt.date(2012, 12, 5)),
        "Body text.",
    ),
    "abbreviated date": (
        "## T\n\nDec. 5, 2012\n\n---\n\nBody.",
        dict(title="T", date=dt.date(2012, 12, 5)),
        "Body.",
    ),
    "iso date": ("## T\n2012-12-05\n---\nBody.", dict(date=dt.date(2012, 12, 5)), "Body."),
    "heading then ordinary line": (
        "## T\nNot a date line.\n\nMore.",
        dict(title="T", date=None),
        "Not a date line.\n\nMore.",
    ),
    "dateline kept": (
        "## T\nDecember 5 2012\n---\nBRUSSELS, Dec 5 (Reuters) - The EU agreed.",
        dict(date=dt.date(2012, 12, 5)),
        "BRUSSELS, Dec 5 (Reuters) - The EU agreed.",
    ),
    "copyright sign and bare url": (
        "Body text.\n\n© 2013 Reuters. All rights reserved.\n\nCitation: Some title "
        "(2013, March 2) retrieved 3 April 2024 from https://example.org/a.",
        dict(
            title="Some title",
            date=dt.date(2013, 3, 2),
            publisher="Reuters",
            url="https://example.org/a",
            retrieved=dt.date(2024, 4, 3),
        ),
        "Body text.",
    ),
    "trailer in the last paragraph": (
        "Body text.\n(c) 2012 AFP\nCitation: X (2012, December 5) retrieved 26 April 2024 "
        "from <https://example.org/x>",
        dict(publisher="AFP", url="https://example.org/x", retrieved=dt.date(2024, 4, 26)),
        "Body text.",
    ),
    "list item (c) is body text": (
        "The parties agree that:\n\n(c) the fund shall be reviewed.",
        dict(publisher=None),
        "The parties agree that:\n\n(c) the fund shall be reviewed.",
    ),
    "crlf and bom": (
        "\ufeff## T\r\nDecember 5 2012\r\n---\r\nLine one\r\nline two\r\n\r\nNext.\r\n",
        dict(title="T"),
        "Line one line two\n\nNext.",
    ),
}


@pytest.mark.parametrize("content, fields, text", WIRE_CASES.values(), ids=WIRE_CASES.keys())
def test_wire_format(tmp_path: Path, content: str, fields: dict, text: str) -> None:
    article = only_article(write(tmp_path, "a.txt", content))
    assert article.text == text
    for name, value in fields.items():
        assert getattr(article, name) == value, name


def test_fixture_plain_text() -> None:
    article = only_article(FIXTURES / "plain.txt")
    assert article.title is None
    assert article.text == "Plain text first line. Same paragraph, second line.\n\n" + (
        "Second paragraph with tabs."
    )


def test_fixture_markdown_with_heading() -> None:
    article = only_article(FIXTURES / "heading.md")
    assert article.title == "Ministers meet in Geneva"
    assert article.text == (
        "The talks opened on Monday with a statement.\n\n"
        "Delegates from 40 countries attended; the file_name_with_underscores stays, "
        "and 2 * 3 * 4 = 24."
    )


# --- text cleaning --------------------------------------------------------------------------

CLEAN_CASES = {
    "link to anchor": ("child [sexual abuse](#) online", "child sexual abuse online"),
    "link to url": ("see [the report](http://example.org/a_(b)) now", "see the report now"),
    "image removed": ("before ![alt text](img.png) after", "before after"),
    "bold and em": ("**bold** and *em* and _em_ and __strong__", "bold and em and em and strong"),
    "markers not wrapping words": ("2 * 3 * 4 and a_b_c and * x *", "2 * 3 * 4 and a_b_c and * x *"),
    "entities": (
        "Fish &amp; chips &#8211; &ldquo;ok&rdquo; &bogus; AT&T",
        "Fish & chips – “ok” &bogus; AT&T",
    ),
    "entity whitespace collapsed": ("a&nbsp;&#10;b", "a b"),
    "newlines": ("a\r\nb\rc\n\n\r\n\r\nd", "a b c\n\nd"),
    "control characters": ("a\x00b\x07c\x1bd\x7fe\tf", "abcde f"),
    "lone surrogate": ("a\ud800b", "ab"),
    "blank paragraphs": ("\n \n\t\n  para one  \n\n\n\n para two \n \n", "para one\n\npara two"),
    "unicode kept": ("“Curly” — Malmström’s café 東京", "“Curly” — Malmström’s café 東京"),
    "heading and rule": ("## Sub head\n\n---\n\ntext", "Sub head\n\ntext"),
    "only markup": ("![x](y)\n\n***", ""),
}


@pytest.mark.parametrize("raw, expected", CLEAN_CASES.values(), ids=CLEAN_CASES.keys())
def test_clean_body(raw: str, expected: str) -> None:
    assert clean_body(raw) == expected


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_normalize_text_is_canonical(raw: str) -> None:
    text = normalize_text(raw)
    assert normalize_text(text) == text
    assert text == text.strip()
    assert "\n\n\n" not in text and "\r" not in text and "  " not in text
    assert all(ch == "\n" or ch >= " " for ch in text)
    assert clean_body(raw) == normalize_text(clean_body(raw))


DATE_CASES = {
    "December 5 2012": dt.date(2012, 12, 5),
    "5 December 2012": dt.date(2012, 12, 5),
    "Dec. 5, 2012": dt.date(2012, 12, 5),
    "Wednesday, December 5, 2012": dt.date(2012, 12, 5),
    "2012-12-05": dt.date(2012, 12, 5),
    "2012-12-05T23:30:00-05:00": dt.date(2012, 12, 5),
    "Wed, 05 Dec 2012 10:00:00 GMT": dt.date(2012, 12, 5),
    "May": None,
    "December 2012": None,
    "2012": None,
    "February 30 2012": None,
    "sometime soon": None,
    "": None,
}


@pytest.mark.parametrize("value, expected", DATE_CASES.items(), ids=DATE_CASES.keys())
def test_parse_date(value: str, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


def test_parse_date_line_is_strict() -> None:
    assert parse_date_line("December 5 2012") == dt.date(2012, 12, 5)
    assert parse_date_line("Wed, 05 Dec 2012 10:00:00 GMT") is None
    assert parse_date_line("May the talks succeed 2012") is None


# --- HTML -----------------------------------------------------------------------------------


def test_fixture_html_page() -> None:
    article = only_article(FIXTURES / "page.html")
    assert article.title == "Leaders sign Arctic accord"
    assert article.date == dt.date(2013, 5, 15)
    assert article.publisher == "Example News"
    assert article.url == "https://example.org/news/arctic-accord"
    text = article.text
    assert text.startswith("KIRUNA, May 15 (Example) - The eight members of the Arctic Council")
    assert "signed an agreement on oil spill response." in text
    assert "the deal & its annex follow “years of talks”; the code &lt;b&gt; stays literal." in text
    assert "stays literal.\n\nA second line after a break." in text
    assert "\n\nCanada\n\nDenmark\n\n" in text
    assert text.endswith("Observers included China and India. They welcomed it.")
    for dropped in ("tracking", "document.write", "Home", "Site banner", "By A. Writer",
                    "Related", "Search", "Copyright", "Site footer", "teaser", "color"):  # fmt: skip
        assert dropped not in text


HTML_CASES = {
    "title tag and time": (
        "<html><head><title>The title</title></head><body>"
        "<time datetime='2012-12-05'>yesterday</time><p>Body.</p></body></html>",
        dict(title="The title", date=dt.date(2012, 12, 5), publisher=None, url=None),
        "yesterday\n\nBody.",
    ),
    "first h1 and meta date, main preferred": (
        "<body><div>menu</div><main><h1>Head <i>line</i></h1><p>Text.</p></main>"
        "<meta name='date' content='5 December 2012'><link rel='canonical' href='https://x.org/a'>",
        dict(title="Head line", date=dt.date(2012, 12, 5), url="https://x.org/a"),
        "Head line\n\nText.",
    ),
    "og url, bad date ignored": (
        "<meta property='og:url' content='https://x.org/og'>"
        "<meta property='article:published_time' content='not a date'><p>Text &amp;lt;</p>",
        dict(url="https://x.org/og", date=None),
        "Text &lt;",
    ),
    "article cards in an aside are not the article": (
        "<aside><article>Related story with a long teaser text</article></aside>"
        "<div><p>Main.</p></div>",
        dict(title=None),
        "Main.",
    ),
    "charset declaration ignored": (
        "<meta charset='iso-8859-1'><p>Malmström’s café</p>",
        dict(),
        "Malmström’s café",
    ),
}


@pytest.mark.parametrize("content, fields, text", HTML_CASES.values(), ids=HTML_CASES.keys())
def test_html(tmp_path: Path, content: str, fields: dict, text: str) -> None:
    article = only_article(write(tmp_path, "page.htm", content))
    assert article.text == text
    for name, value in fields.items():
        assert getattr(article, name) == value, name


def test_html_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = write(tmp_path, "secret.txt", "TOP SECRET")
    page = write(
        tmp_path,
        "xxe.html",
        f"<!DOCTYPE html [<!ENTITY xxe SYSTEM '{secret.as_uri()}'>]><p>A &xxe; B</p>",
    )
    text = only_article(page).text
    assert "SECRET" not in text and text.endswith("A &xxe; B")


def test_html_deeply_nested_is_an_error_not_a_crash(tmp_path: Path) -> None:
    depth = 100_000
    page = write(tmp_path, "deep.html", "<p>start</p>" + "<div>" * depth + "x" + "</div>" * depth)
    error = only_error(page)
    assert "nested too deeply" in error.problem


def test_html_nested_within_parser_limits_is_read(tmp_path: Path) -> None:
    depth = 1000
    html = "<div>" * depth + "deep text" + "</div>" * depth + "<p>after</p>"
    page = write(tmp_path, "deep.html", html)
    assert only_article(page).text == "deep text\n\nafter"


def test_html_without_text(tmp_path: Path) -> None:
    html = "<html><head><title>T</title><script>x()</script></head></html>"
    page = write(tmp_path, "empty.html", html)
    assert only_error(page).problem == "no article text in the HTML"


# --- JSON Lines -----------------------------------------------------------------------------

MIXED_EXPECTED = [
    (Article, 1, ""),
    (InputError, 3, "not valid JSON (Expecting ',' delimiter"),
    (InputError, 4, "not a JSON object (found an array)"),
    (InputError, 5, 'missing required field "text"'),
    (InputError, 6, 'field "text" is empty'),
    (Article, 7, ""),
    (InputError, 8, 'field "date": cannot read "sometime soon"'),
    (InputError, 9, 'field "text" must be a string'),
    (Article, 10, ""),
]


def check_mixed(items: list[Article | InputError], source: str) -> None:
    assert len(items) == len(MIXED_EXPECTED), items
    for item, (kind, line, problem) in zip(items, MIXED_EXPECTED, strict=True):
        assert isinstance(item, kind), item
        if isinstance(item, InputError):
            assert item.line == line and item.source == source
            assert item.problem.startswith(problem), item.problem
            assert str(item).startswith(f"{source}:{line}: ")
        else:
            assert item.source == f"{source}:{line}"
    first, second, third = (i for i in items if isinstance(i, Article))
    assert (first.title, first.date, first.url, first.publisher) == (
        "First", dt.date(2012, 12, 5), "https://example.org/1", "AFP"
    )
    assert first.text == "The EU and the US launched an alliance."
    assert (second.text, second.date) == ("Second article with a bold word.", dt.date(2012, 12, 6))
    assert (third.title, third.retrieved) == (None, dt.date(2024, 4, 26))


def test_jsonl_good_and_bad_lines() -> None:
    path = FIXTURES / "mixed.jsonl"
    check_mixed(read_all(path), str(path))


def test_jsonl_gz(tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.jsonl.gz", gzip.compress((FIXTURES / "mixed.jsonl").read_bytes()))
    check_mixed(read_all(path), str(path))


def test_jsonl_is_streamed(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", '{"text": "one"}\n{"text": "two"}\n')
    stream = iter_articles([path])
    first = next(stream)
    assert isinstance(first, Article) and first.text == "one"
    path.write_text("")  # the rest is read lazily, from the open file
    assert [a.text for a in stream if isinstance(a, Article)] == ["two"]


JSONL_BAD = {
    "not gzip": ("a.jsonl.gz", b'{"text": "x"}\n', None, "not a gzip file"),
    "truncated gzip": ("a.jsonl.gz", gzip.compress(b'{"text": "x"}\n' * 50)[:-12], None, "damaged gzip"),
    "blank lines only": ("a.jsonl", b"\n  \n\n", None, "empty file"),
    "binary": ("a.jsonl", b'{"text": "x"}\x00\x01\n', None, "binary file (contains NUL bytes)"),
    "not utf-8 first line": (
        "a.jsonl", b'{"text": "caf\xe9"}\n{"text": "ok"}\n', None, "not valid UTF-8 at byte 13"
    ),
    "deep nesting": ("a.jsonl", b"[" * 100_000 + b"\n", 1, "not valid JSON"),
}


@pytest.mark.parametrize("name, data, line, problem", JSONL_BAD.values(), ids=JSONL_BAD.keys())
def test_jsonl_bad_files(
    tmp_path: Path, name: str, data: bytes, line: int | None, problem: str
) -> None:
    path = write(tmp_path, name, data)
    items = read_all(path)
    errors = [i for i in items if isinstance(i, InputError)]
    assert len(errors) == 1, items
    assert errors[0].problem.startswith(problem) and errors[0].line == line
    assert errors[0].source == str(path)


def test_jsonl_later_undecodable_line_names_line_and_byte(tmp_path: Path) -> None:
    path = write(tmp_path, "a.jsonl", b'{"text": "ok"}\n{"text": "caf\xe9"}\n{"text": "ok2"}\n')
    ok, bad, ok2 = read_all(path)
    assert isinstance(ok, Article) and isinstance(ok2, Article)
    assert isinstance(bad, InputError) and bad.line == 2
    assert bad.problem == "not valid UTF-8 at byte 28"


# --- directories ----------------------------------------------------------------------------


def test_directory_walk_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    write(tmp_path, "b.txt", "b")
    write(tmp_path, "a/z.md", "a/z")
    write(tmp_path, "a/y/x.htm", "<p>a/y/x</p>")
    write(tmp_path, "a/.hidden.txt", "hidden")
    write(tmp_path, ".git/c.txt", "hidden dir")
    write(tmp_path, "c.HTML", "<p>c</p>")
    write(tmp_path, "d.jsonl", '{"text": "d1"}\n{"text": "d2"}\n')
    write(tmp_path, "e.pdf", b"%PDF-1.4\x00")
    write(tmp_path, "f.jsonl.gz", gzip.compress(b'{"text": "f"}\n'))
    (tmp_path / "empty").mkdir()
    items = read_all(tmp_path)
    assert all(isinstance(i, Article) for i in items), items
    assert [i.text for i in items] == ["a/y/x", "a/z", "b", "c", "d1", "d2", "f"]
    assert items[0].source == os.path.join(str(tmp_path), "a", "y", "x.htm")


def test_directory_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    write(tmp_path, "a/one.txt", "one")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    assert [i.text for i in read_all(tmp_path)] == ["one"]


def test_directory_errors_do_not_stop_the_walk(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "")
    write(tmp_path, "b.txt", "fine")
    error, article = read_all(tmp_path)
    assert isinstance(error, InputError) and error.problem == "empty file"
    assert isinstance(article, Article) and article.text == "fine"


# --- bad input: one clear error each ----------------------------------------------------------

BAD_FILES = {
    "empty file": ("a.txt", b"", "empty file"),
    "whitespace only": ("a.md", b" \n\t\r\n  ", "empty file"),
    "bom and whitespace": ("a.txt", b"\xef\xbb\xbf \n", "empty file"),
    "binary": ("a.txt", b"PK\x03\x04\x00\x00binary", "binary file (contains NUL bytes)"),
    "binary html": ("a.html", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file (contains NUL bytes)"),
    "not utf-8": ("a.txt", b"abc\n\ncaf\xe9", "not valid UTF-8 at byte 8"),
    "not utf-8 after bom": ("a.txt", b"\xef\xbb\xbfab\xff", "not valid UTF-8 at byte 5"),
    "utf-16": ("a.txt", "text".encode("utf-16"), "UTF-16 text"),
    "gzip": ("a.txt", gzip.compress(b"text"), "gzip-compressed data"),
    "metadata only": (
        "a.txt",
        b"## Title\nDecember 5 2012\n---\n\n(c) 2012 AFP\n\n"
        b"Citation: T retrieved 1 May 2024 from <https://x.org>\n",
        "no article text after removing metadata",
    ),
    "markup only": ("a.md", b"![img](x.png)\n\n---\n", "no article text"),
}


@pytest.mark.parametrize("name, data, problem", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_files(tmp_path: Path, name: str, data: bytes, problem: str) -> None:
    path = write(tmp_path, name, data)
    error = only_error(path)
    assert error.problem.startswith(problem), error.problem
    assert error.source == str(path) and error.line is None
    assert str(error).startswith(f"{path}: ")


def test_not_found(tmp_path: Path) -> None:
    assert only_error(tmp_path / "missing.txt").problem == "not found"


def test_directory_without_article_files(tmp_path: Path) -> None:
    write(tmp_path, "notes.pdf", b"x")
    write(tmp_path, ".hidden.txt", "x")
    (tmp_path / "sub").mkdir()
    assert only_error(tmp_path).problem == "is a directory with no article files"


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:  # sparse: takes no disk space
        f.truncate(MAX_FILE_BYTES + 1)
    assert only_error(path).problem.startswith("too large")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_permission_denied(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.txt", "text")
    path.chmod(0)
    try:
        assert only_error(path).problem == "permission denied"
    finally:
        path.chmod(0o600)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert only_error(fifo).problem.startswith("not a regular file")


def test_unknown_extension_given_explicitly_is_text(tmp_path: Path) -> None:
    article = only_article(write(tmp_path, "story.article", "## T\n\nBody."))
    assert (article.title, article.text) == ("T", "Body.")


def test_read_file_raises_the_first_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty file"):
        read_file(write(tmp_path, "a.txt", ""))


def test_default_article_path_is_bundled() -> None:
    path = default_article_path()
    assert path.is_file() and path.name == "global_alliance_2012.txt"


# --- stdin ----------------------------------------------------------------------------------

STDIN_CASES = {
    "jsonl": (b'\n  {"text": "one"}\n{"text": "two"}\nnot json\n', ["one", "two", 4]),
    "text": (b"## T\nDecember 5 2012\n---\nBody {braces}.", ["Body {braces}."]),
    "bom jsonl": (b'\xef\xbb\xbf{"text": "one"}\n', ["one"]),
    "empty": (b"  \n", ["empty file"]),
}


@pytest.mark.parametrize("data, expected", STDIN_CASES.values(), ids=STDIN_CASES.keys())
def test_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes, expected: list) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    got: list = []
    for item in iter_articles(["-"]):
        if isinstance(item, Article):
            got.append(item.text)
        elif item.line is not None:
            got.append(item.line)
        else:
            got.append(item.problem)
        assert item.source.startswith("<stdin>")
    assert got == expected


# --- robustness: arbitrary bytes never raise --------------------------------------------------

_FRAGMENTS = [
    b"<", b">", b"</", b"<p>", b"<div>", b"<script>", b"</article>", b"<article>", b"&amp;",
    b"&#0;", b"&#x110000;", b"{", b"}", b'"text"', b":", b",", b"\n", b"\r\n", b"## ", b"---",
    b"(c) 2012 ", b"Citation: ", b"retrieved ", b"December 5 2012", b"[a](#)", b"![", b"**",
    b"_", b"\xef\xbb\xbf", b"\xff", b"\x00", b"\xe2\x80\x9c", b" ", b"word", b"<!ENTITY ",
]  # fmt: skip
ARBITRARY_BYTES = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=60).map(b"".join),
    st.lists(st.text(max_size=40), max_size=5).map(
        lambda texts: "\n".join(json.dumps({"text": t}) for t in texts).encode("utf-8", "surrogatepass")
    ),
)


@given(data=ARBITRARY_BYTES, suffix=st.sampled_from([".txt", ".md", ".html", ".jsonl", ".weird"]))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_bytes_never_raise(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        items = list(iter_articles([path, folder]))
    assert items
    for item in items:
        assert isinstance(item, (Article, InputError))
        if isinstance(item, Article):
            assert item.text and item.text == normalize_text(item.text)
            item.text.encode("utf-8")  # no lone surrogates
        else:
            assert str(item).startswith(str(path)) or str(item).startswith(folder)


# --- a plain text's title on its first line (the BBC layout) ---------------------------------


BBC = ("Peugeot deal boosts Mitsubishi\n\nStruggling Japanese car maker Mitsubishi Motors has struck a deal "
       "to supply French car maker Peugeot with 30,000 sports utility vehicles (SUV).\n\nThe two firms signed "
       "a Memorandum of Understanding.\n")


def test_a_plain_text_title_on_the_first_line_is_the_title_and_stays_in_the_text(tmp_path: Path) -> None:
    path = tmp_path / "013.txt"
    path.write_text(BBC, encoding="utf-8")
    (article,) = read_file(path)
    assert article.title == "Peugeot deal boosts Mitsubishi"
    assert article.text == normalize_text(BBC), "the text is as before: extraction offsets do not move"
    assert article.text.startswith("Peugeot deal boosts Mitsubishi\n\nStruggling")


@pytest.mark.parametrize("first", ["Rivals of the pounds 400 Apple...", "Is this the end of the euro?"])
def test_headline_punctuation_other_than_a_full_stop_keeps_the_title(tmp_path: Path, first: str) -> None:
    path = tmp_path / "a.txt"
    path.write_text(first + "\n\n" + BBC.split("\n\n", 1)[1], encoding="utf-8")
    assert read_file(path)[0].title == first


@pytest.mark.parametrize("text", [
    "The two firms signed a memorandum.\n\nMitsubishi will build the cars in Japan.\n",  # a sentence
    "Peugeot deal boosts Mitsubishi\nStruggling Japanese car maker Mitsubishi Motors struck a deal.\n",  # no blank line
    "Peugeot deal boosts Mitsubishi\n",  # nothing after it
    " ".join(["word"] * 30) + "\n\nMitsubishi will build the cars in Japan.\n",  # too long
    "December 5 2012\n\nMitsubishi will build the cars in Japan.\n",  # a date line
])  # fmt: skip
def test_a_first_line_that_does_not_look_like_a_title_is_not_one(tmp_path: Path, text: str) -> None:
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    assert read_file(path)[0].title is None


def test_a_heading_still_wins_over_the_first_line_rule(reference_article: Article) -> None:
    assert reference_article.title == "EU, US in 'global alliance' to hit web child sex"


# --- messages that said the wrong thing (issue 14, item 12) -------------------------------------


@pytest.mark.parametrize("char", ["\x0b", "\x0c", "\x1c", "\x1f", "\x7f", "\u200b"])
def test_a_file_of_control_characters_is_not_called_empty(tmp_path: Path, char: str) -> None:
    path = tmp_path / "c.txt"
    path.write_text(char * 20_000, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_file(path)
    assert caught.value.problem == "no article text (only invisible or control characters)"
    (tmp_path / "c.jsonl").write_text(json.dumps({"text": char * 200}) + "\n", encoding="utf-8")
    (error,) = list(iter_articles([tmp_path / "c.jsonl"]))
    assert isinstance(error, InputError) and "only invisible or control characters" in error.problem


@pytest.mark.parametrize("content", ["", "   \n\n\t\r\n"])
def test_an_empty_or_blank_file_is_still_empty(tmp_path: Path, content: str) -> None:
    path = tmp_path / "e.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match="empty file"):
        read_file(path)


def test_an_unreadable_folder_is_one_error(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "a.txt").write_text("France and Germany signed a treaty.", encoding="utf-8")
    listdir = os.listdir

    def denied(path):
        if os.fspath(path) == str(folder):
            raise PermissionError(13, "Permission denied", str(path))
        return listdir(path)

    monkeypatch.setattr(os, "listdir", denied)
    found = list(iter_articles([folder]))
    assert [str(item) for item in found] == [f"{folder}: permission denied"]


def test_an_unterminated_json_string_says_at_column_once(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"text": "abc\n', encoding="utf-8")
    (error,) = list(iter_articles([path]))
    assert error.problem == "not valid JSON (Unterminated string starting at column 10)"
