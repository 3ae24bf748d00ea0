"""``link_store``: read the article graphs, resolve every actor, expand groups, check roles, and
replace the links graph in one transaction.

Countries are resolved first (organisations and persons use them as context), then
organisations, then persons. Everything ``kg link`` writes lives in the named graph
``kgr:graph/links`` (:data:`kg.rdf.iris.LINKS_GRAPH`), replaced as a whole by
``Store.replace_graph``: linking again gives the identical graph, and readers see the old links
or the new ones, never a mix. The store's files are then compacted (``Store.optimize``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import URIRef

from kg.link.actors import Inputs, read_inputs
from kg.link.groups import GroupExpansion, expand_groups
from kg.rdf.iris import LINKS_GRAPH
from kg.link.resolve import AMBIGUOUS, LINKED, UNLINKED, Resolution, Resolver
from kg.link.roles import CONTRADICTED, RoleCheck, check_roles
from kg.link.snapshot import Snapshot
from kg.link.sources import Source, snapshot_data_source
from kg.link.triples import links_graph
from kg.store import Store

__all__ = ["LinkReport", "link_store"]

_KIND_ORDER = {"country": 0, "organisation": 1, "person": 2}


@dataclass
class LinkReport:
    """What one ``kg link`` run found and wrote."""

    source: str
    resolutions: list[Resolution] = field(default_factory=list)
    expansions: list[GroupExpansion] = field(default_factory=list)
    role_checks: list[RoleCheck] = field(default_factory=list)
    places: int = 0
    triples: int = 0
    graph: URIRef = LINKS_GRAPH
    compacted: bool = False  # the store's files were compacted after the links were written

    def by_status(self, status: str) -> list[Resolution]:
        """The resolutions whose verdict is ``status`` (linked, unlinked or ambiguous), in run order."""
        return [r for r in self.resolutions if r.status == status]

    @property
    def linked(self) -> list[Resolution]:
        """The resolutions that linked their actor to an item."""
        return self.by_status(LINKED)

    @property
    def unlinked(self) -> list[Resolution]:
        """The resolutions that found no candidate for their actor."""
        return self.by_status(UNLINKED)

    @property
    def ambiguous(self) -> list[Resolution]:
        """The resolutions left unlinked because the best candidates tied on points."""
        return self.by_status(AMBIGUOUS)

    @property
    def inferred(self) -> int:
        """How many member states the group expansions inferred, over all expanded groups."""
        return sum(len(e.members) for e in self.expansions)

    @property
    def contradictions(self) -> list[RoleCheck]:
        """The ``contradicted`` role checks: matching positions exist, none held on the article's date."""
        return [c for c in self.role_checks if c.verdict == CONTRADICTED]


def resolve_all(inputs: Inputs, resolver: Resolver) -> dict[URIRef, Resolution]:
    """Resolve every actor: countries, then organisations and persons with countries as context."""
    resolutions: dict[URIRef, Resolution] = {}
    actors = sorted(inputs.actors.values(), key=lambda a: (_KIND_ORDER.get(a.kind, 9), str(a.iri)))
    for actor in actors:
        if actor.kind == "country":
            resolutions[actor.iri] = resolver.country(actor)
    country_items = {iri: r.item for iri, r in resolutions.items() if r.item is not None}
    posts_by_person: dict[URIRef, list] = {}
    for post in inputs.posts:
        posts_by_person.setdefault(post.person, []).append(post)
    for actor in actors:
        if actor.kind == "organisation":
            resolutions[actor.iri] = resolver.organisation(actor, country_items)
        elif actor.kind == "person":
            resolutions[actor.iri] = resolver.person(actor, posts_by_person.get(actor.iri, []), country_items)
    return resolutions


LINK_STEPS = 4
"""The steps ``link_store`` announces to ``on_step`` (three when it does not write)."""


def link_store(
    store: Store,
    source: Source,
    snapshot: Snapshot | None = None,
    *,
    write: bool = True,
    on_warning: Callable[[str], None] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> LinkReport:
    """Link the actors of ``store`` using ``source``; replace the links graph unless ``write=False``.

    ``snapshot`` gives the country table (GeoNames ids, names, regions) and the list of groups
    of states; the bundled snapshot when None. ``on_warning`` receives one line per role
    contradiction; ``on_step(label)`` hears each of the ``LINK_STEPS`` steps as it begins.
    """
    step = on_step if on_step is not None else (lambda _label: None)
    snapshot = snapshot if snapshot is not None else Snapshot.load()
    step("reading actors, groups and posts")
    inputs = read_inputs(store)
    resolver = Resolver(source)
    step("looking up actors")
    resolutions = resolve_all(inputs, resolver)
    step("expanding groups of states")
    expansions = expand_groups(inputs, resolutions, resolver, snapshot.groups)
    checks = check_roles(inputs.posts, resolutions)
    sources = [(source.data_source, source.data_source_triples())]
    snapshot_source = snapshot_data_source(snapshot)
    if snapshot_source[0] != source.data_source:
        sources.append(snapshot_source)
    graph = links_graph(inputs, resolutions, expansions, checks, snapshot, sources, source.data_source)
    compacted = False
    if write:
        step("writing the links graph")
        store.replace_graph(LINKS_GRAPH, graph)
        # Linking reads the whole store anyway; the compaction (about 3 s per million quads)
        # spares every later query the engine files the write left behind, which made small
        # named queries about 15% slower on a million-quad store.
        compacted = store.optimize()
    report = LinkReport(source.description, list(resolutions.values()), expansions, checks,
                        len(inputs.places), len(graph), compacted=compacted)
    if on_warning is not None:
        for check in report.contradictions:
            on_warning(f"{check.name}: {check.detail}")
    return report
