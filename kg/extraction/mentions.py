"""Finding mentions of countries, demonyms, organisations and places in an article.

Gazetteer phrases are matched with spaCy ``PhraseMatcher`` over a blank English tokenizer
(hyphenated words kept whole, so "Guinea-Bissau" is one token and never "Guinea").
Organisations missing from the gazetteer are found by shape: a capitalised phrase whose head
is an organisation noun ("Ministry of Health", "National Police Agency"), and an acronym
defined in brackets after a name becomes an alias.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import spacy
from spacy.lang.char_classes import ALPHA, HYPHENS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.extraction import gazetteer
from kg.extraction.lexicon import AGREEMENT_NOUNS, DATE_WORDS, STOP_WORDS
from kg.extraction.tokens import Tokens

COUNTRY = "country"
DEMONYM = "demonym"
ORGANISATION = "organisation"
PLACE = "place"

# words after a country name that make it part of another proper name ("Niger Delta")
_NOT_COUNTRY_AFTER = frozenset(
    """Delta River Valley Basin Sea Street Avenue Road State University College Times Post
    Airlines Airways Square Bay Island Islands Mountains Mountain Lake Coast Peninsula Strait
    Gulf Highlands Plains Desert Province County District""".split()
)
_CONNECTORS = frozenset({"of", "for", "on", "and", "the", "against", "in", "to", "de", "&"})
_PLACE_CONNECTORS = frozenset({"in", "at"})
_NOT_NAME_STARTS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                              "even", "only", "now", "but", "so", "yet", "meanwhile", "however"})
_MODIFIER = re.compile(r"-(?:based|led|backed|funded|owned|run)$", re.I)


@dataclass(frozen=True)
class Mention:
    """A span of the article text that names a known thing."""

    start: int  # character offsets into Article.text
    end: int
    text: str
    kind: str  # COUNTRY | DEMONYM | ORGANISATION | PLACE
    ref: str  # ISO3 for countries/demonyms, canonical name for organisations and places
    org_type: str | None = None
    group_of_states: bool = False
    country: str | None = None  # ISO3 of an organisation's or place's country, when known
    geonames_id: int | None = None


def make_nlp() -> Language:
    """A blank English pipeline whose tokenizer keeps hyphenated words together."""
    nlp = spacy.blank("en")
    hyphen_rule = r"(?<=[{a}0-9])(?:{h})(?=[{a}])".format(a=ALPHA, h=HYPHENS)
    infixes = [p for p in nlp.Defaults.infixes or () if p != hyphen_rule]
    tokenizer = nlp.tokenizer
    assert isinstance(tokenizer, Tokenizer)  # a blank pipeline's tokenizer is spaCy's own
    tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    return nlp


class MentionFinder:
    """Gazetteer and shape matchers, built once and reused for every article."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.countries = {c.iso3: c for c in gazetteer.countries()}
        self.orgs = {o.name: o for o in gazetteer.organisations()}
        self.ambiguous = {a.casefold() for a in gazetteer.ambiguous_country_aliases()}
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for c in self.countries.values():
            names = {c.name, *c.aliases}
            self.matcher.add("COUNTRY|" + c.iso3, [nlp.make_doc(n) for n in sorted(names) if n])
            if c.demonyms:
                self.matcher.add("DEMONYM|" + c.iso3, [nlp.make_doc(n) for n in sorted(set(c.demonyms))])
        for o in self.orgs.values():
            names = {o.name, *o.aliases}
            self.matcher.add("ORG|" + o.name, [nlp.make_doc(n) for n in sorted(names) if n])
        # phrases that contain a country name but are not about it ("New Mexico", "Mexico City")
        self.matcher.add("BLOCK|", [nlp.make_doc(p) for p in gazetteer.non_country_phrases()])
        self.head_nouns = {w.lower() for w in gazetteer.org_head_nouns()}
        self.title_words = {w for t in gazetteer.role_titles() for w in t.split()} | \
            {h.rstrip(".").lower() for h in gazetteer.honorifics()}

    # -- public -------------------------------------------------------------------------------
    def find(self, doc: Doc, tokens: Tokens | None = None, text: str | None = None) -> list[Mention]:
        """All country, demonym, organisation and place mentions in ``doc``, in text order.

        ``tokens`` and ``text`` (``doc.text``, the article text) save reading them from ``doc``
        again when the caller has them."""
        if tokens is None:
            tokens = Tokens.of(doc)
        if text is None:
            text = doc.text
        spans: list[Span] = []
        for match_id, s, e in self.matcher(doc):
            label = self.nlp.vocab.strings[match_id]
            spans.append(Span(doc, s, e, label=label))
        spans.extend(self._shape_orgs(doc, tokens.text))
        spans = filter_spans(spans)
        mentions: list[Mention] = []
        for span in spans:
            m = self._to_mention(doc, span)
            if m is not None:
                mentions.append(m)
        mentions.extend(self._hyphen_compounds(doc, tokens, mentions))
        mentions.extend(self._acronym_aliases(text, mentions))
        mentions.extend(self._places(text, mentions))
        mentions.sort(key=lambda m: m.start)
        return mentions

    # -- internals ----------------------------------------------------------------------------
    def _to_mention(self, doc: Doc, span: Span) -> Mention | None:
        kind, _, ref = span.label_.partition("|")
        if kind == "COUNTRY" or kind == "DEMONYM":
            if not self._country_in_context(doc, span):
                return None
            return Mention(span.start_char, span.end_char, span.text,
                           COUNTRY if kind == "COUNTRY" else DEMONYM, ref)
        if kind == "ORG":
            o = self.orgs[ref]
            return Mention(span.start_char, span.end_char, span.text, ORGANISATION, o.name,
                           org_type=o.org_type, group_of_states=o.is_group_of_states,
                           country=o.country_iso3)
        if kind == "SHAPEORG":
            return self._shape_org_mention(doc, span)
        return None

    def _country_in_context(self, doc: Doc, span: Span) -> bool:
        nxt = doc[span.end] if span.end < len(doc) else None
        prev = doc[span.start - 1] if span.start > 0 else None
        if nxt is not None and nxt.text in _NOT_COUNTRY_AFTER:
            return False
        if span.text.casefold() in self.ambiguous:
            # "Chad Smith", "Michael Jordan", "Georgia Brown": a name next to a capitalised word
            if nxt is not None and _is_cap_word(nxt.text) and nxt.text.lower() not in STOP_WORDS \
                    and nxt.text.lower() not in self.title_words and not self._is_known_start(doc, span.end):
                return False
            if prev is not None and _is_cap_word(prev.text) and not prev.is_sent_start \
                    and prev.text.lower() not in STOP_WORDS and not self._is_known_end(doc, span.start):
                return False
        return True

    def _is_known_start(self, doc: Doc, i: int) -> bool:
        return any(s == i for _, s, _ in self.matcher(doc[i:i + 6]))

    def _is_known_end(self, doc: Doc, i: int) -> bool:
        lo = max(0, i - 6)
        return any(lo + e == i for _, _, e in self.matcher(doc[lo:i]))

    def _shape_orgs(self, doc: Doc, texts: list[str]) -> list[Span]:
        """Capitalised phrases headed by an organisation noun: "Ministry of Foreign Affairs"."""
        spans = []
        n = len(texts)
        cap = [_is_cap_word(t) for t in texts]
        i = 0
        for first in [k for k, c in enumerate(cap) if c]:  # a phrase starts at a capitalised word
            if first < i:
                continue
            i = j = first
            while j < n and (cap[j] or (
                    texts[j].lower() in _CONNECTORS and j > i and j + 1 < n and (cap[j + 1] or (
                        texts[j].lower() != "and" and texts[j + 1].lower() == "the" and j + 2 < n and cap[j + 2]))
                    and not (texts[j].lower() == "and" and self._is_known_start(doc, j + 1)))):
                j += 1  # "... for the Protection of the Marine Environment", never "X and the Y" or "X and Norway"
            # trim trailing connectors
            while j > i and texts[j - 1].lower() in _CONNECTORS:
                j -= 1
            j = self._name_end(texts, i, j)
            words = texts[i:j]
            if j - i >= 2 and any(w.lower() in self.head_nouns or w.lower().rstrip("s") in self.head_nouns for w in words) \
                    and not any(w.lower() in AGREEMENT_NOUNS for w in words):
                s = i
                # a leading "The" at a sentence start, or "Kuwait-based", is not part of the name
                while s < j and (texts[s].lower() in STOP_WORDS or texts[s].lower() in _NOT_NAME_STARTS
                                 or _MODIFIER.search(texts[s])):
                    s += 1  # nor "Five" in "Five Bank of America units", "Even" in "Even the IMF"
                if j - s >= 2:
                    spans.append(Span(doc, s, j, label="SHAPEORG|"))
            i = max(j, i + 1)
        return spans

    def _name_end(self, texts: list[str], i: int, j: int) -> int:
        """Where an organisation name in ``texts[i:j]`` really ends: before a connector that
        starts a date ("... Agency on Friday", "... in March"), and, after its last head noun,
        before "in" or "at" and a place ("European Union in Nairobi"); "of/for/on ..." after
        the head noun stays ("Ministry of Health", "Council on Foreign Relations")."""
        for k in range(i + 1, j - 1):
            if texts[k].lower() in _CONNECTORS and texts[k + 1].lower() in DATE_WORDS:
                j = k
                break
        heads = [k for k in range(i, j) if texts[k].lower() in self.head_nouns
                 or texts[k].lower().rstrip("s") in self.head_nouns]
        if heads and heads[-1] + 1 < j and texts[heads[-1] + 1].lower() in _PLACE_CONNECTORS:
            j = heads[-1] + 1
        return j

    def _shape_org_mention(self, doc: Doc, span: Span) -> Mention | None:
        words = span.text.split()
        if words[0].lower() in DATE_WORDS:
            return None
        country = None
        start = span.start
        # "Kenyan Ministry of Health", "US Department of Justice": the country is a qualifier
        for match_id, s, e in self.matcher(doc[span.start:span.end]):
            label = self.nlp.vocab.strings[match_id]
            kind, _, ref = label.partition("|")
            if s == 0 and kind in ("COUNTRY", "DEMONYM") and e < len(span):
                country = ref
                start = span.start + e
        name_span = doc[start:span.end]
        if len(name_span) < 2 and country is None:
            return None
        name = name_span.text
        head = next((w for w in name.split() if w.lower() in self.head_nouns), "")
        return Mention(span.start_char, span.end_char, span.text, ORGANISATION,
                       (self.countries[country].name + " " + name) if country else name,
                       org_type=_org_type_for_head(head), country=country)

    def _hyphen_compounds(self, doc: Doc, tokens: Tokens, mentions: list[Mention]) -> list[Mention]:
        """Countries inside hyphenated compounds the tokenizer keeps whole: "US-German carmaker",
        "a Turkish-Austrian consortium", "the Gibraltar-based holding company". Every part
        must be a country name (capitalised) or demonym, but for a final "-based"-like word;
        a country where a body sits is read as a qualifier (a demonym), never as a party."""
        taken = {(m.start, m.end) for m in mentions}
        countries, demonyms = gazetteer.country_index(), gazetteer.demonym_index()
        out: list[Mention] = []
        for i, word in enumerate(tokens.text):
            if "-" not in word or not word[:1].isupper():
                continue
            start = tokens.idx[i]
            if any(s <= start < e for s, e in taken):
                continue
            parts = word.split("-")
            if _MODIFIER.search(word):
                parts = parts[:-1]
            found: list[Mention] = []
            offset = start
            for part in parts:
                key = gazetteer.fold(part)
                entry = countries.get(key) if part[:1].isupper() else None
                kind = COUNTRY
                if entry is None:
                    entry, kind = demonyms.get(key), DEMONYM
                if entry is None or part.lower() in self.ambiguous:
                    found = []
                    break
                # "Kuwait-based": where a body sits qualifies it, as a demonym does; it names no party
                found.append(Mention(offset, offset + len(part), part,
                                     DEMONYM if _MODIFIER.search(word) else kind, entry.iso3))
                offset += len(part) + 1
            if len(found) >= (1 if _MODIFIER.search(word) else 2):
                out.extend(found)
        return out

    def _acronym_aliases(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """'the Pacific Fisheries Agency (PFA)': later bare 'PFA' mentions the same org."""
        extra: list[Mention] = []
        for m in mentions:
            if m.kind != ORGANISATION:
                continue
            am = re.match(r"\s*\(([A-Z][A-Za-z]{1,9})\)", text[m.end:m.end + 14])
            if not am:
                continue
            acronym = am.group(1)
            for x in re.finditer(rf"\b{re.escape(acronym)}\b", text):
                if x.start() == m.end + am.start(1):
                    continue
                if any(o.start <= x.start() < o.end for o in mentions):
                    continue
                extra.append(Mention(x.start(), x.end(), acronym, ORGANISATION, m.ref,
                                     org_type=m.org_type, group_of_states=m.group_of_states,
                                     country=m.country))
        return extra

    def _places(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """Cities after 'in'/'at' and in a dateline ("BRUSSELS (AFP) -")."""
        out: list[Mention] = []
        taken = [(m.start, m.end) for m in mentions]
        rx = re.compile(r"(?:\b(?:in|at|near|outside)\s+(?:the\s+(?:[A-Za-z]+\s+)?(?:capital|city|town|port)(?:\s+of)?,?\s+)?)"
                        r"((?:[A-Z][\w'’.-]*)(?:\s+[A-Z][\w'’.-]*){0,2})"
                        r"|^((?:[A-Z]{3,})(?:\s+[A-Z]{3,}){0,2})(?=,|\s+\()", re.M)
        for m in rx.finditer(text):
            g = 1 if m.group(1) else 2
            cand_start, cand = m.start(g), m.group(g)
            words = cand.split()
            for k in range(len(words), 0, -1):  # longest known place prefix
                if k < len(words) and not words[k - 1].endswith((",", ".")):
                    continue  # "Kim Jong Un": a place name must not run on into more capitals
                name = " ".join(words[:k]).rstrip(".,")
                s, e = cand_start, cand_start + len(name)
                if any(s < te and ts < e for ts, te in taken):
                    break
                if name.isupper() and len(name) > 3:
                    name = name.title()
                entry = gazetteer.find_place(name)
                if entry is not None:
                    out.append(Mention(s, e, text[s:e], PLACE, entry.name,
                                       country=self._iso3(entry.country_iso2),
                                       geonames_id=entry.geonames_id))
                    taken.append((s, e))
                    break
        return out

    def _iso3(self, iso2: str | None) -> str | None:
        entry = gazetteer.country_by_code(iso2) if iso2 else None
        return entry.iso3 if entry else None


def _is_cap_word(word: str) -> bool:
    return bool(word) and word[0].isupper() and any(ch.isalpha() for ch in word)


def _org_type_for_head(head: str) -> str:
    head = head.lower()
    table = {"ministry": "ministry", "department": "ministry", "agency": "agency", "police": "police",
             "court": "court", "bank": "bank", "fund": "fund", "parliament": "parliament",
             "assembly": "parliament", "council": "council", "commission": "commission"}
    return table.get(head, "organisation")
