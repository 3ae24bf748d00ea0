"""Agreements (alliances, pacts, treaties, ...), who is a member or not, and their commitments.

Agreement mentions are found by head noun ("alliance", "pact", "treaty", ...): a capitalised
name ("the Paris Agreement", "Treaty of Lisbon"), a quoted description (a "blue ocean pact"),
a description with modifiers ("a maritime security pact"), or a bare reference ("the
alliance", "the initiative") that resolves to an agreement already introduced.

Membership is read clause by clause from sentences about an agreement that carry a membership
cue (launched, signed, joined, "members include", "along with"); a clause that says
"observer", "partner", "invited", "did not sign" or "except" gives that status instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from kg.extraction import facts as F
from kg.extraction import gazetteer
from kg.extraction.context import ArticleContext
from kg.extraction.dates import find_dates
from kg.extraction.lexicon import (
    AGREEMENT_NOUNS, BASE_VERBS, COMMITMENT_CUES, DATE_WORDS, DETERMINERS, EXCEPT_WORDS, JOIN_VERBS,
    LAUNCH_VERBS, NEGATION_PATTERNS, SPEECH_VERBS, STOP_WORDS, SYNTAX,
)
from kg.extraction.mentions import COUNTRY, DEMONYM, ORGANISATION, PLACE, Mention
from kg.extraction.parties import PartyIndex
from kg.extraction.sentences import Sentence

NOT_AGREEMENTS: frozenset[str] = SYNTAX.get("not_agreements", frozenset())
"""Descriptions that are idioms, never agreements ("a raw deal", "a great initiative")."""
_GENERIC_NAME_WORDS = frozenset({"memorandum", "of", "understanding", "the", "new", "agreement",
                                 "joint", "a", "an"})
_CONNECT = frozenset({"of", "on", "for", "against", "and", "to", "the", "in", "between"})
_TRAILING_PREPOSITIONS = frozenset({"along", "across", "around", "at", "between", "by", "from", "in", "into", "near",
                                    "over", "through", "to", "under", "with", "within"})
_STRONG_CUES = re.compile(
    r"\b(?:members?|signator(?:y|ies)|joined|joins?|signed|signs?|launched|formed|founded|founding|"
    r"ratified|along with|parties|acceded|observers?|partners?|invited|did not sign|except)\b", re.I)
_WEAK_CUES = re.compile(
    r"\b(?:includ(?:e|es|ed|ing)|compris(?:e|es|ed|ing)|consists? of|together with|as well as|"
    r"brings? together|brought together|unites?|backed|endorsed|agreed|set up|created|established|"
    r"unveiled|sealed|inked|struck|concluded|adopted)\b", re.I)
_COLLECTIVE = re.compile(r"\b(?:countries|nations|states|governments|members|signatories|partners)\b", re.I)
_CLAUSE_SPLIT = re.compile(r";|,?\s+while\s+|,?\s+whereas\s+|,\s*but\s+|\s+but\s+(?=[A-Z])|,\s*although\s+|,\s*with\s+(?=(?:[A-Z]|the\s+[A-Z]))|\s+-\s+|\s+—\s+|\s+–\s+")


@dataclass
class AgreementMention:
    start: int
    end: int
    head: str  # normalised kind
    label: str
    named: bool
    bare: bool  # a bare reference: "the alliance", "an agreement"
    indefinite: bool
    sentence: int
    organisation_like: bool = False  # a name the parse reads as an organisation ("Making Decisions Alliance")


@dataclass(eq=False)
class _Agreement:
    fact: F.Agreement
    mentions: list[AgreementMention] = field(default_factory=list)

    @property
    def organisation_like(self) -> bool:
        """Named only by names the parse reads as an organisation's: it needs parties to count."""
        return bool(self.mentions) and all(m.organisation_like for m in self.mentions if m.named)


def _continues_name(doc, head: int, connector: int) -> bool:
    """Whether the connector at ``connector`` (followed by a capitalised word) goes on with an
    agreement's name: not into a date ("... Accord of March", "... Pact on Friday"), nor into
    a place right after the head noun ("Water Pact in Arusha"); "Treaty on Conventional Armed
    Forces in Europe" goes on."""
    if doc[connector + 1].lower_ in DATE_WORDS:
        return False
    return not (connector == head + 1 and doc[connector].lower_ in ("in", "at"))


