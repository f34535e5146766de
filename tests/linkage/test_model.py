"""The person model on hand-made records: a shared home is not identity, a shared identity number is.

Background people give training something to learn from; then a family (same surname, same home,
different dates of birth) must stay three people, while one person recorded by two agencies with
a misspelt name, no date of birth in one record, and the same national insurance number must be
linked. The u of a shared home comes from the data (households share one), not from sampling.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clearpicture import linkage
from clearpicture.linkage.model import EM_PAIR_COUNTS, MIN_EM_PAIRS, em_pairs_sql, em_rules
from clearpicture.store import Store

# u sampled from few pairs, as on a large input where few records carry a home or a number
FAST = {"u_max_pairs": 5e3, "em_max_pairs": 1e5}


def _person(store: Store, source: str, pid: str, fore: str, sur: str, dob: str | None, pc: str | None,
            home: str | None = None, ni: str | None = None) -> None:
    store.execute("INSERT INTO raw_persons (source, person_id, forename, surname, date_of_birth, "
                  "date_of_birth_raw, postcode) VALUES (?, ?, ?, ?, TRY_CAST(? AS DATE), ?, ?)",
                  [source, pid, fore, sur, dob, dob, pc])
    if home:
        store.execute("INSERT INTO raw_locations (source, location_id, kind, address, postcode) "
                      "VALUES (?, ?, 'home', ?, ?)", [source, f"h-{pid}", home, pc])
        store.execute("INSERT INTO raw_links (source, from_type, from_id, to_type, to_id, role) "
                      "VALUES (?, 'person', ?, 'location', ?, 'resident')", [source, pid, f"h-{pid}"])
    if ni:
        store.execute("INSERT INTO raw_objects (source, object_id, kind, value, description) "
                      "VALUES (?, ?, 'other', ?, 'national insurance number')", [source, f"ni-{pid}", ni])
        store.execute("INSERT INTO raw_links (source, from_type, from_id, to_type, to_id, role) "
                      "VALUES (?, 'person', ?, 'object', ?, 'owner')", [source, pid, f"ni-{pid}"])


SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "bel", "dor", "fi", "gan", "hu", "jes", "mar", "nu", "pel"]
STREETS = ["Mill Lane", "Station Road", "Orchard Close", "High Street", "Wharf Row", "Church Walk"]


def _name(i: int, salt: int) -> str:
    """A made-up name, different for every ``i`` (three syllables: 3,375 combinations)."""
    n = (i * 37 + salt * 1013) % 3375
    return "".join(SYLLABLES[(n // 15 ** k) % 15] for k in range(3))


@pytest.fixture()
def linked(tmp_path: Path) -> Store:
    s = Store(tmp_path / "model.duckdb")
    for i in range(400):
        dob = f"19{50 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        home = f"{1 + i % 97} {STREETS[i % len(STREETS)]}, Northmoor" if i % 2 == 0 else None
        ni = f"QQ{100000 + i}C" if i % 3 == 0 else None
        pc = f"NO{i % 20} {i % 9}{'ABDEFG'[i % 6]}{'HJLNPQ'[i % 6]}"
        _person(s, "A", f"bg{i}", _name(i, 1), _name(i, 2), dob, pc, home, ni)
        if i % 4 == 0:  # the same person in another agency
            _person(s, "B", f"bg{i}", _name(i, 1), _name(i, 2), dob, pc, home, ni)
    for pid, fore, dob in (("mum", "Sarah", "1980-04-02"), ("son", "Jack", "2008-09-17"), ("girl", "Ella", "2011-01-30")):
        _person(s, "CARE", pid, fore, "Pemberton", dob, "NO3 7QT", "14 Orchard Close, Northmoor")
    _person(s, "POLICE", "x1", "Jonathon", "Ashdown", "1992-06-06", "NO5 1AA", None, "AB 12 34 56 C")
    _person(s, "HEALTH", "y1", "Jonathan", "Ashdowne", None, None, None, "ab123456c")
    linkage.run(s, FAST)
    return s


def _entity(store: Store, source: str, pid: str) -> str:
    return str(store.sql("SELECT entity_id FROM entity_persons WHERE source = ? AND person_id = ?",
                         [source, pid])[0][0])


def test_a_family_sharing_a_home_stays_three_people(linked: Store) -> None:
    assert len({_entity(linked, "CARE", p) for p in ("mum", "son", "girl")}) == 3


def test_a_shared_identity_number_links_a_misspelt_record(linked: Store) -> None:
    assert _entity(linked, "POLICE", "x1") == _entity(linked, "HEALTH", "y1")
    why = linkage.explain_pair(linked, ("POLICE", "x1"), ("HEALTH", "y1"))
    identifier = next(c for c in why["comparisons"] if c["comparison"] == "identifier")
    assert identifier["level"] == "a shared identity number" and identifier["match_weight"] > 5


@pytest.mark.parametrize(("comparison", "column"), [("address", "home_address"), ("postcode", "postcode")])
def test_the_u_of_a_shared_home_or_postcode_is_the_rate_in_the_data(linked: Store, comparison: str,
                                                                     column: str) -> None:
    model = json.loads(linked.sql("SELECT model FROM entity_model ORDER BY created_at DESC LIMIT 1")[0][0])
    comp = next(c for c in model["comparisons"] if c["output_column_name"] == comparison)
    first = next(lv for lv in comp["comparison_levels"] if not lv.get("is_null_level"))
    shared, holders = linked.sql(f"""SELECT sum(n * (n - 1)), sum(n) FROM (SELECT count(*) AS n
        FROM entity_person_features WHERE {column} IS NOT NULL GROUP BY {column})""")[0]
    assert first["u_probability"] == pytest.approx(shared / (holders * (holders - 1)))
    assert first["u_probability"] > 1 / (holders * (holders - 1))  # households and duplicates count


def test_em_trains_on_pairs_that_are_mostly_one_person_when_the_data_allow() -> None:
    """Date of birth alone is a poor EM sample at national scale (model.em_rules says why)."""
    enough = {name: MIN_EM_PAIRS for name in EM_PAIR_COUNTS}
    assert em_rules(enough) == [("dob", "pc_outward"), ("forename", "surname", "dob")]
    # no districts (FEBRL's postcodes), or too few pairs: the date of birth alone, as before
    for scarce in ({**enough, "district": 0}, {**enough, "name_and_date": MIN_EM_PAIRS - 1}, {}):
        assert em_rules(scarce) == [("dob",)]


def test_few_duplicates_keep_em_on_the_date_of_birth_alone(linked: Store) -> None:
    """The fixture's 100 duplicated people give too few same-name-and-date pairs for two sessions."""
    pairs = dict(zip(EM_PAIR_COUNTS, map(int, linked.sql(em_pairs_sql("entity_person_features"))[0]), strict=True))
    assert 0 < pairs["name_and_date"] < MIN_EM_PAIRS
    assert em_rules(pairs) == [("dob",)]
