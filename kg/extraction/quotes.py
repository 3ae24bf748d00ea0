"""Direct quotations and their speakers.

Quotation marks are paired per paragraph (straight and curly); a paragraph that opens a quote
and never closes it continues the quote (the news convention for multi-paragraph quotes), and
its speaker is the one named where the quote closes. A quotation counts when it has an
attribution — before it (``X said: "..."``, ``X said the plan "will ..."``), after it
(``"...," she said``, ``"...," said X``, ``"...," said Dominica's prime minister, Name``,
``"...", X told reporters``), between two halves of a split quote, in the next sentence, or in
the sentence before (``..., Mr Straw said. "..."``) — or when it is a long stand-alone passage
continuing the previous speaker. A quoted phrase under ``MIN_QUOTE_WORDS`` words is a partial
quote or a scare quote, not a quotation.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from kg.extraction.context import ArticleContext, PersonMention
from kg.extraction.facts import Quote
from kg.extraction.lexicon import PRONOUNS, SPEECH_VERBS
from kg.extraction.mentions import COUNTRY, ORGANISATION
from kg.extraction.sentences import paragraphs

_OPEN = "\"“„«"
_CLOSE = "\"”“»"
_MARK = re.compile("[" + re.escape(_OPEN + _CLOSE) + "]")
# speech verbs are matched in lower case only: "States" in "United States" is not a verb
_SPEECH = r"(?-i:" + "|".join(sorted(SPEECH_VERBS, key=len, reverse=True)) + r")"
_AFTER_SPEAKER_VERB = re.compile(rf"^[\s,.!?;:—–-]*(?P<who>[^\".“”]{{1,120}}?)\s+{_SPEECH}\b", re.I)
_ENDS_SENTENCE = re.compile(r"^\s*[.!?](?:\s|$)")
_AFTER_VERB_SPEAKER = re.compile(rf"^[\s,.!?;:—–-]*{_SPEECH}\s+(?P<who>[^\".“”,;]{{1,80}})", re.I)
_BEFORE = re.compile(rf"(?P<who>[^\".“”;]{{1,100}}?)\s+(?:{_SPEECH}|according to)\b(?P<rest>[^\"“”]{{0,120}})$", re.I)
# what every match of _BEFORE holds: a cheap test that spares its slow search most of the time
_BEFORE_CUE = re.compile(rf"\s(?:{_SPEECH}|according to)\b", re.I)
_INTRODUCES = re.compile(r"\s*:")
_APPOSITION_NAME = re.compile(r",\s+(?P<name>[A-Z][^,.;:\"“”]{1,60})")
_ACCORDING = re.compile(r"^[\s,]*according to\s+(?P<who>[^\".“”,;]{1,80})", re.I)


MIN_QUOTE_WORDS = 5
"""A quotation has at least this many words; a shorter quoted phrase is a partial quote."""


@dataclass(frozen=True)
class QuoteSpan:
    """Offsets of the text inside a pair of quotation marks."""

    start: int
    end: int


def quote_spans(text: str) -> list[QuoteSpan]:
    """All quoted passages (inner offsets), paired within paragraphs."""
    spans: list[QuoteSpan] = []
    for p_start, p_end in paragraphs(text):
        open_at: int | None = None
        for qm in _MARK.finditer(text, p_start, p_end):  # only quotation marks change the state
            i = qm.start()
            ch = text[i]
            if open_at is None and ch in _OPEN:
                # an opening mark starts a word: not an inch sign or closing mark
                if ch != "\"" or i == p_start or not text[i - 1].isalnum() or text[i - 1] in " ([":
                    open_at = i + 1
            elif open_at is not None and ch in _CLOSE and (ch != "“" or text[i - 1] != " "):
                if i > open_at:
                    spans.append(QuoteSpan(open_at, i))
                open_at = None
        if open_at is not None and p_end > open_at:
            spans.append(QuoteSpan(open_at, p_end))
    return spans


def find_quotes(ctx: ArticleContext, spans: list[QuoteSpan] | None = None) -> list[Quote]:
    """Quotations with speakers (Actor keys), in text order; ``spans``: ``quote_spans(ctx.text)``
    when the caller has them already."""
    text = ctx.text
    if spans is None:
        spans = quote_spans(text)
    quotes: list[Quote] = []
    last_speaker: str | None = None
    for n, q in enumerate(spans):
        inner = text[q.start:q.end]
        para = _paragraph_bounds(text, q.start)
        before = text[max(para[0], spans[n - 1].end + 1 if n and spans[n - 1].end >= para[0] else para[0]):max(para[0], q.start - 1)]
        nxt = spans[n + 1].start - 1 if n + 1 < len(spans) and spans[n + 1].start < para[1] else para[1]
        after = text[min(q.end + 1, para[1]):max(min(q.end + 1, para[1]), nxt)]
        after_offset = q.end + 1
        speaker: str | None = None
        # attribution after: '," she said' / '," said Dupont' / ', X told reporters'
        # (not when the quote ends its sentence: '... cooperation". Relations ..., but X said ...')
        # a quote that ends with its own full stop, followed by a capitalised word, ended its sentence:
        # '"... cannot win." Neil O'Brien, director of Vote No, said: "..."' is the next quote's speaker
        ends_sentence = _ENDS_SENTENCE.match(after) is not None or (
            inner.rstrip()[-1:] == "." and after.lstrip()[:1].isupper())
        m = None if ends_sentence else _ACCORDING.match(after) or _AFTER_VERB_SPEAKER.match(after)
        if m and not _looks_like_clause(m.group("who")):
            # 'said Dominica's prime minister, Vernon Laville': the person named after the role
            named = _APPOSITION_NAME.match(after, m.end("who"))
            appositive = named and ctx.persons_in(after_offset + named.start("name"), after_offset + named.end("name"))
            if appositive:
                speaker = appositive[0].key
            else:
                speaker = _resolve(ctx, m.group("who"), after_offset + m.start("who"), last_speaker, first=True)
        if speaker is None and not ends_sentence:
            m = _AFTER_SPEAKER_VERB.match(after)
            if m and _INTRODUCES.match(after, m.end()):
                m = None  # 'X said: "..."' introduces the quote after it
            if m and (len(m.group("who").split()) <= 8 or ctx.persons_in(after_offset + m.start("who"), after_offset + m.end("who"))):
                speaker = _resolve(ctx, m.group("who"), after_offset + m.start("who"), last_speaker, first=True)
        # attribution before: 'X said: "' / 'X said the plan "will ...'
        if speaker is None and before.strip():
            sent_start = ctx.sentences[ctx.sentence_index(q.start)].start
            clause = text[max(sent_start, q.start - 1 - len(before)):q.start - 1]
            m = _BEFORE.search(clause) if _BEFORE_CUE.search(clause) else None
            if m:
                speaker = _resolve(ctx, m.group("who"), q.start - 1 - len(clause) + m.start("who"), last_speaker)
        words = len(inner.split())
        if speaker is None and quotes and n and spans[n - 1].start >= para[0] and quotes[-1].start == spans[n - 1].start:
            speaker = quotes[-1].speaker  # the second half of a split quote, or a follow-on quote

        if speaker is None:
            # attribution in the next sentence: '"...". The minister said this ...' / 'She added.'
            s_idx = ctx.sentence_index(max(q.start, q.end - 1))
            if s_idx + 1 < len(ctx.sentences) and words >= 4:
                nxt_s = ctx.sentences[s_idx + 1]
                if nxt_s.start >= q.end:
                    m = re.match(rf"(?P<who>[^\".“”;]{{1,80}}?)\s+(?:{_SPEECH}|made the (?:remarks|comments|statement)|was speaking|spoke)\b", nxt_s.text, re.I)
                    if m and not _quote_inside(spans, nxt_s.start, nxt_s.end):
                        speaker = _resolve(ctx, m.group("who"), nxt_s.start + m.start("who"), last_speaker)
        if speaker is None and words >= 8 and quotes and _continues_previous(text, spans, n, quotes):
            speaker = quotes[-1].speaker
        if speaker is None and words >= MIN_QUOTE_WORDS:
            # a quote opening its sentence right after 'Patriots ..., Mr Straw said.' in its paragraph
            speaker = _previous_sentence_speaker(ctx, q, para, last_speaker)
        if speaker is None and (words < 8 or not re.search(r"\b(?:we|our|us|i|my|me)\b", inner, re.I)):
            continue  # a scare quote or a title, not a quotation
        if words < MIN_QUOTE_WORDS:
            continue  # a quoted word or phrase ("seems straightforward"), not a statement
        clean = inner.strip().rstrip(",").strip()
        if not clean:
            continue
        ev = ctx.evidence(q.start - 1, min(len(text), q.end + 1 + len(after)))
        quotes.append(Quote(text=clean, speaker=speaker, start=q.start, end=q.start + len(inner.rstrip().rstrip(",").rstrip()),
                            evidence=ev))
        if speaker is not None:
            last_speaker = speaker
    _speakers_of_open_paragraphs(text, quotes)
    return quotes


def _speakers_of_open_paragraphs(text: str, quotes: list[Quote]) -> None:
    """A quotation over several paragraphs opens each with a quote mark and closes only the
    last, where the speaker is named: the open paragraphs before it are that speaker's."""
    for i in range(len(quotes) - 2, -1, -1):
        q, nxt = quotes[i], quotes[i + 1]
        if q.speaker is not None or nxt.speaker is None:
            continue
        para_end = _paragraph_bounds(text, q.start)[1]
        if text[q.end:para_end].strip(" ,.") == "" and text[para_end:nxt.start].strip() in _OPEN:
            quotes[i] = dataclasses.replace(q, speaker=nxt.speaker)


