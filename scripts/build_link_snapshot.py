#!/usr/bin/env python3
"""Build kg's offline link snapshot (``kg/data/links/``) from reference data.

kg never reads these inputs at run time: a developer runs this script, reviews the diff of
``kg/data/links/`` and commits it. The output is deterministic (same inputs → same bytes).

Inputs, all read from ``--data`` (default: ``../shared/data`` next to the repository):

  country-codes.csv     ISO 3166-1 alpha-2/alpha-3/numeric codes, UN names, M49 regions,
                        GeoNames ids and Wikidata ids (``wikidata_id``) of 249 countries and
                        territories — datasets/country-codes, ODC-PDDL-1.0 (public domain)
  country-wikidata.csv  the Wikidata ids of the 197 states, derived from the file above, with
                        Namibia's id (blank there: "NA" read as missing) restored from two other
                        public files — ODC-PDDL-1.0
  eu-membership.csv     EU (and European Communities) member states with accession date and
                        leaving date — facts
  README.md             the Wikidata ids of organisations and persons verified by hand
                        ("Verified Wikidata identifiers ...") and the verified property numbers
                        ("Properties: ..."); every property a link query uses must be listed

and, from this repository, kg's gazetteer (``kg/extraction/data/countries.tsv`` and
``organisations.json`` through ``kg.extraction.gazetteer``): the names kg's extractor gives
countries and organisations (used as aliases, so what the extractor reads is what linking
finds) and which organisations are groups of states.

Nothing else goes in: no item or property number is written in this script. An entity of the
verified list whose kind this script cannot tell stops the build with a message.

Usage:  python scripts/build_link_snapshot.py [--data DIR] [--output DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rdflib import Graph, Literal, URIRef  # noqa: E402
from rdflib.namespace import RDF, RDFS, SKOS, XSD  # noqa: E402

from kg.extraction.gazetteer import countries as gazetteer_countries  # noqa: E402
from kg.extraction.gazetteer import organisations as gazetteer_organisations  # noqa: E402
from kg.rdf.iris import snapshot_statement_iri  # noqa: E402
from kg.link.snapshot import CountryRecord, write_snapshot  # noqa: E402
from kg.link.sparql import QUERIES_DIR  # noqa: E402
from kg.link.vocab import KGO, PQ, PS, WD, WDT, WIKIBASE, P  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUTPUT = REPO / "kg" / "data" / "links"

INPUTS = ("country-codes.csv", "country-wikidata.csv", "eu-membership.csv", "README.md")

# The kinds of the verified entities that are neither countries (found in the country tables)
# nor organisations (found in kg's organisation gazetteer), by their label in the verified list.
KIND_BY_LABEL = {
    "Eric Holder": "person",
    "City of Brussels": "place",
    "Brussels-Capital Region": "place",
}

# Membership files: file name → the label, in the verified list, of the group they list.
GROUP_FILES = {"eu-membership.csv": "European Union"}

_QID = re.compile(r"^Q[1-9][0-9]*$")


class BuildError(Exception):
    pass


@dataclass(frozen=True)
class Verified:
    label: str
    qid: str


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as error:
        raise BuildError(f"cannot read {path}: {error.strerror or error}") from None


def _clean_un(name: str) -> str:
    """'the Republic of Korea' / 'Holy See (the) *' → 'Republic of Korea' / 'Holy See'."""
    name = name.strip().removesuffix("*").strip()
    name = re.sub(r"\s*\(the\)$", "", name)
    name = re.sub(r"^the\s+", "", name)
    return name.strip()


def _fold(text: str) -> str:
    text = text.lower().replace(".", "")
    text = re.sub(r"\bunited states\b", "us", text)
    return " ".join(text.split())


def read_verified(readme: Path) -> tuple[list[Verified], set[str]]:
    """The verified (label, id) pairs and property numbers listed in the data README."""
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as error:
        raise BuildError(f"cannot read {readme}: {error.strerror or error}") from None
    match = re.search(r"Verified Wikidata identifiers[^:]*:\s*(.*?)\s*Properties:\s*(.*?)(?:\n\s*\n|Anything)",
                      text, flags=re.DOTALL)
    if not match:
        raise BuildError(f"{readme}: no 'Verified Wikidata identifiers ... Properties: ...' paragraph")
    entities = []
    for part in " ".join(match.group(1).split()).rstrip(".").split(","):
        pair = re.fullmatch(r"\s*(.+?)\s+(Q[1-9][0-9]*)\s*", part)
        if not pair:
            raise BuildError(f"{readme}: cannot read {part.strip()!r} as 'Label Qnnn'")
        entities.append(Verified(pair.group(1), pair.group(2)))
    properties = set(re.findall(r"\bP[1-9][0-9]*\b", match.group(2)))
    return entities, properties


def check_query_properties(properties: set[str]) -> None:
    """Every property number the link queries use must be a verified one."""
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        body = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("#"))
        for used in sorted(set(re.findall(r"\b(?:wdt|p|ps|pq):(P[1-9][0-9]*)\b", body))):
            if used not in properties:
                raise BuildError(f"{path.name} uses {used}, which is not among the verified properties")


def build(data: Path, output: Path) -> Path:
    entities, properties = read_verified(data / "README.md")
    check_query_properties(properties)
    codes = _read_csv(data / "country-codes.csv")
    states = {row["iso3"]: row for row in _read_csv(data / "country-wikidata.csv")}
    gazetteer = {entry.iso3: entry for entry in gazetteer_countries()}

    graph = Graph()
    records: list[CountryRecord] = []
    qid_of_iso3: dict[str, str] = {}
    for row in codes:
        iso3 = row["ISO3166-1-Alpha-3"].strip()
        iso2 = row["ISO3166-1-Alpha-2"].strip()
        if not re.fullmatch(r"[A-Z]{3}", iso3) or not re.fullmatch(r"[A-Z]{2}", iso2):
            raise BuildError(f"country-codes.csv: bad codes {iso2!r}/{iso3!r}")
        from_codes = row["wikidata_id"].strip().rsplit("/", 1)[-1]
        from_states = states.get(iso3, {}).get("qid", "").strip()
        if from_codes and from_states and from_codes != from_states:
            raise BuildError(f"{iso3}: country-codes.csv says {from_codes}, country-wikidata.csv {from_states}")
        qid = from_states or from_codes
        entry = gazetteer.get(iso3)
        short = _clean_un(row["UNTERM English Short"]) or row["official_name_en"].strip()
        official = _clean_un(row["UNTERM English Formal"]) or row["official_name_en"].strip()
        geonames = row["Geoname ID"].strip()
        records.append(CountryRecord(
            iso2=iso2, iso3=iso3, numeric=row["ISO3166-1-numeric"].strip().zfill(3),
            name=(entry.name if entry else "") or row["CLDR display name"].strip() or short,
            short_name=short, official_name=official,
            region=row["Region Name"].strip(), subregion=row["Sub-region Name"].strip(),
            geonames_id=int(geonames) if geonames.isdigit() else None,
        ))
        if not qid:
            continue
        if not _QID.match(qid):
            raise BuildError(f"{iso3}: {qid!r} is not a Wikidata item id")
        qid_of_iso3[iso3] = qid
        item = WD[qid]
        label = states.get(iso3, {}).get("name", "").strip() or row["CLDR display name"].strip() or short
        names = [row["official_name_en"], short, official, row["CLDR display name"]]
        if entry is not None:
            names += [entry.name, entry.official_name or "", *entry.aliases]
        graph.add((item, RDFS.label, Literal(label, lang="en")))
        for name in sorted({n.strip() for n in names if n and n.strip()} - {label}):
            graph.add((item, SKOS.altLabel, Literal(name, lang="en")))
        graph.add((item, WDT.P297, Literal(iso2)))
        graph.add((item, WDT.P298, Literal(iso3)))

    organisations = {_fold(alias): org for org in gazetteer_organisations() for alias in org.aliases}
    by_label: dict[str, URIRef] = {}
    skipped: list[str] = []
    country_qids = set(qid_of_iso3.values())
    for verified in entities:
        item = WD[verified.qid]
        by_label[verified.label] = item
        if verified.qid in country_qids:
            continue
        kind = KIND_BY_LABEL.get(verified.label)
        org = organisations.get(_fold(verified.label))
        if kind is None and org is not None:
            kind = "organisation"
        if kind is None:
            raise BuildError(f"verified entity {verified.label} {verified.qid}: unknown kind; add it to KIND_BY_LABEL")
        if kind == "place":
            skipped.append(f"{verified.label} ({verified.qid}): a place; places are linked to GeoNames only")
            continue
        graph.add((item, RDFS.label, Literal(verified.label, lang="en")))
        graph.add((item, KGO.linkKind, Literal(kind)))
        if org is not None:
            for alias in sorted(set(org.aliases) - {verified.label}):
                graph.add((item, SKOS.altLabel, Literal(alias, lang="en")))
            if org.is_group_of_states:
                graph.add((item, KGO.groupOfStates, Literal(True)))

    statements = 0
    for filename, group_label in GROUP_FILES.items():
        group = by_label.get(group_label)
        if group is None:
            raise BuildError(f"{filename}: the group {group_label!r} is not in the verified list")
        group_qid = str(group).rsplit("/", 1)[-1]
        for row in _read_csv(data / filename):
            iso3 = row["iso3"].strip()
            qid = qid_of_iso3.get(iso3)
            if qid is None:
                raise BuildError(f"{filename}: no Wikidata id for {iso3}")
            joined, left = row["joined"].strip(), row["left"].strip()
            statement = snapshot_statement_iri(qid, "P463", group_qid, joined or None)
            graph.add((WD[qid], WDT.P463, group))
            graph.add((WD[qid], P.P463, statement))
            graph.add((statement, RDF.type, WIKIBASE.Statement))
            graph.add((statement, PS.P463, group))
            graph.add((statement, WIKIBASE.rank, WIKIBASE.NormalRank))
            if joined:
                graph.add((statement, PQ.P580, Literal(f"{joined}T00:00:00Z", datatype=XSD.dateTime, normalize=False)))
            if left:
                graph.add((statement, PQ.P582, Literal(f"{left}T00:00:00Z", datatype=XSD.dateTime, normalize=False)))
            statements += 1

    checksums = {name: hashlib.sha256((data / name).read_bytes()).hexdigest() for name in INPUTS}
    header = (
        "kg offline link snapshot: Wikidata items in Wikidata's own RDF model.\n"
        "Generated by scripts/build_link_snapshot.py — do not edit; sources and licences in README.md."
    )
    return write_snapshot(output, graph, records, readme(checksums, records, qid_of_iso3, entities, skipped,
                                                         statements, properties), header=header)


def readme(checksums, records, qid_of_iso3, entities, skipped, statements, properties) -> str:
    inputs = "\n".join(f"| `{name}` | `{digest}` |" for name, digest in checksums.items())
    verified = ", ".join(f"{e.label} {e.qid}" for e in entities)
    skipped_text = "".join(f"\n- not used: {line}" for line in skipped)
    return f"""# kg's offline link snapshot

