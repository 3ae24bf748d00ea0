"""Named queries, safe parameter binding, and the SELECT/ASK/CONSTRUCT result formats."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from kg.errors import QueryError, UsageError
from kg.sparql import (
    QueryResult,
    QueryText,
    UnknownQuery,
    bind_params,
    format_result,
    internal_queries,
    internal_query,
    load_query,
    named_queries,
    param_term,
    query_header,
    query_kind,
    query_variables,
    run_query,
)
from kg.store import Store

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
EX = Namespace("http://example.org/")
G1 = URIRef("http://example.org/graph/1")
G2 = URIRef("http://example.org/graph/2")
PREFIX = "PREFIX ex: <http://example.org/>\n"

HOSTILE = [
    'x" . } DROP ALL ; #',
    "O'Brien",
    "a > } b",
    "line one\nline two",
    '""" closing triple quotes',
    "back\\slash \\u0022",
    "} ; DELETE WHERE { ?s ?p ?o } #",
    "<http://example.org/a> } UNION { ?person ?p ?o",
    "?person",
    "VALUES ?name { 'x' }",
    "tab\there",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("query") / "kg-store"
    with Store.open(path) as opened:
        opened.replace_graph(
            G1,
            [(EX[f"p{i}"], EX.name, Literal(value)) for i, value in enumerate(HOSTILE)]
            + [
                (EX.alice, EX.name, Literal("Alice")),
                (EX.alice, EX.age, Literal(34)),
                (EX.alice, EX.born, Literal("1990-05-17", datatype=XSD.date)),
                (EX.alice, EX.knows, EX.bob),
            ],
        )
        opened.replace_graph(
            G2,
            [
                (EX.bob, EX.name, Literal("Bob", lang="en")),
                (EX.bob, EX.age, Literal(27)),
                (EX.bob, EX.knows, EX.alice),
                (EX.alice, EX.name, Literal("Alice")),
            ],
        )
    reader = Store.open(path, read_only=True)
    yield reader
    reader.close()


# --- loading named queries ------------------------------------------------------------------


@pytest.fixture
def queries_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "queries"
    directory.mkdir()
    (directory / "people.rq").write_text(
        "# people — Who is in the graph?\n#\n# Columns:\n#   person  IRI\n\n"
        + PREFIX
        + "SELECT ?person WHERE { ?person ex:name ?name }\n",
        encoding="utf-8",
    )
    (directory / "ages.rq").write_text(PREFIX + "SELECT ?person ?age WHERE { ?person ex:age ?age }\n")
    (directory / "notes.txt").write_text("not a query")
    return directory


def test_named_queries_lists_rq_files(queries_dir: Path) -> None:
    assert list(named_queries(queries_dir)) == ["ages", "people"]
    assert named_queries(queries_dir / "missing") == {}


def test_load_query_by_name_path_and_stdin(queries_dir: Path) -> None:
    by_name = load_query("people", queries_dir=queries_dir)
    assert by_name.name == "people" and "SELECT ?person" in by_name.text
    by_path = load_query(str(queries_dir / "ages.rq"))
    assert by_path.name == "ages" and by_path.source.endswith("ages.rq")
    piped = load_query("-", stdin=io.StringIO("ASK { ?s ?p ?o }"))
    assert piped == QueryText("<stdin>", "ASK { ?s ?p ?o }", "<stdin>")


def test_load_query_errors(queries_dir: Path) -> None:
    with pytest.raises(UnknownQuery, match=r"unknown query 'peple'; did you mean people\? \(named queries: ages, people;"):
        load_query("peple", queries_dir=queries_dir)
    with pytest.raises(UnknownQuery, match=r"unknown query 'xyz' \(named queries: ages, people;"):
        load_query("xyz", queries_dir=queries_dir)
    with pytest.raises(QueryError, match="no such query file"):
        load_query(str(queries_dir / "nope.rq"))
    with pytest.raises(QueryError, match=r"no such query file: people.rq \(for the named query, kg query people\)"):
        load_query("people.rq", queries_dir=queries_dir)
    with pytest.raises(QueryError, match="empty"):
        load_query("-", stdin=io.StringIO("  \n"))


def test_query_header(queries_dir: Path) -> None:
    text = (queries_dir / "people.rq").read_text()
    assert query_header(text) == "people — Who is in the graph?\n\nColumns:\n  person  IRI"
    assert query_header("SELECT * { ?s ?p ?o }") == ""


