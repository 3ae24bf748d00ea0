"""Quality benchmark: precision, recall and F1 of the rule extractor against gold annotations.

Usage::

    python bench/quality.py [--set dev|heldout|real|all] [--articles DIR] [--fast] [--json]
                            [--verbose] [--write-baseline] [--out-of-genre ../shared/data]

Three annotated sets are scored, each on its own (``SETS``): ``dev`` (``tests/articles``,
synthetic, used while writing the rules), ``heldout`` (``tests/articles_heldout``, synthetic,
never used to tune) and ``real`` (``tests/articles_real``, real BBC stories whose texts stay
under ``../shared/data/``: each gold file names its text with ``source`` and carries the
inferred publication ``date``). Every ``NAME.gold.json`` of a set with its text (``source``,
else ``NAME.txt`` beside it) is read with ``kg.reading.sources.read_file(path)[0]`` and
extracted with ``kg.extraction.extract_facts``. The facts are converted to the gold shape (see ``facts_to_record``)
and compared with the gold file, fact type by fact type. Counts are micro-averaged over all
articles; the ``overall`` row sums the counts of every row above it.

Gold shape (one JSON object per article; every key optional, missing means "none")::

    countries      ["USA", ...]                         ISO 3166-1 alpha-3
    organisations  ["European Union", ...]              canonical names
    persons        ["Eric Holder", ...]                 full names as first written
    officials      [{name, role, affiliation}]          affiliation: ISO3, organisation name or null
    agreements     [{label, date, place}]               date ISO 8601 or null, place a city or null
    members        [{agreement, member}]                members, founders, signatories
    non_members    [{agreement, actor, status}]         observer | partner | invitee | non-signatory
    quotes         [{speaker, text}]
    commitments    [{agreement, text}]
    events         [{type, date, place, participants}]
    figures        [{text, value, unit, measures}]

Matching rules
--------------
Names are normalised before any comparison: Unicode folded to ASCII, case-folded, punctuation
turned into spaces, a leading "the" dropped, "&" read as "and", "-isation" read as "-ization"
and a standalone "UN" read as "United Nations". Actor references (members, affiliations,
participants) match when they are the same ISO3 code, or when the names match by the
organisation rule, or — for a predicted person — by the person rule.

* countries: by ISO3 code.
* organisations: by normalised name; an extracted organisation also matches through any of its
  aliases, and through an acronym (initials of the capitalised words, skipping "of", "and",
  "for", ...) of the gold name or of an extracted name.
* persons: by normalised name, or when the surname (last word) and the first initial match.
* officials: person (person rule) + role (the predicted role shares at least half of the gold
  role's words, stop words ignored) + affiliation (both empty, or the actor rule).
* agreements: by label — token-set Jaccard >= 0.5 after dropping stop words, or one token set
  contains the other. For matched agreements only, the date and the place are scored as the
  separate fact types ``agreement_dates`` and ``agreement_places`` (a slot filled with the
  wrong value counts as one false positive and one false negative).
* members / non_members: the predicted agreement must be the one matched to the gold agreement,
  and the actor must match. For matched non-members only, the status is scored as
  ``non_member_statuses``.
* quotes: speaker (person rule) and text (token-set Jaccard >= 0.8, punctuation ignored).
* commitments: matched agreement, and text overlap >= 0.5 of the shorter token set (stop words
  ignored).
* events: same type (after a few synonyms: "news conference" = "press conference", ...) and
  the same date when the gold event has one; an undated gold event needs a shared participant
  instead, or — when it lists none — the same place (or no place).
* figures: value within 0.5 % and, when both sides give one, the same unit ("%" = "percent",
  "$" = "USD", "kilometres" = "km", ...).

Before matching, each side is deduplicated on the fields that matching compares (a fact
stated twice is one fact; e.g. two figures with the same value and unit are one). Matching is
one-to-one and greedy: candidate pairs are taken best score first, and neither side of a pair
is used again. An article whose reading or extraction raises is reported, and all its gold
facts count as missed.

Exit status: 0 when every article was extracted, 1 when some article failed or no annotated
article was found, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import re
import sys
import traceback
import unicodedata
from pathlib import Path
from collections import Counter
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARTICLES = ROOT / "tests" / "articles"
SETS = {
    "dev": ROOT / "tests" / "articles",  # synthetic, used while writing the rules
    "heldout": ROOT / "tests" / "articles_heldout",  # synthetic, never used to tune
    "real": ROOT / "tests" / "articles_real",  # real BBC stories; texts under ../shared/data/
}
"""The annotated sets, reported separately."""
BASELINE = ROOT / "bench" / "quality_baseline.json"
"""Per set and fact type, the F1 that ``tests/test_quality_baseline.py`` holds the extractor to."""
OUT_OF_GENRE = ("sport", "entertainment")
"""BBC folders with no agreements to find: what is found there is a false alarm."""

FACT_TYPES = (
    "countries", "organisations", "persons", "officials",
    "agreements", "agreement_dates", "agreement_places",
    "members", "non_members", "non_member_statuses",
    "quotes", "commitments", "events", "figures",
)
LIST_KEYS = ("countries", "organisations", "persons", "officials", "agreements", "members",
             "non_members", "quotes", "commitments", "events", "figures")

STOP_WORDS = frozenset(
    """a an the of on for and to in with between against by at from as its their his her our
    this that these those be is are was were will would which who it they them than into over
    under about all any each""".split()
)
_ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "on", "in", "de", "des", "du", "la", "le", "to", "&"})

EVENT_SYNONYMS = {
    "news conference": "press conference", "press briefing": "press conference",
    "joint press conference": "press conference", "joint news conference": "press conference",
    "signing ceremony": "signing", "signature": "signing",
    "launching": "launch", "founding": "launch", "formation": "launch",
    "negotiations": "talks", "negotiation": "talks",
    "summit meeting": "summit",
}

UNIT_SYNONYMS = {
    "%": "percent", "per cent": "percent", "pct": "percent", "percentage": "percent",
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "us dollars": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "km": "km", "kilometre": "km", "kilometres": "km", "kilometer": "km", "kilometers": "km",
    "km2": "km2", "sq km": "km2", "square kilometre": "km2", "square kilometres": "km2",
    "square kilometer": "km2", "square kilometers": "km2",
    "mw": "MW", "megawatt": "MW", "megawatts": "MW",
    "m3": "m3", "cubic metre": "m3", "cubic metres": "m3", "cubic meter": "m3", "cubic meters": "m3",
    "tonne": "tonnes", "tonnes": "tonnes", "ton": "tonnes", "tons": "tonnes",
    "hour": "hours", "hours": "hours", "year": "years", "years": "years",
    "c": "celsius", "°c": "celsius", "degrees celsius": "celsius", "degree celsius": "celsius",
    "degrees": "celsius",
}


# ------------------------------------------------------------------------------------------
# normalisation
# ------------------------------------------------------------------------------------------

def fold(text: str) -> str:
    """ASCII-folded, case-folded text."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def norm(text: str | None) -> str:
    """Normalised name: folded, punctuation to spaces, no leading 'the', 'UN' expanded."""
    if not text:
        return ""
    s = fold(text).replace("&", " and ")
    s = re.sub(r"\bu\.n\.", " un ", s)
    s = re.sub(r"[^\w]+", " ", s).replace("_", " ")
    words = s.split()
    if words and words[0] == "the":
        words = words[1:]
    out = []
    for w in words:
        if w == "un":
            out.extend(("united", "nations"))
            continue
        out.append(re.sub(r"isation(s?)$", r"ization\1", w))
    return " ".join(out)