def find_agreement_mentions(ctx: ArticleContext, quotes: list[tuple[int, int]]) -> list[AgreementMention]:
    """Every phrase that names or refers to an agreement, in text order."""
    doc = ctx.doc
    out: list[AgreementMention] = []
    for i, low in enumerate(ctx.tokens.lower):
        kind = AGREEMENT_NOUNS.get(low)
        if kind is None:
            continue
        if i + 1 < len(ctx.tokens) and ctx.tokens.lower[i + 1] in AGREEMENT_NOUNS and ctx.tokens.text[i][:1].islower():
            continue  # "a framework agreement": the last noun is the head, this one a modifier
        tok = doc[i]
        sent = ctx.sentence_index(tok.idx)
        # 1. inside a short quotation: a "blue ocean pact"
        q = next(((s, e) for s, e in quotes if s <= tok.idx < e), None)
        if q is not None:
            inner = ctx.text[q[0]:q[1]].strip(" ,.")
            inner_words = [w.lower().strip(",.") for w in inner.split()]
            if len(inner_words) <= 6 and tok.lower_ in inner_words[-2:] \
                    and " ".join(inner_words).strip("\"'“”‘’") not in NOT_AGREEMENTS:
                named = inner[:1].isupper() and any(w[:1].isupper() for w in inner.split()[1:]) or \
                    (inner[:1].isupper() and len(inner.split()) == 1)
                out.append(AgreementMention(q[0], q[1], kind, inner, named, False, False, sent))
            continue
        # 2. a capitalised name around the head: "Paris Agreement", "Treaty of Lisbon"
        if tok.text[:1].isupper() and not (tok.is_sent_start or _sentence_initial(ctx, tok.idx)):
            s = i
            while s > 0 and (_cap(doc[s - 1].text) and doc[s - 1].lower_ not in DETERMINERS):
                s -= 1
            e = i + 1
            while e < len(doc) and (_cap(doc[e].text) or (doc[e].lower_ in _CONNECT and e + 1 < len(doc)
                                                        and _cap(doc[e + 1].text) and doc[e].lower_ != "between"
                                                        and _continues_name(doc, i, e))):
                e += 1
            while e > i + 1 and doc[e - 1].lower_ in _CONNECT:
                e -= 1
            words = [t.lower_ for t in doc[s:e]]
            if e - s >= 2 and not all(w in _GENERIC_NAME_WORDS or w == tok.lower_ for w in words):
                span = doc[s:e]
                label = _entity_label(ctx, span.start_char, span.end_char)
                if _names_person_or_work(ctx, span.start_char, span.end_char):
                    continue  # "Bob Allen Deal", the singles "Takeover and Izzo": a name, not an agreement
                out.append(AgreementMention(span.start_char, span.end_char, kind, span.text, True, False, False, sent,
                                            organisation_like=label == "ORG" and kind in _BODY_NOUNS))
                continue
            out.append(AgreementMention(tok.idx, tok.idx + len(tok.text), kind, tok.lower_, False, True,
                                        _indefinite(doc, i), sent))
            continue
        # 3. a description: "a maritime security pact", "the 27-nation alliance"
        s = i
        while s > 0 and i - s < 4:
            prev = doc[s - 1]
            low = prev.lower_
            if low in DETERMINERS or low in STOP_WORDS and low != "new" or low in LAUNCH_VERBS \
                    or low in JOIN_VERBS or low in SPEECH_VERBS or (not any(c.isalpha() for c in low)
                                                                   and not _YEAR.fullmatch(low)) \
                    or prev.text in {"'s", "’s"}:
                break
            if _cap(prev.text) and not any(m.start <= prev.idx < m.end for m in ctx.mentions) \
                    and not _proper_modifier(ctx, prev, tok):
                break
            s -= 1
        if ctx.parsed is not None:  # the parse knows which words describe the noun
            s = _describing_start(ctx, s, i)
        modifiers = [t.text for t in doc[s:i] if t.lower_ != "new"]
        e = i + 1
        if tok.lower_ == "memorandum" and [t.lower_ for t in doc[e:e + 2]] == ["of", "understanding"]:
            e += 2  # "memorandum of understanding" is one name
            head_words = "memorandum of understanding"
        else:
            head_words = tok.lower_
        after = e
        if after + 1 < len(doc) and doc[after].lower_ in {"on", "in"} and doc[after + 1].lower_ in DATE_WORDS:
            after += 2  # "a deal on Tuesday on textile exports": the date is not what it is about
        modifiers_after = ""
        if after + 1 < len(doc) and doc[after].lower_ in {"on", "against", "for"} and doc[after + 1].is_lower:
            k = after + 1
            while k < len(doc) and k - after <= 4 and doc[k].is_alpha and doc[k].lower_ not in STOP_WORDS \
                    and doc[k].lower_ not in BASE_VERBS and doc[k].lower_ not in SPEECH_VERBS:
                k += 1
            while k > after + 2 and doc[k - 1].lower_ in _TRAILING_PREPOSITIONS:  # "on flood protection along"
                k -= 1
            if k > after + 1:
                modifiers_after = doc[after:k].text
                e = k
        label = " ".join([*modifiers, head_words] + ([modifiers_after] if modifiers_after else []))
        if label.lower() in NOT_AGREEMENTS:
            continue  # "a raw deal", "the early initiative"
        bare = not modifiers and not modifiers_after
        start_char = doc[s].idx if modifiers else tok.idx
        out.append(AgreementMention(start_char, doc[e - 1].idx + len(doc[e - 1].text), kind, label,
                                    False, bare, _indefinite(doc, s if modifiers else i), sent))
    if ctx.parsed is not None:
        out = sorted(out + _verb_agreements(ctx, out, quotes), key=lambda m: m.start)
    return out


_AGREE_TO = frozenset({"agree"})
_MAX_PURPOSE_WORDS = 8


def _verb_agreements(ctx: ArticleContext, nouns: list[AgreementMention],
                     quotes: list[tuple[int, int]]) -> list[AgreementMention]:
    """With a parse, agreements that a verb introduces without an agreement noun: "Iran and
    Turkey agreed to open talks on a gas pipeline" is an "agreement to open talks on a gas
    pipeline" when two or more actors are the subject and no agreement noun is within two
    sentences of it."""
    out: list[AgreementMention] = []
    with_noun = {m.sentence for m in nouns}
    actor_starts = sorted(m.start for m in ctx.mentions if m.kind in (COUNTRY, ORGANISATION, DEMONYM))
    assert ctx.parsed is not None  # called only with a parse
    for tok in ctx.parsed:
        if tok.lemma_.lower() not in _AGREE_TO or tok.pos_ != "VERB":
            continue
        purpose = next((c for c in tok.children if c.dep_ == "xcomp" and c.pos_ == "VERB"
                        and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)), None)
        subjects = [c for c in tok.children if c.dep_ == "nsubj"]
        if purpose is None or not subjects or any(qs <= tok.idx < qe for qs, qe in quotes):
            continue
        subject = subjects[0]
        named = [t for t in (subject, *[c for c in subject.subtree if c.dep_ == "conj"])
                 if any(t.idx <= a < t.idx + len(t.text) for a in actor_starts)]
        sent = ctx.sentence_index(tok.idx)
        if len(named) < 2 or any(abs(sent - k) <= 2 for k in with_noun):
            continue  # an agreement noun nearby names what was agreed
        words = [t for t in purpose.subtree if t.i >= purpose.i and not t.is_punct][:_MAX_PURPOSE_WORDS]
        while words and (words[-1].pos_ in ("ADP", "DET", "CCONJ", "PART") or words[-1].like_num):
            words.pop()
        if not words:
            continue
        label = "agreement to " + " ".join(t.text for t in words)
        out.append(AgreementMention(tok.idx, words[-1].idx + len(words[-1].text), "agreement", label,
                                    False, False, True, sent))
    return out


