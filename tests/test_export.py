"""The format table and RDF export: round trips in every syntax, atomic writes, stdout."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

import kg.export
from kg.errors import StoreError, UsageError
from kg.export import export_store
from kg.formats import RDF_FORMATS, RESULT_FORMATS, Format, format_names, rdf_format, result_format
from kg.store import Store

EX = Namespace("http://example.org/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
G1 = URIRef("http://example.org/graph/1")
G2 = URIRef("http://example.org/graph/2")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib parsers use deprecated APIs


def graph_1() -> Graph:
    graph = Graph(identifier=G1)
    place = BNode()
    graph.add((EX.pact, EX.label, Literal("Blue Ocean Pact", lang="en")))
    graph.add((EX.pact, EX.signed, Literal("2012-06-21", datatype=XSD.date)))
    graph.add((EX.pact, EX.place, place))
    graph.add((place, EX.name, Literal('Tromsø "north" \\ \n')))
    graph.add((EX.pact, EX.member, EX.nordland))
    return graph


def graph_2() -> Graph:
    graph = Graph(identifier=G2)
    graph.add((EX.pact, EX.member, EX.nordland))  # shared with graph 1
    graph.add((EX.pact, EX.member, EX.vesteria))
    graph.add((EX.vesteria, EX.population, Literal(5400000)))
    return graph


def union() -> Graph:
    merged = Graph()
    for graph in (graph_1(), graph_2()):
        for triple in graph:
            merged.add(triple)
    return merged


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("export") / "kg-store"
    with Store.open(path) as writer:
        writer.replace_graph(G1, graph_1())
        writer.replace_graph(G2, graph_2())
    with Store.open(path, read_only=True) as reader:
        yield reader


# --- the format table -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "path", "expected"),
    [
        ("turtle", None, "turtle"),
        ("TTL", None, "turtle"),
        ("text/turtle; charset=utf-8", None, "turtle"),
        ("nt", None, "ntriples"),
        ("application/n-quads", None, "nquads"),
        ("json-ld", None, "jsonld"),
        ("xml", None, "rdfxml"),
        (None, "out/graph.trig", "trig"),
        (None, "graph.NQ", "nquads"),
        (None, "ontology.owl", "rdfxml"),
        (None, "data.jsonld", "jsonld"),
        (None, "-", "turtle"),
        (None, None, "turtle"),
    ],
)
def test_rdf_format_lookup(given: str | None, path: str | None, expected: str) -> None:
    assert rdf_format(given, path).name == expected


def test_unknown_formats_list_the_accepted_ones() -> None:
    with pytest.raises(UsageError, match="turtle, ntriples, nquads, trig, jsonld, rdfxml"):
        rdf_format("n3")
    with pytest.raises(UsageError, match="cannot guess .*graph.dat"):
        rdf_format(None, "graph.dat")
    with pytest.raises(UsageError, match="table, csv, tsv, json, xml"):
        result_format("html")


def test_result_formats() -> None:
    assert result_format("json").media_type == "application/sparql-results+json"
    assert result_format("application/sparql-results+xml").name == "xml"
    assert format_names("results")[:5] == ["table", "csv", "tsv", "json", "xml"]
    assert format_names("rdf") == [fmt.name for fmt in RDF_FORMATS]


def test_format_table_is_consistent() -> None:
    names = [name for fmt in RDF_FORMATS for name in fmt.names]
    assert len(names) == len(set(names))
    assert all(fmt.kind == "results" for fmt in RESULT_FORMATS)
    assert {fmt.name for fmt in RDF_FORMATS if fmt.keeps_graphs} == {"nquads", "trig", "jsonld"}
    for fmt in RDF_FORMATS:
        assert all(ext.startswith(".") for ext in fmt.extensions)
        assert rdf_format(fmt.media_type) is fmt


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda fmt: fmt.name)
def test_round_trip(store: Store, fmt: Format, tmp_path: Path) -> None:
    target = tmp_path / f"export{fmt.extensions[0]}"
    export_store(store, fmt, target)
    assert sorted(os.listdir(tmp_path)) == [target.name], "no temporary files are left"
    if fmt.keeps_graphs:
        parsed = Dataset()
        parsed.parse(target, format=fmt.rdflib_name)
        named = {g.identifier: g for g in parsed.graphs() if g.identifier in (G1, G2)}
        assert set(named) == {G1, G2}
        assert isomorphic(named[G1], graph_1()) and isomorphic(named[G2], graph_2())
        assert sum(len(g) for g in named.values()) == len(store) == 8
    else:
        parsed = Graph().parse(target, format=fmt.rdflib_name)
        assert isomorphic(parsed, union())
        assert len(parsed) == store.union_size() == 7


@pytest.mark.parametrize("name", ["turtle", "nquads"])
def test_export_one_graph(store: Store, name: str, tmp_path: Path) -> None:
    fmt = rdf_format(name)
    target = tmp_path / f"one{fmt.extensions[0]}"
    export_store(store, fmt, target, graph=G2)
    if fmt.keeps_graphs:
        parsed = Dataset()
        parsed.parse(target, format=fmt.rdflib_name)
        assert [g.identifier for g in parsed.graphs() if len(g)] == [G2]
        assert isomorphic(parsed.graph(G2), graph_2())
    else:
        assert isomorphic(Graph().parse(target, format=fmt.rdflib_name), graph_2())
    with pytest.raises(StoreError, match="no graph"):
        export_store(store, fmt, tmp_path / "x.ttl", graph=EX.nothing)


def test_prefixes_shorten_turtle(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "short.ttl"
    export_store(store, rdf_format("turtle"), target, prefixes={"ex": str(EX)})
    text = target.read_text(encoding="utf-8")
    assert "@prefix ex: <http://example.org/>" in text and "ex:pact" in text
    assert isomorphic(Graph().parse(target), union())


def test_export_to_stdout(store: Store, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    export_store(store, rdf_format("nquads"), "-")
    out = capsysbinary.readouterr().out.decode("utf-8")
    parsed = Dataset()
    parsed.parse(data=out, format="nquads")
    assert len(out.strip().splitlines()) == 8


# --- atomic writes --------------------------------------------------------------------------


def test_failed_export_leaves_the_old_file_untouched(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "graph.ttl"
    target.write_text("precious old export\n", encoding="utf-8")

    def broken(_store, _fmt, out, _graph, _prefixes) -> None:
        out.write(b"@prefix half: <http://half")
        raise ValueError("serialiser exploded")

    monkeypatch.setattr(kg.export, "_serialize", broken)
    with pytest.raises(StoreError, match="serialiser exploded"):
        export_store(store, rdf_format("turtle"), target)
    assert target.read_text(encoding="utf-8") == "precious old export\n"
    assert os.listdir(tmp_path) == ["graph.ttl"]


def test_interrupted_export_leaves_no_temp_file(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(_store, _fmt, out, _graph, _prefixes) -> None:
        out.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(kg.export, "_serialize", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_store(store, rdf_format("nt"), tmp_path / "graph.nt")
    assert os.listdir(tmp_path) == []


def test_export_replaces_and_keeps_permissions(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "graph.nt"
    target.write_text("old\n")
    target.chmod(0o640)
    export_store(store, rdf_format(None, target), target)
    assert (target.stat().st_mode & 0o777) == 0o640
    assert isomorphic(Graph().parse(target, format="nt"), union())
    fresh = tmp_path / "fresh.nt"
    export_store(store, rdf_format("nt"), fresh)
    assert fresh.stat().st_mode & 0o444, "a new export is readable like any new file"


def test_export_errors(store: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot write"):
        export_store(store, rdf_format("nt"), tmp_path / "missing-dir" / "graph.nt")
    with pytest.raises(StoreError, match="is a directory"):
        export_store(store, rdf_format("nt"), tmp_path)
    with pytest.raises(StoreError, match="not an RDF format"):
        export_store(store, result_format("csv"), tmp_path / "rows.csv")


# --- the kg prefixes, from the one table in kg.namespaces ---------------------------------------


def _kg_dataset(reference_store: Path) -> Dataset:
    with Store.open(reference_store, read_only=True) as reader:
        return reader.dataset()


@pytest.mark.parametrize("name", ["turtle", "trig", "jsonld", "rdfxml"])
def test_kg_export_writes_the_kg_prefixes(reference_store: Path, tmp_path: Path, name: str) -> None:
    from kg.cli import main
    from kg.namespaces import PREFIX_IRIS

    fmt = rdf_format(name)
    target = tmp_path / f"store{fmt.extensions[0]}"
    assert main(["export", "--store", str(reference_store), "-o", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    if name == "jsonld":
        import json

        document = json.loads(text)
        assert document["@context"] == dict(PREFIX_IRIS)
        graph = document["@graph"][0]
        assert graph["@id"].startswith("kgr:graph/")
        assert any("kgo:mentionedIn" in node for node in graph["@graph"])
        assert any("schema:Person" in node.get("@type", []) for node in graph["@graph"])
        assert "https://w3id.org/kgnews/" not in text.split("},", 1)[1]  # no full kg IRI after the context
    elif name == "rdfxml":
        assert 'xmlns:kgo="https://w3id.org/kgnews/ontology#"' in text and "<kgo:" in text
    else:
        assert "@prefix kgo: <https://w3id.org/kgnews/ontology#> ." in text
        assert "@prefix kgr: <https://w3id.org/kgnews/id/> ." in text
        assert "kgo:mentionedIn <https://w3id.org/kgnews/id/article/" in text and "skos:prefLabel" in text
        body = text.split("\n", len(PREFIX_IRIS))[-1]
        assert "<https://w3id.org/kgnews/ontology#" not in body and "<http://www.w3.org/2004/02/skos" not in body
        assert "\\/" not in re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)  # no kgr:person\/x: whole IRIs instead
    expected = _kg_dataset(reference_store)
    if fmt.keeps_graphs:
        parsed = Dataset()
        parsed.parse(target, format=fmt.rdflib_name)
        named = [g for g in parsed.graphs() if len(g)]
        assert len(named) == 1 and isomorphic(named[0], expected.graph(named[0].identifier))
    else:
        parsed = Graph().parse(target, format=fmt.rdflib_name)
        assert len(parsed) == len(expected)


def test_jsonld_leaves_an_iri_that_looks_like_a_compact_iri_whole(tmp_path: Path) -> None:
    """An absolute IRI whose scheme is one of our prefixes ("skos:x") would read back as
    https://.../skos/core#x under the kg context: that graph is written without it."""
    path = tmp_path / "store"
    odd = Graph(identifier=G1)
    odd.add((URIRef("skos:x"), EX.p, Literal("1")))
    with Store.open(path) as writer:
        writer.replace_graph(G1, odd)
        writer.replace_graph(G2, graph_2())
    target = tmp_path / "odd.jsonld"
    with Store.open(path, read_only=True) as reader:
        export_store(reader, rdf_format("jsonld"), target)
    parsed = Dataset()
    parsed.parse(target, format="json-ld")
    assert isomorphic(parsed.graph(G1), odd) and isomorphic(parsed.graph(G2), graph_2())