def tokens(text: str | None) -> set[str]:
    """All words of ``text`` (normalised)."""
    return set(norm(text).split())


def content_tokens(text: str | None) -> set[str]:
    """Words of ``text`` without stop words."""
    return {t for t in tokens(text) if t not in STOP_WORDS}


def acronym(name: str | None) -> str:
    """Initials of a multi-word name: 'World Health Organization' -> 'who'."""
    words = [w for w in re.split(r"[\s\-]+", fold(name or "")) if w]
    words = [w for w in words if w not in _ACRONYM_SKIP and w[0].isalpha()]
    if len(words) < 2:
        return ""
    return "".join(w[0] for w in words)


def norm_unit(unit: str | None) -> str | None:
    """The canonical unit (``UNIT_SYNONYMS``: "%" -> "percent", "dollars" -> "USD"); None for no unit."""
    if unit is None:
        return None
    u = fold(unit).strip()
    if not u:
        return None
    return UNIT_SYNONYMS.get(u, u)


def norm_event_type(etype: str | None) -> str:
    """An event type folded, underscores read as spaces, and synonyms mapped (``EVENT_SYNONYMS``)."""
    t = " ".join(fold(etype or "").replace("_", " ").split())
    return EVENT_SYNONYMS.get(t, t)


def parse_iso_date(value: Any) -> str | None:
    """The YYYY-MM-DD part of a date, datetime or ISO string; None for a missing or empty value."""
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)[:10]


_ISO3 = re.compile(r"^[A-Z]{3}$")
_iso3_codes: frozenset[str] | None = None


def is_iso3(ref: str | None) -> bool:
    """True for an ISO 3166-1 alpha-3 code (checked against pycountry when it is installed)."""
    global _iso3_codes
    if not ref or not _ISO3.match(ref):
        return False
    if _iso3_codes is None:
        try:
            import pycountry

            _iso3_codes = frozenset(c.alpha_3 for c in pycountry.countries)
        except Exception:  # pycountry missing: any three capitals count
            _iso3_codes = frozenset()
    return not _iso3_codes or ref in _iso3_codes


# ------------------------------------------------------------------------------------------
# name matching
# ------------------------------------------------------------------------------------------

def _forms(name: str, aliases: dict[str, list[str]] | None) -> list[str]:
    forms = [name]
    if aliases:
        forms.extend(aliases.get(name, ()))
    return [f for f in forms if f]