def test_bundled_queries_parse_and_bind_their_documented_parameters() -> None:
    queries = named_queries()
    assert queries, "the queries/ directory ships named queries"
    checked = 0
    with Store.open(None) as empty:
        for name, path in queries.items():
            text = path.read_text(encoding="utf-8")
            result = run_query(empty, QueryText(name, text, str(path)))
            assert result.kind == "select" and result.rows == []
            parameters = re.findall(r"^\s+\?(\w+)", query_header(text), flags=re.MULTILINE)
            for parameter in parameters:
                bound = run_query(empty, QueryText(name, text, str(path)), {parameter: "http://example.org/x"})
                assert bound.rows == [], (name, parameter)
            checked += len(parameters)
    assert checked > 0, "the bundled queries document parameters"


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://example.org/a", URIRef("http://example.org/a")),
        ("<urn:isbn:123>", URIRef("urn:isbn:123")),
        ("2012-06-21", Literal("2012-06-21", datatype=XSD.date)),
        ("42", Literal("42", datatype=XSD.integer)),
        ("-1.5", Literal("-1.5", datatype=XSD.decimal)),
        ('"42"', Literal("42")),
        ('"Bob"@en', Literal("Bob", lang="en")),
        ('"7"^^<http://www.w3.org/2001/XMLSchema#integer>', Literal("7", datatype=XSD.integer)),
        ("plain words", Literal("plain words")),
        ("", Literal("")),
    ],
)
def test_param_term(value: str, expected: object) -> None:
    assert param_term(value) == expected


@pytest.mark.parametrize("value", ["http://example.org/a> } DROP ALL ; #", "<http://x> } <y>", "http://a b"])
def test_invalid_iri_values_are_refused(value: str) -> None:
    with pytest.raises(QueryError, match="invalid IRI"):
        param_term(value)


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_hostile_values_bind_as_plain_literals(store: Store, index: int) -> None:
    before = len(store)
    query = PREFIX + "SELECT ?person WHERE { ?person ex:name ?name } ORDER BY ?person"
    result = run_query(store, query, {"name": HOSTILE[index]})
    assert result.vars == ["person"]
    assert result.rows == [(EX[f"p{index}"],)]
    assert len(store) == before


@pytest.mark.parametrize("value", ["http://example.org/a> } DROP ALL ; #", '<x> } ; DROP ALL ; <y>'])
def test_hostile_iri_values_never_run(store: Store, value: str) -> None:
    before = len(store)
    with pytest.raises(QueryError, match="invalid IRI"):
        run_query(store, PREFIX + "SELECT ?name WHERE { ?person ex:name ?name }", {"person": value})
    assert len(store) == before


def test_binding_is_a_values_block_of_escaped_terms() -> None:
    text = PREFIX + "SELECT ?person WHERE { ?person ex:name ?name }"
    bound = bind_params(text, {"name": 'x" . } DROP ALL ; #'})
    assert bound == (
        PREFIX + 'SELECT ?person WHERE { VALUES (?name) { ("x\\" . } DROP ALL ; #") }  ?person ex:name ?name }'
    )


def test_typed_params_match_typed_data(store: Store) -> None:
    query = PREFIX + "SELECT ?person WHERE { ?person ex:age ?age ; ex:born ?born }"
    assert run_query(store, query, {"age": "34"}).rows == [(EX.alice,)]
    assert run_query(store, query, {"born": "1990-05-17"}).rows == [(EX.alice,)]
    assert run_query(store, query, {"age": '"34"'}).rows == [], "a quoted value is a string"
    by_iri = run_query(store, PREFIX + "SELECT ?name WHERE { ?person ex:name ?name }", {"?person": "<http://example.org/bob>"})
    assert by_iri.rows == [(Literal("Bob", lang="en"),)]


def test_param_used_only_in_a_filter(store: Store) -> None:
    query = PREFIX + "SELECT ?person WHERE { ?person ex:age ?age FILTER(?age > ?min) } ORDER BY ?person"
    assert run_query(store, query, {"min": "30"}).rows == [(EX.alice,)]
    assert run_query(store, query, {"min": "20"}).rows == [(EX.alice,), (EX.bob,)]


def test_param_in_grouped_query_with_tricky_text(store: Store) -> None:
    query = (
        PREFIX
        + "# a comment with { braces } and ?fake variables\n"
        + 'SELECT ?person (COUNT(?friend) AS ?n) (CONCAT("{", "?x") AS ?odd)\n'
        + "WHERE { ?person ex:knows ?friend . ?person ex:name ?name } GROUP BY ?person"
    )
    result = run_query(store, query, {"name": "Alice"})
    assert result.rows == [(EX.alice, Literal(1), Literal("{?x"))]
    with pytest.raises(QueryError, match=r"no variable \?fake"):
        run_query(store, query, {"fake": "1"})


def test_param_with_a_bare_subselect(store: Store) -> None:
    query = PREFIX + "SELECT * WHERE { SELECT ?person ?name WHERE { ?person ex:name ?name } }"
    result = run_query(store, query, {"name": "Alice"})
    assert [dict(zip(result.vars, row)) for row in result.rows] == [{"person": EX.alice, "name": Literal("Alice")}]


def test_params_in_ask_and_construct(store: Store) -> None:
    ask = PREFIX + "ASK { ?person ex:knows ?friend }"
    assert run_query(store, ask, {"person": str(EX.alice), "friend": str(EX.bob)}).boolean is True
    assert run_query(store, ask, {"person": str(EX.alice), "friend": str(EX.alice)}).boolean is False
    construct = PREFIX + "CONSTRUCT { ?person ex:friend ?friend } WHERE { ?person ex:knows ?friend }"
    result = run_query(store, construct, {"person": str(EX.bob)})
    assert result.kind == "graph" and set(result.graph) == {(EX.bob, EX.friend, EX.alice)}
    with pytest.raises(QueryError, match="long form"):
        run_query(store, PREFIX + "CONSTRUCT WHERE { ?person ex:knows ?friend }", {"person": str(EX.bob)})


