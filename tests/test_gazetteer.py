"""The gazetteer: countries, organisations, posts, forms of address and places.

Checks the data conventions of ``kg/extraction/data`` (every alias names one thing, every state has
a demonym, types and codes are known) and the documented ambiguity rules.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict

import pycountry
import pytest

from kg.extraction import gazetteer as g


def _key(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


# -- countries ----------------------------------------------------------------------------------


def test_every_iso_entry_and_kosovo():
    entries = g.countries()
    by_iso3 = {c.iso3: c for c in entries}
    assert len(entries) == len(by_iso3) == len(pycountry.countries) + 1
    for iso in pycountry.countries:
        entry = by_iso3[iso.alpha_3]
        assert entry.iso2 == iso.alpha_2
        assert iso.name in entry.aliases
    assert by_iso3["XKX"].iso2 == "XK" and by_iso3["XKX"].is_sovereign


def test_sovereign_states():
    sovereign = {c.iso3 for c in g.countries() if c.is_sovereign}
    assert len(sovereign) == 197  # 193 UN members + Holy See, Palestine + Kosovo, Taiwan
    assert {"VAT", "PSE", "XKX", "TWN", "USA", "SSD", "CIV"} <= sovereign
    assert not {"HKG", "MAC", "PRI", "GRL", "ESH", "ATA", "COK", "NIU"} & sovereign


def test_records_are_immutable():
    entry = g.countries()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.name = "x"  # type: ignore[misc]
    assert isinstance(entry.aliases, tuple) and isinstance(entry.demonyms, tuple)
    with pytest.raises(TypeError):
        g.country_index()["x"] = entry  # type: ignore[index]
    assert g.countries() is g.countries()  # built once


def test_every_alias_names_one_country():
    owners: dict[str, set[str]] = defaultdict(set)
    for c in g.countries():
        assert c.name in c.aliases
        for alias in c.aliases:
            owners[_key(alias)].add(c.iso3)
    shared = {alias: codes for alias, codes in owners.items() if len(codes) > 1}
    assert shared == {}


def test_every_demonym_names_one_country_and_no_other_alias():
    aliases = {_key(a): c.iso3 for c in g.countries() for a in c.aliases}
    owners: dict[str, set[str]] = defaultdict(set)
    for c in g.countries():
        for d in c.demonyms:
            owners[_key(d)].add(c.iso3)
            assert aliases.get(_key(d), c.iso3) == c.iso3, d
    assert {d: codes for d, codes in owners.items() if len(codes) > 1} == {}


def test_every_sovereign_state_has_a_demonym():
    secondary = {code for codes in g.shared_demonyms().values() for code in codes[1:]}
    missing = [c.iso3 for c in g.countries() if c.is_sovereign and not c.demonyms and c.iso3 not in secondary]
    assert missing == []


def test_shared_demonyms_go_to_their_first_state():
    for demonym, codes in g.shared_demonyms().items():
        assert g.demonym_index()[demonym.casefold()].iso3 == codes[0]


@pytest.mark.parametrize(("alias", "iso3"), [
    ("Niger", "NER"), ("Nigeria", "NGA"),
    ("Guinea", "GIN"), ("Equatorial Guinea", "GNQ"), ("Guinea-Bissau", "GNB"), ("Papua New Guinea", "PNG"),
    ("Dominica", "DMA"), ("Dominican Republic", "DOM"),
    ("Republic of Korea", "KOR"), ("South Korea", "KOR"), ("ROK", "KOR"), ("Korea", "KOR"),
    ("Democratic People's Republic of Korea", "PRK"), ("Democratic People’s Republic of Korea", "PRK"),
    ("DPRK", "PRK"), ("North Korea", "PRK"),
    ("Congo", "COG"), ("Republic of the Congo", "COG"), ("Congo-Brazzaville", "COG"),
    ("DR Congo", "COD"), ("DRC", "COD"), ("Democratic Republic of the Congo", "COD"),
    ("Democratic Republic of Congo", "COD"),
    ("Georgia", "GEO"), ("Jordan", "JOR"), ("Chad", "TCD"), ("Turkey", "TUR"), ("Türkiye", "TUR"),
    ("Czech Republic", "CZE"), ("Czechia", "CZE"), ("Burma", "MMR"), ("Myanmar", "MMR"),
    ("US", "USA"), ("U.S.", "USA"), ("USA", "USA"), ("U.S.A.", "USA"), ("United States of America", "USA"),
    ("UK", "GBR"), ("U.K.", "GBR"), ("Britain", "GBR"), ("Great Britain", "GBR"),
    ("Ivory Coast", "CIV"), ("Côte d'Ivoire", "CIV"), ("Cote d'Ivoire", "CIV"), ("Côte d’Ivoire", "CIV"),
    ("East Timor", "TLS"), ("Timor-Leste", "TLS"), ("Swaziland", "SWZ"), ("Eswatini", "SWZ"),
    ("Macedonia", "MKD"), ("North Macedonia", "MKD"), ("Holy See", "VAT"), ("Vatican", "VAT"),
    ("Russian Federation", "RUS"), ("Viet Nam", "VNM"), ("Lao PDR", "LAO"),
    ("Cabo Verde", "CPV"), ("Cape Verde", "CPV"), ("UAE", "ARE"), ("Emirates", "ARE"),
    ("Palestine", "PSE"), ("Palestinian territories", "PSE"), ("Kosovo", "XKX"), ("Taiwan", "TWN"),
    ("Philippines", "PHL"), ("Gambia", "GMB"), ("Bahamas", "BHS"), ("Netherlands", "NLD"), ("Holland", "NLD"),
    ("St Lucia", "LCA"), ("Saint Kitts and Nevis", "KNA"), ("Trinidad & Tobago", "TTO"),
    ("Curacao", "CUW"), ("Sao Tome and Principe", "STP"), ("Bolivia", "BOL"), ("Iran", "IRN"),
])
def test_country_aliases(alias, iso3):
    assert g.country_index()[alias.casefold().replace("’", "'")].iso3 == iso3
    assert g.find_country(alias).iso3 == iso3


@pytest.mark.parametrize(("name", "iso3"), [
    ("Vietnam", "VNM"), ("Russia", "RUS"), ("Iran", "IRN"), ("Syria", "SYR"), ("Laos", "LAO"),
    ("Bolivia", "BOL"), ("Venezuela", "VEN"), ("Tanzania", "TZA"), ("Moldova", "MDA"),
    ("South Korea", "KOR"), ("North Korea", "PRK"), ("Czech Republic", "CZE"), ("Ivory Coast", "CIV"),
    ("Taiwan", "TWN"), ("Turkey", "TUR"), ("Netherlands", "NLD"), ("United Kingdom", "GBR"),
    ("United States", "USA"),
])
def test_news_names(name, iso3):
    assert g.country_by_code(iso3).name == name


def test_find_country_accepts_the_and_any_case():
    assert g.find_country("the Philippines").iso3 == "PHL"
    assert g.find_country("THE NETHERLANDS").iso3 == "NLD"
    assert g.find_country("the Gambia").iso3 == "GMB"
    assert g.find_country("America") is None  # left out on purpose: continent words
    assert g.find_country("Atlantis") is None
    assert g.find_country("") is None


def test_country_by_code():
    assert g.country_by_code("ke").iso3 == "KEN"
    assert g.country_by_code("KEN").iso2 == "KE"
    assert g.country_by_code("XK").name == "Kosovo"
    assert g.country_by_code("ZZ") is None


@pytest.mark.parametrize(("demonym", "iso3"), [
    ("Nigerien", "NER"), ("Nigerian", "NGA"), ("American", "USA"), ("British", "GBR"), ("French", "FRA"),
    ("German", "DEU"), ("Kenyan", "KEN"), ("Chinese", "CHN"), ("South Korean", "KOR"), ("North Korean", "PRK"),
    ("Filipino", "PHL"), ("Philippine", "PHL"), ("Dutch", "NLD"), ("Swiss", "CHE"), ("Emirati", "ARE"),
    ("Saudi", "SAU"), ("Ivorian", "CIV"), ("Guinean", "GIN"), ("Equatorial Guinean", "GNQ"),
    ("Bissau-Guinean", "GNB"), ("Papua New Guinean", "PNG"), ("Dominican", "DOM"), ("Congolese", "COG"),
    ("Burkinabe", "BFA"), ("Burkinabè", "BFA"), ("Monegasque", "MCO"), ("Kosovar", "XKX"),
    ("Taiwanese", "TWN"), ("Palestinian", "PSE"), ("St Lucian", "LCA"), ("Ni-Vanuatu", "VUT"),
])
def test_demonyms(demonym, iso3):
    assert g.demonym_index()[demonym.casefold()].iso3 == iso3


def test_ambiguous_aliases_are_country_aliases_or_demonyms():
    known = set(g.country_index()) | set(g.demonym_index())
    ambiguous = g.ambiguous_country_aliases()
    assert {"Chad", "Jordan", "Georgia", "Turkey", "Guinea", "Niger"} <= set(ambiguous)
    assert all(a.casefold() in known for a in ambiguous)
    assert all(g.ambiguity_notes()[a] for a in ambiguous)
    assert "Thai" not in ambiguous and "China" not in ambiguous


def test_non_country_phrases_contain_a_country_name():
    words = set(g.country_index()) | set(g.demonym_index())
    for phrase in g.non_country_phrases():
        assert g.find_country(phrase) is None, phrase
        tokens = phrase.replace("-", " ").split()
        spans = {" ".join(tokens[i:j]).casefold() for i in range(len(tokens)) for j in range(i + 1, len(tokens) + 1)}
        assert spans & words, phrase


# -- organisations ------------------------------------------------------------------------------


@pytest.mark.parametrize(("alias", "name"), [
    ("UN", "United Nations"), ("U.N.", "United Nations"), ("EU", "European Union"), ("E.U.", "European Union"),
    ("WHO", "World Health Organization"), ("World Health Organisation", "World Health Organization"),
    ("UNICEF", "UNICEF"), ("UNHCR", "UNHCR"), ("WFP", "World Food Programme"), ("IAEA", "International Atomic Energy Agency"),
    ("IMF", "International Monetary Fund"), ("NATO", "NATO"), ("Nato", "NATO"), ("ASEAN", "ASEAN"),
    ("AU", "African Union"), ("G20", "G20"), ("G-7", "G7"), ("ECOWAS", "Economic Community of West African States"),
    ("ICC", "International Criminal Court"), ("ICJ", "International Court of Justice"),
    ("Europol", "Europol"), ("Interpol", "Interpol"), ("ICRC", "International Committee of the Red Cross"),
    ("MSF", "Médecins Sans Frontières"), ("Doctors Without Borders", "Médecins Sans Frontières"),
    ("AFP", "Agence France-Presse"), ("dpa", "Deutsche Presse-Agentur"), ("FBI", "Federal Bureau of Investigation"),
    ("Justice Department", "US Department of Justice"), ("Home Office", "Home Office"),
    ("International Labor Organization", "International Labour Organization"),
    ("UN Development Program", "UN Development Programme"),
])
def test_organisation_lookup(alias, name):
    assert g.organisation_index()[alias.casefold()].name == name
    assert g.find_organisation(alias).name == name


def test_every_org_alias_names_one_organisation_and_no_country():
    owners: dict[str, set[str]] = defaultdict(set)
    for o in g.organisations():
        assert o.name in o.aliases
        for alias in o.aliases:
            owners[_key(alias)].add(o.name)
    assert {a: n for a, n in owners.items() if len(n) > 1} == {}
    countries = set(g.country_index()) | set(g.demonym_index())
    assert sorted(set(owners) & countries) == []


def test_organisation_fields():
    names = {o.name for o in g.organisations()}
    assert len(names) == len(g.organisations()) >= 150
    types = set(g.org_types())
    for o in g.organisations():
        assert o.org_type in types, o.name
        assert o.country_iso3 is None or g.country_by_code(o.country_iso3) is not None, o.name
        assert o.part_of is None or o.part_of in names, o.name
    groups = {o.name for o in g.organisations() if o.is_group_of_states}
    assert {"European Union", "ASEAN", "African Union", "NATO", "G7", "G20", "BRICS", "Mercosur",
            "Arab League", "Gulf Cooperation Council", "OPEC"} <= groups
    assert not {"World Health Organization", "Interpol", "Reuters", "Federal Bureau of Investigation"} & groups
    assert g.find_organisation("FBI").country_iso3 == "USA"
    assert g.find_organisation("European Commission").part_of == "European Union"


def test_org_head_nouns():
    heads = g.org_head_nouns()
    assert isinstance(heads, frozenset)
    assert {"ministry", "agency", "commission", "council", "police", "court", "bank", "fund"} <= heads
    assert not {"alliance", "coalition", "partnership", "pact", "treaty"} & heads


# -- posts and forms of address ---------------------------------------------------------------


def test_role_titles():
    titles = g.role_titles()
    assert {"attorney general", "foreign minister", "minister of foreign affairs", "interior minister",
            "home secretary", "home affairs commissioner", "commissioner for home affairs", "secretary of state",
            "secretary-general", "secretary general", "director-general", "prime minister", "president",
            "spokeswoman", "ambassador", "special envoy", "mp", "ceo", "defense secretary",
            "high representative"} <= set(titles)
    assert all(t == t.lower() for t in titles)
    assert [len(t) for t in titles] == sorted((len(t) for t in titles), reverse=True)


def test_modifiers_and_portfolios():
    modifiers = set(g.role_modifiers())
    assert {"deputy", "vice", "acting", "former", "foreign", "interior", "home", "affairs", "justice"} <= modifiers
    connectors = {"and", "of", "for", "the"}
    for p in g.portfolio_words():
        assert not connectors & set(p.split()), p
    assert {"home affairs", "foreign affairs", "justice", "trade"} <= set(g.portfolio_words())


def test_honorifics():
    assert {"Mr", "Mr.", "Mrs", "Ms", "Dr", "Dr.", "Sir", "Dame", "Sheikh", "Prof"} <= set(g.honorifics())
    assert g.honorific_gender("Ms.") == "female"
    assert g.honorific_gender("Mrs") == "female"
    assert g.honorific_gender("MR") == "male"
    assert g.honorific_gender("Dr") is None
    assert g.honorific_gender("President") is None


# -- places -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "geonames_id", "iso2"), [
    ("Brussels", 2800866, "BE"), ("Bruxelles", 2800866, "BE"), ("BRUSSELS", 2800866, "BE"),
    ("Washington", 4140963, "US"), ("New York", 5128581, "US"), ("Geneva", 2660646, "CH"),
    ("The Hague", 2747373, "NL"), ("the Hague", 2747373, "NL"), ("Addis Ababa", 344979, "ET"),
    ("Jakarta", 1642911, "ID"), ("Nairobi", 184745, "KE"), ("Vienna", 2761369, "AT"),
    ("Paris", 2988507, "FR"), ("London", 2643743, "GB"), ("Zurich", 2657896, "CH"), ("Kiev", 703448, "UA"),
])
def test_find_place(name, geonames_id, iso2):
    place = g.find_place(name)
    assert place is not None and place.geonames_id == geonames_id and place.country_iso2 == iso2
    assert g.is_place_name(name)


def test_place_details():
    brussels = g.find_place("Brussels")
    assert brussels.name == "Brussels" and brussels.is_capital and brussels.population > 15000
    assert not g.find_place("Geneva").is_capital


@pytest.mark.parametrize("name", ["Kenya", "Mexico", "Singapore", "Luxembourg", "Georgia", "Hong Kong",
                                  "March", "Monday", "Union", "Africa", "Police", "UN", "", "   "])
def test_no_place_for_countries_and_common_words(name):
    assert g.find_place(name) is None
    assert not g.is_place_name(name)


def test_place_index_loads_fast():
    g._place_index.cache_clear()
    start = time.perf_counter()
    g.find_place("Nairobi")
    assert time.perf_counter() - start < 3.0  # ~0.4 s on an idle machine; generous for CI
