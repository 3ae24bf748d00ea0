"""The offline snapshot: Wikidata-shaped RDF plus a table of country codes, names and GeoNames ids.

A snapshot is a directory (the bundled one is ``kg/data/links/``) holding

* ``wikidata.ttl`` — items in Wikidata's own RDF model: English ``rdfs:label`` and
  ``skos:altLabel``, ISO 3166-1 codes (``wdt:P297``, ``wdt:P298``), memberships of groups of
  states as full statements (``p:P463`` → ``ps:P463`` with ``pq:P580`` start and ``pq:P582``
  end), and, for the organisations and persons whose identifiers were verified by hand,
  ``kgo:linkKind`` (and ``kgo:groupOfStates true`` for a group whose members may be inferred).
  The link queries in ``kg/link/queries/`` run on it unchanged, as they run on a live endpoint.
* ``countries.csv`` — one row per ISO 3166-1 entry: codes, the news name kg uses as a label,
  short and official names, M49 region and sub-region, GeoNames id. Not Wikidata data, so
  the live path reads it too.
* ``README.md`` — where every file came from and under which licence.

``scripts/build_link_snapshot.py`` builds the bundled snapshot from reference data;
``kg link refresh-snapshot`` regenerates ``wikidata.ttl`` from a live endpoint
(``kg.link.refresh``). Both write through :func:`write_snapshot`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS, XSD

from kg.errors import KgError
from kg.link.errors import SnapshotError
from kg.link.vocab import KGO, LINK_PREFIXES

__all__ = [
    "COUNTRIES_FILE",
    "CountryRecord",
    "README_FILE",
    "Snapshot",
    "WIKIDATA_FILE",
    "default_snapshot_dir",
    "write_snapshot",
]

WIKIDATA_FILE = "wikidata.ttl"
COUNTRIES_FILE = "countries.csv"
README_FILE = "README.md"

KINDS = ("country", "organisation", "person")


@dataclass(frozen=True)
class CountryRecord:
    """One row of ``countries.csv``: ISO 3166-1 codes, names, region, GeoNames id."""

    iso2: str
    iso3: str
    numeric: str
    name: str  # the name kg's extractor gives the country ("South Korea", "Czech Republic")
    short_name: str  # ISO/UN short name ("Republic of Korea", "Czechia")
    official_name: str  # UN formal name ("Republic of Korea", "Czech Republic")
    region: str  # UN M49 region ("Europe")
    subregion: str  # UN M49 sub-region ("Eastern Europe")
    geonames_id: int | None

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The column names ``countries.csv`` must have, in order (the record's fields)."""
        return tuple(f.name for f in fields(cls))


def default_snapshot_dir() -> Path:
    """The bundled snapshot's directory (``kg/data/links``)."""
    from kg.resources import resource_path  # deferred: importing kg.link does no I/O

    return resource_path("data", "links")