def test_unknown_param_is_an_error(store: Store) -> None:
    with pytest.raises(QueryError, match=r"people: the query has no variable \?nobody \(parameters it accepts: \?person, \?name\)"):
        run_query(store, QueryText("people", PREFIX + "SELECT ?person WHERE { ?person ex:name ?name }", "x"), {"nobody": "1"})


SCOPES = (PREFIX + "SELECT ?person (COUNT(?friend) AS ?friends) ?n WHERE {"
          " { SELECT ?person (MIN(?age_) AS ?age) WHERE { ?person ex:age ?age_ ; ex:knows ?friend } GROUP BY ?person }"
          " { SELECT * WHERE { ?person ex:name ?name_ BIND (STRLEN(?name_) AS ?n) } }"
          " ?person ex:knows ?friend BIND (UCASE(?name_) AS ?upper) } GROUP BY ?person ?n")  # fmt: skip


@pytest.mark.parametrize(("name", "value", "rows"), [
    ("person", "http://example.org/bob", [(EX.bob, Literal(1), Literal(3))]),
    ("age", "34", [(EX.alice, Literal(1), Literal(5))]),  # projected by its sub-select (an alias there)
    ("n", "3", [(EX.bob, Literal(1), Literal(3))]),  # a BIND target of a SELECT * sub-select
    ("name_", '"Alice"', [(EX.alice, Literal(1), Literal(5))]),
    ("friends", "1", [(EX.alice, Literal(1), Literal(5)), (EX.bob, Literal(1), Literal(3))]),  # a column: the answer filtered
    ("friends", "2", []),
])  # fmt: skip
def test_params_reach_what_sub_selects_project(store: Store, name: str, value: str, rows: list) -> None:
    assert sorted(run_query(store, SCOPES, {name: value}).rows) == rows


@pytest.mark.parametrize(("name", "why"), [
    ("upper", r"\?upper is computed by the query \(… AS \?upper\), not matched by its WHERE pattern"),  # by BIND
    ("age_", r"\?age_ is used only outside the query's WHERE pattern, or in a sub-select that does not return it"),
])  # fmt: skip
def test_params_naming_what_the_where_pattern_cannot_match_are_refused(store: Store, name: str, why: str) -> None:
    with pytest.raises(QueryError, match=why + r", so a parameter cannot restrict it \(parameters it accepts: "
                                             r"\?person, \?friends, \?n, \?age, \?name_, \?friend\)$") as caught:  # fmt: skip
        run_query(store, SCOPES, {name: "1"})
    assert "\n" not in str(caught.value)


def test_syntax_error_names_the_query_on_one_line(store: Store) -> None:
    with pytest.raises(QueryError) as caught:
        run_query(store, QueryText("broken", "SELECT ?x WHERE {\n ?x ?y \n", "broken.rq"), {"x": "1"})
    message = str(caught.value)
    assert message.startswith("broken: syntax error:") and "\n" not in message


def test_query_variables() -> None:
    text = 'SELECT ?a $b WHERE { ?a <http://x/?notvar> "?notvar" . # ?comment\n ?a ?c ?b }'
    assert query_variables(text) == ["a", "b", "c"]


# --- result formats ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def people(store: Store) -> QueryResult:
    query = PREFIX + "SELECT ?person ?name ?age WHERE { ?person ex:knows ?friend ; ex:name ?name OPTIONAL { ?person ex:age ?age FILTER(?age > 30) } } ORDER BY ?person"
    return run_query(store, query, {})


def written(result: QueryResult, fmt: str) -> str:
    out = io.StringIO()
    format_result(result, fmt, out)
    return out.getvalue()


def test_people_fixture(people: QueryResult) -> None:
    assert people.rows == [
        (EX.alice, Literal("Alice"), Literal(34)),
        (EX.bob, Literal("Bob", lang="en"), None),
    ]


def test_table(people: QueryResult) -> None:
    lines = written(people, "table").splitlines()
    assert lines[0].split() == ["person", "name", "age"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[-1] == "(2 rows)"
    assert lines[2].index("Alice") == lines[0].index("name") == lines[3].index("Bob@en")
    assert written(QueryResult("select", vars=["x"], rows=[(Literal(1),)]), "table").endswith("(1 row)\n")


def test_csv(people: QueryResult) -> None:
    text = written(people, "csv")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["person", "name", "age"],
        [str(EX.alice), "Alice", "34"],
        [str(EX.bob), "Bob", ""],
    ]


def test_tsv_uses_ntriples_terms(people: QueryResult) -> None:
    lines = written(people, "tsv").splitlines()
    assert lines == [
        "?person\t?name\t?age",
        f'<{EX.alice}>\t"Alice"\t"34"^^<{XSD.integer}>',
        f'<{EX.bob}>\t"Bob"@en\t',
    ]
    tricky = QueryResult("select", vars=["v", "b"], rows=[(Literal('a\tb\n"c"\\'), BNode("x1"))])
    assert written(tricky, "tsv").splitlines()[1] == '"a\\tb\\n\\"c\\"\\\\"\t_:x1'