def resolve_agreements(ctx: ArticleContext, mentions: list[AgreementMention]) -> dict[int, _Agreement]:
    """Group mentions into agreements; returns {id(mention): agreement} via list positions."""
    agreements: list[_Agreement] = []
    by_mention: dict[int, _Agreement] = {}
    for k, m in enumerate(mentions):
        target: _Agreement | None = None
        if m.named:
            target = next((a for a in agreements if _norm(a.fact.label) == _norm(m.label)), None)
            if target is None:
                target = next((a for a in reversed(agreements) if not a.fact.named and a.fact.kind == m.head), None) \
                    or next((a for a in reversed(agreements) if not a.fact.named and _generic(a.fact.label)
                             and m.sentence - max(x.sentence for x in a.mentions) <= 3), None)
                if target is not None:  # a description first, its name later
                    target.fact.label, target.fact.named = m.label, True
        elif not m.bare:
            same = [a for a in agreements if a.fact.kind == m.head]
            if _YEAR_LABEL.search(m.label):  # "the 1959 agreement": an earlier one, beside the new one
                same = [a for a in same if _norm(a.fact.label) == _norm(m.label)]
                target = same[-1] if same else _new_or_headline(agreements, m, ctx)
            elif same and not m.indefinite:
                target = same[-1]
            elif same and any(_norm(a.fact.label) == _norm(m.label) for a in same):
                target = next(a for a in same if _norm(a.fact.label) == _norm(m.label))
            elif not m.indefinite and agreements:
                target = _latest(agreements, m.sentence)  # "the founding charter" of the agreement
            elif m.indefinite and agreements and not _launch_in_sentence(ctx, m.sentence):
                continue  # "the idea of a regional pact": a generic mention, not a new agreement
        else:
            if not m.indefinite:
                same = [a for a in agreements if a.fact.kind == m.head]
                target = same[-1] if same else (_latest(agreements, m.sentence) if agreements else None)
                if target is None and _launch_in_sentence(ctx, m.sentence) and _actors_in_sentence(ctx, m.sentence):
                    target = _new_or_headline(agreements, m, ctx)
            elif _launch_in_sentence(ctx, m.sentence) and _actors_in_sentence(ctx, m.sentence) and (
                    m.head not in {"agreement", "deal"} or not only_persons_between(ctx, m)):
                target = _new_or_headline(agreements, m, ctx)  # "X and Y signed an accord on Tuesday"
            else:  # "..., in a deal valued at $4bn": the lead retelling the headline's deal
                target = _headline_agreement(ctx, agreements, m)
            if target is None:
                continue
        if target is None:
            target = _new_or_headline(agreements, m, ctx)
        target.mentions.append(m)
        ev = ctx.sentence_evidence(ctx.sentences[m.sentence])
        if ev not in target.fact.evidence:
            target.fact.evidence.append(ev)
        by_mention[k] = target
    for a in agreements:
        _date_and_place(ctx, a)
    return by_mention


def _new_or_headline(agreements: list[_Agreement], m: AgreementMention, ctx: ArticleContext) -> _Agreement:
    """A new agreement for ``m``, unless ``m`` is the lead's account of the headline's
    agreement (then that one, with the more specific of the two labels)."""
    target = _headline_agreement(ctx, agreements, m)
    if target is None:
        return _new(agreements, m, ctx)
    if m.named or (not target.fact.named and len(m.label.split()) > len(target.fact.label.split())):
        target.fact.label, target.fact.named, target.fact.kind = m.label, m.named, m.head
    return target


def _headline_agreement(ctx: ArticleContext, agreements: list[_Agreement], m: AgreementMention) -> _Agreement | None:
    """The agreement of the headline when ``m`` introduces one in the lead paragraph: the
    headline's "Peugeot deal" and the lead's "a memorandum of understanding" are one story.
    Only when the headline names the sole agreement so far; the more specific label stays."""
    title = (ctx.article.title or "").strip()
    if not title or len(agreements) != 1 or not ctx.sentences:
        return None
    first = ctx.sentences[0]
    if first.text.strip() != title:
        return None
    only = agreements[0]
    if any(x.sentence != 0 for x in only.mentions):
        return None
    lead = next((s.paragraph for s in ctx.sentences if s.paragraph > first.paragraph), None)
    return only if lead is not None and ctx.sentences[m.sentence].paragraph == lead else None


_BODY_NOUNS = frozenset({"alliance", "coalition", "partnership"})
"""Agreement kinds whose capitalised names are often organisations: a lobby, a company, a charity."""


def _entity_label(ctx: ArticleContext, start: int, end: int) -> str | None:
    """The NER label of the parse's entity that covers most of ``[start, end)``, if any."""
    if ctx.parsed is None:
        return None
    best, overlap = None, 0
    for ent in ctx.parsed.ents:
        if ent.end_char <= start:
            continue
        if ent.start_char >= end:
            break
        shared = min(end, ent.end_char) - max(start, ent.start_char)
        if shared > overlap:
            best, overlap = ent.label_, shared
    return best if overlap * 2 >= end - start else None


def _names_person_or_work(ctx: ArticleContext, start: int, end: int) -> bool:
    """Whether the parse reads a person or a work (a song, a book) inside ``[start, end)``."""
    return ctx.parsed is not None and any(
        ent.label_ in ("PERSON", "WORK_OF_ART") and ent.start_char < end and start < ent.end_char
        for ent in ctx.parsed.ents)


