"""Graph views (kg.graph.views): what each projection holds, weights, limits, node lookup.

Two stores: the reference article built by ``kg build`` (conftest's ``reference_store``), and
``two_articles``: two hand-made articles mapped by kg's own RDF mapping, which share a named
agreement (so edges get weight 2), disagree on one member's status, and name a ministry.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from kg.errors import KgError, UsageError
from kg.extraction.facts import (
    COUNTRY,
    MEMBER,
    OBSERVER,
    ORGANISATION,
    PERSON,
    SIGNATORY,
    Actor,
    Agreement,
    ArticleFacts,
    Event,
    Evidence,
    Membership,
    Place,
    Post,
    Quote,
)
from kg.graph import VIEWS
from kg.graph.views import ViewError, build_view, find_node
from kg.rdf import facts_to_graph, iris
from kg.reading.article import Article
from kg.store import Store

KGR = "https://w3id.org/kgnews/id/"
HOLDER = KGR + "person/eric-holder"
USA = KGR + "country/USA"
EU = KGR + "organisation/european-union"
ALLIANCE = KGR + "agreement/global-alliance/2012-12-05"
PACT = KGR + "agreement/blue-ocean-pact"
NORDLAND, VESTERIA, SUDLAND = KGR + "country/NOR", KGR + "country/SWE", KGR + "country/DNK"


# --- a two-article store made with kg's own mapping --------------------------------------------------


def _article(number: int, sentences: list[str], *, named: str = "Blue Ocean Pact", sweden: str | None = None) -> ArticleFacts:
    text = " ".join(sentences)
    evidence = []
    for sentence in sentences:
        start = text.index(sentence)
        evidence.append(Evidence(start, start + len(sentence), sentence))
    article = Article(
        source=f"fixtures/pact-{number}.txt",
        text=text,
        title=f"Pact story {number}",
        date=dt.date(2021, 3, number),
        publisher="Northern Wire",
        url=f"https://news.example.org/pact/{number}",
    )
    s0, s1, s2 = evidence
    actors = {
        "country:NOR": Actor("country:NOR", COUNTRY, "Norway", iso2="NO", iso3="NOR", evidence=[s0]),
        "country:SWE": Actor("country:SWE", COUNTRY, "Sweden", iso2="SE", iso3="SWE", evidence=[s0]),
        "country:DNK": Actor("country:DNK", COUNTRY, "Denmark", iso2="DK", iso3="DNK", evidence=[s0]),
        "org:ministry": Actor("org:ministry", ORGANISATION, "Ministry of Fisheries of Norway", org_type="ministry",
                              country="NOR", evidence=[s1]),
        "person:asa lindqvist": Actor("person:asa lindqvist", PERSON, "Åsa Lindqvist", {"Lindqvist"}, evidence=[s1]),
    }
    sweden_status = sweden or (OBSERVER if number == 1 else MEMBER)
    quote = "We will protect the northern seas together"
    start = text.index(quote)
    return ArticleFacts(
        article=article,
        actors=actors,
        posts=[Post("person:asa lindqvist", "fisheries director", "org:ministry", s1)],
        agreements=[Agreement("agreement:pact", named, "pact", named=True, date=dt.date(2021, 3, 1),
                              place=Place("Tromsø", 3133880, "NO"), evidence=[s0])],
        memberships=[
            Membership("agreement:pact", "country:NOR", SIGNATORY, s0),
            Membership("agreement:pact", "country:DNK", MEMBER, s0),
            Membership("agreement:pact", "country:SWE", sweden_status, s0),
        ],
        quotes=[Quote(quote, "person:asa lindqvist", start, start + len(quote), s2)],
        events=[Event("event:signing", "signing", f"signing of the {named}", dt.date(2021, 3, 1),
                      Place("Tromsø", 3133880, "NO"), ["country:NOR", "person:asa lindqvist"], "agreement:pact", s0)],
        sentences=evidence,
    )


ARTICLE_1 = [
    "Norway, Denmark and Sweden (as an observer) signed the Blue Ocean Pact in Tromsø on Monday.",
    "Åsa Lindqvist, fisheries director at the Ministry of Fisheries of Norway, led the talks.",
    "\"We will protect the northern seas together,\" Lindqvist said.",
]
ARTICLE_2 = [
    "Sweden has joined Norway and Denmark as a full member of the Blue Ocean Pact, signed in Tromsø.",
    "The Ministry of Fisheries of Norway, where Åsa Lindqvist is fisheries director, welcomed it.",
    "\"We will protect the northern seas together,\" Lindqvist repeated on Friday.",
]


def two_article_facts() -> list[ArticleFacts]:
    return [_article(1, ARTICLE_1), _article(2, ARTICLE_2)]


def store_from_facts(path: Path, facts: list[ArticleFacts]) -> Path:
    with Store.open(path) as store:
        for item in facts:
            store.replace_graph(iris.graph_iri(item.article), facts_to_graph(item))
    return path


@pytest.fixture(scope="module")
def two_articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_from_facts(tmp_path_factory.mktemp("two") / "store", two_article_facts())


def view(path: Path, name: str = "actors", **limits: object) -> nx.Graph:
    with Store.open(path, read_only=True) as store:
        return build_view(store, name, **limits)  # type: ignore[arg-type]


def assert_clean(graph: nx.Graph) -> None:
    """Nodes are IRIs; every attribute is a str, int or float, one type per attribute name."""
    types: dict[str, set[type]] = {}
    for node, attrs in graph.nodes(data=True):
        assert isinstance(node, str) and node.startswith(KGR), node
        assert {"kind", "label"} <= set(attrs), node
        for key, value in attrs.items():
            assert type(value) in (str, int, float), (node, key, value)
            types.setdefault(f"node:{key}", set()).add(type(value))
    for *_ends, attrs in graph.edges(data=True):
        assert {"relation", "weight"} <= set(attrs)
        for key, value in attrs.items():
            assert type(value) in (str, int, float), (key, value)
            types.setdefault(f"edge:{key}", set()).add(type(value))
    assert all(len(found) == 1 for found in types.values()), types


# --- the reference article ----------------------------------------------------------------------------


def test_views_are_listed() -> None:
    assert list(VIEWS) == ["actors", "membership", "countries", "provenance"]


def test_actors_view_of_the_reference_article(reference_store: Path) -> None:
    graph = view(reference_store)
    assert isinstance(graph, nx.MultiDiGraph)
    assert_clean(graph)
    kinds = Counter(kind for _n, kind in graph.nodes(data="kind"))
    assert kinds == {"country": 21, "organisation": 2, "person": 2, "agreement": 1, "event": 3, "quote": 5}
    holder = graph.nodes[HOLDER]
    assert holder["label"] == "Eric Holder"
    assert holder["altLabel"] == "Holder"
    assert holder["roles"] == "attorney general (United States)"
    assert "schema:Person" in holder["types"].split()  # rdf:type as an attribute, never a node
    post = graph.get_edge_data(HOLDER, USA, key="holds_post_in")
    assert post["role"] == "attorney general"
    assert "Eric Holder" in post["sentence"] and post["weight"] == 1 and post["articles"] == 1
    member = graph.get_edge_data(EU, ALLIANCE, key="member_of")
    assert member["status"] == "founding member"
    members = [u for u, v, k in graph.edges(keys=True) if v == ALLIANCE and k == "member_of"]
    assert len(members) == 22
    said = [v for u, v, k in graph.edges(keys=True) if k == "said"]
    assert Counter(u for u, _v, k in graph.edges(keys=True) if k == "said") == {
        KGR + "person/cecilia-malmstroem": 4, HOLDER: 1}
    assert all(graph.nodes[q]["kind"] == "quote" and graph.nodes[q]["text"] for q in said)
    relations = {k for _u, _v, k in graph.edges(keys=True)}
    assert relations == {"member_of", "holds_post_in", "said", "participated_in", "about"}
    assert graph.nodes[ALLIANCE]["place"] == "Brussels"
    assert len(graph.nodes[ALLIANCE]["commitments"].splitlines()) == 4


def test_membership_view_is_bipartite(reference_store: Path) -> None:
    graph = view(reference_store, "membership")
    assert_clean(graph)
    assert nx.is_bipartite(graph)
    sides = Counter(b for _n, b in graph.nodes(data="bipartite"))
    assert sides == {0: 1, 1: 22}
    assert graph.number_of_edges() == 22
    assert graph.nodes[ALLIANCE]["bipartite"] == 0


def test_countries_view_projects_shared_agreements(reference_store: Path) -> None:
    graph = view(reference_store, "countries")
    assert_clean(graph)
    assert graph.number_of_nodes() == 21 and EU not in graph  # countries only
    assert graph.number_of_edges() == 21 * 20 // 2  # one agreement: every pair shares it
    assert {w for *_e, w in graph.edges(data="weight")} == {1}
    assert graph[USA][KGR + "country/ALB"]["shared"] == "global alliance"


def test_provenance_view_links_facts_to_sentences_to_articles(reference_store: Path, reference_article) -> None:
    graph = view(reference_store, "provenance")
    assert_clean(graph)
    articles = [n for n, k in graph.nodes(data="kind") if k == "article"]
    assert len(articles) == 1
    sentences = [n for n, k in graph.nodes(data="kind") if k == "sentence"]
    assert sentences
    for sentence in sentences:
        text = graph.nodes[sentence]["text"]
        begin = graph.nodes[sentence]["begin"]
        assert reference_article.text[begin : begin + len(text)] == text
        assert list(graph.successors(sentence)) == articles
    statements = [n for n, k in graph.nodes(data="kind") if k == "statement"]
    assert statements and all(graph.out_degree(s) >= 1 for s in statements)
    post_statement = next(s for s in statements if graph.nodes[s]["subject"] == HOLDER)
    assert graph.nodes[post_statement]["predicate"] == "org:holds"
    for fact, source in graph.edges():
        assert graph.edges[fact, source]["relation"] in ("derived_from", "part_of")


def test_views_are_deterministic(reference_store: Path) -> None:
    first, second = view(reference_store), view(reference_store)
    assert list(first.nodes(data=True)) == list(second.nodes(data=True))
    assert list(first.edges(keys=True, data=True)) == list(second.edges(keys=True, data=True))


# --- weights, statuses and relations across articles ------------------------------------------------------


def test_weights_count_supporting_articles(two_articles: Path) -> None:
    graph = view(two_articles)
    assert_clean(graph)
    pact = find_node(graph, "Blue Ocean Pact")
    assert pact == PACT
    signed = graph.get_edge_data(NORDLAND, PACT, key="signed")
    assert signed["weight"] == 2 and signed["articles"] == 2 and signed["sentences"] == 2
    assert signed["sentence"] == ARTICLE_1[0]  # first article first
    assert signed["evidence"].splitlines() == [ARTICLE_1[0], ARTICLE_2[0]]
    # Sweden observed in the first article and joined in the second: two relations, one article each.
    assert graph.get_edge_data(VESTERIA, PACT, key="observer_of")["weight"] == 1
    assert graph.get_edge_data(VESTERIA, PACT, key="member_of")["weight"] == 1


def test_represents_goes_through_an_organisation_to_its_country(two_articles: Path) -> None:
    graph = view(two_articles)
    person = find_node(graph, "Lindqvist")
    ministry = find_node(graph, "Ministry of Fisheries of Norway")
    assert graph.get_edge_data(person, ministry, key="holds_post_in")["role"] == "fisheries director"
    assert graph.get_edge_data(person, NORDLAND, key="represents")["role"] == "fisheries director"
    assert graph.has_edge(ministry, NORDLAND, key="based_in")


def test_countries_weight_is_the_number_of_shared_agreements(tmp_path: Path) -> None:
    facts = two_article_facts()
    facts.append(_article(3, ARTICLE_1, named="Cold Water Accord", sweden=OBSERVER))
    store = store_from_facts(tmp_path / "store", facts)
    graph = view(store, "countries")
    assert graph[NORDLAND][SUDLAND]["weight"] == 2
    assert graph[NORDLAND][SUDLAND]["shared"] == "Blue Ocean Pact; Cold Water Accord"
    assert graph[NORDLAND][VESTERIA]["weight"] == 1  # observer of the accord: not a member
    only_pact = view(store, "countries", agreement="Blue Ocean Pact")
    assert set(only_pact) == {NORDLAND, SUDLAND, VESTERIA}
    assert only_pact[NORDLAND][SUDLAND]["weight"] == 2  # weights still count every shared agreement


# --- limits ------------------------------------------------------------------------------------------------


def test_article_limit_reads_one_named_graph(two_articles: Path) -> None:
    with Store.open(two_articles, read_only=True) as store:
        graphs = store.graphs()
    article_1 = str(iris.article_iri(two_article_facts()[0].article))
    by_article = view(two_articles, article=article_1)
    by_graph = view(two_articles, article=str(graphs[0]))
    assert by_article.graph["article"] == article_1
    signed = by_article.get_edge_data(NORDLAND, PACT, key="signed")
    assert signed["weight"] == 1 and signed["sentence"] == ARTICLE_1[0]
    assert not by_article.has_edge(VESTERIA, PACT, key="member_of")  # stated in article 2 only
    assert by_graph.number_of_nodes() > 0


def test_unknown_article_is_a_clear_error(two_articles: Path) -> None:
    with pytest.raises(ViewError, match="has no article <https://example.org/nope>"):
        view(two_articles, article="https://example.org/nope")


def test_agreement_limit_keeps_its_members_people_and_quotes_but_no_other_agreement(tmp_path: Path) -> None:
    facts = two_article_facts()
    facts.append(_article(3, ARTICLE_1, named="Cold Water Accord"))
    store = store_from_facts(tmp_path / "store", facts)
    graph = view(store, agreement="Blue Ocean Pact")
    kinds = Counter(k for _n, k in graph.nodes(data="kind"))
    assert kinds["agreement"] == 1 and graph.graph["agreement"] == PACT
    assert {NORDLAND, SUDLAND, VESTERIA} <= set(graph)
    assert any(k == "quote" for _n, k in graph.nodes(data="kind"))
    assert any(k == "person" for _n, k in graph.nodes(data="kind"))


def test_around_limit_is_the_neighbourhood(reference_store: Path) -> None:
    full = view(reference_store)
    one = view(reference_store, around="Holder", depth=1)
    assert set(one) == {HOLDER, *full.successors(HOLDER), *full.predecessors(HOLDER)}
    assert one.graph["around"] == HOLDER and one.graph["depth"] == 1
    two = view(reference_store, around=HOLDER, depth=2)
    assert set(one) < set(two) and ALLIANCE in two
    zero = view(reference_store, around="eric holder", depth=0)
    assert list(zero) == [HOLDER]


def test_find_node_by_iri_label_alias_or_code(reference_store: Path) -> None:
    graph = view(reference_store)
    assert find_node(graph, HOLDER) == HOLDER
    assert find_node(graph, "EU") == EU
    assert find_node(graph, "usa") == USA
    assert find_node(graph, "  united   states ") == USA
    with pytest.raises(ViewError, match="did you mean 'Eric Holder'"):
        find_node(graph, "Eric Holdr")
    with pytest.raises(ViewError, match="no node \\(agreement\\) named 'Holder'"):
        find_node(graph, "Holder", kinds=["agreement"])


def test_ambiguous_label_names_the_candidates(tmp_path: Path) -> None:
    facts = two_article_facts()
    facts[1].actors["person:other"] = Actor("person:other", PERSON, "Lars Lindqvist", {"Lindqvist"},
                                            evidence=[facts[1].sentences[1]])
    facts[1].posts.append(Post("person:other", "minister", "country:SWE", facts[1].sentences[1]))
    graph = view(store_from_facts(tmp_path / "store", facts))
    with pytest.raises(ViewError, match="'Lindqvist' names 2 nodes.*give the IRI"):
        find_node(graph, "Lindqvist")


def test_bad_view_name_and_depth(reference_store: Path) -> None:
    with pytest.raises(UsageError, match="unknown view 'people'; use one of: actors, membership"):
        view(reference_store, "people")
    with pytest.raises(UsageError, match="--depth must be 0 or more"):
        view(reference_store, around="Holder", depth=-1)
    with pytest.raises(KgError, match="no node named 'Atlantis' in the actors view"):
        view(reference_store, around="Atlantis")
