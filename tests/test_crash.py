"""Crash safety: real ``kg build``, ``kg import`` and ``kg export`` processes killed with SIGKILL.

A store holds the old versions of six articles; a build of their new versions (each edited)
plus two new articles is killed at seeded random points — half anywhere in the run (start-up,
extraction, writing, closing), half inside the writing phase, found by watching the engine's
write-ahead log grow — and after every kill the store must:

* open (read-only, and then for writing: the dead writer's lock is taken over);
* hold each article's graph either exactly as before or exactly as the full build writes it
  (compared triple for triple with an uninterrupted run), never a part, and no other graph;
* keep its default graph the union of its named graphs.

A last build on the most-killed store completes. ``kg import`` of a large file and ``kg export``
are killed the same way: the imported graph is old or new, never partial; the exported file is
the old file or a complete new one, never truncated.
"""

from __future__ import annotations

import glob
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from conftest import kg_env, old_and_new_sources
from kg.engine.local import SMALL_RUN
from kg.importer import file_graph_iri
from kg.store import LOCK_FILE, Store

ARTICLES = Path(__file__).resolve().parent / "articles"
SEED = 20_240_611
OLD_ARTICLES = 6
NEW_ARTICLES = 2
BUILD_ROUNDS = 6
IMPORT_ROUNDS = 3
EXPORT_ROUNDS = 4
Snapshot = dict[URIRef, frozenset]


