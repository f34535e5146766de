"""Column mappings bring real-looking exports into the standard, and wrong ones name the key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from clearpicture import ConfigError, Store, ingest
from clearpicture.ingest import load_mapping

DATA = Path(__file__).parent / "data"
MAPPINGS = resources.files("clearpicture.ingest") / "mappings"


def _mapping(name: str) -> ingest.Mapping:
    return load_mapping(Path(str(MAPPINGS / name)))


def test_crime_extract_one_row_per_crime_and_person() -> None:
    store = Store()
    counts = ingest.run(store, [DATA / "crime_extract_2024.csv"], _mapping("crime-extract.yaml")).counts["tables"]
    # 5 rows: 4 distinct people (P200 twice, identical), 2 crimes + 1 row without a crime reference.
    assert counts["persons"] == {"read": 5, "loaded": 4, "quarantined": 0, "unchanged": 1, "invalid_values": 1}
    assert counts["events"]["loaded"] == 2 and counts["events"]["quarantined"] == 1
    assert counts["links"]["loaded"] == 4 and counts["links"]["quarantined"] == 1
    person = store.dicts("SELECT * FROM raw_persons WHERE person_id = 'P100'")[0]
    assert (person["forename"], person["middle_names"], person["surname"]) == ("Amy", "Louise", "JONES")
    assert str(person["date_of_birth"]) == "2009-07-14" and person["sex"] == "F"
    assert store.sql("SELECT date_of_birth, date_of_birth_raw FROM raw_persons WHERE person_id = 'P201'") == [
        (None, "30/02/1988")
    ]
    crime = store.dicts("SELECT * FROM raw_events WHERE event_id = 'CR/0001/24'")[0]
    assert crime["flags"] == "CSE|GBCSE" and str(crime["started_at"]) == "2024-02-03 21:30:00"
    roles = dict(store.sql("SELECT from_id, role FROM raw_links WHERE to_id = 'CR/0001/24'"))
    assert roles == {"P100": "victim", "P200": "suspect", "P201": "suspect"}


def test_social_care_referral_sheet_from_xlsx() -> None:
    store = Store()
    counts = ingest.run(store, [DATA / "referrals_q1.xlsx"], _mapping("social-care-referrals.yaml")).counts["tables"]
    assert counts["sources"]["loaded"] == 1 and counts["sources"]["unchanged"] == 2
    assert counts["persons"]["loaded"] == 2 and counts["events"]["loaded"] == 3
    assert store.sql("SELECT flags FROM raw_events WHERE event_id = 'R-1'") == [("CSE|MISSING",)]
    assert store.sql("SELECT ethnicity_self, sex FROM raw_persons WHERE person_id = 'C-12'") == [("A2", "F")]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: x\ntables: {people: {}}\n", "tables.people: not a table of the standard"),
        ("name: x\ntables: {persons: {columns: {given_name: {from: A}}}}\n", "tables.persons.columns.given_name"),
        ("name: x\ntables: {persons: {columns: {sex: {values: {a: b}}}}}\n", "give exactly one of 'from'"),
        ("name: x\ntables: {persons: {columns: {date_of_birth: {from: D, date_format: dd/mm}}}}\n", "date_format"),
        ("name: x\ntables: {persons: {colums: {}}}\n", "tables.persons.colums"),
        ("tables: {}\n", "name"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_invalid_mapping_names_the_key(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_mapping(f)
    message = str(err.value)
    assert needle in message and str(f) in message and "\n" not in message


def test_mapped_column_missing_from_file_is_one_line(tmp_path: Path) -> None:
    f = tmp_path / "crime_extract_bad.csv"
    f.write_text("Force,Crime Ref\nNMP,CR1\n")
    result = ingest.run(Store(), [f], _mapping("crime-extract.yaml"))
    assert any("column 'Person URN' (mapped to person_id) is missing" in e for e in result.counts["errors"])


def test_every_problem_of_a_mapping_is_reported_at_once_each_naming_its_key(tmp_path: Path) -> None:
    """Unknown tables and columns were reported only when nothing else was wrong, and only the first,
    behind a '(top): ' prefix; an unknown key read 'Extra inputs are not permitted'."""
    f = tmp_path / "m.yaml"
    f.write_text("name: x\ntables:\n  persons:\n    colums: {}\n    columns:\n      given_name: A\n      sur: B\n"
                 "  peoples: {}\n")
    with pytest.raises(ConfigError) as err:
        load_mapping(f)
    problems = str(err.value).removeprefix(f"{f}: ").split("; ")
    assert sorted(problems) == sorted([
        "tables.persons.colums: unknown key",
        "tables.persons.columns.given_name: not a column of persons",
        "tables.persons.columns.sur: not a column of persons",
        "tables.peoples: not a table of the standard (sources, persons, objects, locations, events, links, notes)",
    ])


@pytest.mark.parametrize(("option", "needle"), [
    ('date_format: "%d/%m/%Y %Q"', "date_format: '%d/%m/%Y %Q' is not a valid strptime format"),
    ('list_separator: ""', "list_separator: must not be empty"),
])
def test_options_the_engine_cannot_apply_fail_at_load_not_mid_ingest(tmp_path: Path, option: str,
                                                                     needle: str) -> None:
    """``%Q`` passed Python's check and stopped the ingest with DuckDB's 'internal error' (exit 70);
    an empty separator split 'CSE' into 'C|S|E'."""
    f = tmp_path / "m.yaml"
    f.write_text("name: x\ntables:\n  events:\n    columns:\n      started_at: {from: Started, " + option + "}\n")
    with pytest.raises(ConfigError) as err:
        load_mapping(f)
    assert str(err.value).startswith(f"{f}: tables.events.columns.started_at.") and needle in str(err.value)


@pytest.mark.parametrize("values", ["{Yes: CSE, No: null}", "{Y: yes}"])
def test_unquoted_yes_and_no_in_values_are_an_error_not_a_silent_non_match(tmp_path: Path, values: str) -> None:
    """YAML reads Yes/No as booleans: {Yes: CSE} translated nothing (a recorded 'Yes' stayed 'Yes')."""
    f = tmp_path / "m.yaml"
    f.write_text("name: x\ntables:\n  events:\n    columns:\n      flags: {from: CSE Flag, values: " + values + "}\n")
    with pytest.raises(ConfigError) as err:
        load_mapping(f)
    assert str(err.value).startswith(f"{f}: tables.events.columns.flags.values: ") and "quote" in str(err.value)
    f.write_text("name: x\ntables:\n  events:\n    columns:\n      flags: {from: CSE Flag, values: {'Yes': CSE}}\n")
    assert load_mapping(f).tables["events"].columns["flags"].values == {"Yes": "CSE"}


def test_a_mapped_column_named_in_another_case_points_at_the_files_column(tmp_path: Path) -> None:
    m = tmp_path / "m.yaml"
    m.write_text("name: x\ntables:\n  persons:\n    columns:\n      source: {from: force}\n      person_id: Person URN\n")
    (error,) = ingest.run(Store(), [DATA / "crime_extract_2024.csv"], load_mapping(m)).counts["errors"]
    assert "column 'force' (mapped to source) is missing (the file has 'Force'" in error
