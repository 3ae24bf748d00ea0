"""``refresh_snapshot``: regenerate a snapshot's Wikidata-shaped RDF from a live endpoint.

The refresh asks the endpoint with the query files linking uses — ``country-by-iso`` and
``group-members`` without a value bound (every answer), ``positions`` for each verified person —
plus three that copy what the searches match (``country-names``, ``entity-names``,
``entity-claims``), and writes exactly the triples those queries read. So a link made offline
with a refreshed snapshot is the link the live endpoint gives: the two paths cannot drift.

What is refreshed: every item with an ISO 3166-1 alpha-3 code (labels, aliases, codes), the
verified organisations and persons of the current snapshot (``kgo:linkKind``; names, country,
employer, positions held), and the memberships of its groups of states. ``countries.csv``
(GeoNames ids, UN names and regions: not Wikidata data) is carried over unchanged.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.link.errors import LinkError
from kg.link.snapshot import README_FILE, Snapshot, write_snapshot
from kg.link.sources import EndpointSource, Source
from kg.link.sparql import Row
from kg.link.vocab import KGO, PQ, PS, WDT, WIKIBASE, P, is_item

__all__ = ["refresh_snapshot"]


def _name(graph: Graph, item: URIRef, row: Row) -> None:
    name = row.get("name")
    if not isinstance(name, Literal):
        return
    predicate = RDFS.label if str(row.get("kind")) == "label" else SKOS.altLabel
    graph.add((item, predicate, name))


def _countries(source: Source, graph: Graph) -> int:
    items: set[URIRef] = set()
    for row in source.select("country-by-iso"):
        item = row.get("item")
        if not is_item(item) or row.get("iso3") is None:
            continue
        items.add(item)
        graph.add((item, WDT.P298, Literal(str(row["iso3"]))))
        if row.get("iso2") is not None:
            graph.add((item, WDT.P297, Literal(str(row["iso2"]))))
    for row in source.select("country-names"):
        item = row.get("item")
        if isinstance(item, URIRef) and item in items:
            _name(graph, item, row)
    return len(items)


def _statement(graph: Graph, subject: URIRef, prop: str, value: URIRef, row: Row) -> URIRef | None:
    statement = row.get("statement")
    if not isinstance(statement, URIRef):
        return None
    graph.add((subject, P[prop], statement))
    graph.add((subject, WDT[prop], value))
    graph.add((statement, RDF.type, WIKIBASE.Statement))
    graph.add((statement, PS[prop], value))
    graph.add((statement, WIKIBASE.rank, WIKIBASE.NormalRank))
    for variable, qualifier in (("start", "P580"), ("end", "P582")):
        if isinstance(row.get(variable), Literal):
            graph.add((statement, PQ[qualifier], row[variable]))
    return statement


def _curated(source: Source, snapshot: Snapshot, graph: Graph) -> tuple[int, int, int]:
    positions = memberships = 0
    for item, kind in sorted(snapshot.curated.items()):
        graph.add((item, KGO.linkKind, Literal(kind)))
        for row in source.select("entity-names", {"item": item}):
            _name(graph, item, row)
        for row in source.select("entity-claims", {"item": item}):
            if isinstance(row.get("property"), URIRef) and isinstance(row.get("value"), URIRef):
                graph.add((item, row["property"], row["value"]))
        if kind == "person":
            for row in source.select("positions", {"item": item}):
                position = row.get("position")
                if not isinstance(position, URIRef) or _statement(graph, item, "P39", position, row) is None:
                    continue
                positions += 1
                if isinstance(row.get("positionLabel"), Literal):
                    graph.add((position, RDFS.label, row["positionLabel"]))
                if isinstance(row.get("country"), URIRef):
                    graph.add((position, WDT.P17, row["country"]))
        if item in snapshot.groups:
            graph.add((item, KGO.groupOfStates, Literal(True)))
            for row in source.select("group-members", {"group": item}):
                member = row.get("member")
                if is_item(member) and _statement(graph, member, "P463", item, row) is not None:
                    memberships += 1
    return len(snapshot.curated), positions, memberships


def refresh_snapshot(source: Source, snapshot: Snapshot, output: str | os.PathLike[str]) -> Snapshot:
    """Write a refreshed snapshot to ``output`` (``countries.csv`` carried over) and return it."""
    graph = Graph()
    countries = _countries(source, graph)
    if countries == 0:
        raise LinkError(f"the {source.description} knows no item with an ISO 3166-1 alpha-3 code (P298): "
                        "is it a Wikidata-shaped endpoint? Nothing written")
    curated, positions, memberships = _curated(source, snapshot, graph)
    where = source.url if isinstance(source, EndpointSource) else source.description
    today = dt.date.today().isoformat()
    header = (f"kg offline link snapshot: Wikidata items in Wikidata's own RDF model.\n"
              f"Refreshed from {where} on {today} by kg link refresh-snapshot — do not edit.")
    readme = (
        "# kg's offline link snapshot (refreshed)\n\n"
        f"Refreshed on {today} from the SPARQL endpoint {where} by `kg link refresh-snapshot`, with the\n"
        "queries `kg link --endpoint` sends (`kg/link/queries/`). Use it with `kg link --snapshot DIR`.\n\n"
        f"- `wikidata.ttl`: {countries} items with an ISO 3166-1 alpha-3 code (P298), {curated} verified\n"
        f"  organisations and persons (kept from {snapshot.directory}), {positions} positions held (P39),\n"
        f"  {memberships} memberships of groups of states (P463 with P580/P582). Wikidata data are CC0.\n"
        f"- `countries.csv`: carried over from {snapshot.directory}; see the README there for its sources\n"
        "  (datasets/country-codes, ODC-PDDL-1.0; GeoNames ids, GeoNames CC BY 4.0).\n"
    )
    previous = Path(snapshot.directory) / README_FILE
    if previous.is_file() and Path(output).resolve() != Path(snapshot.directory).resolve():
        readme += "\n## The snapshot this one refreshes\n\n" + previous.read_text(encoding="utf-8").split("\n", 1)[-1]
    write_snapshot(output, graph, snapshot.countries.values(), readme, header=header)
    return Snapshot.load(output)
