"""Group recovery against a synthetic scenario's truth (``truth/groups.csv``, ``crews.csv``, ``persons.csv``).

For the ``evaluate`` command: how well reported groups match planted ones (mean best Jaccard overlap
of offenders per true group), how many reported groups hold no true group offender, whether any
burglary crew was reported, and how many true groups' victims were found. Because many planted
offenders appear in no agency's records at all, the same overlap is also given counting only the
offenders some agency records, and every missed offender is put down to a cause. Reads truth
files only here, never in the analysis; it must not change any table.
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
    recorded_people = set(record_truth.values())
    # The same overlap counting only offenders some agency records (nobody can find the others).
    recorded_groups = {g: members & recorded_people for g, members in true_groups.items()
                       if len(members & recorded_people) >= 2}
    best_recorded = {g: max((jaccard(members, r) for r in reported.values()), default=0.0)
                     for g, members in recorded_groups.items()}
    # Groups whose offenders the agencies hold at least two of: the most any analysis could find.
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
        "recorded_offender_groups": len(recorded_groups),
        "mean_best_jaccard_recorded_offenders": round(sum(best_recorded.values()) / len(best_recorded), 4)
        if best_recorded else None,
        "missed_offenders": _missed(store, true_groups, reported, record_truth),
        "reported_without_true_offender": len(spurious),
        "reported_without_true_offender_share": round(len(spurious) / len(reported), 4) if reported else 0.0,
        "crews": len(crews),
        "crews_reported": len(crews_reported),
        "victim_recall": round(len(reported_victims & all_true_victims) / len(all_true_victims), 4)
        if all_true_victims else None,
        "per_group": {g: round(v, 4) for g, v in sorted(best.items())},
        "per_group_recorded_offenders": {g: round(v, 4) for g, v in sorted(best_recorded.items())},
    }


def _connected_records(store: Store) -> set[tuple[str, str]]:
    """Person records the records themselves tie to someone or something: a link to an object, a
    place or another person, or an event that names another person too. A record that is only
    the subject of a health contact naming nobody else is not, and no analysis can place it."""
    rows = store.sql("""
        WITH pe AS (
            SELECT source, from_id AS person_id, to_type AS other_type, to_id AS other_id FROM raw_links
            WHERE from_type = 'person'
            UNION ALL
            SELECT source, to_id, from_type, from_id FROM raw_links WHERE to_type = 'person'
        ), busy_events AS (
            SELECT source, other_id FROM pe WHERE other_type = 'event'
            GROUP BY source, other_id HAVING count(DISTINCT person_id) >= 2
        )
        SELECT DISTINCT source, person_id FROM pe WHERE other_type <> 'event'
        UNION
        SELECT DISTINCT pe.source, pe.person_id FROM pe
        JOIN busy_events b ON b.source = pe.source AND b.other_id = pe.other_id AND pe.other_type = 'event'""")
    return {(str(s), str(p)) for s, p in rows}


def _missed(store: Store, true_groups: dict[str, set[str]], reported: dict[str, set[str]],
            record_truth: dict[tuple[str, str], str]) -> dict[str, int]:
    """Why each planted offender is missing from the reported group that best matches its group.

    ``no_record``: in no agency's records. ``record_ties_to_nothing``: recorded, but no record of
    theirs names anyone or anything else. ``alone_in_records``: the only offender of their group
    whose records tie to anything, so nothing can associate them with another. ``group_not_reported``:
    two or more of the group are so recorded but no reported group holds any of them.
    ``not_joined``: the group was reported without them. ``extra`` counts the other way: people in
    the best-matching reported group who are not in the planted group.
    """
    connected_people = {record_truth[r] for r in _connected_records(store) if r in record_truth}
    recorded_people = set(record_truth.values())
    counts = {"no_record": 0, "record_ties_to_nothing": 0, "alone_in_records": 0, "group_not_reported": 0,
              "not_joined": 0, "extra": 0}
    for members in true_groups.values():
        found = max(reported.values(), key=lambda r: jaccard(members, r), default=set())
        found = found if members & found else set()
        counts["extra"] += len(found - members)
        for person in members - found:
            if person not in recorded_people:
                counts["no_record"] += 1
            elif person not in connected_people:
                counts["record_ties_to_nothing"] += 1
            elif len(members & connected_people) < 2:
                counts["alone_in_records"] += 1
            elif not found:
                counts["group_not_reported"] += 1
            else:
                counts["not_joined"] += 1
    return counts
