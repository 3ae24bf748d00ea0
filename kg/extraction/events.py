"""Events: launches and signings of agreements, press conferences, meetings, summits, talks,
visits, and earlier agreements between people ("an agreement a year ago between X and Y").

Mentions of the same kind of event in one article are one event (participants merged); an
undated event takes the date of a dated event or agreement in the same paragraph.
"""

from __future__ import annotations

import re

from kg.extraction.context import ArticleContext
from kg.extraction.dates import find_dates
from kg.extraction.facts import Agreement, Event, Membership, Place
from kg.extraction.lexicon import EVENT_NOUNS, LAUNCH_VERBS
from kg.extraction.mentions import COUNTRY, ORGANISATION, PLACE

_GATHERINGS = frozenset({"press conference", "summit", "meeting", "visit", "conference"})
_EVENT_RX = re.compile(r"\b(?:joint\s+)?(?:" + "|".join(sorted(EVENT_NOUNS, key=len, reverse=True)) + r")\b", re.I)
_AFTER_OCCASION = re.compile(r"\bafterwards\b|\b(?:after|following)\s+(?:the\s+|its\s+)?(?:signing|ceremony|launch|"
                             r"signing\s+ceremony)\b", re.I)
_EVENT_HEADS = tuple(sorted({noun.split()[-1].lower() for noun in EVENT_NOUNS}))  # every match ends in one


def _may_name_event(sentence: str) -> bool:
    """False only when ``_EVENT_RX`` cannot match: a cheap test that spares its slow scan. In ASCII
    text ``re.I`` is plain ASCII case, so a match shows as a head word in ``sentence.lower()``."""
    if not sentence.isascii():
        return True
    low = sentence.lower()
    return any(head in low for head in _EVENT_HEADS)


def find_events(ctx: ArticleContext, agreements: list[Agreement], members: list[Membership],
                person_agreements: list[tuple[int, int]]) -> list[Event]:
    """Events in text order; ``person_agreements`` are spans of 'an agreement between X and Y'."""
    events: dict[str, Event] = {}
    paragraph_dates: dict[int, object] = {}

    def place_in(start: int, end: int) -> Place | None:
        """The first place mentioned in ``[start, end)`` with its country's ISO2 code, or None."""
        ps = ctx.mentions_in(start, end, (PLACE,))
        if not ps:
            return None
        iso2 = next((a.iso2 for a in ctx.registry.actors.values() if a.iso3 == ps[0].country), None)
        return Place(ps[0].ref, ps[0].geonames_id, iso2)

    def participants(start: int, end: int, with_actors: bool) -> list[str]:
        """Keys of the persons mentioned in ``[start, end)``, then with ``with_actors`` of the countries
        and organisations mentioned there; each key once."""
        keys = [p.key for p in ctx.persons_in(start, end)]
        if with_actors:
            for m in ctx.mentions_in(start, end, (COUNTRY, ORGANISATION)):
                k = ctx.registry.from_mention(m, None)
                if k:
                    keys.append(k)
        return list(dict.fromkeys(keys))

    # launches and signings of agreements
    for a in agreements:
        for ev in a.evidence:
            words = re.findall(r"[a-z]+", ev.sentence.lower())
            kinds = [LAUNCH_VERBS[w] for w in words if w in LAUNCH_VERBS]
            if not kinds:
                continue
            etype = kinds[0]
            key = f"event:{etype}:{a.key}"
            parts = [m.member for m in members if m.agreement == a.key and m.evidence == ev]
            parts += participants(ev.start, ev.end, False)
            events[key] = Event(key, etype, f"{etype} of {a.label}", a.date, a.place,
                                list(dict.fromkeys(parts)), a.key, ev)
            break
    # noun events: press conferences, meetings, summits ...
    for s in ctx.sentences:
        if not _may_name_event(s.text):
            continue
        for m in _EVENT_RX.finditer(s.text):
            # casefold, as re.I matches: "ſummit" is "summit"; a match no key spells is skipped
            noun = " ".join(m.group(0).casefold().split())
            found = EVENT_NOUNS.get(noun) or EVENT_NOUNS.get(re.sub(r"^joint\s+", "", noun))
            if found is None:
                continue
            etype = found
            dates = find_dates(s.text, ctx.article.date)
            ev = ctx.sentence_evidence(s)
            key = f"event:{etype}"
            parts = participants(s.start, s.end, etype not in {"press conference"})
            if etype in {"signing", "ceremony", "launch"}:
                # "the signing ceremony": the launch or signing of an agreement already recorded
                occasion = next((e for e in events.values() if e.agreement is not None), None)
                if occasion is not None:
                    occasion.participants = list(dict.fromkeys(occasion.participants + parts))
                    occasion.place = occasion.place or place_in(s.start, s.end)
                    break
            existing = events.get(key)
            if existing is None:
                date = dates[0].date if dates else None
                place = place_in(s.start, s.end)
                persons = [p for p in parts if p.startswith("person:")]
                if date is None and place is None and not (etype in _GATHERINGS and persons):
                    break  # "after years of negotiations": no occasion to record
                events[key] = Event(key, etype, etype, date, place, parts, None, ev)
            else:
                existing.participants = list(dict.fromkeys(existing.participants + parts))
                existing.date = existing.date or (dates[0].date if dates else None)
                existing.place = existing.place or place_in(s.start, s.end)
            break
    # earlier agreements between people
    for n, (start, end) in enumerate(person_agreements):
        s = ctx.sentences[ctx.sentence_index(start)]
        dates = find_dates(s.text, ctx.article.date)
        parts = participants(end, s.end, False)
        key = f"event:agreement:{n + 1}"
        people = ctx.persons_in(end, s.end)
        label = " ".join(ctx.text[start:people[-1].end if people else end].split())
        events[key] = Event(key, "agreement", label, dates[0].date if dates else None,
                            place_in(s.start, s.end), parts, None, ctx.sentence_evidence(s))
    # "a press conference after the ceremony", "a briefing afterwards": the occasion's date and place
    occasion = next((e for e in events.values() if e.agreement is not None), None)
    for e in events.values():
        if e.agreement is None and (e.date is None or e.place is None):
            s = ctx.sentences[ctx.sentence_index(e.evidence.start)]
            if _AFTER_OCCASION.search(s.text):
                date = occasion.date if occasion else next((a.date for a in agreements if a.date), None)
                place = occasion.place if occasion else next((a.place for a in agreements if a.place), None)
                e.date, e.place = e.date or date, e.place or place
    # undated events take the date of a dated event or agreement in the same paragraph
    for e in events.values():
        if e.date is None:
            para = ctx.sentences[ctx.sentence_index(e.evidence.start)].paragraph
            for other in events.values():
                if other.date and ctx.sentences[ctx.sentence_index(other.evidence.start)].paragraph == para:
                    e.date = other.date
                    break
            else:
                for a in agreements:
                    if a.date and any(ctx.sentences[ctx.sentence_index(x.start)].paragraph == para for x in a.evidence):
                        e.date = a.date
                        break
    return sorted(events.values(), key=lambda e: (e.evidence.start, e.key))
