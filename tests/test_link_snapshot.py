"""The offline snapshot (``kg/data/links``): rebuilt byte for byte from its documented inputs,
only verified identifiers and properties, every link query documented and runnable on it."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest
from kg.link import Snapshot, SnapshotError
from kg.link.snapshot import COUNTRIES_FILE, README_FILE, WIKIDATA_FILE
from kg.link.sources import SnapshotSource
from kg.link.sparql import QUERIES_DIR, link_query
from kg.link.vocab import WDQS, qid

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SCRIPT = REPO / "scripts" / "build_link_snapshot.py"
needs_shared_data = pytest.mark.skipif(not (SHARED_DATA / "country-codes.csv").is_file(),
                                       reason="the reference data (../shared/data) is not next to this checkout")


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return Snapshot.load()


@needs_shared_data
def test_the_snapshot_is_rebuilt_byte_for_byte_from_its_inputs(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--data", str(SHARED_DATA), "--output", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    bundled = Snapshot.load().directory
    for name in (WIKIDATA_FILE, COUNTRIES_FILE, README_FILE):
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), \
            f"{name} differs: run python scripts/build_link_snapshot.py and commit kg/data/links"


@needs_shared_data
def test_every_item_comes_from_the_reference_data(snapshot: Snapshot) -> None:
    known = set()
    with (SHARED_DATA / "country-wikidata.csv").open(encoding="utf-8") as handle:
        known |= {row["qid"] for row in csv.DictReader(handle) if row["qid"]}
    with (SHARED_DATA / "country-codes.csv").open(encoding="utf-8") as handle:
        known |= {row["wikidata_id"].rsplit("/", 1)[-1] for row in csv.DictReader(handle) if row["wikidata_id"]}
    readme = (SHARED_DATA / "README.md").read_text(encoding="utf-8")
    known |= set(re.findall(r"\b(Q[1-9][0-9]*)\b", readme.split("Verified Wikidata identifiers", 1)[1]))
    items = {qid(term) for triple in snapshot.graph for term in triple if qid(term)}
    assert items and items <= known, sorted(items - known)


def test_link_queries_use_only_verified_properties(snapshot: Snapshot) -> None:
    readme = (snapshot.directory / README_FILE).read_text(encoding="utf-8")
    verified = set(re.search(r"Verified properties: ([P0-9, ]+)\.", readme).group(1).replace(",", " ").split())
    used = set()
    for path in QUERIES_DIR.glob("*.rq"):
        body = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
        used |= set(re.findall(r"\b(?:wdt|p|ps|pq):(P[0-9]+)\b", body))
        assert not re.search(r"\bwd:Q[0-9]+", body), f"{path.name} names an item"
    assert used and used <= verified, sorted(used - verified)


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERIES_DIR.glob("*.rq")))
def test_every_link_query_is_documented_and_runs_on_the_snapshot(snapshot: Snapshot, name: str) -> None:
    text = link_query(name).text
    assert text.startswith(f"# {name} — ")
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "# Columns" in header and "# Parameters:" in header
    columns = re.findall(r"^#   (\w+)\s", header.split("# Parameters:")[0], flags=re.MULTILINE)
    parameters = re.findall(r"^#   \?(\w+)\s", header, flags=re.MULTILINE)
    assert columns and parameters
    select = text.split("SELECT", 1)[1].split("WHERE", 1)[0]
    assert re.findall(r"\?(\w+)\b(?!_)", re.sub(r"\(MIN\(\?\w+\) AS ", "(", select)) == columns
    source = SnapshotSource(snapshot)
    try:
        if not name.startswith("kg-"):
            source.select(name, {})  # runs, unbound
    finally:
        source.close()


def test_the_snapshot_answers_like_wikidata(snapshot: Snapshot) -> None:
    source = SnapshotSource(snapshot)
    try:
        eu = next(item for item in snapshot.groups)
        assert qid(eu) == "Q458" and snapshot.curated[eu] == "organisation"
        from rdflib import Literal
        from rdflib.namespace import XSD

        def members(day: str) -> set[str]:
            at = Literal(f"{day}T00:00:00Z", datatype=XSD.dateTime)
            return {str(r["iso3"]) for r in source.select("group-members", {"group": eu, "date": at})}

        assert len(members("2012-12-05")) == 27 and "GBR" in members("2012-12-05") and "HRV" not in members("2012-12-05")
        assert len(members("2013-07-01")) == 28
        assert len(members("2020-01-31")) == 28 and "GBR" not in members("2020-02-01")
        assert len(members("1957-12-31")) == 0 and len(members("1958-01-01")) == 6
        assert len(source.select("group-members", {"group": eu})) == 28
    finally:
        source.close()
    assert snapshot.country("gbr").geonames_id == 2635167
    assert snapshot.country("NLD").official_name == "Kingdom of the Netherlands"
    assert snapshot.country(None) is None


def test_snapshot_errors(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="no such directory"):
        Snapshot.load(tmp_path / "missing")
    tmp_path.joinpath("empty").mkdir()
    with pytest.raises(SnapshotError, match="countries.csv is missing"):
        Snapshot.load(tmp_path / "empty")
    (tmp_path / "empty" / COUNTRIES_FILE).write_text(
        (Snapshot.load().directory / COUNTRIES_FILE).read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SnapshotError, match="wikidata.ttl is missing"):
        Snapshot.load(tmp_path / "empty")
    (tmp_path / "empty" / COUNTRIES_FILE).write_text("iso2,iso3\nXX,XXX\n", encoding="utf-8")
    with pytest.raises(SnapshotError, match="the header must be"):
        Snapshot.load(tmp_path / "empty")


def test_one_source_of_truth_for_the_default_endpoint() -> None:
    from kg.cli import link

    assert link.WDQS == WDQS == "https://query.wikidata.org/sparql"


def test_the_package_never_reads_the_reference_data() -> None:
    for path in (REPO / "kg" / "link").rglob("*"):
        if path.is_file() and path.suffix in (".py", ".rq"):
            text = path.read_text(encoding="utf-8")
            assert "shared/data" not in text and "/shared" not in text, path


def test_importing_kg_link_does_no_io() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, kg.link; "
                           "print(sorted(m for m in sys.modules if m.startswith(('kg.link.', 'SPARQLWrapper'))))"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
