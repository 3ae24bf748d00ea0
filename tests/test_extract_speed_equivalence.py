"""The shortcuts that make extraction fast give the same answers as the plain code they replace.

Each shortcut in ``kg.extraction`` rests on a claim: a cheap test is true whenever a slow regular
expression could match, a search from a later position finds what a search of the whole string
finds, the token lists are the token attributes, the tokenizer gives back the text it was given.
Hypothesis checks each claim on arbitrary unicode mixed with the material the rules react to,
with a fixed seed (``derandomize=True``) so every run tries the same examples.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extraction import default_extractor, events, figures, quotes, sentences
from kg.extraction.tokens import Tokens

MATERIAL = [
    " ", "  ", "\n", "\n\n", "\t", "\u00a0", "\u2028", "\u3000", ".", ",", ";", ":", "-", "\u2013",
    "\u2014", '"', "\u201c", "\u201d", "\u201e", "\u00ab", "\u00bb", "(", "[", "and", "or", "brand",
    "said", "told", " told reporters", " added", " According to", "Mr", "Dr.", "U.S.", "5", "2012", "1,500", "$", "\u00a3", "%",
    "million", "bn", "m", "k", "a", "an", "one", "one million", "a billion", "Twenty BN", "five m",
    "January", "Sept", "may", "the 5th of", "am",
    "press conference", "Joint News Conference", "summit", "SUMMIT", "talks", "visit", "\u017f",
    "\u212a", "\u0131", "\u0130", "\u00e9", "Minister", "G20", "27-nation",
]  # fmt: skip
piece = st.one_of(st.sampled_from(MATERIAL), st.sampled_from(MATERIAL), st.text(max_size=6))
texts = st.lists(piece, max_size=30).map("".join)
SETTINGS = settings(max_examples=400, derandomize=True, deadline=None)


@SETTINGS
@given(texts)
def test_paragraph_end_test_reads_only_the_end(text: str) -> None:
    paras = sentences.paragraphs(text)
    for start, _ in paras:
        for _, end in paras:
            if end > start:
                slow = sentences._CONTINUES.search(text[start:end]) is not None
                assert sentences._ends_mid_sentence(text, start, end) == slow


@SETTINGS
@given(texts)
def test_figure_searches_at_the_end_of_before(before: str) -> None:
    slow_month = figures._MONTH_RX.search(before) is not None
    fast_month = figures._MONTH_RX.search(before, max(0, len(before.rstrip()) - figures._MONTH_REACH - 1))
    assert (fast_month is not None) == slow_month
    slow_letter = re.search(r"[A-Za-z]$", before) is not None
    assert (figures._LETTER_AT_END.search(before, max(0, len(before) - 2)) is not None) == slow_letter


@SETTINGS
@given(texts)
def test_cheap_tests_hold_wherever_the_slow_pattern_matches(text: str) -> None:
    if figures._FIGURE.search(text):
        assert figures._DIGIT.search(text) or figures._SPACE_SCALE.search(text)
    if events._EVENT_RX.search(text):
        assert events._may_name_event(text)
    if quotes._BEFORE.search(text):
        assert quotes._BEFORE_CUE.search(text)


def _quote_spans_char_by_char(text: str) -> list[quotes.QuoteSpan]:
    """``quote_spans`` as first written: every character of every paragraph visited."""
    spans: list[quotes.QuoteSpan] = []
    for p_start, p_end in sentences.paragraphs(text):
        open_at: int | None = None
        i = p_start
        while i < p_end:
            ch = text[i]
            if open_at is None and ch in quotes._OPEN:
                if ch != "\"" or i == p_start or not text[i - 1].isalnum() or text[i - 1] in " ([":
                    open_at = i + 1
            elif open_at is not None and ch in quotes._CLOSE and (ch != "“" or text[i - 1] != " "):
                if i > open_at:
                    spans.append(quotes.QuoteSpan(open_at, i))
                open_at = None
            i += 1
        if open_at is not None and p_end > open_at:
            spans.append(quotes.QuoteSpan(open_at, p_end))
    return spans


@SETTINGS
@given(texts)
def test_quote_spans_visit_only_quotation_marks(text: str) -> None:
    assert quotes.quote_spans(text) == _quote_spans_char_by_char(text)


@SETTINGS
@given(texts)
def test_tokens_are_the_token_attributes_and_the_text_comes_back(text: str) -> None:
    doc = default_extractor().nlp.make_doc(text)
    assert doc.text == text  # the pipeline passes the article text where doc.text was read
    tokens = Tokens.of(doc)
    assert tokens.text == [t.text for t in doc]
    assert tokens.lower == [t.lower_ for t in doc]
    assert tokens.idx == [t.idx for t in doc]