def _read_countries(path: Path) -> dict[str, CountryRecord]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SnapshotError(f"snapshot {path.parent}: {path.name} is missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SnapshotError(f"snapshot {path}: cannot read it ({error})") from None
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CountryRecord.columns():
        raise SnapshotError(f"snapshot {path}: the header must be {','.join(CountryRecord.columns())}")
    countries: dict[str, CountryRecord] = {}
    for line, row in enumerate(reader, start=2):
        iso3 = (row.get("iso3") or "").strip()
        geonames = (row.get("geonames_id") or "").strip()
        if len(iso3) != 3 or not iso3.isalpha() or (geonames and not geonames.isdigit()):
            raise SnapshotError(f"snapshot {path}:{line}: bad row (iso3 {iso3!r}, geonames_id {geonames!r})")
        cells = {name: (row.get(name) or "").strip() for name in CountryRecord.columns() if name != "geonames_id"}
        countries[iso3] = CountryRecord(**cells, geonames_id=int(geonames) if geonames else None)
    return countries


class Snapshot:
    """A snapshot directory, read: the country table at once, the RDF when first asked for."""

    def __init__(self, directory: Path, countries: dict[str, CountryRecord], wikidata: bytes) -> None:
        self.directory = directory
        self.countries = countries
        self._wikidata = wikidata

    @classmethod
    def load(cls, directory: str | os.PathLike[str] | None = None) -> Snapshot:
        """Read the snapshot in ``directory`` (the bundled one when None)."""
        path = Path(directory) if directory is not None else default_snapshot_dir()
        if not path.is_dir():
            raise SnapshotError(f"snapshot {path}: no such directory")
        countries = _read_countries(path / COUNTRIES_FILE)
        try:
            wikidata = (path / WIKIDATA_FILE).read_bytes()
        except FileNotFoundError:
            raise SnapshotError(f"snapshot {path}: {WIKIDATA_FILE} is missing") from None
        except OSError as error:
            raise SnapshotError(f"snapshot {path / WIKIDATA_FILE}: cannot read it ({error.strerror or error})") from None
        return cls(path, countries, wikidata)

    @cached_property
    def identity(self) -> str:
        """A hash of the snapshot's content (names its data source in the graph)."""
        digest = hashlib.sha1(self._wikidata)
        digest.update(b"\0")
        digest.update((self.directory / COUNTRIES_FILE).read_bytes())
        return digest.hexdigest()

    @cached_property
    def graph(self) -> Graph:
        """The Wikidata-shaped RDF of the snapshot."""
        graph = Graph()
        try:
            graph.parse(data=self._wikidata.decode("utf-8"), format="turtle")
        except Exception as error:  # rdflib raises many kinds of parser errors
            message = " ".join(str(error).split())[:200]
            raise SnapshotError(f"snapshot {self.directory / WIKIDATA_FILE}: not valid Turtle ({message})") from None
        return graph

    @cached_property
    def curated(self) -> dict[URIRef, str]:
        """The items whose identifiers were verified by hand, with their kind (``kgo:linkKind``)."""
        return {s: str(o) for s, o in self.graph.subject_objects(KGO.linkKind) if isinstance(s, URIRef)}

    @cached_property
    def groups(self) -> frozenset[URIRef]:
        """The groups of states whose members may be inferred (``kgo:groupOfStates true``)."""
        return frozenset(s for s, o in self.graph.subject_objects(KGO.groupOfStates)
                         if isinstance(s, URIRef) and o == Literal(True))

    def country(self, iso3: str | None) -> CountryRecord | None:
        """The table row of an alpha-3 code, or None."""
        return self.countries.get(iso3.upper()) if iso3 else None

    @property
    def bundled(self) -> bool:
        """True for the snapshot kg ships (``kg/data/links``)."""
        try:
            return self.directory.resolve() == default_snapshot_dir().resolve()
        except (KgError, OSError):  # no bundled snapshot: this one is not it
            return False

    def summary(self) -> str:
        """``"249 countries, 6 verified organisations and persons, 28 group memberships"``."""
        from kg.link.vocab import P

        memberships = sum(1 for _ in self.graph.subject_objects(P.P463))
        return (f"{len(self.countries)} countries, {len(self.curated)} verified organisations and persons, "
                f"{memberships} group memberships")

    def __repr__(self) -> str:
        return f"<Snapshot {self.directory} ({len(self.countries)} countries)>"


def _turtle(graph: Graph, header: str) -> str:
    out = Graph()
    for prefix, namespace in (("rdfs", RDFS), ("skos", SKOS), ("xsd", XSD), *LINK_PREFIXES):
        out.bind(prefix, namespace, override=True, replace=True)
    for triple in graph:
        out.add(triple)
    body = out.serialize(format="turtle")
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return comment + "\n" + body


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)


def write_snapshot(
    directory: str | os.PathLike[str],
    graph: Graph,
    countries: Iterable[CountryRecord],
    readme: str,
    *,
    header: str,
) -> Path:
    """Write a snapshot (``wikidata.ttl`` with ``header`` as a comment, ``countries.csv``, ``README.md``)."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
        rows = io.StringIO()
        writer = csv.writer(rows, lineterminator="\n")
        writer.writerow(CountryRecord.columns())
        for record in sorted(countries, key=lambda r: r.iso3):
            writer.writerow(["" if getattr(record, c) is None else getattr(record, c) for c in CountryRecord.columns()])
        _write(path / COUNTRIES_FILE, rows.getvalue())
        _write(path / WIKIDATA_FILE, _turtle(graph, header))
        _write(path / README_FILE, readme if readme.endswith("\n") else readme + "\n")
    except OSError as error:
        raise SnapshotError(f"cannot write the snapshot to {path}: {error.strerror or error}") from None
    return path
