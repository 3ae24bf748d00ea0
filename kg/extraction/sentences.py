"""Sentence segmentation with character offsets into ``Article.text``.

Rules for news prose: a paragraph break ends a sentence unless the paragraph stops in the
middle of one (a trailing comma, colon, semicolon, "and"/"or"), so a list broken across
paragraphs stays one sentence. Inside a paragraph a sentence ends at ``.``, ``!`` or ``?``
(optionally followed by closing quotes/brackets) before whitespace and an upper-case letter,
a digit or an opening quote — except after common abbreviations and initials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen col lt maj capt sgt rep sen gov pres amb hon rev messrs
    mt ft no vs etc inc ltd co corp dept univ jan feb mar apr jun jul aug sep sept oct nov dec
    u.s u.k u.n e.u a.m p.m approx est""".split()
)
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"“‘(\[]?[A-Z0-9À-ÖØ-Þ])")
_CONTINUES = re.compile(r"(?:[,;:\u2013\u2014-]|\band|\bor)\s*$")
_ABBREVIATION = re.compile(r"([A-Za-z.]+)\.$")


@dataclass(frozen=True)
class Sentence:
    """One sentence: ``text == article_text[start:end]``; ``paragraph`` is its first paragraph."""

    start: int
    end: int
    text: str
    paragraph: int


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the paragraphs of ``text`` (separated by blank lines)."""
    spans = []
    for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at ``dot`` closes an abbreviation or an initial, not a sentence."""
    m = _ABBREVIATION.search(text[max(0, dot - 64): dot + 1])  # a window: linear overall
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha()  # an initial: "John F. Kennedy"


def _ends_mid_sentence(text: str, start: int, end: int) -> bool:
    """``_CONTINUES.search(text[start:end])``, read at the end only: ``text[end - 1]`` is not
    white space (see ``paragraphs``), so a match is in the last three characters. With ``pos``
    the search still sees the character before it for ``\\b``, as the slice would."""
    return _CONTINUES.search(text, max(start, end - 8), end) is not None


def split_sentences(text: str) -> list[Sentence]:
    """Split the article text into sentences with exact offsets."""
    paras = paragraphs(text)
    # merge paragraphs that end mid-sentence with the next one
    blocks: list[tuple[int, int, int]] = []  # (start, end, first paragraph index)
    i = 0
    while i < len(paras):
        start, end = paras[i]
        first = i
        while i + 1 < len(paras) and _ends_mid_sentence(text, start, end):
            i += 1
            end = paras[i][1]
        blocks.append((start, end, first))
        i += 1
    sentences: list[Sentence] = []
    for start, end, para in blocks:
        cursor = start
        block = text[start:end]
        for m in _END.finditer(block):
            stop = start + m.end()
            dot = start + m.start()
            if text[dot] == "." and m.group(0).startswith(".") and len(m.group(0).rstrip("\"'”’)]")) == 1:
                if _is_abbreviation(text, dot):
                    continue
            if stop > cursor:
                sentences.append(Sentence(cursor, stop, text[cursor:stop], para))
            cursor = stop
            while cursor < end and text[cursor].isspace():
                cursor += 1
        if cursor < end:
            sentences.append(Sentence(cursor, end, text[cursor:end], para))
    return sentences
