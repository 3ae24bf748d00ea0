"""kg.writing.GraphWriter: batches, order, the writer thread and its errors, on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg.engine.work import ArticleResult
from kg.errors import StoreError
from kg.store import Store
from kg.writing import GraphWriter

P = URIRef("http://e/p")


def result(graph: str, *values: str) -> ArticleResult:
    triples = [(URIRef(f"{graph}/s{i}"), P, Literal(value)) for i, value in enumerate(values)]
    return ArticleResult("src", graph, None, None, triples=triples)


def content(store: Store, graph: str) -> set[str]:
    return {str(o) for _s, _p, o, _g in store.quads(URIRef(graph))}


@pytest.mark.parametrize("background", [True, False])
def test_versions_of_one_graph_written_in_a_row_leave_the_last(tmp_path: Path, background: bool) -> None:
    committed: list[str] = []
    with Store.open(tmp_path / "store") as store:
        writer = GraphWriter(store, batch_quads=3, on_committed=lambda g: committed.append(str(g)),
                             background=background)  # fmt: skip
        for round_ in range(5):
            for g in ("http://e/a", "http://e/b", "http://e/c"):
                writer.write(result(g, f"{g} v{round_} x", f"{g} v{round_} y"))
        writer.close()
        for g in ("http://e/a", "http://e/b", "http://e/c"):
            assert content(store, g) == {f"{g} v4 x", f"{g} v4 y"}
        assert set(store.triples()) == {t for g in store.graphs() for t in store.graph(g)}, "the union is whole"
    assert sorted(committed) == sorted(["http://e/a", "http://e/b", "http://e/c"] * 5)


def test_a_failed_write_is_raised_in_the_calling_thread_and_stops_the_writer(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store") as store:
        writer = GraphWriter(store, batch_quads=1)
        writer.write(result("http://e/good", "fine"))
        broken = ArticleResult("src", "http://e/bad", None, None, ntriples="<http://e/s> <http://e/p> not n-triples .\n")
        writer.write(broken)
        with pytest.raises(StoreError, match="cannot add graphs"):
            for _ in range(50):  # raised at a later call, once the thread has met it
                writer.write(result("http://e/later", "never"))
            writer.close()
        with pytest.raises(StoreError):  # the writer stays failed; closing again does not hang
            writer.close()
        assert content(store, "http://e/good") == {"fine"}
        assert not store.has_graph(URIRef("http://e/bad")) and not store.has_graph(URIRef("http://e/later"))
