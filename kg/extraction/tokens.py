"""The token strings of one article, read from its spaCy ``Doc`` once.

spaCy builds a new ``Token`` object on every ``doc[i]`` and on every pass over the ``Doc``, and
every ``.text`` / ``.lower_`` is a string-store lookup; the rule steps read each token many
times, so they read these plain lists instead (``text[i] == doc[i].text``).
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.attrs import IDX, LOWER, ORTH
from spacy.tokens import Doc


@dataclass(frozen=True)
class Tokens:
    """Parallel lists over the tokens of a ``Doc``: written form, lower-case form, char offset."""

    text: list[str]
    lower: list[str]
    idx: list[int]

    @classmethod
    def of(cls, doc: Doc) -> Tokens:
        """Read the written form, lower-case form and character offset of every token of ``doc``."""
        orth, lower, idx = doc.to_array([ORTH, LOWER, IDX]).T.tolist() if len(doc) else ([], [], [])
        strings = doc.vocab.strings
        return cls([strings[h] for h in orth], [strings[h] for h in lower], idx)

    def __len__(self) -> int:
        return len(self.text)