def test_graph_answers_get_the_kg_prefixes(reference_store: Path) -> None:
    """CONSTRUCT and DESCRIBE answers (kg query, kg serve) go through kg.writing.graph_text:
    our prefixes (no ns1:), and in TriG the triples in the default graph, in no blank-node graph."""
    from kg.writing import graph_text

    with Store.open(reference_store, read_only=True) as reader:
        described = reader.query("DESCRIBE <https://w3id.org/kgnews/id/person/eric-holder>")
        built = reader.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5")
    turtle = graph_text(described, rdf_format("turtle"))
    assert "ns1:" not in turtle and "kgo:mentionedIn" in turtle and "@prefix kgo:" in turtle
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), described)
    trig = graph_text(built, rdf_format("trig"))
    assert "{" not in trig and "@prefix kgr:" in trig  # no graph block at all
    parsed = Dataset()
    parsed.parse(data=trig, format="trig")
    assert [g.identifier for g in parsed.graphs() if len(g)] == [parsed.default_graph.identifier]
    assert isomorphic(parsed.default_graph, built)
    jsonld = graph_text(built, rdf_format("jsonld"))
    assert '"@context"' in jsonld and '"kgr:' in jsonld
    assert isomorphic(Graph().parse(data=jsonld, format="json-ld"), built)


