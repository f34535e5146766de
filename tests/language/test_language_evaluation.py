"""The labelled evaluation set and the targets the language review must meet on it.

The set (data/eval.jsonl) was written and committed before any rule existed; 30% of it is a
held-out split never used while tuning (docs/language.md says how it was built). Targets:
precision >= 0.92 and recall >= 0.90 overall, on the whole set and on the held-out part alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearpicture.language import CATEGORIES
from clearpicture.language.evaluation import evaluate, read_eval_set

EVAL = Path(__file__).parent / "data" / "eval.jsonl"
#: Written after the rules and committed before its first run; its misses were then fixed, so it
#: is now a regression guard, not an unbiased measure (docs/language.md gives both figures).
PROBE = Path(__file__).parent / "data" / "probe.jsonl"


def test_eval_set_is_large_enough_and_well_formed() -> None:
    items = read_eval_set(EVAL)
    assert len(items) >= 300
    assert len({i["id"] for i in items}) == len(items)
    negatives = [i for i in items if not i["labels"]]
    assert len(negatives) >= len(items) / 3
    for item in items:
        assert set(item) >= {"id", "text", "labels", "source", "split"}
        assert set(item["labels"]) <= set(CATEGORIES)
        assert item["source"] and item["split"] in {"dev", "holdout"}
    for cat in CATEGORIES:
        assert sum(cat in i["labels"] for i in items) >= 10, cat
    assert 0.25 <= sum(i["split"] == "holdout" for i in items) / len(items) <= 0.35


@pytest.mark.parametrize("split", [None, "dev", "holdout"])
def test_precision_and_recall_meet_targets(split: str | None) -> None:
    report = evaluate(read_eval_set(EVAL, split))
    assert report.overall.precision >= 0.92, report.table()
    assert report.overall.recall >= 0.90, report.table()


def test_probe_set_still_meets_targets() -> None:
    items = read_eval_set(PROBE)
    assert len(items) >= 100 and all(set(i["labels"]) <= set(CATEGORIES) for i in items)
    report = evaluate(items)
    assert report.overall.precision >= 0.92 and report.overall.recall >= 0.90, report.table()


def test_scoring_counts_false_positives_and_negatives() -> None:
    items = [
        {"id": "a", "text": "She is streetwise.", "labels": []},
        {"id": "b", "text": "Adults exploited her.", "labels": ["adultification"]},
        {"id": "c", "text": "She is streetwise.", "labels": ["adultification"]},
    ]
    report = evaluate(items)
    s = report.by_category["adultification"]
    assert (s.tp, s.fp, s.fn) == (1, 1, 1)
    assert report.overall.precision == 0.5 and report.overall.recall == 0.5
    assert [e["id"] for e in report.errors] == ["a", "b"]
