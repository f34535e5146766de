"""Offender groups: who is in them, who is not, how each membership is explained."""

from __future__ import annotations

import random
from pathlib import Path

import networld
import pytest

from clearpicture import network
from clearpicture.errors import InputError
from clearpicture.network.config import NetworkConfig
from clearpicture.network.grouping import find_clusters, offender_graph
from clearpicture.store import Store


def _groups(store: Store) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for gid, entity in store.sql("SELECT group_id, entity_id FROM group_members WHERE role <> 'victim'"):
        out.setdefault(gid, set()).add(entity)
    return out


def test_finds_the_group_with_its_offenders_and_victims(grouped: Store) -> None:
    groups = _groups(grouped)
    assert list(groups.values()) == [{"E-O1", "E-O2", "E-O3"}]
    victims = {r[0] for r in grouped.sql("SELECT entity_id FROM group_members WHERE role = 'victim'")}
    assert victims == {"E-V1", "E-V2"}
    summary = grouped.dicts("SELECT * FROM group_summary")[0]
    assert (summary["offenders"], summary["victims"], summary["vehicles"]) == (3, 2, 1)
    assert summary["meeting_events"] == 1 and summary["first_at"] < summary["last_at"]


def test_burglary_crew_lone_offender_and_shared_victim_are_not_groups(grouped: Store) -> None:
    members = {e for g in _groups(grouped).values() for e in g}
    assert not members & {"E-B1", "E-B2", "E-B3", "E-L1", "E-X1", "E-X2"}


def test_victim_only_person_is_left_out_of_suspect_measures(grouped: Store) -> None:
    rows = grouped.dicts("SELECT * FROM group_members WHERE entity_id = 'E-V1'")
    assert [r["role"] for r in rows] == ["victim"]
    assert rows[0]["degree"] is None and rows[0]["betweenness"] is None
    offenders = grouped.dicts("SELECT * FROM group_members WHERE role <> 'victim' ORDER BY entity_id")
    assert [r["degree"] for r in offenders] == [1, 2, 1]
    assert max(offenders, key=lambda r: r["betweenness"])["entity_id"] == "E-O2"  # the bridge to O3


def test_every_membership_is_explained_by_evidence(grouped: Store) -> None:
    for gid, entity, role in grouped.sql("SELECT group_id, entity_id, role FROM group_members"):
        rows = grouped.dicts("SELECT * FROM group_evidence WHERE group_id = ? AND entity_id = ?", [gid, entity])
        bases = {r["basis"] for r in rows}
        if role == "victim":
            assert bases == {"victim"} and all(r["definition_id"] for r in rows)
        else:
            assert "association" in bases
        assert all(r["explanation"] and r["source"] and r["record"] for r in rows)
    o3 = grouped.dicts("SELECT kind, other_entity_id, grading FROM group_evidence "
                       "WHERE entity_id = 'E-O3' AND basis = 'association' ORDER BY kind")
    assert [(r["kind"], r["other_entity_id"]) for r in o3] == [("intelligence", "E-O2"), ("shared_object", "E-O2")]
    assert o3[0]["grading"] == "1AP"


def test_roles_come_from_evidence_links(tmp_path: Path) -> None:
    w = networld.story()
    w.rows["links"] = [dict(link, role="offender") if (link["from_id"], link["to_id"]) == ("O1", "C1") else link
                       for link in w.rows["links"]]
    with networld.build(tmp_path / "roles.duckdb", w) as store:
        network.run(store)
        roles = dict(store.sql("SELECT entity_id, role FROM group_members WHERE role <> 'victim'"))
    assert roles == {"E-O1": "offender", "E-O2": "suspect", "E-O3": "suspect"}


def test_shuffling_ethnicity_leaves_groups_identical(tmp_path: Path) -> None:
    results = []
    for seed in (None, 1, 2):
        w = networld.story()
        if seed is not None:
            rng = random.Random(seed)
            codes = ["W1", "A3", "B2", "M4", "O2", "NS", None]
            w.rows["persons"] = [dict(p, ethnicity_self=rng.choice(codes), ethnicity_officer=rng.choice(
                ["IC1", "IC2", "IC3", "IC4", "IC9"]), nationality=rng.choice(["GBR", "PAK", "POL"]))
                for p in w.rows["persons"]]
        with networld.build(tmp_path / f"eth{seed}.duckdb", w) as store:
            network.run(store)
            results.append((
                store.sql("SELECT * FROM group_members ORDER BY ALL"),
                store.sql("SELECT * EXCLUDE (first_at, last_at) FROM group_summary ORDER BY ALL"),
                store.sql("SELECT * FROM edge_entities ORDER BY ALL"),
            ))
    assert results[0] == results[1] == results[2]