def _generic(label: str) -> bool:
    """A label that is only an agreement noun ("agreement", "the deal"): a name given later is its."""
    return _norm(label) in AGREEMENT_NOUNS or _norm(label) in set(AGREEMENT_NOUNS.values())


def _new(agreements: list[_Agreement], m: AgreementMention, ctx: ArticleContext) -> _Agreement:
    key = f"agreement:{len(agreements) + 1}"
    a = _Agreement(F.Agreement(key=key, label=m.label, kind=m.head, named=m.named))
    agreements.append(a)
    return a


def _latest(agreements: list[_Agreement], sentence: int) -> _Agreement | None:
    best = None
    for a in agreements:
        if any(m.sentence <= sentence for m in a.mentions):
            best = a
    return best or (agreements[0] if agreements else None)


def _date_and_place(ctx: ArticleContext, a: _Agreement) -> None:
    """The date and place of an agreement: from a sentence where it is launched or signed, else
    the first of its sentences that gives one; the place may also come from the lead paragraph."""
    sentences = sorted({m.sentence for m in a.mentions})
    launches = [i for i in sentences if _launch_in_sentence(ctx, i)]
    others = [i for i in sentences if i not in launches]
    for i in launches + others:
        s = ctx.sentences[i]
        dates = find_dates(s.text, ctx.article.date)
        if dates:
            a.fact.date, a.fact.date_text = dates[0].date, dates[0].text
            break
    place = _first_place(ctx, launches)
    if place is None:
        # a place no gazetteer knows, where the agreement was signed: "... signed at a ceremony
        # in Visegrad", "... signed in the Colombian border town of Leticia"
        for m in sorted(a.mentions, key=lambda m: m.start):
            if m.sentence not in launches:
                continue
            s = ctx.sentences[m.sentence]
            found = _SIGNED_IN.search(ctx.text, m.end, min(s.end, m.end + 160))
            if found and found.group("place").lower() not in DATE_WORDS \
                    and not ctx.mentions_in(found.start("place"), found.end("place"), (COUNTRY, ORGANISATION, DEMONYM)):
                a.fact.place = F.Place(found.group("place"), None, None)
                return
        place = _first_place(ctx, others)
    if place is None:
        first = min(sentences) if sentences else 0
        if ctx.sentences and ctx.sentences[first].paragraph <= 1:
            lead_end = max((s.end for s in ctx.sentences if s.paragraph == ctx.sentences[first].paragraph), default=0)
            place = next(iter(ctx.mentions_in(0, lead_end, (PLACE,))), None)
    if place is not None:
        a.fact.place = F.Place(place.ref, place.geonames_id, _iso2(place))


def _first_place(ctx: ArticleContext, sentences: list[int]) -> Mention | None:
    """The first place mentioned in the first of ``sentences`` that mentions one."""
    for i in sentences:
        s = ctx.sentences[i]
        places = ctx.mentions_in(s.start, s.end, (PLACE,))
        if places:
            return places[0]
    return None


_SIGNED_IN = re.compile(
    r"\b(?:signed|launched|inked|sealed|concluded|adopted)\b[^.;\"“”]{0,60}?\b(?:in|at)\s+"
    r"(?:the\s+(?:[\w-]+\s+){0,3}?(?:town|city|capital|port|village|resort|island)\s+of\s+)?"
    r"(?P<place>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)\b")


def _iso2(m: Mention) -> str | None:
    entry = gazetteer.country_by_code(m.country) if m.country else None
    return entry.iso2 if entry else None


def memberships(ctx: ArticleContext, mentions: list[AgreementMention], by_mention: dict[int, _Agreement],
                quotes: list[tuple[int, int]], affiliations: set[int],
                posts: Sequence[F.Post] = ()) -> list[F.Membership]:
    """Members, signatories, observers and non-members: clause by clause from the cue words,
    and, with a parse, the parties its syntax names (``kg.extraction.parties``)."""
    if ctx.parsed is None or not by_mention:
        return _clause_memberships(ctx, mentions, by_mention, quotes, affiliations)
    index = _party_index(ctx, posts)
    personal = {k for k, m in enumerate(mentions) if k in by_mention and index.is_personal(m.start, m.end)}
    out = _clause_memberships(ctx, mentions, by_mention, quotes, affiliations, index.is_bystander,
                              skip={mentions[k].sentence for k in personal})
    seen = {(m.agreement, m.member) for m in out}
    for k, m in enumerate(mentions):
        agreement = by_mention.get(k)
        if agreement is None or k in personal or any(qs <= m.start < qe for qs, qe in quotes):
            continue
        ev = ctx.sentence_evidence(ctx.sentences[m.sentence])
        status = F.SIGNATORY if re.search(r"\bsign(?:ed|s|ing)?\b|\binked\b", ev.sentence, re.I) else F.MEMBER
        for party in index.parties(m.start, m.end):
            sig = (agreement.fact.key, party.key)
            if sig in seen:
                continue
            seen.add(sig)
            out.append(F.Membership(agreement.fact.key, party.key, status, ev))
    return out


def _party_index(ctx: ArticleContext, posts: Sequence[F.Post]) -> PartyIndex:
    keyed = []
    for m in ctx.mentions:
        if m.kind in (COUNTRY, ORGANISATION, DEMONYM) and m.org_type != "news agency":
            key = ctx.registry.from_mention(m, None)
            if key is not None:
                keyed.append((m, key))
    serves: dict[str, list[str]] = {}
    for post in posts:
        if post.affiliation and post.affiliation not in serves.get(post.person, []):
            serves.setdefault(post.person, []).append(post.affiliation)
    persons = [(p.start, p.end, serves[p.key]) for p in ctx.person_mentions if p.key in serves]
    in_office = {post.person for post in posts}
    officials = [(p.start, p.end) for p in ctx.person_mentions if p.key in in_office]
    assert ctx.parsed is not None  # memberships() asks for the index only with a parse
    return PartyIndex.of(ctx.parsed, keyed, persons, officials)


