"""HTML articles: the text of the article body and the page's metadata.

Owns which part of a page is the article (``<article>``, else ``<main>``, else ``<body>``),
which elements are dropped (scripts, navigation, headers, footers, asides, forms), how block
elements become paragraphs, and where title, date, publisher and URL come from (Open Graph,
``<title>``, ``<time>``, canonical link). Parsing never touches the network and never
resolves external entities; the tree is walked iteratively, so any nesting depth is safe.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import lxml.etree as etree
import lxml.html

from kg.errors import InputError
from kg.reading.article import Article
from kg.reading.text import normalize_text, parse_date

_DROP = frozenset(
    {
        "script", "style", "nav", "header", "footer", "aside", "form", "noscript",
        "template", "svg", "math", "iframe", "object", "embed", "canvas", "select",
        "button", "head", "title", "meta", "link",
    }
)  # fmt: skip
_BLOCKS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
        "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "caption",
        "section", "article", "main", "figure", "figcaption", "hr", "address", "center",
        "details", "summary", "fieldset", "body", "html",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_BREAK = "\n\n"
_DATE_PROPERTIES = ("article:published_time", "og:published_time", "datepublished")
_DATE_NAMES = ("date", "pubdate", "publishdate", "dc.date", "dc.date.issued", "dcterms.created")


def _parser() -> lxml.html.HTMLParser:
    # A fresh parser per document: its error log belongs to that document only.
    return lxml.html.HTMLParser(
        encoding="utf-8",
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,
        recover=True,
    )


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _pieces(container: etree._Element) -> Iterator[str]:
    """Text of the container in document order, with paragraph breaks at block edges."""
    walker = etree.iterwalk(container, events=("start", "end"))
    for event, element in walker:
        tag = _tag(element)
        if event == "start":
            if element is not container and (tag in _DROP or not tag):
                walker.skip_subtree()
                continue
            if tag in _BLOCKS or tag == "br":
                yield _BREAK
            elif tag in _CELLS:
                yield " "
            if element.text:
                yield element.text
        else:
            if tag in _BLOCKS:
                yield _BREAK
            elif tag in _CELLS:
                yield " "
            if element is not container and element.tail:
                yield element.tail


def _text_of(element: etree._Element) -> str:
    return normalize_text("".join(_pieces(element)))


def _article_container(root: etree._Element) -> etree._Element:
    # Only outermost articles compete (one inside another holds less text than it), and
    # not those inside dropped parts of the page (related-story cards in an <aside>).
    articles = []
    walker = etree.iterwalk(root, events=("start",))
    for _, element in walker:
        tag = _tag(element)
        if tag == "article":
            articles.append(element)
        if tag == "article" or tag in _DROP:
            walker.skip_subtree()
    if articles:
        texts = [len(_text_of(a)) for a in articles]
        return articles[texts.index(max(texts))]
    for tag in ("main", "body"):
        found = next(root.iter(tag), None)
        if found is not None:
            return found
    return root


def _one_line(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(normalize_text(value).split())
    return value or None


@dataclass
class _PageMeta:
    """The page's metadata: meta tags by property and by name, and a few elements."""

    properties: dict[str, str] = field(default_factory=dict)  # property= and itemprop=
    names: dict[str, str] = field(default_factory=dict)  # name=
    canonical: str | None = None
    title: str | None = None
    h1: str | None = None
    time: str | None = None  # <time datetime="...">


def _page_meta(root: etree._Element) -> _PageMeta:
    """Gather the metadata in one pass; the first occurrence of each item wins."""
    meta = _PageMeta()
    for element in root.iter("meta", "link", "title", "time", "h1"):
        tag = _tag(element)
        if tag == "meta":
            content = element.get("content")
            if content is None:
                continue
            for key, table in (("property", meta.properties), ("name", meta.names),
                               ("itemprop", meta.properties)):  # fmt: skip
                attr = (element.get(key) or "").strip().lower()
                if attr:
                    table.setdefault(attr, content)
        elif tag == "link":
            rel = (element.get("rel") or "").lower().split()
            if "canonical" in rel and meta.canonical is None:
                meta.canonical = element.get("href")
        elif tag == "title" and meta.title is None:
            meta.title = _one_line(_text_of_inline(element))
        elif tag == "time" and meta.time is None:
            meta.time = element.get("datetime")
        elif tag == "h1" and meta.h1 is None:
            meta.h1 = _one_line(_text_of_inline(element))
    return meta


def _published(meta: _PageMeta) -> dt.date | None:
    candidates = [meta.properties.get(p) for p in _DATE_PROPERTIES]
    candidates += [meta.time] + [meta.names.get(n) for n in _DATE_NAMES]
    for value in candidates:
        if value and (date := parse_date(value)) is not None:
            return date
    return None


def _text_of_inline(element: etree._Element) -> str:
    """All text inside one element (title, h1), ignoring block structure."""
    return " ".join(p for p in _pieces(element) if p != _BREAK)


def parse_html(data: bytes, source: str) -> Article:
    """UTF-8 HTML bytes → ``Article``. Raises ``InputError`` when the page cannot be read
    completely or holds no article text."""
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as err:
        raise InputError(source, f"cannot parse HTML ({err})") from None
    fatal = [e for e in parser.error_log if e.level == etree.ErrorLevels.FATAL]
    if fatal:
        first = fatal[0]
        if "depth" in first.message.lower():
            levels = re.search(r"\d+", first.message)
            limit = f" (the parser stops at {levels.group(0)} levels)" if levels else ""
            problem = f"HTML elements are nested too deeply to read{limit}"
        else:
            problem = f"cannot parse HTML completely (line {first.line}: {first.message.strip()})"
        raise InputError(source, problem)
    if root is None:
        raise InputError(source, "no article text in the HTML")
    meta = _page_meta(root)
    text = _text_of(_article_container(root))
    if not text:
        raise InputError(source, "no article text in the HTML")
    return Article(
        source=source,
        text=text,
        title=_one_line(meta.properties.get("og:title")) or meta.title or meta.h1,
        date=_published(meta),
        publisher=_one_line(meta.properties.get("og:site_name"))
        or _one_line(meta.names.get("publisher")),
        url=_one_line(meta.canonical) or _one_line(meta.properties.get("og:url")),
    )
