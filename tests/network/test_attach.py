"""A suspect outside every group joins the one group its summed weaker evidence ties it to."""

from __future__ import annotations

from pathlib import Path

import networld

from clearpicture import network
from clearpicture.network.grouping import attach_members

CORE = [frozenset({"a1", "a2", "a3"}), frozenset({"b1", "b2"})]


def test_distinct_weak_facts_with_members_add_up_to_membership() -> None:
    facts = [("x", "a1", "intel:1", 0.5), ("a2", "x", "intel:2", 0.5)]
    grown, attached = attach_members(CORE, ["x"], facts, 0.8)
    assert grown[0] == CORE[0] | {"x"} and grown[1] == CORE[1]
    assert [(a.entity, a.cluster, a.strength) for a in attached] == [("x", 0, 1.0)]
    assert attached[0].links == (("a1", 0.5), ("a2", 0.5))


def test_links_to_a_member_sum_that_pair_s_distinct_facts() -> None:
    facts = [("x", "a1", "f1", 0.3), ("x", "a1", "f2", 0.3), ("x", "a1", "f2", 0.2), ("a2", "x", "f3", 0.3)]
    _grown, attached = attach_members(CORE, ["x"], facts, 0.8)
    assert attached[0].strength == 0.9  # f2 counts once, at its strongest record
    assert attached[0].links == (("a1", 0.6), ("a2", 0.3))


def test_one_record_naming_several_members_counts_once() -> None:
    # One referral naming x beside three members is one fact, however many members it names.
    facts = [("x", m, "referral:9", 0.4) for m in ("a1", "a2", "a3")]
    grown, attached = attach_members(CORE, ["x"], facts, 0.8)
    assert grown == list(CORE) and attached == []


def test_evidence_split_between_groups_joins_neither_unless_one_sum_suffices() -> None:
    split = [("x", "a1", "f1", 0.5), ("x", "b1", "f2", 0.5)]
    assert attach_members(CORE, ["x"], split, 0.8)[1] == []
    both = [("x", "a1", "f1", 0.5), ("x", "a2", "f2", 0.4), ("x", "b1", "f3", 0.5), ("x", "b2", "f4", 0.5)]
    grown, attached = attach_members(CORE, ["x"], both, 0.8)
    assert [a.cluster for a in attached] == [1]  # 1.0 with the b group beats 0.9 with the a group
    assert "x" in grown[1] and "x" not in grown[0]


def test_attached_person_pulls_no_one_in_and_members_stay_put() -> None:
    # y's only evidence is with x, who is attached here: weak chains never grow a group.
    facts = [("x", "a1", "f1", 0.5), ("x", "a2", "f2", 0.5), ("y", "x", "f3", 5.0), ("a1", "b1", "f4", 0.6)]
    grown, attached = attach_members(CORE, ["x", "y", "a1"], facts, 0.8)
    assert [a.entity for a in attached] == ["x"]
    assert "y" not in grown[0] | grown[1] and "a1" not in grown[1]


def _with_loose_suspects() -> networld.WorldBuilder:
    """The story world plus: O4, subject of a disruption, named in two separate intelligence reports
    graded 2B (each 0.504) beside O1 and beside O3; O5, named once beside O1, O2 and O3 in one such
    report; X1 (a suspect on a crime meeting the group definition) named twice beside burglars."""
    w = networld.story()
    for p in ("O4", "O5"):
        w.person(p)
    for d, p in (("D4", "O4"), ("D5", "O5")):
        w.event(d, kind="disruption", at="2023-03-01 10:00:00")
        w.on_event(d, "subject", p)
    reports = {"I4": ("O4", "O1"), "I5": ("O4", "O3"), "I6": ("O5", "O1", "O2", "O3"),
               "I7": ("X1", "B1"), "I8": ("X1", "B2")}
    for i, (report, people) in enumerate(reports.items()):
        w.event(report, kind="intelligence", at=f"2023-04-{10 + i} 10:00:00", grading="2BP")
        w.on_event(report, "subject", *people)
    return w


def test_loose_suspect_joins_the_group_and_is_explained(tmp_path: Path) -> None:
    with networld.build(tmp_path / "loose.duckdb", _with_loose_suspects()) as store:
        result = network.run(store)
        members = {e: (g, j) for g, e, j in store.sql(
            "SELECT group_id, entity_id, joined_by FROM group_members WHERE role <> 'victim'")}
        o4 = store.dicts("SELECT * FROM group_members WHERE entity_id = 'E-O4'")[0]
        evidence = store.sql("SELECT other_entity_id FROM group_evidence "
                             "WHERE entity_id = 'E-O4' AND basis = 'association' ORDER BY 1")
    group = members["E-O1"][0]
    assert members["E-O4"] == (group, "summed_evidence")
    assert members["E-O1"][1] == members["E-O2"][1] == "strong_link"
    assert "summed" in o4["explanation"] and o4["degree"] == 2
    assert evidence == [("E-O1",), ("E-O3",)]
    assert "E-O5" not in members  # one report beside three members is one piece of evidence
    assert result.counts["attached_by_summed_evidence"] == 1


def test_cse_suspect_attached_to_a_burglary_crew_does_not_make_it_a_group(tmp_path: Path) -> None:
    with networld.build(tmp_path / "crew.duckdb", _with_loose_suspects()) as store:
        network.run(store)
        members = {e for (e,) in store.sql("SELECT entity_id FROM group_members WHERE role <> 'victim'")}
    assert not members & {"E-X1", "E-B1", "E-B2", "E-B3"}
