"""The scorecard measures what docs/quality.md says, checked end to end on a hand-made package.

A small exchange package (two sources) is written as CSV, ingested as a force would, and scored.
Every expected figure below was counted by hand from the rows in ``_package`` (the comments say
which rows make each numerator and denominator), not read back from the code.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from clearpicture import Store, ingest, quality, standard


def _write(folder: Path, table: str, rows: list[dict[str, str]]) -> None:
    cols = standard.table(table).names
    with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows([{c: r.get(c, "") for c in cols} for r in rows])


def _at(day: str) -> str:
    return f"{day}T10:00:00Z"


def _package(folder: Path) -> Path:
    folder.mkdir()
    _write(folder, "sources", [{"source": "P", "name": "Police", "kind": "police"},
                               {"source": "SC", "name": "Children's services", "kind": "social_care"}])
    p = [
        # id, forename, surname, date of birth, self, officer, nationality
        ("V1", "Amy", "Ray", "2009-01-01", "W1", "IC1", "GBR"),
        ("V2", "Bea", "Lo", "2010-02-02", "NS", "", "gbr"),        # not stated; nationality malformed
        ("V3", "Cat\x00", "Ray", "2008-05-05", "XX", "IC9", ""),   # NUL in the name; unknown code; IC9
        ("V4", "Dee", "Fox", "2004-01-01", "W2", "IC1", "GBR"),    # an adult at E6
        ("S1", "Carl", "Moe", "31/02/1980", "", "IC3", "PAK"),     # date of birth not a date
        ("S2", "Dan", "Moe", "1985-03-03", "A1", "", ""),
        ("S3", "Ed", "Poe", "", "", "", ""),
        ("D1", "Amy", "Ray", "2009-01-01", "", "", ""),            # same name and birth date as V1
    ]
    persons = [{"source": "P", "person_id": i, "forename": f, "surname": s, "date_of_birth": d,
                "ethnicity_self": es, "ethnicity_officer": eo, "nationality": n} for i, f, s, d, es, eo, n in p]
    persons.append({"source": "SC", "person_id": "C1", "forename": "Amy", "surname": "Ray",
                    "date_of_birth": "2009-01-01", "ethnicity_self": "W1"})
    _write(folder, "persons", persons)
    e = [
        # id, kind, started, recorded, offence code, flags, location, grading
        ("E1", "crime", "2023-01-10", "2023-01-12", "22/1", "CSE", "L1", ""),
        ("E2", "crime", "2023-02-10", "2023-04-20", "22/1", "", "", ""),          # 69 days to record
        ("E3", "crime", "2023-05-10", "2023-05-11", "19/3", "gbcse", "", ""),     # adult code, victim aged 15
        ("E4", "crime", "2023-05-11", "2023-05-11", "45", "", "", ""),            # not sexual
        ("E5", "crime", "", "2023-06-01", "", "", "", ""),                        # no code, no start
        ("E6", "crime", "2023-07-01", "2023-07-02", "22/1", "CSE", "", ""),       # child code, victim aged 19
        ("E7", "crime", "2023-08-01", "2023-08-02", "22-1", "", "", ""),          # code in the wrong form
        ("E8", "crime", "2023-09-10", "2023-09-01", "45", "", "", ""),            # recorded before it happened
        ("I1", "intelligence", "2023-03-01", "", "", "", "", "B2P"),
        ("I2", "intelligence", "2023-03-02", "", "", "", "", "X9"),
        ("I3", "intelligence", "2023-03-03", "", "", "", "", ""),
    ]
    events = [{"source": "P", "event_id": i, "kind": k, "started_at": _at(s) if s else "",
               "recorded_at": _at(r) if r else "", "offence_code": c, "flags": f, "location_id": loc, "grading": g}
              for i, k, s, r, c, f, loc, g in e]
    events.append({"source": "SC", "event_id": "R1", "kind": "referral", "started_at": _at("2023-02-01")})
    _write(folder, "events", events)
    links = [("V1", "E1", "victim"), ("S1", "E1", "suspect"), ("V2", "E2", "victim"), ("S2", "E2", "offender"),
             ("V3", "E3", "victim"), ("S1", "E3", "suspect"), ("V9", "E4", "victim"),   # V9: no such person
             ("V4", "E6", "victim"), ("S3", "E6", "offender"), ("V1", "E99", "victim")]  # E99: no such event
    rows = [{"source": "P", "from_type": "person", "from_id": f, "to_type": "event", "to_id": t, "role": r}
            for f, t, r in links]
    rows.append({"source": "SC", "from_type": "person", "from_id": "C1", "to_type": "event", "to_id": "R1",
                 "role": "subject"})
    _write(folder, "links", rows)
    return folder


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = Store()
    counts = ingest.run(store, [_package(tmp_path_factory.mktemp("q") / "pkg")]).counts
    assert counts["errors"] == [] and all(c["quarantined"] == 0 for c in counts["tables"].values())
    quality.run(store)
    return quality.scorecard(store)


def _field(doc: dict[str, Any], table: str, field: str, source: str = "P") -> tuple[int, float, float]:
    f = next(f for f in doc["fields"] if (f["source"], f["table"], f["field"]) == (source, table, field))
    return f["rows"], f["completeness"], f["validity"]


@pytest.mark.parametrize(("table", "field", "rows", "filled", "valid"), [
    ("persons", "forename", 8, 8, 7),             # V3's name holds a NUL
    ("persons", "surname", 8, 8, 8),
    ("persons", "date_of_birth", 8, 7, 6),        # S3 empty; S1 31/02/1980
    ("persons", "ethnicity_self", 8, 5, 4),       # XX is no code (NS is a code: recorded as not stated)
    ("persons", "ethnicity_officer", 8, 4, 4),    # IC9 is a code (unknown), valid as recorded
    ("persons", "nationality", 8, 4, 3),          # gbr
    ("events", "offence_code", 11, 7, 6),         # 22-1
    ("events", "grading", 11, 2, 1),              # X9 on intelligence
    ("events", "recorded_at", 11, 8, 7),          # E8 before it happened
])
def test_field_completeness_and_validity(doc: dict[str, Any], table: str, field: str, rows: int, filled: int,
                                         valid: int) -> None:
    assert _field(doc, table, field) == (rows, pytest.approx(filled / rows), pytest.approx(valid / filled))


@pytest.mark.parametrize(("mid", "source", "numerator", "denominator"), [
    ("cse_flag_share", "P", 3, 4),                       # E1 E3 E6 flagged of E1 E2 E3 E6 (E7's code unreadable)
    ("victim_ethnicity_self_recorded", "P", 2, 4),       # V1 V4 of V1-V4 (V9 is no record)
    ("victim_ethnicity_officer_recorded", "P", 2, 4),    # V1 V4 (V3 is IC9)
    ("victim_nationality_recorded", "P", 2, 4),          # V1 V4 (V2's gbr is malformed)
    ("suspect_ethnicity_self_recorded", "P", 1, 3),      # S2 of S1 S2 S3
    ("suspect_ethnicity_officer_recorded", "P", 1, 3),   # S1
    ("suspect_nationality_recorded", "P", 1, 3),         # S1
    ("crimes_with_location", "P", 1, 8),
    ("intelligence_graded", "P", 1, 3),
    ("crimes_recorded_within_30_days", "P", 5, 7),       # E2 took 69 days, E8 out of order; E5 has no start
    ("person_duplicate_share", "P", 2, 6),               # V1 D1 of those with surname and date of birth
    ("person_duplicate_share", "SC", 0, 1),              # C1 is like V1, but in another source
    ("person_duplicate_share", "ALL", 2, 7),
    ("crimes_without_offence_code", "P", 1, 8),          # E5 (E7 has a code, badly written)
    ("child_offence_adult_victim", "P", 1, 3),           # E6 of E1 E2 E6
    ("links_to_missing_records", "P", 2, 10),            # V9 -> E4, V1 -> E99
    ("links_to_missing_records", "SC", 0, 1),
])
def test_measures_count_what_the_docs_say(doc: dict[str, Any], mid: str, source: str, numerator: int,
                                          denominator: int) -> None:
    m = next(m for m in doc["measures"] if (m["id"], m["source"]) == (mid, source))
    assert (m["numerator"], m["denominator"]) == (numerator, denominator)
    assert m["value"] == pytest.approx(numerator / denominator)


def test_trends_are_by_quarter_of_occurrence(doc: dict[str, Any]) -> None:
    trend = {t["quarter"]: (t["numerator"], t["denominator"]) for t in doc["trends"]
             if (t["id"], t["source"]) == ("cse_flag_share", "P")}
    assert trend == {"2023Q1": (1, 2), "2023Q2": (1, 1), "2023Q3": (1, 1)}
    undated = {t["quarter"] for t in doc["trends"] if (t["id"], t["source"]) == ("crimes_without_offence_code", "P")}
    assert "2023Q2" in undated  # E5 has no start: its quarter is that of recording


def test_timeliness_median_and_90th_percentile(doc: dict[str, Any]) -> None:
    (crime,) = [t for t in doc["timeliness"] if (t["source"], t["kind"]) == ("P", "crime")]
    assert crime["events"] == 7 and crime["median_days"] == 1  # days: 2 69 1 0 1 1 -9
    assert crime["p90_days"] == pytest.approx(2 + 0.4 * (69 - 2))
