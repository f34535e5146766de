"""Which records put a child victim on an agency's list (clearpicture.estimate.lists).

A hand-built workspace holds one child per situation an analyst has to decide on; each test
reads the capture histories the estimate stage would use under one evidence rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearpicture.errors import InputError
from clearpicture.estimate import EstimateConfig
from clearpicture.estimate.lists import EVIDENCE, victim_records_sql
from clearpicture.estimate.stage import victim_histories
from clearpicture.store import Store

DEF = "cse-dfe-2017"
SOURCES = [("POL", "police"), ("SC", "social_care"), ("HEALTH", "health")]


def _store(path: Path) -> Store:
    """Children (entities) and the records agencies hold about them.

    A: a police crime (no note) and a social-care referral with a case note.
    B: a bare CSE-flagged social-care referral (no note, nothing else) and a police crime.
    C: a referral with a note but closed with "no further action", and a police crime.
    D: a health contact with a note; police also hold a record of D, as a witness only.
    E: a social-care referral on which D's social-care record is only an associate.
    F: a crime meeting another definition only.
    """
    store = Store(path)
    for code, kind in SOURCES:
        store.execute("INSERT INTO raw_sources (source, name, kind, kind_raw, area) VALUES (?, ?, ?, ?, 'North')",
                      [code, code, kind, kind])
    events = [  # source, event, kind, outcome, noted, meets
        ("POL", "c-A", "crime", "18", False, True), ("SC", "r-A", "referral", None, True, True),
        ("SC", "r-B", "referral", None, False, True), ("POL", "c-B", "crime", None, False, True),
        ("SC", "r-C", "referral", "Closed: no further action, no concerns", True, True),
        ("POL", "c-C", "crime", None, False, True),
        ("HEALTH", "h-D", "health_contact", None, True, True), ("POL", "c-X", "crime", None, False, True),
        ("SC", "r-E", "referral", None, True, True),
        ("POL", "c-F", "crime", None, False, False),
    ]
    links = [  # source, person record, event, role
        ("POL", "pA", "c-A", "victim"), ("SC", "sA", "r-A", "subject"),
        ("SC", "sB", "r-B", "subject"), ("POL", "pB", "c-B", "victim"),
        ("SC", "sC", "r-C", "subject"), ("POL", "pC", "c-C", "victim"),
        ("HEALTH", "hD", "h-D", "subject"), ("POL", "pD", "c-X", "witness"),
        ("SC", "sE", "r-E", "subject"), ("SC", "sD", "r-E", "associate"),
        ("POL", "pF", "c-F", "victim"),
    ]
    entity = {"pA": "A", "sA": "A", "sB": "B", "pB": "B", "sC": "C", "pC": "C", "hD": "D", "pD": "D", "sD": "D",
              "sE": "E", "pF": "F"}
    for src, eid, kind, outcome, noted, _meets in events:
        store.execute("INSERT INTO raw_events (source, event_id, kind, kind_raw, outcome) VALUES (?, ?, ?, ?, ?)",
                      [src, eid, kind, kind, outcome])
        if noted:
            store.execute("INSERT INTO raw_notes (source, note_id, about_type, about_type_raw, about_id, text) "
                          "VALUES (?, ?, 'event', 'event', ?, 'Child seen; concerns of exploitation recorded.')",
                          [src, f"n-{eid}", eid])
    store.execute("CREATE TABLE definition_cases (definition_id VARCHAR, source VARCHAR, event_id VARCHAR, "
                  "meets BOOLEAN)")
    for src, eid, _kind, _outcome, _noted, meets in events:
        store.execute("INSERT INTO definition_cases VALUES (?, ?, ?, ?)", [DEF, src, eid, meets])
    store.execute("CREATE TABLE entity_persons (source VARCHAR, person_id VARCHAR, entity_id VARCHAR)")
    store.execute("CREATE TABLE definition_victims (definition_id VARCHAR, source VARCHAR, person_id VARCHAR, "
                  "entity_id VARCHAR)")
    for src, pid, eid, role in links:
        store.execute("INSERT INTO raw_links (source, from_type, from_id, to_type, to_id, role) "
                      "VALUES (?, 'person', ?, 'event', ?, ?)", [src, pid, eid, role])
        store.execute("INSERT INTO raw_persons (source, person_id) VALUES (?, ?)", [src, pid])
        store.execute("INSERT INTO entity_persons VALUES (?, ?, ?)", [src, pid, entity[pid]])
    # what the definitions stage would write: victim-side records on meeting cases
    for src, pid in [("POL", "pA"), ("SC", "sA"), ("SC", "sB"), ("POL", "pB"), ("SC", "sC"), ("POL", "pC"),
                     ("HEALTH", "hD"), ("SC", "sE")]:
        store.execute("INSERT INTO definition_victims VALUES (?, ?, ?, NULL)", [DEF, src, pid])
    store.execute("INSERT INTO definition_victims VALUES ('another-definition', 'POL', 'pF', NULL)")
    return store


def _patterns(store: Store, evidence: str) -> dict[str, str]:
    hist = victim_histories(store, EstimateConfig(evidence=evidence, kinds=("police", "social_care", "health")))
    return hist.patterns


def test_substantiated_lists_need_a_recorded_crime_or_a_case_note(tmp_path: Path) -> None:
    patterns = _patterns(_store(tmp_path / "w.duckdb"), "substantiated")
    assert patterns["A"] == "110"  # crime without a note counts; noted referral counts
    assert patterns["B"] == "100"  # the bare flagged referral does not put B on social care's list
    assert patterns["C"] == "100"  # the referral closed with no further action does not either
    assert patterns["D"] == "001"  # health's noted contact; police know D only as a witness
    assert patterns["E"] == "010"
    assert "F" not in patterns  # a victim of another definition only


def test_definition_rule_keeps_bare_flags_but_not_cases_closed_as_unfounded(tmp_path: Path) -> None:
    patterns = _patterns(_store(tmp_path / "w.duckdb"), "definition")
    assert patterns["B"] == "110"
    assert patterns["C"] == "100"
    assert patterns["D"] == "001"


def test_records_rule_puts_a_victim_on_every_list_holding_any_record(tmp_path: Path) -> None:
    patterns = _patterns(_store(tmp_path / "w.duckdb"), "records")
    assert patterns["C"] == "110"  # the closed referral's record still places C with social care
    assert patterns["D"] == "111"  # a witness record and an associate record count under this rule
    assert patterns["B"] == "110"


def test_an_associate_on_a_meeting_referral_is_not_its_victim(tmp_path: Path) -> None:
    store = _store(tmp_path / "w.duckdb")
    store.execute("INSERT INTO definition_victims VALUES (?, 'SC', 'sD', NULL)", [DEF])  # a careless upstream row
    assert _patterns(store, "substantiated")["D"] == "001"


def test_unknown_evidence_rule_and_missing_case_table_are_one_line_errors(tmp_path: Path) -> None:
    store = _store(tmp_path / "w.duckdb")
    with pytest.raises(InputError, match="unknown evidence rule"):
        victim_histories(store, EstimateConfig(evidence="hearsay"))
    store.execute("DROP TABLE definition_cases")
    with pytest.raises(InputError, match="definition_cases is missing"):
        victim_histories(store, EstimateConfig())
    assert victim_histories(store, EstimateConfig(evidence="records")).patterns["A"].count("1") >= 2
    with pytest.raises(ValueError, match="unknown evidence rule"):
        victim_records_sql(True, "hearsay")
    assert EVIDENCE[0] == EstimateConfig().evidence == "substantiated"
