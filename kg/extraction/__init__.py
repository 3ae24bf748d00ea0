"""Extraction: Article → typed facts (``kg.extraction.facts``), with no RDF and no network.

``Extractor`` builds the rule pipeline once; ``extract_facts`` is the one-call convenience.
"""

from __future__ import annotations

from functools import lru_cache

from kg.extraction.facts import ArticleFacts
from kg.reading.article import Article


@lru_cache(maxsize=2)
def default_extractor(fast: bool = False):  # -> kg.extraction.pipeline.Extractor (lazy: spaCy is slow to load)
    """The shared extractor of this process for one mode (parser, or ``fast``: rules only),
    built on first use."""
    from kg.extraction.pipeline import Extractor

    return Extractor(fast=fast)


def extract_facts(article: Article, fast: bool = False) -> ArticleFacts:
    """Extract every fact of ``article`` with the default extractor (``fast``: no parser)."""
    return default_extractor(fast).extract(article)
