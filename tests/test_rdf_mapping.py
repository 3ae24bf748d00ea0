"""The RDF layer: Facts → triples, minted IRIs, SHACL validity, determinism, unicode safety."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.errors import KgError
from kg.extraction import facts as F
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
    Commitment,
    Event,
    Evidence,
    Figure,
    Membership,
    Place,
    Post,
    Quote,
)
from kg.namespaces import KGO, KGR, ORG, PROV, RDF, SCHEMA, SH, SKOS, XSD
from kg.rdf import facts_to_graph, iris
from kg.reading.article import Article
from kg.resources import resource_path
from kg.validate import validate_graph
from kg.vocabulary import VocabularyError, load_vocabulary, set_vocabulary, vocabulary

SENTENCES = [
    "Nordland and the Ocean Council on Monday signed the Blue Ocean Pact in Tromsø, "
    "while Vesteria joined as an observer.",
    "The pact aims to halve plastic waste in the northern seas by 2030.",
    "\"We will protect the northern seas together,\" said Ocean Council fisheries commissioner Åsa Lindqvist.",
    "About 40 percent of plastic waste ends up in the sea, officials said.",
]
TEXT = f"{SENTENCES[0]} {SENTENCES[1]}\n\n{SENTENCES[2]} {SENTENCES[3]}"
QUOTE = "We will protect the northern seas together,"
PACT_DATE = dt.date(2021, 3, 1)


def evidence(index: int, text: str = TEXT) -> Evidence:
    """The Evidence of sentence ``index`` of ``SENTENCES`` within ``text``."""
    start = text.index(SENTENCES[index])
    return Evidence(start, start + len(SENTENCES[index]), SENTENCES[index])


def sample_article(url: str | None = "https://news.example.org/2021/03/blue-ocean-pact") -> Article:
    return Article(
        source="fixtures/blue-ocean.md",
        text=TEXT,
        title="Nordland and Ocean Council sign 'Blue Ocean Pact'",
        date=dt.date(2021, 3, 2),
        publisher="Northern Wire",
        url=url,
        retrieved=dt.date(2024, 5, 6),
    )


def sample_facts(article: Article | None = None) -> ArticleFacts:
    """A fictional article: two countries, an international organisation, an official, a pact."""
    article = article or sample_article()
    s0, s1, s2, s3 = (evidence(i, article.text) for i in range(4))
    tromso = Place("Tromsø", geonames_id=3133880, country_iso2="NO")
    actors = [
        Actor("country:XNL", COUNTRY, "Nordland", {"Kingdom of Nordland"}, iso2="XN", iso3="XNL", evidence=[s0]),
        Actor("country:XVS", COUNTRY, "Vesteria", iso2="XV", iso3="XVS", evidence=[s0]),
        Actor(
            "org:ocean council",
            ORGANISATION,
            "Ocean Council",
            {"OC"},
            org_type="international organisation",
            evidence=[s0, s2],
        ),
        Actor("person:asa lindqvist", PERSON, "Åsa Lindqvist", {"Lindqvist"}, evidence=[s2]),
    ]
    start = article.text.index(QUOTE)
    return ArticleFacts(
        article=article,
        actors={actor.key: actor for actor in actors},
        posts=[Post("person:asa lindqvist", "fisheries commissioner", "org:ocean council", s2)],
        agreements=[
            Agreement(
                "agreement:blue ocean pact",
                "Blue Ocean Pact",
                "pact",
                named=True,
                date=PACT_DATE,
                date_text="on Monday",
                place=tromso,
                evidence=[s0, s1],
            )
        ],
        memberships=[
            Membership("agreement:blue ocean pact", "country:XNL", SIGNATORY, s0),
            Membership("agreement:blue ocean pact", "org:ocean council", MEMBER, s0),
            Membership("agreement:blue ocean pact", "country:XVS", OBSERVER, s0),
        ],
        quotes=[Quote(QUOTE, "person:asa lindqvist", start, start + len(QUOTE), s2)],
        commitments=[
            Commitment("agreement:blue ocean pact", "to halve plastic waste in the northern seas by 2030", s1)
        ],
        events=[
            Event(
                "event:signing",
                "signing",
                "signing of the Blue Ocean Pact",
                PACT_DATE,
                tromso,
                ["country:XNL", "org:ocean council", "person:asa lindqvist"],
                "agreement:blue ocean pact",
                s0,
            )
        ],
        figures=[Figure("40 percent", 40.0, "percent", "of plastic waste ends up in the sea", s3)],
        sentences=[s0, s1, s2, s3],
    )


def sample_dataset(*graphs: tuple[Article, Graph]) -> Dataset:
    """A union-default dataset holding each article's graph in its named graph."""
    dataset = Dataset(default_union=True)
    for article, graph in graphs:
        named = dataset.graph(iris.graph_iri(article))
        for triple in graph:
            named.add(triple)
    return dataset


