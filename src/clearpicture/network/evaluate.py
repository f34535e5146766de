"""Group recovery against a synthetic scenario's truth (``truth/groups.csv``, ``crews.csv``, ``persons.csv``).

For the ``evaluate`` command: how well reported groups match planted ones (mean best Jaccard overlap
of offenders per true group), how many reported groups hold no true group offender, whether any
burglary crew was reported, and how many true groups' victims were found. Reads truth files only
here, never in the analysis; it must not change any table.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..store import Store

__all__ = ["evaluate_groups", "jaccard"]


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise InputError(f"{path}: truth file missing")
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _entity_truth(store: Store, record_truth: dict[tuple[str, str], str]) -> dict[str, str]:
    """Each entity's true person: the one most of its records belong to."""
    votes: dict[str, Counter[str]] = {}
    for entity, source, person in store.sql("SELECT entity_id, source, person_id FROM entity_persons"):
        true = record_truth.get((str(source), str(person)))
        if true is not None:
            votes.setdefault(str(entity), Counter())[true] += 1
    return {e: c.most_common(1)[0][0] for e, c in votes.items()}


def evaluate_groups(store: Store, truth_dir: str | Path) -> dict[str, Any]:
    """Group-recovery figures of the last ``groups`` run against the truth folder."""
    truth = Path(truth_dir)
    if not store.has_table("group_members"):
        raise InputError("evaluate: table group_members is missing; run `clearpicture groups` first")
    record_truth = {(r["source"], r["person_id"]): r["true_person"] for r in _read(truth / "persons.csv")}
    true_groups: dict[str, set[str]] = {}
    true_victims: dict[str, set[str]] = {}
    for r in _read(truth / "groups.csv"):
        (true_groups if r["role"] == "offender" else true_victims).setdefault(r["group_id"], set()).add(
            r["true_person"])
    crews: dict[str, set[str]] = {}
    if (truth / "crews.csv").exists():
        for r in _read(truth / "crews.csv"):
            crews.setdefault(r["crew_id"], set()).add(r["true_person"])

    entity_truth = _entity_truth(store, record_truth)
    reported: dict[str, set[str]] = {}
    reported_victims: set[str] = set()
    for gid, entity, role in store.sql("SELECT group_id, entity_id, role FROM group_members"):
        true = entity_truth.get(str(entity), f"unlinked:{entity}")
        if role == "victim":
            reported_victims.add(true)
        else:
            reported.setdefault(str(gid), set()).add(true)

    best = {g: max((jaccard(members, r) for r in reported.values()), default=0.0)
            for g, members in true_groups.items()}
    # Groups whose offenders the agencies hold at least two of: the most any analysis could find.
    recorded_people = set(record_truth.values())
    recordable = [g for g, members in true_groups.items() if len(members & recorded_people) >= 2]
    all_true_offenders = set().union(*true_groups.values()) if true_groups else set()
    spurious = [g for g, members in reported.items() if not members & all_true_offenders]
    crews_reported = sorted(c for c, members in crews.items()
                            if any(len(members & r) >= 2 for r in reported.values()))
    all_true_victims = set().union(*true_victims.values()) if true_victims else set()
    return {
        "true_groups": len(true_groups),
        "reported_groups": len(reported),
        "mean_best_jaccard": round(sum(best.values()) / len(best), 4) if best else None,
        "true_groups_found": sum(1 for v in best.values() if v >= 0.5),
        "recorded_groups": len(recordable),
        "mean_best_jaccard_recorded": round(sum(best[g] for g in recordable) / len(recordable), 4)
        if recordable else None,
        "reported_without_true_offender": len(spurious),
        "reported_without_true_offender_share": round(len(spurious) / len(reported), 4) if reported else 0.0,
        "crews": len(crews),
        "crews_reported": len(crews_reported),
        "victim_recall": round(len(reported_victims & all_true_victims) / len(all_true_victims), 4)
        if all_true_victims else None,
        "per_group": {g: round(v, 4) for g, v in sorted(best.items())},
    }