def _clause_memberships(ctx: ArticleContext, mentions: list[AgreementMention], by_mention: dict[int, _Agreement],
                        quotes: list[tuple[int, int]], affiliations: set[int],
                        bystander: Callable[[int, int], bool] | None = None,
                        skip: Collection[int] = frozenset()) -> list[F.Membership]:
    """Members, signatories, observers and non-members, clause by clause; ``bystander(start,
    end)`` (from the parse) rules out a supporter or a speaker as a member; sentences in
    ``skip`` (a person's own contract) give none."""
    agreements_in: dict[int, list[_Agreement]] = {}
    for k, noun in enumerate(mentions):
        if k in by_mention:
            agreements_in.setdefault(noun.sentence, []).append(by_mention[k])
    if not by_mention:
        return []
    out: list[F.Membership] = []
    seen: dict[tuple[str, str], int] = {}
    current: _Agreement | None = None
    for si, s in enumerate(ctx.sentences):
        here = agreements_in.get(si, [])
        if here:
            current = here[0]
        agreement = here[0] if here else current
        if agreement is None or si in skip:
            continue
        status_cue = _STATUS_CUES.search(s.text)
        member_cue = _STRONG_CUES.search(s.text) or (_WEAK_CUES.search(s.text) and (here or _COLLECTIVE.search(s.text)))
        if not member_cue and not status_cue:
            continue
        if not here and not status_cue and not _COLLECTIVE.search(s.text) \
                and not re.search(r"\b(?:joined|signed|signatories|members)\b", s.text, re.I):
            continue
        agreement_spans = [(m.start, m.end) for k, m in enumerate(mentions) if k in by_mention and m.sentence == si]
        ev = ctx.sentence_evidence(s)
        for c_start, c_end in _clauses(s):
            clause = ctx.text[c_start:c_end]
            status, cue_at = _clause_status(clause)
            if status is None:
                continue
            actors = [m for m in ctx.mentions_in(c_start, c_end, (COUNTRY, ORGANISATION))
                      if m.start not in affiliations
                      and not any(qs <= m.start < qe for qs, qe in quotes)
                      and not any(a <= m.start < b for a, b in agreement_spans)
                      and m.org_type != "news agency"
                      and not _NOT_PARTY_BEFORE.search(ctx.text[max(c_start, m.start - 40):m.start])]
            # an actor inside a relative clause ("..., a practice that the FAO estimates ...", "..., which
            # Bosnian Serb authorities want") or named as an administrator is not a party: up to its comma
            inside = [(r.start(), (clause.find(",", r.end()) + 1 or len(clause) + 1) - 1)
                      for r in _RELATIVE.finditer(clause)]
            actors = [m for m in actors if not any(a <= m.start - c_start < b for a, b in inside)]
            chosen: list[tuple[Mention, str]] = []
            if status in F.MEMBER_STATUSES:
                except_from = _except_position(clause)
                for m in actors:
                    st = F.NON_SIGNATORY if except_from is not None and m.start - c_start >= except_from else status
                    chosen.append((m, st))
            else:  # the subject of "attended as an observer", "did not sign", "was invited"
                before = [m for m in actors if m.start - c_start < cue_at]
                after = [m for m in actors if m.start - c_start >= cue_at]
                also = [m for m in after if re.search(r"\bas (?:did|were|was|have|has|do|does)\s+(?:the\s+)?$",
                                                      ctx.text[max(c_start, m.start - 20):m.start])]
                chosen = [(m, status) for m in (before + also if before else after)]
            for m, st in chosen:
                if bystander is not None and st in F.MEMBER_STATUSES and bystander(m.start, m.end):
                    continue
                key = ctx.registry.from_mention(m, ev)
                if key is None:
                    continue
                sig = (agreement.fact.key, key)
                if sig in seen:
                    prev = out[seen[sig]]
                    if prev.status in F.MEMBER_STATUSES and st not in F.MEMBER_STATUSES:
                        out[seen[sig]] = F.Membership(agreement.fact.key, key, st, ev)
                    continue
                seen[sig] = len(out)
                out.append(F.Membership(agreement.fact.key, key, st, ev))
    return out


_RELATIVE = re.compile(r",\s+(?:an?|the)\s+(?:[\w-]+\s+){0,3}?(?:that|which|who|whose)\b|,\s+(?:which|whose)\b"
                       r"|\b(?:administered|run|managed|coordinated|hosted)\s+by\b|\bwithin the framework of\b", re.I)
_STATUS_CUES = re.compile(r"\bobservers?\b|\binvit(?:ed|ation)\b|\bpartners?\b|\bexcept\b|\bexcluding\b|"
                          + "|".join(NEGATION_PATTERNS), re.I)
_NOT_PARTY_BEFORE = re.compile(r"\b(?:help|support|assistance|auspices|aegis|backing|mediation|request|"
                               r"invitation|behalf|outside|beyond|without|against|unlike|from)\s+(?:of\s+)?(?:the\s+)?$", re.I)
_NOT_MEMBERS = re.compile(r"\b(?:rather than|but not|not|instead of)\s+(?:full\s+)?(?:members?|parties|signatories)\b"
                          r"|\bnot (?:a )?(?:member|party|signatory)\b", re.I)


