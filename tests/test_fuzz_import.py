"""Fuzzing ``kg import``: broken RDF of every format never crashes and never changes the store.

Hypothesis (seeded, fixed budget) breaks valid documents — written by rdflib in each RDF
syntax — by inserting, deleting, replacing and duplicating bytes, truncating them, or feeding
arbitrary bytes under an RDF file name. For every input the importer either imports a graph or
raises ``InputError`` naming the file in one line; on an error the on-disk store holds exactly
the quads it held before; either way its default graph stays the union of its named graphs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef

from kg.errors import InputError
from kg.formats import RDF_FORMATS, Format
from kg.importer import file_graph_iri, import_file
from kg.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EX = Namespace("http://example.org/")
RDFLIB_NAMES = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig", "jsonld": "json-ld",
                "rdfxml": "xml"}  # fmt: skip


def document(fmt: Format) -> bytes:
    graph = Graph()
    node = BNode()
    graph.add((EX.pact, EX.label, Literal("Blue Ocean Pact", lang="en")))
    graph.add((EX.pact, EX.members, Literal(3)))
    graph.add((EX.pact, EX.place, node))
    graph.add((node, EX.name, Literal('Tromsø "north" <b> & \n')))
    graph.add((EX.pact, EX.member, EX.norway))
    if fmt.keeps_graphs:
        dataset = Dataset()
        named = dataset.graph(URIRef("http://example.org/g"))
        for triple in graph:
            named.add(triple)
        return dataset.serialize(format=RDFLIB_NAMES[fmt.name], encoding="utf-8")
    return graph.serialize(format=RDFLIB_NAMES[fmt.name], encoding="utf-8")


DOCUMENTS = {fmt.name: document(fmt) for fmt in RDF_FORMATS}
NOISE = [b"<", b">", b'"', b"'", b"{", b"}", b"[", b"]", b"(", b")", b".", b";", b",", b"@prefix", b"_:b",
         b"\\", b"\\u00", b"\n", b"\x00", b"\xff", b"\xc3", b"&", b"&amp;", b"<!ENTITY a \"x\">", b"&a;",
         b"<<", b">>", b'"@context"', b'"@id"', b"rdf:about", b"^^", b"#", b"GRAPH"]  # fmt: skip


@st.composite
def broken(draw, data: bytes) -> bytes:
    edits = draw(st.integers(1, 6))
    out = bytearray(data)
    for _ in range(edits):
        at = draw(st.integers(0, len(out)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "truncate"]))
        if kind == "insert":
            out[at:at] = draw(st.sampled_from(NOISE) | st.binary(min_size=1, max_size=4))
        elif kind == "delete":
            del out[at : at + draw(st.integers(1, 8))]
        elif kind == "replace" and at < len(out):
            out[at] = draw(st.integers(0, 255))
        elif kind == "duplicate":
            out[at:at] = out[max(0, at - 20) : at]
        elif kind == "truncate":
            del out[at:]
    return bytes(out)


inputs = st.sampled_from(RDF_FORMATS).flatmap(
    lambda fmt: st.tuples(st.just(fmt), st.one_of(broken(DOCUMENTS[fmt.name]), st.binary(max_size=300)))
)


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("fuzz-import") / "store"
    keep = tmp_path_factory.mktemp("fuzz-import-kept") / "kept.ttl"
    keep.write_bytes(DOCUMENTS["turtle"])
    with Store.open(path) as store:
        import_file(keep, store)
        yield store
    shutil.rmtree(path, ignore_errors=True)


@settings(derandomize=True, database=None, deadline=None, max_examples=300,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(case=inputs)
def test_broken_rdf_is_refused_in_one_line_and_leaves_the_store_as_it_was(case, disk_store, tmp_path_factory) -> None:
    fmt, data = case
    path = tmp_path_factory.getbasetemp() / f"fuzzed{fmt.extensions[0]}"
    path.write_bytes(data)
    before = set(disk_store.quads())
    try:
        done = import_file(path, disk_store)
    except InputError as error:
        message = str(error)
        assert message.startswith(str(path)), message
        assert "\n" not in message and "\r" not in message, message
        assert set(disk_store.quads()) == before, "a failed import changed the store"
    else:
        assert done.graphs and done.triples > 0
        if not fmt.keeps_graphs:
            assert done.graphs == (file_graph_iri(path),)
        assert sum(len(disk_store.graph(graph)) for graph in done.graphs) == done.triples
    merged = {(s, p, o) for s, p, o, _g in disk_store.quads()}
    assert set(disk_store.triples()) == merged, "the default graph is no longer the union of the graphs"
