"""kg's controlled vocabularies, read from the ontology: membership statuses and fact kinds.

``ontology/kg.ttl`` holds them as SKOS concept schemes, the one place they are written:

- ``kgo:MembershipStatuses``: each status's ``skos:notation`` is the string kg writes as
  ``kgo:membershipStatus`` ("member", "observer", ...), ``kgo:countsAsMember`` says whether
  it makes the actor a member (the mapping then states ``org:hasMember``, which the
  ``members`` query reads) and ``kgo:viewRelation`` names the edge the graph views draw.
- ``kgo:FactKinds``: each kind's ``skos:notation`` ("person", "agreement", ...) and the classes
  whose instances are of that kind (``kgo:kindClass``), listed most specific first by
  ``kgo:FactKindOrder``; ``kgo:ActorKinds`` lists the kinds that are actors.

:func:`vocabulary` reads the bundled file at first use and keeps the result; importing this
module reads nothing. The extraction's ``MEMBER_STATUSES``/``ALL_STATUSES`` (sets that ask it
when used), the RDF mapping and the graph views all ask it, so a status added to the
ontology is counted everywhere. ``ontology/shapes.ttl`` repeats the notations in an ``sh:in``
list (SHACL cannot take them from a scheme); a test holds that list to this one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.errors import KgError
from kg.namespaces import KGO, SKOS

__all__ = [
    "FactKind",
    "Status",
    "Vocabulary",
    "VocabularyError",
    "load_vocabulary",
    "set_vocabulary",
    "vocabulary",
]


class VocabularyError(KgError):
    """The ontology's vocabularies cannot be read (a broken file, a concept missing a value)."""


@dataclass(frozen=True)
class Status:
    """A membership status: a concept of ``kgo:MembershipStatuses``."""

    notation: str
    """The string written as ``kgo:membershipStatus`` ("founding member")."""
    concept: URIRef
    counts_as_member: bool
    """Whether an actor with this status is a member (``org:hasMember``)."""
    relation: str
    """The name of the edge from the actor to the agreement in the graph views ("member_of")."""


@dataclass(frozen=True)
class FactKind:
    """A kind of node: a concept of ``kgo:FactKinds``."""

    notation: str
    """The kind's name ("person"), as ``Actor.kind`` and a view node's ``kind`` give it."""
    concept: URIRef
    classes: frozenset[URIRef]
    """The classes whose instances are of this kind."""


@dataclass(frozen=True)
class Vocabulary:
    """The statuses and kinds of one ontology file."""

    source: str
    statuses: tuple[Status, ...]
    """Every membership status, by notation."""
    kinds: tuple[FactKind, ...]
    """Every fact kind, most specific first (``kgo:FactKindOrder``)."""
    actor_kinds: tuple[str, ...]
    """The notations of the kinds that are actors, in ``kgo:ActorKinds`` order."""

    @cached_property
    def all_statuses(self) -> frozenset[str]:
        """The notation of every membership status."""
        return frozenset(s.notation for s in self.statuses)

    @cached_property
    def member_statuses(self) -> frozenset[str]:
        """The notations of the statuses that make an actor a member."""
        return frozenset(s.notation for s in self.statuses if s.counts_as_member)

    @cached_property
    def _by_notation(self) -> dict[str, Status]:
        return {s.notation: s for s in self.statuses}

    def status(self, notation: str) -> Status | None:
        """The status written ``notation``, or None when the scheme has none."""
        return self._by_notation.get(notation)

    def counts_as_member(self, notation: str) -> bool:
        """Whether status ``notation`` makes an actor a member (False for an unknown status)."""
        status = self.status(notation)
        return status is not None and status.counts_as_member

    @cached_property
    def kind_of_class(self) -> dict[str, tuple[int, str]]:
        """class IRI → (rank, kind notation); a lower rank is a more specific kind."""
        table: dict[str, tuple[int, str]] = {}
        for rank, kind in enumerate(self.kinds):
            for cls in sorted(kind.classes):
                table.setdefault(str(cls), (rank, kind.notation))
        return table


# --- reading the ontology ----------------------------------------------------------------------

_current: Vocabulary | None = None
_lock = threading.Lock()


