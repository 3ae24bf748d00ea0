"""Shared fixtures: stores built from the bundled article and from the dev articles, and a way
to run ``python -m kg``.

Session-scoped fixtures are built once per test process (once per xdist worker), so the
expensive parts (loading the extractor, building the reference store) are paid once and
reused by every test that only reads them. Tests must never write to ``reference_store``;
copy it (``copy_store``) to change it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.reading.article import Article
from kg.reading.sources import default_article_path, read_file
from kg.store import LOCK_FILE

REPO_ROOT = Path(__file__).resolve().parents[1]
SUBPROCESS_TIMEOUT = 120

RunKg = Callable[..., tuple[int, str, str]]


def old_and_new_sources(root: Path, old: int, new: int) -> tuple[Path, Path]:
    """``root/old``: the first ``old`` dev articles; ``root/new``: the same articles edited (a
    paragraph added after the header, so every sentence moves and the identity stays) and the
    first ``new`` held-out articles. For tests of a build that replaces and adds graphs."""
    old_dir, new_dir = root / "old", root / "new"
    old_dir.mkdir()
    new_dir.mkdir()
    for source in sorted((REPO_ROOT / "tests" / "articles").glob("*.txt"))[:old]:
        shutil.copy(source, old_dir / source.name)
        text = source.read_text(encoding="utf-8")
        cut = text.index("---\n") + 4
        (new_dir / source.name).write_text(text[:cut] + "\nUPDATE: this story was updated with reactions from "
                                           "the signatories.\n" + text[cut:], encoding="utf-8")  # fmt: skip
    for source in sorted((REPO_ROOT / "tests" / "articles_heldout").glob("*.txt"))[:new]:
        shutil.copy(source, new_dir / source.name)
    return old_dir, new_dir


def assert_graph_answer_in_default_graph(data: str, parser: str, store_path: Path, query: str) -> None:
    """``data`` (a CONSTRUCT/DESCRIBE answer in a quad format) is the query's triples on
    ``store_path``, all in the default graph."""
    from rdflib import Dataset
    from rdflib.compare import isomorphic
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from kg.store import Store

    dataset = Dataset()
    dataset.parse(data=data, format=parser)
    assert [g.identifier for g in dataset.graphs() if len(g)] == [DATASET_DEFAULT_GRAPH_ID]
    with Store.open(store_path, read_only=True) as store:
        expected = store.query(query)
    assert len(expected) > 0 and isomorphic(dataset.default_graph, expected)


def kg_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a ``kg`` subprocess: ours without ``KG_STORE``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE"}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def run_kg_process(
    *args: str,
    cwd: str | os.PathLike[str] | None = None,
    stdin: str | bytes | None = None,
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """Run ``python -m kg ARGS``; return (exit code, stdout, stderr).

    Output is decoded as UTF-8 without newline translation, so CSV's CRLF and line breaks
    inside values reach the test as written. ``env`` adds to (or overrides) the environment.
    """
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    done = subprocess.run(
        [sys.executable, "-m", "kg", *map(str, args)],
        cwd=cwd,
        input=data if data is not None else b"",
        capture_output=True,
        env=kg_env(env),
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


@pytest.fixture(scope="session")
def run_kg() -> RunKg:
    """``run_kg(*args, cwd=None, stdin=None, env=None)`` → (code, stdout, stderr) of ``python -m kg``."""
    return run_kg_process


@pytest.fixture(scope="session")
def reference_article() -> Article:
    """The bundled reference article, as the readers give it."""
    return read_file(default_article_path())[0]


@pytest.fixture(scope="session")
def reference_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store holding the bundled article, built once with ``kg build``. Read only!"""
    from kg.cli import main

    path = tmp_path_factory.mktemp("reference") / "store"
    code = main(["build", "--quiet", "--store", str(path)])
    assert code == 0, "kg build of the bundled article failed"
    assert not (path / LOCK_FILE).exists(), "kg build left its lock file behind"
    return path


@pytest.fixture(scope="session")
def dev_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store of the dev articles (``tests/articles``), built and then linked
    offline, once per test process. Read only!"""
    from kg.cli import main

    path = tmp_path_factory.mktemp("dev") / "store"
    articles = sorted(str(p) for p in (REPO_ROOT / "tests" / "articles").glob("*.txt"))
    assert main(["build", "--quiet", "--jobs", "1", "--store", str(path), *articles]) == 0
    assert main(["link", "--store", str(path)]) == 0
    return path


@pytest.fixture
def copy_store(tmp_path: Path) -> Callable[[Path], Path]:
    """``copy_store(path)`` → a private copy of a (closed) store, in this test's tmp dir."""

    def copy(path: Path) -> Path:
        target = tmp_path / f"copy-of-{path.name}"
        shutil.copytree(path, target)
        return target

    return copy
