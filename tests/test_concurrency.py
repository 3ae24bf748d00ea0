"""Concurrency: two writers on one store, and readers while a writer works — real processes.

* Two ``kg build`` (or ``kg build`` and ``kg import``) processes started together on one store,
  at seeded offsets: either both succeed (one after the other) or exactly one fails, with exit
  code 1 and one line "store … is locked by PID N" naming the other process; the store then
  holds the complete result of whoever wrote.
* While a build rewrites eight article graphs, readers — in-process read-only stores, and
  ``kg query`` / ``kg export`` processes — keep working, and each sees every graph old or new,
  never half-written.

A read-only view opened before the writer's engine compacts its files loses them ("No such
file or directory … .sst"); the store then reopens the view and runs the read again.
``test_a_reader_survives_the_writers_compaction`` forces that case. Every reader process runs
under a memory limit, so that a runaway read could not take the machine down.
"""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rdflib import Literal, URIRef

from conftest import kg_env, old_and_new_sources
from kg.importer import file_graph_iri
from kg.store import LOCK_FILE, Store

SEED = 7_031_2012
PAIRS = 3
OLD_ARTICLES = 6
NEW_ARTICLES = 2


READER_MEMORY = 4 << 30


def limit_memory() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (READER_MEMORY, READER_MEMORY))


def start(*args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", *map(str, args)], env=kg_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def read_with_kg(*args: object) -> subprocess.CompletedProcess:
    """A reader process (``kg query``, ``kg export``), memory-limited."""
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], env=kg_env(), capture_output=True,
                          text=True, timeout=120, preexec_fn=limit_memory)  # fmt: skip


def graphs_of(store: Path) -> dict:
    with Store.open(store, read_only=True) as s:
        graphs: dict = {}
        for subject, predicate, obj, graph in s.quads():
            graphs.setdefault(graph, set()).add((subject, predicate, obj))
        assert set(s.triples()) == set().union(*graphs.values()) if graphs else True
    return {graph: frozenset(triples) for graph, triples in graphs.items()}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An old store (six articles), new sources (those edited, two more) and the full result."""
    root = tmp_path_factory.mktemp("concurrency")
    old_dir, new_dir = old_and_new_sources(root, OLD_ARTICLES, NEW_ARTICLES)
    old = root / "old-store"
    for store, sources in ((old, old_dir), (root / "full-store", None)):
        if sources is None:
            shutil.copytree(old, store)
            sources = new_dir
        done = subprocess.run([sys.executable, "-m", "kg", "build", "-q", "-j", "1", "--store", store, sources],
                              env=kg_env(), capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
    return {"root": root, "old": old, "new_dir": new_dir, "old_graphs": graphs_of(old),
            "new_graphs": graphs_of(root / "full-store")}  # fmt: skip


def check_outcome(first: subprocess.Popen, second: subprocess.Popen) -> list[int]:
    """Both succeeded, or one failed naming the other's PID in one line; returns the exit codes."""
    outputs = {p.pid: p.communicate(timeout=300) for p in (first, second)}
    codes = [first.returncode, second.returncode]
    assert codes.count(0) >= 1, f"neither writer succeeded: {codes} {outputs}"
    for process, other in ((first, second), (second, first)):
        _out, err = outputs[process.pid]
        assert "Traceback" not in err and "internal error" not in err, err
        if process.returncode != 0:
            assert process.returncode == 1, err
            lines = [line for line in err.splitlines() if line.strip()]
            assert len(lines) == 1, f"not one line: {err!r}"
            assert re.search(rf"store .* is locked by PID {other.pid}\b", lines[0]), lines[0]
    return codes