def person_match(gold: str | None, pred: str | None, aliases: dict[str, list[str]] | None = None) -> bool:
    """Same normalised name, or same surname and first initial."""
    if not gold or not pred:
        return False
    g = norm(gold).split()
    if not g:
        return False
    for form in _forms(pred, aliases):
        p = norm(form).split()
        if not p:
            continue
        if p == g:
            return True
        if len(p) >= 2 and len(g) >= 2 and p[-1] == g[-1] and p[0][0] == g[0][0]:
            return True
    return False


def org_match(gold: str | None, pred: str | None, aliases: dict[str, list[str]] | None = None) -> bool:
    """Same normalised name, through an alias of the prediction, or through an acronym."""
    if not gold or not pred:
        return False
    g = norm(gold).replace(" ", "")
    g_acr = acronym(gold)
    for form in _forms(pred, aliases):
        p = norm(form).replace(" ", "")
        if not p:
            continue
        if p == g or (g_acr and p == g_acr) or (acronym(form) and acronym(form) == g):
            return True
    return False


def actor_match(gold: str | None, pred: str | None, aliases: dict[str, list[str]] | None = None,
                persons: set[str] | None = None) -> bool:
    """Member, affiliation or participant reference: ISO3 code, organisation or person.

    The person rule (surname + initial) is only tried when ``pred`` is one of ``persons`` (the
    predicted people), so "Asian Development Bank" never matches "African Development Bank".
    """
    if gold is None or pred is None:
        return False
    if is_iso3(gold) or is_iso3(pred):
        return gold == pred
    if org_match(gold, pred, aliases):
        return True
    return (persons is None or pred in persons) and person_match(gold, pred, aliases)