_ENDS_WITH_SPEAKER = re.compile(rf"[,;]\s*(?P<who>[^\".“”,;]{{1,60}}?)\s+(?:{_SPEECH})\s*[.:]\s*$", re.I)


def _previous_sentence_speaker(ctx: ArticleContext, q: QuoteSpan, para: tuple[int, int],
                               last_speaker: str | None) -> str | None:
    """The speaker of a sentence that ends '..., X said.' right before a quotation that opens
    the next sentence of the same paragraph: the quote goes on with what X said."""
    si = ctx.sentence_index(q.start)
    sentence = ctx.sentences[si]
    if si == 0 or ctx.text[sentence.start:q.start - 1].strip():
        return None
    prev = ctx.sentences[si - 1]
    if prev.start < para[0] or _MARK.search(prev.text):
        return None
    m = _ENDS_WITH_SPEAKER.search(prev.text)
    if m is None:
        return None
    return _resolve(ctx, m.group("who"), prev.start + m.start("who"), last_speaker)


def _resolve(ctx: ArticleContext, who: str, offset: int, last_speaker: str | None,
             first: bool = False) -> str | None:
    """The actor key a speaker phrase refers to: a person (by name, surname, pronoun or role),
    or a country or organisation ("the ministry said"). ``first``: the speaker phrase follows
    the quote, so its first person is the speaker; otherwise the last one before the verb."""
    persons = [p for p in ctx.person_mentions if offset <= p.start < offset + len(who)]
    if persons:
        return persons[0].key if first else persons[-1].key
    offset += len(who) - len(who.lstrip())
    who_stripped = who.strip()
    low = who_stripped.lower()
    if low in PRONOUNS:
        return _pronoun(ctx, PRONOUNS[low], offset, last_speaker)
    key = ctx.registry.find_person(who_stripped)
    if key is not None:
        return key
    # a role description: "the commissioner", "Kenya's foreign minister"
    words = set(re.split(r"[\s-]+", low))  # "the secretary-general": role words are split at hyphens
    for pk in reversed(_persons_before(ctx, offset)):
        if any(w in words for w in _role_words(ctx, pk)):
            return pk
    orgs = ctx.mentions_in(offset, offset + len(who_stripped) + 1, (ORGANISATION, COUNTRY))
    if orgs:
        return ctx.registry.from_mention(orgs[-1], ctx.evidence(offset))
    return None


