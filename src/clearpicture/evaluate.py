"""Evaluation against a synthetic scenario's truth: one section per stage, in a small registry.

``evaluate(store, truth_dir)`` runs every registered section whose stage has results in the store
and returns ``{section: figures}``. Each stage adds its section with :func:`register_section`
(``linkage`` here; ``groups`` and ``estimate`` by their stages). Truth files are read only here and
never by an analysis stage. This module must not change the store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import InputError
from .store import Store

__all__ = ["SECTIONS", "evaluate", "evaluate_linkage", "pairwise_scores", "register_section"]

Section = Callable[[Store, Path], dict[str, Any]]

#: Section name → (function, store table that must exist for the section to apply).
SECTIONS: dict[str, tuple[Section, str]] = {}


def register_section(name: str, needs_table: str) -> Callable[[Section], Section]:
    """Decorator adding an evaluation section, run when ``needs_table`` is in the store."""

    def deco(fn: Section) -> Section:
        SECTIONS[name] = (fn, needs_table)
        return fn

    return deco


def pairwise_scores(store: Store, predicted: str, truth: str, key: str = "source, person_id",
                    pred_col: str = "entity_id", true_col: str = "true_person") -> dict[str, Any]:
    """Pairwise precision, recall and F1 of the partition in ``predicted`` against ``truth``.

    A pair of records counts as predicted when both carry the same ``pred_col`` and as true when
    both carry the same ``true_col``; counted from cluster sizes, never by listing pairs.
    """
    def pairs(q: str) -> int:
        return int(store.sql(f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM ({q})")[0][0])

    joined = f"SELECT p.{pred_col} AS pc, t.{true_col} AS tc FROM {predicted} p JOIN {truth} t USING ({key})"
    both = pairs(f"SELECT count(*) AS n FROM ({joined}) GROUP BY pc, tc")
    pred = pairs(f"SELECT count(*) AS n FROM ({joined}) GROUP BY pc")
    true = pairs(f"SELECT count(*) AS n FROM ({joined}) GROUP BY tc")
    precision = both / pred if pred else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    records = int(store.sql(f"SELECT count(*) FROM ({joined})")[0][0])
    return {"records": records, "true_pairs": true, "predicted_pairs": pred, "correct_pairs": both,
            "precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6)}


def _truth_file(truth_dir: Path, name: str) -> Path:
    path = Path(truth_dir) / name
    if not path.is_file():
        raise InputError(f"{path}: truth file not found (expected a scenario's truth/ folder)")
    return path


@register_section("linkage", "entity_persons")
def evaluate_linkage(store: Store, truth_dir: Path) -> dict[str, Any]:
    """Person linkage against ``truth/persons.csv``: pairwise precision, recall and F1."""
    path = _truth_file(Path(truth_dir), "persons.csv")
    store.con.execute(
        "CREATE OR REPLACE TEMP TABLE _truth_persons AS SELECT source, person_id, true_person "
        "FROM read_csv(?, header = true, all_varchar = true)", [str(path)])
    try:
        out = {"persons": pairwise_scores(store, "entity_persons", "_truth_persons")}
        out["persons"]["entities"] = int(store.sql("SELECT count(DISTINCT entity_id) FROM entity_persons")[0][0])
        out["persons"]["true_people"] = int(store.sql("SELECT count(DISTINCT true_person) FROM _truth_persons")[0][0])
    finally:
        store.con.execute("DROP TABLE IF EXISTS _truth_persons")
    return out


# Group recovery lives with the network stage; registered here so `evaluate` always offers it.
from .network.evaluate import evaluate_groups  # noqa: E402

register_section("groups", "group_members")(evaluate_groups)


def evaluate(store: Store, truth_dir: Path | str, sections: list[str] | None = None) -> dict[str, Any]:
    """Every applicable registered section (or those named) → its figures."""
    truth = Path(truth_dir)
    if not truth.is_dir():
        raise InputError(f"{truth}: truth folder not found")
    out: dict[str, Any] = {}
    for name, (fn, table) in SECTIONS.items():
        if sections is not None and name not in sections:
            continue
        out[name] = fn(store, truth) if store.has_table(table) else {"skipped": f"no {table} in the workspace"}
    return out