def _clause_status(clause: str) -> tuple[str | None, int]:
    """The status a clause gives the actors it names, and where its cue starts."""
    low = clause.lower()

    def at(rx: str) -> int | None:
        m = re.search(rx, low)
        return m.start() if m else None

    if (p := at(r"\bobservers?\b|\bobserver status\b")) is not None:
        return F.OBSERVER, p
    if re.search(r"\bnot (?:been |be |yet )?invited\b|\buninvited\b", low):
        return None, 0
    if (p := at(r"\binvit(?:ed|ation)\b")) is not None and not re.search(r"\b(?:joined|signed)\b", low):
        return F.INVITEE, p
    for pattern in NEGATION_PATTERNS:
        if (p := at(pattern)) is not None:
            return F.NON_SIGNATORY, p
    stripped = _NOT_MEMBERS.sub(" ", low)
    if (p := at(r"\bpartners?\b")) is not None and not re.search(r"\bmembers?\b|\bsigned\b|\bsignator", stripped):
        return F.PARTNER, p
    if re.search(r"\bsign(?:ed|s|atories|atory)?\b|\bratified\b|\binked\b", low):
        return F.SIGNATORY, 0
    if re.search(r"\b(?:launched|formed|founded|founding|created|set up|established)\b", low):
        return F.FOUNDER, 0
    if _STRONG_CUES.search(clause) or _WEAK_CUES.search(clause) or _COLLECTIVE.search(clause):
        return F.MEMBER, 0
    return None, 0


def _clauses(s: Sentence) -> list[tuple[int, int]]:
    spans = []
    cursor = 0
    for m in _CLAUSE_SPLIT.finditer(s.text):
        spans.append((s.start + cursor, s.start + m.start()))
        cursor = m.end()
    spans.append((s.start + cursor, s.end))
    return [(a, b) for a, b in spans if b > a]


def _except_position(clause: str) -> int | None:
    low = clause.lower()
    pos = [low.find(" " + w + " ") for w in EXCEPT_WORDS]
    pos = [p for p in pos if p >= 0]
    return min(pos) if pos else None


def commitments(ctx: ArticleContext, mentions: list[AgreementMention], by_mention: dict[int, _Agreement],
                quotes: list[tuple[int, int]]) -> list[F.Commitment]:
    """Aims and commitments: 'one of the aims ... is to X', 'countries committed to Y',
    'a treaty that bans X', 'launched an alliance to X', 'under the pact, members will X'."""
    if not by_mention:
        return []
    first_sentence = min(m.sentence for k, m in enumerate(mentions) if k in by_mention)
    out: list[F.Commitment] = []
    seen: set[tuple[str, str]] = set()
    current: _Agreement | None = None
    for si, s in enumerate(ctx.sentences):
        here = [(m, by_mention[k]) for k, m in enumerate(mentions) if k in by_mention and m.sentence == si]
        if here:
            current = here[0][1]
        if si < first_sentence or current is None:
            continue
        agreement = here[0][1] if here else current
        starts: list[int] = []  # offsets in s.text where a commitment phrase begins
        nouns: list[int] = []  # offsets where a list of provisions (noun phrases) begins
        for m, _ in here:  # "a treaty that bans ...", "an alliance to stamp out ..."
            rel = _AFTER_AGREEMENT.match(ctx.text, m.end, s.end)
            if rel:
                starts.append(rel.end() - s.start)
            prov = _PROVIDES.match(ctx.text, m.end, s.end)  # "the pact ... creates a joint command"
            if prov:
                nouns.append(prov.end() - s.start)
        for rx in COMMITMENT_CUES:
            cm = re.search(rx, s.text, re.I)
            if cm is not None:
                starts.append(cm.end())
        starts.extend(_party_will(ctx, s))
        for cm in _LIST_INTRO.finditer(s.text):  # "The plan also includes a centre, a database and ..."
            nouns.append(cm.end())
        clauses = [cm for cm in _SET_UP.finditer(s.text)]  # "a joint fund ... will be created"
        for cm in clauses:
            if any(qs <= s.start + cm.start() < qe for qs, qe in quotes):
                continue
            part = _trim(cm.group(0))
            if len(part.split()) >= 3 and (agreement.fact.key, part) not in seen:
                seen.add((agreement.fact.key, part))
                out.append(F.Commitment(agreement.fact.key, part, ctx.sentence_evidence(s)))
        for at in sorted(set(nouns)):
            body = re.split(r"\s+\(|\"|“|;|,\s+(?:as|while|but|although|which|saying|officials?|diplomats?)\s", s.text[at:])[0]
            body = body.strip().rstrip(".;:,").strip()
            for part in re.split(r",\s+(?:and\s+)?(?=(?:a|an|the|new)\s)|\s+and\s+(?=(?:a|an|the|new)\s)", body):
                part = part.strip()
                if len(part.split()) >= 3 and (agreement.fact.key, part) not in seen:
                    seen.add((agreement.fact.key, part))
                    out.append(F.Commitment(agreement.fact.key, part, ctx.sentence_evidence(s)))
        for at in sorted(set(starts)):
            if any(qs <= s.start + at < qe for qs, qe in quotes):
                continue
            body = s.text[at:]
            body = re.split(r",\s*(?:he|she|they|officials?|diplomats?|the \w+)\s+(?:said|says|added)\b|\s+\(|\"|“|;|,\s+(?:as|while|but|although|which|saying)\s", body)[0]
            body = _SUBJECT.sub("", body.strip(), count=1)
            body = body.strip().rstrip(".;:,").strip()
            for part in _split_coordinated(body):
                part = _trim(part)
                if _PASSIVE_BY.match(part):  # "be administered by the commission": who, not what
                    continue
                if len(part.split()) >= 3 and (agreement.fact.key, part) not in seen:
                    if any(part in c.text or c.text in part for c in out if c.agreement == agreement.fact.key):
                        continue
                    seen.add((agreement.fact.key, part))
                    out.append(F.Commitment(agreement.fact.key, part, ctx.sentence_evidence(s)))
    return [c for c in out if not _SCHEDULE.match(c.text)]


