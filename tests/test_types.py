"""mypy over ``kg/`` is clean, with the configuration in pyproject.toml (``[tool.mypy]``).

Run in a subprocess from the repository root, as ``python -m mypy`` is run by hand; its
incremental cache is mypy's default ``.mypy_cache`` there (git-ignored), so a second run is
quick."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO_ROOT


def test_mypy_is_clean_over_kg():
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"mypy found problems in kg/:\n{run.stdout}{run.stderr}"
