"""The named queries are a public contract: their names, columns and rows on a known graph."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from test_rdf_mapping import (
    PACT_DATE,
    QUOTE,
    SENTENCES,
    extra_status,
    sample_article,
    sample_dataset,
    sample_facts,
)

from kg.namespaces import KGO, KGR, ORG, PROV, RDF, SKOS
from kg.rdf import facts_to_graph, iris
from kg.resources import resource_path
from query_contract import CONTRACT


PACT = KGR + "agreement/blue-ocean-pact"
NORDLAND = KGR + "country/XNL"
VESTERIA = KGR + "country/XVS"
COUNCIL = KGR + "organisation/ocean-council"
LINDQVIST = KGR + "person/asa-lindqvist"
TROMSO_LABEL = "Tromsø"
ARTICLE = str(iris.article_iri(sample_article()))
DATE = PACT_DATE.isoformat()

Row = tuple[str | None, ...]

# rdflib's own SPARQL engine warns about its own Dataset internals on every union query.
pytestmark = pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")


def query_text(name: str) -> str:
    return resource_path("queries", f"{name}.rq").read_text(encoding="utf-8")


def run(dataset: Dataset, name: str, **bindings: URIRef | Literal) -> tuple[list[str], list[Row]]:
    """Column names and rows (terms as strings, unbound as None) of a named query."""
    result = dataset.query(prepareQuery(query_text(name)), initBindings=bindings)
    columns = [str(v) for v in result.vars]
    return columns, [tuple(None if term is None else str(term) for term in row) for row in result]


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    facts = sample_facts()
    return sample_dataset((facts.article, facts_to_graph(facts)))


def test_every_contract_query_exists() -> None:
    names = {path.stem for path in Path(resource_path("queries")).glob("*.rq")}
    assert set(CONTRACT) <= names


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_header_documents_columns_and_parameters(name: str) -> None:
    text = query_text(name)
    assert text.startswith(f"# {name} — ")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "# Columns" in header and "# Parameters:" in header
    documented = re.findall(r"^#   (\w+)\s", header.split("# Parameters:")[0], flags=re.MULTILINE)
    assert documented == CONTRACT[name]
    for parameter in re.findall(r"^#   \?(\w+)", header, flags=re.MULTILINE):
        assert f"?{parameter}" in text.split("WHERE", 1)[1], parameter
    assert "GRAPH" not in text.split("WHERE", 1)[1]


EXPECTED: dict[str, list[Row]] = {
    "agreements": [(PACT, "Blue Ocean Pact", DATE, TROMSO_LABEL, ARTICLE)],
    "members": [
        (PACT, "Blue Ocean Pact", NORDLAND, "Nordland", "XNL"),
        (PACT, "Blue Ocean Pact", COUNCIL, "Ocean Council", None),
    ],
    "officials": [(LINDQVIST, "Åsa Lindqvist", "fisheries commissioner", COUNCIL, "Ocean Council")],
    "quotes": [(LINDQVIST, "Åsa Lindqvist", QUOTE, ARTICLE)],
    "commitments": [(PACT, "Blue Ocean Pact", "to halve plastic waste in the northern seas by 2030")],
    "figures": [("40 percent", "40.0", "percent", "of plastic waste ends up in the sea", ARTICLE)],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_query_rows(dataset: Dataset, name: str) -> None:
    columns, rows = run(dataset, name)
    assert columns == CONTRACT[name]
    assert rows == EXPECTED[name]


def test_events(dataset: Dataset) -> None:
    columns, rows = run(dataset, "events")
    assert columns == CONTRACT["events"]
    ((event, kind, label, date, place, participants),) = rows
    assert event.startswith(KGR + "event/")
    assert (kind, label, date, place) == ("signing", "signing of the Blue Ocean Pact", DATE, TROMSO_LABEL)
    assert participants == "Nordland; Ocean Council; Åsa Lindqvist"


def test_evidence(dataset: Dataset) -> None:
    columns, rows = run(dataset, "evidence")
    assert columns == CONTRACT["evidence"]
    facts = {(s, p, o): sentence for s, p, o, sentence, _ in rows}
    assert {article for *_, article in rows} == {ARTICLE}
    assert facts[(PACT, str(ORG.hasMember), NORDLAND)] == SENTENCES[0]
    assert facts[(PACT, str(ORG.hasMember), COUNCIL)] == SENTENCES[0]
    assert facts[(LINDQVIST, str(ORG.holds), next(o for s, p, o in facts if p == str(ORG.holds)))] == SENTENCES[2]
    assert facts[(PACT, str(KGO.place), KGR + "place/geonames-3133880")] == SENTENCES[0]
    assert (PACT, str(ORG.hasMember), VESTERIA) not in facts
    observer = [(s, p) for s, p, o in facts if o == VESTERIA]
    assert len(observer) == 1 and observer[0][1] == str(ORG.member)
    predicates = {p for _, p, _ in facts}
    assert len(predicates) == 9  # hasMember member holds postIn spokenByCharacter commitment attendee place location
    assert len(rows) == 12


def test_observer_is_not_a_member(dataset: Dataset) -> None:
    _, rows = run(dataset, "members")
    assert VESTERIA not in {row[2] for row in rows}


def test_parameters_restrict_rows(dataset: Dataset) -> None:
    other = URIRef("https://example.org/nothing")
    assert len(run(dataset, "members", agreement=URIRef(PACT))[1]) == 2
    assert run(dataset, "members", member=URIRef(COUNCIL))[1] == [EXPECTED["members"][1]]
    assert run(dataset, "members", agreement=other)[1] == []
    assert len(run(dataset, "agreements", article=URIRef(ARTICLE))[1]) == 1
    assert run(dataset, "agreements", agreement=other)[1] == []
    assert run(dataset, "officials", person=URIRef(LINDQVIST))[1] == EXPECTED["officials"]
    assert run(dataset, "quotes", article=other)[1] == []
    assert run(dataset, "commitments", agreement=URIRef(PACT))[1] == EXPECTED["commitments"]
    assert run(dataset, "figures", article=URIRef(ARTICLE))[1] == EXPECTED["figures"]
    assert len(run(dataset, "events", type=Literal("signing"))[1]) == 1
    assert run(dataset, "events", type=Literal("summit"))[1] == []
    assert len(run(dataset, "evidence", object=URIRef(VESTERIA))[1]) == 1
    assert len(run(dataset, "evidence", subject=URIRef(PACT))[1]) == 4


def test_two_articles_one_row_per_fact() -> None:
    """The same named pact in two articles: one member row each, one agreement row per article."""
    first = sample_facts()
    second = sample_facts(sample_article(url="https://other.example.net/story"))
    second.agreements[0].label = "Blue Ocean pact"  # another spelling, same node
    dataset = sample_dataset(*((f.article, facts_to_graph(f)) for f in (first, second)))
    _, members = run(dataset, "members")
    assert [row[2] for row in members] == [NORDLAND, COUNCIL]
    _, agreements = run(dataset, "agreements")
    assert len(agreements) == 2 and {row[0] for row in agreements} == {PACT}
    _, officials = run(dataset, "officials")
    assert len(officials) == 1
    _, commitments = run(dataset, "commitments")
    assert len(commitments) == 1


def test_inferred_members_are_members(dataset: Dataset) -> None:
    """A membership inferred from a data source (another named graph) shows in members."""
    inferred = Dataset(default_union=True)
    for s, p, o, g in dataset.quads((None, None, None, None)):
        inferred.graph(g).add((s, p, o))
    extra = inferred.graph(URIRef(KGR + "graph/inferred"))
    source, country, membership = (URIRef(KGR + x) for x in ("source/registry", "country/XZZ", "membership/x"))
    extra.add((source, RDF.type, KGO.DataSource))
    extra.add((country, SKOS.prefLabel, Literal("Zedland")))
    extra.add((country, KGO.iso3, Literal("XZZ")))
    extra.add((URIRef(PACT), ORG.hasMember, country))
    extra.add((membership, ORG.member, country))
    extra.add((membership, KGO.inferred, Literal(True)))
    extra.add((membership, PROV.wasDerivedFrom, source))
    _, rows = run(inferred, "members")
    assert (PACT, "Blue Ocean Pact", str(country), "Zedland", "XZZ") in rows


def test_oxigraph_gives_the_same_rows(dataset: Dataset) -> None:
    """The queries are portable: pyoxigraph (the embedded store) answers them like rdflib."""
    store = _oxigraph_store(dataset)
    for name, columns in CONTRACT.items():
        answer = store.query(query_text(name), use_default_graph_as_union=True)
        assert [v.value for v in answer.variables] == columns
        ox_rows = [tuple(None if term is None else term.value for term in row) for row in answer]
        assert _numbers(name, ox_rows) == _numbers(name, run(dataset, name)[1]), name


def _numbers(name: str, rows: list[Row]) -> list[tuple[object, ...]]:
    """Rows with the figures' value as a number: oxigraph writes xsd:decimal "40.0" as "40"."""
    if name != "figures":
        return list(rows)
    at = CONTRACT["figures"].index("value")
    return [(*row[:at], None if row[at] is None else Decimal(row[at]), *row[at + 1 :]) for row in rows]


