"""kg.graph.analysis and kg.graph.paths, and the ``kg analyse`` / ``kg path`` commands."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from test_graph_views import ALLIANCE, EU, HOLDER, KGR, USA, view

import kg.graph.analysis as analysis_module
from kg.cli import main
from kg.graph.analysis import (
    AnalysisError,
    analyse,
    analysis_graph_iri,
    score_triples,
    simple_graph,
    write_analysis,
)
from kg.graph.paths import NoPathError, shortest_chains
from kg.graph.views import ACTOR_KINDS
from kg.store import Store

MALMSTROEM = KGR + "person/cecilia-malmstroem"
INTERPOL = KGR + "organisation/interpol"
ALBANIA = KGR + "country/ALB"


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def actors(reference_store: Path) -> nx.MultiDiGraph:
    return view(reference_store)


# --- analysis --------------------------------------------------------------------------------------


def test_most_central_actors_of_the_reference_article(actors: nx.MultiDiGraph) -> None:
    result = analyse(actors)
    assert result.measures == ["degree", "betweenness", "eigenvector", "pagerank"]
    top = result.ranked(by="pagerank", kinds=ACTOR_KINDS, top=4)
    assert top == [MALMSTROEM, HOLDER, EU, USA]
    assert result.ranked(by="pagerank", top=1) == [ALLIANCE]  # the hub of the star
    betweenness = result.scores["betweenness"]
    assert betweenness[ALLIANCE] == max(betweenness.values())
    assert betweenness[KGR + "country/ALB"] == 0.0  # a leaf is on no shortest path
    assert sum(result.scores["pagerank"].values()) == pytest.approx(1.0)


def test_communities_and_components(actors: nx.MultiDiGraph) -> None:
    result = analyse(actors)
    assert [len(c) for c in result.components] == [33, 1]
    assert result.components[1] == [INTERPOL]  # mentioned, linked to nothing
    community = result.community_of()
    assert community[HOLDER] == community[MALMSTROEM]  # the officials and what they said
    assert community[ALBANIA] == community[ALLIANCE] != community[HOLDER]  # the members around the alliance
    assert sum(len(c) for c in result.communities) == actors.number_of_nodes()
    assert 0 < result.modularity < 1
    assert any("largest component (33 of 34 nodes)" in note for note in result.notes)


def test_analysis_is_deterministic(actors: nx.MultiDiGraph) -> None:
    first, second = analyse(actors), analyse(actors)
    assert first.communities == second.communities
    assert first.scores == second.scores


def test_large_graphs_estimate_betweenness_and_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = nx.relabel_nodes(nx.les_miserables_graph(), lambda name: f"https://example.org/{name}")
    exact = analyse(graph, measures=["betweenness"], communities="none")
    assert exact.notes == []
    monkeypatch.setattr(analysis_module, "BETWEENNESS_BUDGET", 5_000)
    sampled = analyse(graph, measures=["betweenness"], communities="none")
    assert len(sampled.notes) == 1 and "betweenness estimated from 32 of 77 nodes" in sampled.notes[0]
    assert "--exact" in sampled.notes[0]
    top_exact = exact.ranked(by="betweenness", top=1)
    assert sampled.ranked(by="betweenness", top=1) == top_exact  # Valjean either way
    forced = analyse(graph, measures=["betweenness"], communities="none", exact=True)
    assert forced.notes == [] and forced.scores == exact.scores
    assert "from 10 of 77" in analyse(graph, measures=["betweenness"], communities="none", samples=10).notes[0]


def test_leiden_without_a_backend_is_a_clear_error(actors: nx.MultiDiGraph) -> None:
    with pytest.raises(AnalysisError, match="Leiden communities need a networkx backend.*--communities louvain"):
        analyse(actors, communities="leiden")


def test_empty_and_tiny_graphs() -> None:
    empty = analyse(nx.Graph(view="actors"))
    assert empty.components == [] and empty.communities == [] and empty.scores["pagerank"] == {}
    pair = nx.Graph(view="actors")
    pair.add_edge("https://example.org/a", "https://example.org/b", weight=1)
    result = analyse(pair)
    assert result.scores["eigenvector"]["https://example.org/a"] == pytest.approx(2**-0.5)


def test_simple_graph_adds_parallel_weights(actors: nx.MultiDiGraph) -> None:
    multi = nx.MultiDiGraph()
    multi.add_edge("a", "b", key="x", weight=2)
    multi.add_edge("b", "a", key="y", weight=3)
    multi.add_edge("a", "a", key="z", weight=1)
    simple = simple_graph(multi)
    assert simple["a"]["b"]["weight"] == 5 and not simple.has_edge("a", "a")


def test_table_csv_and_json(actors: nx.MultiDiGraph) -> None:
    result = analyse(actors)
    table = io.StringIO()
    write_analysis(result, "table", table, kinds=ACTOR_KINDS)
    text = table.getvalue()
    assert text.startswith("actors view: 34 nodes, 36 edges, 2 components, 4 communities (louvain")
    assert "1     Cecilia Malmstroem  person" in text
    assert "Communities (louvain):" in text and "Components:" in text
    rows = list(csv.DictReader(io.StringIO(_written(result, "csv"))))
    assert len(rows) == 34 and rows[0]["label"] == "global alliance"
    assert set(rows[0]) == {"node", "label", "kind", "degree", "betweenness", "eigenvector", "pagerank", "community", "component"}
    document = json.loads(_written(result, "json"))
    assert document["nodes"] == 34 and len(document["communities"]["groups"]) == 4
    assert document["components"][1]["members"] == [INTERPOL]


def _written(result, fmt: str) -> str:
    out = io.StringIO()
    write_analysis(result, fmt, out)
    return out.getvalue()


def test_score_triples_use_schema_property_values(actors: nx.MultiDiGraph) -> None:
    result = analyse(actors, measures=["pagerank"])
    triples = score_triples(result)
    measures = {str(o) for _s, p, o in triples if str(p) == "https://schema.org/propertyID"}
    assert measures == {"pagerank", "community", "component"}
    assert sum(1 for _s, p, _o in triples if str(p) == "https://schema.org/additionalProperty") == 34 * 3


# --- kg analyse ------------------------------------------------------------------------------------------


def test_kg_analyse_names_central_actors_and_communities(reference_store: Path, capsys) -> None:
    code, out, err = run(capsys, "analyse", "--store", reference_store)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("actors view: 34 nodes, 36 edges")
    ranked = [re.split(r"\s{2,}", line)[1] for line in lines[5:9]]
    assert ranked == ["Cecilia Malmstroem", "Eric Holder", "European Union", "United States"]
    assert "global alliance, Albania, Australia, Cambodia and 17 more" in out


def test_kg_analyse_csv_of_another_view(reference_store: Path, capsys) -> None:
    code, out, err = run(capsys, "analyse", "--store", reference_store, "--view", "countries", "-f", "csv",
                         "--measures", "degree,pagerank", "--communities", "none")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 21 and set(rows[0]) == {"node", "label", "kind", "degree", "pagerank", "component"}


def test_kg_analyse_write_puts_scores_in_the_store(reference_store: Path, copy_store, capsys) -> None:
    store = copy_store(reference_store)
    code, _out, err = run(capsys, "analyse", "--store", store, "--write", "-f", "json")
    assert code == 0, err
    assert f"to graph <{analysis_graph_iri('actors')}>" in err
    code, out, err = run(capsys, "query", "view_scores", "--store", store, "-p", "measure=pagerank", "-f", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 34
    assert (rows[0]["label"], rows[1]["label"]) == ("global alliance", "Cecilia Malmstroem")
    with Store.open(store, read_only=True) as opened:
        size = len(opened)
    code, _out, err = run(capsys, "analyse", "--store", store, "--write", "-f", "csv")  # replaces, never adds
    with Store.open(store, read_only=True) as opened:
        assert len(opened) == size
    code, out, err = run(capsys, "validate", "--store", store)
    assert code == 0, out + err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--measures", "closeness"], "unknown measure 'closeness'"),
        (["--top", "0"], "--top must be 1 or more"),
        (["--depth", "2"], "--depth needs --around"),
        (["--samples", "5", "--exact"], "contradict"),
        (["--sort", "eigenvector", "--measures", "degree"], "cannot sort by 'eigenvector'"),
    ],
)
def test_kg_analyse_usage_errors(reference_store: Path, capsys, args: list[str], message: str) -> None:
    code, out, err = run(capsys, "analyse", "--store", reference_store, *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_kg_analyse_unknown_node_and_missing_store(reference_store: Path, tmp_path: Path, capsys) -> None:
    code, _out, err = run(capsys, "analyse", "--store", reference_store, "--around", "Atlantis")
    assert code == 1 and err.strip() == "kg analyse: no node named 'Atlantis' in the actors view; did you mean 'Albania'?"
    code, _out, err = run(capsys, "analyse", "--store", tmp_path / "none")
    assert code == 1 and "no store at" in err


# --- paths --------------------------------------------------------------------------------------------


def test_shortest_chain_from_an_official_to_a_country(actors: nx.MultiDiGraph) -> None:
    (chain,) = shortest_chains(actors, HOLDER, ALBANIA)
    assert chain.nodes == [HOLDER, USA, ALLIANCE, ALBANIA]
    relations = [(link.relation, link.forward) for hop in chain.hops for link in hop.links]
    assert relations == [("holds_post_in", True), ("member_of", True), ("member_of", False)]
    assert all(link.sentence and link.articles == 1 for hop in chain.hops for link in hop.links)
    assert "Albania" in chain.hops[-1].links[0].sentence


def test_several_chains_in_a_stable_order(actors: nx.MultiDiGraph) -> None:
    chains = shortest_chains(actors, HOLDER, MALMSTROEM)
    middles = [actors.nodes[c.nodes[1]]["label"] for c in chains]
    assert middles == ["agreement a year ago between Holder and Malmstroem", "press conference"]
    assert shortest_chains(actors, HOLDER, MALMSTROEM, limit=1) == chains[:1]


def test_no_chain_between_components(actors: nx.MultiDiGraph) -> None:
    with pytest.raises(NoPathError, match="no chain links 'Eric Holder' and 'Interpol'"):
        shortest_chains(actors, HOLDER, INTERPOL)


def test_kg_path(reference_store: Path, capsys) -> None:
    code, out, err = run(capsys, "path", "Holder", "Albania", "--store", reference_store)
    assert code == 0, err
    assert out.splitlines()[0] == "Eric Holder → Albania: 1 shortest chain of 3 hops"
    assert "   Eric Holder —holds_post_in→ United States" in out
    assert "   global alliance ←member_of— Albania" in out
    assert "“US Attorney General Eric Holder (L) and EU home affairs commissioner" in out
    code, out, err = run(capsys, "path", HOLDER, "EU", "--store", reference_store, "-f", "json", "--max", "10")
    assert code == 0, err
    chains = json.loads(out)
    assert len(chains) == 4 and all(len(chain["hops"]) == 3 for chain in chains)
    assert {chain["hops"][0]["end_label"] for chain in chains} == {
        "United States", "press conference", "agreement a year ago between Holder and Malmstroem"}


def test_kg_path_failures_are_one_line(reference_store: Path, capsys) -> None:
    code, out, err = run(capsys, "path", "Holder", "Interpol", "--store", reference_store)
    assert code == 1 and out == ""
    assert err.strip() == ("kg path: no chain links 'Eric Holder' and 'Interpol' in the actors view: "
                           "they are in different components")
    code, out, err = run(capsys, "path", "Holder", "Holder", "--store", reference_store)
    assert code == 2 and "two different nodes" in err
    code, out, err = run(capsys, "path", "Holder", "Atlantis", "--store", reference_store)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
