"""Quality scorecard on a hand-built world: completeness, validity, measures by quarter, ratings
from the thresholds file, and one-line errors for an invalid thresholds file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from clearpicture import quality
from clearpicture.errors import ConfigError
from clearpicture.store import Store


def _insert(store: Store, table: str, **values: Any) -> None:
    cols = {r[0] for r in store.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [f"raw_{table}"])}
    row = dict(values)
    for k, v in values.items():
        if f"{k}_raw" in cols and f"{k}_raw" not in row:
            row[f"{k}_raw"] = None if v is None else str(v)
    store.execute(f"INSERT INTO raw_{table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                  list(row.values()))


@pytest.fixture()
def store() -> Store:
    """Police source P: 4 persons (one dob invalid as recorded, one a duplicate), 4 crimes in two
    quarters, one intelligence report without grading."""
    s = Store(":memory:")
    _insert(s, "persons", source="P", person_id="V1", forename="Amy", surname="Ray", date_of_birth="2009-01-01",
            ethnicity_self="W1", ethnicity_officer="IC1")
    _insert(s, "persons", source="P", person_id="V2", forename="Bea", surname="Lo", date_of_birth="2010-02-02",
            ethnicity_self="NS")
    _insert(s, "persons", source="P", person_id="V3", forename="Amy", surname="Ray", date_of_birth="2009-01-01")
    _insert(s, "persons", source="P", person_id="S1", forename="Carl", surname="Moe", date_of_birth=None,
            date_of_birth_raw="31/02/1980", ethnicity_officer="IC9")
    for eid, at, code, flags, loc in [("E1", "2023-01-10", "22/1", "CSE", "L1"), ("E2", "2023-02-10", "22/1", None, None),
                                      ("E3", "2023-05-10", "19/4", "CSE", None), ("E4", "2023-05-11", "45", None, None)]:
        _insert(s, "events", source="P", event_id=eid, kind="crime", started_at=f"{at} 10:00:00",
                recorded_at=f"{at} 12:00:00", offence_code=code, flags=flags, location_id=loc)
    _insert(s, "events", source="P", event_id="I1", kind="intelligence", started_at="2023-03-01 10:00:00",
            ended_at="2023-02-01 10:00:00")
    for pid, eid, role in [("V1", "E1", "victim"), ("V2", "E2", "victim"), ("V3", "E3", "victim"),
                           ("S1", "E1", "suspect"), ("S1", "E3", "suspect")]:
        _insert(s, "links", source="P", from_type="person", from_id=pid, to_type="event", to_id=eid, role=role)
    return s


def _measure(doc: dict[str, Any], mid: str, source: str = "P") -> dict[str, Any]:
    return next(m for m in doc["measures"] if m["id"] == mid and m["source"] == source)


def _field(doc: dict[str, Any], table: str, field: str) -> dict[str, Any]:
    return next(f for f in doc["fields"] if f["table"] == table and f["field"] == field and f["source"] == "P")


def test_completeness_and_validity_per_field(store: Store) -> None:
    quality.run(store)
    doc = quality.scorecard(store)
    dob = _field(doc, "persons", "date_of_birth")
    assert dob["rows"] == 4 and dob["completeness"] == 1.0  # all four have something recorded
    assert dob["validity"] == pytest.approx(3 / 4)  # 31/02/1980 is not a date
    eth = _field(doc, "persons", "ethnicity_self")
    assert eth["completeness"] == pytest.approx(2 / 4)
    ended = _field(doc, "events", "ended_at")
    assert ended["completeness"] == pytest.approx(1 / 5) and ended["validity"] == 0.0  # ends before it starts
    assert {"completeness_rating", "validity_rating"} <= set(dob)


def test_safeguarding_measures_with_numerators(store: Store) -> None:
    quality.run(store)
    doc = quality.scorecard(store)
    flag = _measure(doc, "cse_flag_share")
    assert (flag["numerator"], flag["denominator"]) == (2, 3)  # E1, E3 flagged of E1 E2 E3
    vic = _measure(doc, "victim_ethnicity_self_recorded")
    assert (vic["numerator"], vic["denominator"]) == (1, 3)  # NS (not stated) is not recorded
    sus = _measure(doc, "suspect_ethnicity_officer_recorded")
    assert (sus["numerator"], sus["denominator"]) == (0, 1)  # IC9 is "unknown"
    loc = _measure(doc, "crimes_with_location")
    assert (loc["numerator"], loc["denominator"]) == (1, 4)
    grade = _measure(doc, "intelligence_graded")
    assert (grade["numerator"], grade["denominator"]) == (0, 1)
    dup = _measure(doc, "person_duplicate_share")
    assert (dup["numerator"], dup["denominator"]) == (2, 3)  # V1 and V3 share name and date of birth
    assert _measure(doc, "cse_flag_share", "ALL")["denominator"] == 3


def test_measures_by_quarter_show_trends(store: Store) -> None:
    quality.run(store)
    trend = {m["quarter"]: (m["numerator"], m["denominator"]) for m in quality.scorecard(store)["trends"]
             if m["id"] == "cse_flag_share"}
    assert trend == {"2023Q1": (1, 2), "2023Q2": (1, 1)}


def test_consistency_across_records_of_one_person_after_linkage(store: Store) -> None:
    quality.run(store)
    assert not any(m["id"] == "entity_conflicting_dob" for m in quality.scorecard(store)["measures"])
    _insert(store, "persons", source="SC", person_id="C1", date_of_birth="2009-01-02", forename="Amy")
    store.execute("CREATE TABLE entity_persons AS SELECT source, person_id, CASE WHEN person_id IN ('V1', 'C1') "
                  "THEN 'e1' ELSE person_id END AS entity_id FROM raw_persons")
    quality.run(store)
    m = _measure(quality.scorecard(store), "entity_conflicting_dob", "ALL")
    assert (m["numerator"], m["denominator"]) == (1, 1)


def test_run_is_recorded_and_ratings_come_from_the_thresholds_file(store: Store, tmp_path: Path) -> None:
    result = quality.run(store)
    assert store.sql("SELECT stage, status FROM runs WHERE run_id = ?", [result.run_id]) == [("quality", "ok")]
    assert _measure(quality.scorecard(store), "crimes_with_location")["rating"] == "red"  # 25% < amber 70%
    doc = yaml.safe_load((Path(quality.__file__).parent / "data" / "thresholds.yaml").read_text())
    doc["measures"]["crimes_with_location"] = {"green": 0.2, "amber": 0.1}
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(doc))
    quality.run(store, {"thresholds": str(path)})
    assert _measure(quality.scorecard(store), "crimes_with_location")["rating"] == "green"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d["measures"].update(cse_flag_share={"green": 0.5, "amber": 0.9}), "measures.cse_flag_share"),
        (lambda d: d["measures"].update(cse_flags={"green": 0.9, "amber": 0.5}), "measures.cse_flags"),
        (lambda d: d["measures"]["cse_flag_share"].update(gren=1), "gren"),
        (lambda d: d["fields"].pop("default"), "fields.default"),
        (lambda d: d["fields"]["default"]["completeness"].update(green="high"), "fields.default.completeness.green"),
        # Accepted before and never applied: a misspelt field key, and a limit written as a percentage.
        (lambda d: d["fields"].update({"persons.ethnicty_self": {"completeness": {"green": 0.9, "amber": 0.5}}}),
         "fields.persons.ethnicty_self: not a field the scorecard rates"),
        (lambda d: d["fields"].update({"persons.person_id": {"completeness": {"green": 0.9, "amber": 0.5}}}),
         "fields.persons.person_id"),
        (lambda d: d["measures"].update(crimes_with_location={"green": 90, "amber": 70}),
         "measures.crimes_with_location.green: must be a share from 0 to 1"),
    ],
)
def test_invalid_thresholds_file_gives_one_line_error(tmp_path: Path, change: Any, key: str) -> None:
    doc = yaml.safe_load((Path(quality.__file__).parent / "data" / "thresholds.yaml").read_text())
    change(doc)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError) as err:
        quality.run(Store(":memory:"), {"thresholds": str(path)})
    assert "\n" not in str(err.value) and key in str(err.value) and str(path) in str(err.value)
