"""The ``kg`` command as a user meets it: help, build, named queries, export, validate, errors.

Most tests run ``python -m kg`` in a subprocess (the ``run_kg`` fixture) against the reference
store built once from the bundled article; the bad-input tests call ``kg.cli.main`` in
process, so the extractor is loaded once. Extraction is being improved concurrently, so these
tests check the contract (columns, exit codes, one-line errors, facts the article states
plainly), not today's exact output — ``test_golden.py`` pins that.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

import kg
from kg.cli import main, make_parser
from kg.sparql import named_queries
from kg.rdf import iris
from kg.reading.sources import read_file
from kg.store import LOCK_FILE, Store
from conftest import assert_graph_answer_in_default_graph, run_kg_process
from query_contract import CONTRACT

ARTICLES = Path(__file__).resolve().parent / "articles"
GOOD_ARTICLE = ARTICLES / "arctic_maritime_treaty_2015.txt"
EARLIER_ARTICLE = ARTICLES / "amazon_forest_accord_2021.txt"

QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"

Rows = list[dict[str, str]]


def parse_csv(text: str) -> tuple[list[str], Rows]:
    """Header and rows (dicts by column) of SPARQL CSV output."""
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table, "no CSV header"
    header = table[0]
    return header, [dict(zip(header, row, strict=True)) for row in table[1:]]


def one_line(text: str) -> str:
    """The single non-blank line of ``text`` (fails when there are none or several)."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}: {text!r}"
    return lines[0]


@pytest.fixture(scope="module")
def ask(reference_store: Path, run_kg):
    """``ask(name, *extra)`` → (header, rows) of a query on the reference store, as CSV, cached."""
    cache: dict[tuple[str, ...], tuple[list[str], Rows]] = {}

    def ask(name: str, *extra: str) -> tuple[list[str], Rows]:
        key = (name, *extra)
        if key not in cache:
            code, out, err = run_kg("query", name, "--store", reference_store, "--format", "csv", *extra)
            assert code == 0, err
            assert "Traceback" not in err
            cache[key] = parse_csv(out)
        return cache[key]

    return ask


# --- help, version, usage ---------------------------------------------------------------------