def test_large_component_is_split_into_communities() -> None:
    a = [f"a{i}" for i in range(6)]
    b = [f"b{i}" for i in range(6)]
    edges = [(x, y, 2.0) for grp in (a, b) for i, x in enumerate(grp) for y in grp[i + 1:]]
    edges.append(("a0", "b0", 1.0))  # one weak bridge
    graph = offender_graph(a + b, edges, 1.0)
    whole = find_clusters(graph, NetworkConfig(max_component_size=20))
    split = find_clusters(graph, NetworkConfig(max_component_size=8))
    assert [len(c) for c in whole] == [12]
    assert sorted(map(sorted, split)) == [sorted(a), sorted(b)]
    assert split == find_clusters(graph, NetworkConfig(max_component_size=8))  # seeded: repeatable


def test_weak_evidence_below_threshold_does_not_join(tmp_path: Path) -> None:
    with networld.build(tmp_path / "strict.duckdb") as store:
        network.run(store, {"min_strength": 1.7})
        assert _groups(store) == {}  # O3's car + intelligence (1.6) no longer suffices; O1-O2 (1.0) neither


def test_groups_document_has_the_interface_shape(grouped: Store) -> None:
    doc = network.groups_document(grouped)
    group = doc["groups"][0]
    assert set(group) >= {"group_id", "offenders", "victims", "evidence"}
    o1 = next(o for o in group["offenders"] if o["entity_id"] == "E-O1")
    assert o1["records"] == [["SC", "SC-O1"], ["WMP", "O1"]]
    assert all(set(v) >= {"entity_id", "records"} for v in group["victims"])
    kinds = {(e["basis"], e["kind"]) for e in group["evidence"]}
    assert ("association", "co_offending") in kinds and ("victim", "victim") in kinds
    with pytest.raises(InputError):
        network.groups_document(grouped, "G99999")


def test_missing_linkage_is_a_clear_error(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.duckdb") as store, pytest.raises(InputError, match="entity_persons"):
        network.run(store)


def test_unknown_config_key_is_reported(story_store: Store) -> None:
    from clearpicture.errors import ConfigError

    with pytest.raises(ConfigError, match="min_strenght"):
        network.run(story_store, {"min_strenght": 2})


def _intelligence_world() -> networld.WorldBuilder:
    """Two adults named together in graded intelligence that also names a child as victim; the
    child's referral at children's services meets the group-based definition."""
    w = networld.WorldBuilder()
    for p in ("P1", "P2", "KID"):
        w.person(p)
    w.person("SC-KID", entity="E-KID", source="SC")
    w.person("SC-MUM", source="SC")
    for i, at in enumerate(("2023-01-05 00:00:00", "2023-02-05 00:00:00")):
        w.event(f"I{i}", kind="intelligence", at=at, grading="B2P")
        w.on_event(f"I{i}", "subject", "P1", "P2")
        w.on_event(f"I{i}", "victim", "KID")
    w.event("R9", kind="referral", source="SC")
    w.link("person", "SC-KID", "event", "R9", "subject", source="SC")
    w.link("person", "SC-MUM", "event", "R9", "associate", source="SC")
    w.case("R9", networld.GB, source="SC")
    w.child_victim(networld.GB, "SC-KID", source="SC")
    return w


def test_intelligence_group_is_linked_to_a_child_victim_known_to_another_agency(tmp_path: Path) -> None:
    with networld.build(tmp_path / "intel.duckdb", _intelligence_world()) as store:
        network.run(store)
        members = store.sql("SELECT entity_id, role FROM group_members ORDER BY ALL")
        victim_evidence = store.dicts("SELECT * FROM group_evidence WHERE basis = 'victim'")
    assert members == [("E-KID", "victim"), ("E-P1", "subject"), ("E-P2", "subject")]
    assert {(r["source"], r["definition_id"]) for r in victim_evidence} == {("WMP", networld.GB)}


def test_parent_named_on_a_referral_is_not_on_the_suspect_side(tmp_path: Path) -> None:
    with networld.build(tmp_path / "mum.duckdb", _intelligence_world()) as store:
        network.run(store)
        sides = dict(store.sql("SELECT person_id, side FROM edge_person_events WHERE event_id = 'R9'"))
        roles = store.dicts("SELECT * FROM edge_entity_roles WHERE entity_id = 'E-SC-MUM'")
    assert sides == {"SC-KID": "victim", "SC-MUM": "other"}
    assert roles[0]["offending_events"] == 0
