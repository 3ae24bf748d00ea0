"""Who the dependency parse says is a party to an agreement mention.

For the head noun of an agreement mention ("deal", "pact", "merger") in the statistical
pipeline's parse, the parties are the actors that are:

* modifiers inside its noun phrase: "the India-Iran gas deal", "Ukraine's deal", "a Peugeot
  deal";
* objects of a party preposition on the noun or on its verb: "a deal with Turkmenistan",
  "an agreement between X and Y", "a pact among ...";
* subjects of the verb that makes it ("X and Y signed / sealed / struck / agreed a deal",
  "X has agreed to sign a deal with Y": the subject is found up the chain of verbs), or its
  agent ("the pact was signed by X");
* in a headline's verbless "X and Y in gas deal".

Coordination ("X, Y and Z") is followed at every step; a person who acts for a country or an
organisation (a post found earlier: "Turkmen President Niyazov, who signed the contract")
stands for it. Which verbs make parties and which prepositions name them is data (``[syntax]``
in ``kg/extraction/data/cues.toml``). Bystanders — supporters, lenders, critics, hosts, speakers
("Downing Street said") — are never subjects of a party verb, so they are never chosen here;
``PartyIndex.is_bystander`` tells the clause rules of ``kg.extraction.agreements`` which of the
actors they read are such bystanders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from kg.extraction.lexicon import SYNTAX
from kg.extraction.mentions import COUNTRY, DEMONYM, ORGANISATION, Mention

PARTY_VERBS: frozenset[str] = SYNTAX.get("party_verbs", frozenset())
"""Lemmas of the verbs that make their subjects parties ("sign", "agree", "seal", ...)."""
_PARTY_PREPS = SYNTAX.get("party_prepositions", frozenset())
_CHAIN_VERBS = SYNTAX.get("chain_verbs", frozenset())
_BYSTANDER_VERBS = SYNTAX.get("bystander_verbs", frozenset())
_PROSPECTIVE_AUXILIARIES = SYNTAX.get("prospective_auxiliaries", frozenset())
_PROSPECTIVE_VERBS = SYNTAX.get("prospective_verbs", frozenset())
_MEMBER_VERBS = SYNTAX.get("member_verbs", frozenset())
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
_ACTOR_KINDS = (COUNTRY, DEMONYM, ORGANISATION)
_STATES = frozenset({COUNTRY, DEMONYM})
_PERSONAL_PRONOUNS = frozenset({"he", "she", "i"})
_COLLECTIVES: dict[str, frozenset[str]] = {  # a collective noun -> the kinds of actor it stands for (empty: any)
    "countries": _STATES, "nations": _STATES, "states": _STATES, "governments": _STATES,
    "sides": frozenset(), "parties": frozenset(), "signatories": frozenset(), "partners": frozenset(),
    "companies": frozenset({ORGANISATION}), "firms": frozenset({ORGANISATION}),
    "groups": frozenset({ORGANISATION}), "banks": frozenset({ORGANISATION}),
}


@dataclass(frozen=True)
class Party:
    """An actor the parse makes a party: its key and the mention (or person) it was read from."""

    key: str
    start: int
    end: int
    kind: str = ORGANISATION  # the mention's kind: COUNTRY, DEMONYM or ORGANISATION


@dataclass(frozen=True)
class PartyIndex:
    """The parse of one article with its actor mentions (and persons standing for actors)
    placed on its tokens."""

    parsed: Doc
    actor_at: dict[int, Party]  # token index -> the actor mention covering it
    stands_for: dict[int, list[Party]]  # token index of a person -> the actors they act for
    in_office: frozenset[int] = frozenset()  # token indices of persons who hold a post

    @classmethod
    def of(cls, parsed: Doc, mentions: list[tuple[Mention, str]],
           persons: list[tuple[int, int, list[str]]], officials: Sequence[tuple[int, int]] = ()) -> PartyIndex:
        """``mentions``: actor mentions with their actor keys; ``persons``: (start, end, keys)
        for person mentions with the actors they serve; ``officials``: (start, end) of the
        mentions of persons who hold a post."""
        actor_at: dict[int, Party] = {}
        for m, key in mentions:
            if m.kind not in _ACTOR_KINDS:
                continue
            span = parsed.char_span(m.start, m.end, alignment_mode="expand")
            if span is not None:
                for t in span:
                    actor_at.setdefault(t.i, Party(key, m.start, m.end, m.kind))
        stands_for: dict[int, list[Party]] = {}
        for start, end, keys in persons:
            span = parsed.char_span(start, end, alignment_mode="expand")
            if span is not None and keys:
                for t in span:
                    stands_for.setdefault(t.i, [Party(k, start, end) for k in keys])
        in_office: set[int] = set()
        for start, end in officials:
            span = parsed.char_span(start, end, alignment_mode="expand")
            if span is not None:
                in_office.update(t.i for t in span)
        return cls(parsed, actor_at, stands_for, frozenset(in_office))

    def parties(self, start: int, end: int) -> list[Party]:
        """The actors the parse makes parties of the agreement mention at ``[start, end)``."""
        span = self.parsed.char_span(start, end, alignment_mode="expand")
        if span is None:
            return []
        head = span.root
        if head.pos_ in ("VERB", "AUX"):  # an agreement a verb introduced: "X and Y agreed to ..."
            return _unique(self._subjects(head) + self._prep_objects(head))
        found: list[Party] = []
        # 1. inside the noun phrase, before the head: "the India-Iran gas deal", "Ukraine's deal"
        for t in self.parsed[head.left_edge.i:head.i]:
            if t.i in self.actor_at and not _inside_pp(t, head):
                found.append(self.actor_at[t.i])
        # 2. "deal with X", "agreement between X and Y"
        found += self._prep_objects(head)
        # 3. the verb that makes it, and its subject up the chain of verbs
        verb, role = _governing_verb(head)
        if verb is not None and verb.lemma_.lower() in PARTY_VERBS and not _prospective(verb):
            found += self._prep_objects(verb)
            if role == "nsubjpass" or any(c.dep_ == "auxpass" for c in verb.children):
                found += [a for c in verb.children if c.dep_ == "agent" for o in c.children
                          if o.dep_ == "pobj" for a in self._np(o)]
            else:
                found += self._subjects(verb)
        # 4. "the deal that X and Y signed"
        for c in head.children:
            if c.dep_ == "relcl" and c.lemma_.lower() in PARTY_VERBS:
                found += [a for s in c.children if s.dep_ in _SUBJECTS and s.lower_ not in ("that", "which")
                          for a in self._np(s)]
                found += self._prep_objects(c)
        # 5. a headline's "X and Y in gas deal" (read as "in" on X, or the deal as X's apposition)
        if head.dep_ == "pobj" and head.head.lower_ == "in" and head.head.head.pos_ in ("PROPN", "NOUN"):
            found += self._np(head.head.head)
        if head.dep_ == "appos" and head.head.pos_ == "PROPN" and any(
                c.dep_ == "prep" and c.lower_ == "in" for c in head.head.children):
            found += self._np(head.head)
        out: list[Party] = []
        for p in found:
            if all(p.key != o.key for o in out) and not (p.start >= start and p.end <= end
                                                          and not _is_modifier(self, p, head)):
                out.append(p)
        return out

    def is_personal(self, start: int, end: int) -> bool:
        """Whether the agreement mention at ``[start, end)`` is a person's own contract: the
        subject of the verb that makes it is a person who holds no post ("Edu would sign a new
        deal", "he has just signed a four-year deal with the club"; not "Mr Brown has signed a
        debt relief deal", the chancellor)."""
        span = self.parsed.char_span(start, end, alignment_mode="expand")
        if span is None:
            return False
        verb, role = _governing_verb(span.root)
        if verb is None or role == "nsubjpass" or verb.lemma_.lower() not in PARTY_VERBS:
            return False
        v = verb
        for _ in range(4):
            subjects = [c for c in v.children if c.dep_ in _SUBJECTS]
            if subjects:
                return all(s.i not in self.stands_for and s.i not in self.actor_at and s.i not in self.in_office
                           and (s.ent_type_ == "PERSON" or s.lower_ in _PERSONAL_PRONOUNS)
                           and not any(c.dep_ == "conj" for c in s.children) for s in subjects)
            if v.dep_ in ("xcomp", "conj", "advcl") and v.head.i != v.i:
                v = v.head
            else:
                return False
        return False

    def is_bystander(self, start: int, end: int) -> bool:
        """Whether the actor mention at ``[start, end)`` is, by the parse, no party of the
        agreement in its clause: the subject of a verb that makes it a bystander ("Britain
        backed the deal", "Downing Street said"); a state that only could or wants to join
        ("Spain could join the pact"); or a body in a clause about where something is ("...,
        where the European Commission is based")."""
        span = self.parsed.char_span(start, end, alignment_mode="expand")
        if span is None:
            return False
        t = span.root
        while t.dep_ == "conj" and t.head.i != t.i:
            t = t.head
        if t.dep_ in ("dobj", "dative") or (t.dep_ == "pobj" and t.head.dep_ == "prep"):
            # "asked the United Nations to monitor it", "after consulting the African Union"
            verb = t.head if t.dep_ != "pobj" else t.head.head
            return verb.pos_ == "VERB" and (verb.lemma_.lower() not in PARTY_VERBS | _MEMBER_VERBS
                                            or verb.dep_ == "relcl")  # "... that Britain negotiated with X"
        if t.dep_ not in _SUBJECTS:
            return False
        verb = t.head
        lemma = verb.lemma_.lower()
        if verb.dep_ == "relcl" and lemma in PARTY_VERBS and verb.head.pos_ == "NOUN":
            return True  # "the 1959 agreement that Britain had negotiated": that agreement's party
        if lemma in _BYSTANDER_VERBS and lemma not in PARTY_VERBS:
            return True
        if _prospective(verb):
            return True  # "could join", "wants to join", "is expected to sign"
        return verb.dep_ == "relcl" and any(c.lower_ == "where" for c in verb.children) \
            and lemma not in PARTY_VERBS

    # -- internals ------------------------------------------------------------------------------
    def _np(self, tok: Token) -> list[Party]:
        """Actors named by the noun phrase headed by ``tok`` and its conjuncts; a collective
        ("the two countries", "both sides", "the signatories") stands for the actors named
        before it."""
        collective = self._collective(tok)
        if collective is not None:
            return collective
        out: list[Party] = []
        for t in _conjuncts(tok):
            for u in self.parsed[t.left_edge.i:t.i + 1]:
                if u.i in self.actor_at and not _inside_pp(u, t):
                    out.append(self.actor_at[u.i])
            if t.i in self.stands_for:
                out.extend(self.stands_for[t.i])
            # "X's chief executive", "the head of X": the person speaks for X only via a post
            for c in t.children:
                if c.dep_ == "appos":
                    out.extend(self._np(c))
        return out

    def _collective(self, tok: Token) -> list[Party] | None:
        """For "the two countries", "both sides", "the two firms", "the signatories": the last
        actors of the fitting kind named before ``tok`` in its sentence or the two before it
        (as many as the number says; two for "both"); None when ``tok`` is no collective."""
        noun = tok.lower_
        kinds = _COLLECTIVES.get(noun)
        if kinds is None:
            return None
        dets = {c.lower_ for c in tok.children if c.dep_ in ("det", "nummod", "predet", "preconj")}
        count = 2 if dets & {"both", "two"} else 3 if "three" in dets else None
        if count is None and noun not in ("signatories", "parties", "partners"):
            return None
        sentence = tok.sent
        for _ in range(2):  # back to the start of the sentence two before this one
            if sentence.start > 0:
                sentence = self.parsed[sentence.start - 1].sent
        first = sentence.start
        seen: list[Party] = []
        for i in range(tok.i - 1, first - 1, -1):
            party = self.actor_at.get(i)
            if party is None or (kinds and party.kind not in kinds) or any(p.key == party.key for p in seen):
                continue
            seen.append(party)
            if count is not None and len(seen) == count:
                break
        if count is not None and len(seen) < count:
            return []
        return list(reversed(seen))

    def _prep_objects(self, tok: Token) -> list[Party]:
        out: list[Party] = []
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in _PARTY_PREPS:
                for o in c.children:
                    if o.dep_ == "pobj":
                        out.extend(self._np(o))
        return out

    def _subjects(self, verb: Token) -> list[Party]:
        v: Token | None = verb
        for _ in range(4):  # "X has agreed to try to sign": up to the verb that has the subject
            if v is None:
                break
            subjects = [c for c in v.children if c.dep_ in _SUBJECTS]
            if subjects:
                out: list[Party] = []
                for s in subjects:
                    if s.lower_ in ("who", "which", "that") and v.dep_ == "relcl":
                        out.extend(self._np(v.head))
                    else:
                        out.extend(self._np(s))
                return out
            if v.dep_ in ("xcomp", "conj", "advcl") or (v.dep_ == "ccomp" and v.head.lemma_.lower() in _CHAIN_VERBS):
                v = v.head
            elif v.dep_ == "relcl":
                return self._np(v.head)
            else:
                break
        return []


def _prospective(verb: Token) -> bool:
    """A verb of what may happen, not what did: "could join", "wants to sign", "hopes to join"."""
    return any(c.dep_ == "aux" and c.lower_ in _PROSPECTIVE_AUXILIARIES for c in verb.children) \
        or (verb.dep_ == "xcomp" and verb.head.lemma_.lower() in _PROSPECTIVE_VERBS)


def _unique(parties: list[Party]) -> list[Party]:
    out: list[Party] = []
    for p in parties:
        if all(p.key != o.key for o in out):
            out.append(p)
    return out


def _conjuncts(tok: Token) -> list[Token]:
    out = [tok]
    for c in tok.children:
        if c.dep_ == "conj":
            out.extend(_conjuncts(c))
    return out


def _inside_pp(tok: Token, head: Token) -> bool:
    """Whether ``tok`` hangs from ``head`` through a preposition ("the head of Naftohaz")."""
    t = tok
    while t.i != head.i and t.head.i != t.i:
        if t.dep_ in ("pobj", "prep", "relcl", "acl"):
            return True
        t = t.head
    return False


def _governing_verb(head: Token) -> tuple[Token | None, str]:
    """The verb the agreement noun is the object or passive subject of ("signed a deal",
    "the deal was sealed", "agreed on a deal", "entered into an alliance")."""
    t = head
    if t.dep_ == "conj":  # "signed a memorandum and an alliance"
        t = t.head
    if t.dep_ in ("dobj", "nsubjpass", "attr", "oprd") and t.head.pos_ in ("VERB", "AUX"):
        return t.head, t.dep_
    if t.dep_ == "pobj" and t.head.dep_ in ("prep", "agent") and t.head.head.pos_ == "VERB":
        return t.head.head, "pobj"
    if t.dep_ == "nsubj" and t.head.pos_ == "VERB":  # "the deal was sealed" misparsed as active
        return t.head, "nsubjpass"
    return None, ""


def _is_modifier(index: PartyIndex, m: Party, head: Token) -> bool:
    """An actor inside the agreement mention's own text counts only as a noun-phrase modifier."""
    span = index.parsed.char_span(m.start, m.end, alignment_mode="expand")
    return span is not None and all(t.i < head.i for t in span)