# ------------------------------------------------------------------------------------------
# one-to-one greedy matching
# ------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Result:
    """Outcome of matching one fact type: matched pairs, false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[Any] = dataclasses.field(default_factory=list)
    false_negatives: list[Any] = dataclasses.field(default_factory=list)

    def add(self, other: "Result") -> None:
        """Add another result's counts and false positives and negatives to this one."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.false_positives.extend(other.false_positives)
        self.false_negatives.extend(other.false_negatives)

    def scores(self) -> dict[str, float | int]:
        """The counts (tp, fp, fn) with precision, recall and F1 (see ``prf``)."""
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, **prf(self.tp, self.fp, self.fn)}


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1; an empty side counts as perfect (nothing to find or claim)."""
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def greedy_match(gold: list[Any], pred: list[Any],
                 score: Callable[[Any, Any], float | None]) -> tuple[list[tuple[int, int]], Result]:
    """Pairs (gold index, pred index), best score first, each item used at most once.

    ``score(g, p)`` returns None when the two do not match, else a number (higher is better).
    """
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            s = score(g, p)
            if s is not None:
                candidates.append((-s, gi, pi))
    candidates.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    res = Result(tp=len(pairs))
    res.false_negatives = [g for gi, g in enumerate(gold) if gi not in used_g]
    res.false_positives = [p for pi, p in enumerate(pred) if pi not in used_p]
    res.fn = len(res.false_negatives)
    res.fp = len(res.false_positives)
    return pairs, res


def dedupe(items: list[Any], key: Callable[[Any], Any]) -> list[Any]:
    """``items`` without those whose ``key`` was already seen, first occurrences kept in order."""
    seen = set()
    out = []
    for item in items:
        k = key(item)
        if k in seen:
            continue
        seen.add(k)
        out.append(item)
    return out


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


# ------------------------------------------------------------------------------------------
# scoring one article
# ------------------------------------------------------------------------------------------

def _get(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key) or []
    return list(value)


def agreement_score(gold_label: str, pred_label: str) -> float | None:
    """The content-word Jaccard of two agreement labels when it is at least 0.5 or one word set holds
    the other; None when they do not match."""
    g, p = content_tokens(gold_label), content_tokens(pred_label)
    if not g or not p:
        return None
    j = _jaccard(g, p)
    if j >= 0.5 or g <= p or p <= g:
        return j
    return None


def role_overlap(gold_role: str | None, pred_role: str | None) -> float:
    """The share of the gold role's words (stop words left out) that the predicted role has; with no
    gold role, 1.0 when neither side has one, else 0.0."""
    g = content_tokens(gold_role) or tokens(gold_role)
    p = content_tokens(pred_role) or tokens(pred_role)
    return len(g & p) / len(g) if g else (1.0 if not p else 0.0)


def figure_score(g: dict[str, Any], p: dict[str, Any]) -> float | None:
    """None unless the values are within 0.5 % and the units agree when both are given; else how
    close the values are, plus 1 when the units are the same."""
    try:
        gv, pv = float(g["value"]), float(p["value"])
    except (KeyError, TypeError, ValueError):
        return None
    if abs(gv - pv) > 0.005 * abs(gv) + 1e-12:
        return None
    gu, pu = norm_unit(g.get("unit")), norm_unit(p.get("unit"))
    if gu is not None and pu is not None and gu != pu:
        return None
    closeness = 1.0 - (abs(gv - pv) / abs(gv) if gv else 0.0)
    return closeness + (1.0 if gu == pu else 0.0)


def score_article(pred: dict[str, Any], gold: dict[str, Any]) -> dict[str, Result]:
    """Compare one article's predicted record with its gold record; a Result per fact type.

    Both arguments are in the gold shape. ``pred`` may carry ``_aliases``: a mapping from an
    actor's name (or ISO3) to its other surface forms, used by the organisation and person
    rules.
    """
    aliases: dict[str, list[str]] = dict(pred.get("_aliases") or {})
    pred_persons = {p for p in _get(pred, "persons") if p} | {
        q.get("speaker") for q in _get(pred, "quotes") if q.get("speaker")} | {
        o.get("name") for o in _get(pred, "officials") if o.get("name")}
    out: dict[str, Result] = {}

    def am(g: str | None, p: str | None) -> bool:
        """The actor rule with this article's aliases and predicted persons."""
        return actor_match(g, p, aliases, pred_persons)

    # countries -----------------------------------------------------------------------------
    gc = dedupe([c for c in _get(gold, "countries") if c], lambda c: c)
    pc = dedupe([c for c in _get(pred, "countries") if c], lambda c: c)
    out["countries"] = greedy_match(gc, pc, lambda g, p: 1.0 if g == p else None)[1]

    # organisations, persons ----------------------------------------------------------------
    go = dedupe(_get(gold, "organisations"), norm)
    po = dedupe(_get(pred, "organisations"), norm)
    out["organisations"] = greedy_match(
        go, po, lambda g, p: (2.0 if norm(g) == norm(p) else 1.0) if org_match(g, p, aliases) else None)[1]
    gp = dedupe(_get(gold, "persons"), norm)
    pp = dedupe(_get(pred, "persons"), norm)
    out["persons"] = greedy_match(
        gp, pp, lambda g, p: (2.0 if norm(g) == norm(p) else 1.0) if person_match(g, p, aliases) else None)[1]

    # officials -----------------------------------------------------------------------------
    def off_key(o: dict[str, Any]) -> tuple:
        """An official's dedupe key: normalised name, role and affiliation."""
        return (norm(o.get("name")), norm(o.get("role")), o.get("affiliation") and norm(o["affiliation"]))

    def off_score(g: dict[str, Any], p: dict[str, Any]) -> float | None:
        """How well a predicted official matches a gold one: their role overlap, or None unless the person
        matches, the roles share at least half the gold words and the affiliations match."""
        if not person_match(g.get("name"), p.get("name"), aliases):
            return None
        overlap = role_overlap(g.get("role"), p.get("role"))
        if overlap < 0.5:
            return None
        ga, pa = g.get("affiliation"), p.get("affiliation")
        if not ((ga is None and pa is None) or am(ga, pa)):
            return None
        return overlap

    out["officials"] = greedy_match(dedupe(_get(gold, "officials"), off_key),
                                    dedupe(_get(pred, "officials"), off_key), off_score)[1]

    # agreements, their dates and places --------------------------------------------------------
    ga_list = dedupe(_get(gold, "agreements"), lambda a: norm(a.get("label")))
    pa_list = dedupe(_get(pred, "agreements"), lambda a: norm(a.get("label")))
    pairs, out["agreements"] = greedy_match(
        ga_list, pa_list, lambda g, p: agreement_score(g.get("label", ""), p.get("label", "")))
    label_map: dict[str, str] = {}  # normalised pred label -> normalised gold label
    dates, places = Result(), Result()
    for gi, pi in pairs:
        g, p = ga_list[gi], pa_list[pi]
        label_map[norm(p.get("label"))] = norm(g.get("label"))
        _score_slot(dates, g.get("label"), parse_iso_date(g.get("date")), parse_iso_date(p.get("date")),
                    lambda a, b: a == b)
        _score_slot(places, g.get("label"), g.get("place"), p.get("place"),
                    lambda a, b: norm(a) == norm(b))
    out["agreement_dates"], out["agreement_places"] = dates, places

    def mapped(p_label: str | None) -> str | None:
        """The normalised gold label of the agreement matched to the predicted ``p_label``, or None."""
        return label_map.get(norm(p_label))

    # members, non-members --------------------------------------------------------------------
    def mem_score(g: dict[str, Any], p: dict[str, Any]) -> float | None:
        """1.0 when the member's agreement is the matched one and the actors match, else None."""
        if mapped(p.get("agreement")) != norm(g.get("agreement")):
            return None
        return 1.0 if am(g.get("member"), p.get("member")) else None

    mkey = lambda m: (norm(m.get("agreement")), m.get("member"))
    out["members"] = greedy_match(dedupe(_get(gold, "members"), mkey),
                                  dedupe(_get(pred, "members"), mkey), mem_score)[1]

    def non_score(g: dict[str, Any], p: dict[str, Any]) -> float | None:
        """For a non-member of the matched agreement with a matching actor, 2.0 when the status agrees
        too, else 1.0; None when it does not match."""
        if mapped(p.get("agreement")) != norm(g.get("agreement")):
            return None
        if not am(g.get("actor"), p.get("actor")):
            return None
        return 2.0 if fold(g.get("status") or "") == fold(p.get("status") or "") else 1.0

    nkey = lambda m: (norm(m.get("agreement")), m.get("actor"))
    gn, pn = dedupe(_get(gold, "non_members"), nkey), dedupe(_get(pred, "non_members"), nkey)
    npairs, out["non_members"] = greedy_match(gn, pn, non_score)
    statuses = Result()
    for gi, pi in npairs:
        _score_slot(statuses, f"{gn[gi].get('agreement')} / {gn[gi].get('actor')}",
                    gn[gi].get("status"), pn[pi].get("status"), lambda a, b: fold(a) == fold(b))
    out["non_member_statuses"] = statuses

    # quotes ------------------------------------------------------------------------------------
    def quote_score(g: dict[str, Any], p: dict[str, Any]) -> float | None:
        """The word Jaccard of the two quotes when the speakers match and it reaches 0.8; else None."""
        if not person_match(g.get("speaker"), p.get("speaker"), aliases):
            return None
        j = _jaccard(tokens(g.get("text")), tokens(p.get("text")))
        return j if j >= 0.8 else None

    qkey = lambda q: (norm(q.get("speaker")), norm(q.get("text")))
    out["quotes"] = greedy_match(dedupe(_get(gold, "quotes"), qkey),
                                 dedupe(_get(pred, "quotes"), qkey), quote_score)[1]

    # commitments -------------------------------------------------------------------------------
    def commit_score(g: dict[str, Any], p: dict[str, Any]) -> float | None:
        """For a commitment of the matched agreement, its content-word overlap (of the shorter text)
        plus the Jaccard when the overlap is at least 0.5; else None."""
        if mapped(p.get("agreement")) != norm(g.get("agreement")):
            return None
        gt, pt = content_tokens(g.get("text")), content_tokens(p.get("text"))
        if not gt or not pt:
            return None
        overlap = len(gt & pt) / min(len(gt), len(pt))
        return overlap + _jaccard(gt, pt) if overlap >= 0.5 else None

    ckey = lambda c: (norm(c.get("agreement")), norm(c.get("text")))
    out["commitments"] = greedy_match(dedupe(_get(gold, "commitments"), ckey),
                                      dedupe(_get(pred, "commitments"), ckey), commit_score)[1]

    # events --------------------------------------------------------------------------------------
    def event_score(g: dict[str, Any], p: dict[str, Any]) -> float | None:
        """How well a predicted event matches a gold one (higher is better), or None: the types must
        agree, then the date when the gold event has one, else a shared participant, else the place."""
        if norm_event_type(g.get("type")) != norm_event_type(p.get("type")):
            return None
        gd, pd = parse_iso_date(g.get("date")), parse_iso_date(p.get("date"))
        gparts, pparts = g.get("participants") or [], p.get("participants") or []
        shared = sum(1 for x in gparts if any(am(x, y) for y in pparts))
        place_ok = norm(g.get("place")) == norm(p.get("place")) if g.get("place") else True
        if gd is not None:
            if gd != pd:
                return None
            return 3.0 + (1.0 if place_ok else 0.0) + shared / max(len(gparts), 1)
        if gparts:
            if not shared:
                return None
            return 1.0 + shared / len(gparts) + (0.5 if place_ok else 0.0)
        if not place_ok:
            return None
        return 1.0 + (0.5 if pd is None else 0.0)

    ekey = lambda e: (norm_event_type(e.get("type")), parse_iso_date(e.get("date")), norm(e.get("place")),
                      tuple(sorted(norm(x) for x in e.get("participants") or [])))
    out["events"] = greedy_match(dedupe(_get(gold, "events"), ekey),
                                 dedupe(_get(pred, "events"), ekey), event_score)[1]

    # figures -------------------------------------------------------------------------------------
    def fkey(f: dict[str, Any]) -> tuple:
        """A figure's dedupe key: its value rounded to 6 places (None if not a number), its unit."""
        try:
            value = round(float(f.get("value")), 6)
        except (TypeError, ValueError):
            value = None
        return (value, norm_unit(f.get("unit")))

    out["figures"] = greedy_match(dedupe(_get(gold, "figures"), fkey),
                                  dedupe(_get(pred, "figures"), fkey), figure_score)[1]
    return out