Generated by `scripts/build_link_snapshot.py` (do not edit by hand) or, from a live endpoint,
by `kg link refresh-snapshot --endpoint URL --output DIR`. `kg link` reads it offline.

| file | what |
|---|---|
| `wikidata.ttl` | {len(qid_of_iso3)} countries and territories (English label and aliases, ISO 3166-1 alpha-2 `wdt:P297` and alpha-3 `wdt:P298`), the organisations and persons verified by hand (`kgo:linkKind`), and {statements} EU memberships as Wikidata statements (`p:P463` → `ps:P463`, `pq:P580` start, `pq:P582` end), in Wikidata's own RDF model so the same SPARQL runs here and on a live endpoint |
| `countries.csv` | {len(records)} ISO 3166-1 entries: codes, the name kg's extractor uses, UN short and formal names, UN M49 region and sub-region, GeoNames id |

## Sources and licences

- **datasets/country-codes** (`data/country-codes.csv`, commit caa72d1e): ISO 3166-1 codes,
  UN names, M49 regions, GeoNames ids (`Geoname ID`) and Wikidata ids (`wikidata_id`).
  ODC-PDDL-1.0 (public domain). The GeoNames ids point at **GeoNames** features
  (<https://www.geonames.org/>, CC BY 4.0, attribution "GeoNames"); the Wikidata ids at
  **Wikidata** items (<https://www.wikidata.org/>, CC0).
- **country-wikidata.csv**: the Wikidata ids of the 197 states, derived from the file above;
  Namibia's id (blank there, its alpha-2 code "NA" was read as missing) cross-checked in two
  other public files. ODC-PDDL-1.0. The Netherlands is the Kingdom of the Netherlands, as there.
- **eu-membership.csv**: EU (and European Communities) member states with accession dates and
  the United Kingdom's leaving date, checked against the EU15, EU25, EU27_2007, EU28 and EU27
  flags of the `country-converter` package. Facts.
- **Verified identifiers** (each seen next to its label in public data): {verified}.{skipped_text}
- Names and aliases also come from kg's own gazetteer (`kg/extraction/data/`, see its README),
  so that the names the extractor gives are the names linking finds.

Verified properties: {", ".join(sorted(properties, key=lambda p: int(p[1:])))}. No other item
or property number is used, and nothing is guessed: an actor without a verified identifier
stays unlinked offline.

## Inputs of this build (SHA-256)

| input | sha256 |
|---|---|
{inputs}

## Regenerate

From reference data (a checkout with `shared/data` next to it):
`python scripts/build_link_snapshot.py [--data DIR] [--output DIR]`.
From a live Wikidata-shaped endpoint, with the same queries `kg link --endpoint` sends:
`kg link refresh-snapshot --endpoint URL --output DIR`, then `kg link --snapshot DIR`.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"reference data (default: {DEFAULT_DATA})")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"snapshot directory (default: {DEFAULT_OUTPUT})")
    args = parser.parse_args(argv)
    try:
        path = build(args.data, args.output)
    except BuildError as error:
        print(f"build_link_snapshot: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
