"""The Article record: the plain text of one news article and its metadata.

Everything downstream (extraction, RDF mapping, provenance offsets) refers to ``Article.text``:
plain text, markdown removed, paragraphs separated by one blank line (``"\\n\\n"``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field

from kg.errors import InputError
from kg.reading.language import not_english

MAX_ARTICLE_BYTES = 16 * 1024 * 1024
"""Largest source of one article: an article file, or one line of a JSON Lines file."""
READER_VERSION = 1
"""The version of what the readers make of a source's bytes (text, metadata, identity key):
raise it whenever a reader gives another ``Article`` for the same bytes. It is part of every
``Article.digest``, so a build after the change reads every source again."""
MAX_ARTICLE_CHARS = 100_000
"""Longest article text (about 15,000 words, several times a long news feature). Extraction
time grows faster than the text, so a longer text is refused instead of stalling a build."""


@dataclass(frozen=True)
class Article:
    """One article as read from a source file."""

    source: str  # where it came from: a path, or "path:LINE" for a .jsonl line
    text: str  # body text; character offsets of evidence point into this string
    title: str | None = None
    date: dt.date | None = None  # publication date
    publisher: str | None = None
    url: str | None = None
    retrieved: dt.date | None = None  # retrieval date given by a citation line
    key: str | None = None  # where it lives, for its identity: "file:/abs/path", "id:…", "line:…"
    # What it was read from: see ``source_digest``. Not part of the content: a copy of a file
    # is the same article (same content hash), read from other bytes at another place.
    digest: str | None = field(default=None, compare=False, repr=False)

    @property
    def content_hash(self) -> str:
        """SHA-256 over the text and metadata: changes whenever the article changes."""
        h = hashlib.sha256()
        for part in (self.text, self.title, self.date, self.publisher, self.url, self.retrieved):
            h.update(repr(part).encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()

    @property
    def identity(self) -> str:
        """What makes two versions of an article 'the same article', stable under edits:
        its URL; else its title and publication date, when it has both; else where it lives
        (``key``: a file's absolute path, a JSON Lines record's ``id`` or file and line);
        else its title; else its text (standard input without metadata)."""
        if self.url:
            return "url:" + self.url.strip()
        if self.title and self.date:
            return f"title:{self.title.strip().lower()}|{self.date.isoformat()}"
        if self.key:
            return self.key
        if self.title:
            return f"title:{self.title.strip().lower()}|"
        return "text:" + hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Unread:
    """A source that was not read: its bytes are those a build already holds (``digest``)."""

    source: str
    digest: str


def source_digest(kind: str, source: str, where: str | None, data: bytes) -> str:
    """SHA-256 over the reader's version, the kind of reader, the source as given, where the
    bytes live (a file's real path, None for standard input) and the bytes themselves.

    Everything a reader makes of a source (text, metadata, identity key) is a function of
    these, so two reads with the same digest give the same ``Article``; a build compares
    digests before any decoding, cleaning or language check (see ``kg.builder``)."""
    h = hashlib.sha256()
    for part in (f"kg-reader {READER_VERSION}", kind, source, where or ""):
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\x00")
    h.update(data)
    return h.hexdigest()


def check_text(text: str, source: str, line: int | None = None) -> str:
    """``text`` when it can be one article's text for kg (not too long, English); else ``InputError``."""
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(
            source,
            f"article text too long ({len(text):,} characters; the limit is {MAX_ARTICLE_CHARS:,}): "
            "is this one article? Split it into one article per file or JSON Lines record",
            line,
        )
    if not any(unicodedata.category(char)[0] not in "ZC" for char in text):
        raise InputError(source, "no article text (only invisible characters)", line)
    problem = not_english(text)
    if problem:
        raise InputError(source, problem, line)
    return text
