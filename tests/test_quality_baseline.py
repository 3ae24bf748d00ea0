"""Extraction quality can never fall silently: every annotated set is scored with the default
extractor and each fact type's F1 must stay within 0.02 of ``bench/quality_baseline.json``.

After a deliberate change to extraction, regenerate the baseline with
``python bench/quality.py --write-baseline`` and review its diff with the change.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 0.02


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_quality_baseline", ROOT / "bench" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


q = _load_bench()
BASELINE = json.loads(q.BASELINE.read_text(encoding="utf-8"))


def test_the_baseline_names_every_set_and_fact_type() -> None:
    assert set(BASELINE) == set(q.SETS)
    for name, scores in BASELINE.items():
        assert set(scores) == {*q.FACT_TYPES, "overall"}, name
        assert all(0.0 <= f1 <= 1.0 for f1 in scores.values()), name


@pytest.mark.parametrize("name", sorted(q.SETS))
def test_no_fact_type_falls_below_the_baseline(name: str) -> None:
    folder = q.SETS[name]
    pairs = q.annotated_articles(folder)
    missing = [str(txt) for txt, _ in pairs if not txt.exists()]
    assert not missing, f"texts of the {name} set not found (is ../shared beside the checkout?): {missing[:3]}"
    runs, total = q.score_set(name)
    assert runs and not [r.name for r in runs if r.error], [r.error for r in runs if r.error]
    drops = q.below_baseline({name: total}, BASELINE, TOLERANCE)
    assert not drops, "extraction quality fell (if deliberate: python bench/quality.py --write-baseline):\n" + \
        "\n".join(drops)


def test_a_drop_is_reported() -> None:
    """The check itself: a baseline above today's scores is reported, one within tolerance is not."""
    total = q.combine([q.score_article(q.empty_record(), {"countries": ["USA"]})])
    assert q.below_baseline({"x": total}, {"x": {"countries": 0.5}}) == \
        ["x/countries: F1 0.000 < baseline 0.500 - 0.02"]
    assert q.below_baseline({"x": total}, {"x": {"countries": 0.01}}) == []
