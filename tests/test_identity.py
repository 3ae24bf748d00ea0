"""Cross-article identity (kg.identity): surname-only persons resolved per article by shared context."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from kg.builder import build
from kg.identity import Mention, decide
from kg.namespaces import KGO
from kg.sparql import load_query, run_query
from kg.rdf.iris import IDENTITY_GRAPH
from kg.store import Store

P = "https://w3id.org/kgnews/id/person/"
O = "https://w3id.org/kgnews/id/organisation/"

FULL = """Ministers sign Baltic fisheries pact

VILNIUS, March 3, 2021 (Reuters) - Lithuania's fisheries minister Ruta Zukauskiene and Latvia's agriculture
minister Janis Berzins signed the Baltic Fisheries Pact in Vilnius on Wednesday, joined by officials of the
Nordic Fisheries Council.

"This pact protects our coastal communities," Zukauskiene said.
"""

SURNAME_ONLY = """Fisheries pact faces first test

RIGA, June 9, 2021 (Reuters) - Ms Zukauskiene told reporters in Riga on Tuesday that the Nordic Fisheries
Council had approved the first catch limits under the pact.

"We kept our promise to the fishermen," Ms Zukauskiene said, adding that Janis Berzins would host the next meeting.
"""

NAMESAKE = """Ports agency names new head

KLAIPEDA, May 2, 2021 (Reuters) - Lithuania's transport minister Marius Zukauskiene opened the Baltic Ports
Agency on Friday.

