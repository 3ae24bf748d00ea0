"""The wire format: plain-text and markdown articles, with an optional header and trailer.

Owns the layout of ``.txt``/``.md`` articles such as the bundled reference article::

    ## Title
    December 5 2012
    ---
    body paragraphs ...
    (c) 2012 AFP
    Citation: Title (2012, December 5) retrieved 26 April 2024 from <https://...>
    This document is subject to copyright. ...

The header (heading, date line, rule) and the trailer (copyright line, citation, copyright
notice) become ``Article`` fields; they never reach the body text. Every part is optional:
a file without them is just body text. Without a heading, a first line that looks like a
title (short, no final full stop, then a blank line) is the title and stays in the text. A dateline such as "BRUSSELS, Dec 5 (Reuters) -"
is part of the body and is kept.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from kg.errors import InputError
from kg.reading.article import Article
from kg.reading.text import clean_body, clean_inline, parse_date, parse_date_line

_TITLE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_COPYRIGHT = re.compile(
    r"^\s*(?P<mark>\(c\)|©|copyright(?:\s*(?:\(c\)|©))?)\s*"
    r"(?P<year>\d{4})?(?:\s*[-–]\s*\d{4})?[\s,]*(?P<who>.*?)\s*$",
    re.I,
)
_MAX_COPYRIGHT_CHARS = 150
_RIGHTS_RESERVED = re.compile(r"[\s.,;]*all rights reserved\.?$", re.I)
_CITATION = re.compile(r"^\s*citation\s*:\s*(?P<rest>.*)$", re.I)
_NOTICE = re.compile(
    r"^\s*(?:th(?:is|e) (?:document|article|material|content|story) is "
    r"(?:subject to|protected by) copyright|all rights reserved\.?\s*$)",
    re.I,
)
_URL_ANGLED = re.compile(r"<(?P<url>[a-z][a-z0-9+.-]*://[^<>\s]+)>", re.I)
_URL_BARE = re.compile(r"(?P<url>https?://[^\s<>\"]+)", re.I)
_RETRIEVED = re.compile(
    r"\bretrieved\s+(?:on\s+)?(?P<date>.+?)(?:\s+from\b|\s*<|\s+https?://|$)", re.I
)
_CITED_TITLE = re.compile(r"^(?P<title>.+?)\s*\((?P<year>\d{4})(?:,\s*(?P<day>[^)]*))?\)")
_RETRIEVED_WORD = re.compile(r"\bretrieved\b", re.I)
_MAX_CITATION_CHARS = 2000


@dataclass
class _Trailer:
    """What the copyright line and citation said (filled while reading the trailer)."""

    publisher: str | None = None
    title: str | None = None
    date: dt.date | None = None
    url: str | None = None
    retrieved: dt.date | None = None


def _squash(line: str) -> str:
    """Whitespace runs → one space, so that no pattern here ever scans a long run twice."""
    return " ".join(line.split())


def _metadata_kind(raw_line: str) -> str | None:
    """"copyright", "citation" or "notice" when the line starts a trailer item."""
    line = _squash(raw_line)
    if _CITATION.match(line):
        return "citation"
    if _NOTICE.match(line):
        return "notice"
    m = _COPYRIGHT.match(line) if len(line) <= _MAX_COPYRIGHT_CHARS else None
    if m:
        # "(c)" also numbers list items ("(c) the parties agree"): demand a year there.
        if m.group("year") or m.group("mark") == "©":
            return "copyright"
    return None


def _read_copyright(line: str, trailer: _Trailer) -> None:
    m = _COPYRIGHT.match(_squash(line))
    if m is None:
        return
    who = clean_inline(_RIGHTS_RESERVED.sub("", m.group("who"))).strip(" .,;:")
    if who:
        trailer.publisher = who


def _read_citation(text: str, trailer: _Trailer) -> None:
    m = _CITATION.match(text)
    if m is None or len(text) > _MAX_CITATION_CHARS:
        return
    rest = m.group("rest").strip()
    url = _URL_ANGLED.search(rest) or _URL_BARE.search(rest)
    if url:
        trailer.url = url.group("url").rstrip(".,;:)")
    retrieved = _RETRIEVED.search(rest)
    if retrieved:
        trailer.retrieved = parse_date(retrieved.group("date").strip(" .,;:"))
    cited = _CITED_TITLE.match(rest)
    if cited:
        trailer.title = clean_inline(cited.group("title")) or None
        if cited.group("day"):
            trailer.date = parse_date(f"{cited.group('day')} {cited.group('year')}")
    elif word := _RETRIEVED_WORD.search(rest):
        trailer.title = clean_inline(rest[: word.start()].rstrip(" .,;")) or None


def _read_trailer_item(lines: list[str], trailer: _Trailer) -> None:
    """One trailer item: a start line and the lines that continue it."""
    kind = _metadata_kind(lines[0])
    if kind == "copyright":
        _read_copyright(lines[0], trailer)
    elif kind == "citation":
        _read_citation(_squash(" ".join(lines)), trailer)


def _split_paragraphs(lines: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _strip_trailer(paragraphs: list[list[str]]) -> tuple[list[list[str]], _Trailer, bool]:
    """Remove the copyright line, citation and notice from the end of the body."""
    trailer = _Trailer()
    items: list[list[str]] = []  # trailer lines, in document order
    body = list(paragraphs)
    while body:
        last = body[-1]
        starts = [i for i, line in enumerate(last) if _metadata_kind(line)]
        if starts and starts[0] == 0:
            body.pop()
            items[:0] = [last]
            continue
        if starts:  # e.g. "last sentence.\n(c) 2012 AFP": the trailer shares the paragraph
            body[-1] = last[: starts[0]]
            items[:0] = [last[starts[0] :]]
        break
    for paragraph in items:
        item: list[str] = []
        for line in paragraph:
            if _metadata_kind(line) and item:
                _read_trailer_item(item, trailer)
                item = []
            item.append(line)
        if item:
            _read_trailer_item(item, trailer)
    return body, trailer, bool(items)


def _next_filled(lines: list[str], start: int) -> int | None:
    for i in range(start, len(lines)):
        if lines[i].strip():
            return i
    return None


_MAX_TITLE_CHARS = 150
_MAX_TITLE_WORDS = 25


def _first_line_title(lines: list[str], start: int | None) -> str | None:
    """The first line as a title, when it looks like one (the BBC layout and most text dumps):
    short, with a letter, not ending in a full stop (or , ; :), not a date or trailer line,
    followed by a blank line and more text. It stays part of the body text."""
    if start is None or start + 1 >= len(lines) or lines[start + 1].strip():
        return None
    if _next_filled(lines, start + 1) is None:
        return None
    line = _squash(lines[start])
    full_stop = line[-1] in ".,;:" and not line.endswith("...")  # "Rivals of the Apple..." is a title
    if (len(line) > _MAX_TITLE_CHARS or len(line.split()) > _MAX_TITLE_WORDS or full_stop
            or not any(ch.isalpha() for ch in line) or _RULE.match(line) or _metadata_kind(line)
            or parse_date_line(line) is not None):
        return None
    return clean_inline(line) or None


def parse_wire(text: str, source: str) -> Article:
    """A decoded ``.txt``/``.md`` article → ``Article``.

    Raises ``InputError`` when no body text is left once header, trailer and markup are gone.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title: str | None = None
    date: dt.date | None = None
    had_header = False
    start = _next_filled(lines, 0)
    first_line = None
    if start is not None and (heading := _TITLE.match(_squash(lines[start]))):
        title = clean_inline(heading.group(1)) or None
        had_header = True
        start += 1
        nxt = _next_filled(lines, start)
        if nxt is not None and (found := parse_date_line(lines[nxt])) is not None:
            date = found
            start = nxt + 1
        nxt = _next_filled(lines, start)
        if nxt is not None and _RULE.match(lines[nxt]):
            start = nxt + 1
    else:
        first_line = _first_line_title(lines, start)
    body_lines = lines[start:] if start is not None else []
    paragraphs, trailer, had_trailer = _strip_trailer(_split_paragraphs(body_lines))
    body = clean_body("\n\n".join("\n".join(p) for p in paragraphs))
    if not body:
        if had_header or had_trailer:
            raise InputError(source, "no article text after removing metadata")
        if not any(unicodedata.category(char)[0] not in "ZC" for char in text):
            raise InputError(source, "no article text (only invisible or control characters)")
        raise InputError(source, "no article text (nothing left after removing markup)")
    return Article(
        source=source,
        text=body,
        title=title or trailer.title or first_line,
        date=date or trailer.date,
        publisher=trailer.publisher,
        url=trailer.url,
        retrieved=trailer.retrieved,
    )
