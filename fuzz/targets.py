"""Fuzz targets for the article reader and the extractor: bytes in, invariants checked.

One function per target; each takes the fuzzer's input and raises ``AssertionError`` (or any
other exception) only when kg misbehaves. Two drivers share them:

* ``fuzz/fuzz_reader.py`` runs them under atheris (coverage-guided, by hand, open-ended);
* ``tests/test_fuzz_targets.py`` runs them under hypothesis in CI (fixed seed and budget).

What must hold for *any* bytes:

* reading never raises: every input gives ``Article`` records and ``InputError`` values only;
* an ``InputError`` names its source first and is one line (it is printed as one line);
* an ``Article`` has non-empty, normalised, valid UTF-8 text no longer than
  ``MAX_ARTICLE_CHARS``, and one-line metadata;
* extraction never raises; every piece of evidence slices the text to its sentence;
* every IRI minted is valid, and the article's graph survives an N-Triples round trip.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kg.errors import InputError
from kg.reading.article import MAX_ARTICLE_CHARS, Article
from kg.reading.sources import iter_articles
from kg.reading.text import normalize_text

SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl", ".weird")
"""The file names the reader treats differently (an unknown one is read as text)."""

_WORKDIR: Path | None = None


def _workdir() -> Path:
    """One private folder per process, reused by every input (fuzzers run millions)."""
    global _WORKDIR
    if _WORKDIR is None:
        _WORKDIR = Path(tempfile.mkdtemp(prefix="kg-fuzz-"))
    return _WORKDIR


def check_error(error: InputError, source: str) -> None:
    message = str(error)
    assert message.startswith(source), f"error does not name its source first: {message!r}"
    assert "\n" not in message and "\r" not in message, f"error is not one line: {message!r}"
    assert error.problem.strip(), f"error without a problem: {message!r}"


def check_article(article: Article) -> None:
    assert article.text, "an article with empty text"
    assert article.text == normalize_text(article.text), "article text is not normalised"
    article.text.encode("utf-8")  # raises on lone surrogates
    assert len(article.text) <= MAX_ARTICLE_CHARS, f"article text of {len(article.text)} characters"
    for name in ("title", "publisher", "url"):
        value = getattr(article, name)
        if value is not None:
            assert value.strip() and "\n" not in value, f"{name} is not one line: {value!r}"
            value.encode("utf-8")


def read_bytes(data: bytes, suffix: str) -> list[Article | InputError]:
    """Target 1: the reader on ``data`` saved as a file named ``input<suffix>``."""
    path = _workdir() / f"input{suffix}"
    path.write_bytes(data)
    items = list(iter_articles([path]))
    assert items, "no article and no error for an input"
    for item in items:
        assert isinstance(item, (Article, InputError)), f"reader yielded {type(item).__name__}"
        if isinstance(item, InputError):
            check_error(item, os.fspath(path))
        else:
            check_article(item)
            assert item.source.startswith(os.fspath(path)), item.source
    return items


def extract_article(article: Article) -> Graph:
    """Target 2: the extractor and the RDF mapping on one article."""
    from kg.extraction import default_extractor
    from kg.rdf.iris import is_valid_iri
    from kg.rdf.mapping import facts_to_graph

    facts = default_extractor().extract(article)
    evidence = [e for e in facts.sentences]
    for actor in facts.actors.values():
        evidence += actor.evidence
    for agreement in facts.agreements:
        evidence += agreement.evidence
    for items in (facts.posts, facts.memberships, facts.quotes, facts.commitments, facts.events, facts.figures):
        evidence += [item.evidence for item in items]
    for e in evidence:
        assert 0 <= e.start <= e.end <= len(article.text), e
        assert article.text[e.start : e.end] == e.sentence, e
    for quote in facts.quotes:
        assert quote.text in article.text, quote
    graph = facts_to_graph(facts)
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                assert is_valid_iri(str(term)), f"invalid IRI minted: {term!r}"
    back = Graph().parse(data=graph.serialize(format="nt"), format="nt")
    assert isomorphic(graph, back), "N-Triples round trip changed the graph"
    return graph


def read_and_extract(data: bytes, suffix: str) -> None:
    """Target 3: bytes → reader → extractor → RDF, as ``kg build`` runs them."""
    for item in read_bytes(data, suffix):
        if isinstance(item, Article):
            extract_article(item)
