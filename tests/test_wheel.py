"""The built wheel works on its own: bundled article, named queries and ontology all inside it.

Builds a wheel from this checkout (``pip wheel --no-build-isolation``, so the installed
``hatchling`` is used and nothing is downloaded), installs it with ``pip install --target``
into an empty directory, and runs ``python -m kg`` from an empty working directory with only
that directory on ``PYTHONPATH`` ahead of the environment — so every file kg needs must come
from the wheel, not from the source tree. One test, so the wheel is built once.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300


def run(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done


def inside(path: str, directory: Path) -> bool:
    return Path(path).resolve().is_relative_to(directory.resolve())


def test_installed_wheel_builds_queries_and_validates(tmp_path: Path) -> None:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed, so the wheel cannot be built without network access")
    wheels, target, work = tmp_path / "wheels", tmp_path / "target", tmp_path / "work"
    for directory in (wheels, target, work):
        directory.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KG_STORE", "PYTHONPATH")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONIOENCODING="utf-8")
    pip = [sys.executable, "-m", "pip"]

    run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels), str(REPO_ROOT)],
        cwd=work, env=env)  # fmt: skip
    (wheel,) = wheels.glob("*.whl")
    run([*pip, "install", "--quiet", "--no-deps", "--no-index", "--target", str(target), str(wheel)], cwd=work, env=env)

    env["PYTHONPATH"] = str(target)
    where = run(
        [sys.executable, "-c",
         "import kg, kg.resources as r, kg.reading.sources as s; "
         "print(kg.__file__); print(s.default_article_path()); "
         "print(r.resource_path('queries', 'members.rq')); print(r.resource_path('ontology', 'shapes.ttl')); "
         "print(r.resource_path('queries', 'lookup', 'evidence.rq'))"],
        cwd=work, env=env,
    ).stdout.splitlines()  # fmt: skip
    assert len(where) == 5
    for path in where:
        assert inside(path, target), f"{path} does not come from the installed wheel in {target}"
        assert Path(path).is_file()

    kg = [sys.executable, "-m", "kg"]
    store = work / "store"
    built = run([*kg, "build", "--store", str(store)], cwd=work, env=env)
    assert "global alliance" in built.stdout
    assert str(target) in built.stdout  # the source of the bundled article

    members = run([*kg, "query", "members", "--store", str(store), "--format", "csv"], cwd=work, env=env)
    table = list(csv.reader(io.StringIO(members.stdout, newline="")))
    assert table[0] == ["agreement", "agreementLabel", "member", "memberLabel", "iso3"]
    assert "USA" in {row[4] for row in table[1:]}

    listed = run([*kg, "query", "--list"], cwd=work, env=env)
    assert len(listed.stdout.splitlines()) == len(list((REPO_ROOT / "queries").glob("*.rq")))

    verdict = run([*kg, "validate", "--store", str(store)], cwd=work, env=env)
    assert "conforms" in verdict.stdout
    assert sorted(os.listdir(work)) == ["store"]  # nothing written next to the user's files
