"""The golden graph of the bundled reference article, compared as graphs, not as text.

``tests/golden/global_alliance_2012.ttl`` holds ``facts_to_graph(extract_facts(article))``
for the bundled article (``kg.reading.sources.default_article_path()``), with the
``kgo:sourceFile`` path cut to the file name. When extraction or mapping changes on purpose,
regenerate it from the repository root with

    python tests/regen_golden.py

then review ``git diff tests/golden`` triple by triple before committing it.
Also checked here: the pipeline is deterministic (building twice gives the same graph and
the same store), and IRIs depend on the article's content, not on where its file lives.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from regen_golden import GOLDEN, golden_graph, sorted_turtle

from kg.cli import main
from kg.extraction import extract_facts
from kg.namespaces import KGO
from kg.rdf.mapping import facts_to_graph
from kg.reading.sources import default_article_path, read_file
from kg.store import Store

SHOWN = 20


def describe_difference(expected: Graph, actual: Graph) -> str:
    """A readable summary: how many triples differ, and the first ones only in each side."""
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))

    def first(graph: Graph) -> str:
        lines = sorted(f"  {s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)
        return "\n".join(lines[:SHOWN]) + (f"\n  ... and {len(lines) - SHOWN} more" if len(lines) > SHOWN else "")

    return (
        f"the graph differs from {GOLDEN.name} (if the change is intended, run "
        f"`python tests/regen_golden.py` and review the diff)\n"
        f"only in the golden file ({len(only_expected)}):\n{first(only_expected)}\n"
        f"only in today's graph ({len(only_actual)}):\n{first(only_actual)}"
    )


def test_reference_article_matches_the_golden_graph() -> None:
    expected = Graph().parse(GOLDEN, format="turtle")
    actual = golden_graph()
    assert isomorphic(expected, actual), describe_difference(expected, actual)


def test_golden_file_is_sorted_turtle_as_regenerated() -> None:
    """The file is what the regeneration command writes for its own graph (no hand edits)."""
    expected = Graph().parse(GOLDEN, format="turtle")
    assert not any(isinstance(term, BNode) for triple in expected for term in triple)
    assert GOLDEN.read_text(encoding="utf-8") == sorted_turtle(expected)


def test_extracting_twice_gives_the_same_graph(reference_article) -> None:
    first = facts_to_graph(extract_facts(reference_article))
    second = facts_to_graph(extract_facts(reference_article))
    assert isomorphic(first, second)
    assert set(first) == set(second)  # no blank nodes: even the triples are the same


def test_building_twice_gives_the_same_store(reference_store: Path, copy_store) -> None:
    store = copy_store(reference_store)
    with Store.open(store, read_only=True) as s:
        before = set(s.quads())
    assert main(["build", "--quiet", "--force", "--store", str(store)]) == 0
    with Store.open(store, read_only=True) as s:
        after = set(s.quads())
    assert after == before


def test_a_copy_elsewhere_gives_identical_iris(reference_article, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "renamed.txt"
    copy.parent.mkdir()
    shutil.copyfile(default_article_path(), copy)
    moved = read_file(copy)[0]
    assert moved.text == reference_article.text
    original = facts_to_graph(extract_facts(reference_article))
    relocated = facts_to_graph(extract_facts(moved))

    def iris_of(graph: Graph) -> set[URIRef]:
        return {term for triple in graph for term in triple if isinstance(term, URIRef)}

    assert iris_of(relocated) == iris_of(original)
    # Only the source path differs.
    assert {t for t in original if t[1] != KGO.sourceFile} == {t for t in relocated if t[1] != KGO.sourceFile}
    assert set(relocated.objects(None, KGO.sourceFile)) != set(original.objects(None, KGO.sourceFile))
