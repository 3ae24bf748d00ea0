"""Persons and the posts they hold.

Shapes recognised inside a sentence (R = a role phrase from the titles gazetteer, extended by
portfolio words; A = a country, demonym or organisation; N = a run of capitalised name words):

- ``[the] [A['s]] R N``            "US Attorney General Jane Doe", "Brazilian President Ana Souza"
- ``[A['s]] R, N,``                "Kenya's foreign minister, Ruth Wanjiru,"
- ``N, [the] [A['s]] R [of|for|at A]``  "Ruth Wanjiru, Kenya's foreign minister", "Li Wei, head of the WHO"
- ``Mr|Ms|Dr ... N``               honorifics (which also tell gender)
- ``N said|told|added`` / ``said N`` / ``according to N``  a speaker not introduced by a role;
- with a parse, a full name its NER reads as a person that no shape above introduced.

Surname-only mentions later in the article resolve to the person introduced earlier.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.extraction import gazetteer
from kg.extraction.context import ArticleContext, PersonMention
from kg.extraction.facts import Post
from kg.extraction.lexicon import MONTHS, SPEECH_VERBS, STOP_WORDS, WEEKDAYS
from kg.extraction.mentions import COUNTRY, DEMONYM, ORGANISATION, Mention
from kg.extraction.tokens import Tokens

_CONNECT = frozenset({"the", "of", "for", "and", "on", "in", "&"})
_PARTICLES = frozenset("de da van von der den al el bin ibn bint ben la le du dos di del ter".split())
_NOT_NAMES = frozenset(
    """The A An This That These Those It Its He She They We I You His Her Their Our But And Or
    In On At For With From By As If When While After Before Since Under Over Along According
    Also Both Earlier Later Last Next Meanwhile However Yet Still Despite Mr Mrs Ms Dr Prof Sir
    Dame Sheikh Minister President Premier King Queen Prince Princess Senator Judge General""".split()
) | {m.capitalize() for m in MONTHS} | {w.capitalize() for w in WEEKDAYS}


class PeopleFinder:
    """Role-phrase matcher built once; ``find`` runs on one article context."""

    def __init__(self, nlp) -> None:  # nlp: spacy Language
        self.titles = sorted({t.lower() for t in gazetteer.role_titles()}, key=len, reverse=True)
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher.add("ROLE", [nlp.make_doc(t) for t in self.titles])
        self.modifiers = {w.lower() for w in gazetteer.role_modifiers()}
        self.portfolio = {w.lower() for p in gazetteer.portfolio_words() for w in p.split()}
        self.role_words = {w for t in self.titles for w in t.replace("-", " ").split()}
        self.honorifics = {h.rstrip(".").lower(): h for h in gazetteer.honorifics()}

    # -- public -----------------------------------------------------------------------------
    def find(self, ctx: ArticleContext) -> list[Post]:
        """Register persons in ``ctx.registry``, fill ``ctx.person_mentions``, return posts."""
        doc = ctx.doc
        toks = ctx.tokens
        texts, lowers = toks.text, toks.lower
        n_toks = len(texts)
        ent_at = _entity_index(doc, ctx.mentions)
        roles = self._role_spans(doc, toks, ent_at)
        posts: list[Post] = []
        seen_posts: set[tuple[str, str, str | None]] = set()
        covered: set[int] = set()  # token indices already used by a person name

        def add_person(name_span: Span, role: Span | None, affiliation: Mention | None,
                       gender: str | None = None) -> None:
            """Register the person named by ``name_span`` and mark its tokens as used; with a ``role``,
            also record the post (role, affiliation) unless the same post was already found."""
            ev = ctx.evidence(name_span.start_char, name_span.end_char)
            key = ctx.registry.person(name_span.text, ev, gender)
            ctx.person_mentions.append(PersonMention(name_span.start_char, name_span.end_char, key))
            covered.update(range(name_span.start, name_span.end))
            if role is None:
                return
            aff_key = ctx.registry.from_mention(affiliation, ev) if affiliation else None
            if affiliation is not None:
                ctx.affiliation_starts.add(affiliation.start)
            role_text = _role_text(role)
            if role_text == "counterpart":  # "her Polish counterpart, X": the role of the person before
                here = ctx.sentence_index(name_span.start_char)
                earlier = [p for p in posts if ctx.sentence_index(p.evidence.start) == here and p.person != key]
                if earlier:
                    role_text = earlier[-1].role
            ctx.role_words.setdefault(key, set()).update(role_text.replace("-", " ").split())
            sig = (key, role_text, aff_key)
            if sig not in seen_posts:
                seen_posts.add(sig)
                posts.append(Post(person=key, role=role_text, affiliation=aff_key, evidence=ev))

        org_spans = [(e.start_char, e.end_char) for e in ctx.parsed.ents if e.label_ == "ORG"] \
            if ctx.parsed is not None else []
        for role in roles:
            if any(s <= role.start_char and role.end_char <= e for s, e in org_spans):
                continue  # "General Motors": a title word inside an organisation's name
            # R N : "Attorney General Jane Doe"
            n_end = self._name_run(toks, role.end, ent_at)
            if n_end > role.end and _not_a_name(ctx, doc[role.end:n_end]):
                n_end = role.end  # "chief Asian strategist": a word of the role, not a name
            if n_end > role.end and (n_end - role.end >= 2 or self._single_name_ok(toks, role.end)):
                add_person(doc[role.end:n_end], role,
                           self._affiliation_before(toks, role, ent_at) or self._affiliation_after(toks, role.end, ent_at)
                           or _name_before(ctx, role) or _name_after(ctx, role))
                continue
            # R, N, : "Kenya's foreign minister, Ruth Wanjiru,"
            if role.end < n_toks and texts[role.end] == ",":
                n_end = self._name_run(toks, role.end + 1, ent_at)
                if n_end - (role.end + 1) >= 2 and (n_end >= n_toks or texts[n_end] in {",", ".", "said", "told", "and", ";", ")"}):
                    add_person(doc[role.end + 1:n_end], role, self._affiliation_before(toks, role, ent_at))
                    continue
            # R of|for [the] X [(ACR)], N, : "The secretary-general of ASEAN, Rosario Dimaculangan,"
            comp = self._complement(toks, role.end, ent_at)
            if comp is not None:
                comp_end, comp_mention = comp
                n_end = self._name_run(toks, comp_end + 1, ent_at)
                if n_end - (comp_end + 1) >= 2 and (n_end >= n_toks or texts[n_end] in {",", ".", "said", "told", "and", ";", ")"}):
                    if comp_mention is None and lowers[role.end] != "in":  # "minister for the Middle East"
                        role = Span(doc, role.start, comp_end, label="ROLE")
                    add_person(doc[comp_end + 1:n_end], role,
                               comp_mention or self._affiliation_before(toks, role, ent_at))
                    continue
            # N, [the] [A['s]] R : "Ruth Wanjiru, Kenya's foreign minister"
            left = self._left_of_role(toks, role, ent_at)
            if left is not None:
                comma = left
                n_start = self._name_run_backwards(toks, comma, ent_at)
                if comma - n_start >= 2:
                    aff = self._affiliation_before(toks, role, ent_at) or self._affiliation_after(toks, role.end, ent_at) \
                        or _name_before(ctx, role) or _name_after(ctx, role)
                    add_person(doc[n_start:comma], role, aff)

        # full names the parse's NER finds and no rule introduced ("Drayton Valentine, an economist")
        if ctx.parsed is not None:
            for ent in ctx.parsed.ents:
                if ent.label_ != "PERSON":
                    continue
                span = doc.char_span(ent.start_char, ent.end_char, alignment_mode="contract")
                if span is None or len(span) < 2 or covered.intersection(range(span.start, span.end)) \
                        or any(i in ent_at for i in range(span.start, span.end)):
                    continue
                words = [texts[i] for i in range(span.start, span.end)]
                if all((_is_name_word(w) and w not in _NOT_NAMES and w.lower() not in self.role_words)
                       or w.lower() in _PARTICLES for w in words):
                    add_person(span, None, None)

        # honorifics: "Mr Wanjiru", "Ms Ana Souza"
        honorifics = self.honorifics
        for i, text in enumerate(texts):
            if text[:1].isupper() and text.rstrip(".").lower() in honorifics:
                start = i + 1 + (1 if i + 1 < n_toks and texts[i + 1] == "." else 0)
                end = self._name_run(toks, start, ent_at, allow_title_words=True)
                if end > start and not covered.intersection(range(start, end)):
                    add_person(doc[start:end], None, None, gazetteer.honorific_gender(text))

        # speakers: "Ana Souza said", "said Ana Souza", "according to Ana Souza"
        for i, low in enumerate(lowers):
            if low not in SPEECH_VERBS and low != "according":
                continue
            after = i + 2 if low == "according" and i + 1 < n_toks and lowers[i + 1] == "to" else i + 1
            end = self._name_run(toks, after, ent_at)
            # not 'said ABN Amro chief strategist Eddie Wong': a name followed by a role is whose role it is
            if end - after >= 2 and not covered.intersection(range(after, end)) \
                    and not (end < n_toks and lowers[end] in self.role_words) \
                    and not _names_no_person(ctx, doc[after:end]):
                add_person(doc[after:end], None, None)
            if low != "according":
                start = self._name_run_backwards(toks, i, ent_at)
                if i - start >= 2 and not covered.intersection(range(start, i)) \
                        and not _names_no_person(ctx, doc[start:i]):
                    add_person(doc[start:i], None, None)

        # surname-only and short mentions of known persons
        for i, text in enumerate(texts):
            if i in covered or not _is_name_word(text) or text in _NOT_NAMES or i in ent_at:
                continue
            key = ctx.registry.find_person(text) if len(text) > 1 else None
            if key is not None:
                end = self._name_run(toks, i, ent_at)
                span = doc[i:max(end, i + 1)]
                full = ctx.registry.find_person(span.text)
                if full == key:
                    ctx.person_mentions.append(PersonMention(span.start_char, span.end_char, key))
                    ctx.registry.person(span.text, ctx.evidence(span.start_char, span.end_char))
                    covered.update(range(span.start, span.end))
        ctx.person_mentions.sort(key=lambda p: p.start)
        return posts

    # -- role phrases -----------------------------------------------------------------------
    def _role_spans(self, doc: Doc, toks: Tokens, ent_at: dict[int, Mention]) -> list[Span]:
        spans = []
        texts, lowers = toks.text, toks.lower
        n = len(texts)
        for _, s, e in self.matcher(doc):
            # extend left over modifiers/portfolio words: "home affairs commissioner"
            while s > 0 and (lowers[s - 1] in self.modifiers or lowers[s - 1] in self.portfolio) \
                    and lowers[s - 1] not in STOP_WORDS and (s - 1) not in ent_at:
                s -= 1
            # "Egyptian Electricity Minister": a capitalised portfolio between an affiliation and the title
            k = s
            while k > 0 and s - k < 3 and doc[k - 1].is_alpha and texts[k - 1][:1].isupper() \
                    and (k - 1) not in ent_at and lowers[k - 1] not in STOP_WORDS:
                k -= 1
            if k < s and (k - 1) in ent_at and ent_at[k - 1].kind in (COUNTRY, DEMONYM, ORGANISATION):
                s = k
            # extend right: "Commissioner for Home Affairs", "minister of water and irrigation"
            j = e
            if j + 1 < n and lowers[j] in {"for", "of"} and (
                    lowers[j + 1] in self.portfolio or doc[j + 1].is_lower and doc[j + 1].is_alpha
                    and lowers[j + 1] not in STOP_WORDS):
                j += 1
                while j < n and j - e <= 8 and (lowers[j] in self.portfolio or lowers[j] == "and"
                                                 or doc[j].is_lower and doc[j].is_alpha and lowers[j] not in STOP_WORDS
                                                 or self._portfolio_comma(toks, j)):
                    j += 1
                while lowers[j - 1] in ("and", ","):
                    j -= 1
                e = j
            spans.append(Span(doc, s, e, label="ROLE"))
        # keep the longest, non-overlapping
        spans.sort(key=lambda sp: (sp.start, -(sp.end - sp.start)))
        out: list[Span] = []
        for sp in spans:
            if out and sp.start < out[-1].end:
                continue
            out.append(sp)
        return out

    @staticmethod
    def _portfolio_comma(toks: Tokens, j: int) -> bool:
        """A comma inside a list of portfolios: "minister of agriculture, fisheries and water"."""
        texts, lowers = toks.text, toks.lower
        if texts[j] != "," or j + 1 >= len(texts) or not texts[j + 1].isalpha() or not texts[j + 1].islower() \
                or lowers[j + 1] in STOP_WORDS:
            return False
        for k in range(j + 2, min(j + 6, len(texts))):
            if texts[k] == ",":
                return False
            if lowers[k] == "and":
                return True
        return False

    def _single_name_ok(self, toks: Tokens, i: int) -> bool:
        """'President Ruto said': one capitalised word after a role is a surname."""
        text = toks.text[i]
        return _is_name_word(text) and text not in _NOT_NAMES and toks.lower[i] not in self.role_words

    def _name_run(self, toks: Tokens, i: int, ent_at: dict[int, Mention], allow_title_words: bool = False) -> int:
        """End (exclusive) of the run of name words starting at token ``i``."""
        texts = toks.text
        j = i
        n = len(texts)
        while j < n and j - i < 5:
            t = texts[j]
            if _is_name_word(t) and t not in _NOT_NAMES and j not in ent_at and (
                    allow_title_words or toks.lower[j] not in self.role_words or j > i):
                j += 1
            elif t.lower() in _PARTICLES and j > i and j + 1 < n and _is_name_word(texts[j + 1]):
                j += 1
            else:
                break
        while j > i and texts[j - 1].lower() in _PARTICLES:
            j -= 1
        return j

    def _name_run_backwards(self, toks: Tokens, end: int, ent_at: dict[int, Mention]) -> int:
        """Start of the run of name words ending just before token ``end``."""
        texts = toks.text
        i = end
        while i > 0 and end - i < 4:
            t = texts[i - 1]
            if _is_name_word(t) and t not in _NOT_NAMES and (i - 1) not in ent_at \
                    and toks.lower[i - 1] not in self.role_words:
                i -= 1
            elif t.lower() in _PARTICLES and i - 2 >= 0 and _is_name_word(texts[i - 2]) and i < end:
                i -= 1
            else:
                break
        return i

    def _left_of_role(self, toks: Tokens, role: Span, ent_at: dict[int, Mention]) -> int | None:
        """For 'N, [the] [A['s]] R', the index of the comma after N, else None."""
        i = role.start - 1
        if i >= 0 and toks.text[i] in {"'s", "’s"}:
            i -= 1
        while i >= 0 and i in ent_at:
            i -= 1
        if i >= 0 and toks.lower[i] in {"the", "a", "an"}:
            i -= 1
        if i >= 0 and toks.text[i] == ",":
            return i
        return None

    def _affiliation_before(self, toks: Tokens, role: Span, ent_at: dict[int, Mention]) -> Mention | None:
        i = role.start - 1
        if i >= 0 and toks.text[i] in {"'s", "’s", "'"}:
            i -= 1
        m = ent_at.get(i)
        if m is not None and m.kind in (COUNTRY, DEMONYM, ORGANISATION):
            return m
        return None

    def _complement(self, toks: Tokens, i: int, ent_at: dict[int, Mention]) -> tuple[int, Mention | None] | None:
        """'of|for|at [the] X [(ACR)]' after a role, ending at a comma: (comma index, entity of X)."""
        texts, lowers = toks.text, toks.lower
        n = len(texts)
        if i >= n or lowers[i] not in {"of", "for", "at", "in"}:
            return None
        j = i + 1
        mention = None
        while j < n and j - i <= 10 and texts[j] != ",":
            t = texts[j]
            if j in ent_at and mention is None and ent_at[j].kind in (COUNTRY, ORGANISATION):
                mention = ent_at[j]
            if not (lowers[j] in _CONNECT or t[:1].isupper() or t in "()" or j in ent_at):
                return None
            j += 1
        if j >= n or texts[j] != ",":
            return None
        if lowers[i] == "in":  # "ambassador in Sarajevo": where the post is, not whose
            return j, None
        return j, mention

    def _affiliation_after(self, toks: Tokens, i: int, ent_at: dict[int, Mention]) -> Mention | None:
        """'R of|for|at [the] A' (used when the role is not preceded by its affiliation)."""
        lowers = toks.lower
        j = i
        if j < len(lowers) and lowers[j] in {"of", "for", "at", "to"}:
            j += 1
            if j < len(lowers) and lowers[j] == "the":
                j += 1
            m = ent_at.get(j)
            if m is not None and m.kind in (COUNTRY, ORGANISATION):
                return m
            # "a spokeswoman for the Montenegrin government": the demonym's country
            if m is not None and m.kind == DEMONYM and j + 1 < len(lowers) and lowers[j + 1] in _GOVERNMENT_WORDS:
                return m
        return None


