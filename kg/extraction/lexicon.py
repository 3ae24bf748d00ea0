"""The genre's closed English word lists, read from ``kg/extraction/data/cues.toml``.

Speech verbs, agreement nouns, membership and commitment cues, negations, event nouns, number
and currency words: how news *reports* agreements, never one article (world knowledge —
countries, organisations, titles, places — is in ``gazetteer``). The data file is the one
place to change them; this module only reads it once, at import, into immutable values.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from types import MappingProxyType
from typing import Any, Mapping

DATA_FILE = "cues.toml"
"""The data file, in ``kg/extraction/data/``."""


def _load() -> dict[str, Any]:
    return tomllib.loads(resources.files("kg.extraction").joinpath("data", DATA_FILE).read_text(encoding="utf-8"))


_DATA = _load()


def _words(key: str) -> frozenset[str]:
    return frozenset(_DATA[key])


def _patterns(key: str) -> tuple[str, ...]:
    return tuple(_DATA[key])


def _table(key: str) -> Mapping[str, Any]:
    return MappingProxyType(dict(_DATA[key]))


SPEECH_VERBS = _words("speech_verbs")
JOIN_VERBS = _words("join_verbs")
BASE_VERBS = _words("base_verbs")
STOP_WORDS = _words("stop_words")
DETERMINERS = _words("determiners")
NEGATION_PATTERNS = _patterns("negation_patterns")
EXCEPT_WORDS = _patterns("except_words")
COMMITMENT_CUES = _patterns("commitment_cues")

AGREEMENT_NOUNS: Mapping[str, str] = _table("agreement_nouns")
"""Head noun → the kind recorded on the agreement."""
LAUNCH_VERBS: Mapping[str, str] = _table("launch_verbs")
"""Verb form → "launch" or "signing"."""
EVENT_NOUNS: Mapping[str, str] = _table("event_nouns")
MONTHS: Mapping[str, int] = _table("months")
WEEKDAYS: Mapping[str, int] = _table("weekdays")
PRONOUNS: Mapping[str, str | None] = MappingProxyType({k: v or None for k, v in _DATA["pronouns"].items()})
NUMBER_WORDS: Mapping[str, int] = _table("number_words")
SCALE_WORDS: Mapping[str, int] = _table("scale_words")
CURRENCY_SYMBOLS: Mapping[str, str] = _table("currency_symbols")
CURRENCY_WORDS: Mapping[str, str] = _table("currency_words")

DATE_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS)
"""Month and weekday names (lower case): a capitalised word that starts a date, not a name."""

SYNTAX: Mapping[str, Any] = MappingProxyType({k: frozenset(v) if isinstance(v, list) else v
                                              for k, v in _DATA.get("syntax", {}).items()})
"""Lemma lists the parse-based rules read (``[syntax]`` in the data file): which verbs make
their subject and objects parties, which make them bystanders."""