# --- the mapping -------------------------------------------------------------------------


def test_sample_graph_conforms_to_shapes() -> None:
    report = validate_graph(facts_to_graph(sample_facts()))
    assert report.conforms, report.text
    assert report.results == []


def test_dataset_union_conforms_to_shapes() -> None:
    facts = sample_facts()
    report = validate_graph(sample_dataset((facts.article, facts_to_graph(facts))))
    assert report.conforms, report.text


def test_mapping_is_deterministic() -> None:
    assert isomorphic(facts_to_graph(sample_facts()), facts_to_graph(sample_facts()))


def test_no_blank_nodes() -> None:
    graph = facts_to_graph(sample_facts())
    assert all(isinstance(term, (URIRef, Literal)) for triple in graph for term in triple)


def test_article_metadata() -> None:
    facts = sample_facts()
    graph = facts_to_graph(facts)
    article = iris.article_iri(facts.article)
    assert (article, RDF.type, SCHEMA.NewsArticle) in graph
    assert graph.value(article, URIRef("http://purl.org/dc/terms/date")) == Literal("2021-03-02", datatype=XSD.date)
    assert graph.value(article, URIRef("http://purl.org/dc/terms/source")) == URIRef(facts.article.url)
    assert graph.value(article, KGO.contentHash) == Literal(facts.article.content_hash)
    publisher = graph.value(article, URIRef("http://purl.org/dc/terms/publisher"))
    assert graph.value(publisher, SKOS.prefLabel) == Literal("Northern Wire")


def test_invalid_url_becomes_source_text() -> None:
    facts = sample_facts(sample_article(url="news example org/a page"))
    graph = facts_to_graph(facts)
    article = iris.article_iri(facts.article)
    assert graph.value(article, KGO.sourceText) == Literal("news example org/a page")
    assert validate_graph(graph).conforms


def test_only_member_statuses_give_has_member() -> None:
    graph = facts_to_graph(sample_facts())
    pact = URIRef(KGR + "agreement/blue-ocean-pact")
    members = set(graph.objects(pact, ORG.hasMember))
    assert members == {URIRef(KGR + "country/XNL"), URIRef(KGR + "organisation/ocean-council")}
    observer = URIRef(KGR + "country/XVS")
    memberships = set(graph.subjects(ORG.member, observer))
    assert len(memberships) == 1
    assert graph.value(memberships.pop(), KGO.membershipStatus) == Literal(OBSERVER)


def test_international_organisation_typed() -> None:
    graph = facts_to_graph(sample_facts())
    council = URIRef(KGR + "organisation/ocean-council")
    assert (council, RDF.type, KGO.InternationalOrganisation) in graph
    assert (council, RDF.type, ORG.Organization) in graph


def test_every_fact_has_provenance() -> None:
    graph = facts_to_graph(sample_facts())
    for cls in (ORG.Post, ORG.Membership, SCHEMA.Quotation, KGO.Commitment, SCHEMA.Event, KGO.Figure, KGO.Assertion):
        nodes = set(graph.subjects(RDF.type, cls))
        assert nodes, cls
        for node in nodes:
            sources = set(graph.objects(node, PROV.wasDerivedFrom))
            assert sources and all((s, RDF.type, KGO.Sentence) in graph for s in sources), node


def test_same_person_in_two_articles_is_one_node() -> None:
    first = sample_facts()
    second = sample_facts(sample_article(url="https://other.example.net/story"))
    assert iris.article_iri(first.article) != iris.article_iri(second.article)
    person = iris.person_iri("Åsa Lindqvist")
    assert person == iris.person_iri("  asa LINDQVIST ")
    for facts in (first, second):
        assert (person, RDF.type, SCHEMA.Person) in facts_to_graph(facts)