def _entities_all(ctx: ArticleContext, span: Span, labels: frozenset[str]) -> bool:
    """With a parse, whether every token of ``span`` is in an entity with one of ``labels``."""
    if ctx.parsed is None:
        return False
    parsed = ctx.parsed.char_span(span.start_char, span.end_char, alignment_mode="expand")
    return parsed is not None and all(t.ent_type_ in labels for t in parsed)


def _names_no_person(ctx: ArticleContext, span: Span) -> bool:
    """Whether the NER reads ``span`` ("Merrill Lynch said", "said Air Deccan") as an
    organisation, a place or a facility, not a person."""
    return _entities_all(ctx, span, _NOT_PERSON_LABELS)


def _not_a_name(ctx: ArticleContext, span: Span) -> bool:
    """Whether the NER reads the capitalised words of ``span`` as a nationality or group
    ("Asian") rather than a person's name."""
    return _entities_all(ctx, span, _GROUP_LABELS)


_NOT_PERSON_LABELS = frozenset({"ORG", "GPE", "LOC", "FAC", "PRODUCT"})
_GROUP_LABELS = frozenset({"NORP"})


def _name_before(ctx: ArticleContext, role: Span) -> Mention | None:
    """With a parse, the organisation named right before a role ("Ryanair chairman David
    Bonderman", "Mitsubishi's newly-appointed chief executive", "Sal Oppenheim Bank analyst"):
    the run of proper nouns there, made a mention."""
    if ctx.parsed is None or role.start == 0:
        return None
    doc = ctx.doc
    end = role.start
    while end > 0 and doc[end - 1].text[:1].islower() and doc[end - 1].lower_ in _ROLE_MODIFIERS:
        end -= 1  # "newly-appointed", "former"
    if end > 0 and doc[end - 1].text in ("'s", "’s", "'", "’"):
        end -= 1
    return _proper_run(ctx, end, backwards=True)