def test_two_builds_at_once_both_succeed_or_one_is_told_the_pid(stores: dict, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    outcomes = set()
    for pair in range(PAIRS):
        store = tmp_path / f"store-{pair}"
        shutil.copytree(stores["old"], store)
        first = start("build", "-q", "-j", "1", "--store", store, stores["new_dir"])
        time.sleep(rng.uniform(0.0, 0.4))
        second = start("build", "-q", "-j", "1", "--store", store, stores["new_dir"])
        outcomes.add(tuple(check_outcome(first, second)))
        assert graphs_of(store) == stores["new_graphs"], "the store is not the complete build"
        assert not (store / LOCK_FILE).exists()
    assert any(1 in codes for codes in outcomes), f"the two builds never overlapped: {outcomes}"


def wait_for_lock(store: Path, process: subprocess.Popen, timeout: float = 120.0) -> bool:
    """Wait until ``process`` holds the store's writer lock; False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if (store / LOCK_FILE).read_text(encoding="ascii").strip() == str(process.pid):
                return True
        except OSError:
            pass
        time.sleep(0.01)
    return False


@pytest.mark.parametrize("first", ["build", "import"])
def test_build_and_import_at_once(first: str, stores: dict, tmp_path: Path) -> None:
    """Whichever writer takes the lock first writes; the other is told its PID. The store then
    holds exactly what the writer that ran wrote: the build's graphs, or the old ones and the
    import's. (This test once slept 0.3 s and assumed the build had the lock by then; on a busy
    machine the import took it first, the build was refused, and the old article graphs it
    found were not the build's: a wrong expectation, not a race in the store.)"""
    store = tmp_path / "store"
    shutil.copytree(stores["old"], store)
    data = tmp_path / "extra.nt"
    lines = 5_000 if first == "build" else 200_000  # an import that holds the lock while the build starts
    data.write_text("".join(f'<http://e/s{i}> <http://e/p> "v{i}" .\n' for i in range(lines)))
    build_args = ("build", "-q", "-j", "1", "--store", store, stores["new_dir"])
    import_args = ("import", "-q", data, "--store", store)
    one = start(*(build_args if first == "build" else import_args))
    held = wait_for_lock(store, one)
    other = start(*(import_args if first == "build" else build_args))
    build, imported = (one, other) if first == "build" else (other, one)
    codes = check_outcome(build, imported)
    assert held, "the first writer ended before it held the lock"
    graphs = graphs_of(store)
    expected = dict(stores["new_graphs"] if codes[0] == 0 else stores["old_graphs"])
    if codes[1] == 0:
        expected[file_graph_iri(data)] = frozenset(
            (URIRef(f"http://e/s{i}"), URIRef("http://e/p"), Literal(f"v{i}")) for i in range(lines))
    assert graphs == expected, "the store is not exactly what the writers that ran wrote"
    if first == "build":  # the build writes for seconds after it takes the lock: the import comes meanwhile
        assert codes[1] == 1, "the import was not refused while the build wrote"


def test_readers_keep_working_while_a_build_writes(stores: dict, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(stores["old"], store)
    old, new = stores["old_graphs"], stores["new_graphs"]
    build = start("build", "-q", "-j", "1", "--store", store, stores["new_dir"])
    reads = 0
    commands = 0
    try:
        while build.poll() is None:
            now = graphs_of(store)  # raises if the store cannot be read
            for graph in set(old) | set(new):
                assert now.get(graph) in (old.get(graph), new.get(graph)), f"half-written graph {graph}"
            reads += 1
            if commands < 3:  # and a reader in another process, through the CLI
                done = read_with_kg("query", "members", "--format", "csv", "--store", store)
                assert done.returncode == 0 and done.stdout.startswith("agreement,"), done.stderr
                commands += 1
    finally:
        _out, err = build.communicate(timeout=300)  # (also when the test ends as a known failure)
    assert build.returncode == 0, err
    assert reads >= 3 and commands >= 1, (reads, commands)
    assert graphs_of(store) == new


def test_export_during_a_build_is_old_or_new_per_graph(stores: dict, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(stores["old"], store)
    build = start("build", "-q", "-j", "1", "--store", store, stores["new_dir"])
    exports = 0
    try:
        while build.poll() is None or exports == 0:
            target = tmp_path / f"export-{exports}.nq"
            done = read_with_kg("export", "-o", target, "--store", store)
            assert done.returncode == 0, done.stderr
            from rdflib import Dataset

            dataset = Dataset()
            dataset.parse(target, format="nquads")
            per_graph: dict = {}
            for s, p, o, g in dataset.quads((None, None, None, None)):
                if g is not None:
                    per_graph.setdefault(g.identifier if hasattr(g, "identifier") else g, set()).add((s, p, o))
            for graph, triples in per_graph.items():
                assert frozenset(triples) in (stores["old_graphs"].get(graph), stores["new_graphs"].get(graph))
            exports += 1
    finally:
        build.communicate(timeout=300)
    assert build.returncode == 0


LOCKER = textwrap.dedent(
    """
    import os, sys, time
    import kg.store
    from kg.errors import StoreError
    real_write = os.write
    def slow_write(fd, data):  # a slow disk: the PID reaches the file a while after it is opened
        if data.strip().isdigit():
            time.sleep(1.5)
        return real_write(fd, data)
    kg.store.os.write = slow_write
    sys.stdin.readline()  # all start together
    try:
        with kg.store.Store.open(sys.argv[1]):
            print("locked", flush=True)
            sys.stdin.readline()
    except StoreError as error:
        print(error, flush=True)
    """
)


def test_writers_racing_for_the_lock_are_told_the_winners_pid(tmp_path: Path) -> None:
    """Writers arriving while another is still writing its PID never meet an empty lock file:
    each one either holds the lock or is told which PID holds it."""
    store = tmp_path / "store"
    with Store.open(store):
        pass
    lockers = [subprocess.Popen([sys.executable, "-c", LOCKER, str(store)], env=kg_env(), text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(3)]  # fmt: skip
    try:
        for locker in lockers:
            assert locker.stdin is not None
            locker.stdin.write("go\n")
            locker.stdin.flush()
        answers = {locker.pid: locker.stdout.readline().strip() for locker in lockers}  # type: ignore[union-attr]
        winners = [pid for pid, answer in answers.items() if answer == "locked"]
        assert len(winners) == 1, answers
        for pid, answer in answers.items():
            if pid != winners[0]:
                assert f"is locked by PID {winners[0]}" in answer, answers
        assert not [p for p in os.listdir(store) if p.startswith(LOCK_FILE + ".")], "a private lock file was left"
    finally:
        for locker in lockers:
            locker.kill()
            locker.wait()


RACE = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a runaway must not take the machine
    from rdflib import Literal, URIRef
    from kg.store import Store

    def version(store, tag):
        for g in range(3):
            triples = [(URIRef(f"http://e/{tag}/{g}/{i}"), URIRef("http://e/p"), Literal(f"{tag} {i}"))
                       for i in range(2000)]
            store.replace_graph(URIRef(f"http://e/graph/{g}"), triples)
            store.flush()  # one engine file per flush: enough of them start a compaction

    path = sys.argv[1]
    with Store.open(path) as writer:
        version(writer, "old")
    reader = Store.open(path, read_only=True)  # opened before the writer's next run
    with Store.open(path) as writer:
        for round_ in range(4):
            version(writer, f"new{round_}")
    graphs = reader.graphs()
    quads = sum(1 for _ in reader.quads())
    print(len(graphs), quads)
    """
)


def test_a_reader_survives_the_writers_compaction(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", RACE, str(tmp_path / "store")], env=kg_env(), capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]
    assert done.stdout.split() == ["3", "6000"], "the reader sees one whole version of the store"
