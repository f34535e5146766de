"""The criteria compile to SQL that picks the right cases, tested on a hand-built in-memory world."""

from __future__ import annotations

import json

import pytest
from defworld import build, event, insert, link

from clearpicture.definitions.criteria_sql import DUCKDB, SPARK, cases_sql, leaf_sql, working_tables_sql
from clearpicture.definitions.model import Criterion, shipped_definitions
from clearpicture.store import Store


def _prepare(store: Store, linked: bool = False) -> None:
    for name, select in working_tables_sql(linked):
        store.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")


@pytest.fixture()
def store() -> Store:
    s = Store(":memory:")
    build(s)
    _prepare(s)
    return s


def _events(store: Store, criterion: dict[str, object], groups: bool = False) -> set[str]:
    sql = leaf_sql(Criterion.model_validate(criterion), DUCKDB, groups)
    return {r[0] for r in store.sql(f"SELECT event_id FROM ({sql})")}


def test_victim_age_uses_age_at_the_time_and_offence_code_when_age_unknown(store: Store) -> None:
    hits = _events(store, {"victim_age_under": 18})
    assert {"E1", "E2", "E6", "E7", "E8", "R1"} <= hits
    assert "E3" not in hits and "E10" not in hits  # adults
    assert "E4" in hits  # age 10: a child, whatever else
    assert _events(store, {"victim_age_under": 16}) >= {"E1", "E9"} and "E2" not in _events(
        store, {"victim_age_under": 16})


def test_familial_needs_a_family_link_between_suspect_and_victim(store: Store) -> None:
    assert _events(store, {"familial": True}) == {"E4"}


def test_suspects_per_event_counts_distinct_people(store: Store) -> None:
    assert _events(store, {"min_suspects_per_event": 2}) == {"E1", "I1"}  # I1: two subjects of intelligence


def test_offenders_per_victim_respects_the_window(store: Store) -> None:
    window = {"min_offenders_per_victim_within_days": {"offenders": 2, "days": 365}}
    assert _events(store, window) == {"E1", "E7", "E8"}  # E1: two suspects on the one crime
    assert _events(store, {"min_offenders_per_victim_within_days": {"offenders": 2, "days": 100}}) == {"E1"}


def test_associated_individuals_come_from_co_suspects_and_shared_intelligence(store: Store) -> None:
    hits = _events(store, {"min_associated_individuals": 2})
    assert "E1" in hits  # two suspects on the crime
    assert "E9" in hits  # S9 named with S1 (a suspect on a child sexual offence) on intelligence
    assert "E2" not in hits and "E6" not in hits


def test_network_group_needs_group_members_and_entities() -> None:
    s = Store(":memory:")
    build(s)
    s.execute("CREATE TABLE entity_persons AS SELECT source, person_id, 'ent-' || person_id AS entity_id "
              "FROM raw_persons")
    s.execute("UPDATE entity_persons SET entity_id = 'ent-V1' WHERE person_id = 'V1s'")
    s.execute("CREATE TABLE group_members (group_id VARCHAR, entity_id VARCHAR, role VARCHAR)")
    s.execute("INSERT INTO group_members VALUES ('G1', 'ent-S9', 'offender'), ('G1', 'ent-V1', 'victim')")
    _prepare(s, linked=True)
    assert _events(s, {"in_network_group": True}, groups=True) == {"E9", "E1", "R1", "I1"}
    assert _events(s, {"in_network_group": True}, groups=False) == set()


def test_cse_definition_meets_the_right_cases_with_reasons(store: Store) -> None:
    d = shipped_definitions()["cse-dfe-2017"]
    rows = {r["event_id"]: r for r in store.dicts(cases_sql(d))}
    meets = {k for k, r in rows.items() if r["meets"]}
    assert meets == {"E1", "E2", "E5", "E6", "E7", "E8", "E9", "R1"}
    assert not rows["E3"]["meets"] and not rows["E4"]["meets"]  # adult victim; familial, unflagged
    assert rows["E10"]["flagged"] and not rows["E10"]["meets"]  # flagged, not meeting
    assert not rows["E2"]["flagged"]  # meets, unflagged: under-flagging
    reasons = json.loads(rows["E2"]["reasons"])
    assert "victim_age_under: 18" in reasons["held"] and "offence_sexual" in reasons["held"]
    assert "POL/V2 aged 16" in reasons["evidence"]["victim_age_under: 18"]
    assert "flags_any: CSE, GBCSE" not in reasons["held"]
    assert rows["E1"]["category"] == "cse" and rows["E3"]["category"] is None
    assert "I1" not in rows  # intelligence is not a case kind


def test_categories_follow_cocad_order(store: Store) -> None:
    d = shipped_definitions()["cse-dfe-2017"]
    rows = {r["event_id"]: r for r in store.dicts(cases_sql(d))}
    assert rows["E5"]["category"] == "familial"  # offence 23, flagged CSE: familial comes first
    event(store, "E11", code="73")
    insert(store, "persons", source="POL", person_id="V11", date_of_birth="2008-02-02")
    link(store, "V11", "E11", "victim")
    _prepare(store)
    rows = {r["event_id"]: r for r in store.dicts(cases_sql(d))}
    assert rows["E11"]["meets"] and rows["E11"]["category"] == "institutional"


def test_group_based_default_requires_two_associated_individuals(store: Store) -> None:
    d = shipped_definitions()["gbcse-iicsa-2019"]
    meets = {r[0] for r in store.sql(f"SELECT event_id FROM ({cases_sql(d)}) WHERE meets")}
    assert meets == {"E1", "E9"}


def test_spark_dialect_builds_without_duckdb_only_functions() -> None:
    d = shipped_definitions()["gbcse-victim-window"]
    sql = cases_sql(d, SPARK) + "".join(s for _, s in working_tables_sql(True, SPARK))
    assert "lambda" not in sql and "list_has_any" not in sql and "date_sub('year'" not in sql
    assert "arrays_overlap" in sql and "months_between" in sql
