"""Minting IRIs: the one place where a fact becomes a resource name.

Every IRI is ``KGR`` + a path built from *normalised keys*, so the same input always gives the
same IRI (across runs, machines and articles) and no text reaches an IRI unescaped:

* ``normalise_key`` folds text to ``[a-z0-9-]`` (letters NFKD cannot fold, such as ø, æ, ß,
  ł, are transliterated first; then unicode NFKD, ASCII only, lower case, any run of other
  characters → ``-``); text that folds to nothing (e.g. "习近平") becomes
  ``u-<sha1[:12]>`` of its NFC, case-folded form; keys longer than 80 characters are cut and
  suffixed with a short hash.
* Things that exist outside any article (people, countries, organisations, roles, posts,
  places, named agreements) are keyed by their normalised name, so two articles naming them
  the same way share one node.
* Things that only exist in one article (its sentences, quotes, memberships, events,
  commitments, figures, reified statements) are keyed by the article's hash
  (``article_key``: sha1 of ``Article.identity``) plus stable content (offsets, text, the IRIs
  they connect) — never by list position or Python object identity.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from rdflib import URIRef
from rdflib.term import Identifier

from kg.extraction.facts import COUNTRY, ORGANISATION, PERSON, Actor, Agreement, Event, Figure, Quote
from kg.namespaces import KGR
from kg.reading.article import Article

__all__ = [
    "ANALYSIS_GRAPH_PREFIX",
    "IDENTITY_GRAPH",
    "actor_iri",
    "agreement_iri",
    "article_iri",
    "article_key",
    "commitment_iri",
    "country_iri",
    "event_iri",
    "figure_iri",
    "graph_iri",
    "is_valid_iri",
    "membership_iri",
    "normalise_key",
    "organisation_iri",
    "person_iri",
    "place_iri",
    "post_iri",
    "quote_iri",
    "resolution_iri",
    "role_iri",
    "sentence_iri",
    "statement_iri",
]

_MAX_KEY = 80
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Latin letters without an NFKD decomposition to ASCII.
_TRANSLITERATE = str.maketrans(
    {
        "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ẞ": "SS",
        "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH",
        "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "ŋ": "ng", "Ŋ": "NG",
    }
)
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20\x7f-\x9f<>\"{}|^`\\]+$")


def _digest(parts: Iterable[object], size: int = 12) -> str:
    """Short hex sha1 over ``parts`` (``None`` as empty), separated so ("ab", "c") ≠ ("a", "bc")."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:size]


