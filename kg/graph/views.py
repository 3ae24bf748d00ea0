"""Graph views: named projections of the RDF store onto networkx graphs.

A view is a clean graph for analysis and drawing. Its nodes are things a reader thinks of as
nodes (actors, agreements, events, quotations; or facts, sentences and articles for the
provenance view); literals and ``rdf:type`` become node attributes, never nodes. Every node and
edge attribute is a plain ``str``, ``int`` or ``float`` (one type per attribute name), so every
export format can carry it. Node ids are the resources' IRIs.

Views (``VIEWS``):

``actors`` (``nx.MultiDiGraph``, one edge per relation between two nodes, keyed by relation)
    persons, organisations, countries, agreements, events and quotations, with edges
    ``member_of`` / ``signed`` / ``observer_of`` / ``partner_of`` / ``invited_to`` /
    ``did_not_sign`` (actor → agreement, by membership status: the status's
    ``kgo:viewRelation`` in the ontology), ``holds_post_in`` (person →
    country or organisation, with the ``role``), ``represents`` (person → the country of the
    organisation they hold a post in), ``said`` (speaker → quotation), ``participated_in``
    (actor → event), ``about`` (event → agreement) and ``based_in`` (organisation → country).
``membership`` (``nx.Graph``, bipartite)
    agreements (``bipartite=0``) and their members (``bipartite=1``), one edge per membership
    whose status makes the actor a member (``kgo:countsAsMember true`` in the ontology's scheme
    of statuses).
``countries`` (``nx.Graph``)
    the projection of ``membership`` on countries: two countries are linked when they are
    members of a common agreement; ``weight`` = the number of agreements they share.
``provenance`` (``nx.DiGraph``)
    facts (every resource that is ``prov:wasDerivedFrom`` something, including the reified
    statements of relations) → the sentences (or data sources) they come from → articles.

Every edge has a ``relation`` and a ``weight``. In ``actors`` and ``membership`` the weight is
the number of articles whose sentences support the edge (an edge supported only by data
sources, not by an article, counts each source once); ``articles`` is the article count,
``sentences`` the number of distinct supporting sentences, ``sentence`` the first of them (in
article and text order) and, when there are several, ``evidence`` up to five of them, one per
line.

One node per person across articles: where cross-article identity (``kg.identity``) resolved an
article's surname-only person to a full-name one, what that article says of it is drawn on the
full-name person, and the article counts in its ``articles``.

Limits (``build_view`` keywords): ``article`` keeps only what one article states (its named
graph alone is read); ``agreement`` keeps the agreement, what is linked to it, and the people
(and their quotations) attached to those; ``around`` keeps the neighbourhood of one node within
``depth`` hops, edges followed in both directions.

The SPARQL lives in ``queries/view_*.rq``; user values never reach a query: limits are applied
to the graph, or by reading one named graph.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import networkx as nx
from rdflib import BNode, Literal, URIRef

from kg.errors import KgError, UsageError
from kg.graph import VIEWS
from kg.namespaces import DCTERMS, FOAF, KGO, NIF, PREFIXES, RDF, SCHEMA, SKOS, XSD
from kg.store import Store
from kg.vocabulary import vocabulary

__all__ = [
    "ACTOR_KINDS",
    "VIEWS",
    "ViewError",
    "build_view",
    "find_node",
    "limit_to_agreement",
    "neighbourhood",
    "view_description",
]

EVIDENCE_SHOWN = 5
"""How many supporting sentences an edge's ``evidence`` attribute lists."""

# Node kinds, the classes that give them (most specific kind first), the actor kinds, and
# each membership status's relation and whether it counts: all read from the ontology's
# schemes (kgo:FactKinds, kgo:ActorKinds, kgo:MembershipStatuses) through kg.vocabulary.
_ACTOR_VIEW_EXTRA_KINDS = frozenset({"agreement", "event"})
"""The kinds the actors view draws besides the actors themselves."""


