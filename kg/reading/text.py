"""Shared text cleaning for article readers: body text, one-line values and date values.

Owns the exact shape of ``Article.text`` (every evidence offset points into it), so all
readers go through :func:`clean_body` (sources with markdown and HTML entities in the text)
or :func:`normalize_text` (sources already decoded from markup, such as parsed HTML).
Both are pure functions: the same input always gives the same output.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import re

from dateutil import parser as _dateutil_parser

# --- characters --------------------------------------------------------------------------

_NEWLINES = re.compile(r"\r\n|\r|\u2028|\x85")
# C0/C1 control characters that render as (vertical) space: they separate words.
_SPACE_CONTROLS = re.compile(r"[\t\x0b\x0c\x1c-\x1f]")
# Every other control character except "\n", lone surrogates (never valid text), and the
# invisible zero-width space, word joiner and byte order mark (left by editors and by joined
# files; text made only of them would otherwise pass for an article).
_DROP_CHARS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\u200b\u2060\ufeff]")

# --- markdown and entities (applied to one paragraph, already on one line) ---------------

_HEADING = re.compile(r"^#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_RULE = re.compile(r"^(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_LINK_TARGET = r"\((?:[^()]|\([^()]*\))*\)"  # "(url)", allowing one level of parentheses
_IMAGE = re.compile(r"!\[[^\[\]]*\]" + _LINK_TARGET)
_LINK = re.compile(r"\[([^\[\]]*)\]" + _LINK_TARGET)
# Emphasis delimiters as (opener, closer, width): a marker pair wraps words when the opener
# is followed and the closer preceded by a non-space, and neither touches a word character
# outside (so "2 * 3 * 4" and "snake_case_name" are left alone).
_EMPHASIS = (
    (re.compile(r"(?<![\w*])\*\*(?=\S)"), re.compile(r"(?<=\S)\*\*(?![\w*])"), 2),
    (re.compile(r"(?<![\w_])__(?=\S)"), re.compile(r"(?<=\S)__(?![\w_])"), 2),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])"), re.compile(r"(?<=[^\s*])\*(?![\w*])"), 1),
    (re.compile(r"(?<![\w_])_(?=[^\s_])"), re.compile(r"(?<=[^\s_])_(?![\w_])"), 1),
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _clean_chars(text: str) -> str:
    text = _NEWLINES.sub("\n", text).replace("\u2029", "\n\n")
    text = _SPACE_CONTROLS.sub(" ", text)
    return _DROP_CHARS.sub("", text)


def _paragraphs(text: str) -> list[str]:
    """Split on blank lines; each paragraph's whitespace collapsed to single spaces."""
    out: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            out.append(" ".join(" ".join(current).split()))
            current = []
    if current:
        out.append(" ".join(" ".join(current).split()))
    return out


def normalize_text(raw: str) -> str:
    """Plain text → canonical body text, without touching markup.

    Newlines normalised, control characters dropped, each paragraph (separated by blank
    lines) collapsed to one line with single spaces, empty paragraphs dropped, paragraphs
    joined by exactly ``"\\n\\n"``. Unicode (curly quotes, accents, ...) is kept as is.
    """
    return "\n\n".join(_paragraphs(_clean_chars(raw)))


def _unwrap(text: str, opener: re.Pattern[str], closer: re.Pattern[str], width: int) -> str:
    """Remove emphasis marker pairs, each opener paired with the nearest closer after it.

    Same result as one lazy regex ``opener(.+?)closer`` but in O(n log n): a lazy regex
    rescans the rest of the line for every unclosed opener, which is quadratic.
    """
    closers = [m.start() for m in closer.finditer(text)]
    out: list[str] = []
    pos = 0
    for m in opener.finditer(text):
        start = m.start()
        if start < pos:
            continue
        i = bisect.bisect_left(closers, start + width + 1)
        if i == len(closers):
            break
        end = closers[i]
        out += [text[pos:start], text[start + width : end]]
        pos = end + width
    out.append(text[pos:])
    return "".join(out)


def _strip_markup(paragraph: str) -> str:
    heading = _HEADING.match(paragraph)
    if heading:
        paragraph = heading.group(1)
    if _RULE.match(paragraph):
        return ""
    paragraph = _IMAGE.sub("", paragraph)
    paragraph = _LINK.sub(r"\1", paragraph)
    for opener, closer, width in _EMPHASIS:
        paragraph = _unwrap(paragraph, opener, closer, width)
    paragraph = _ENTITY.sub(lambda m: html.unescape(m.group(0)), paragraph)
    # Entities may have produced control characters or whitespace: clean once more.
    return " ".join(_clean_chars(paragraph).split())


def clean_body(raw: str) -> str:
    """Markdown-ish source text → canonical body text (see :func:`normalize_text`).

    In addition: links ``[text](target)`` become ``text``, images ``![alt](src)`` are
    removed, ``**``/``__``/``*``/``_`` emphasis markers are removed where they wrap words,
    heading markers and horizontal rules are removed, and HTML entities (``&amp;``,
    ``&#8217;``) are unescaped. Paragraphs left empty are dropped.
    """
    paragraphs = (_strip_markup(p) for p in _paragraphs(_clean_chars(raw)))
    return "\n\n".join(p for p in paragraphs if p)


def clean_inline(raw: str) -> str:
    """A one-line value (title, publisher) cleaned like body text; "" when nothing is left."""
    return " ".join(clean_body(raw).split())


# --- dates -------------------------------------------------------------------------------

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_DATE_LINES = (
    re.compile(rf"{_WEEKDAY}{_MONTH}\s*{_DAY},?\s+{_YEAR}\.?", re.I),
    re.compile(rf"{_WEEKDAY}{_DAY}\s+{_MONTH},?\s+{_YEAR}\.?", re.I),
    re.compile(
        r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
        r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?",
        re.I,
    ),
)
_MAX_DATE_CHARS = 100
_DEFAULT_A = dt.datetime(2000, 1, 1)
_DEFAULT_B = dt.datetime(2001, 2, 2)


def parse_date_line(line: str) -> dt.date | None:
    """A line that is exactly one date ("December 5 2012", "5 December 2012",
    "Dec. 5, 2012", "2012-12-05"), else None. Strict: used to recognise header lines."""
    line = line.strip()
    if len(line) > _MAX_DATE_CHARS:
        return None
    for pattern in _DATE_LINES:
        m = pattern.fullmatch(line)
        if m:
            month = m.group("month")
            number = int(month) if month.isdigit() else _MONTHS[month.lower()]
            try:
                return dt.date(int(m.group("year")), number, int(m.group("day")))
            except ValueError:
                return None
    return None


def parse_date(value: str) -> dt.date | None:
    """A complete calendar date in any common format (ISO, RFC 2822, "5 Dec 2012", ...).

    None when the value is not a date or lacks the year, month or day: no part of a date
    is ever filled in from today or from a default.
    """
    value = value.strip()
    if not value or len(value) > _MAX_DATE_CHARS:
        return None
    strict = parse_date_line(value)
    if strict is not None:
        return strict
    try:
        a = _dateutil_parser.parse(value, default=_DEFAULT_A)
        b = _dateutil_parser.parse(value, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError, IndexError, AttributeError):
        return None
    if a.date() != b.date():  # some part came from the default: incomplete date
        return None
    return a.date()