def test_one_prefix_table() -> None:
    from rdflib import Graph as RdfGraph

    from kg.namespaces import PREFIX_IRIS, PREFIXES, bind_prefixes, compact_iri, jsonld_context

    assert dict(PREFIX_IRIS) == {prefix: str(ns) for prefix, ns in PREFIXES} == jsonld_context()
    bound = {prefix: str(ns) for prefix, ns in bind_prefixes(RdfGraph()).namespaces()}
    assert all(bound[prefix] == iri for prefix, iri in PREFIX_IRIS.items())
    assert compact_iri("https://w3id.org/kgnews/ontology#Agreement") == "kgo:Agreement"
    assert compact_iri("https://w3id.org/kgnews/id/person/x") == "kgr:person/x"
    assert compact_iri("https://example.org/x") == "https://example.org/x"
    assert compact_iri("http://www.wikidata.org/entity/Q458") == "wd:Q458"  # what kg link makes actors owl:sameAs


# --- Turtle and TriG: a local part that would need escapes is written as the whole IRI --------------

_LOCAL = st.text(alphabet="abcXYZ09-_./#=,?~!$&'()*+;:@%", max_size=12)
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(rows=st.lists(st.tuples(_LOCAL, _LOCAL, st.one_of(_LOCAL, _TEXT)), min_size=1, max_size=6),
       name=st.sampled_from(["turtle", "trig"]))
def test_turtle_and_trig_round_trip_any_local_part(rows: list[tuple[str, str, str]], name: str) -> None:
    import io

    import pyoxigraph as ox

    from kg.namespaces import KGO, KGR
    from kg.writing import write_rdf

    triples = []
    for subject, predicate, obj in rows:
        try:
            s, p = ox.NamedNode(KGR + subject), ox.NamedNode(KGO + predicate)
            o = ox.NamedNode(KGR + obj) if obj.startswith("a") else ox.Literal(obj)
        except ValueError:  # not an IRI (e.g. a lone %)
            continue
        triples.append(ox.Triple(s, p, o))
    fmt = rdf_format(name)
    items = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(KGR + "graph/1")) for t in triples] \
        if fmt.keeps_graphs else triples
    out = io.BytesIO()
    write_rdf(items, fmt, out)
    text = out.getvalue().decode("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
    assert not re.search(r'(?<![\w\\])kgr:\S*\\', re.sub(r'"(?:[^"\\]|\\.)*"', '""', body))  # no escaped kgr: names
    back = set(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE if name == "turtle" else ox.RdfFormat.TRIG))
    assert {(q.subject, q.predicate, q.object) for q in back} == {(t.subject, t.predicate, t.object) for t in triples}