def _name_after(ctx: ArticleContext, role: Span) -> Mention | None:
    """With a parse, the organisation a role is "of", "at" or "with" when the gazetteers do not
    know it: "deputy chairman of Highland Gold", "an analyst at brokerage Aton"."""
    if ctx.parsed is None or role.end >= len(ctx.doc) or ctx.doc[role.end].lower_ not in ("of", "at", "with"):
        return None
    doc = ctx.doc
    start = role.end + 1
    while start < len(doc) and doc[start].text[:1].islower() and start - role.end <= 3:
        start += 1  # "at brokerage Aton", "of the firm X"
    return _proper_run(ctx, start, backwards=False)


def _proper_run(ctx: ArticleContext, at: int, backwards: bool) -> Mention | None:
    """The run of capitalised proper nouns that ends (``backwards``) or starts at token ``at``,
    as an organisation mention, when the parse reads it as no person, place or date."""
    doc = ctx.doc
    start = end = at
    if backwards:
        while start > 0 and doc[start - 1].text[:1].isupper() and doc[start - 1].text not in _NOT_NAMES:
            start -= 1
    else:
        while end < len(doc) and doc[end].text[:1].isupper() and doc[end].text not in _NOT_NAMES:
            end += 1
    if start == end:
        return None
    existing = [m for m in ctx.mentions if m.start < doc[end - 1].idx + len(doc[end - 1].text) and doc[start].idx < m.end]
    if existing:
        return existing[0] if existing[0].kind in (COUNTRY, DEMONYM, ORGANISATION) else None
    assert ctx.parsed is not None  # both callers return early without a parse
    span = ctx.parsed.char_span(doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), alignment_mode="expand")
    if span is None or any(t.pos_ != "PROPN" or t.ent_type_ in ("PERSON", "GPE", "NORP", "DATE") for t in span):
        return None
    name = doc[start:end].text
    mention = Mention(doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), name, ORGANISATION, name)
    ctx.mentions.append(mention)
    ctx.mentions.sort(key=lambda m: m.start)
    return mention


