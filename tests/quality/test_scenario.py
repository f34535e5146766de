"""The quality scorecard on the synthetic scenarios: figures the data files and truth determine,
recomputed here independently (pandas over the CSV files) rather than echoed from the SQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clearpicture import quality, standard


def _recorded_share(data: Path, role: str, column: str, not_recorded: str) -> tuple[int, int]:
    persons = pd.read_csv(data / "persons.csv", dtype=str, keep_default_na=False)
    links = pd.read_csv(data / "links.csv", dtype=str, keep_default_na=False)
    events = pd.read_csv(data / "events.csv", dtype=str, keep_default_na=False)
    roles = ["victim"] if role == "victim" else ["suspect", "offender"]
    pe = links[(links.from_type == "person") & (links.to_type == "event") & links.role.isin(roles)]
    pe = pe.merge(events[["source", "event_id"]], left_on=["source", "to_id"], right_on=["source", "event_id"])
    people = persons.drop_duplicates(["source", "person_id"]).merge(
        pe[["source", "from_id"]].drop_duplicates(), left_on=["source", "person_id"], right_on=["source", "from_id"])
    codes = set(standard.code_list("ethnicity_census_2021" if column == "ethnicity_self" else "ethnicity_officer"))
    values = people[column].str.strip()
    recorded = values.isin(codes) & (values != not_recorded)
    return int(recorded.sum()), len(people)


def _check(world: object, tmp_path: Path) -> None:
    store = world.copy(tmp_path)  # type: ignore[attr-defined]
    data: Path = world.data  # type: ignore[attr-defined]
    quality.run(store)
    doc = quality.scorecard(store)
    measures = {(m["id"], m["source"]): m for m in doc["measures"]}
    for role in ("victim", "suspect"):
        for column, none in (("ethnicity_self", "NS"), ("ethnicity_officer", "IC9")):
            m = measures[(f"{role}_{column}_recorded", "ALL")]
            assert (m["numerator"], m["denominator"]) == _recorded_share(data, role, column, none)
            assert 0 < m["value"] < 1  # the scenario plants partial recording
    # every CSE flag on a crime in the scenario is on a planted CSE crime against a child; the stage
    # can only see it as such when the offence code (or the victim's date of birth) is valid
    truth = pd.read_csv(world.truth / "cases.csv", dtype=str)  # type: ignore[attr-defined]
    flagged_ids = set(truth[(truth.kind == "crime") & (truth.cse_flagged == "true")].event_id)
    bad_code = {r[0] for r in store.sql("SELECT record_id FROM field_issues WHERE table_name = 'events' "
                                        "AND column_name = 'offence_code'")}
    flagged = len(flagged_ids)
    numerator = measures[("cse_flag_share", "ALL")]["numerator"]
    assert flagged - len(flagged_ids & bad_code) - 0.01 * flagged <= numerator <= flagged
    assert measures[("cse_flag_share", "ALL")]["denominator"] > flagged  # some are not flagged
    # ingest's field issues show up as invalid values
    issues = store.sql("SELECT count(*) FROM field_issues WHERE table_name = 'persons' AND column_name = 'date_of_birth'")
    dob = [f for f in doc["fields"] if f["table"] == "persons" and f["field"] == "date_of_birth"]
    invalid = sum(round(f["rows"] * f["completeness"] * (1 - f["validity"])) for f in dob)
    assert invalid >= issues[0][0] > 0
    assert {m["rating"] for m in doc["measures"]} <= {"green", "amber", "red", None}
    quarters = {t["quarter"] for t in doc["trends"] if t["id"] == "crimes_with_location"}
    assert len(quarters) >= 4  # trends by quarter


def test_small_scenario_scorecard_matches_the_data(small_world: object, tmp_path: Path) -> None:
    _check(small_world, tmp_path)


@pytest.mark.slow
def test_medium_scenario_scorecard_matches_the_data(medium_world: object, tmp_path: Path) -> None:
    _check(medium_world, tmp_path)