def _score_slot(res: Result, where: Any, gold_value: Any, pred_value: Any,
                same: Callable[[Any, Any], bool]) -> None:
    """One attribute of a matched fact: right value = TP, wrong value = FP + FN, missing = FN."""
    if gold_value and pred_value and same(gold_value, pred_value):
        res.tp += 1
        return
    if pred_value:
        res.fp += 1
        res.false_positives.append({"of": where, "value": pred_value})
    if gold_value:
        res.fn += 1
        res.false_negatives.append({"of": where, "value": gold_value})


def combine(per_article: list[dict[str, Result]]) -> dict[str, Result]:
    """Micro-averaged counts: per fact type summed over articles, plus ``overall`` (all types)."""
    total = {t: Result() for t in FACT_TYPES}
    for results in per_article:
        for t, r in results.items():
            total[t].add(r)
    overall = Result()
    for t in FACT_TYPES:
        overall.tp += total[t].tp
        overall.fp += total[t].fp
        overall.fn += total[t].fn
    total["overall"] = overall
    return total


def score_corpus(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Result]:
    """Micro-averaged counts over (pred, gold) pairs, per fact type plus ``overall``."""
    return combine([score_article(pred, gold) for pred, gold in pairs])


# ------------------------------------------------------------------------------------------
# facts -> gold shape
# ------------------------------------------------------------------------------------------

