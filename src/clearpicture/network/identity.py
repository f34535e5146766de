"""Stable group identity across runs: keep ids of groups that persist, say what changed.

A new group keeps an earlier group's id when it holds at least ``min_overlap`` of that group's
offenders (the best such match first, each id used once). Each result says whether the group is
unchanged, grew, shrank, changed, merged (took in most of two or more earlier groups), split (an
earlier group's offenders now sit in more than one group) or is new; earlier groups that did not
continue are listed as merged_into or ended. Pure: it must not read or write the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["GroupChange", "assign_ids", "format_group_id", "parse_group_number"]

_PREFIX = "G"


def format_group_id(number: int) -> str:
    return f"{_PREFIX}{number:05d}"


def parse_group_number(group_id: str) -> int:
    digits = group_id[len(_PREFIX):] if group_id.startswith(_PREFIX) else ""
    return int(digits) if digits.isdigit() else 0


@dataclass(frozen=True)
class GroupChange:
    """What happened to one group id in this run."""

    group_id: str
    change: str  # unchanged|grew|shrank|changed|merged|split|new|merged_into|ended
    previous: tuple[str, ...]  # earlier group ids involved
    added: int  # offenders not in the earlier group with this id (0 for new: all are new)
    removed: int
    detail: str


def assign_ids(clusters: Sequence[frozenset[str]], previous: Mapping[str, frozenset[str]],
               next_number: int, min_overlap: float) -> tuple[list[tuple[str, frozenset[str]]], list[GroupChange]]:
    """Give each cluster an id (an earlier one where it persists, else a fresh one) and the changes."""
    overlaps: dict[tuple[str, int], int] = {}
    for old_id, old in previous.items():
        for i, new in enumerate(clusters):
            n = len(old & new)
            if n:
                overlaps[(old_id, i)] = n

    candidates = sorted(
        ((n / len(previous[o]), n / len(previous[o] | clusters[i]), n, o, i) for (o, i), n in overlaps.items()),
        key=lambda t: (-t[0], -t[1], -t[2], t[3], t[4]),
    )
    id_of: dict[int, str] = {}
    used: set[str] = set()
    for share, _jac, _n, old_id, i in candidates:
        if share < min_overlap or old_id in used or i in id_of:
            continue
        id_of[i] = old_id
        used.add(old_id)

    # Where most of each earlier group went, and which groups each earlier group touches.
    main_successor: dict[str, int] = {}
    touches: dict[str, list[int]] = {}
    for (o, i), n in sorted(overlaps.items()):
        touches.setdefault(o, []).append(i)
        best = main_successor.get(o)
        if best is None or n > overlaps[(o, best)] or (n == overlaps[(o, best)] and id_of.get(i) == o):
            main_successor[o] = i

    order = sorted(range(len(clusters)), key=lambda i: (i not in id_of, min(clusters[i])))
    result: list[tuple[str, frozenset[str]]] = []
    changes: list[GroupChange] = []
    number = next_number
    for i in order:
        members = clusters[i]
        merged_from = tuple(sorted(o for o, s in main_successor.items() if s == i))
        touched = tuple(sorted(o for o, ts in touches.items() if i in ts))
        if i in id_of:
            gid = id_of[i]
            old = previous[gid]
            added, removed = len(members - old), len(old - members)
            if len(merged_from) >= 2:
                change = "merged"
            elif len(touches.get(gid, [])) >= 2:
                change = "split"
            elif not added and not removed:
                change = "unchanged"
            elif added and not removed:
                change = "grew"
            elif removed and not added:
                change = "shrank"
            else:
                change = "changed"
            detail = f"{len(old)} -> {len(members)} offenders (+{added} -{removed})"
            if change == "merged":
                detail += "; took in " + ", ".join(o for o in merged_from if o != gid)
            changes.append(GroupChange(gid, change, touched, added, removed, detail))
        else:
            gid = format_group_id(number)
            number += 1
            if touched:
                changes.append(GroupChange(gid, "split", touched, len(members), 0,
                                           "part of " + ", ".join(touched) + f"; {len(members)} offenders"))
            else:
                changes.append(GroupChange(gid, "new", (), len(members), 0, f"{len(members)} offenders"))
        result.append((gid, members))

    continued = {gid for gid, _ in result}
    for old_id in sorted(previous):
        if old_id in continued:
            continue
        successor = main_successor.get(old_id)
        if successor is None:
            changes.append(GroupChange(old_id, "ended", (), 0, len(previous[old_id]),
                                       "no offender of this group is in any group now"))
        else:
            target = next(g for g, m in result if m is clusters[successor])
            changes.append(GroupChange(old_id, "merged_into", (target,), 0, len(previous[old_id]),
                                       f"most of its offenders are now in {target}"))
    return result, changes
