"""Figures: quantities as written, their value, unit and what they measure.

Recognised: money with the currency before or after the number ("$2.5 billion", "€40m",
"dollars 240m", "5 million euros"), percentages ("10 percent", "40%", "10 per cent", a range
"6-7%" as its upper value), quantities with a unit after the number ("110m tons", "11 million
tonnes", "18 months"), and counts ("50,000 new pictures", "one million such images",
"3,000 troops"). Years, calendar days, times and numbers inside names are not figures.
"""

from __future__ import annotations

import re

from kg.extraction.context import ArticleContext
from kg.extraction.facts import Figure
from kg.extraction.lexicon import CURRENCY_SYMBOLS, CURRENCY_WORDS, MONTHS, NUMBER_WORDS, SCALE_WORDS, STOP_WORDS

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = r"(?:" + "|".join(sorted((w for w in NUMBER_WORDS if w not in {"a", "an"}), key=len, reverse=True)) + r")"
_SCALE = r"(?:hundred|thousand|million|billion|trillion|bn|mn|tn|m|k)\b"
_CUR = r"(?:US\$|\$|€|£|¥|₹)"
_CURWORD = r"(?:dollars|euros|pounds|yen|yuan|rupees|francs)"
_UNITS = {  # a unit written after the number -> the unit recorded
    "tonnes": "tonnes", "tons": "tonnes", "tonne": "tonnes", "barrels": "barrels", "km": "km",
    "kilometres": "km", "kilometers": "km", "miles": "miles", "megawatts": "MW", "mw": "MW",
    "cubic metres": "m3", "cubic meters": "m3", "hours": "hours", "days": "days", "weeks": "weeks",
    "months": "months", "years": "years",
}
_UNIT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_FIGURE = re.compile(
    # "$240m", "£3bn", "dollars 240m" (news-wire text without currency symbols), "240m euros", "6-7%"
    rf"(?:(?P<cur>{_CUR})\s?|(?P<curpre>(?<![\w-]){_CURWORD})\s(?=\d))?(?<![\w.,])"
    rf"(?:(?P<low>{_NUM})[-–](?=\d))?"
    rf"(?P<num>{_NUM}|(?:{_WORDNUM}|an?)(?=\s+{_SCALE}))"
    rf"(?:\s?(?P<scale>{_SCALE}))?"
    rf"(?:\s?(?P<pct>%|percent\b|per cent\b|percentage points?\b))?"
    rf"(?:\s(?P<curword>{_CURWORD})\b)?"
    rf"(?:\s(?P<unit>{_UNIT})\b)?",
    re.I,
)
# every match of _FIGURE holds a digit or a scale word after white space: the many sentences
# with neither skip its slow scan
_DIGIT = re.compile(r"\d")
_SPACE_SCALE = re.compile(rf"\s{_SCALE}", re.I)
_MONTH_RX = re.compile(r"\b(?:" + "|".join(MONTHS) + r")\.?\s*$", re.I)
_MONTH_REACH = max(len(m) for m in MONTHS) + 1  # a match of _MONTH_RX starts this far before its \s*$
_DAY_AFTER = re.compile(r"\s*(?:st|nd|rd|th)?\s+(?:of\s+)?(?:" + "|".join(MONTHS) + r")\b", re.I)
_ADJECTIVE_AFTER = re.compile(r"[-–](?:nation|member|country|state|year|day|week|month|point|strong)\b")
_LETTER_AT_END = re.compile(r"[A-Za-z]$")
_TIME_AFTER = re.compile(r"\s*(?:a\.m\.|p\.m\.|am\b|pm\b|GMT|o'clock)", re.I)
_STOP_MEASURE = re.compile(r"[,.;:()\"“”]|\s(?:and|but|or|which|that|who|while|as|said|says|to|by|in|on|at|from|with|for|of)\s", re.I)