def test_json_follows_the_spec(people: QueryResult) -> None:
    document = json.loads(written(people, "json"))
    assert document == {
        "head": {"vars": ["person", "name", "age"]},
        "results": {
            "bindings": [
                {
                    "person": {"type": "uri", "value": str(EX.alice)},
                    "name": {"type": "literal", "value": "Alice"},
                    "age": {"type": "literal", "value": "34", "datatype": str(XSD.integer)},
                },
                {
                    "person": {"type": "uri", "value": str(EX.bob)},
                    "name": {"type": "literal", "value": "Bob", "xml:lang": "en"},
                },
            ]
        },
    }
    parsed = Result.parse(io.BytesIO(written(people, "json").encode()), format="json")
    assert [tuple(row) for row in parsed] == people.rows
    blank = json.loads(written(QueryResult("select", vars=["b"], rows=[(BNode("n1"),)]), "json"))
    assert blank["results"]["bindings"] == [{"b": {"type": "bnode", "value": "n1"}}]


def test_xml_follows_the_spec(people: QueryResult) -> None:
    text = written(people, "xml")
    root = ET.fromstring(text.encode())
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert [v.get("name") for v in root.iter(f"{ns}variable")] == ["person", "name", "age"]
    parsed = Result.parse(io.BytesIO(text.encode()), format="xml")
    assert [tuple(row) for row in parsed] == people.rows


def test_ask_formats() -> None:
    yes = QueryResult("ask", boolean=True)
    assert json.loads(written(yes, "json")) == {"head": {}, "boolean": True}
    assert written(yes, "table") == "true\n"
    assert "<boolean>true</boolean>" in written(yes, "xml")
    assert written(QueryResult("ask", boolean=False), "csv").strip() == "false"


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_construct_results_are_rdf(store: Store) -> None:
    result = run_query(store, PREFIX + "CONSTRUCT { ?a ex:knows ?b } WHERE { ?a ex:knows ?b }")
    expected = Graph()
    expected.add((EX.alice, EX.knows, EX.bob))
    expected.add((EX.bob, EX.knows, EX.alice))
    for fmt, parser in [("table", "turtle"), ("turtle", "turtle"), ("nt", "nt"), ("json", "json-ld"), ("xml", "xml")]:
        assert isomorphic(Graph().parse(data=written(result, fmt), format=parser), expected), fmt
    with pytest.raises(UsageError, match="RDF, not a table"):
        written(result, "csv")


def test_unknown_format(people: QueryResult) -> None:
    with pytest.raises(UsageError, match="table, csv, tsv, json, xml"):
        written(people, "yaml")


# --- the bundled queries agree with rdflib's own initBindings -------------------------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_bound_bundled_queries_agree_with_rdflib_init_bindings() -> None:
    """VALUES binding on the store gives the rows rdflib gives with initBindings on the same data."""
    mapping = pytest.importorskip("test_rdf_mapping")
    from rdflib.plugins.sparql import prepareQuery

    from kg.rdf import facts_to_graph

    facts = mapping.sample_facts()
    dataset = mapping.sample_dataset((facts.article, facts_to_graph(facts)))

    numeric = {str(XSD.integer), str(XSD.decimal), str(XSD.double), str(XSD.float)}

    def as_text(term) -> str:
        # the store keeps numbers in canonical form ("40.0"^^xsd:decimal comes back as "40")
        if isinstance(term, Literal) and str(term.datatype) in numeric:
            return repr(float(term.toPython()))
        return "" if term is None else str(term)

    def strings(rows) -> list[tuple]:
        return sorted(tuple(as_text(term) for term in row) for row in rows)

    compared = 0
    with Store.open(None) as memory:
        for graph in dataset.graphs():
            if graph.identifier != dataset.default_graph.identifier and len(graph):
                memory.replace_graph(graph.identifier, graph)
        for name, path in named_queries().items():
            text = path.read_text(encoding="utf-8")
            query = QueryText(name, text, str(path))
            unbound = run_query(memory, query)
            assert strings(unbound.rows) == strings(dataset.query(prepareQuery(text))), name
            for parameter in re.findall(r"^#\s+\?(\w+)", text, flags=re.MULTILINE):
                if parameter not in unbound.vars:
                    continue
                column = unbound.vars.index(parameter)
                # rdflib's initBindings does not restrict a variable a sub-select makes with BIND
                # (actors: ?actor); there rdflib runs the text with our VALUES block instead
                made_by_bind = re.search(rf"BIND\s*\([^{{}};]*?\bAS\s+\?{parameter}\s*\)", text) is not None
                for value in sorted({row[column] for row in unbound.rows if row[column] is not None})[:2]:
                    mine = run_query(memory, query, {parameter: value})
                    if made_by_bind:
                        theirs = dataset.query(bind_params(text, {parameter: value}))
                    else:
                        theirs = dataset.query(prepareQuery(text), initBindings={parameter: value})
                    assert strings(mine.rows) == strings(theirs), (name, parameter, value)
                    compared += 1
    assert compared > 5