def parser_commands() -> list[str]:
    """Every subcommand the parser advertises, so a new one is covered by the help test."""
    (subparsers,) = [a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(action.dest for action in subparsers._choices_actions)  # without aliases


COMMANDS = parser_commands()


def test_the_documented_commands_exist() -> None:
    assert {"build", "query", "export", "validate"} <= set(COMMANDS)


HELP_LINES = 45
"""The most lines any ``kg COMMAND --help`` may take at 100 columns."""

WIDE = {"COLUMNS": "100"}


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_exits_0_and_prints_usage(run_kg, command: str | None) -> None:
    args = [command] if command else []
    code, out, err = run_kg(*args, "--help", env=WIDE)
    assert code == 0, err
    assert out.startswith("usage: kg" + (f" {command}" if command else ""))
    if command is None:
        for name in COMMANDS:
            assert name in out
        assert "kg help remote" in out
    assert err == ""
    assert len(out.splitlines()) <= HELP_LINES, f"kg {command} --help takes {len(out.splitlines())} lines"
    assert "--store-token-file" not in out, "the remote-store options are explained once, in kg help remote"


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "help"])
def test_every_command_has_a_description(command: str) -> None:
    (subparsers,) = [a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert subparsers.choices[command].description, f"kg {command} --help says nothing about what it does"


def test_kg_help_remote_explains_the_remote_store_options_once(run_kg) -> None:
    code, out, err = run_kg("help", "remote")
    assert code == 0 and err == "", err
    for option in ("--update-endpoint", "--gsp-endpoint", "--store-user", "--store-password-file",
                   "--ask-store-password", "--store-token-file", "--store-auth", "--store-union", "--store-timeout",
                   "--store-batch"):
        assert out.count(option + " ") + out.count(option + "\n") >= 1, option
    assert "KG_STORE_PASSWORD" in out
    code, out, err = run_kg("help", "validate")
    assert code == 0 and out.startswith("usage: kg validate")
    code, out, err = run_kg("help", "nosuchtopic")
    assert code == 2 and "nosuchtopic" in one_line(err) and "remote" in err


def test_the_command_table_matches_the_command_modules() -> None:
    """``kg --help`` lists each command from kg.cli.COMMANDS without importing its module:
    every module is in the table, and the summary shown is the one the module registers."""
    import pkgutil

    import kg.cli as cli

    modules = {m.name for m in pkgutil.iter_modules(cli.__path__) if not m.name.startswith("_")} - {"common"}
    assert modules == set(cli.command_modules())
    (subparsers,) = [a for a in make_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    registered = {action.dest: action.help for action in subparsers._choices_actions}
    for name, command in cli.COMMANDS.items():
        assert registered[name] == command.summary, name
        for alias in command.aliases:
            assert subparsers.choices[alias] is subparsers.choices[name]


IMPORTS = ("import sys\nfrom kg.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
           "print('MODULES', ' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
           "('kg', 'rdflib', 'pyoxigraph', 'networkx', 'pyshacl', 'pyshacl_turbo', 'logging', 'shutil'))))")
"""Prints the modules of kg, of the heavy libraries, and logging and shutil (which kg's start-up
does not need: argparse's help would load shutil for its width, bz2 and lzma with it)."""


def modules_imported_by(*argv: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", IMPORTS.format(argv=list(argv))], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("MODULES")]
    return set(line.split()[1:])


def test_kg_help_imports_no_command_module() -> None:
    assert modules_imported_by("--help") == {"kg", "kg.cli", "kg.errors"}  # nor logging, nor shutil
    assert modules_imported_by("query", "--help") == {"kg", "kg.cli", "kg.cli.query", "kg.cli.common", "kg.errors"}
    # a command's help imports that command's module only
    loaded = modules_imported_by("validate", "--help")
    assert "kg.cli.validate" in loaded
    assert not {"kg.cli.build", "kg.cli.query", "kg.cli.serve", "kg.cli.export", "rdflib", "pyshacl"} & loaded


def test_a_command_line_that_runs_one_command_builds_that_commands_parser_only(monkeypatch, capsys) -> None:
    """``kg query …`` (or ``kg --debug query …``) never shows kg's own help, so the other
    commands are not even listed; anything else before the command gets the whole parser."""
    import kg.cli as cli

    made: list[argparse.ArgumentParser] = []
    real = cli.make_parser

    def spy(*args, **kwargs) -> argparse.ArgumentParser:
        made.append(real(*args, **kwargs))
        return made[-1]

    def commands_of(parser: argparse.ArgumentParser) -> set[str]:
        (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return set(subparsers.choices)

    monkeypatch.setattr(cli, "make_parser", spy)
    for argv in (["query", "--list"], ["--debug", "query", "--list"]):
        assert main(argv) == 0
        assert commands_of(made[-1]) == {"query"}, argv
    everything = set(cli._BY_NAME) | {"help"}
    assert main(["help", "query"]) == 0
    assert commands_of(made[-2]) == everything  # kg's parser; then kg help makes the parser of query
    assert main(["--deb", "query", "--list"]) == 0  # an abbreviation: taken as --debug, by kg's whole parser
    assert commands_of(made[-1]) == everything
    for argv in (["--help", "query"], ["--version", "query"], ["--bogus", "query"]):
        with pytest.raises(SystemExit):
            main(argv)
        assert commands_of(made[-1]) == everything, argv
    assert "serve" in capsys.readouterr().out  # kg --help query: kg's help, every command listed


def test_an_unknown_option_of_a_command_prints_that_commands_usage(run_kg) -> None:
    code, out, err = run_kg("validate", "--no-such-option")
    assert code == 2 and out == ""
    assert err.startswith("usage: kg validate") and "unrecognized arguments: --no-such-option" in err
    code, out, err = run_kg("link", "refresh-snapshot", "--no-such-option")
    assert code == 2 and err.startswith("usage: kg link refresh-snapshot"), err
    code, out, err = run_kg("--no-such-option", "validate")
    assert code == 2 and err.startswith("usage: kg [-h]"), err


def test_debug_works_before_and_after_the_command(monkeypatch, capsys) -> None:
    import kg.cli.validate as validate

    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(validate, "run", broken)
    assert main(["validate"]) == 1
    assert "internal error: RuntimeError: a bug (run with --debug" in one_line(capsys.readouterr().err)
    for argv in (["--debug", "validate"], ["validate", "--debug"]):
        with pytest.raises(RuntimeError, match="a bug"):
            main(argv)
    args, extra = make_parser(["build"]).parse_known_args(["build", "a.txt", "--debug"])
    assert args.debug and args.sources == ["a.txt"] and extra == []
    args, _ = make_parser(["link"]).parse_known_args(["link", "refresh-snapshot", "--debug"])
    assert args.debug and args.link_action == "refresh-snapshot"


def test_kg_analyze_is_kg_analyse(reference_store: Path, run_kg) -> None:
    code, british, err = run_kg("analyze", "--store", reference_store, "--top", "3")
    assert code == 0, err
    code, out, err = run_kg("analyse", "--store", reference_store, "--top", "3")
    assert code == 0 and out == british


def test_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "kg"
    if not script.exists():
        pytest.skip("the kg console script is not installed next to this interpreter")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: kg")


def test_version(run_kg) -> None:
    code, out, err = run_kg("--version")
    assert code == 0, err
    assert out.strip() == f"kg {kg.__version__}"


def test_no_command_is_a_usage_error(run_kg) -> None:
    code, out, err = run_kg()
    assert code == 2
    assert out == ""
    assert "usage: kg" in err


# --- build -------------------------------------------------------------------------------------


def test_build_without_sources_builds_the_bundled_article_into_kg_store(tmp_path: Path, run_kg) -> None:
    code, out, err = run_kg("build", cwd=tmp_path)
    assert code == 0, err
    assert "Traceback" not in err
    assert (tmp_path / "kg-store").is_dir()
    assert not (tmp_path / "kg-store" / LOCK_FILE).exists()
    assert "global alliance" in out
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (actors|officials|members|quotes)\b", out)}
    assert set(counts) == {"actors", "officials", "members", "quotes"}, out
    assert counts["members"] >= 21 and counts["quotes"] >= 1, out
    # The default store is where query looks too.
    code, out, err = run_kg("query", "members", "--format", "csv", cwd=tmp_path)
    assert code == 0, err
    assert "USA" in out


def test_kg_store_environment_variable_is_honoured(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KG_STORE", str(tmp_path / "env-store"))
    assert main(["build", "--quiet"]) == 0
    assert (tmp_path / "env-store").is_dir()
    assert not (tmp_path / "kg-store").exists()
    capsys.readouterr()
    assert main(["query", "members", "--format", "csv"]) == 0
    assert "USA" in capsys.readouterr().out
    # --store wins over KG_STORE.
    assert main(["query", "members", "--store", str(tmp_path / "elsewhere")]) == 1
    assert "no store at" in capsys.readouterr().err


def test_rebuilding_an_unchanged_article_is_skipped(reference_store: Path, copy_store, capsys) -> None:
    store = copy_store(reference_store)
    with Store.open(store, read_only=True) as s:
        before = set(s.quads())
    assert main(["build", "--store", str(store)]) == 0
    captured = capsys.readouterr()
    assert "unchanged" in captured.err
    with Store.open(store, read_only=True) as s:
        assert set(s.quads()) == before


# --- named queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_named_query_columns_match_the_contract(ask, name: str) -> None:
    header, rows = ask(name)
    assert header == CONTRACT[name]
    assert rows, f"{name} returned no rows for the reference article"


def test_members(ask) -> None:
    header, rows = ask("members")
    assert header == ["agreement", "agreementLabel", "member", "memberLabel", "iso3"]
    iso3 = {row["iso3"] for row in rows if row["iso3"]}
    assert {"USA", "ALB", "VNM", "KOR", "PHL", "SRB"} <= iso3
    assert "NER" not in iso3, "Niger is not in the article (it says Nigeria)"
    assert len(iso3) >= 21
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in iso3)
    eu = [row for row in rows if row["memberLabel"] == "European Union"]
    assert len(eu) == 1 and eu[0]["iso3"] == ""
    assert all(row["agreement"] and row["member"] for row in rows)


def test_officials(ask) -> None:
    _, rows = ask("officials")
    holder = [row for row in rows if "Holder" in row["name"]]
    assert any(
        "attorney general" in row["role"].lower() and row["affiliationLabel"] == "United States" for row in holder
    ), holder
    malmstroem = [row for row in rows if "Malmstroem" in row["name"]]
    assert any(row["affiliationLabel"] == "European Union" for row in malmstroem), malmstroem


def test_quotes(ask, reference_article) -> None:
    _, rows = ask("quotes")
    assert len(rows) == 5, rows

    def surname(name: str) -> str:
        return next((known for known in ("Malmstroem", "Holder") if known in name), name)

    assert Counter(surname(row["speakerName"]) for row in rows) == {"Malmstroem": 4, "Holder": 1}, rows
    for row in rows:
        text = row["text"]
        assert "](#)" not in text
        assert text and text[0] not in QUOTE_MARKS and text[-1] not in QUOTE_MARKS, text
        assert text in reference_article.text


def test_agreements(ask) -> None:
    _, rows = ask("agreements")
    assert any(row["date"] == "2012-12-05" and row["place"] == "Brussels" for row in rows), rows


def test_commitments(ask) -> None:
    _, rows = ask("commitments")
    _, agreements = ask("agreements")
    assert rows and all(row["text"].strip() for row in rows)
    assert {row["agreement"] for row in rows} <= {row["agreement"] for row in agreements}


def test_figures(ask) -> None:
    _, rows = ask("figures")
    assert any(row["text"] == "50,000" and Decimal(row["value"]) == 50000 for row in rows), rows
    assert any(
        "10 percent" in row["text"] and Decimal(row["value"]) == 10 and row["unit"] == "percent" for row in rows
    ), rows


def test_events(ask) -> None:
    _, rows = ask("events")
    assert any(row["type"] == "press conference" for row in rows), rows


def test_evidence_sentences_come_from_the_article(ask, reference_article) -> None:
    _, rows = ask("evidence")
    article = str(iris.article_iri(reference_article))
    assert rows
    for row in rows:
        assert row["sentence"] in reference_article.text, row
        assert row["article"] == article


def test_json_is_sparql_results_json(reference_store: Path, run_kg, ask) -> None:
    code, out, err = run_kg("query", "members", "--store", reference_store, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["head"]["vars"] == CONTRACT["members"]
    bindings = document["results"]["bindings"]
    assert len(bindings) == len(ask("members")[1])
    for binding in bindings:
        assert set(binding) <= set(CONTRACT["members"])
        for term in binding.values():
            assert term["type"] in ("uri", "literal", "bnode")
            assert isinstance(term["value"], str)
        assert binding["member"]["type"] == "uri"


def test_tsv_header_names_variables(reference_store: Path, run_kg, ask) -> None:
    code, out, err = run_kg("query", "members", "--store", reference_store, "--format", "tsv")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split("\t") == [f"?{name}" for name in CONTRACT["members"]]
    assert len(lines) - 1 == len(ask("members")[1])
    assert all(line.startswith("<") for line in lines[1:])


def test_table_is_the_default_format(reference_store: Path, run_kg) -> None:
    code, out, err = run_kg("query", "members", "--store", reference_store)
    assert code == 0, err
    assert out.split()[:2] == ["agreement", "agreementLabel"]
    assert re.search(r"^\(\d+ rows?\)$", out, flags=re.MULTILINE)


def test_param_binds_a_member(ask) -> None:
    _, rows = ask("members")
    usa = next(row["member"] for row in rows if row["iso3"] == "USA")
    _, bound = ask("members", "--param", f"member=<{usa}>")
    assert [row["iso3"] for row in bound] == ["USA"]
    _, bare = ask("members", "--param", f"member={usa}")
    assert bare == bound


@pytest.mark.parametrize(
    "value",
    [
        'member=x" } UNION { ?agreement ?p ?member } #',
        "member=<x> } UNION { ?agreement ?p ?member } #",
        'agreement=") } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #',
        "member=?member",
    ],
)
def test_hostile_param_values_match_nothing(reference_store: Path, run_kg, value: str) -> None:
    code, out, err = run_kg("query", "members", "--store", reference_store, "--format", "csv", "--param", value)
    assert code == 0, err
    assert err == ""
    header, rows = parse_csv(out)
    assert header == CONTRACT["members"]
    assert rows == []


def test_query_from_stdin(reference_store: Path, run_kg) -> None:
    code, out, err = run_kg(
        "query", "-", "--store", reference_store, "--format", "csv",
        stdin="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n",
    )  # fmt: skip
    assert code == 0, err
    header, rows = parse_csv(out)
    with Store.open(reference_store, read_only=True) as store:
        assert header == ["n"] and int(rows[0]["n"]) == store.union_size() > 0


def test_unknown_query_names_the_known_ones(reference_store: Path, run_kg) -> None:
    code, out, err = run_kg("query", "nosuchquery", "--store", reference_store)
    assert code == 2  # a usage error
    assert out == ""
    line = one_line(err)
    assert "nosuchquery" in line
    for name in CONTRACT:
        assert name in line


def test_query_list(run_kg) -> None:
    code, out, err = run_kg("query", "--list")
    assert code == 0, err
    listed = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert listed == sorted(named_queries())
    assert set(CONTRACT) <= set(listed)


# --- export and validate ---------------------------------------------------------------------


def test_export_turtle_holds_the_union(reference_store: Path, run_kg, tmp_path: Path) -> None:
    out_file = tmp_path / "out.ttl"
    code, out, err = run_kg("export", "--store", reference_store, "-f", "ttl", "-o", out_file)
    assert code == 0, err
    assert out == ""
    graph = Graph().parse(out_file, format="turtle")
    with Store.open(reference_store, read_only=True) as store:
        assert len(graph) == store.union_size() > 0


@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
def test_export_nquads_keeps_the_graphs(reference_store: Path, run_kg, tmp_path: Path) -> None:
    out_file = tmp_path / "out.nq"
    code, _, err = run_kg("export", "--store", reference_store, "-f", "nq", "-o", out_file)
    assert code == 0, err
    dataset = Dataset()
    dataset.parse(out_file, format="nquads")
    quads = [q for q in dataset.quads((None, None, None, None)) if q[3] is not None]
    with Store.open(reference_store, read_only=True) as store:
        assert len(quads) == len(store)
        assert {str(q[3]) for q in quads} == {str(g) for g in store.graphs()}


def test_export_to_stdout(reference_store: Path, run_kg) -> None:
    code, out, err = run_kg("export", "--store", reference_store, "-f", "nt")
    assert code == 0, err
    graph = Graph().parse(data=out, format="nt")
    with Store.open(reference_store, read_only=True) as store:
        assert len(graph) == store.union_size()


def test_export_unknown_format_is_a_usage_error(reference_store: Path, run_kg, tmp_path: Path) -> None:
    code, out, err = run_kg("export", "--store", reference_store, "-f", "nosuchformat", "-o", tmp_path / "x.ttl")
    assert code == 2
    assert "nosuchformat" in one_line(err)
    assert not (tmp_path / "x.ttl").exists()


def test_export_into_a_missing_directory_fails_in_one_line(reference_store: Path, run_kg, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.ttl"
    code, out, err = run_kg("export", "--store", reference_store, "-o", target)
    assert code == 1
    assert "out.ttl" in one_line(err)
    assert "Traceback" not in err
    assert not target.parent.exists()


def test_validate_conforms(reference_store: Path, run_kg) -> None:
    code, out, err = run_kg("validate", "--store", reference_store)
    assert code == 0, out + err
    assert "conforms" in out and "NOT" not in out


# Both SHACL engines give the same verdict: on the linked reference store, and after each of
# these breakages, one per kind of constraint the shapes use (the link shapes' too).
PREFIXES = """PREFIX kgo: <https://w3id.org/kgnews/ontology#> PREFIX schema: <https://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
ALB = "<https://w3id.org/kgnews/id/country/ALB>"
FIRST_SENTENCE = "{ SELECT ?s ?b WHERE { ?s a kgo:Sentence ; nif:beginIndex ?b } ORDER BY ?s LIMIT 1 }"
BREAKAGES = {  # constraint → SPARQL Update that breaks it
    "minCount": f"DELETE WHERE {{ {ALB} kgo:iso3 ?x }}",
    "maxCount": f"INSERT DATA {{ {ALB} kgo:iso3 'ALX' }}",
    "pattern": f"DELETE {{ {ALB} kgo:iso3 ?x }} INSERT {{ {ALB} kgo:iso3 'alb' }} WHERE {{ {ALB} kgo:iso3 ?x }}",
    "datatype": "DELETE { ?a dcterms:date ?d } INSERT { ?a dcterms:date '5 December 2012' } "
                "WHERE { ?a a schema:NewsArticle ; dcterms:date ?d }",
    "ill-typed": "DELETE { ?a dcterms:date ?d } INSERT { ?a dcterms:date '5 December 2012'^^xsd:date } "
                 "WHERE { ?a a schema:NewsArticle ; dcterms:date ?d }",
    "minInclusive": f"DELETE {{ ?s nif:beginIndex ?b }} INSERT {{ ?s nif:beginIndex -1 }} WHERE {{ {FIRST_SENTENCE} }}",
    "lessThanOrEquals": f"DELETE {{ ?s nif:beginIndex ?b }} INSERT {{ ?s nif:beginIndex 100000 }} "
                        f"WHERE {{ {FIRST_SENTENCE} }}",
    "nodeKind": "INSERT { ?a dcterms:publisher 'AFP' } WHERE { ?a a schema:NewsArticle }",
    "class": f"INSERT {{ ?s dcterms:isPartOf <https://example.org/not-an-article> }} WHERE {{ {FIRST_SENTENCE} }}",
    "or": "INSERT { ?m prov:wasDerivedFrom <https://example.org/nothing> } WHERE "
          "{ { SELECT ?m WHERE { ?m a org:Membership ; prov:wasDerivedFrom ?x } ORDER BY ?m LIMIT 1 } }",
    "qualifiedMaxCount": f"INSERT DATA {{ {ALB} owl:sameAs <http://www.wikidata.org/entity/Q1> }}",
    "not": f"INSERT DATA {{ {ALB} owl:sameAs <https://sws.geonames.org/x/> }}",
    "hasValue": "DELETE { ?m kgo:inferred ?v } INSERT { ?m kgo:inferred false } WHERE "
                "{ { SELECT ?m ?v WHERE { ?m kgo:viaGroup ?g ; kgo:inferred ?v } ORDER BY ?m LIMIT 1 } }",
    "in": "INSERT DATA { <https://w3id.org/kgnews/id/check/x> a kgo:RoleCheck ; kgo:verdict 'maybe' }",
    "targetSubjectsOf": f"INSERT DATA {{ {ALB} skos:altLabel 5 ; kgo:mentionedIn <https://example.org/x> }}",
}


@pytest.fixture(scope="module")
def linked_union(reference_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Graph:
    """The union of the reference store after kg link, as an rdflib graph."""
    store = tmp_path_factory.mktemp("linked") / "store"
    import shutil

    shutil.copytree(reference_store, store)
    assert main(["link", "--quiet", "--store", str(store)]) == 0
    with Store.open(store, read_only=True) as s:
        graph = Graph()
        for triple in s.triples():
            graph.add(triple)
    return graph


def same_verdict(graph: Graph) -> bool:
    """Validate ``graph`` with both engines; check they agree; return the verdict."""
    from kg.validate import validate_graph

    turbo, reference = validate_graph(graph, engine="turbo"), validate_graph(graph, engine="pyshacl")
    assert turbo.conforms == reference.conforms
    assert Counter((r.focus, r.path) for r in turbo.results) == Counter((r.focus, r.path) for r in reference.results)
    return turbo.conforms


def test_both_engines_find_the_linked_reference_store_valid(linked_union: Graph) -> None:
    assert same_verdict(linked_union)


@pytest.mark.parametrize("constraint", sorted(BREAKAGES))
def test_both_engines_find_the_same_violations(linked_union: Graph, constraint: str) -> None:
    graph = Graph()
    for triple in linked_union:
        graph.add(triple)
    before = len(graph)
    graph.update(PREFIXES + BREAKAGES[constraint])
    assert len(graph) != before or constraint in ("pattern", "datatype", "ill-typed", "minInclusive",
                                                  "lessThanOrEquals", "hasValue"), "the update changed nothing"
    assert not same_verdict(graph), constraint


def test_kg_validate_on_a_broken_store_says_so_with_either_engine(reference_store: Path, copy_store, run_kg) -> None:
    store = copy_store(reference_store)
    with Store.open(store) as s:
        s.update(PREFIXES + "INSERT DATA { GRAPH <https://w3id.org/kgnews/id/graph/broken> { "
                 f"{ALB} kgo:iso3 'ALX' ; kgo:iso2 'al' . <https://w3id.org/kgnews/id/x> nif:beginIndex 'abc'^^xsd:integer . "
                 "<https://w3id.org/kgnews/id/x> a kgo:Sentence } }")
    outputs = {}
    for engine in ("turbo", "pyshacl"):
        code, out, err = run_kg("validate", "--store", store, "--engine", engine)
        assert code == 1, out + err
        assert out.startswith(f"{store}: does NOT conform") and "Traceback" not in err
        assert "ill-typed literal \"abc\"^^<http://www.w3.org/2001/XMLSchema#integer>" in err
        outputs[engine] = Counter(" ".join(line.split()[:2]) for line in out.splitlines()[1:])
    assert outputs["turbo"] == outputs["pyshacl"]
    assert any(line.startswith("https://w3id.org/kgnews/id/country/ALB kgo:iso3") for line in outputs["turbo"])


def on_a_terminal(*argv: str | Path) -> tuple[int, str, str]:
    """Run ``python -m kg ARGV`` with stderr on a pseudo-terminal: (exit code, stdout, what the terminal got)."""
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    done = subprocess.Popen([sys.executable, "-m", "kg", *map(str, argv)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    out = done.stdout.read().decode() if done.stdout else ""
    return done.wait(timeout=120), out, b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("command", [["validate"], ["analyse", "--top", "2"], ["link", "--dry-run"]],
                         ids=lambda c: c[0])
def test_long_commands_draw_progress_on_a_terminal_only_and_not_with_quiet(reference_store: Path, copy_store,
                                                                           command: list[str]) -> None:
    store = copy_store(reference_store)
    code, out, err = on_a_terminal(*command, "--store", store)
    assert code == 0, err
    assert "steps" in err and "\x1b[K" in err and err.endswith("\r\x1b[K"), err  # drawn, then erased
    assert "\x1b" not in out
    code, quiet_out, quiet_err = on_a_terminal(*command, "--store", store, "--quiet")
    assert code == 0 and "\x1b" not in quiet_err and "steps" not in quiet_err, quiet_err
    code, piped_out, piped_err = run_kg_process(*command, "--store", store)  # stderr a pipe: no bar
    assert code == 0 and "\x1b" not in piped_err and "steps" not in piped_err


def test_a_bar_of_steps_names_the_step_and_the_time_spent() -> None:
    from kg.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = [0.0]
    bar = Progress(Terminal(), total=3, unit="steps", counts=False, interval=0, clock=lambda: now[0])
    bar.step("reading the store")
    now[0] = 65.0
    bar.step("checking 1,000 triples against the shapes")
    line = bar.line(200)
    assert "1/3 steps" in line and "checking 1,000 triples" in line and "1:05" in line and "/s" not in line
    bar.close()


# --- bad input, missing and locked stores ------------------------------------------------------

JSONL = (
    '{"text": "Japan and France signed a treaty in Paris on 5 May 2015.", "title": "Good line one"}\n'
    "this line is not JSON\n"
    '{"text": "Germany and Italy joined the alliance.", "title": "Good line three"}\n'
    '{"title": "A record without text"}\n'
)

# name → (file content or None for a missing path, [(line or None, words naming the problem)])
BAD_INPUTS: dict[str, tuple[bytes | None, list[tuple[int | None, tuple[str, ...]]]]] = {
    "empty.txt": (b"", [(None, ("empty",))]),
    "binary.txt": (b"EU and US\x00\x01\x02 launch an alliance" * 10, [(None, ("binary", "nul"))]),
    "latin1.txt": ("Caf\u00e9 talks in Brussels ended on Wednesday.\n".encode("latin-1"), [(None, ("utf-8",))]),
    "collection.jsonl": (JSONL.encode("utf-8"), [(2, ("json",)), (4, ("text",))]),
    "missing.txt": (None, [(None, ("not found",))]),
}


def write_bad_input(directory: Path, name: str) -> Path:
    content = BAD_INPUTS[name][0]
    path = directory / name
    if content is not None:
        path.write_bytes(content)
    return path


def check_error_lines(err: str, path: Path, expected: list[tuple[int | None, tuple[str, ...]]]) -> None:
    """One stderr line per expected problem, naming the file (and line) and the problem."""
    for line_number, words in expected:
        where = f"{path}:{line_number}:" if line_number is not None else f"{path}:"
        lines = [line for line in err.splitlines() if where in line]
        assert len(lines) == 1, f"expected one line naming {where}, got: {err!r}"
        assert any(word in lines[0].lower() for word in words), lines[0]


@pytest.fixture(scope="module")
def earlier_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store that already holds one article before the bad inputs arrive."""
    path = tmp_path_factory.mktemp("earlier") / "store"
    assert main(["build", "--quiet", "--store", str(path), str(EARLIER_ARTICLE)]) == 0
    return path


def graph_of(path: Path) -> str:
    return str(iris.graph_iri(read_file(path)[0]))


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_reported_and_the_rest_still_builds(
    name: str, earlier_store: Path, copy_store, tmp_path: Path, capsys
) -> None:
    store = copy_store(earlier_store)
    earlier = graph_of(EARLIER_ARTICLE)
    with Store.open(store, read_only=True) as s:
        before = {q for q in s.quads() if str(q[3]) == earlier}
    assert before
    bad = write_bad_input(tmp_path, name)
    capsys.readouterr()
    code = main(["build", "--store", str(store), str(bad), str(GOOD_ARTICLE)])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.out + captured.err
    expected = BAD_INPUTS[name][1]
    check_error_lines(captured.err, bad, expected)
    assert len([line for line in captured.err.splitlines() if line.strip()]) == len(expected), captured.err
    with Store.open(store, read_only=True) as s:
        graphs = {str(g) for g in s.graphs()}
        assert graph_of(GOOD_ARTICLE) in graphs
        assert {q for q in s.quads() if str(q[3]) == earlier} == before
        if name.endswith(".jsonl"):  # the good lines of a bad collection are built too
            assert len(graphs) == 4, graphs


def test_all_bad_inputs_in_one_run_without_traceback(earlier_store: Path, copy_store, tmp_path: Path, run_kg) -> None:
    store = copy_store(earlier_store)
    paths = [write_bad_input(tmp_path, name) for name in sorted(BAD_INPUTS)]
    code, out, err = run_kg("build", "--store", store, *paths, GOOD_ARTICLE)
    assert code == 1
    assert "Traceback" not in out + err
    for path in paths:
        check_error_lines(err, path, BAD_INPUTS[path.name][1])
    expected = sum(len(problems) for _, problems in BAD_INPUTS.values())
    assert len([line for line in err.splitlines() if line.strip()]) == expected, err
    assert "Arctic" in out  # the good article's title in the summary
    with Store.open(store, read_only=True) as s:
        assert graph_of(GOOD_ARTICLE) in {str(g) for g in s.graphs()}


def test_query_on_a_missing_store(run_kg, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-store"
    code, out, err = run_kg("query", "members", "--store", missing)
    assert code == 1
    assert "no store at" in one_line(err)
    assert not missing.exists()


def test_a_store_locked_by_a_live_process_is_refused(reference_store: Path, copy_store, run_kg) -> None:
    store = copy_store(reference_store)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        (store / LOCK_FILE).write_text(f"{sleeper.pid}\n", encoding="ascii")
        code, out, err = run_kg("build", "--store", store)
        assert code == 1
        assert f"locked by PID {sleeper.pid}" in one_line(err)
        assert (store / LOCK_FILE).read_text(encoding="ascii").strip() == str(sleeper.pid)
    finally:
        sleeper.kill()
        sleeper.wait()


# --- pipes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["query", "members", "--format", "csv"],
        ["query", "{big}", "--format", "csv"],  # far more than a pipe buffer holds
        ["export", "--format", "nt"],
    ],
    ids=["members", "large-query", "export"],
)
def test_a_closed_pipe_is_not_a_crash(reference_store: Path, tmp_path: Path, args: list[str]) -> None:
    big = tmp_path / "big.rq"
    big.write_text("SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 20000\n", encoding="utf-8")
    errors = tmp_path / "stderr.txt"
    command = [sys.executable, "-m", "kg", *(a.format(big=big) for a in args), "--store", str(reference_store)]
    status = tmp_path / "status.txt"
    shell = (
        f"{{ {shlex.join(command)} 2>{shlex.quote(str(errors))}; echo $? >{shlex.quote(str(status))}; }}"
        " | head -c 10"
    )
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    done = subprocess.run(["sh", "-c", shell], capture_output=True, timeout=120, env=env)
    assert len(done.stdout) == 10
    err = errors.read_text(encoding="utf-8")
    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert "internal error" not in err, err
    # 141 (128 + SIGPIPE) when kg noticed the closed pipe; 0 when all its output fit in the pipe.
    assert status.read_text(encoding="ascii").strip() in ("0", "141")



@pytest.mark.parametrize("fmt,parser", [("nquads", "nquads"), ("nq", "nquads"), ("trig", "trig")])
@pytest.mark.parametrize("query", [
    "CONSTRUCT { ?p <https://schema.org/name> ?name } WHERE { ?p a <https://schema.org/Person> ; <https://schema.org/name> ?name }",
    "DESCRIBE <https://w3id.org/kgnews/id/person/eric-holder>",
])  # fmt: skip
def test_a_graph_answer_in_a_quad_format_is_its_triples_in_the_default_graph(
        reference_store: Path, run_kg, fmt: str, parser: str, query: str) -> None:
    code, out, err = run_kg("query", "-", "--store", reference_store, "-f", fmt, stdin=query)
    assert code == 0 and err == "", err
    assert_graph_answer_in_default_graph(out, parser, reference_store, query)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 20_000 + " ?s ?p ?o " + "}" * 20_000,
    "SELECT * WHERE { ?s ?p ?o FILTER (" + "(" * 5_000 + "?o" + ")" * 5_000 + ") }",
    "SELECT * WHERE \\u007B" * 1 + "{" * 300 + " ?s ?p ?o " + "}" * 301,  # an escaped brace counts too
], ids=["braces", "parentheses", "escaped"])
def test_deeply_nested_sparql_is_refused_in_one_line_before_the_engine(reference_store: Path, run_kg,
                                                                       query: str) -> None:
    code, out, err = run_kg("query", "-", "--store", reference_store, stdin=query)
    assert code == 1, f"exit {code} (139 is the engine crashing)"
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "brackets nest more than 256 deep" in err


def test_nesting_up_to_the_limit_and_brackets_in_strings_are_fine(reference_store: Path, run_kg) -> None:
    deep = "SELECT (" + "(" * 250 + "1" + ")" * 250 + " AS ?x) WHERE { }"
    code, out, err = run_kg("query", "-", "--store", reference_store, "-f", "csv", stdin=deep)
    assert code == 0 and out.splitlines() == ["x", "1"], err
    stringy = 'SELECT ?x WHERE { BIND ("' + "{(" * 1000 + '" AS ?x) }  # ' + "{" * 1000
    code, out, err = run_kg("query", "-", "--store", reference_store, "-f", "csv", stdin=stringy)
    assert code == 0, err


def test_a_corrupted_store_is_one_line_for_build_as_for_query(reference_store: Path, tmp_path: Path, run_kg) -> None:
    import shutil

    store = tmp_path / "store"
    shutil.copytree(reference_store, store)
    for manifest in store.glob("MANIFEST-*"):
        manifest.write_bytes(b"garbage")
    for command in (["build", "-q"], ["query", "members"]):
        code, out, err = run_kg(*command, "--store", store)
        assert code == 1 and out == "", (command, err)
        assert err.count("\n") == 1 and "internal error" not in err and "Traceback" not in err, err
        assert f"cannot open store {store}" in err, err
