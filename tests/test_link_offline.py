"""``kg link`` offline (the bundled snapshot) on real on-disk stores: the reference article's 48
countries, what is and is not linked, idempotent re-linking, shapes, the links query, the CLI.

The reference store (built once per session by ``conftest.reference_store``) is copied before
it is linked; nothing here touches the network.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.cli import main
from kg.link import LINKS_GRAPH, LinkReport, Snapshot, SnapshotSource, link_store
from kg.link.actors import Actor
from kg.link.resolve import AMBIGUOUS, LINKED, UNLINKED, Candidate, Resolver, decide, role_matches
from kg.namespaces import KGO, KGR, ORG, OWL, PROV, RDF
from kg.sparql import load_query, run_query
from kg.store import Store

WD = "http://www.wikidata.org/entity/"
ALLIANCE = URIRef(KGR + "agreement/global-alliance/2012-12-05")
EU = URIRef(KGR + "organisation/european-union")
EU_2012 = {  # the 27 member states of the European Union on 5 December 2012
    "AUT", "BEL", "BGR", "CYP", "CZE", "DEU", "DNK", "ESP", "EST", "FIN", "FRA", "GBR", "GRC", "HUN",
    "IRL", "ITA", "LTU", "LUX", "LVA", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "SWE",
}
NAMED = {  # the US and the twenty countries the article names
    "USA", "ALB", "AUS", "KHM", "HRV", "GEO", "GHA", "JPN", "MDA", "MNE", "NZL", "NGA", "NOR", "PHL",
    "SRB", "KOR", "CHE", "THA", "TUR", "UKR", "VNM",
}
ARTICLES = Path(__file__).resolve().parent / "fixtures" / "link" / "articles.jsonl"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return Snapshot.load()


@pytest.fixture(scope="module")
def linked_store(reference_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the reference store, linked once with ``kg link`` (in process)."""
    path = tmp_path_factory.mktemp("linked") / "store"
    shutil.copytree(reference_store, path)
    assert main(["link", "--quiet", "--store", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def articles_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The link test articles (Niger and Nigeria, Czech Republic and Czechia, Burma and Myanmar,
    the two Koreas, a 2016 article on Holder), built and linked offline."""
    path = tmp_path_factory.mktemp("articles") / "store"
    assert main(["build", "--quiet", "--store", str(path), str(ARTICLES)]) == 0
    assert main(["link", "--quiet", "--store", str(path)]) == 0
    return path


def sameas(store_path: Path) -> dict[str, set[str]]:
    with Store.open(store_path, read_only=True) as store:
        out: dict[str, set[str]] = {}
        for s, _p, o in store.graph(LINKS_GRAPH).triples((None, OWL.sameAs, None)):
            out.setdefault(str(s), set()).add(str(o))
        return out


# --- the reference article ---------------------------------------------------------------------


def test_members_lists_48_distinct_countries(linked_store: Path, run_kg) -> None:
    code, out, err = run_kg("query", "members", "--store", linked_store, "--format", "csv")
    assert code == 0, err
    members = rows(out)
    countries = [r["iso3"] for r in members if r["iso3"]]
    assert len(countries) == len(set(countries)) == 48
    assert set(countries) == EU_2012 | NAMED
    assert "GBR" in countries  # in the EU of December 2012
    assert countries.count("HRV") == 1  # joined in 2013: named in the article, never doubled
    assert [r["memberLabel"] for r in members if not r["iso3"]] == ["European Union"]
    assert {r["agreement"] for r in members} == {str(ALLIANCE)}
    assert {r["memberLabel"] for r in members if r["iso3"] == "GBR"} == {"United Kingdom"}


def test_inferred_memberships_say_where_they_come_from(linked_store: Path, snapshot: Snapshot) -> None:
    with Store.open(linked_store, read_only=True) as store:
        links = store.graph(LINKS_GRAPH)
    inferred = set(links.subjects(KGO.inferred, Literal(True)))
    assert len(inferred) == 27
    source = SnapshotSource(snapshot).data_source
    members = set()
    for node in inferred:
        assert (node, RDF.type, ORG.Membership) in links
        assert links.value(node, KGO.viaGroup) == EU
        assert links.value(node, ORG.organization) == ALLIANCE
        assert links.value(node, PROV.wasDerivedFrom) == source
        assert str(links.value(node, KGO.asOf)) == "2012-12-05"
        assert str(links.value(node, KGO.inferredFromStatement)).startswith(KGR + "snapshot/statement/")
        member = links.value(node, ORG.member)
        members.add(str(member).rsplit("/", 1)[-1])
        assert (ALLIANCE, ORG.hasMember, member) in links
    assert members == EU_2012
    uk = next(n for n in inferred if str(links.value(n, ORG.member)).endswith("/GBR"))
    assert (str(links.value(uk, KGO.memberSince)), str(links.value(uk, KGO.memberUntil))) == ("1973-01-01", "2020-01-31")
    assert (source, RDF.type, KGO.DataSource) in links


def test_countries_get_wikidata_geonames_iso_names_and_region(linked_store: Path) -> None:
    links = sameas(linked_store)
    korea = KGR + "country/KOR"
    assert links[korea] == {WD + "Q884", "https://sws.geonames.org/1835841/"}
    assert links[KGR + "country/NGA"] == {WD + "Q1033", "https://sws.geonames.org/2328926/"}
    assert links[KGR + "country/NLD"] == {WD + "Q29999", "https://sws.geonames.org/2750405/"}  # as the source has it
    with Store.open(linked_store, read_only=True) as store:
        graph = store.graph(LINKS_GRAPH)
    node = URIRef(korea)
    assert str(graph.value(node, KGO.region)) == "Asia"
    assert str(graph.value(node, KGO.subregion)) == "Eastern Asia"
    assert {str(o) for o in graph.objects(node, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"))} \
        == {"Republic of Korea"}
    malta = URIRef(KGR + "country/MLT")  # inferred, named by no article: a full country node
    assert (malta, RDF.type, URIRef("https://schema.org/Country")) in graph
    assert (str(graph.value(malta, KGO.iso2)), str(graph.value(malta, KGO.iso3))) == ("MT", "MLT")
    assert int(graph.value(malta, KGO.geonamesId)) == 2562770


def test_verified_actors_are_linked_and_the_rest_are_not(linked_store: Path) -> None:
    links = sameas(linked_store)
    assert links[KGR + "person/eric-holder"] == {WD + "Q312644"}
    assert links[str(EU)] == {WD + "Q458"}
    assert links[KGR + "organisation/interpol"] == {WD + "Q8475"}
    assert links[KGR + "organisation/afp"] == {WD + "Q40464"}  # the publisher, by its alias
    assert links[KGR + "place/geonames-2800866"] == {"https://sws.geonames.org/2800866/"}
    # No verified identifier, no link: never a guess, never a surname match.
    assert KGR + "person/cecilia-malmstroem" not in links


def test_links_query(linked_store: Path, run_kg) -> None:
    code, out, err = run_kg("query", "links", "--store", linked_store, "--format", "csv")
    assert code == 0, err
    table = rows(out)
    assert list(table[0]) == ["entity", "label", "wikidata", "geonames", "iso3"]
    by_entity = {r["entity"]: r for r in table}
    assert len(by_entity) == len(table) == 48 + 4 + 1  # countries, EU/Interpol/AFP/Holder, Brussels
    assert by_entity[KGR + "country/CZE"] == {
        "entity": KGR + "country/CZE", "label": "Czech Republic", "wikidata": WD + "Q213",
        "geonames": "https://sws.geonames.org/3077311/", "iso3": "CZE"}
    assert by_entity[KGR + "person/eric-holder"]["wikidata"] == WD + "Q312644"
    assert by_entity[KGR + "person/eric-holder"]["geonames"] == ""
    code, out, err = run_kg("query", "links", "--store", linked_store, "--format", "csv",
                            "--param", f"entity={KGR}country/GBR")
    assert code == 0, err
    assert [r["wikidata"] for r in rows(out)] == [WD + "Q145"]


def test_linked_store_conforms_to_the_shapes(linked_store: Path, run_kg) -> None:
    code, out, err = run_kg("validate", "--store", linked_store)
    assert code == 0, out + err


def test_the_shapes_catch_a_second_wikidata_link(linked_store: Path, copy_store: Callable[[Path], Path]) -> None:
    from kg.validate import validate_store

    path = copy_store(linked_store)
    with Store.open(path) as store:
        bad = Graph()
        bad.add((URIRef(KGR + "country/NER"), OWL.sameAs, URIRef(WD + "Q1032")))
        bad.add((URIRef(KGR + "country/NER"), OWL.sameAs, URIRef(WD + "Q1033")))
        store.replace_graph(URIRef(KGR + "graph/bad-links"), bad)
        report = validate_store(store)
    assert not report.conforms
    assert any("at most one Wikidata item" in r.message for r in report.results)


# --- idempotence ---------------------------------------------------------------------------------


def test_relinking_gives_the_identical_graph(linked_store: Path, copy_store: Callable[[Path], Path]) -> None:
    path = copy_store(linked_store)
    with Store.open(path, read_only=True) as store:
        before, quads = store.graph(LINKS_GRAPH), len(store)
    for _ in range(2):
        assert main(["link", "--quiet", "--store", str(path)]) == 0
    with Store.open(path, read_only=True) as store:
        after = store.graph(LINKS_GRAPH)
        assert len(store) == quads
        assert store.graphs().count(LINKS_GRAPH) == 1
    assert len(after) == len(before) > 700
    assert isomorphic(before, after)
    assert set(before) == set(after)  # no blank nodes: the very same triples


def test_dry_run_writes_nothing(reference_store: Path, copy_store: Callable[[Path], Path], run_kg) -> None:
    path = copy_store(reference_store)
    code, out, err = run_kg("link", "--dry-run", "--store", path)
    assert code == 0, err
    assert "dry run: nothing written" in out
    with Store.open(path, read_only=True) as store:
        assert LINKS_GRAPH not in store.graphs()


# --- the report ------------------------------------------------------------------------------------


def test_report_lists_linked_unlinked_and_ambiguous(linked_store: Path, copy_store, run_kg) -> None:
    code, out, err = run_kg("link", "--report", "--store", copy_store(linked_store))
    assert code == 0, err
    sections = out.split("\n\n")
    linked = next(s for s in sections if s.startswith("Linked ("))
    unlinked = next(s for s in sections if s.startswith("Unlinked ("))
    assert linked.startswith("Linked (25):")
    assert "Eric Holder" in linked and "Q312644" in linked
    assert unlinked.splitlines()[1].split() [:3] == ["person", "Cecilia", "Malmstroem"]
    assert "no verified person named 'Cecilia Malmstroem'" in unlinked
    assert "Ambiguous (0):" in out
    assert "27 inferred: AUT, BEL, BGR" in out and "HRV" not in out.split("Groups expanded:")[1].split("Roles")[0]
    assert "Linked 21 of 21 countries, 3 of 3 organisations, 1 of 2 persons (0 ambiguous)" in out
    assert "Inferred 27 member(s) from 1 group(s)" in out


# --- names: Niger and Nigeria, Czechia, Burma, the two Koreas ------------------------------------


def test_articles_link_each_country_to_its_own_item(articles_store: Path) -> None:
    links = sameas(articles_store)
    wikidata = {k.rsplit("/", 1)[-1]: {v for v in vs if v.startswith(WD)} for k, vs in links.items()}
    assert wikidata["NER"] == {WD + "Q1032"} and wikidata["NGA"] == {WD + "Q1033"}
    assert wikidata["CZE"] == {WD + "Q213"}  # "Czech Republic" in 2016, "Czechia" in 2021: one node
    assert wikidata["MMR"] == {WD + "Q836"}  # "Burma" in 2010, "Myanmar" in 2020: one node
    assert wikidata["KOR"] == {WD + "Q884"} and wikidata["PRK"] == {WD + "Q423"}


NAMES = [
    ("Niger", "Q1032"),
    ("Nigeria", "Q1033"),
    ("Czech Republic", "Q213"),
    ("Czechia", "Q213"),
    ("Burma", "Q836"),
    ("Myanmar", "Q836"),
    ("Republic of Korea", "Q884"),
    ("Democratic People's Republic of Korea", "Q423"),
    ("North Korea", "Q423"),
]


@pytest.mark.parametrize(("name", "expected"), NAMES)
def test_country_names_without_codes_resolve_offline(snapshot: Snapshot, name: str, expected: str) -> None:
    source = SnapshotSource(snapshot)
    try:
        resolution = Resolver(source).country(Actor(URIRef(KGR + "country/name-x"), "country", [name]))
    finally:
        source.close()
    assert (resolution.status, resolution.item) == (LINKED, URIRef(WD + expected))


def test_a_person_named_like_a_country_is_not_linked(snapshot: Snapshot) -> None:
    source = SnapshotSource(snapshot)
    try:
        resolver = Resolver(source)
        for name in ("Georgia", "Chad", "Jordan", "European Union"):
            person = resolver.person(Actor(URIRef(KGR + "person/x"), "person", [name]), [], {})
            assert person.status == UNLINKED, name
        # a surname alone is never searched: it names too many people
        surname = resolver.person(Actor(URIRef(KGR + "person/holder"), "person", ["Eric Holden"], ["Holder"]), [], {})
        assert surname.status == UNLINKED
    finally:
        source.close()


def test_ranking_and_role_matching() -> None:
    a, b = URIRef(WD + "Q1"), URIRef(WD + "Q2")
    assert decide([])[0] == UNLINKED
    assert decide([Candidate(a, "A", 1)])[0] == LINKED
    verdict, chosen, ranked = decide([Candidate(a, "A", 2), Candidate(b, "B", 3)])
    assert (verdict, chosen.item, [c.item for c in ranked]) == (LINKED, b, [b, a])
    assert decide([Candidate(a, "A", 2), Candidate(b, "B", 2)])[0] == AMBIGUOUS
    assert role_matches("attorney general", "United States Attorney General")
    assert role_matches("foreign minister", "Minister of Foreign Affairs")
    assert role_matches("home affairs commissioner", "European Commissioner for Home Affairs")
    assert not role_matches("attorney general", "Solicitor General of the United States")
    assert not role_matches("", "President")


def test_link_store_api_without_writing(reference_store: Path, snapshot: Snapshot) -> None:
    source = SnapshotSource(snapshot)
    with Store.open(reference_store, read_only=True) as store:
        report = link_store(store, source, snapshot, write=False)
    source.close()
    assert isinstance(report, LinkReport)
    assert report.inferred == 27 and len(report.linked) == 25 and len(report.unlinked) == 1
    assert [c.verdict for c in report.role_checks] == ["not checked"]  # the snapshot holds no P39
    assert not report.compacted


def test_link_store_compacts_the_store_it_wrote(reference_store: Path, copy_store: Callable[[Path], Path],
                                                snapshot: Snapshot) -> None:  # fmt: skip
    path = copy_store(reference_store)
    source = SnapshotSource(snapshot)
    with Store.open(path) as store:
        before = run_query(store, load_query("agreements")).rows
        report = link_store(store, source, snapshot)
        assert report.compacted, "the write's leftover engine files are compacted away"
        assert LINKS_GRAPH in store.graphs()
        assert run_query(store, load_query("agreements")).rows == before
    source.close()


# --- the command line ------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["link", "--help"], ["link", "refresh-snapshot", "--help"]])
def test_help(run_kg, args: list[str]) -> None:
    code, out, err = run_kg(*args)
    assert code == 0, err
    assert "--endpoint" in out


def test_errors_are_one_line(tmp_path: Path, reference_store: Path, copy_store, run_kg) -> None:
    store = copy_store(reference_store)
    code, out, err = run_kg("link", "--store", tmp_path / "missing")
    assert code == 1 and "no store at" in one_line(err)
    code, out, err = run_kg("link", "--store", store, "--snapshot", tmp_path / "nowhere")
    assert code == 1 and "snapshot" in one_line(err) and "no such directory" in err
    broken = tmp_path / "broken-snapshot"
    shutil.copytree(Snapshot.load().directory, broken)
    (broken / "wikidata.ttl").write_text("this is not turtle <", encoding="utf-8")
    code, out, err = run_kg("link", "--store", store, "--snapshot", broken)
    assert code == 1 and "not valid Turtle" in one_line(err)
    (broken / "countries.csv").write_text("iso3\nXYZ\n", encoding="utf-8")
    code, out, err = run_kg("link", "--store", store, "--snapshot", broken)
    assert code == 1 and "countries.csv" in one_line(err)
    code, out, err = run_kg("link", "--store", reference_store, "--endpoint", "ftp://example.org/sparql")
    assert code == 2 and "http(s) URL" in one_line(err)
    code, out, err = run_kg("link", "refresh-snapshot")
    assert code == 2 and "needs --endpoint" in one_line(err)


def test_no_link_query_joins_two_graph_variables() -> None:
    """Joining ``GRAPH ?g`` with ``GRAPH ?h`` makes (articles naming an actor)² rows per actor:
    on 6,400 article graphs, such a query once took kg link past 24 GB. Each query over the
    article graphs names at most one graph variable."""
    import kg.link
    from kg.sparql import sparql_tokens

    folder = Path(kg.link.__file__).parent / "queries"
    checked = 0
    for path in sorted(folder.glob("kg-*.rq")):
        tokens = sparql_tokens(path.read_text(encoding="utf-8"))
        graph_variables = {tokens[i + 1][1] for i, (kind, text) in enumerate(tokens[:-1])
                           if kind == "word" and text.upper() == "GRAPH" and tokens[i + 1][0] == "var"}
        assert len(graph_variables) <= 1, f"{path.name} joins graphs {sorted(graph_variables)}"
        checked += 1
    assert checked >= 6
