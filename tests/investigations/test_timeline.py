"""One case's timeline, drawn live from the store (before or after the stage)."""

from __future__ import annotations

import pytest

from clearpicture.errors import InputError
from clearpicture.investigations import case_timeline
from clearpicture.store import Store


def test_timeline_runs_from_report_to_outcome_in_order(case_store: Store) -> None:
    t = case_timeline(case_store, "WMP", "C1")
    dated = [s.step for s in t.steps if s.at is not None]
    assert dated == ["offence", "recorded", "referral", "arrest", "disruption", "outcome"]
    # the undated suspect links read right after the crime was recorded
    assert [s.step for s in t.steps][:4] == ["offence", "recorded", "suspect_identified", "suspect_identified"]
    assert [s.at for s in t.steps if s.at] == sorted(s.at for s in t.steps if s.at)
    assert t.populations == ["cse", "gbcse", "sexual_child"]
    assert (t.team, t.outcome, t.outcome_label) == ("CSE Team", "1", "charged or summonsed")
    assert t.victim == ("WMP", "V1")


def test_every_step_names_its_record(case_store: Store) -> None:
    t = case_timeline(case_store, "WMP", "C1")
    by_step = {s.step: s for s in t.steps}
    assert (by_step["referral"].source, by_step["referral"].record_id) == ("SC", "R1")  # another agency
    assert by_step["disruption"].label == "Disruption (CAWN)"
    assert by_step["outcome"].label.startswith("Outcome 1: charged")
    suspects = {s.record_id for s in t.steps if s.step == "suspect_identified"}
    assert suspects == {"O1", "O2"}


def test_missing_episodes_appear_around_the_crime(case_store: Store) -> None:
    t = case_timeline(case_store, "WMP", "C2")
    assert [s.record_id for s in t.steps if s.step == "missing_episode"] == ["M1", "M2", "M3"]


def test_any_crime_has_a_timeline_but_an_unknown_one_is_an_error(case_store: Store) -> None:
    burglary = case_timeline(case_store, "WMP", "C6")
    assert burglary.populations == [] and burglary.outcome == "1"
    with pytest.raises(InputError, match="no crime WMP/NOPE"):
        case_timeline(case_store, "WMP", "NOPE")
    with pytest.raises(InputError):
        case_timeline(case_store, "WMP", "A1")  # an arrest, not a crime


def test_timeline_is_plain_data(case_store: Store) -> None:
    doc = case_timeline(case_store, "WMP", "C2").to_dict()
    assert doc["case"] == ["WMP", "C2"] and isinstance(doc["steps"], list)
    assert {"step", "at", "label", "source", "record_type", "record_id"} <= set(doc["steps"][0])
