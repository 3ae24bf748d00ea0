"""Organisations the gazetteers do not know, from the statistical pipeline's named entities.

Real reporting names far more companies, unions, parties, banks and agencies than any list
holds ("Federated Department Stores", "Naftohaz", "Tepe-Akfen-Vie"). An ``ORG`` entity of the
parse becomes an organisation mention when it does not overlap a gazetteer mention and looks
like a name: capitalised, not an agreement ("the Kyoto Protocol"), not a role, a date or a
lone function word. Its name is the entity's text without a leading "the" or a trailing
possessive.
"""

from __future__ import annotations

import dataclasses

from spacy.tokens import Doc

from kg.extraction import gazetteer
from kg.extraction.actors import fold
from kg.extraction.context import ArticleContext
from kg.extraction.facts import PERSON
from kg.extraction.lexicon import AGREEMENT_NOUNS, DATE_WORDS, STOP_WORDS, SYNTAX
from kg.extraction.mentions import ORGANISATION, Mention

_POSSESSIVE = ("'s", "’s", "'", "’")
_NOT_ORG_WORDS = frozenset({"community", "bill", "act", "budget", "reform", "reforms", "plan", "programme", "program",
                            "report", "strategy", "policy", "constitution", "referendum", "election"})


_NOT_ORGANISATIONS = SYNTAX.get("not_organisations", frozenset())
_OTHER_LABELS = frozenset({"PERSON", "GPE", "LOC", "NORP", "FAC", "EVENT", "WORK_OF_ART", "LAW"})


class EntityOrganisations:
    """Turns the parse's ``ORG`` entities into organisation mentions (built once)."""

    def __init__(self) -> None:
        self.role_words = {w.lower() for t in gazetteer.role_titles() for w in t.split()}
        self.generic = {w.lower() for w in gazetteer.org_head_nouns()}

    def find(self, parsed: Doc, known: list[Mention]) -> list[Mention]:
        """Organisation mentions for ``ORG`` entities of ``parsed`` that no mention in
        ``known`` overlaps, in text order.

        Left out: a name the parse also reads as a person, place or group elsewhere in the
        article, or that only ever modifies a common noun ("the Sava river", "a Cholera
        outbreak"); a city; a name inside an agreement's name ("Treaty on the X")."""
        taken = sorted((m.start, m.end) for m in known)
        other: set[str] = set()
        persons: set[str] = set()
        as_name: set[str] = set()  # ORG texts seen at least once not as a modifier of a common noun
        for ent in parsed.ents:
            if ent.label_ in _OTHER_LABELS:
                other.add(ent.text.lower())
            if ent.label_ == "PERSON":
                persons.update(w.lower() for w in ent.text.split())
            if ent.label_ == "ORG" and not (ent.root.dep_ == "compound" and ent.root.head.pos_ == "NOUN"
                                            and ent.root.head.text.islower()):
                as_name.add(ent.text.lower())
        out: list[Mention] = []
        for ent in parsed.ents:
            if ent.label_ != "ORG" or ent.text.lower() in other or ent.text.lower() not in as_name:
                continue
            if any(t.lower_ in AGREEMENT_NOUNS for t in parsed[max(0, ent.start - 3):ent.start]):
                continue
            tokens = list(ent)
            while tokens and (tokens[0].lower_ in STOP_WORDS or not tokens[0].text[:1].isalnum()):
                tokens = tokens[1:]
            while tokens and (tokens[-1].text in _POSSESSIVE or not tokens[-1].text[-1:].isalnum()):
                tokens = tokens[:-1]
            cut = next((k for k, t in enumerate(tokens) if k and t.pos_ == "ADP" and k + 1 < len(tokens)
                        and (tokens[k + 1].lower_ in DATE_WORDS or tokens[k + 1].ent_type_ in ("GPE", "DATE"))), None)
            if cut is not None:  # "the Commons on Monday", "Commission for Africa in Cape Town"
                tokens = tokens[:cut]
            while tokens and tokens[0].lower_ in ("even", "only", "five", "four", "three", "two"):
                tokens = tokens[1:]
            if any(t.text == "(" for t in tokens) and not any(t.text == ")" for t in tokens):
                tokens = tokens[:next(k for k, t in enumerate(tokens) if t.text == "(")]  # "Hindustan Aeronautics (HAL"
                while tokens and not tokens[-1].text[-1:].isalnum():
                    tokens = tokens[:-1]
            if not tokens:
                continue
            start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
            if any(s < end and start < e for s, e in taken):
                continue
            name = parsed.text[start:end]
            if not self._looks_like_name(name, tokens) or all(w.lower() in persons for w in name.split()) \
                    or gazetteer.is_place_name(name):
                continue
            known_org = gazetteer.find_organisation(name)
            if known_org is not None:  # a form the phrase matcher missed ("EU-funded")
                out.append(Mention(start, end, name, ORGANISATION, known_org.name, org_type=known_org.org_type,
                                   country=known_org.country_iso3, group_of_states=known_org.is_group_of_states))
            else:
                out.append(Mention(start, end, name, ORGANISATION, name))
            taken.append((start, end))
        return out

    def _looks_like_name(self, name: str, tokens: list) -> bool:
        words = name.split()
        if not words or not words[0][:1].isupper():
            return False
        lower = [w.lower() for w in words]
        if lower[-1] in AGREEMENT_NOUNS or lower[-1] in _NOT_ORG_WORDS:
            return False  # "the Stability Pact", "the Mental Capacity Bill"
        if lower[0] in DATE_WORDS or any(t.like_num for t in tokens[:1]) or lower[0] in _NOT_ORGANISATIONS:
            return False
        if len(words) == 1 and (lower[0] in self.role_words or lower[0] in STOP_WORDS or lower[0] in self.generic
                                or len(name) < 2):
            return False
        if all(w in self.role_words or w in STOP_WORDS for w in lower):
            return False  # "Chancellor", "the Foreign Secretary"
        return True


