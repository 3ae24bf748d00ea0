"""Extraction: Article → typed facts (``kg.extract.facts``), with no RDF and no network.

``Extractor`` builds the rule pipeline once; ``extract_facts`` is the one-call convenience.
"""

from __future__ import annotations

from functools import lru_cache

from kg.extract.facts import ArticleFacts
from kg.reading.article import Article


@lru_cache(maxsize=1)
def default_extractor():  # -> kg.extract.pipeline.Extractor (imported lazily: spaCy is slow to load)
    """The shared default extractor of this process, built on first use."""
    from kg.extract.pipeline import Extractor

    return Extractor()


def extract_facts(article: Article) -> ArticleFacts:
    """Extract every fact of ``article`` with the default extractor."""
    return default_extractor().extract(article)
