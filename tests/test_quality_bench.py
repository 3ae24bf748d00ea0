"""The quality benchmark's scorer (bench/quality.py) on hand-made predicted/gold pairs, and the
consistency of the gold annotations in tests/articles. Needs no extractor."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "articles"


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_quality", ROOT / "bench" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


q = _load_bench()

GOLD = {
    "countries": ["USA", "ALB", "PHL"],
    "organisations": ["European Union", "Interpol"],
    "persons": ["Eric Holder", "Cecilia Malmstroem"],
    "officials": [
        {"name": "Eric Holder", "role": "attorney general", "affiliation": "USA"},
        {"name": "Cecilia Malmstroem", "role": "home affairs commissioner", "affiliation": "European Union"},
    ],
    "agreements": [{"label": "global alliance", "date": "2012-12-05", "place": "Brussels"}],
    "members": [
        {"agreement": "global alliance", "member": "USA"},
        {"agreement": "global alliance", "member": "European Union"},
        {"agreement": "global alliance", "member": "ALB"},
    ],
    "non_members": [{"agreement": "global alliance", "actor": "PHL", "status": "observer"}],
    "quotes": [
        {"speaker": "Cecilia Malmstroem", "text": "It is very hard and painful to talk about it."},
        {"speaker": "Eric Holder", "text": "will strengthen our mutual resources"},
    ],
    "commitments": [{"agreement": "global alliance",
                     "text": "establish dedicated law enforcement units for these crimes in all countries"}],
    "events": [
        {"type": "launch", "date": "2012-12-05", "place": "Brussels", "participants": ["USA"]},
        {"type": "agreement", "date": None, "place": None,
         "participants": ["Eric Holder", "Cecilia Malmstroem"]},
    ],
    "figures": [{"text": "50,000", "value": 50000, "unit": None, "measures": "new pictures"},
                {"text": "10 percent", "value": 10, "unit": "percent", "measures": "growth"}],
}

SCORED_TYPES = [t for t in q.FACT_TYPES]


def _score(pred, gold=GOLD):
    return q.score_corpus([(pred, gold)])


def test_perfect_prediction_scores_one_everywhere():
    total = _score(copy.deepcopy(GOLD))
    for t in SCORED_TYPES + ["overall"]:
        s = total[t].scores()
        assert s["f1"] == 1.0, (t, s)
        assert s["fp"] == 0 and s["fn"] == 0, (t, s)
    assert total["overall"].tp > 0


def test_extra_member_lowers_precision_only():
    pred = copy.deepcopy(GOLD)
    pred["members"].append({"agreement": "global alliance", "member": "CHN"})
    s = _score(pred)["members"].scores()
    assert s["precision"] < 1.0
    assert s["recall"] == 1.0


def test_missed_quote_lowers_recall_only():
    pred = copy.deepcopy(GOLD)
    pred["quotes"] = pred["quotes"][:1]
    s = _score(pred)["quotes"].scores()
    assert s["recall"] < 1.0
    assert s["precision"] == 1.0


def test_quote_with_wrong_speaker_is_a_miss_and_a_false_alarm():
    pred = copy.deepcopy(GOLD)
    pred["quotes"][1]["speaker"] = "Cecilia Malmstroem"
    s = _score(pred)["quotes"].scores()
    assert (s["tp"], s["fp"], s["fn"]) == (1, 1, 1)


def test_quote_text_tolerates_punctuation_and_small_differences():
    pred = copy.deepcopy(GOLD)
    pred["quotes"][0]["text"] = "it is very hard and painful to talk about it,"
    assert _score(pred)["quotes"].scores()["f1"] == 1.0


def test_person_matches_by_initial_and_surname_and_by_folding():
    pred = copy.deepcopy(GOLD)
    pred["persons"] = ["E. Holder", "Cécilia Malmstroem"]
    assert _score(pred)["persons"].scores()["f1"] == 1.0
    pred["persons"] = ["Holder", "Malmstroem"]  # surname alone is not enough
    assert _score(pred)["persons"].tp == 0


def test_organisation_matches_through_alias_and_acronym():
    gold = {"organisations": ["World Health Organization", "NATO", "United Nations Environment Programme"]}
    pred = {"organisations": ["WHO", "North Atlantic Treaty Organisation", "UNEP"],
            "_aliases": {"UNEP": ["UN Environment Programme"]}}
    assert _score(pred, gold)["organisations"].scores()["f1"] == 1.0


def test_similar_organisations_do_not_match():
    gold = {"organisations": ["African Union"]}
    pred = {"organisations": ["European Union"]}
    assert _score(pred, gold)["organisations"].tp == 0


def test_members_follow_the_agreement_alignment():
    # the extractor calls it "the Alliance": it still matches "global alliance", and so do its members
    pred = copy.deepcopy(GOLD)
    pred["agreements"] = [{"label": "Alliance", "date": "2012-12-05", "place": "Brussels"}]
    for key in ("members", "non_members", "commitments"):
        for item in pred[key]:
            item["agreement"] = "Alliance"
    total = _score(pred)
    for t in ("agreements", "members", "non_members", "commitments", "agreement_dates"):
        assert total[t].scores()["f1"] == 1.0, t


def test_members_of_an_unmatched_agreement_count_as_wrong():
    pred = copy.deepcopy(GOLD)
    pred["agreements"] = [{"label": "trade pact", "date": None, "place": None}]
    for item in pred["members"]:
        item["agreement"] = "trade pact"
    s = _score(pred)["members"].scores()
    assert s["tp"] == 0 and s["fp"] == 3 and s["fn"] == 3


def test_agreement_date_and_place_are_separate_slots():
    pred = copy.deepcopy(GOLD)
    pred["agreements"][0]["date"] = "2012-12-04"
    pred["agreements"][0]["place"] = None
    total = _score(pred)
    assert total["agreements"].scores()["f1"] == 1.0
    assert (total["agreement_dates"].tp, total["agreement_dates"].fp, total["agreement_dates"].fn) == (0, 1, 1)
    assert (total["agreement_places"].tp, total["agreement_places"].fp, total["agreement_places"].fn) == (0, 0, 1)


def test_non_member_status_is_scored_separately():
    pred = copy.deepcopy(GOLD)
    pred["non_members"][0]["status"] = "partner"
    total = _score(pred)
    assert total["non_members"].scores()["f1"] == 1.0
    assert total["non_member_statuses"].tp == 0 and total["non_member_statuses"].fn == 1


def test_official_needs_role_overlap_and_affiliation():
    pred = copy.deepcopy(GOLD)
    pred["officials"][0]["role"] = "attorney"  # half of the gold role's words: still a match
    assert _score(pred)["officials"].scores()["f1"] == 1.0
    pred["officials"][0]["affiliation"] = "GBR"
    s = _score(pred)["officials"]
    assert (s.tp, s.fp, s.fn) == (1, 1, 1)


def test_figures_match_within_tolerance_and_by_unit():
    pred = copy.deepcopy(GOLD)
    pred["figures"] = [{"text": "50,000", "value": 50100, "unit": None, "measures": None},
                       {"text": "10%", "value": 10, "unit": "%", "measures": None}]
    assert _score(pred)["figures"].scores()["f1"] == 1.0
    pred["figures"][1]["unit"] = "USD"
    assert _score(pred)["figures"].tp == 1


def test_events_by_date_or_by_participants():
    pred = copy.deepcopy(GOLD)
    pred["events"] = [
        {"type": "launch", "date": "2012-12-05", "place": None, "participants": []},
        {"type": "agreement", "date": "2011-12-05", "place": None, "participants": ["Eric Holder"]},
    ]
    assert _score(pred)["events"].scores()["f1"] == 1.0
    pred["events"][0]["date"] = "2012-12-06"
    assert _score(pred)["events"].tp == 1


def test_duplicates_count_once_and_matching_is_one_to_one():
    pred = copy.deepcopy(GOLD)
    pred["figures"].append({"text": "50 000", "value": 50000, "unit": None, "measures": "pictures"})
    pred["persons"].append("Eric Holder")
    total = _score(pred)
    assert total["figures"].scores()["f1"] == 1.0
    assert total["persons"].scores()["f1"] == 1.0
    # one gold person cannot absorb two different predicted people
    gold = {"persons": ["Eric Holder"]}
    s = _score({"persons": ["Eric Holder", "Emma Holder"]}, gold)["persons"]
    assert (s.tp, s.fp, s.fn) == (1, 1, 0)


def test_empty_prediction_misses_everything():
    total = _score(q.empty_record())
    assert total["overall"].tp == 0
    assert total["overall"].fn > 0
    assert total["overall"].scores()["recall"] == 0.0


def test_a_failing_extractor_is_reported_not_raised(tmp_path):
    (tmp_path / "a.txt").write_text("## T\n\nMarch 1 2019\n\n---\n\nBody.\n", encoding="utf-8")
    (tmp_path / "a.gold.json").write_text(json.dumps({"countries": ["USA"]}), encoding="utf-8")

    def boom(path):
        raise RuntimeError("broken")

    runs = q.run(tmp_path, extract=boom)
    assert len(runs) == 1 and "broken" in runs[0].error
    total = q.combine([r.results for r in runs])
    assert (total["countries"].tp, total["countries"].fn) == (0, 1)


def test_facts_are_converted_to_the_gold_shape():
    facts_mod = pytest.importorskip("kg.extraction.facts")
    article_mod = pytest.importorskip("kg.reading.article")
    f = facts_mod
    ev = f.Evidence(0, 10, "A sentence.")
    art = article_mod.Article(source="x.txt", text="A sentence.", date=dt.date(2012, 12, 5))
    actors = {
        "country:USA": f.Actor("country:USA", f.COUNTRY, "United States", {"the US"}, "US", "USA"),
        "org:eu": f.Actor("org:eu", f.ORGANISATION, "European Union", {"EU"}),
        "person:eric holder": f.Actor("person:eric holder", f.PERSON, "Eric Holder", {"Holder"}),
    }
    facts = f.ArticleFacts(
        article=art, actors=actors,
        posts=[f.Post("person:eric holder", "attorney general", "country:USA", ev)],
        agreements=[f.Agreement("ag1", "global alliance", "alliance", False, dt.date(2012, 12, 5),
                                "on Wednesday", f.Place("Brussels"))],
        memberships=[f.Membership("ag1", "country:USA", f.FOUNDER, ev),
                     f.Membership("ag1", "org:eu", f.OBSERVER, ev)],
        quotes=[f.Quote("hello there", "person:eric holder", 0, 5, ev)],
        commitments=[f.Commitment("ag1", "establish units", ev)],
        events=[f.Event("e1", "launch", "launched", dt.date(2012, 12, 5), None, ["country:USA"], "ag1", ev)],
        figures=[f.Figure("10 percent", 10.0, "percent", "growth", ev)],
    )
    rec = q.facts_to_record(facts)
    assert rec["countries"] == ["USA"]
    assert rec["organisations"] == ["European Union"]
    assert rec["officials"] == [{"name": "Eric Holder", "role": "attorney general", "affiliation": "USA"}]
    assert rec["agreements"] == [{"label": "global alliance", "date": "2012-12-05", "place": "Brussels"}]
    assert rec["members"] == [{"agreement": "global alliance", "member": "USA"}]
    assert rec["non_members"] == [{"agreement": "global alliance", "actor": "European Union", "status": "observer"}]
    assert rec["quotes"] == [{"speaker": "Eric Holder", "text": "hello there"}]
    assert rec["events"][0]["participants"] == ["USA"]
    assert "EU" in rec["_aliases"]["European Union"]


# ------------------------------------------------------------------------------------------
# the gold files themselves
# ------------------------------------------------------------------------------------------

GOLD_FILES = sorted(ARTICLES.glob("*.gold.json"))


def _body(txt: Path) -> str:
    raw = txt.read_text(encoding="utf-8")
    body = raw.split("\n---\n", 1)[1]
    body = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", body)  # markdown links keep their text
    return re.split(r"^\(c\) ", body, flags=re.M)[0]


def test_every_article_is_annotated():
    texts = sorted(ARTICLES.glob("*.txt"))
    assert len(texts) >= 9
    for txt in texts:
        assert txt.with_name(txt.stem + ".gold.json").exists(), txt.name


@pytest.mark.parametrize("gold_path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_file_is_consistent_with_its_article(gold_path):
    gold = q.load_gold(gold_path)
    body = _body(gold_path.with_name(gold_path.name.replace(".gold.json", ".txt")))
    quoted = re.findall(r'"([^"]+)"', body)
    for quote in gold["quotes"]:
        assert quote["text"] in quoted, quote["text"]
        assert quote["speaker"] in gold["persons"], quote
    for person in gold["persons"]:
        assert person in body, person
    for official in gold["officials"]:
        assert official["name"] in gold["persons"], official
        assert official["role"] == official["role"].lower(), official
        aff = official["affiliation"]
        assert aff is None or aff in gold["countries"] or aff in gold["organisations"], official
    labels = {a["label"] for a in gold["agreements"]}
    for a in gold["agreements"]:
        assert a["date"] is None or dt.date.fromisoformat(a["date"])
        assert a["place"] is None or a["place"] in body
    actors = set(gold["countries"]) | set(gold["organisations"])
    for m in gold["members"]:
        assert m["agreement"] in labels and m["member"] in actors, m
    for m in gold["non_members"]:
        assert m["agreement"] in labels and m["actor"] in actors, m
        assert m["status"] in {"observer", "partner", "invitee", "non-signatory"}, m
        assert {"agreement": m["agreement"], "member": m["actor"]} not in gold["members"], m
    for c in gold["commitments"]:
        assert c["agreement"] in labels and c["text"] in body, c
    for e in gold["events"]:
        assert e["date"] is None or dt.date.fromisoformat(e["date"])
        assert e["place"] is None or e["place"] in body
        for p in e["participants"]:
            assert p in actors or p in gold["persons"], (e, p)
    for fig in gold["figures"]:
        assert fig["text"] in body, fig
        assert isinstance(fig["value"], (int, float)), fig
    for iso3 in gold["countries"]:
        assert re.fullmatch(r"[A-Z]{3}", iso3), iso3


def test_scoring_gold_against_itself_is_perfect():
    pairs = [(q.load_gold(p), q.load_gold(p)) for p in GOLD_FILES]
    assert q.score_corpus(pairs)["overall"].scores()["f1"] == 1.0


def test_person_rule_is_not_applied_to_organisations():
    gold = {"agreements": [{"label": "fund", "date": None, "place": None}],
            "members": [{"agreement": "fund", "member": "African Development Bank"}]}
    pred = {"agreements": [{"label": "fund", "date": None, "place": None}],
            "members": [{"agreement": "fund", "member": "Asian Development Bank"}]}
    assert _score(pred, gold)["members"].tp == 0


def test_command_help_runs():
    import subprocess

    done = subprocess.run([sys.executable, str(ROOT / "bench" / "quality.py"), "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "--articles" in done.stdout and "--verbose" in done.stdout