_ROLE_MODIFIERS = frozenset({"newly-appointed", "new", "former", "outgoing", "incoming", "acting", "then",
                             "interim", "current"})


_GOVERNMENT_WORDS = frozenset({"government", "authorities", "administration", "cabinet", "presidency", "state"})


def _entity_index(doc: Doc, mentions: list[Mention]) -> dict[int, Mention]:
    """Token index → the country/demonym/organisation mention covering it."""
    out: dict[int, Mention] = {}
    for m in mentions:
        if m.kind not in (COUNTRY, DEMONYM, ORGANISATION):
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None:
            for t in range(span.start, span.end):
                out[t] = m
    return out


@lru_cache(maxsize=1 << 16)
def _is_name_word(text: str) -> bool:  # pure, and asked of the same few words again and again
    if not text:
        return False
    head, dash, rest = text.partition("-")
    if dash and head.lower() in _PARTICLES and rest[:1].isupper():
        return True  # "al-Khafaji", "el-Sisi"
    if not text[0].isupper():
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    if len(text) > 3 and text.isupper():
        return False  # an acronym or a shouted headline word, not a name
    return all(c.isalpha() or c in "-'’." for c in text)


def _role_text(role: Span) -> str:
    words = [t.lower_ for t in role if t.lower_ not in {"the", "former"}]
    return " ".join(words)