"Our ports are open for business," Zukauskiene said.
"""


def m(actor: str, article: str, label: str | None = None, kind: str = "person") -> Mention:
    return Mention(actor, kind, label or actor.rsplit("/", 1)[1].replace("-", " ").title(), article)


def test_a_surname_is_resolved_to_the_full_name_whose_articles_share_its_context() -> None:
    mentions = [m(P + "ann-lee", "a1"), m(O + "fisheries-council", "a1", kind="organisation"),
                m(P + "bo-lee", "a2"), m(O + "ports-agency", "a2", kind="organisation"),
                m(P + "lee", "a3"), m(O + "fisheries-council", "a3", kind="organisation")]  # fmt: skip
    found = decide(lambda: mentions)
    assert [(r.article, r.mention, r.person, r.shared) for r in found.resolutions] == [
        ("a3", P + "lee", P + "ann-lee", (O + "fisheries-council",))]
    assert found.unresolved == 0


def test_no_shared_context_or_a_tie_leaves_the_mention_alone() -> None:
    tie = [m(P + "ann-lee", "a1"), m(O + "council", "a1", kind="organisation"),
           m(P + "bo-lee", "a2"), m(O + "council", "a2", kind="organisation"),
           m(P + "lee", "a3"), m(O + "council", "a3", kind="organisation")]  # fmt: skip
    assert decide(lambda: tie).resolutions == [] and decide(lambda: tie).unresolved == 1
    nothing = [m(P + "ann-lee", "a1"), m(O + "council", "a1", kind="organisation"), m(P + "lee", "a2")]
    assert decide(lambda: nothing).resolutions == [] and decide(lambda: nothing).unresolved == 1
    no_candidate = [m(P + "lee", "a1"), m(O + "council", "a1", kind="organisation")]
    assert decide(lambda: no_candidate).resolutions == [] and decide(lambda: no_candidate).unresolved == 0


def test_context_mentioned_everywhere_tells_nothing() -> None:
    """An actor in more than 5% of the articles (and more than two) is not evidence."""
    mentions = [m(P + "ann-lee", "a0"), m(P + "lee", "a1")]
    mentions += [m(O + "news-agency", f"a{i}", kind="organisation") for i in range(3)]
    mentions += [m(P + f"other-{i}", f"a{i}") for i in range(2, 40)]
    assert decide(lambda: mentions).resolutions == []


def test_decisions_do_not_depend_on_input_order() -> None:
    mentions = [m(P + "ann-lee", "a1"), m(O + "council", "a1", kind="organisation"),
                m(P + "lee", "a2"), m(O + "council", "a2", kind="organisation"), m(P + "lee", "a3")]  # fmt: skip
    assert decide(lambda: mentions) == decide(lambda: list(reversed(mentions)))


@pytest.fixture
def articles(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "articles"
    folder.mkdir()
    paths = {}
    for name, text in (("full", FULL), ("surname", SURNAME_ONLY), ("namesake", NAMESAKE)):
        paths[name] = folder / f"{name}.txt"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def actors(store: Store) -> dict[str, int]:
    result = run_query(store, load_query("actors"), {"type": "person"})
    return {str(actor): int(count) for actor, _label, _type, count in result.rows}


def identity_graph(store: Store) -> set:
    return set(store.quads(IDENTITY_GRAPH)) if store.has_graph(IDENTITY_GRAPH) else set()


def test_two_articles_give_one_person_in_the_actors_query(articles: dict[str, Path], tmp_path: Path) -> None:
    with Store.open(tmp_path / "store") as store:
        report = build([articles["full"], articles["surname"]], store)
        assert report.resolved == 1
        counts = actors(store)
        assert counts[P + "ruta-zukauskiene"] == 2, counts
        assert P + "zukauskiene" not in counts, "the surname-only node still counts on its own"
        (resolution,) = store.graph(IDENTITY_GRAPH).subjects(KGO.resolvedTo, URIRef(P + "ruta-zukauskiene"))
        shared = set(store.graph(IDENTITY_GRAPH).objects(resolution, KGO.sharedContext))
        assert URIRef(O + "nordic-fisheries-council") in shared
        # the article's own graph still says what the article says
        assert any(s == URIRef(P + "zukauskiene") for s, _p, _o, _g in store.quads() if _g != IDENTITY_GRAPH)


def test_the_identity_graph_does_not_depend_on_build_order_or_history(articles: dict[str, Path],
                                                                       tmp_path: Path) -> None:  # fmt: skip
    with Store.open(tmp_path / "together") as store:
        build([articles["full"], articles["surname"]], store)
        together = identity_graph(store)
    with Store.open(tmp_path / "one-by-one") as store:
        build([articles["surname"]], store)
        assert identity_graph(store) == set(), "nothing to resolve to yet"
        build([articles["full"]], store)
        assert identity_graph(store) == together
    assert together


def test_a_namesake_sharing_no_context_changes_nothing(articles: dict[str, Path], tmp_path: Path) -> None:
    with Store.open(tmp_path / "store") as store:
        report = build(list(articles.values()), store)
        assert report.resolved == 1
        assert actors(store)[P + "ruta-zukauskiene"] == 2
        assert actors(store)[P + "marius-zukauskiene"] == 1


def test_identity_can_be_turned_off(articles: dict[str, Path], tmp_path: Path) -> None:
    with Store.open(tmp_path / "store") as store:
        report = build([articles["full"], articles["surname"]], store, identity=False)
        assert report.resolved is None and not store.has_graph(IDENTITY_GRAPH)
        assert actors(store)[P + "zukauskiene"] == 1


def test_the_network_view_draws_the_resolved_mention_on_the_full_name_person(articles: dict[str, Path],
                                                                               tmp_path: Path) -> None:  # fmt: skip
    from kg.graph.views import build_view

    with Store.open(tmp_path / "store") as store:
        build([articles["full"], articles["surname"]], store)
        graph = build_view(store, "actors")
    ruta = P + "ruta-zukauskiene"
    assert P + "zukauskiene" not in graph
    assert graph.nodes[ruta]["articles"] == 2
    said = [target for _source, target, key in graph.out_edges(ruta, keys=True) if key == "said"]
    assert len(said) == 2, "the quotes of both articles hang on one person"
