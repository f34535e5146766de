"""Precision and recall of the language review against a labelled set of note sentences.

Each item has ``id``, ``text``, ``labels`` (categories a careful reviewer would flag in the writer's
own voice; empty for a negative) and ``source``; optional ``split`` ("dev" or "holdout"). Scoring is
per sentence and category: a category predicted and labelled is a true positive. This module is
pure (no store) and must not change rules: it only measures them.

Run ``python -m clearpicture.language.evaluation FILE [--split dev|holdout]`` for a table.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .matcher import Matcher, default_matcher
from .rules import CATEGORIES

__all__ = ["Score", "EvalReport", "evaluate", "read_eval_set"]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class EvalReport:
    items: int = 0
    negatives: int = 0
    overall: Score = field(default_factory=Score)
    by_category: dict[str, Score] = field(default_factory=lambda: {c: Score() for c in CATEGORIES})
    errors: list[dict[str, Any]] = field(default_factory=list)

    def table(self) -> str:
        """A Markdown table: one row per category, then overall."""
        lines = ["| category | labelled | TP | FP | FN | precision | recall |", "|---|---|---|---|---|---|---|"]
        for cat, s in self.by_category.items():
            lines.append(f"| {cat} | {s.tp + s.fn} | {s.tp} | {s.fp} | {s.fn} | {s.precision:.3f} | {s.recall:.3f} |")
        o = self.overall
        lines.append(f"| **overall** | {o.tp + o.fn} | {o.tp} | {o.fp} | {o.fn} | **{o.precision:.3f}** | **{o.recall:.3f}** |")
        return "\n".join(lines)


def read_eval_set(path: str | Path, split: str | None = None) -> list[dict[str, Any]]:
    """Items of a JSON Lines evaluation set, optionally only one split."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r.get("split") == split]


def evaluate(items: Iterable[dict[str, Any]], matcher: Matcher | None = None) -> EvalReport:
    """Score the matcher on labelled items."""
    m = matcher or default_matcher()
    report = EvalReport()
    for item in items:
        report.items += 1
        gold = set(item["labels"])
        report.negatives += not gold
        findings = m.review(item["text"])
        pred = {f.category for f in findings}
        for cat in CATEGORIES:
            s = report.by_category[cat]
            if cat in pred and cat in gold:
                s.tp += 1
                report.overall.tp += 1
            elif cat in pred:
                s.fp += 1
                report.overall.fp += 1
            elif cat in gold:
                s.fn += 1
                report.overall.fn += 1
        if pred != gold:
            report.errors.append({"id": item["id"], "text": item["text"], "gold": sorted(gold),
                                  "pred": sorted(pred), "hits": [(f.text, f.rule_id) for f in findings]})
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--split", choices=["dev", "holdout"], default=None)
    parser.add_argument("--errors", action="store_true", help="list the items scored wrong")
    args = parser.parse_args(argv)
    report = evaluate(read_eval_set(args.file, args.split))
    print(f"{report.items} items, {report.negatives} negatives")
    print(report.table())
    if args.errors:
        for e in report.errors:
            print(json.dumps(e, ensure_ascii=False))


if __name__ == "__main__":
    main()