def test_external_targets_are_read_with_codepoint_escapes_decoded() -> None:
    """``\\u0053ERVICE`` is SERVICE to a SPARQL engine: kg query's offline check must see it too."""
    from kg.link.federation import check_services
    from kg.sparql import external_targets

    hidden = "SELECT * WHERE { \\u0053ERVICE <http://evil.example/sparql> { ?s ?p ?o } }"
    assert [t.iri for t in external_targets(hidden)] == ["http://evil.example/sparql"]
    with pytest.raises(QueryError, match="--endpoint http://evil.example/sparql"):
        check_services(hidden)
    relative = "SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }"
    with pytest.raises(QueryError, match="relative IRI"):
        check_services(relative)
    based = "BASE <http://a.example/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }"
    assert check_services(based, ["http://a.example/sparql"]) == ["http://a.example/sparql"]


def test_a_column_filled_in_an_optional_narrows_instead_of_being_written_into_rows(store: Store) -> None:
    query = PREFIX + "SELECT ?person ?age WHERE { ?person ex:name ?name OPTIONAL { ?person ex:age ?age } } ORDER BY ?person"
    everyone = run_query(store, query).rows
    assert len(everyone) > 1
    assert run_query(store, query, {"age": "34"}).rows == [row for row in everyone if row[1] == Literal(34)]
    assert run_query(store, query, {"age": "99"}).rows == []
    assert "FILTER (sameTerm(?age, " in bind_params(query, {"age": "34"})  # the answer filtered, not a VALUES join


# --- telling a name from a file or a text ----------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "kind"),
    [
        ("-", "stdin"),
        ("members", "name"),
        ("view_types", "name"),
        ("ask", "name"),
        ("select.rq", "file"),
        ("queries/members.rq", "file"),
        ("./select", "file"),
        ("SELECT * { ?s ?p ?o }", "text"),
        ("select*{?s ?p ?o}", "text"),
        ("  \n PREFIX ex: <http://example.org/> ASK { ?s ?p ?o }", "text"),
        ("ASK{?s ?p ?o}", "text"),
        ("DESCRIBE <http://example.org/a>", "text"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text"),
        ("BASE <http://example.org/> SELECT * { ?s ?p ?o }", "text"),
        ("# a comment\nSELECT * { ?s ?p ?o }", "text"),
        ("SELECT x.rq", "text"),
        ("./SELECT x.rq", "file"),
    ],
)
def test_query_kind(argument: str, kind: str) -> None:
    assert query_kind(argument) == kind


def test_load_query_text_and_internal_names() -> None:
    inline = load_query("SELECT ?s WHERE { ?s ?p ?o }")
    assert (inline.name, inline.text, inline.source, inline.named) == ("query", "SELECT ?s WHERE { ?s ?p ?o }",
                                                                        "<command line>", False)
    internal = load_query("view_types")
    assert internal.named and Path(internal.source).parent.parts[-2:] == ("graph", "queries")
    assert internal == internal_query("view_types")
    with pytest.raises(UnknownQuery):
        load_query("view_types", internal=False)
    with pytest.raises(QueryError, match="no internal query 'members'"):
        internal_query("members")


def test_view_queries_are_internal_not_public() -> None:
    public, internal = named_queries(), internal_queries()
    assert public and internal
    assert not any(name.startswith("view_") for name in public)
    assert all(name.startswith("view_") for name in internal)
    assert not set(public) & set(internal)


# --- formats: aliases, JSON lines, headers, width, engine terms --------------------------------


def test_every_results_format_has_a_writer() -> None:
    from kg.formats import RESULT_FORMATS
    from kg.sparql.results import writer_of

    for fmt in RESULT_FORMATS:
        assert callable(writer_of(fmt)), fmt.name


@pytest.mark.parametrize(("alias", "name"), [("text", "table"), ("srj", "json"), ("srx", "xml"), ("ndjson", "jsonl"),
                                             ("application/sparql-results+json", "json")])
def test_format_aliases(people: QueryResult, alias: str, name: str) -> None:
    assert written(people, alias) == written(people, name)


def test_jsonl_is_one_plain_object_per_row() -> None:
    result = QueryResult("select", vars=["s", "n", "x", "d", "b", "t", "blank", "none"], rows=[
        (EX.alice, Literal(34), Literal("1.5", datatype=XSD.decimal), Literal("2012-01-02", datatype=XSD.date),
         Literal(True), Literal("Bob", lang="en"), BNode("b1"), None),
        (EX.bob, Literal("x1", datatype=XSD.integer), Literal("NaN", datatype=XSD.double, normalize=False), None, None,
         Literal('line\n"two"'), None, None),
    ])
    lines = written(result, "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"s": str(EX.alice), "n": 34, "x": 1.5, "d": "2012-01-02", "b": True, "t": "Bob", "blank": "_:b1", "none": None},
        {"s": str(EX.bob), "n": "x1", "x": "NaN", "d": None, "b": None, "t": 'line\n"two"', "blank": None, "none": None},
    ]
    assert list(json.loads(lines[0])) == result.vars  # columns in order
    assert written(QueryResult("ask", boolean=False), "jsonl") == '{"boolean": false}\n'
    assert written(QueryResult("select", vars=["x"], rows=[]), "jsonl") == ""