def vocabulary() -> Vocabulary:
    """The bundled ontology's vocabularies, read at first use (raises ``VocabularyError``)."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = load_vocabulary()
    return _current


def set_vocabulary(vocab: Vocabulary | None) -> None:
    """Use ``vocab`` from now on in this process (None: the bundled ontology, read at next use).

    For tests and experiments with a changed ontology: ``set_vocabulary(load_vocabulary(path))``.
    Worker processes a build starts read the bundled file themselves.
    """
    global _current
    with _lock:
        _current = vocab


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """The vocabularies of the ontology file ``path`` (the bundled ``ontology/kg.ttl`` when None)."""
    if path is None:
        from kg.resources import resource_path

        path = resource_path("ontology", "kg.ttl")
    where = str(path)
    graph = Graph()
    try:
        graph.parse(str(path), format="turtle")
    except Exception as exc:  # OSError, or any of the parser's own exception types
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise VocabularyError(f"{where}: cannot read the ontology: {detail}") from None
    reader = _Reader(graph, where)
    return Vocabulary(
        source=where,
        statuses=reader.statuses(),
        kinds=reader.kinds(),
        actor_kinds=reader.actor_kinds(),
    )


class _Reader:
    """Reads the two schemes out of a parsed ontology; every problem names the file."""

    def __init__(self, graph: Graph, where: str) -> None:
        self.graph = graph
        self.where = where

    def fail(self, problem: str) -> VocabularyError:
        return VocabularyError(f"{self.where}: {problem}")

    def concepts(self, scheme: URIRef) -> list[URIRef]:
        found = sorted(
            c for c in self.graph.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)
        )
        if not found:
            raise self.fail(f"no concept is skos:inScheme {scheme.n3()}")
        return found

    def one(self, concept: URIRef, prop: URIRef) -> Node:
        values = list(self.graph.objects(concept, prop))
        if len(values) != 1:
            raise self.fail(f"{concept.n3()} needs exactly one {prop.n3()}, has {len(values)}")
        return values[0]

    def notation(self, concept: URIRef) -> str:
        value = self.one(concept, SKOS.notation)
        if not isinstance(value, Literal) or not str(value).strip():
            raise self.fail(f"{concept.n3()} needs a skos:notation string")
        return str(value)

    def unique(self, concepts: list[URIRef]) -> list[str]:
        notations = [self.notation(c) for c in concepts]
        for notation in notations:
            if notations.count(notation) > 1:
                raise self.fail(f"two concepts have the skos:notation {notation!r}")
        return notations

    def statuses(self) -> tuple[Status, ...]:
        concepts = self.concepts(KGO.MembershipStatuses)
        notations = self.unique(concepts)
        out = []
        for concept, notation in zip(concepts, notations):
            flag = self.one(concept, KGO.countsAsMember)
            if not isinstance(flag, Literal) or not isinstance(flag.toPython(), bool):
                raise self.fail(f"{concept.n3()}: kgo:countsAsMember must be true or false")
            relation = self.one(concept, KGO.viewRelation)
            out.append(Status(notation, concept, bool(flag.toPython()), str(relation)))
        return tuple(sorted(out, key=lambda s: s.notation))

    def ordered(self, collection: URIRef) -> list[URIRef]:
        head = self.graph.value(collection, SKOS.memberList)
        if head is None:
            raise self.fail(f"{collection.n3()} needs a skos:memberList")
        members = [m for m in Collection(self.graph, head) if isinstance(m, URIRef)]
        return members

    def kinds(self) -> tuple[FactKind, ...]:
        concepts = self.concepts(KGO.FactKinds)
        self.unique(concepts)
        order = self.ordered(KGO.FactKindOrder)
        if sorted(order) != concepts:
            odd = sorted(set(concepts) ^ set(order)) or sorted({c for c in order if order.count(c) > 1})
            shown = ", ".join(c.n3() for c in odd)
            raise self.fail(f"kgo:FactKindOrder must list every concept of kgo:FactKinds once (check {shown})")
        out = []
        for concept in order:
            classes = frozenset(c for c in self.graph.objects(concept, KGO.kindClass) if isinstance(c, URIRef))
            if not classes:
                raise self.fail(f"{concept.n3()} needs a kgo:kindClass")
            out.append(FactKind(self.notation(concept), concept, classes))
        return tuple(out)

    def actor_kinds(self) -> tuple[str, ...]:
        members = self.ordered(KGO.ActorKinds)
        for member in members:
            if (member, SKOS.inScheme, KGO.FactKinds) not in self.graph:
                raise self.fail(f"kgo:ActorKinds lists {member.n3()}, which is no concept of kgo:FactKinds")
        return tuple(self.notation(m) for m in members)