_NOT_COMMITMENTS = sorted(SYNTAX.get("not_commitments", ()), key=len, reverse=True)
_SCHEDULE = re.compile(r"(?:" + "|".join(map(re.escape, _NOT_COMMITMENTS)) + r")\b" if _NOT_COMMITMENTS else r"(?!)",
                       re.I)
"""How a schedule or a status begins ("decide next month", "come into force in June", "be signed
in May"), which is not what the parties undertake (``not_commitments`` in cues.toml)."""


_VERB_ALT = "|".join(sorted(BASE_VERBS | {"ban", "bar", "outlaw", "prohibit", "open", "adopt", "halve"}, key=len, reverse=True))
_AFTER_AGREEMENT = re.compile(
    # "a pact to X", "a treaty that bans X", "a memorandum of understanding on Sunday to link X", "a declaration in
    # Jakarta on Thursday committing them to X" (a place or a day may come between)
    r"[\"”]?(?:\s+(?:of|on)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*)?)?"  # "memorandum of understanding"
    r"(?:\s+(?:in|on|at)\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?){0,2}\s*(?:,\s*)?"
    rf"(?:(?:that|which)\s+(?:will\s+|would\s+|also\s+)?(?=(?:{_VERB_ALT})s?\b)"
    r"|(?:committing\s+(?:them|themselves|the\s+\w+)\s+)?to\s+"
    r"(?=(?:[a-z]+ly\s+)?(?!(?:the|a|an|its|their|his|her|this|that|these|those|which|whom|be|date)\b)[a-z]+\b))",
    re.I)
_PROVIDES = re.compile(r"[\"”]?\s*(?:,[^,;.]{1,80},\s*)?(?:also\s+|will\s+)?(?:includes?|contains?|provides? for|sets? out|"
                       r"envisages?|establish(?:es)?|creates?|sets? up)\s+(?=(?:a|an|the|new|joint|common|shared)\b)", re.I)
_SUBJECT = re.compile(r"^(?:[\w'’-]+\s+){0,6}?(?:will|would|shall|must|are to|is to|(?:also\s+)?(?:agreed|committed|pledged|promised|undertook|vowed)\s+to)\s+(?=\w)", re.I)


_PARTY = (r"(?:each|every|all|both)\s+(?:of\s+the\s+)?(?:country|countries|side|sides|state|states|member|members|"
          r"government|governments|party|parties|signatory|signatories|nation|nations)|"
          r"(?:the\s+)?(?:member\s+states|member\s+countries|signatories|signatory\s+states|parties|partners)|"
          r"the\s+(?:[\w-]+\s+){0,2}(?:countries|governments|nations|states|members|sides)")
_PARTY_WILL = re.compile(rf"(?:^|(?<=[.;,]\s)|(?<=\band\s))(?:{_PARTY})\s+(?:will|shall|would|are to|is to)\s+(?:also\s+)?(?=[a-z])",
                         re.I)
_WILL = re.compile(r"\s*(?:,[^,;.\"“”]{2,80},\s*)?(?:will|shall|is to|are to)\s+(?:also\s+)?(?:(?:has|have)\s+)?(?=[a-z])")
_PLEDGED = re.compile(r"\s*(?:,[^,;.\"“”]{2,80},\s*)?(?:(?:has|have)\s+)?(?:also\s+)?(?=pledged\s+(?!to\b))")
_LIST_INTRO = re.compile(r"\b(?:the|this|its)\s+(?:plan|deal|agreement|accord|pact|declaration|convention|treaty|"
                         r"framework|programme|program|initiative|package)\s+(?:also\s+)?"
                         r"(?:includes?|provides? for|envisages?|foresees?)\s+(?=(?:a|an|the|new|joint|common|shared|annual|regional)\b)",
                         re.I)
_SET_UP = re.compile(r"\b(?:an?|the)\s+(?:[\w$.-]+\s+){0,8}?(?:is|are|will\s+be)\s+(?:to\s+be\s+)?(?:also\s+)?"
                     r"(?:set\s+up|created|established|built|launched|opened|founded)\b[^,;.\"“”]*", re.I)
_PASSIVE_BY = re.compile(r"^be\s+(?:\w+ed\s+by|run|administered|coordinated|managed|hosted|based|headed|led|chaired|"
                         r"overseen|housed)\b", re.I)
_PLEDGED_SUM = re.compile(r"\b(?=pledged\s+(?:a\s+further\s+|another\s+|up\s+to\s+|more\s+than\s+|about\s+|some\s+|nearly\s+|over\s+)?"
                          r"(?:[$€£¥]|US\$|\d))", re.I)
_AND_WILL = re.compile(r"\band\s+(?:will|would|shall)\s+(?:also\s+)?(?=[a-z])")
_APPOSITION = re.compile(r",\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?(?:that|which|who|whose)\b.*$", re.S)


def _party_will(ctx: ArticleContext, s: Sentence) -> list[int]:
    """Offsets in ``s.text`` where a party's promise begins: "Each country will X", "member states
    will X", "Peru will X", "the IDB, a partner of the convention, will X", "the EU has pledged X"."""
    found = [m.end() for m in _PARTY_WILL.finditer(s.text)]
    found += [m.end() for m in _PLEDGED_SUM.finditer(s.text)]  # "... together pledged $300 million"
    actors = ctx.mentions_in(s.start, s.end, (COUNTRY, ORGANISATION))
    if actors and not re.sub(r"(?i)^\W*(?:the\s+)?", "", s.text[:actors[0].start - s.start]):
        # "Australia and New Zealand ... joined as partners and will contribute $2.5 billion"
        found += [m.end() for m in _AND_WILL.finditer(s.text)]
    for m in ctx.mentions_in(s.start, s.end, (COUNTRY, ORGANISATION)):
        after = m.end - s.start
        head = s.text[:m.start - s.start].rstrip()
        # the actor must open a clause: the sentence, or after "and", ",", ";" or "Under the X,"
        if head and not re.search(r"(?:^|[,;]|\band|\bwhile)\s*(?:the)?$", head, re.I):
            continue
        will = _WILL.match(s.text, after)
        if will:
            found.append(will.end())
            continue
        pledged = _PLEDGED.match(s.text, after)
        if pledged:
            found.append(pledged.end())
    return found


