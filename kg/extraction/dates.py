"""Dates in text: explicit ("December 5 2012", "5 Dec. 2012", "2012-12-05") and relative
("on Wednesday", "yesterday", "a year ago", "two weeks ago", "last Tuesday", "next Monday"),
resolved against the article's publication date. Vague expressions ("last year", "recently")
give no date: nothing is invented.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from kg.extraction.lexicon import MONTHS, NUMBER_WORDS, WEEKDAYS


@dataclass(frozen=True)
class DateMention:
    """A date expression found in a sentence: offsets relative to the searched string."""

    start: int
    end: int
    text: str
    date: dt.date


_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_EXPLICIT = [
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
]
_DAY_MONTH = [
    re.compile(rf"\b(?:on\s+)?{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s+\d{{4}})", re.I),
    re.compile(rf"\b(?:on\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?!,?\s+\d{{4}})", re.I),
]
_WEEKDAY = re.compile(r"\b(?P<mod>on|last|this|next|since|by|until|from)?\s*(?P<wd>" + "|".join(WEEKDAYS) + r")\b", re.I)
_AGO = re.compile(
    r"\b(?P<n>\d+|" + "|".join(NUMBER_WORDS) + r")\s+(?P<unit>day|week|month|year)s?\s+ago\b", re.I)
_SIMPLE = re.compile(r"\b(?P<word>yesterday|today|tomorrow)\b", re.I)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, published: dt.date | None) -> list[DateMention]:
    """All date expressions in ``text`` that resolve to a calendar day, in text order."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], date: dt.date | None) -> None:
        """Record the match as a date mention unless ``date`` is None or it overlaps one already taken."""
        if date is None:
            return
        s, e = m.span()
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        found.append(DateMention(s, e, m.group(0).strip(), date))

    for rx in _EXPLICIT:
        for m in rx.finditer(text):
            month = int(m.group("mnum")) if "mnum" in rx.groupindex else MONTHS[m.group("month").lower()]
            add(m, _safe_date(int(m.group("year")), month, int(m.group("day"))))
    if published is not None:
        for rx in _DAY_MONTH:
            for m in rx.finditer(text):
                month = MONTHS[m.group("month").lower()]
                if m.group("month").lower() == "may" and not m.group(0).lower().startswith("on"):
                    continue  # "may 5" is too often the verb
                date = _safe_date(published.year, month, int(m.group("day")))
                if date and date > published + dt.timedelta(days=180):
                    date = _safe_date(published.year - 1, month, int(m.group("day")))
                add(m, date)
        for m in _WEEKDAY.finditer(text):
            wd = WEEKDAYS[m.group("wd").lower()]
            mod = (m.group("mod") or "").lower()
            if mod == "next":
                delta = (wd - published.weekday()) % 7 or 7
                add(m, published + dt.timedelta(days=delta))
            else:
                delta = (published.weekday() - wd) % 7
                if mod == "last" and delta == 0:
                    delta = 7
                add(m, published - dt.timedelta(days=delta))
        for m in _AGO.finditer(text):
            n_text = m.group("n").lower()
            n = int(n_text) if n_text.isdigit() else NUMBER_WORDS[n_text]
            unit = m.group("unit").lower()
            add(m, published - relativedelta(**{unit + "s": n}))
        for m in _SIMPLE.finditer(text):
            offset = {"yesterday": -1, "today": 0, "tomorrow": 1}[m.group("word").lower()]
            add(m, published + dt.timedelta(days=offset))
    found.sort(key=lambda d: d.start)
    return found


def parse_date(text: str) -> dt.date | None:
    """A date written on its own ("December 5 2012", "2012-12-05"), or None."""
    for m in find_dates(text, None):
        return m.date
    return None