def __getattr__(name: str) -> tuple[str, ...]:
    """``ACTOR_KINDS``: the node kinds that are actors, ranked by ``kg analyse`` by default
    (``kgo:ActorKinds``), read from the ontology at first use, not at import."""
    if name == "ACTOR_KINDS":
        return vocabulary().actor_kinds
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _status_relation(status: str) -> str:
    """The relation of an actor with membership ``status`` to the agreement ("member_of")."""
    known = vocabulary().status(status)
    if known is not None:
        return known.relation
    return re.sub(r"\W+", "_", status.lower()).strip("_") + "_of"  # a status no scheme knows


_LABEL_PROPERTIES = (SKOS.prefLabel, SCHEMA.name, DCTERMS.title, FOAF.name)
_TEXT_PROPERTIES = (SCHEMA.text, NIF.anchorOf, KGO.asWritten)
_SKIPPED = frozenset({SKOS.prefLabel})  # becomes ``label``
_NUMERIC = frozenset(
    str(XSD[name])
    for name in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
)
_REAL = frozenset(str(XSD[name]) for name in ("decimal", "double", "float"))
_PREFIX_OF = sorted(((str(ns), prefix) for prefix, ns in PREFIXES), key=lambda item: -len(item[0]))
_SHORT_LABEL = 60
# Attribute names the views or an export format use themselves (Cytoscape.js JSON identifies a
# node by "id" and "value"): a literal property with such a local name gets its prefix
# ("schema_value").
_RESERVED = frozenset({"kind", "label", "types", "id", "value", "key", "source", "target", "weight", "relation"})


class ViewError(KgError):
    """A view cannot be built as asked (unknown view, node or article)."""


def view_description(name: str) -> str:
    """What view ``name`` shows; raises ``UsageError`` listing the views when unknown."""
    if name not in VIEWS:
        raise UsageError(f"unknown view {name!r}; use one of: {', '.join(VIEWS)}")
    return VIEWS[name]


# --- reading the store --------------------------------------------------------------------------


def _select(store: Store, name: str) -> list[tuple[object, ...]]:
    """The rows of the named query ``name`` (a ``queries/view_*.rq`` file)."""
    from kg.sparql import load_query, run_query

    result = run_query(store, load_query(name))
    return result.rows


def curie(iri: str) -> str:
    """``https://schema.org/Person`` → ``schema:Person`` (the IRI itself when no prefix fits)."""
    for namespace, prefix in _PREFIX_OF:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _local_name(iri: str) -> str:
    tail = re.split(r"[#/]", iri.rstrip("#/"))[-1]
    return tail or iri


def _plain(term: object) -> str | int | float:
    """A literal as a plain Python value: integers as int, decimals and doubles as float."""
    text = str(term)
    if isinstance(term, Literal) and term.datatype is not None:
        datatype = str(term.datatype)
        try:
            if datatype in _NUMERIC:
                return int(text)
            if datatype in _REAL:
                value = float(text)
                return value if value == value and abs(value) != float("inf") else text
        except ValueError:
            return text
    return text


def _short(text: str, size: int = _SHORT_LABEL) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