def find_figures(ctx: ArticleContext) -> list[Figure]:
    """Money, percentages, quantities with a unit and counts in the article's sentences, in text order,
    with their value, unit, what they measure and their sentence as evidence."""
    out: list[Figure] = []
    text = ctx.text
    for s in ctx.sentences:
        if not (_DIGIT.search(s.text) or _SPACE_SCALE.search(s.text)):
            continue
        for m in _FIGURE.finditer(s.text):
            num = m.group("num")
            if not num or not num.strip():
                continue
            start, end = s.start + m.start(), s.start + m.end()
            while end > start and text[end - 1] == " ":
                end -= 1
            before = s.text[:m.start()]
            after = s.text[m.end():]
            if _is_excluded(num, before, after, m):
                continue
            value = _value(num, m.group("scale"))
            if value is None:
                continue
            unit = None
            if m.group("pct"):
                unit = "percent"
            elif m.group("cur"):
                unit = CURRENCY_SYMBOLS.get(m.group("cur").upper() if m.group("cur") != "US$" else "US$", "USD")
            elif m.group("curword") or m.group("curpre"):
                unit = CURRENCY_WORDS[(m.group("curword") or m.group("curpre")).lower()]
            elif m.group("unit"):
                unit = _UNITS[m.group("unit").lower()]
            if unit is None and not m.group("scale") and not re.match(r"\s+[a-z]", after):
                continue  # a bare number with no noun after it: not a measured figure
            measures = _measures(s.text, m, unit)
            if unit is None and not measures:
                continue
            out.append(Figure(text=text[start:end], value=value, unit=unit, measures=measures,
                              evidence=ctx.sentence_evidence(s)))
    return out


def _is_excluded(num: str, before: str, after: str, m: re.Match[str]) -> bool:
    plain = num.replace(",", "")
    if re.fullmatch(r"(?:19|20)\d\d", plain) and not m.group("cur") and not m.group("pct") and not m.group("scale"):
        return True  # a year
    # the searches anchored at the end of ``before`` start where a match can begin (a search
    # from ``pos`` still sees the character before it for ``\b``): the same answer, without
    # scanning the whole sentence before every number
    if _MONTH_RX.search(before, max(0, len(before.rstrip()) - _MONTH_REACH - 1)) or _DAY_AFTER.match(after):
        return True  # a calendar day
    if _ADJECTIVE_AFTER.match(after) or after.startswith("-"):
        return True  # an adjective: "27-nation", "five-year"
    if _LETTER_AT_END.search(before, max(0, len(before) - 2)) or re.match(r"[A-Za-z]", after) and not m.group("scale"):
        return True  # inside a word or code: "G20", "COVID19"
    if _TIME_AFTER.match(after):
        return True
    if re.fullmatch(r"(?:one|an?)", num, re.I) and not m.group("scale"):
        return True
    return False


def _value(num: str, scale: str | None) -> float | None:
    n = num.lower().replace(",", "")
    if n in {"a", "an"}:
        base = 1.0
    elif n in NUMBER_WORDS:
        base = float(NUMBER_WORDS[n])
    else:
        try:
            base = float(n)
        except ValueError:
            return None
    if scale:
        base *= SCALE_WORDS[scale.lower()]
    return base


def _measures(sentence: str, m: re.Match[str], unit: str | None) -> str | None:
    """What the number counts: the words after it ('new pictures uploaded every year'), or for a
    rate the thing that changes ('the database ... grows by 10 percent')."""
    after = sentence[m.end():]
    of = re.match(r"\s+of\s+(?:the\s+)?(.*)", after)
    if unit in ("percent", "USD", "EUR", "GBP", "JPY", "INR", "CNY", "CHF"):
        if of:
            return _phrase(of.group(1))
        before = sentence[:m.start()]
        rate = re.search(r"(?:^|\bthat\s|,\s)(?P<subj>[^,;]*?)\s+(?:grows?|grew|rises?|rose|falls?|fell|increases?|increased|"
                         r"decreases?|decreased|drops?|dropped|climbs?|climbed|declines?|declined|goes up|went up|"
                         r"(?:will\s+)?(?:grow|rise|fall|increase|decrease|drop|climb|decline)|cut|reduce|reduced|"
                         r"raise|raised|boost|boosted)\s+(?:\w+\s+){0,2}(?:by|to)\s*$", before, re.I)
        if rate:
            subj = re.split(r"\bthat\s+|,\s+", rate.group("subj"))[-1]
            return _phrase(subj, keep_all=True)
        return _phrase(after) or None
    return _phrase(after)


def _phrase(text: str, keep_all: bool = False) -> str | None:
    text = text.strip()
    if not keep_all:
        cut = _STOP_MEASURE.search(" " + text + " ")
        candidate = text[: max(0, cut.start() - 1)] if cut else text
        candidate = " ".join(candidate.split()[:6])  # "new pictures uploaded every year"
    else:
        candidate = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)
    candidate = candidate.strip(" ,.;:")
    if not candidate or all(w.lower() in STOP_WORDS for w in candidate.split()):
        return None
    return candidate
