"""The Dask path: extraction on a real ``dask.distributed`` LocalCluster (two worker processes on
127.0.0.1) gives the same graph as the local path, through the store and through N-Quads shards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

from kg.builder import build  # noqa: E402
from kg.cli import main  # noqa: E402
from kg.engine.cluster import DaskEngine  # noqa: E402
from kg.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "tests" / "articles", ROOT / "tests" / "articles_heldout"]
ARTICLES = sum(len(list(folder.glob("*.txt"))) for folder in SOURCES)


@pytest.fixture(scope="module")
def scheduler() -> str:
    """The address of a LocalCluster of two single-threaded worker processes."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, worker_dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def local_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("local") / "store"
    assert main(["build", "--quiet", "--jobs", "1", "--store", str(path), *map(str, SOURCES)]) == 0
    return path


def contents(path: Path) -> tuple[set, set]:
    with Store.open(path, read_only=True) as store:
        return set(store.quads()), set(store.triples())


def test_the_dask_path_builds_the_same_graph_as_the_local_path(scheduler: str, local_store: Path,
                                                              tmp_path: Path, capsys) -> None:
    store = tmp_path / "store"
    code = main(["build", "--engine", "dask", "--scheduler", scheduler, "--store", str(store), *map(str, SOURCES)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(f"Built {ARTICLES} article(s), 0 unchanged, 0 failed")
    assert "engine dask, 2 job(s)" in out
    assert contents(store) == contents(local_store)
    # incremental on the cluster path too: the client skips what the store already has
    assert main(["build", "--engine", "dask", "--scheduler", scheduler, "--store", str(store),
                 *map(str, SOURCES)]) == 0
    assert capsys.readouterr().out.startswith(f"Built 0 article(s), {ARTICLES} unchanged, 0 failed")


def test_shards_written_on_the_cluster_load_into_the_same_graph(scheduler: str, local_store: Path,
                                                               tmp_path: Path, capsys) -> None:
    shards = tmp_path / "shards"
    with DaskEngine(scheduler) as engine:
        report = build(SOURCES, None, engine=engine, shards=shards)
    assert (report.built, report.failed) == (ARTICLES, 0)
    assert report.shards == [str(shards / "part-000001.nq")]
    loaded = tmp_path / "loaded"
    assert main(["build", "--quiet", "--store", str(loaded), str(shards / "*.nq")]) == 0
    assert contents(loaded) == contents(local_store)
    # the shard is plain N-Quads that Oxigraph's own loader reads as it is
    import pyoxigraph as ox

    raw = ox.Store()
    raw.bulk_load(path=str(shards / "part-000001.nq"), format=ox.RdfFormat.N_QUADS)
    assert len(raw) == len(contents(local_store)[0])


def test_an_unreachable_scheduler_is_one_line_and_exit_1(tmp_path: Path, capsys) -> None:
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["build", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--store",
                     str(tmp_path / "store")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("kg build: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "store").exists()