def empty_record() -> dict[str, Any]:
    """A gold-shape record with every fact list empty."""
    return {k: [] for k in LIST_KEYS}


def facts_to_record(facts: Any) -> dict[str, Any]:
    """An ``ArticleFacts`` in the gold shape, plus ``_aliases`` (name -> other surface forms)."""
    from kg.extraction.facts import COUNTRY, MEMBER_STATUSES, ORGANISATION, PERSON

    actors = facts.actors
    aliases: dict[str, list[str]] = {}

    def ref(key: str | None) -> str | None:
        """How the gold shape names actor ``key``: a country's ISO3, else its name (an unknown key as is)."""
        if key is None:
            return None
        actor = actors.get(key)
        if actor is None:
            return key
        if actor.kind == COUNTRY and actor.iso3:
            return actor.iso3
        return actor.name

    rec = empty_record()
    for actor in actors.values():
        name = ref(actor.key)
        forms = sorted(a for a in (actor.aliases or ()) if a and a != name)
        if actor.kind != COUNTRY and actor.name != name:
            forms.append(actor.name)
        if forms:
            aliases.setdefault(name, []).extend(forms)
        if actor.kind == COUNTRY:
            rec["countries"].append(actor.iso3 or actor.name)
        elif actor.kind == ORGANISATION:
            rec["organisations"].append(actor.name)
        elif actor.kind == PERSON:
            rec["persons"].append(actor.name)

    for post in facts.posts:
        rec["officials"].append({"name": ref(post.person), "role": post.role,
                                 "affiliation": ref(post.affiliation)})

    labels: dict[str, str] = {}
    seen_labels: dict[str, int] = {}
    for ag in facts.agreements:
        label = ag.label
        n = seen_labels.get(norm(label), 0) + 1
        seen_labels[norm(label)] = n
        if n > 1:  # keep labels unique so members can point at the right agreement
            label = f"{label} ({n})"
        labels[ag.key] = label
        rec["agreements"].append({"label": label, "date": parse_iso_date(ag.date),
                                  "place": ag.place.name if ag.place else None})

    for m in facts.memberships:
        label = labels.get(m.agreement, m.agreement)
        if m.status in MEMBER_STATUSES:
            rec["members"].append({"agreement": label, "member": ref(m.member)})
        else:
            rec["non_members"].append({"agreement": label, "actor": ref(m.member), "status": m.status})

    for q in facts.quotes:
        rec["quotes"].append({"speaker": ref(q.speaker), "text": q.text})
    for c in facts.commitments:
        rec["commitments"].append({"agreement": labels.get(c.agreement, c.agreement), "text": c.text})
    for e in facts.events:
        rec["events"].append({"type": e.type, "date": parse_iso_date(e.date),
                              "place": e.place.name if e.place else None,
                              "participants": [ref(k) for k in e.participants]})
    for f in facts.figures:
        rec["figures"].append({"text": f.text, "value": f.value, "unit": f.unit, "measures": f.measures})
    rec["_aliases"] = aliases
    return rec


# ------------------------------------------------------------------------------------------
# running over a folder
# ------------------------------------------------------------------------------------------

@dataclasses.dataclass
class ArticleRun:
    name: str
    pred: dict[str, Any]
    gold: dict[str, Any]
    error: str | None = None
    results: dict[str, Result] = dataclasses.field(default_factory=dict)
    kind: str | None = None  # the gold file's "set": "agreement" or "trap" (real corpus)


META_KEYS = ("source", "set", "date", "date_precision", "date_reason", "annotated_before_extraction", "notes")
"""Keys of a gold file that describe the article rather than list facts (the real corpus uses them:
``source`` names the text under ``../shared/data/``, ``date`` is the inferred publication date)."""