def test_iri_minting() -> None:
    article = sample_article()
    assert iris.country_iri("usa") == URIRef(KGR + "country/USA")
    assert iris.place_iri("Tromsø", 3133880) == URIRef(KGR + "place/geonames-3133880")
    assert iris.place_iri("Tromsø") == URIRef(KGR + "place/tromso")
    assert iris.normalise_key("Cecilia Malmström") == "cecilia-malmstrom"
    assert iris.normalise_key("习近平").startswith("u-")
    assert iris.normalise_key("习近平") != iris.normalise_key("李克强")
    assert len(iris.normalise_key("word " * 100)) <= 80
    assert str(iris.article_iri(article)).endswith(iris.article_key(article))
    assert str(iris.graph_iri(article)).endswith("graph/" + iris.article_key(article))
    dated = Agreement("a", "global alliance", "alliance", named=False, date=dt.date(2012, 12, 5))
    undated = Agreement("a", "global alliance", "alliance", named=False)
    named = Agreement("a", "Global Alliance", "alliance", named=True)
    assert iris.agreement_iri(article, dated) == URIRef(KGR + "agreement/global-alliance/2012-12-05")
    assert iris.agreement_iri(article, named) == URIRef(KGR + "agreement/global-alliance")
    assert iris.article_key(article) in iris.agreement_iri(article, undated)
    other = sample_article(url=None)
    assert iris.agreement_iri(other, named) == iris.agreement_iri(article, named)
    assert iris.agreement_iri(other, undated) != iris.agreement_iri(article, undated)


def test_figure_value_is_decimal() -> None:
    graph = facts_to_graph(sample_facts())
    (value,) = set(graph.objects(None, SCHEMA.value))
    assert value.datatype == XSD.decimal
    assert value.toPython() == Decimal(40)


def test_unknown_actor_key_is_reported() -> None:
    facts = sample_facts()
    facts.quotes[0].speaker = "person:nobody"
    with pytest.raises(ValueError, match="person:nobody"):
        facts_to_graph(facts)


