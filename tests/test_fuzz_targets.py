"""The fuzz targets of ``fuzz/targets.py`` driven by hypothesis: the CI twin of the atheris fuzzer.

atheris (``fuzz/fuzz_reader.py``) explores open-endedly by hand; here hypothesis feeds the same
targets a fixed, seeded budget of inputs (``derandomize=True``, no example database), shaped
after the bad inputs the reader must survive: arbitrary bytes, fragments of every article
format, invalid UTF-8 in the middle of good text, mixed encodings, whitespace of every kind,
other languages and scripts, deeply nested HTML, very long single lines, JSON Lines with broken
lines in the middle. Each target checks its invariants itself (see the module's docstring);
the tests add what each kind of input must give.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import InputError
from kg.reading.article import MAX_ARTICLE_CHARS, Article

FUZZ_DIR = Path(__file__).resolve().parents[1] / "fuzz"


def _load_targets():
    spec = importlib.util.spec_from_file_location("kg_fuzz_targets", FUZZ_DIR / "targets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


targets = _load_targets()

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

ENGLISH = (
    "Foreign ministers of France and Germany signed a treaty in Paris on Wednesday, the "
    'government said. "We will work together," said Prime Minister Jean Dupont.'
)
FOREIGN = {
    "fr": "Les ministres des affaires étrangères de la France et de l'Allemagne ont signé mercredi "
          "à Paris un accord de coopération dans le domaine de l'énergie. Selon le communiqué publié "
          "par le gouvernement, les deux pays s'engagent à investir plusieurs milliards d'euros.",
    "de": "Die Außenminister Frankreichs und Deutschlands haben am Mittwoch in Paris ein Abkommen "
          "über die Zusammenarbeit im Energiebereich unterzeichnet. Nach Angaben der Regierung "
          "verpflichten sich beide Länder, mehrere Milliarden Euro zu investieren.",
    "zh": "法国和德国外交部长周三在巴黎签署了一项能源领域合作协议。根据政府发布的公报，两国承诺在电网方面投资数十亿欧元。",
    "ru": "Министры иностранных дел Франции и Германии подписали в среду в Париже соглашение о "
          "сотрудничестве в области энергетики.",
    "ar": "وقع وزيرا خارجية فرنسا وألمانيا يوم الأربعاء في باريس اتفاقية للتعاون في مجال الطاقة.",
}  # fmt: skip

FRAGMENTS = [
    b"<", b">", b"</", b"<p>", b"<div>", b"<script>", b"</article>", b"<article>", b"&amp;", b"&#0;",
    b"&#x110000;", b"<!DOCTYPE html [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", b"&e;", b"{", b"}",
    b'"text"', b'"title"', b":", b",", b"\n", b"\r\n", b"\r", b"## ", b"---", b"(c) 2012 ", b"Citation: ",
    b"retrieved ", b"December 5 2012", b"[a](#)", b"![", b"**", b"_", b"\xef\xbb\xbf", b"\xff", b"\xfe",
    b"\x00", b"\xe2\x80\x9c", b"\xe2\x80\xa8", b"\xc3", b"\xed\xa0\x80", b" ", b"\t", b"word",
    b"France", b"signed", b"treaty", b"said", b'"', b"<meta property='og:title' content='", b"'>",
    b"<time datetime='2012-12-05'>", b"<link rel=canonical href='http://x/ y>'>",
]  # fmt: skip
WHITESPACE = [" ", "\t", "\n", "\r\n", "\r", "\x0b", "\x0c", "\u00a0", "\u2028", "\u2029", "\u3000", "\u200b", "\ufeff"]

WORDS = ["the", "and", "of", "to", "in", "said", "France", "Germany", "the United States", "NATO", "signed",
         "a", "treaty", "alliance", "joined", "as an observer", "Foreign Minister", "Ana Rojas", "on Wednesday",
         "5 May 2015", "50,000", "10 percent", '"', "\u201c", "\u201d", ",", ".", "\n\n", "**", "[link](#)",
         "&amp;", "<p>", "</p>", "## ", "(c) 2015 AFP", "Citation:", "\u00e9", "\u4e2d", "\x00", "\ud800"]
english_bytes = st.lists(st.sampled_from(WORDS), min_size=1, max_size=120).map(
    lambda words: " ".join(words).encode("utf-8", "surrogatepass"))
raw_bytes = st.binary(max_size=3000)
fragment_bytes = st.lists(st.sampled_from(FRAGMENTS), max_size=80).map(b"".join)
unicode_bytes = st.text(max_size=400).map(lambda text: text.encode("utf-8", "surrogatepass"))
suffixes = st.sampled_from(targets.SUFFIXES)


def _pieces(items: list[bytes]) -> bytes:
    return b"".join(items)


@settings(FUZZ, max_examples=250)
@given(data=st.one_of(raw_bytes, fragment_bytes, unicode_bytes), suffix=suffixes)
def test_reader_never_raises_on_any_bytes(data: bytes, suffix: str) -> None:
    targets.read_bytes(data, suffix)


@settings(FUZZ, max_examples=120)
@given(data=st.one_of(english_bytes, english_bytes, fragment_bytes, unicode_bytes), suffix=suffixes)
def test_reader_and_extractor_on_any_bytes(data: bytes, suffix: str) -> None:
    targets.read_and_extract(data, suffix)


@settings(FUZZ, max_examples=40)
@given(
    before=st.integers(0, len(ENGLISH)),
    bad=st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80\x80"]),
    suffix=st.sampled_from([".txt", ".md", ".html", ".weird"]),
)
def test_invalid_utf8_in_the_middle_is_one_error_naming_the_byte(before: int, bad: bytes, suffix: str) -> None:
    good = ENGLISH.encode("utf-8")
    cut = len(ENGLISH[:before].encode("utf-8"))
    [item] = targets.read_bytes(good[:cut] + bad + good[cut:], suffix)
    assert isinstance(item, InputError)
    assert "UTF-8" in item.problem and f"byte {cut}" in item.problem, item.problem


@settings(FUZZ, max_examples=30)
@given(
    parts=st.lists(
        st.tuples(st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16-le", "mac-roman"]),
                  st.sampled_from(["Café Brussels", "naïve façade", "Zürich–Genève", "€500 “quoted”", "plain ascii"])),
        min_size=2, max_size=6,
    ),
)  # fmt: skip
def test_mixed_encodings_are_refused_or_read_exactly(parts: list[tuple[str, str]]) -> None:
    data = b" ".join(text.encode(encoding, "replace") for encoding, text in parts)
    [item] = targets.read_bytes(data, ".txt")
    try:
        expected = data.decode("utf-8")
    except UnicodeDecodeError:
        assert isinstance(item, InputError), item
        assert "UTF-8" in item.problem or "binary" in item.problem, item.problem
    else:
        if isinstance(item, Article):
            assert item.text == " ".join(expected.replace("\x00", "").split())


@settings(FUZZ, max_examples=40)
@given(blank=st.lists(st.sampled_from(WHITESPACE), max_size=50).map("".join),
       suffix=st.sampled_from([".txt", ".md", ".html", ".weird"]))
def test_empty_and_whitespace_only_articles_are_one_error(blank: str, suffix: str) -> None:
    [item] = targets.read_bytes(blank.encode("utf-8"), suffix)
    assert isinstance(item, InputError), item
    assert item.problem in ("empty file", "no article text in the HTML") or item.problem.startswith("no article text")


@settings(FUZZ, max_examples=20)
@given(language=st.sampled_from(sorted(FOREIGN)), copies=st.integers(2, 6),
       suffix=st.sampled_from([".txt", ".html", ".jsonl"]))
def test_articles_in_another_language_are_refused(language: str, copies: int, suffix: str) -> None:
    text = " ".join([FOREIGN[language]] * copies)
    data = json.dumps({"text": text}).encode() if suffix == ".jsonl" else text.encode("utf-8")
    if suffix == ".html":
        data = b"<html><body><article><p>" + data + b"</p></article></body></html>"
    [item] = targets.read_bytes(data, suffix)
    assert isinstance(item, InputError), item
    assert item.problem.startswith("not English"), item.problem


@settings(FUZZ, max_examples=10)
@given(language=st.sampled_from(sorted(FOREIGN)))
def test_english_quoting_another_language_is_still_english(language: str) -> None:
    text = " ".join([ENGLISH] * 4) + f' The accord says: "{FOREIGN[language][:120]}"'
    [item] = targets.read_bytes(text.encode("utf-8"), ".txt")
    assert isinstance(item, Article), item


@settings(FUZZ, max_examples=12)
@given(depth=st.sampled_from([1, 50, 255, 256, 3000, 100_000]),
       tag=st.sampled_from(["div", "span", "b", "table", "section", "p"]))
def test_deeply_nested_html_is_read_or_refused_in_one_line(depth: int, tag: str) -> None:
    page = f"<p>{ENGLISH}</p>" + f"<{tag}>" * depth + "deep text" + f"</{tag}>" * depth
    [item] = targets.read_bytes(page.encode("utf-8"), ".html")
    if isinstance(item, InputError):
        assert "nested too deeply" in item.problem, item.problem
    else:
        assert item.text.startswith(ENGLISH)


@settings(FUZZ, max_examples=8)
@given(size=st.sampled_from([MAX_ARTICLE_CHARS + 100, 250_000, 1_048_576]),
       suffix=st.sampled_from([".txt", ".md", ".jsonl"]))
def test_a_huge_single_line_is_refused_as_too_long(size: int, suffix: str) -> None:
    line = (ENGLISH + " ") * (size // (len(ENGLISH) + 1) + 1)
    line = line[:size]
    data = (json.dumps({"text": line}) if suffix == ".jsonl" else line).encode("utf-8")
    [item] = targets.read_bytes(data, suffix)
    assert isinstance(item, InputError), "a 1 MB line would stall extraction"
    assert item.problem.startswith("article text too long"), item.problem
    assert item.line == (1 if suffix == ".jsonl" else None)


record = st.fixed_dictionaries(
    {"text": st.sampled_from([ENGLISH, ENGLISH.upper(), "Japan and Chile signed a trade pact in Lima."])},
    optional={"title": st.text(max_size=20), "date": st.sampled_from(["2012-12-05", "5 Dec 2012", "soon"]),
              "url": st.sampled_from(["https://news.example.org/a", "http://x/ y>", "javascript:alert(1)"])},
)  # fmt: skip
broken_line = st.one_of(
    st.sampled_from(['{"text": "unterminated', "not json", "[1, 2]", '{"title": "no text"}', '{"text": ""}',
                     '{"text": null}', '{"text": 5}', "{" * 5000, '{"text": "x", "date": 12}', "\x00\x01"]),
    st.text(max_size=30).filter(lambda s: "\n" not in s and "\r" not in s),
)  # fmt: skip


@settings(FUZZ, max_examples=40)
@given(good=st.lists(record, min_size=2, max_size=6), bad=st.lists(broken_line, min_size=1, max_size=3), data=st.data())
def test_jsonl_with_broken_lines_in_the_middle_names_each_line(good: list[dict], bad: list[str], data) -> None:
    lines = [json.dumps(r) for r in good]
    positions = []
    for line in bad:
        at = data.draw(st.integers(1, len(lines) - 1))
        lines.insert(at, line)
    for number, line in enumerate(lines, start=1):
        if line in bad and line.strip():
            positions.append(number)
    items = targets.read_bytes("\n".join(lines).encode("utf-8", "surrogatepass"), ".jsonl")
    errors = [item for item in items if isinstance(item, InputError)]
    articles = [item for item in items if isinstance(item, Article)]
    # every good record that the reader accepts is read, whatever surrounds it
    assert len(articles) + len(errors) == len([line for line in lines if line.strip()])
    for number in positions:
        message = [item for item in items if (item.line if isinstance(item, InputError) else None) == number
                   or (isinstance(item, Article) and item.source.endswith(f":{number}"))]
        assert len(message) == 1, (number, items)
    for error in errors:
        assert error.line is not None, error
