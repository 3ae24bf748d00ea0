"""Regenerate the golden graph of the bundled reference article.

    python tests/regen_golden.py

rewrites ``tests/golden/global_alliance_2012.ttl`` (sorted Turtle) from the current extractor
and RDF mapping. Run it after an intended change to extraction or mapping, read the diff
(``git diff tests/golden``) to check that every changed triple is an improvement, and commit
the file with the change. ``tests/test_golden.py`` compares against it as graphs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, Literal

from kg.extraction import extract_facts
from kg.namespaces import KGO
from kg.rdf.mapping import facts_to_graph
from kg.reading.sources import default_article_path, read_file

GOLDEN = Path(__file__).resolve().parent / "golden" / "global_alliance_2012.ttl"


def portable(graph: Graph) -> Graph:
    """``graph`` with each ``kgo:sourceFile`` path cut to the file name, and each
    ``kgo:extractedWith`` cut to the pipeline's name and version.

    The source path is where kg happens to be installed (a checkout, site-packages), and the
    package that provides the pipeline and the spaCy patch release are the machine's; every
    other triple, IRIs included, depends only on the article's content and the model.
    """
    for subject, path in list(graph.subject_objects(KGO.sourceFile)):
        graph.remove((subject, KGO.sourceFile, path))
        graph.add((subject, KGO.sourceFile, Literal(Path(str(path)).name)))
    for subject, label in list(graph.subject_objects(KGO.extractedWith)):
        graph.remove((subject, KGO.extractedWith, label))
        graph.add((subject, KGO.extractedWith, Literal(" ".join(str(label).split()[:2]))))
    return graph


def golden_graph() -> Graph:
    """The graph of the bundled article, as the pipeline makes it today (paths made portable)."""
    article = read_file(default_article_path())[0]
    return portable(facts_to_graph(extract_facts(article)))


def sorted_turtle(graph: Graph) -> str:
    """Turtle with subjects and predicates in a stable order, so diffs show real changes only."""
    return graph.serialize(format="longturtle")


def main() -> int:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    graph = golden_graph()
    GOLDEN.write_text(sorted_turtle(graph), encoding="utf-8")
    print(f"wrote {GOLDEN} ({len(graph)} triples)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