def test_ontology_declares_every_own_term() -> None:
    ontology = Graph().parse(resource_path("ontology", "kg.ttl"), format="turtle")
    declared = set(ontology.subjects(RDF.type, None))
    graph = facts_to_graph(sample_facts())
    used = {t for triple in graph for t in triple if isinstance(t, URIRef) and t.startswith(KGO)}
    assert used <= declared, used - declared
    for term in {t for t in declared if t.startswith(KGO)}:
        label = ontology.value(term, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
        assert label is not None or ontology.value(term, SKOS.prefLabel) is not None, term  # a concept: prefLabel


# --- the vocabularies: membership statuses and fact kinds ------------------------------

SCHEME_STATUSES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kgo: <https://w3id.org/kgnews/ontology#>
SELECT ?notation ?counts WHERE {
  ?concept skos:inScheme kgo:MembershipStatuses ; skos:notation ?notation ; kgo:countsAsMember ?counts .
}
"""


def scheme_statuses(path: Path | None = None) -> dict[str, bool]:
    """notation → countsAsMember, read from the ontology file with SPARQL (not kg.vocabulary)."""
    ontology = Graph().parse(path or resource_path("ontology", "kg.ttl"), format="turtle")
    rows = ontology.query(SCHEME_STATUSES)
    return {str(notation): bool(counts.toPython()) for notation, counts in rows}  # type: ignore[misc]


@contextlib.contextmanager
def extra_status(folder: Path, notation: str, *, counts: bool, relation: str) -> Iterator[str]:
    """While inside: the bundled ontology with one more membership status in its scheme."""
    concept = "kgo:status-test-" + "-".join(notation.split())
    text = resource_path("ontology", "kg.ttl").read_text(encoding="utf-8") + f"""
{concept}
    a skos:Concept ; skos:inScheme kgo:MembershipStatuses ; skos:topConceptOf kgo:MembershipStatuses ;
    skos:notation "{notation}" ; skos:prefLabel "{notation}"@en ;
    kgo:countsAsMember {str(counts).lower()} ; kgo:viewRelation "{relation}" .
"""
    path = folder / f"kg-{notation.replace(' ', '-')}-{counts}.ttl"
    path.write_text(text, encoding="utf-8")
    set_vocabulary(load_vocabulary(path))
    try:
        yield notation
    finally:
        set_vocabulary(None)


def test_code_statuses_are_the_schemes() -> None:
    scheme = scheme_statuses()
    assert len(scheme) == 7
    assert set(F.ALL_STATUSES) == set(scheme) == vocabulary().all_statuses
    assert set(F.MEMBER_STATUSES) == {s for s, counts in scheme.items() if counts} == vocabulary().member_statuses
    assert F.MEMBER_STATUSES == {"member", "founding member", "signatory"}  # what the members query answers
    for word in (F.MEMBER, F.FOUNDER, F.SIGNATORY, F.OBSERVER, F.PARTNER, F.INVITEE, F.NON_SIGNATORY):
        assert word in F.ALL_STATUSES, word


def test_code_kinds_are_the_schemes() -> None:
    from kg.graph.views import ACTOR_KINDS

    vocab = vocabulary()
    assert ACTOR_KINDS == vocab.actor_kinds == ("person", "organisation", "country")
    assert {PERSON, COUNTRY, ORGANISATION} == set(vocab.actor_kinds)
    kinds = [k.notation for k in vocab.kinds]
    assert len(kinds) == len(set(kinds)) == 16
    graph = facts_to_graph(sample_facts())
    typed = set(graph.objects(None, RDF.type)) - {PROV.Entity, SCHEMA.QuantitativeValue}
    assert {str(t) for t in typed} <= set(vocab.kind_of_class), typed  # every class the mapping writes has a kind
    assert vocab.kind_of_class[str(KGO.InternationalOrganisation)][1] == "organisation"


def test_shapes_allow_exactly_the_scheme_statuses() -> None:
    shapes = Graph().parse(resource_path("ontology", "shapes.ttl"), format="turtle")
    lists = [shapes.value(node, SH["in"]) for node in shapes.subjects(SH.path, KGO.membershipStatus)]
    (head,) = [item for item in lists if item is not None]
    allowed = [str(v) for v in shapes.items(head)]
    assert len(allowed) == len(set(allowed))
    assert set(allowed) == set(scheme_statuses()) == vocabulary().all_statuses


def test_status_outside_the_scheme_violates_shapes() -> None:
    graph = facts_to_graph(sample_facts())
    membership = next(graph.subjects(KGO.membershipStatus, Literal(OBSERVER)))
    graph.set((membership, KGO.membershipStatus, Literal("honorary friend")))
    report = validate_graph(graph)
    assert not report.conforms
    assert any("membershipStatus" in r.path for r in report.results), report.results


def test_status_outside_the_scheme_is_reported() -> None:
    facts = sample_facts()
    facts.memberships[2].status = "honorary friend"
    with pytest.raises(ValueError, match=r"fixtures/blue-ocean.md: .*'honorary friend'.*MembershipStatuses"):
        facts_to_graph(facts)


def test_status_added_to_the_scheme_counts_as_member(tmp_path: Path) -> None:
    """One concept added to the ontology is a member for the extraction's sets, the mapping and
    the graph views; with countsAsMember false it is none. Nothing restates the list."""
    pact, vesteria = URIRef(KGR + "agreement/blue-ocean-pact"), URIRef(KGR + "country/XVS")
    for counts in (True, False):
        with extra_status(tmp_path, "associate member", counts=counts, relation="associate_of") as status:
            assert status in F.ALL_STATUSES
            assert (status in F.MEMBER_STATUSES) is counts
            facts = sample_facts()
            facts.memberships[2].status = status  # Vesteria, an observer in the sample
            graph = facts_to_graph(facts)
            assert ((pact, ORG.hasMember, vesteria) in graph) is counts
            assert graph.value(next(graph.subjects(ORG.member, vesteria)), KGO.membershipStatus) == Literal(status)
            nodes, edges = _views_of(tmp_path / f"store-{counts}", facts)
            assert (str(vesteria) in nodes) is counts
            assert (str(vesteria), str(pact), "associate_of") in edges
    assert "associate member" not in F.ALL_STATUSES  # the bundled ontology again


def _views_of(path: Path, facts: ArticleFacts) -> tuple[set[str], set[tuple[str, str, str]]]:
    """The membership view's nodes and the actors view's edges of a store holding ``facts``."""
    from kg.graph.views import build_view
    from kg.store import Store

    with Store.open(path) as store:
        store.replace_graph(iris.graph_iri(facts.article), facts_to_graph(facts))
    with Store.open(path, read_only=True) as store:
        membership = build_view(store, "membership")
        actors = build_view(store, "actors")
    return {str(n) for n in membership.nodes}, {(str(s), str(t), str(k)) for s, t, k in actors.edges(keys=True)}


def test_vocabulary_is_read_at_first_use_not_at_import() -> None:
    code = "\n".join([
        "import kg.vocabulary as v",
        "def refuse(path=None):",
        "    raise SystemExit('the ontology was read at import')",
        "v.load_vocabulary = refuse",
        "import kg, kg.extraction.facts, kg.rdf.mapping, kg.graph.views",
        "from kg.extraction.facts import ALL_STATUSES, MEMBER_STATUSES",
    ])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_broken_ontology_is_one_line_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "kg.ttl"
    broken.write_text("@prefix kgo: <https://w3id.org/kgnews/ontology#> .\nkgo:x kgo:y", encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"kg\.ttl: cannot read the ontology") as info:
        load_vocabulary(broken)
    assert "\n" not in str(info.value)
    text = resource_path("ontology", "kg.ttl").read_text(encoding="utf-8")
    lacking = tmp_path / "lacking.ttl"
    lacking.write_text(text.replace("kgo:countsAsMember false ;", "", 1), encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"lacking\.ttl: .*status-observer.*countsAsMember"):
        load_vocabulary(lacking)


# --- validation --------------------------------------------------------------------------


def test_missing_iso3_violates_shapes() -> None:
    graph = facts_to_graph(sample_facts())
    graph.remove((URIRef(KGR + "country/XNL"), KGO.iso3, None))
    report = validate_graph(graph)
    assert not report.conforms
    assert any(r.focus.endswith("country/XNL") and "iso3" in r.path for r in report.results), report.results


def test_statement_without_sentence_violates_shapes() -> None:
    graph = facts_to_graph(sample_facts())
    statement = next(graph.subjects(RDF.type, KGO.Assertion))
    graph.remove((statement, PROV.wasDerivedFrom, None))
    assert not validate_graph(graph).conforms


def test_wrong_date_datatype_violates_shapes() -> None:
    graph = facts_to_graph(sample_facts())
    pact = URIRef(KGR + "agreement/blue-ocean-pact")
    date = URIRef("http://purl.org/dc/terms/date")
    graph.remove((pact, date, None))
    graph.add((pact, date, Literal("1 March 2021")))
    assert not validate_graph(graph).conforms


def test_offsets_are_non_negative_integers() -> None:
    """xsd:integer offsets (as the Oxigraph store returns them) conform; negative ones do not."""
    graph = facts_to_graph(sample_facts())
    begin = URIRef("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#beginIndex")
    sentence, offset = next(iter(graph.subject_objects(begin)))
    graph.set((sentence, begin, Literal(int(offset), datatype=XSD.integer)))
    assert validate_graph(graph).conforms
    graph.set((sentence, begin, Literal(-1, datatype=XSD.integer)))
    assert not validate_graph(graph).conforms


def test_store_round_trip_conforms() -> None:
    store_module = pytest.importorskip("kg.store")
    from kg.validate import validate_store

    facts = sample_facts()
    with store_module.Store.open(None) as store:
        store.replace_graph(iris.graph_iri(facts.article), facts_to_graph(facts))
        report = validate_store(store)
    assert report.conforms, report.text


def test_resource_path() -> None:
    assert resource_path("ontology", "shapes.ttl").is_file()
    assert resource_path("queries").is_dir()
    with pytest.raises(KgError, match="no-such-file"):
        resource_path("ontology", "no-such-file.ttl")


# --- any unicode -------------------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    person=ANY_TEXT,
    organisation=ANY_TEXT,
    label=ANY_TEXT,
    quote=ANY_TEXT,
    sentence=ANY_TEXT,
    title=ANY_TEXT,
    url=ANY_TEXT,
    named=st.booleans(),
)
def test_any_unicode_gives_valid_rdf(
    person: str, organisation: str, label: str, quote: str, sentence: str, title: str, url: str, named: bool
) -> None:
    article = Article(source=sentence, text=TEXT, title=title, publisher=organisation, url=url)
    facts = sample_facts(article)
    facts.actors["person:asa lindqvist"].name = person
    facts.actors["person:asa lindqvist"].aliases = {quote, label}
    facts.actors["org:ocean council"].name = organisation
    facts.agreements[0].label = label
    facts.agreements[0].named = named
    facts.agreements[0].place = Place(sentence)
    facts.quotes[0].text = quote
    facts.posts[0].role = sentence
    facts.commitments[0].text = quote
    facts.events[0].type = label
    facts.figures[0].text = sentence
    facts.figures[0].measures = quote
    facts.actors["country:XVS"].evidence = [Evidence(0, 3, sentence)]

    graph = facts_to_graph(facts)
    for term in {t for triple in graph for t in triple if isinstance(t, URIRef)}:
        assert iris.is_valid_iri(term), term
    for fmt in ("nt", "turtle"):
        data = graph.serialize(format=fmt, encoding="utf-8")
        assert isomorphic(graph, Graph().parse(data=data, format=fmt)), fmt
    report = validate_graph(graph)
    assert report.conforms, report.text