def load_gold(path: Path) -> dict[str, Any]:
    """A gold file's fact lists, checked for shape; unknown keys are an error (they would be
    silently unscored). Metadata keys (``META_KEYS``) are read by ``gold_meta``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a gold file holds one JSON object")
    unknown = set(data) - set(LIST_KEYS) - set(META_KEYS)
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}; expected some of {list(LIST_KEYS)}")
    rec = empty_record()
    for k in LIST_KEYS:
        value = data.get(k) or []
        if not isinstance(value, list):
            raise ValueError(f"{path}: '{k}' must be a list")
        rec[k] = value
    return rec


def gold_meta(path: Path) -> dict[str, Any]:
    """The metadata of a gold file (``META_KEYS``), checked: a ``source`` is a relative path, a
    ``date`` an ISO date."""
    data = json.loads(path.read_text(encoding="utf-8"))
    meta = {k: data[k] for k in META_KEYS if k in data}
    if "date" in meta and meta["date"] is not None:
        text = str(meta["date"])
        if re.fullmatch(r"\d{4}(?:-\d{2})?", text):  # only the year or month is known: no date to give
            meta["date"] = None
        else:
            try:
                meta["date"] = dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"{path}: 'date' must be an ISO date (or YYYY, YYYY-MM), got {text!r}") from None
    if "source" in meta and (not isinstance(meta["source"], str) or Path(meta["source"]).is_absolute()):
        raise ValueError(f"{path}: 'source' must be a path relative to the repository root")
    return meta


def annotated_articles(folder: Path) -> list[tuple[Path, Path]]:
    """(article, gold) path pairs of ``folder``: every ``NAME.gold.json`` with its text — the
    file its ``source`` names (relative to the repository root), else ``NAME.txt`` beside it."""
    out = []
    for gold in sorted(folder.glob("*.gold.json")):
        source = gold_meta(gold).get("source")
        txt = (ROOT / source) if source else gold.with_name(gold.name[: -len(".gold.json")] + ".txt")
        if source or txt.exists():
            out.append((txt, gold))
    return out


def extract_record(path: Path, date: dt.date | None = None, fast: bool = False) -> dict[str, Any]:
    """Read and extract one article file into the gold shape (imports kg lazily); ``date`` is
    the publication date when the text has none (the real corpus infers it)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from kg.extraction import extract_facts
    from kg.reading.sources import read_file

    article = read_file(path)[0]
    if date is not None and article.date is None:
        article = dataclasses.replace(article, date=date)
    return facts_to_record(extract_facts(article, fast=fast))


def run(folder: Path, extract: Callable[..., dict[str, Any]] = extract_record,
        fast: bool = False) -> list[ArticleRun]:
    """Score every annotated article of ``folder``; an article that fails scores as all missed.

    ``extract(path)`` is called with ``date=`` when the gold file carries a publication date
    and ``fast=True`` for the rule-only extractor."""
    runs = []
    for txt, gold_path in annotated_articles(folder):
        gold = load_gold(gold_path)
        meta = gold_meta(gold_path)
        kwargs: dict[str, Any] = {}
        if meta.get("date") is not None:
            kwargs["date"] = meta["date"]
        if fast:
            kwargs["fast"] = True
        error = None
        try:
            pred = extract(txt, **kwargs)
        except Exception as exc:  # noqa: BLE001 - one broken article must not stop the benchmark
            error = f"{type(exc).__name__}: {exc}"
            tb = traceback.format_exc(limit=-3)
            error += "\n" + tb.strip()
            pred = empty_record()
        name = gold_path.name[: -len(".gold.json")]
        runs.append(ArticleRun(name, pred, gold, error, score_article(pred, gold), meta.get("set")))
    return runs


def score_set(name: str, fast: bool = False) -> tuple[list[ArticleRun], dict[str, Result]]:
    """The runs of one named set (``SETS``) and their micro-averaged results."""
    runs = run(SETS[name], fast=fast)
    return runs, combine([r.results for r in runs])


def format_table(total: dict[str, Result]) -> str:
    """The text table of tp, fp, fn, precision, recall and F1 per fact type, with the overall row."""
    lines = [f"{'fact type':<20} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>9} {'recall':>7} {'f1':>6}"]
    lines.append("-" * len(lines[0]))
    for t in (*FACT_TYPES, "overall"):
        if t == "overall":
            lines.append("-" * len(lines[0]))
        s = total[t].scores()
        lines.append(f"{t:<20} {s['tp']:>5} {s['fp']:>5} {s['fn']:>5} "
                     f"{s['precision']:>9.3f} {s['recall']:>7.3f} {s['f1']:>6.3f}")
    return "\n".join(lines)


def _short(item: Any) -> str:
    if isinstance(item, dict):
        return json.dumps({k: v for k, v in item.items() if k != "measures"}, ensure_ascii=False)
    return str(item)


def format_details(runs: list[ArticleRun]) -> str:
    """Per article, the fact types it got wrong with their false positives (+) and false negatives
    (-), and any extraction error."""
    out = []
    for r in runs:
        out.append(f"== {r.name}" + (f"  [EXTRACTION FAILED] {r.error}" if r.error else ""))
        for t in FACT_TYPES:
            res = r.results.get(t)
            if not res or not (res.false_positives or res.false_negatives):
                continue
            out.append(f"  {t}: tp={res.tp} fp={res.fp} fn={res.fn}")
            for item in res.false_positives:
                out.append(f"    + {_short(item)}")
            for item in res.false_negatives:
                out.append(f"    - {_short(item)}")
    return "\n".join(out)


def _set_doc(runs: list[ArticleRun], total: dict[str, Result], verbose: bool) -> dict[str, Any]:
    failed = [r for r in runs if r.error]
    doc: dict[str, Any] = {
        "articles": len(runs),
        "failed": [{"article": r.name, "error": r.error} for r in failed],
        "by_type": {t: total[t].scores() for t in FACT_TYPES},
        "overall": total["overall"].scores(),
    }
    if verbose:
        doc["per_article"] = {
            r.name: {t: {"tp": res.tp, "false_positives": res.false_positives,
                         "false_negatives": res.false_negatives}
                     for t, res in r.results.items()}
            for r in runs}
    return doc