def _oxigraph_store(dataset: Dataset) -> Any:
    """An in-memory pyoxigraph store holding the dataset's named graphs."""
    ox = pytest.importorskip("pyoxigraph")
    store = ox.Store()
    for graph in dataset.graphs():
        if len(graph) and isinstance(graph, Graph):
            data = graph.serialize(format="nt", encoding="utf-8")
            store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(graph.identifier)))
    return store


def _oxigraph_rows(dataset: Dataset, name: str) -> list[Row]:
    answer = _oxigraph_store(dataset).query(query_text(name), use_default_graph_as_union=True)
    return [tuple(None if term is None else term.value for term in row) for row in answer]


def test_members_follow_the_status_scheme(tmp_path: Path) -> None:
    """A status added to the ontology's scheme with kgo:countsAsMember true gives members rows
    (on rdflib and on the embedded engine), one with false gives none: the query reads what the
    scheme decides, no list of statuses is written in it or in the code."""
    vesteria_row = (PACT, "Blue Ocean Pact", VESTERIA, "Vesteria", "XVS")
    for counts in (True, False):
        with extra_status(tmp_path, "associate member", counts=counts, relation="associate_of") as status:
            facts = sample_facts()
            facts.memberships[2].status = status  # Vesteria, an observer in the sample
            dataset = sample_dataset((facts.article, facts_to_graph(facts)))
        expected = sorted([*EXPECTED["members"], vesteria_row] if counts else EXPECTED["members"], key=str)
        columns, rows = run(dataset, "members")
        assert columns == CONTRACT["members"]
        assert sorted(rows, key=str) == expected
        assert sorted(_oxigraph_rows(dataset, "members"), key=str) == expected
        assert run(dataset, "members", member=URIRef(VESTERIA))[1] == ([vesteria_row] if counts else [])