def _pronoun(ctx: ArticleContext, gender: str | None, offset: int, last_speaker: str | None) -> str | None:
    candidates = _persons_before(ctx, offset)
    para_start = _paragraph_bounds(ctx.text, offset)[0]
    in_para = [p.key for p in ctx.person_mentions if para_start <= p.start < offset]
    in_para = [k for k in reversed(in_para) if _compatible(ctx, k, gender)]
    key: str | None
    if in_para:
        key = in_para[0]
    elif last_speaker is not None and _compatible(ctx, last_speaker, gender):
        key = last_speaker
    else:
        key = next((k for k in reversed(candidates) if _compatible(ctx, k, gender)), None)
    if key is not None and gender and key not in ctx.registry.gender:
        ctx.registry.gender[key] = gender
    return key


def _compatible(ctx: ArticleContext, key: str, gender: str | None) -> bool:
    known = ctx.registry.gender.get(key)
    return gender is None or known is None or known == gender


def _persons_before(ctx: ArticleContext, offset: int) -> list[str]:
    seen: list[str] = []
    for p in ctx.person_mentions:
        if p.start >= offset:
            break
        if p.key in seen:
            seen.remove(p.key)
        seen.append(p.key)
    return seen


def _role_words(ctx: ArticleContext, person_key: str) -> set[str]:
    return ctx.role_words.get(person_key, set())


def _looks_like_clause(who: str) -> bool:
    return len(who.split()) > 12


def _quote_inside(spans: list[QuoteSpan], start: int, end: int) -> bool:
    return any(start <= q.start < end for q in spans)


def _continues_previous(text: str, spans: list[QuoteSpan], n: int, quotes: list[Quote]) -> bool:
    """A quotation opening its own paragraph right after a paragraph with a quotation."""
    q = spans[n]
    para_start = _paragraph_bounds(text, q.start)[0]
    if text[para_start:q.start - 1].strip():
        return False
    prev = quotes[-1]
    gap = text[prev.end:para_start]
    return gap.count("\n\n") <= 1 and len(gap) < 200


def _paragraph_bounds(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n\n", 0, offset)
    end = text.find("\n\n", offset)
    return (0 if start < 0 else start + 2, len(text) if end < 0 else end)


__all__ = ["QuoteSpan", "quote_spans", "find_quotes", "PersonMention"]