def _trim(text: str) -> str:
    """A commitment without a trailing apposition: "..., a target that critics call modest"."""
    return _APPOSITION.sub("", text).strip().rstrip(".;:,").strip()


def _split_coordinated(text: str) -> list[str]:
    """'establish units and make it easier to X' → two commitments (split before a verb, before
    "and to X", and before "and Chile will X")."""
    text = re.sub(r",?\s+and\s+(?:[A-Z][\w-]*\s+){1,4}(?:will|would|shall)\s+(?:also\s+)?(?=[a-z])", " and ", text)
    # "... to a joint fund, and a regional observatory is to be set up ...": that clause is its own
    text = re.split(r",?\s+and\s+(?=(?:an?|the)\s+(?:[\w$.-]+\s+){0,8}?(?:is|are|will\s+be)\s+(?:to\s+be\s+)?)", text)[0]
    parts = re.split(rf"(?:,\s+(?:and\s+)?|\s+and\s+)(?:to\s+)?(?=(?:{_VERB_ALT})s?\b)|,?\s+and\s+to\s+(?=[a-z])", text)
    out = []
    for p in parts:
        p = re.sub(r"^(?:try to|seek to|work to|help to|aim to)\s+", "", p.strip())
        if p:
            out.append(p)
    return out


_NOT_DESCRIBING = frozenset({"dollars", "euros", "pounds", "bn", "m", "billion", "million", "largest-ever",
                             "biggest", "largest", "latest", "first", "second", "third", "fourth", "fifth",
                             "further", "fresh", "previous", "current", "proposed", "planned", "alleged"})


def _proper_modifier(ctx: ArticleContext, word, head) -> bool:
    """With a parse: ``word`` (a token of ``ctx.doc``) is a proper noun that modifies the
    agreement noun ``head`` ("a Guidant deal", "the Warwick agreement")."""
    if ctx.parsed is None:
        return False
    w = ctx.parsed.char_span(word.idx, word.idx + len(word.text), alignment_mode="expand")
    h = ctx.parsed.char_span(head.idx, head.idx + len(head.text), alignment_mode="expand")
    if w is None or h is None:
        return False
    t = w.root
    return t.pos_ == "PROPN" and t.dep_ in ("compound", "nmod", "poss") and t.head.i == h.root.i


_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_YEAR_LABEL = re.compile(r"\b(?:1[89]|20)\d\d\b")


def _describing_start(ctx: ArticleContext, s: int, i: int) -> int:
    """The first token (of ``ctx.doc``, from ``s``) of the words that describe the agreement noun
    at token ``i``: the words right before it up to a verb the parse sees ("seals a deal"), a
    figure ("a dollars 6bn deal") or a ranking word ("fifth"); a year stays ("the 1959 agreement")."""
    doc = ctx.doc
    start = i
    assert ctx.parsed is not None  # called only with a parse
    for k in range(i - 1, s - 1, -1):
        tok = doc[k]
        parsed = ctx.parsed.char_span(tok.idx, tok.idx + len(tok.text), alignment_mode="expand")
        if parsed is None or tok.lower_ in _NOT_DESCRIBING or (any(ch.isdigit() for ch in tok.text)
                                                                and not _YEAR.fullmatch(tok.text)) \
                or any(p.pos_ in ("VERB", "AUX") for p in parsed):
            break
        start = k
    return start


# -- small helpers -------------------------------------------------------------------------------
def _cap(word: str) -> bool:
    return bool(word) and word[0].isupper() and any(c.isalpha() for c in word)


def _indefinite(doc, i: int) -> bool:
    j = i - 1
    while j >= 0 and i - j <= 4 and doc[j].text not in {",", "."} and doc[j].lower_ not in DETERMINERS - {"new"}:
        j -= 1
    return j >= 0 and doc[j].lower_ in {"a", "an", "another"}


def _sentence_initial(ctx: ArticleContext, offset: int) -> bool:
    s = ctx.sentences[ctx.sentence_index(offset)]
    head = ctx.text[s.start:offset].strip(" \"“'‘(")
    return head == "" or head.lower() in {"the", "a", "an", "this", "that"}


def _norm(label: str) -> str:
    return " ".join(w for w in re.findall(r"\w+", label.lower()) if w not in {"the", "a", "an", "new"})


def _launch_in_sentence(ctx: ArticleContext, si: int) -> bool:
    """Whether sentence ``si`` has a launch or joining verb form (where an agreement's date and
    place are read first)."""
    words = re.findall(r"[a-z]+", ctx.sentences[si].text.lower())
    return any(w in LAUNCH_VERBS or w in JOIN_VERBS for w in words)


def _actors_in_sentence(ctx: ArticleContext, si: int) -> bool:
    s = ctx.sentences[si]
    return bool(ctx.mentions_in(s.start, s.end, (COUNTRY, ORGANISATION, DEMONYM)))


def only_persons_between(ctx: ArticleContext, m: AgreementMention) -> bool:
    """'an agreement ... between Souza and Tanaka': between people, not states (an event)."""
    s = ctx.sentences[m.sentence]
    tail = ctx.text[m.end:s.end]
    bm = re.search(r"\bbetween\b", tail)
    if not bm:
        return False
    after = m.end + bm.end()
    return bool(ctx.persons_in(after, s.end)) and not ctx.mentions_in(after, s.end, (COUNTRY, ORGANISATION))
