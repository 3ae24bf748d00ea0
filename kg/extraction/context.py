"""What every extraction step of one article reads: the text and its readings.

Holds the tokenised text, its sentences, the statistical parse, the mentions, the actor
registry (every step that names an actor registers it here, so one actor is one key) and the
person mentions, with lookups by character offset. What a step *finds* travels as its declared
products (``kg.extraction.steps``), not through this object.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from kg.extraction.actors import ActorRegistry
from kg.extraction.facts import Evidence
from kg.extraction.mentions import Mention
from kg.extraction.sentences import Sentence
from kg.extraction.tokens import Tokens
from kg.reading.article import Article


@dataclass(frozen=True)
class PersonMention:
    """A span of text that refers to a person (full name, surname, honorific or pronoun)."""

    start: int
    end: int
    key: str


@dataclass
class ArticleContext:
    """Everything the extraction steps read and write for one article."""

    article: Article
    doc: Doc
    sentences: list[Sentence]
    mentions: list[Mention]
    registry: ActorRegistry = field(default_factory=ActorRegistry)
    person_mentions: list[PersonMention] = field(default_factory=list)
    affiliation_starts: set[int] = field(default_factory=set)  # mentions used as a post's affiliation
    role_words: dict[str, set[str]] = field(default_factory=dict)  # person key -> words of their roles
    # None only until __post_init__ reads the tokens from ``doc``: a dataclass field cannot take
    # ``Tokens | None`` in __init__ and be ``Tokens`` after it, short of a hand-written __init__
    tokens: Tokens = None  # type: ignore[assignment]
    parsed: Doc | None = None  # the statistical pipeline's reading of the text; None with --fast

    def __post_init__(self) -> None:
        self._starts = [s.start for s in self.sentences]
        if self.tokens is None:
            self.tokens = Tokens.of(self.doc)

    @property
    def text(self) -> str:
        """The article's full text."""
        return self.article.text

    def sentence_index(self, offset: int) -> int:
        """Index of the sentence holding character ``offset``."""
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def evidence(self, start: int, end: int | None = None) -> Evidence:
        """The sentence (or run of sentences) covering ``[start, end)`` as Evidence."""
        first = self.sentences[self.sentence_index(start)]
        last = self.sentences[self.sentence_index(max(start, (end or start + 1) - 1))]
        return Evidence(first.start, last.end, self.text[first.start:last.end])

    def sentence_evidence(self, sentence: Sentence) -> Evidence:
        """The whole of ``sentence`` as Evidence."""
        return Evidence(sentence.start, sentence.end, sentence.text)

    def mentions_in(self, start: int, end: int, kinds: tuple[str, ...] | None = None) -> list[Mention]:
        """The mentions lying wholly inside ``[start, end)``, in mention order; only those of the
        given ``kinds`` when kinds are given."""
        return [m for m in self.mentions if start <= m.start and m.end <= end
                and (kinds is None or m.kind in kinds)]

    def persons_in(self, start: int, end: int) -> list[PersonMention]:
        """The person mentions lying wholly inside ``[start, end)``, in the order they were found."""
        return [p for p in self.person_mentions if start <= p.start and p.end <= end]

    def span(self, start: int, end: int) -> Span:
        """Tokens covering the characters ``[start, end)``."""
        span = self.doc.char_span(start, end, alignment_mode="expand")
        assert span is not None
        return span