def headless(result: QueryResult, fmt: str) -> str:
    out = io.StringIO()
    format_result(result, fmt, out, headers=False)
    return out.getvalue()


def test_no_headers(people: QueryResult) -> None:
    assert headless(people, "csv") == written(people, "csv").split("\r\n", 1)[1]
    assert headless(people, "tsv") == written(people, "tsv").split("\n", 1)[1]
    table = written(people, "table").splitlines()
    assert headless(people, "table").splitlines() == table[2:-1]  # no header, rule or row count


def test_table_fits_the_width_and_other_formats_keep_the_text() -> None:
    long = "a rather long literal that cannot fit in a narrow terminal window at all"
    result = QueryResult("select", vars=["id", "text", "iri"], rows=[
        (Literal(1), Literal(long), URIRef("http://example.org/" + "x" * 60)),
        (Literal(2), Literal("short"), EX.b),
    ])
    for width in (40, 60, 80):
        out = io.StringIO()
        format_result(result, "table", out, width=width)
        lines = out.getvalue().splitlines()
        assert all(len(line) <= width for line in lines), (width, lines)
        assert "…" in lines[2] and "short" in lines[3]
        assert lines[2].split()[0] == "1"
    assert long in written(result, "csv") and long in written(result, "json") and long in written(result, "jsonl")
    assert long in written(result, "table")  # no width: whole cells


def test_fit_widths() -> None:
    from kg.sparql.writers import MIN_CELL, fit_widths

    assert fit_widths([5, 10], None) == [5, 10]
    assert fit_widths([5, 10], 17) == [5, 10]
    assert fit_widths([5, 30, 40], 50) == [5, 20, 20]  # 5 + 2 + 20 + 2 + 20 <= 50
    assert fit_widths([30, 30, 30], 10) == [MIN_CELL] * 3  # never narrower than MIN_CELL


def test_writers_take_engine_terms_as_rdflib_terms(people: QueryResult) -> None:
    import pyoxigraph as ox

    from kg.store import to_engine

    engine = QueryResult("select", vars=people.vars,
                         rows=[tuple(None if t is None else to_engine(t) for t in row) for row in people.rows])
    for fmt in ("table", "csv", "tsv", "json", "xml", "jsonl"):
        assert written(engine, fmt) == written(people, fmt), fmt
    with pytest.raises(TypeError, match="not an RDF term"):
        written(QueryResult("select", vars=["x"], rows=[(ox.Triple(to_engine(EX.a), to_engine(EX.b), to_engine(EX.c)),)]),
                "csv")


def test_engine_term_and_param_term_read_a_value_alike() -> None:
    from kg.sparql import engine_term
    from kg.store import to_engine

    for value in ["http://example.org/a", "<urn:x>", '"x"@en', '"3"^^<http://example.org/t>', "2012-01-02", "12",
                  "1.5", "plain", 'x" . } DROP ALL ; #']:
        assert engine_term(value) == to_engine(param_term(value)), value


# --- kg query on the command line -------------------------------------------------------------


