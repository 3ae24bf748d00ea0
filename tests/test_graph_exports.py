"""Graph view exports (kg.graph.exports): every format re-imports with the same nodes, edges and
attributes (on the reference article's views and, with hypothesis, on random graphs); the
pictures and the HTML page are well formed, deterministic and safe; ``kg export`` drives them."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pydot
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_graph_views import HOLDER, view

from kg.cli import main
from kg.errors import UsageError
from kg.formats import RDF_FORMATS, VIEW_FORMATS, export_format, format_names
from kg.graph import VIEWS
from kg.graph.exports import ExportError, export_view, render_view
from kg.graph.layout import KIND_COLOURS
from kg.graph.viewer import viewer_data, viewer_html

NETWORK_FORMATS = ("graphml", "gexf", "nodelink", "cytoscape", "dot")
HOSTILE = '</script><script>alert(1)</script> <img src=x onerror=alert(2)> "quoted" & \\ back'


def rendered(graph: nx.Graph, name: str) -> bytes:
    out = io.BytesIO()
    render_view(graph, export_format(name), out)
    return out.getvalue()


# --- reading each format back -------------------------------------------------------------------------


def _dot_unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def reimport(data: bytes, name: str, like: nx.Graph) -> nx.Graph:
    """Parse an export with networkx's reader for that format (pydot's DOT grammar for DOT)."""
    if name == "graphml":
        return nx.read_graphml(io.BytesIO(data), force_multigraph=like.is_multigraph())
    if name == "gexf":
        return nx.read_gexf(io.BytesIO(data))
    if name == "nodelink":
        return nx.node_link_graph(json.loads(data))  # networkx 3.6's defaults
    if name == "cytoscape":
        return nx.cytoscape_graph(json.loads(data))
    (dot,) = pydot.graph_from_dot_data(data.decode("utf-8"))
    graph = nx.MultiDiGraph() if dot.get_type() == "digraph" else nx.MultiGraph()
    for node in dot.get_nodes():
        if node.get_name() in ("node", "edge", "graph"):
            continue
        attrs = {_dot_unquote(k): _dot_unquote(v) for k, v in node.get_attributes().items()}
        graph.add_node(_dot_unquote(node.get_name()), **attrs)
    for edge in dot.get_edges():
        attrs = {_dot_unquote(k): _dot_unquote(v) for k, v in edge.get_attributes().items()}
        graph.add_edge(_dot_unquote(edge.get_source()), _dot_unquote(edge.get_destination()), **attrs)
    return graph


EXTRA_NODE = {"gexf": {"viz"}, "cytoscape": {"id", "value", "name"}, "dot": {"fillcolor"}}
EXTRA_EDGE = {"gexf": {"id"}, "cytoscape": {"id", "source", "target", "key"}, "dot": {"key", "label"}}


def _same_value(name: str, expected: object, found: object) -> bool:
    if name == "dot":
        return str(expected) == found
    if isinstance(expected, float) or (name == "gexf" and isinstance(found, float)):
        return isinstance(found, (int, float)) and float(found) == float(expected)
    return type(found) is type(expected) and found == expected


def _edges(graph: nx.Graph) -> list[tuple[object, object, object, dict[str, object]]]:
    if graph.is_multigraph():
        return [(u, v, k, d) for u, v, k, d in graph.edges(keys=True, data=True)]
    return [(u, v, None, d) for u, v, d in graph.edges(data=True)]


def assert_same_graph(original: nx.Graph, data: bytes, name: str) -> None:
    back = reimport(data, name, original)
    assert back.number_of_nodes() == original.number_of_nodes()
    assert back.number_of_edges() == original.number_of_edges()
    assert back.is_directed() == original.is_directed()
    assert set(back.nodes) == set(original.nodes)
    for node, attrs in original.nodes(data=True):
        found = dict(back.nodes[node])
        extra = set(found) - set(attrs)
        assert extra <= EXTRA_NODE.get(name, set()), (name, node, extra)
        for key, value in attrs.items():
            assert key in found, (name, node, key)
            assert _same_value(name, value, found[key]), (name, node, key, value, found[key])
    if original.is_multigraph() and len({(u, v) for u, v, _k in original.edges(keys=True)}) < original.number_of_edges():
        assert back.is_multigraph()  # parallel edges survive (GEXF reads a graph without them as a DiGraph)
    remaining = _edges(back)
    for u, v, key, attrs in _edges(original):
        matches = [
            item for item in remaining
            if (item[0], item[1]) in ((u, v),) + (() if original.is_directed() else ((v, u),))
            and all(k in item[3] and _same_value(name, x, item[3][k]) for k, x in attrs.items())
            and (key is None or name in ("dot", "cytoscape", "graphml") or not back.is_multigraph() or item[2] == key)
        ]
        assert matches, (name, u, v, key, attrs)
        remaining.remove(matches[0])
        assert set(matches[0][3]) - set(attrs) <= EXTRA_EDGE.get(name, set())
    if name == "cytoscape":
        document = json.loads(data)
        assert all("position" in element for element in document["elements"]["nodes"])


@pytest.fixture(scope="module")
def views(reference_store: Path) -> dict[str, nx.Graph]:
    return {name: view(reference_store, name) for name in VIEWS}


@pytest.mark.parametrize("fmt", NETWORK_FORMATS)
@pytest.mark.parametrize("name", list(VIEWS))
def test_reference_views_round_trip(views: dict[str, nx.Graph], name: str, fmt: str) -> None:
    assert_same_graph(views[name], rendered(views[name], fmt), fmt)


def _parallel_relations() -> nx.MultiDiGraph:
    """Two members of two agreements: the same relation key on four edges, two relations
    between one pair (as in the actors view of a corpus)."""
    graph = nx.MultiDiGraph(view="actors")
    for node, kind in (("a", "country"), ("b", "country"), ("pact", "agreement"), ("deal", "agreement")):
        graph.add_node(f"https://example.org/{node}", label=node, kind=kind)
    for member in ("a", "b"):
        for agreement in ("pact", "deal"):
            graph.add_edge(f"https://example.org/{member}", f"https://example.org/{agreement}", key="member_of",
                           relation="member_of", weight=1)
    graph.add_edge("https://example.org/a", "https://example.org/pact", key="signed", relation="signed", weight=1)
    return graph


def test_graphml_edge_ids_are_unique_and_relations_are_attributes(views: dict[str, nx.Graph]) -> None:
    for graph in (views["actors"], _parallel_relations()):
        data = rendered(graph, "graphml")
        ids = etree.fromstring(data).xpath("//*[local-name()='edge']/@id")
        assert len(ids) == graph.number_of_edges() == len(set(ids))  # Gephi merges or rejects repeated ids
        back = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
        assert back.graph["view"] == "actors"
        assert sorted(d["relation"] for _u, _v, d in back.edges(data=True)) == sorted(
            d["relation"] for _u, _v, d in graph.edges(data=True))
    back = nx.read_graphml(io.BytesIO(rendered(views["actors"], "graphml")))
    assert back.get_edge_data(HOLDER, "https://w3id.org/kgnews/id/country/USA")["relation"] == "holds_post_in"
    parallel = nx.read_graphml(io.BytesIO(rendered(_parallel_relations(), "graphml")))
    assert parallel.is_multigraph() and parallel.number_of_edges("https://example.org/a", "https://example.org/pact") == 2


def test_gexf_declares_node_kinds_as_attributes(views: dict[str, nx.Graph]) -> None:
    tree = etree.fromstring(rendered(views["actors"], "gexf"))
    ns = {"g": "http://www.gexf.net/1.2draft"}
    titles = tree.xpath("//g:attributes[@class='node']/g:attribute/@title", namespaces=ns)
    assert "kind" in titles and "types" in titles
    ids = tree.xpath("//g:edge/@id", namespaces=ns)
    assert len(ids) == views["actors"].number_of_edges() == len(set(ids))


def test_gexf_has_the_viewers_colours_sizes_and_positions(views: dict[str, nx.Graph]) -> None:
    from kg.graph.layout import layout, node_sizes

    graph = views["actors"]
    data = rendered(graph, "gexf")
    tree = etree.fromstring(data)
    ns = {"g": "http://www.gexf.net/1.2draft", "viz": "http://www.gexf.net/1.2draft/viz"}
    assert tree.nsmap["viz"] == ns["viz"]
    nodes = tree.xpath("//g:node", namespaces=ns)
    assert len(nodes) == graph.number_of_nodes()
    assert all(len(node.xpath("viz:color|viz:size|viz:position", namespaces=ns)) == 3 for node in nodes)
    positions, _note = layout(graph)
    sizes, measure = node_sizes(graph)
    page = {n["id"]: n for n in viewer_data(graph)["nodes"]}
    assert measure == "PageRank"
    back = nx.read_gexf(io.BytesIO(data))
    for node, attrs in back.nodes(data=True):
        viz = attrs["viz"]
        colour = "#{r:02x}{g:02x}{b:02x}".format(**viz["color"])
        assert colour == KIND_COLOURS[graph.nodes[node]["kind"]] == page[node]["colour"]
        assert viz["size"] == sizes[node] == page[node]["size"]
        assert (viz["position"]["x"], viz["position"]["y"]) == positions[node] == (page[node]["x"], -page[node]["y"])
    holder = back.nodes[HOLDER]["viz"]
    assert holder["size"] > min(a["viz"]["size"] for _n, a in back.nodes(data=True))  # sized by PageRank


def test_nodelink_has_links_for_d3_and_loads_with_networkx_defaults(views: dict[str, nx.Graph]) -> None:
    document = json.loads(rendered(views["actors"], "nodelink"))
    assert len(document["links"]) == views["actors"].number_of_edges()
    assert {"source", "target", "relation"} <= set(document["links"][0])
    graph = nx.node_link_graph(document)  # networkx 3.6's defaults, no keyword
    assert graph.number_of_edges() == views["actors"].number_of_edges()
    assert nx.node_link_graph(document, edges="links").number_of_edges() == graph.number_of_edges()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed; pydot's parser checks DOT")
def test_graphviz_reads_the_dot_file(views: dict[str, nx.Graph], tmp_path: Path) -> None:
    source = tmp_path / "actors.dot"
    source.write_bytes(rendered(views["actors"], "dot"))
    done = subprocess.run(["dot", "-Tsvg", str(source)], capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Eric Holder" in done.stdout


# --- hypothesis: random graphs through every format -----------------------------------------------------

_XML_TEXT = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff",
)
texts = st.text(_XML_TEXT, max_size=24)
node_ids = st.text(_XML_TEXT, min_size=1, max_size=16)


@st.composite
def graphs(draw: st.DrawFn) -> nx.Graph:
    kind = draw(st.sampled_from([nx.Graph, nx.DiGraph, nx.MultiDiGraph]))
    graph = kind(view="random")
    nodes = draw(st.lists(node_ids, min_size=1, max_size=6, unique=True))
    for node in nodes:
        attrs = {"label": draw(texts), "kind": draw(st.sampled_from(sorted(KIND_COLOURS)))}
        if draw(st.booleans()):
            attrs["count"] = draw(st.integers(-(2**31), 2**31 - 1))
        if draw(st.booleans()):
            attrs["score"] = draw(st.floats(allow_nan=False, allow_infinity=False, width=64))
        graph.add_node(node, **attrs)
    for _ in range(draw(st.integers(0, 8))):
        u, v = draw(st.sampled_from(nodes)), draw(st.sampled_from(nodes))
        relation = draw(st.sampled_from(["member_of", "said", "signed"]))
        attrs = {"relation": relation, "weight": draw(st.integers(1, 9)), "sentence": draw(texts)}
        if graph.is_multigraph():
            if not graph.has_edge(u, v, key=relation):
                graph.add_edge(u, v, key=relation, **attrs)
        elif not graph.has_edge(u, v):
            graph.add_edge(u, v, **attrs)
    return graph


@pytest.mark.parametrize("fmt", NETWORK_FORMATS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=graphs())
def test_random_graphs_round_trip(fmt: str, graph: nx.Graph) -> None:
    assert_same_graph(graph, rendered(graph, fmt), fmt)


def test_characters_xml_cannot_carry_become_replacement_characters() -> None:
    graph = nx.Graph(view="x")
    graph.add_node("https://example.org/a\x01", label="bell\x07 and \ufffe", kind="person")
    for fmt in ("graphml", "gexf"):
        back = reimport(rendered(graph, fmt), fmt, graph)
        assert back.nodes["https://example.org/a\ufffd"]["label"] == "bell\ufffd and \ufffd"


# --- pictures ---------------------------------------------------------------------------------------------


def test_png_picture(views: dict[str, nx.Graph]) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(rendered(views["actors"], "png"))).convert("RGB")
    assert image.size == (1440, 1080)
    colours = set(image.getdata())
    for kind in ("country", "person", "agreement"):
        rgb = tuple(int(KIND_COLOURS[kind][i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, kind  # nodes of each kind are drawn


def test_svg_picture_is_deterministic_xml_with_plain_text_labels() -> None:
    graph = nx.MultiDiGraph(view="actors")
    graph.add_node("https://example.org/evil", label=HOSTILE + " $x^2$ -->", kind="person")
    graph.add_node("https://example.org/pact", label="A $2.5 billion pact", kind="agreement")
    graph.add_edge("https://example.org/evil", "https://example.org/pact", key="signed", relation="signed", weight=1)
    first, second = rendered(graph, "svg"), rendered(graph, "svg")
    assert first == second
    tree = etree.fromstring(first)
    assert tree.tag == "{http://www.w3.org/2000/svg}svg"
    assert not tree.xpath("//*[local-name()='script']")


# --- the HTML page (static checks; the browser test is tests/test_viewer.py) ---------------------------------


def _scripts(page: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)


def test_html_is_self_contained_and_locked_down(views: dict[str, nx.Graph]) -> None:
    page = viewer_html(views["actors"])
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "nothing is fetched"
    assert "<link" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src &#x27;none&#x27;" in csp or "default-src 'none'" in csp
    for code in _scripts(page):  # the CSP allows exactly the page's own scripts
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"sha256-{digest}" in csp
    assert len(_scripts(page)) == 2
    assert "Copyright (c) 2016-2026, The Cytoscape Consortium" in page  # the vendored licence travels along
    assert page == viewer_html(views["actors"])  # deterministic


def test_html_embeds_the_view_data(views: dict[str, nx.Graph]) -> None:
    page = viewer_html(views["actors"])
    block = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, flags=re.DOTALL).group(1)
    data = json.loads(block)
    assert data == viewer_data(views["actors"])
    assert len(data["nodes"]) == 34 and len(data["edges"]) == 36
    holder = next(n for n in data["nodes"] if n["id"] == HOLDER)
    assert ["roles", "attorney general (United States)"] in holder["attributes"]
    assert "holder" in holder["search"]


def test_html_escapes_hostile_labels() -> None:
    graph = nx.MultiDiGraph(view="actors")
    graph.add_node("https://example.org/evil", label=HOSTILE, kind="person", altLabel="@@DATA@@ @@TITLE@@")
    graph.add_node("https://example.org/x\u2028y", label="line\u2029separator", kind="country")
    graph.add_edge("https://example.org/evil", "https://example.org/x\u2028y", key="said", relation="said",
                   weight=1, sentence=HOSTILE)
    page = viewer_html(graph, title=HOSTILE)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("</script>") == 3  # the data block and the two scripts, nothing from the labels
    assert "\u2028" not in page and "\u2029" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the title, escaped
    block = re.search(r'id="kg-data">(.*?)</script>', page, flags=re.DOTALL).group(1)
    assert json.loads(block)["nodes"][0]["label"] == HOSTILE  # and the text is intact


# --- the format table -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "path", "expected"),
    [
        ("graphml", None, "graphml"),
        ("application/gexf+xml", None, "gexf"),
        ("d3", None, "nodelink"),
        ("cyjs", None, "cytoscape"),
        ("graphviz", None, "dot"),
        ("HTML", None, "html"),
        (None, "x.graphml", "graphml"),
        (None, "x.json", "nodelink"),
        (None, "x.cyjs", "cytoscape"),
        (None, "x.gv", "dot"),
        (None, "x.htm", "html"),
        (None, "x.PNG", "png"),
        (None, "x.svg", "svg"),
        (None, "x.ttl", "turtle"),
        (None, "-", "turtle"),
        ("nq", "x.graphml", "nquads"),
    ],
)
def test_export_format_lookup(given: str | None, path: str | None, expected: str) -> None:
    assert export_format(given, path).name == expected


def test_view_formats_in_the_one_table() -> None:
    table = RDF_FORMATS + VIEW_FORMATS
    names = [name for fmt in table for name in fmt.names]
    assert len(names) == len(set(names))
    assert len({fmt.media_type for fmt in table}) == len(table)
    assert format_names("view") == ["graphml", "gexf", "nodelink", "cytoscape", "dot", "html", "png", "svg"]
    assert all(fmt.is_view and not fmt.is_rdf for fmt in VIEW_FORMATS)
    assert [fmt.name for fmt in VIEW_FORMATS if fmt.binary] == ["png"]
    with pytest.raises(UsageError, match="graphml, gexf, nodelink, cytoscape, dot, html, png, svg \\(graph views\\)"):
        export_format("pdf")
    with pytest.raises(UsageError, match="cannot guess the export format of 'x.pdf'"):
        export_format(None, "x.pdf")


# --- kg export ----------------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_kg_export_every_view_format(reference_store: Path, tmp_path: Path, capsys) -> None:
    for fmt in VIEW_FORMATS:
        target = tmp_path / f"actors{fmt.extensions[0]}"
        code, out, err = run(capsys, "export", "--store", reference_store, "-o", target)  # format from the extension
        assert code == 0, err
        assert err.strip() == f"wrote {target} ({fmt.name}, actors view: 34 nodes, 36 edges)"
        assert target.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"actors{f.extensions[0]}" for f in VIEW_FORMATS)
    back = nx.read_graphml(tmp_path / "actors.graphml", force_multigraph=True)
    assert back.number_of_nodes() == 34


def test_kg_export_limited_views(reference_store: Path, capsys) -> None:
    code, out, err = run(capsys, "export", "--store", reference_store, "-f", "nodelink", "--view", "countries",
                         "--around", "Albania", "--depth", "1")
    assert code == 0, err
    graph = nx.node_link_graph(json.loads(out))
    assert graph.number_of_nodes() == 21 and graph.graph["around"].endswith("/country/ALB")
    code, out, err = run(capsys, "export", "--store", reference_store, "-f", "dot", "--agreement", "global alliance",
                         "--view", "membership")
    assert code == 0, err
    assert out.startswith('graph "membership" {')


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-f", "ttl", "--view", "actors"], 2, "apply to graph view formats, not to turtle"),
        (["-f", "graphml", "--graph", "https://example.org/g"], 2, "--graph applies to RDF formats"),
        (["-f", "pdf"], 2, "unknown export format 'pdf'"),
        (["-f", "html", "--around", "Atlantis"], 1, "no node named 'Atlantis'"),
        (["-f", "html", "--agreement", "Holder"], 1, "no node (agreement) named 'Holder'"),
        (["-f", "gexf", "--depth", "3"], 2, "--depth needs --around"),
        (["-f", "gexf", "--article", "https://example.org/none"], 1, "has no article <https://example.org/none>"),
    ],
)
def test_kg_export_errors_are_one_line(reference_store: Path, capsys, args: list[str], code: int, message: str) -> None:
    found, out, err = run(capsys, "export", "--store", reference_store, *args)
    assert found == code and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_kg_export_into_a_missing_directory(reference_store: Path, tmp_path: Path, capsys) -> None:
    target = tmp_path / "missing" / "graph.html"
    code, out, err = run(capsys, "export", "--store", reference_store, "-o", target)
    assert code == 1 and "graph.html" in err and len(err.strip().splitlines()) == 1
    assert not target.parent.exists()


def test_export_view_never_leaves_a_partial_file(views: dict[str, nx.Graph], tmp_path: Path) -> None:
    target = tmp_path / "graph.graphml"
    target.write_text("previous")
    broken = nx.Graph(view="broken")
    broken.add_node("a", label=["not", "a", "scalar"])
    with pytest.raises(ExportError, match="cannot write the broken view as graphml"):
        export_view(broken, export_format("graphml"), target)
    assert target.read_text() == "previous" and sorted(p.name for p in tmp_path.iterdir()) == ["graph.graphml"]


# --- what to draw: kg.graph.focus ------------------------------------------------------------------------


def test_focus_folds_quotations_into_their_speakers(views: dict[str, nx.Graph]) -> None:
    from kg.graph.focus import focus

    actors = views["actors"]
    folded = focus(actors, fold=True)
    assert not [n for n, kind in folded.nodes(data="kind") if kind == "quote"]
    assert folded.number_of_nodes() == actors.number_of_nodes() - 5
    malmstroem = folded.nodes["https://w3id.org/kgnews/id/person/cecilia-malmstroem"]
    assert malmstroem["quotations"] == 4 and len(malmstroem["quoted"].splitlines()) == 4
    assert folded.graph["focus"] == "quotations folded into their speakers"
    assert actors.number_of_nodes() == 34  # the view itself is untouched
    for fmt in NETWORK_FORMATS:  # the folded attributes travel in every format
        assert_same_graph(folded, rendered(folded, fmt), fmt)


def test_focus_keeps_kinds_degree_and_pagerank_top(views: dict[str, nx.Graph]) -> None:
    from kg.graph.analysis import simple_graph
    from kg.graph.focus import focus

    actors = views["actors"]
    countries = focus(actors, kinds=["country"])
    assert {kind for _n, kind in countries.nodes(data="kind")} == {"country"} and countries.number_of_nodes() == 21
    degree = simple_graph(actors).degree
    busy = focus(actors, min_degree=3)
    assert set(busy) == {n for n in actors if degree(n) >= 3} and busy.graph["focus"] == "degree at least 3"
    top = focus(actors, kinds=["person", "country"], top=3)
    assert {actors.nodes[n]["label"] for n in top} == {"Cecilia Malmstroem", "Eric Holder", "United States"}  # kg analyse's top 3
    assert top.has_edge(HOLDER, "https://w3id.org/kgnews/id/country/USA")  # the edges between the nodes kept


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--top", "0"], "--top must be 1 or more, not 0"),
        (["--min-degree", "-1"], "--min-degree must be 0 or more, not -1"),
        (["--kinds", "persn"], "the actors view has no node of the kinds persn; it has: agreement, country, event, organisation, person, quote"),
        (["-f", "ttl", "--top", "3"], "apply to graph view formats, not to turtle"),
    ],
)
def test_kg_export_focus_errors_are_usage_errors(reference_store: Path, capsys, args: list[str], message: str) -> None:
    code, out, err = run(capsys, "export", "--store", reference_store, "-f", "gexf", *args)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_large_pages_start_readable_small_ones_show_everything() -> None:
    """More than READABLE_FROM nodes: quotations and isolated nodes start hidden, and the
    layout is made from what is shown (quotations then sit beside their speakers)."""
    from kg.graph.viewer import READABLE_FROM

    graph = nx.MultiDiGraph(view="actors")
    speakers = [f"https://example.org/person/{i}" for i in range(60)]
    for i, speaker in enumerate(speakers):
        graph.add_node(speaker, label=f"P{i}", kind="person")
        if i:
            graph.add_edge(speaker, speakers[i // 2], key="partner_of", relation="partner_of", weight=1)
    for q in range(READABLE_FROM):
        quote = f"https://example.org/quote/{q}"
        graph.add_node(quote, label=f"quote {q}", kind="quote", text=f"quote {q}")
        graph.add_edge(speakers[q % 60], quote, key="said", relation="said", weight=1)
    graph.add_node("https://example.org/person/alone", label="alone", kind="person")
    data = viewer_data(graph)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert data["start"] == {"quotes": False, "isolated": False}
    assert nodes["https://example.org/person/alone"]["isolated"] == 2 and nodes[speakers[1]]["isolated"] == 0
    assert ["quotations", str(len(range(1, READABLE_FROM, 60)))] in nodes[speakers[1]]["attributes"]
    assert f"{graph.number_of_nodes():,} nodes: 60 shown to start with" in " ".join(data["notes"])
    assert all(not n["shown"] for n in data["nodes"] if n["kind"] == "quote")  # labels go to what is shown
    small = viewer_data(graph.subgraph(speakers + ["https://example.org/quote/0"]).copy())
    assert small["start"] == {"quotes": True, "isolated": True}
    from kg.graph.exports import gexf_viz

    viz = gexf_viz(graph)  # Gephi gets the positions the page draws
    assert all((viz[n]["position"]["x"], -viz[n]["position"]["y"]) == (nodes[n]["x"], nodes[n]["y"]) for n in graph)
    speaker, quote = nodes[speakers[5]], nodes["https://example.org/quote/5"]
    spread = max(n["x"] for n in data["nodes"]) - min(n["x"] for n in data["nodes"])
    assert abs(speaker["x"] - quote["x"]) < spread / 10 and abs(speaker["y"] - quote["y"]) < spread / 10  # beside its speaker


def test_kg_export_draws_progress_on_a_terminal_only(reference_store: Path, tmp_path: Path) -> None:
    from test_cli import on_a_terminal

    target = tmp_path / "graph.html"
    code, out, err = on_a_terminal("export", "--store", reference_store, "-o", target)
    assert code == 0 and "steps" in err and "laying out and writing html" in err and "\x1b[K" in err, err
    assert err.rstrip().endswith(f"wrote {target} (html, actors view: 34 nodes, 36 edges)")
    code, out, err = on_a_terminal("export", "--store", reference_store, "-f", "ttl", "-o", tmp_path / "x.ttl", "-q")
    assert code == 0 and "steps" not in err and "\x1b" not in err, err
