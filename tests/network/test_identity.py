"""Stable group ids across runs and the changes reported between them."""

from __future__ import annotations

from pathlib import Path

import networld

from clearpicture import network
from clearpicture.network.identity import assign_ids


def _f(*xs: str) -> frozenset[str]:
    return frozenset(xs)


def _by_change(changes):  # type: ignore[no-untyped-def]
    return {c.group_id: c.change for c in changes}


def test_unchanged_and_grown_groups_keep_their_ids() -> None:
    prev = {"G00001": _f("a", "b"), "G00002": _f("c", "d")}
    named, changes = assign_ids([_f("a", "b"), _f("c", "d", "e")], prev, 3, 0.5)
    assert dict(named) == {"G00001": _f("a", "b"), "G00002": _f("c", "d", "e")}
    assert _by_change(changes) == {"G00001": "unchanged", "G00002": "grew"}


def test_merge_keeps_the_larger_groups_id_and_closes_the_other() -> None:
    prev = {"G00001": _f("a", "b"), "G00002": _f("c", "d", "e")}
    named, changes = assign_ids([_f("a", "b", "c", "d", "e")], prev, 3, 0.5)
    assert [g for g, _ in named] == ["G00002"]
    assert _by_change(changes) == {"G00002": "merged", "G00001": "merged_into"}
    assert next(c for c in changes if c.group_id == "G00001").previous == ("G00002",)


def test_split_keeps_id_on_the_larger_part_and_names_the_other_new() -> None:
    prev = {"G00004": _f("a", "b", "c", "d", "e")}
    named, changes = assign_ids([_f("a", "b", "c"), _f("d", "e")], prev, 5, 0.5)
    assert dict(named) == {"G00004": _f("a", "b", "c"), "G00005": _f("d", "e")}
    assert _by_change(changes) == {"G00004": "split", "G00005": "split"}
    assert next(c for c in changes if c.group_id == "G00005").previous == ("G00004",)


def test_new_and_ended_groups() -> None:
    prev = {"G00001": _f("a", "b")}
    named, changes = assign_ids([_f("x", "y")], prev, 2, 0.5)
    assert [g for g, _ in named] == ["G00002"]
    assert _by_change(changes) == {"G00002": "new", "G00001": "ended"}


def test_rerun_after_new_data_keeps_the_id_and_says_it_grew(tmp_path: Path) -> None:
    with networld.build(tmp_path / "ws.duckdb") as store:
        network.run(store)
        first = store.sql("SELECT group_id FROM group_summary")[0][0]
        # New records: O4 is a suspect with O1 on a further crime against V1.
        store.execute("INSERT INTO entity_persons VALUES ('WMP', 'O4', 'E-O4')")
        w = networld.WorldBuilder()
        w.event("C40", at="2023-04-01 20:00:00")
        w.on_event("C40", "suspect", "O1", "O4")
        networld._insert_raw(store, "events", w.rows["events"])
        networld._insert_raw(store, "links", w.rows["links"])
        result = network.run(store)
        groups = store.sql("SELECT group_id, offenders FROM group_summary")
        changes = store.sql("SELECT group_id, change FROM group_changes WHERE run_id = ?", [result.run_id])
    assert groups == [(first, 4)]
    assert changes == [(first, "grew")]


def test_rerun_without_changes_reports_unchanged(grouped) -> None:  # type: ignore[no-untyped-def]
    before = grouped.sql("SELECT * FROM group_members ORDER BY ALL")
    result = network.run(grouped)
    assert grouped.sql("SELECT * FROM group_members ORDER BY ALL") == before
    assert grouped.sql("SELECT change FROM group_changes WHERE run_id = ?", [result.run_id]) == [("unchanged",)]