def kg(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``kg ARGS`` in this process: (exit code, stdout, stderr)."""
    from kg.cli import main

    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)


def test_cli_inline_query_text(reference_store: Path, capsys, no_columns) -> None:
    text = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT ?c ?label WHERE { ?c skos:prefLabel ?label FILTER(?label = 'Albania') }")
    code, out, err = kg(capsys, "query", text, "--store", reference_store, "-f", "csv")
    assert code == 0, err
    assert out == "c,label\r\nhttps://w3id.org/kgnews/id/country/ALB,Albania\r\n"
    code, out, err = kg(capsys, "query", text.replace("FILTER(?label = 'Albania')", ""), "--store", reference_store,
                        "-p", "label=Albania", "-f", "tsv", "--no-headers")
    assert code == 0, err
    assert out == '<https://w3id.org/kgnews/id/country/ALB>\t"Albania"\n'
    code, out, err = kg(capsys, "query", "ASK { ?s ?p ?o }", "--store", reference_store)
    assert (code, out) == (0, "true\n")
    code, _out, err = kg(capsys, "query", "SELECT ?s WHERE { ?s ?p }", "--store", reference_store)
    assert code == 1 and err.startswith("kg query: query: syntax error") and err.count("\n") == 1


@pytest.mark.parametrize(("name", "check"), [
    ("m.csv", lambda text: text.startswith("agreement,agreementLabel,member,memberLabel,iso3\r\n")),
    ("m.tsv", lambda text: text.startswith("?agreement\t?agreementLabel")),
    ("m.srj", lambda text: json.loads(text)["head"]["vars"][0] == "agreement"),
    ("m.json", lambda text: len(json.loads(text)["results"]["bindings"]) == 22),
    ("m.srx", lambda text: ET.fromstring(text.encode()).tag.endswith("sparql")),
    ("m.jsonl", lambda text: len(text.splitlines()) == 22 and json.loads(text.splitlines()[0])["iso3"] == "ALB"),
    ("m.txt", lambda text: text.endswith("(22 rows)\n")),
])
def test_cli_output_file_format_from_its_extension(reference_store: Path, tmp_path: Path, capsys, name: str,
                                                   check) -> None:
    target = tmp_path / name
    code, out, err = kg(capsys, "query", "members", "--store", reference_store, "-o", target)
    assert code == 0, err
    assert out == "" and err.startswith(f"wrote {target} (") and "22 rows" in err
    assert check(target.read_bytes().decode("utf-8"))


def test_cli_output_file_of_a_graph_answer_and_bad_extensions(reference_store: Path, tmp_path: Path, capsys) -> None:
    construct = "CONSTRUCT { ?c <http://example.org/named> ?l } WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"
    target = tmp_path / "labels.nt"
    code, _out, err = kg(capsys, "query", construct, "--store", reference_store, "-o", target)
    assert code == 0, err
    assert len(Graph().parse(target, format="nt")) > 20
    for bad, message in [("members.yaml", "cannot guess the format of"), ("members.ttl", "a SELECT or ASK answer is rows")]:
        code, out, err = kg(capsys, "query", "members", "--store", reference_store, "-o", tmp_path / bad)
        assert code == 2 and out == "" and message in err and err.count("\n") == 1, err
        assert not (tmp_path / bad).exists()
    code, _out, err = kg(capsys, "query", construct, "--store", reference_store, "-o", tmp_path / "x.csv")
    assert code == 2 and "cannot guess the RDF format" in err
    assert not (tmp_path / "x.csv").exists()
    code, _out, err = kg(capsys, "query", "members", "--store", reference_store, "-o", tmp_path, "-f", "csv")
    assert code == 2 and "is a directory" in err
    code, _out, err = kg(capsys, "query", "SELECT * WHERE { ?s }", "--store", reference_store, "-f", "yaml")
    assert code == 2 and "unknown format 'yaml'; use one of: table, csv" in err  # refused before the query runs


def test_cli_output_dash_is_stdout_and_format_wins_over_extension(reference_store: Path, tmp_path: Path,
                                                                  capsys, no_columns) -> None:
    code, out, err = kg(capsys, "query", "agreements", "--store", reference_store, "-o", "-", "-f", "jsonl")
    assert code == 0, err
    assert json.loads(out)["label"] == "global alliance"
    target = tmp_path / "a.txt"
    code, _out, err = kg(capsys, "query", "agreements", "--store", reference_store, "-o", target, "-f", "csv")
    assert code == 0, err
    assert target.read_bytes().decode("utf-8").startswith("agreement,label,date,place,article\r\n")


def test_cli_jsonl_and_aliases(reference_store: Path, capsys, no_columns) -> None:
    code, out, err = kg(capsys, "query", "figures", "--store", reference_store, "--format", "jsonl")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3 and all(set(row) == {"text", "value", "unit", "measures", "article"} for row in rows)
    assert sorted(row["value"] for row in rows) == [10, 50000, 1000000]
    for alias, name in [("text", "table"), ("srj", "json"), ("srx", "xml")]:
        assert kg(capsys, "query", "members", "--store", reference_store, "-f", alias)[1] == \
            kg(capsys, "query", "members", "--store", reference_store, "-f", name)[1], alias


def test_cli_no_headers(reference_store: Path, capsys, no_columns) -> None:
    for fmt, header in [("csv", "agreement,"), ("tsv", "?agreement"), ("table", "agreement ")]:
        code, out, err = kg(capsys, "query", "members", "--store", reference_store, "-f", fmt, "--no-headers")
        assert code == 0, err
        assert len(out.splitlines()) == 22 and not out.startswith(header) and "rows)" not in out, fmt
    for fmt in ("json", "xml", "jsonl"):
        code, out, err = kg(capsys, "query", "members", "--store", reference_store, "-f", fmt, "--no-headers")
        assert (code, out) == (2, "") and "--no-headers applies to table, csv and tsv" in err, fmt


def test_cli_table_fits_the_terminal(reference_store: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "72")
    code, out, err = kg(capsys, "query", "officials", "--store", reference_store)
    assert code == 0, err
    lines = out.splitlines()
    assert all(len(line) <= 72 for line in lines) and "…" in out
    assert lines[-1] == "(2 rows)"
    monkeypatch.delenv("COLUMNS")
    code, out, err = kg(capsys, "query", "officials", "--store", reference_store)  # not a terminal: whole cells
    assert "https://w3id.org/kgnews/id/person/cecilia-malmstroem" in out and "…" not in out
    monkeypatch.setenv("COLUMNS", "72")
    code, out, err = kg(capsys, "query", "officials", "--store", reference_store, "-f", "csv")
    assert "https://w3id.org/kgnews/id/person/cecilia-malmstroem" in out and "…" not in out


def test_cli_unknown_query_name_is_a_usage_error(reference_store: Path, capsys) -> None:
    code, out, err = kg(capsys, "query", "memebrs", "--store", reference_store)
    assert (code, out) == (2, "")
    assert err.startswith("kg query: unknown query 'memebrs'; did you mean members?") and err.count("\n") == 1
    code, out, err = kg(capsys, "query", "zzzz", "--store", reference_store)
    assert code == 2 and "did you mean" not in err and "named queries: actors, agreements" in err


def test_cli_list_shows_the_public_queries_only(capsys) -> None:
    code, out, err = kg(capsys, "query", "--list")
    assert code == 0, err
    listed = [line.split()[0] for line in out.splitlines()]
    bundled = Path(__file__).resolve().parent.parent / "queries"
    assert listed == sorted(named_queries()) == sorted(p.stem for p in bundled.glob("*.rq"))
    assert not any(name.startswith("view_") for name in listed)


def test_cli_internal_queries_still_run_by_name(reference_store: Path, capsys) -> None:
    code, out, err = kg(capsys, "query", "view_memberships", "--store", reference_store, "-f", "csv")
    assert code == 0, err
    assert len(out.splitlines()) > 20


def modules_loaded_by_kg(*args: str) -> set[str]:
    """The modules a fresh ``kg ARGS`` process has loaded when it finishes."""
    import subprocess
    import sys

    from conftest import kg_env

    script = ("import sys; from kg.cli import main; code = main(sys.argv[1:]); "
              "print(sorted(sys.modules), file=sys.stderr); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=kg_env(),
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(eval(done.stderr.strip().splitlines()[-1]))  # noqa: S307 - our own printout


def test_cli_query_imports_no_nlp_and_no_graph_views(reference_store: Path) -> None:
    """What ``kg query NAME`` loads: none of spaCy, the extractors, networkx, the graph views,
    the HTTP client of remote stores, nor the SPARQL client of kg link; one result writer."""
    loaded = modules_loaded_by_kg("query", "agreements", "--store", str(reference_store), "-f", "csv")
    unwanted = {"spacy", "kg.extraction", "kg.reading", "networkx", "kg.graph", "kg.store.remote", "kg.store.client",
                "kg.link.sources", "kg.link.sparql", "kg.server", "SPARQLWrapper", "kg.writing"}
    assert not {name for name in loaded if name in unwanted or name.split(".")[0] in unwanted}
    assert "kg.sparql.writers" in loaded and "csv" in loaded and "json" not in loaded  # one writer, from the table


def test_cli_query_imports_nothing_its_start_up_does_not_use(reference_store: Path) -> None:
    """``kg query NAME`` starts within 2x of a one-shot pyoxigraph script (``bench/query_bench.py
    --startup``): no logging (rdflib's filter is set with rdflib), no shutil with bz2 and lzma
    (argparse's help width), no other command's module."""
    loaded = modules_loaded_by_kg("query", "agreements", "--store", str(reference_store), "-f", "csv")
    assert not {"logging", "shutil", "bz2", "lzma"} & loaded
    assert {name for name in loaded if name.startswith("kg.cli.")} == {"kg.cli.query", "kg.cli.common"}


def test_cli_query_imports_no_rdflib_and_no_http_stack(reference_store: Path) -> None:
    loaded = modules_loaded_by_kg("query", "agreements", "--store", str(reference_store), "-f", "csv")
    assert not {name for name in loaded if name.split(".")[0] == "rdflib"
                or name in ("urllib.request", "http.client", "xml.sax.saxutils")}


def test_cli_output_file_is_left_alone_when_the_query_fails(reference_store: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "answer.csv"
    target.write_bytes(b"kept\n")
    code, _out, err = kg(capsys, "query", "SELECT ?s WHERE { ?s }", "--store", reference_store, "-o", target)
    assert code == 1 and "syntax error" in err
    assert target.read_bytes() == b"kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["answer.csv"]  # no temporary file left
    code, _out, err = kg(capsys, "query", "members", "--store", reference_store, "-o", target)
    assert code == 0, err
    assert target.read_bytes().startswith(b"agreement,")


def test_cli_without_a_query_is_a_usage_error(reference_store: Path, capsys) -> None:
    code, out, err = kg(capsys, "query", "--store", reference_store)
    assert (code, out) == (2, "")
    assert "give a query: a name (see kg query --list), a .rq file, SPARQL text, or - for stdin" in err


def test_importing_kg_sparql_loads_nothing_else() -> None:
    import subprocess
    import sys

    script = ("import sys; before = set(sys.modules); import kg.sparql; "
              "print(sorted(m for m in set(sys.modules) - before if m.startswith('kg.') or m in ('rdflib', 'pyoxigraph')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "['kg.sparql']"


def test_table_width_counts_terminal_columns() -> None:
    from kg.sparql.writers import display_width

    assert display_width("abc") == 3 and display_width("北京") == 4 and display_width("e\u0301") == 1
    result = QueryResult("select", vars=["name", "note"], rows=[
        (Literal("习近平 (Xi Jinping), 中华人民共和国主席"), Literal("x" * 40)),
        (Literal("Zoë Šimić"), Literal("short")),
    ])
    out = io.StringIO()
    format_result(result, "table", out, width=40)
    lines = out.getvalue().splitlines()
    assert all(display_width(line) <= 40 for line in lines), lines
    assert lines[2].startswith("习近平") and "…" in lines[2]
    column = display_width(lines[0][:lines[0].index("note")])
    assert display_width(lines[2][:lines[2].index("xxx")]) == column == display_width(lines[3][:lines[3].index("short")])
    assert lines[3].startswith("Zoë Šimić")