def drop_entity_persons(ctx: ArticleContext, entity_orgs: list[Mention]) -> None:
    """Remove from ``ctx`` the entity organisations whose name is a person the rules found
    ("Nadia Farouk", a surname "Obeidat"), and their actors when nothing else names them."""
    names = {fold(a.name) for a in ctx.registry.actors.values() if a.kind == PERSON}
    names |= {n.split()[-1] for n in names if n.split()}
    wrong = {(m.start, m.end) for m in entity_orgs if fold(m.ref) in names}
    if not wrong:
        return
    refs = {fold(m.ref) for m in entity_orgs if (m.start, m.end) in wrong}
    ctx.mentions[:] = [m for m in ctx.mentions if (m.start, m.end) not in wrong]
    still = {fold(m.ref) for m in ctx.mentions if m.kind == ORGANISATION}
    for key in [k for k, a in ctx.registry.actors.items()
                if a.kind != PERSON and fold(a.name) in refs and fold(a.name) not in still]:
        del ctx.registry.actors[key]


def short_names_to_full(mentions: list[Mention]) -> list[Mention]:
    """An organisation named by one word that is the first word of one longer organisation
    name in the same article is that one: "Mitsubishi" after "Mitsubishi Motors", "UFJ" beside
    "UFJ Holdings", "Federated" for "Federated Department Stores"."""
    names = sorted({m.ref for m in mentions if m.kind == ORGANISATION}, key=len, reverse=True)
    full: dict[str, str] = {}
    for name in names:
        if not name.isalpha() or gazetteer.find_organisation(name) is not None:
            continue  # one plain word the gazetteers do not know: a company's short name
        longer = [n for n in names if n.startswith(name + " ")]
        if len(longer) == 1:  # only when the longer name is unambiguous
            full[name] = longer[0]
    if not full:
        return mentions
    return [dataclasses.replace(m, ref=full[m.ref]) if m.kind == ORGANISATION and m.ref in full else m
            for m in mentions]