def normalise_key(text: str) -> str:
    """Fold ``text`` to a non-empty IRI-safe key: ``"Marek Zieliński"`` → ``"marek-zielinski"``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    folded = decomposed.encode("ascii", "ignore").decode("ascii")
    key = _NON_ALNUM.sub("-", folded.lower()).strip("-")
    if not key:
        exact = unicodedata.normalize("NFC", text).strip().casefold()
        return "u-" + _digest([exact])
    if len(key) > _MAX_KEY:
        key = key[: _MAX_KEY - 16].rstrip("-") + "-" + _digest([key], 8)
    return key


def is_valid_iri(text: str) -> bool:
    """True when ``text`` is an absolute IRI safe in every RDF syntax (scheme, no space/<>"{}|^`\\)."""
    return bool(_IRI.match(text))


def _mint(*segments: str) -> URIRef:
    return URIRef(KGR + "/".join(segments))


# --- articles and their text -------------------------------------------------------------


def article_key(article: Article) -> str:
    """The article's stable hash: the first 16 hex digits of sha1(``Article.identity``)."""
    return _digest([article.identity], 16)


def article_iri(article: Article) -> URIRef:
    """``kgr:article/<article_key>``: the article as a resource."""
    return _mint("article", article_key(article))


def graph_iri(article: Article) -> URIRef:
    """``kgr:graph/<article_key>``: the named graph that holds the article's triples."""
    return _mint("graph", article_key(article))


def sentence_iri(article: Article, start: int, end: int) -> URIRef:
    """``kgr:article/<key>#char=<start>,<end>``: a span of ``Article.text`` (RFC 5147, as in NIF)."""
    return URIRef(f"{article_iri(article)}#char={int(start)},{int(end)}")


# --- things that exist outside the article -------------------------------------------------


def country_iri(iso3: str) -> URIRef:
    """``kgr:country/USA`` from an ISO 3166-1 alpha-3 code."""
    return _mint("country", normalise_key(iso3).upper())


def person_iri(name: str) -> URIRef:
    """``kgr:person/ana-souza``: one node per normalised name."""
    return _mint("person", normalise_key(name))


def organisation_iri(name: str) -> URIRef:
    """``kgr:organisation/interpol``: one node per normalised name (also used for publishers)."""
    return _mint("organisation", normalise_key(name))


def role_iri(role: str) -> URIRef:
    """``kgr:role/attorney-general``: a role (post title or membership status)."""
    return _mint("role", normalise_key(role))


def _iri_key(iri: str) -> str:
    """A path-safe key for an IRI: its path below ``KGR`` with '/' → '-', else a hash."""
    if iri.startswith(KGR):
        rest = iri[len(KGR) :]
        if re.fullmatch(r"[A-Za-z0-9/\-]+", rest):
            return rest.replace("/", "-")
    return "h-" + _digest([iri])


def post_iri(person_name: str, role: str, affiliation: str | None) -> URIRef:
    """``kgr:post/ana-souza/foreign-minister/country-BRA``: a person's role, for an affiliation if known."""
    segments = ["post", normalise_key(person_name), normalise_key(role)]
    if affiliation is not None:
        segments.append(_iri_key(affiliation))
    return _mint(*segments)


def place_iri(name: str, geonames_id: int | None = None) -> URIRef:
    """``kgr:place/geonames-2800866`` when the GeoNames id is known, else ``kgr:place/<name key>``."""
    if geonames_id is not None:
        return _mint("place", f"geonames-{int(geonames_id)}")
    return _mint("place", normalise_key(name))


def actor_iri(actor: Actor) -> URIRef:
    """The IRI of a person, country or organisation (a country without ISO3 is keyed by name)."""
    if actor.kind == PERSON:
        return person_iri(actor.name)
    if actor.kind == COUNTRY:
        if actor.iso3 and actor.iso3.strip():
            return country_iri(actor.iso3)
        return _mint("country", "name-" + normalise_key(actor.name))
    if actor.kind == ORGANISATION:
        return organisation_iri(actor.name)
    raise ValueError(f"actor {actor.key!r} has unknown kind {actor.kind!r}")


def agreement_iri(article: Article, agreement: Agreement) -> URIRef:
    """Named agreements by label alone; descriptive ones by label + date, else label + article.

    ``kgr:agreement/paris-agreement``, ``kgr:agreement/global-alliance/2012-12-05``,
    ``kgr:agreement/global-alliance/article-<article_key>``.
    """
    label = normalise_key(agreement.label)
    if agreement.named:
        return _mint("agreement", label)
    if agreement.date is not None:
        return _mint("agreement", label, agreement.date.isoformat())
    return _mint("agreement", label, "article-" + article_key(article))


# --- things that exist only in one article -----------------------------------------------


def event_iri(article: Article, event: Event) -> URIRef:
    """``kgr:event/<article_key>/<type>-<hash of type, label, date, sentence offsets>``."""
    content = [event.type, normalise_key(event.label), event.date, event.evidence.start, event.evidence.end]
    return _mint("event", article_key(article), f"{normalise_key(event.type)}-{_digest(content)}")


def membership_iri(article: Article, agreement: str, member: str, status: str) -> URIRef:
    """``kgr:membership/<article_key>/<status>-<hash>``: one actor's status in one agreement, per article."""
    return _mint(
        "membership", article_key(article), f"{normalise_key(status)}-{_digest([agreement, member, status])}"
    )


def quote_iri(article: Article, quote: Quote) -> URIRef:
    """``kgr:quote/<article_key>/<start>-<end>``: a quotation by its offsets in the text."""
    return _mint("quote", article_key(article), f"{int(quote.start)}-{int(quote.end)}")


def commitment_iri(article: Article, agreement: str, text: str) -> URIRef:
    """``kgr:commitment/<article_key>/<hash of agreement IRI and text>``."""
    return _mint("commitment", article_key(article), _digest([agreement, text]))


def figure_iri(article: Article, figure: Figure) -> URIRef:
    """``kgr:figure/<article_key>/<hash of text, unit, measures, sentence offsets>``."""
    content = [figure.text, figure.unit, figure.measures, figure.evidence.start, figure.evidence.end]
    return _mint("figure", article_key(article), _digest(content))


def statement_iri(article: Article, subject: Identifier, predicate: Identifier, obj: Identifier) -> URIRef:
    """``kgr:statement/<article_key>/<hash of the triple>``: the article's assertion of one triple."""
    return _mint("statement", article_key(article), _digest([subject.n3(), predicate.n3(), obj.n3()], 16))


# -- linking (kg link) ---------------------------------------------------------------------

LINKS_GRAPH = URIRef(KGR + "graph/links")
"""The named graph holding everything ``kg link`` adds; replaced as a whole on every run."""

ANALYSIS_GRAPH_PREFIX = KGR + "graph/analysis/"
"""The start of the named graphs ``kg analyse --write`` fills, one per view
(``kg.graph.analysis.analysis_graph_iri``)."""


def data_source_iri(kind: str, identity: str) -> URIRef:
    """``kgr:source/<kind>/<hash>``: a snapshot (by content) or an endpoint (by URL)."""
    return URIRef(f"{KGR}source/{normalise_key(kind)}/{_digest((identity,))}")


def inferred_membership_iri(agreement: URIRef, member: URIRef, group: URIRef) -> URIRef:
    """``kgr:membership/inferred/<hash>``: a state's membership inferred from its group's."""
    return URIRef(f"{KGR}membership/inferred/{_digest((agreement, member, group))}")


def role_check_iri(post: URIRef, date: str, item: URIRef) -> URIRef:
    """``kgr:role-check/<hash>``: a post compared with a linked person's positions at a date."""
    return URIRef(f"{KGR}role-check/{_digest((post, date, item))}")


def snapshot_statement_iri(subject_qid: str, prop: str, value_qid: str, start: str | None) -> URIRef:
    """``kgr:snapshot/statement/Q145-P463-Q458-1973-01-01``: a statement of the bundled snapshot.

    Wikidata's own statement IRIs carry random ids the snapshot's sources do not give, so the
    snapshot names its statements in kg's namespace.
    """
    parts = [subject_qid, prop, value_qid] + ([start] if start else [])
    return URIRef(f"{KGR}snapshot/statement/{normalise_key('-'.join(parts)).upper()}")


# -- imported RDF files (kg import) --------------------------------------------------------

def file_graph_iri(path: str | os.PathLike[str]) -> URIRef:
    """``kgr:graph/file-<16 hex>``: the graph of an imported file, by its absolute ``file:`` URL.

    Like an article's graph (a hash of the article's identity), the name depends only on where
    the file is, so importing the file again replaces its graph. The hashed text starts with
    ``rdf-file:``, which no article identity does.
    """
    url = Path(path).resolve().as_uri()
    key = hashlib.sha1(f"rdf-file:{url}".encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return URIRef(f"{KGR}graph/file-{key}")


# -- cross-article identity (kg.identity) ----------------------------------------------------

IDENTITY_GRAPH = URIRef(KGR + "graph/identity")
"""The named graph holding the cross-article resolutions; recomputed as a whole after a build."""


def resolution_iri(article: URIRef, mention: URIRef) -> URIRef:
    """``kgr:resolution/<hash>``: one article's surname-only person resolved to a full-name one."""
    return URIRef(f"{KGR}resolution/{_digest((article, mention), 16)}")
