"""Case timelines in bulk: which crimes are cases and what the store says happened on each.

The SQL builders run on an in-memory DuckDB holding the hand-built case world (caseworld.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import caseworld
import pytest

from clearpicture import investigations
from clearpicture.errors import InputError
from clearpicture.investigations.cases_sql import case_base_sql, case_steps_sql, cases_sql, in_list
from clearpicture.investigations.config import InvestigationsConfig
from clearpicture.investigations.inputs import offence_code_sets, resolve_versions
from clearpicture.store import Store


def _cases(store: Store, config: InvestigationsConfig | None = None) -> dict[str, dict[str, Any]]:
    cfg = config or InvestigationsConfig()
    child, sexual = offence_code_sets()
    store.execute("CREATE OR REPLACE TEMP TABLE investigation_case_base AS "
                  + case_base_sql(cfg, resolve_versions(store, cfg), child, sexual))
    store.execute("CREATE OR REPLACE TEMP TABLE investigation_case_steps AS " + case_steps_sql(cfg))
    return {r["event_id"]: r for r in store.dicts(cases_sql(cfg))}


@pytest.fixture()
def mem() -> Store:
    return caseworld.build()


def test_population_is_definitions_plus_sexual_offences_against_children(mem: Store) -> None:
    cases = _cases(mem)
    assert set(cases) == {"C1", "C2", "C3", "C5"}  # not the adult victim's C4 nor the burglary C6
    assert (cases["C1"]["in_cse"], cases["C1"]["in_gbcse"]) == (True, True)
    assert (cases["C2"]["in_cse"], cases["C2"]["in_gbcse"]) == (True, False)  # gbcse recorded as not met
    assert not cases["C3"]["in_cse"] and cases["C3"]["in_sexual_child"]  # offence 23: a code against children
    assert cases["C5"]["in_sexual_child"]  # 20/1 is an adult code, but V5 was 15 at the time


def test_team_is_the_earliest_note_with_a_team_and_never_the_author(mem: Store) -> None:
    cases = _cases(mem)
    assert cases["C1"]["team"] == "CSE Team"  # a later Response note does not move it
    assert cases["C5"]["team"] == "not recorded"
    assert "author" not in cases["C1"]


def test_referral_is_found_across_agencies_through_linkage(mem: Store) -> None:
    c1 = _cases(mem)["C1"]
    assert (c1["referral_source"], c1["referral_event_id"]) == ("SC", "R1")
    assert c1["referral_days"] == 3 and c1["referred_in_time"]
    # without the link between the police and social care records of V1 there is no referral
    mem.execute("UPDATE entity_persons SET entity_id = 'E-SC-V1' WHERE person_id = 'SC-V1'")
    assert _cases(mem)["C1"]["referral_at"] is None


def test_referral_window_is_configurable(mem: Store) -> None:
    assert not _cases(mem, InvestigationsConfig(referral_days=2))["C1"]["referred_in_time"]


def test_steps_arrest_disruption_missing_and_outcome(mem: Store) -> None:
    cases = _cases(mem)
    c1, c2 = cases["C1"], cases["C2"]
    assert (c1["suspects"], c1["arrests"], c1["disruptions"], c1["disruption_types"]) == (2, 1, 1, "CAWN")
    assert c1["outcome_group"] == "charge" and c1["days_to_outcome"] == 55  # 5 Jan to 1 Mar
    assert c2["missing_episodes"] == 3  # M9, a year earlier, is outside the 90-day window
    assert c2["outcome_group"] == "evidential_difficulty" and c2["days_to_outcome"] == 10
    assert cases["C3"]["outcome_group"] == "open" and not cases["C3"]["closed"]
    assert cases["C5"]["outcome_group"] == "no_suspect"
    assert _cases(mem, InvestigationsConfig(missing_window_days=500))["C2"]["missing_episodes"] == 4


def test_unlinked_arrest_of_a_suspect_counts_only_within_the_case(mem: Store) -> None:
    mem.execute("""INSERT INTO raw_events (source, event_id, kind, started_at) VALUES
        ('WMP', 'A2', 'arrest', '2023-05-10 07:00:00'), ('WMP', 'A3', 'arrest', '2024-09-10 07:00:00')""")
    mem.execute("""INSERT INTO raw_links (source, from_type, from_id, to_type, to_id, role) VALUES
        ('WMP', 'person', 'O5', 'event', 'A2', 'suspect'), ('WMP', 'person', 'O5', 'event', 'A3', 'suspect')""")
    assert _cases(mem)["C3"]["arrests"] == 1  # A2 within a year of the open case; A3 long after


def test_disruption_at_the_place_of_the_crime_counts(mem: Store) -> None:
    mem.execute("UPDATE raw_events SET location_id = 'L1' WHERE event_id = 'C2'")
    mem.execute("""INSERT INTO raw_events (source, event_id, kind, started_at, disruption_type, location_id)
        VALUES ('WMP', 'D2', 'disruption', '2023-05-01 12:00:00', 'licensing', 'L1')""")
    c2 = _cases(mem)["C2"]
    assert (c2["disruptions"], c2["disruption_types"]) == (1, "licensing")


def test_newest_definition_version_is_used_unless_pinned(mem: Store) -> None:
    mem.execute("""INSERT INTO definition_cases VALUES
        ('cse-dfe-2017', '10', 'WMP', 'C3', true, 'cse', '[]'), ('cse-dfe-2017', '10', 'WMP', 'C1', true, 'cse', '[]')""")
    newest = _cases(mem)
    assert newest["C3"]["in_cse"] and not newest["C2"]["in_cse"]  # version 10 > 1 (not as text)
    pinned = _cases(mem, InvestigationsConfig(definition_versions={"cse-dfe-2017": "1"}))
    assert pinned["C2"]["in_cse"] and not pinned["C3"]["in_cse"]


def test_in_list_is_never_true_when_empty() -> None:
    assert in_list([]) == "(NULL)"
    assert in_list(["a'b"]) == "('a''b')"


def test_stage_writes_the_case_tables_and_counts(case_store: Store) -> None:
    result = investigations.run(case_store)
    assert result.counts["cases"] == 4 and result.counts["cse"] == 2 and result.counts["gbcse"] == 1
    assert result.counts["team_not_recorded"] == 1
    steps = case_store.sql("SELECT count(*) FROM investigation_case_steps WHERE case_event_id = 'C2' "
                           "AND step = 'missing_episode'")[0][0]
    assert steps == 3
    assert case_store.sql("SELECT status FROM runs WHERE stage = 'investigations'") == [("ok",)]


def test_stage_without_linkage_says_what_to_run(tmp_path: Path) -> None:
    store = Store(tmp_path / "bare.duckdb")
    with pytest.raises(InputError) as err:
        investigations.run(store)
    assert "clearpicture link" in str(err.value)


def test_a_disruption_touching_a_case_twice_is_one_step(mem: Store) -> None:
    mem.execute("UPDATE raw_events SET location_id = 'L1' WHERE event_id IN ('C1', 'D1')")
    _cases(mem)
    rows = mem.sql("SELECT role FROM investigation_case_steps WHERE case_event_id = 'C1' AND step = 'disruption'")
    assert rows == [("location,suspect",)]


def test_no_investigation_table_names_an_officer(investigated: Store) -> None:
    tables = [r[0] for r in investigated.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'investigation_%'")]
    assert "investigation_measures" in tables and "investigation_cases" in tables
    for table in tables:
        cols = [r[0] for r in investigated.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND data_type = 'VARCHAR'",
            [table])]
        assert "author" not in cols
        for col in cols:
            hits = investigated.sql(f'SELECT count(*) FROM {table} WHERE "{col}" LIKE \'%AB123%\'')[0][0]
            assert hits == 0, (table, col)  # AB123 is the author code on every note of the case world