@dataclass
class _Resources:
    """Types and literal values of the store's resources, read once per view build."""

    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    literals: dict[str, dict[str, list[object]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    sources: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    """source IRI → (text, begin offset, article IRI or "")"""
    resolutions: dict[tuple[str, str], str] = field(default_factory=dict)
    """(article IRI, surname-only person IRI) → the full-name person kg.identity resolved it to"""

    @classmethod
    def read(cls, store: Store, *, facts: bool = False) -> _Resources:
        """Types and literals of the node classes of the views (``facts``: of every fact too)."""
        data = cls()
        for name in ("view_types", "view_fact_types") if facts else ("view_types",):
            for node, rdf_type in _select(store, name):
                data.types[str(node)].add(str(rdf_type))
        for name in ("view_literals", "view_fact_literals") if facts else ("view_literals",):
            for node, prop, value in _select(store, name):
                data.literals[str(node)][str(prop)].append(value)
        for source, text, begin, article in _select(store, "view_sources"):
            data.sources[str(source)] = (
                str(text) if text is not None else str(source),
                int(str(begin)) if begin is not None and str(begin).lstrip("-").isdigit() else 0,
                str(article) if article is not None else "",
            )
        for article, mention, person in _select(store, "view_resolutions"):
            data.resolutions[(str(article), str(mention))] = str(person)
        return data

    def canonical(self, node: object, evidence: object) -> str:
        """``node``, or the full-name person a surname-only ``node`` was resolved to in the
        article ``evidence`` (a sentence) belongs to."""
        if not self.resolutions or evidence is None:
            return str(node)
        article = self.sources.get(str(evidence), ("", 0, ""))[2]
        return self.resolutions.get((article, str(node)), str(node))

    def kind(self, node: str) -> str:
        """The most specific kind (``kgo:FactKindOrder``) of the node's types, else "resource"."""
        table = vocabulary().kind_of_class
        found = [table[t] for t in self.types.get(node, ()) if t in table]
        return min(found)[1] if found else "resource"

    def label(self, node: str) -> str:
        values = self.literals.get(node, {})
        for prop in _LABEL_PROPERTIES:
            found = values.get(str(prop))
            if found:
                return min(str(v) for v in found)
        for prop in _TEXT_PROPERTIES:
            found = values.get(str(prop))
            if found:
                return _short(min(str(v) for v in found))
        return _local_name(node)

    def attributes(self, node: str) -> dict[str, str | int | float]:
        """``kind``, ``label``, ``types`` and one attribute per literal property (its local name)."""
        attrs: dict[str, str | int | float] = {"kind": self.kind(node), "label": self.label(node)}
        types = sorted(curie(t) for t in self.types.get(node, ()))
        if types:
            attrs["types"] = " ".join(types)
        for prop, values in sorted(self.literals.get(node, {}).items()):
            if URIRef(prop) in _SKIPPED:
                continue
            name = _local_name(prop)
            if name in _RESERVED:
                name = f"{curie(prop).split(':')[0]}_{name}"
            plain = sorted({_plain(v) for v in values}, key=lambda v: (isinstance(v, str), str(v)))
            if name == "name" and plain == [attrs["label"]]:
                continue  # schema:name repeating the label
            if name in attrs:  # two namespaces, one local name: merge
                plain = sorted({*plain, attrs[name]}, key=str)
            attrs[name] = plain[0] if len(plain) == 1 else "; ".join(str(v) for v in plain)
        return attrs


@dataclass
class _Support:
    """The sources behind one edge, and extra attributes gathered with them."""

    sources: set[str] = field(default_factory=set)
    extra: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _evidence_attributes(sources: Iterable[str], data: _Resources) -> dict[str, str | int]:
    """``weight``, ``articles``, ``sentences``, ``sentence``, ``evidence`` for a set of sources."""
    known = sorted(
        (data.sources.get(s, (s, 0, "")) for s in sources),
        key=lambda item: (item[2] == "", item[2], item[1], item[0]),
    )
    articles = {article for _text, _begin, article in known if article}
    texts = list(dict.fromkeys(text for text, _begin, _article in known))
    not_in_article = {text for text, _begin, article in known if not article}
    attrs: dict[str, str | int] = {
        "weight": len(articles) + len(not_in_article) if known else 1,
        "articles": len(articles),
        "sentences": len(texts),
    }
    if texts:
        attrs["sentence"] = texts[0]
    if len(texts) > 1:
        shown = texts[:EVIDENCE_SHOWN]
        more = len(texts) - len(shown)
        attrs["evidence"] = "\n".join(shown) + (f"\n(+{more} more)" if more else "")
    return attrs


def _normalise_attributes(graph: nx.Graph) -> nx.Graph:
    """Make every attribute name hold one type: all numbers, else all strings; no None."""

    def fix(items: Iterator[dict[str, object]]) -> None:
        rows = list(items)
        kinds: dict[str, set[type]] = defaultdict(set)
        for attrs in rows:
            for key in [k for k, v in attrs.items() if v is None]:
                del attrs[key]
            for key, value in attrs.items():
                if isinstance(value, bool):
                    attrs[key] = value = int(value)
                if not isinstance(value, (str, int, float)):
                    attrs[key] = value = str(value)
                kinds[key].add(type(value))
        for key, found in kinds.items():
            if found == {int, float}:
                for attrs in rows:
                    if key in attrs:
                        number = attrs[key]
                        assert isinstance(number, (int, float))  # the values under key are ints and floats
                        attrs[key] = float(number)
            elif len(found) > 1:
                for attrs in rows:
                    if key in attrs:
                        attrs[key] = str(attrs[key])

    fix(attrs for _node, attrs in graph.nodes(data=True))
    fix(attrs for *_ends, attrs in graph.edges(data=True))
    return graph


# --- the views -----------------------------------------------------------------------------------


def _add_nodes(
    graph: nx.Graph,
    nodes: Iterable[str],
    data: _Resources,
    details: Mapping[str, Mapping[str, set[str]]],
    mentions: Mapping[str, int],
) -> None:
    for node in sorted(set(nodes)):
        attrs = data.attributes(node)
        extra = details.get(node, {})
        if node in mentions:
            attrs["articles"] = mentions[node]
        if "place" in extra:
            attrs["place"] = "; ".join(sorted(extra["place"]))
        if "commitment" in extra:
            attrs["commitments"] = "\n".join(sorted(extra["commitment"]))
        if attrs["kind"] == "quote" and "text" in attrs:
            attrs["label"] = _short(str(attrs["text"]))
        graph.add_node(node, **attrs)


def _details(store: Store) -> dict[str, dict[str, set[str]]]:
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for node, detail, value in _select(store, "view_details"):
        found[str(node)][str(detail)].add(str(value))
    return found


def _mentions(store: Store, data: _Resources) -> dict[str, int]:
    """Articles per node; an article whose surname-only mention was resolved counts for the
    full-name person (which that article does not otherwise name), not for the mention."""
    found = {str(node): int(str(count)) for node, count in _select(store, "view_mentions")}
    for (_article, mention), person in sorted(data.resolutions.items()):
        if found.get(mention, 0) > 0:
            found[mention] -= 1
            found[person] = found.get(person, 0) + 1
    return {node: count for node, count in found.items() if count > 0}


def _actors(store: Store) -> nx.MultiDiGraph:
    data = _Resources.read(store)
    details = _details(store)
    support: dict[tuple[str, str, str], _Support] = defaultdict(_Support)

    def link(source: object, target: object, relation: str, evidence: object, **extra: object) -> None:
        if isinstance(source, BNode) or isinstance(target, BNode) or source is None or target is None:
            return
        item = support[(data.canonical(source, evidence), data.canonical(target, evidence), relation)]
        if evidence is not None:
            item.sources.add(str(evidence))
        for key, value in extra.items():
            if value is not None:
                item.extra[key].add(str(value))

    for _membership, agreement, member, status, source in _select(store, "view_memberships"):
        status_text = str(status)
        link(member, agreement, _status_relation(status_text), source, status=status_text)
    based_in: dict[str, set[str]] = defaultdict(set)
    for organisation, country, source in _select(store, "view_based_in"):
        link(organisation, country, "based_in", source)
        based_in[str(organisation)].add(str(country))
    roles: dict[str, set[str]] = defaultdict(set)
    for _post, person, role, affiliation, source in _select(store, "view_posts"):
        person = data.canonical(person, source)
        role_text = str(role) if role is not None else None
        if affiliation is None:
            if role_text:
                roles[str(person)].add(role_text)
            continue
        link(person, affiliation, "holds_post_in", source, role=role_text)
        if role_text:
            roles[str(person)].add(f"{role_text} ({data.label(str(affiliation))})")
        if data.kind(str(affiliation)) == "organisation":
            for country in based_in.get(str(affiliation), ()):
                link(person, country, "represents", source, role=role_text)
    for quote, speaker, source in _select(store, "view_quotes"):
        link(speaker, quote, "said", source)
    for event, kind_of_link, target, source in _select(store, "view_event_links"):
        if str(kind_of_link) == "about":
            link(event, target, "about", source)
        else:
            link(target, event, "participated_in", source)

    graph = nx.MultiDiGraph(view="actors")
    mentions = _mentions(store, data)
    shown = _ACTOR_VIEW_EXTRA_KINDS.union(vocabulary().actor_kinds)
    mentioned = [n for n in mentions if data.kind(n) in shown]
    ends = {end for (source, target, _relation) in support for end in (source, target)}
    _add_nodes(graph, [*mentioned, *ends], data, details, mentions)
    for person, held in roles.items():
        if person in graph:
            graph.nodes[person]["roles"] = "; ".join(sorted(held))
    for (source, target, relation), item in sorted(support.items()):
        attrs: dict[str, object] = {"relation": relation, **_evidence_attributes(item.sources, data)}
        for key, values in sorted(item.extra.items()):
            attrs[key] = "; ".join(sorted(values))
        graph.add_edge(source, target, key=relation, **attrs)
    return _normalise_attributes(graph)


def _membership(store: Store) -> nx.Graph:
    data = _Resources.read(store)
    details = _details(store)
    support: dict[tuple[str, str], _Support] = defaultdict(_Support)
    for _membership, agreement, member, status, source in _select(store, "view_memberships"):
        if not vocabulary().counts_as_member(str(status)) or isinstance(member, BNode) or isinstance(agreement, BNode):
            continue
        item = support[(str(agreement), data.canonical(member, source))]
        if source is not None:
            item.sources.add(str(source))
        item.extra["status"].add(str(status))
    graph = nx.Graph(view="membership")
    agreements = sorted({a for a, _m in support})
    members = sorted({m for _a, m in support} - set(agreements))
    mentions = _mentions(store, data)
    _add_nodes(graph, agreements, data, details, mentions)
    _add_nodes(graph, members, data, details, mentions)
    for node in agreements:
        graph.nodes[node]["bipartite"] = 0
    for node in members:
        graph.nodes[node]["bipartite"] = 1
    for (agreement, member), item in sorted(support.items()):
        graph.add_edge(
            member,
            agreement,
            relation="member_of",
            status="; ".join(sorted(item.extra["status"])),
            **_evidence_attributes(item.sources, data),
        )
    return _normalise_attributes(graph)


def _countries(membership: nx.Graph) -> nx.Graph:
    """Project the membership graph on its countries; weight = agreements shared."""
    graph = nx.Graph(view="countries")
    countries = sorted(n for n, a in membership.nodes(data=True) if a.get("kind") == "country" and a.get("bipartite") == 1)
    for node in countries:
        attrs = {k: v for k, v in membership.nodes[node].items() if k != "bipartite"}
        attrs["agreements"] = membership.degree(node)
        graph.add_node(node, **attrs)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    agreements = sorted(n for n, a in membership.nodes(data=True) if a.get("bipartite") == 0)
    for agreement in agreements:
        members = sorted(m for m in membership.neighbors(agreement) if m in graph)
        label = str(membership.nodes[agreement].get("label", agreement))
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                shared[(first, second)].append(label)
    for (first, second), labels in sorted(shared.items()):
        labels.sort()
        shown = labels[:10]
        text = "; ".join(shown) + (f" (+{len(labels) - len(shown)} more)" if len(labels) > len(shown) else "")
        graph.add_edge(first, second, relation="shares_agreement", weight=len(labels), shared=text)
    return _normalise_attributes(graph)


def _provenance(store: Store) -> nx.DiGraph:
    data = _Resources.read(store, facts=True)
    graph = nx.DiGraph(view="provenance")
    rows = sorted(
        ((str(f), str(s), p, o, q) for f, s, p, o, q in _select(store, "view_provenance") if not isinstance(f, BNode)),
        key=lambda row: (row[0], row[1]),
    )
    about: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for membership, agreement, member, status, _source in _select(store, "view_memberships"):
        about[str(membership)].add(str(agreement))
        names[str(membership)] = f"{data.label(str(member))} {status} of {data.label(str(agreement))}"
    for post, person, role, affiliation, _source in _select(store, "view_posts"):
        where = f" ({data.label(str(affiliation))})" if affiliation is not None else ""
        names[str(post)] = f"{data.label(str(person))} {role or 'post'}{where}"
    for fact, source, subject, predicate, obj in rows:
        if fact not in graph:
            attrs = data.attributes(fact)
            if subject is not None and predicate is not None and obj is not None:
                attrs["kind"] = "statement"
                attrs["subject"], attrs["predicate"], attrs["object"] = str(subject), curie(str(predicate)), str(obj)
                object_label = data.label(str(obj)) if isinstance(obj, URIRef) else str(obj)
                attrs["label"] = _short(f"{data.label(str(subject))} {_local_name(str(predicate))} {object_label}", 80)
            if fact in about:
                attrs["agreement"] = "; ".join(sorted(about[fact]))
            if fact in names:
                attrs["label"] = _short(names[fact], 80)
            graph.add_node(fact, **attrs)
        if source not in graph:
            text, begin, article = data.sources.get(source, (source, 0, ""))
            kind = "sentence" if article else "source"
            attrs = {**data.attributes(source), "kind": kind, "label": _short(text), "text": text}
            if article:
                attrs["begin"] = begin
            graph.add_node(source, **attrs)
            if article:
                if article not in graph:
                    graph.add_node(article, **data.attributes(article))
                graph.add_edge(source, article, relation="part_of", weight=1)
        graph.add_edge(fact, source, relation="derived_from", weight=1)
    return _normalise_attributes(graph)


# --- limits --------------------------------------------------------------------------------------


def find_node(graph: nx.Graph, text: str, *, kinds: Iterable[str] | None = None) -> str:
    """The node named by ``text``: its IRI, or a label, alternative label or name (any case).

    Raises ``ViewError`` when nothing matches (naming close labels) or when several nodes do
    (naming them, so the user can pass an IRI).
    """
    wanted = set(kinds) if kinds is not None else None

    def allowed(node: str) -> bool:
        """Whether ``node`` is of one of the wanted kinds (any node when no kinds were given)."""
        return wanted is None or graph.nodes[node].get("kind") in wanted

    if text in graph and allowed(text):
        return text
    key = " ".join(text.split()).casefold()
    exact: list[str] = []
    other: list[str] = []
    for node, attrs in graph.nodes(data=True):
        if not allowed(node):
            continue
        if str(attrs.get("label", "")).casefold() == key:
            exact.append(node)
            continue
        names = [str(attrs.get(k, "")) for k in ("altLabel", "name", "iso3", "iso2")]
        if any(part.strip().casefold() == key for value in names for part in value.split(";")):
            other.append(node)
    matches = sorted(exact) or sorted(other)
    what = "" if wanted is None else f" ({' or '.join(sorted(wanted))})"
    if len(matches) == 1:
        return matches[0]
    if matches:
        listing = "; ".join(f"{graph.nodes[m].get('label')} <{m}>" for m in matches[:5])
        raise ViewError(f"{text!r} names {len(matches)} nodes{what}: {listing}; give the IRI instead")
    labels = sorted({str(a.get("label", "")) for n, a in graph.nodes(data=True) if allowed(n)})
    close = difflib.get_close_matches(text, labels, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ViewError(f"no node{what} named {text!r} in the {graph.graph.get('view', '')} view{hint}".replace("  ", " "))


def neighbourhood(graph: nx.Graph, node: str, depth: int = 1) -> nx.Graph:
    """The subgraph within ``depth`` hops of ``node``, edges followed in both directions."""
    if depth < 0:
        raise UsageError(f"--depth must be 0 or more, not {depth}")
    kept = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), node, cutoff=depth)
    return graph.subgraph(kept).copy()


def limit_to_agreement(graph: nx.Graph, agreement: str) -> nx.Graph:
    """The agreement, what is linked to it, and the people (and quotations) attached to those.

    Never steps into another agreement: in a store of many articles, a member's other
    agreements stay out.
    """
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    view = graph.graph.get("view")
    if view == "countries":
        raise ViewError("the countries view has no agreement nodes; use --view membership or actors with --agreement")
    kept = {agreement}
    first = {n for n in undirected.neighbors(agreement) if graph.nodes[n].get("kind") != "agreement"}
    kept |= first
    if view == "provenance":
        for fact in list(first):
            kept |= set(undirected.neighbors(fact))
        return graph.subgraph(kept).copy()
    people = {
        p for n in first for p in undirected.neighbors(n) if graph.nodes[p].get("kind") == "person"
    }
    kept |= people
    kept |= {q for p in people | first for q in undirected.neighbors(p) if graph.nodes[q].get("kind") == "quote"}
    return graph.subgraph(kept).copy()


def _provenance_for_agreement(graph: nx.DiGraph, agreement: str) -> nx.DiGraph:
    facts = {
        n
        for n, a in graph.nodes(data=True)
        if n == agreement or agreement in (a.get("subject"), a.get("object")) or agreement in str(a.get("agreement", "")).split("; ")
    }
    kept = set(facts)
    for fact in facts:
        for source in graph.successors(fact):
            kept.add(source)
            kept.update(graph.successors(source))
    return graph.subgraph(kept).copy()


def _article_store(store: Store, article: str) -> Store:
    """An in-memory store holding only the named graph of ``article`` (article or graph IRI)."""
    iri = URIRef(article)
    graphs = store.graphs()
    chosen = None
    if iri in graphs:
        chosen = iri
    else:
        for name in graphs:
            if store.get_value(name, iri, RDF.type) is not None:
                chosen = name
                break
    if chosen is None:
        raise ViewError(
            f"store {store.location} has no article <{article}>; "
            "give an article IRI (kg query agreements lists them) or a graph IRI"
        )
    memory = Store.open(None)
    memory.replace_graph(chosen, store.triples(chosen))
    return memory


def build_view(
    store: Store,
    name: str = "actors",
    *,
    agreement: str | None = None,
    article: str | None = None,
    around: str | None = None,
    depth: int = 1,
) -> nx.Graph:
    """Build view ``name`` (see ``VIEWS``) from ``store``, limited as asked.

    ``agreement`` and ``around`` accept an IRI or a label; ``article`` an article or graph
    IRI. Raises ``UsageError`` for an unknown view, ``ViewError`` for an unknown node.
    """
    view_description(name)
    if article is not None:
        with _article_store(store, article) as memory:
            graph = build_view(memory, name, agreement=agreement, around=around, depth=depth)
        graph.graph["article"] = article
        return graph
    if name == "actors":
        graph = _actors(store)
    elif name == "membership":
        graph = _membership(store)
    elif name == "countries":
        graph = _countries(_membership(store)) if agreement is None else _membership(store)
    else:
        graph = _provenance(store)
    if agreement is not None:
        chosen = find_node(graph, agreement, kinds=["agreement"])
        if name == "provenance":
            graph = _provenance_for_agreement(graph, chosen)
        elif name == "countries":
            members = set(graph.neighbors(chosen))
            graph = _countries(graph).subgraph(members).copy()
        else:
            graph = limit_to_agreement(graph, chosen)
        graph.graph["agreement"] = chosen
    if around is not None:
        centre = find_node(graph, around)
        graph = neighbourhood(graph, centre, depth)
        graph.graph["around"] = centre
        graph.graph["depth"] = depth
    return graph