def kg_process(*args: object, cwd: Path | None = None) -> subprocess.Popen:
    """``python -m kg ARGS`` in a session of its own (so its workers can be found and reaped)."""
    return subprocess.Popen([sys.executable, "-m", "kg", *map(str, args)], cwd=cwd, env=kg_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process and everything in its session; reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def wal_bytes(store: Path) -> int:
    """Bytes in the engine's write-ahead logs: grows when a transaction is written (timing only)."""
    return sum(os.path.getsize(f) for f in glob.glob(str(store / "*.log")) if os.path.exists(f))


def wait_for_write(store: Path, process: subprocess.Popen) -> bool:
    """Wait until the engine's write-ahead log grows (opening may first shrink or replace it)."""
    last = [wal_bytes(store)]

    def grew() -> bool:
        now = wal_bytes(store)
        grown, last[0] = now > last[0], now
        return grown

    return wait_for(grew, process)


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, limit: float = 120.0) -> bool:
    """Poll every 2 ms until ``condition()``; False if the process ended (or time ran out) first."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def snapshot(store: Path) -> Snapshot:
    with Store.open(store, read_only=True) as s:
        graphs: dict[URIRef, set] = {}
        for subject, predicate, obj, graph in s.quads():
            graphs.setdefault(graph, set()).add((subject, predicate, obj))
        union = set(s.triples())
    merged = set().union(*graphs.values()) if graphs else set()
    assert union == merged, f"the default graph is not the union of the named graphs ({len(union)} ≠ {len(merged)})"
    return {graph: frozenset(triples) for graph, triples in graphs.items()}


def check_old_or_new(store: Path, old: Snapshot, new: Snapshot) -> tuple[int, int]:
    """Every graph is exactly its old or its new version; returns (graphs old, graphs new)."""
    now = snapshot(store)
    assert set(now) <= set(old) | set(new), f"unexpected graphs: {set(now) - set(old) - set(new)}"
    counts = [0, 0]
    for graph in set(old) | set(new):
        state = now.get(graph)
        if state is not None and state == new.get(graph):
            counts[1] += 1
        elif state == old.get(graph):  # None == None: absent before, absent now
            counts[0] += 1
        else:
            have, want = len(state or ()), len(new.get(graph, ()))
            raise AssertionError(f"graph {graph} is half-written: {have} triples, old {len(old.get(graph, ()))}, new {want}")
    return counts[0], counts[1]


def writable_again(store: Path) -> None:
    """A new writer gets the store: the killed writer's lock is stale and taken over."""
    with Store.open(store):
        pass
    assert not (store / LOCK_FILE).exists()
    assert not list(store.glob("bulk-*.sst")), "the killed writer's bulk-load files are still there"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Old store, new sources, the graphs an uninterrupted build writes, and its timeline."""
    root = tmp_path_factory.mktemp("crash")
    old_dir, new_dir = old_and_new_sources(root, OLD_ARTICLES, NEW_ARTICLES)
    old_store = root / "old-store"
    done = subprocess.run([sys.executable, "-m", "kg", "build", "-q", "-j", "1", "--store", old_store, old_dir],
                          env=kg_env(), capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    full = root / "full-store"
    shutil.copytree(old_store, full)
    process = kg_process("build", "-q", "-j", "1", "--store", full, new_dir)
    started = time.monotonic()
    assert wait_for_write(full, process)
    assert process.wait(timeout=300) == 0, process.stderr.read() if process.stderr else ""
    ended = time.monotonic() - started
    old, new = snapshot(old_store), snapshot(full)
    assert len(old) == OLD_ARTICLES and len(new) == OLD_ARTICLES + NEW_ARTICLES and set(old) < set(new)
    assert all(new[g] != old[g] for g in old), "every old article has a new version"
    return {"root": root, "old_store": old_store, "new_dir": new_dir, "old": old, "new": new, "run": ended}


def test_kg_build_killed_at_random_points_leaves_old_or_new_graphs(corpus: dict, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    old, new = corpus["old"], corpus["new"]
    store = tmp_path / "store"
    seen_states: set[tuple[int, int]] = set()
    for round_ in range(BUILD_ROUNDS):
        if round_ == 0 or round_ % 3 == 1:  # some rounds start afresh from the old store
            shutil.rmtree(store, ignore_errors=True)
            shutil.copytree(corpus["old_store"], store)
        jobs = "2" if round_ % 4 == 3 else "1"
        process = kg_process("build", "-q", "-j", jobs, "--store", store, corpus["new_dir"])
        try:
            if round_ % 2 == 0:  # anywhere in the run
                time.sleep(rng.uniform(0.0, corpus["run"]))
            else:  # inside the writing phase: after the first, second or third write seen
                for _write in range(rng.randint(1, 3)):
                    wait_for_write(store, process)
        finally:
            kill_group(process)
        seen_states.add(check_old_or_new(store, old, new))
        writable_again(store)
        check_old_or_new(store, old, new)
    # at least one kill landed mid-way: some graphs new, others still old
    assert any(0 < n < len(new) for _o, n in seen_states) or len(seen_states) > 1, seen_states
    done = subprocess.run([sys.executable, "-m", "kg", "build", "-q", "-j", "1", "--store", store, corpus["new_dir"]],
                          env=kg_env(), capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert snapshot(store) == new, "a build after the crashes completes the store"


def test_kg_import_killed_at_random_points_leaves_the_old_or_the_new_graph(tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    data = tmp_path / "big.nt"
    store = tmp_path / "store"

    def version(tag: str, count: int) -> frozenset:
        data.write_text("".join(f'<http://e/{tag}/s{i}> <http://e/p> "{tag} value {i}" .\n' for i in range(count)))
        return frozenset(Graph().parse(data, format="nt"))

    old = version("old", 2_000)
    assert subprocess.run([sys.executable, "-m", "kg", "import", "-q", data, "--store", store], env=kg_env(),
                          capture_output=True, timeout=300).returncode == 0  # fmt: skip
    new = version("new", 6_000)
    started = time.monotonic()
    copy = tmp_path / "full"
    shutil.copytree(store, copy)
    assert subprocess.run([sys.executable, "-m", "kg", "import", "-q", data, "--store", copy], env=kg_env(),
                          capture_output=True, timeout=300).returncode == 0  # fmt: skip
    run = time.monotonic() - started
    graph = file_graph_iri(data)
    outcomes = set()
    for _ in range(IMPORT_ROUNDS):
        process = kg_process("import", "-q", data, "--store", store)
        try:
            time.sleep(rng.uniform(0.2 * run, run))
        finally:
            kill_group(process)
        state = snapshot(store).get(graph)
        assert state in (old, new), f"imported graph is partial: {len(state or ())} triples"
        outcomes.add(state == new)
        writable_again(store)
    assert snapshot(store).get(graph) in (old, new)


def test_kg_export_killed_at_random_points_never_leaves_a_truncated_file(corpus: dict, tmp_path: Path) -> None:
    rng = random.Random(SEED + 2)
    store = corpus["root"] / "full-store"
    target = tmp_path / "export.nq"
    target.write_text("# the previous export\n")
    previous = target.read_bytes()
    complete = subprocess.run([sys.executable, "-m", "kg", "export", "-f", "nq", "--store", store], env=kg_env(),
                              capture_output=True, timeout=300).stdout  # fmt: skip
    assert complete.count(b"\n") > 5_000
    for round_ in range(EXPORT_ROUNDS):
        process = kg_process("export", "-o", target, "--store", store)
        try:
            if round_ % 2 == 0:  # while the temporary file is being written
                wait_for(lambda: bool(glob.glob(str(tmp_path / ".export.nq.*.tmp"))), process)
                time.sleep(rng.uniform(0.0, 0.05))
            else:
                time.sleep(rng.uniform(0.0, 2.0))
        finally:
            kill_group(process)
        content = target.read_bytes()
        assert content in (previous, complete), f"export left a {len(content)}-byte file: neither old nor complete"
        previous = content


def session_members(process: subprocess.Popen, command: str = "") -> list[int]:
    """PIDs still running in the process's session (its process group), whose command line
    holds ``command``."""
    found = subprocess.run(["ps", "-eww", "-o", "pid=,pgid=,stat=,args="], capture_output=True, text=True).stdout
    return [int(pid) for pid, pgid, stat, args in (line.split(None, 3) for line in found.splitlines())
            if int(pgid) == process.pid and not stat.startswith("Z") and command in args]  # fmt: skip


@pytest.fixture(scope="module")
def worker_sources(corpus: dict) -> Path:
    """The new sources plus the articles the old store lacks: more than a run extracted in-process."""
    folder = corpus["root"] / "workers"
    shutil.copytree(corpus["new_dir"], folder)
    for source in sorted(ARTICLES.glob("*.txt"))[OLD_ARTICLES:]:
        shutil.copy(source, folder / source.name)
    count = len(list(folder.glob("*.txt")))
    assert count > SMALL_RUN, f"{count} articles are extracted in-process: no workers would start"
    return folder


def test_workers_of_a_killed_build_do_not_outlive_it(corpus: dict, worker_sources: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(corpus["old_store"], store)
    process = kg_process("build", "-q", "-j", "2", "--force", "--store", store, worker_sources)
    try:
        workers = lambda: session_members(process, "spawn_main")  # noqa: E731
        assert wait_for(lambda: bool(workers()), process), "no worker processes were started"
        assert wait_for_write(store, process), "the build ended before it wrote"
        assert workers(), "the workers ended before the build was killed"
        os.kill(process.pid, signal.SIGKILL)  # the main process only, as the OOM killer would
        process.wait(timeout=30)
        deadline = time.monotonic() + 5
        while session_members(process) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_members(process) == [], "orphaned workers of the killed build are still running"
    finally:
        kill_group(process)