def baseline_of(totals: dict[str, dict[str, Result]]) -> dict[str, dict[str, float]]:
    """Per set, the F1 of every fact type and overall, rounded to 3 places (the baseline file)."""
    return {name: {t: round(total[t].scores()["f1"], 3) for t in (*FACT_TYPES, "overall")}
            for name, total in totals.items()}


def below_baseline(totals: dict[str, dict[str, Result]], baseline: dict[str, dict[str, float]],
                   tolerance: float = 0.02) -> list[str]:
    """One line per set and fact type whose F1 fell more than ``tolerance`` below the baseline."""
    out = []
    for name, total in totals.items():
        for t, f1 in baseline.get(name, {}).items():
            now = total[t].scores()["f1"]
            if now < f1 - tolerance:
                out.append(f"{name}/{t}: F1 {now:.3f} < baseline {f1:.3f} - {tolerance}")
    return out


def out_of_genre(data: Path, fast: bool = False) -> tuple[int, int]:
    """(articles, agreements found) over the BBC folders ``OUT_OF_GENRE`` under ``data``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from kg.extraction import extract_facts
    from kg.reading.sources import read_file

    articles = agreements = 0
    for folder in OUT_OF_GENRE:
        for path in sorted((data / "bbc-news" / folder).glob("*.txt")):
            articles += 1
            agreements += len(extract_facts(read_file(path)[0], fast=fast).agreements)
    return articles, agreements


def main(argv: list[str] | None = None) -> int:
    """Score the sets the command line names and print the tables or JSON (and write the baseline when
    asked); 1 when a gold file is malformed, a set is empty or an extraction failed, else 0."""
    parser = argparse.ArgumentParser(
        prog="bench/quality.py",
        description="Score the extractor against gold annotations (precision, recall, F1 per fact type), "
                    "each annotated set separately.")
    parser.add_argument("--set", choices=(*SETS, "all"), default="all",
                        help="which annotated set: dev (synthetic, used to write the rules), heldout "
                             "(synthetic, never used to tune), real (BBC stories), or all (default)")
    parser.add_argument("--articles", type=Path,
                        help="score this folder of NAME.gold.json files instead of a named set")
    parser.add_argument("--fast", action="store_true", help="the rule-only extractor (kg build --fast)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--verbose", action="store_true",
                        help="also print each article's false positives (+) and false negatives (-)")
    parser.add_argument("--write-baseline", action="store_true",
                        help=f"store every set's F1 per fact type in {BASELINE.relative_to(ROOT)} "
                             "(after a deliberate change; review the diff)")
    parser.add_argument("--out-of-genre", type=Path, metavar="DATA",
                        help="also count agreements found in DATA/bbc-news/{sport,entertainment} "
                             "(false alarms; DATA is the shared data folder)")
    args = parser.parse_args(argv)

    if args.articles is not None:
        if not args.articles.is_dir():
            parser.error(f"{args.articles} is not a folder")
        folders = {args.articles.name: args.articles}
    else:
        folders = SETS if args.set == "all" else {args.set: SETS[args.set]}
    if args.write_baseline and (args.articles is not None or args.set != "all" or args.fast):
        parser.error("--write-baseline scores every named set with the default extractor: "
                     "give no --set, --articles or --fast")
    results: dict[str, tuple[list[ArticleRun], dict[str, Result]]] = {}
    for name, folder in folders.items():
        try:
            runs = run(folder, fast=args.fast)
        except (ValueError, OSError) as exc:  # a malformed gold file
            print(f"quality: {exc}", file=sys.stderr)
            return 1
        if not runs:
            print(f"quality: no annotated article (NAME.gold.json with its text) in {folder}", file=sys.stderr)
            return 1
        results[name] = (runs, combine([r.results for r in runs]))
    failed = [r for runs, _ in results.values() for r in runs if r.error]
    for r in failed:
        print(f"quality: extraction failed for {r.name}: {r.error.splitlines()[0]}", file=sys.stderr)
    genre = out_of_genre(args.out_of_genre, args.fast) if args.out_of_genre else None

    if args.json:
        doc: dict[str, Any] = {name: _set_doc(runs, total, args.verbose) for name, (runs, total) in results.items()}
        if genre:
            doc["out_of_genre"] = {"articles": genre[0], "agreements": genre[1],
                                   "per_100": round(100 * genre[1] / max(genre[0], 1), 2)}
        print(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    else:
        for name, (runs, total) in results.items():
            if args.verbose:
                print(format_details(runs))
                print()
            kinds = Counter(r.kind for r in runs if r.kind)
            parts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            print(f"[{name}] {len(runs)} articles" + (f" ({parts})" if parts else "")
                  + f", {sum(1 for r in runs if r.error)} failed")
            print(format_table(total))
            print()
        if genre:
            print(f"[out of genre] {genre[0]} articles (BBC {' + '.join(OUT_OF_GENRE)}): {genre[1]} agreements, "
                  f"{100 * genre[1] / max(genre[0], 1):.2f} per 100 articles")
    if args.write_baseline:
        totals = {name: total for name, (_, total) in results.items()}
        BASELINE.write_text(json.dumps(baseline_of(totals), indent=2) + "\n", encoding="utf-8")
        print(f"quality: wrote {BASELINE.relative_to(ROOT)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        sys.exit(0)
