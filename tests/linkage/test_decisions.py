"""Analysts' decisions are respected; objects and places resolve by canonical value (hand-made records)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearpicture import linkage
from clearpicture.errors import InputError
from clearpicture.store import Store

FAST = {"u_max_pairs": 2e5, "em_max_pairs": 1e5}


def _person(store: Store, source: str, pid: str, fore: str, sur: str, dob: str | None, pc: str | None,
            phone: str | None) -> None:
    store.execute("INSERT INTO raw_persons (source, person_id, forename, surname, date_of_birth, "
                  "date_of_birth_raw, postcode, phone) VALUES (?, ?, ?, ?, TRY_CAST(? AS DATE), ?, ?, ?)",
                  [source, pid, fore, sur, dob, dob, pc, phone])


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "hand.duckdb")
    people = [("Aisha", "Khan", "1990-03-04"), ("Tom", "Jones", "1985-07-21"), ("Kasia", "Nowak", "2001-11-02"),
              ("Liam", "Smith", "1979-01-30"), ("Grace", "White", "2005-05-05"), ("Omar", "Begum", "1999-09-09")]
    for i in range(400):  # background so training has something to learn from
        f, s_, d = people[i % len(people)]
        _person(s, "A", f"bg{i}", f"{f}{chr(97 + i % 26)}{i}", f"{s_}{i}", f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}",
                f"NO{i % 20} {i % 9}AB", None)
        if i % 5 == 0:  # the same person recorded again elsewhere
            _person(s, "B", f"dup{i}", f"{f}{chr(97 + i % 26)}{i}", f"{s_}{i}",
                    f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}", None, None)
    _person(s, "POLICE", "p1", "Katarzyna", "Wisniewska", "1998-02-14", "NO1 1AA", "07700 900123")
    _person(s, "CARE", "c1", "Kasia", "Wisniewska", "1998-02-14", "no11aa", "+44 7700 900123")
    _person(s, "HEALTH", "h1", "Zed", "Quill", "1970-06-06", "NO9 9ZZ", None)
    _person(s, "NGO", "n1", "Zac", "Quil", None, None, None)
    s.execute("INSERT INTO raw_objects (source, object_id, kind, value) VALUES "
              "('POLICE', 'o1', 'phone', '07700 900123'), ('CARE', 'o2', 'phone', '+447700900123'), "
              "('POLICE', 'o3', 'vehicle', 'kt19 vwm'), ('CARE', 'o4', 'vehicle', 'KT19VWM'), "
              "('NGO', 'o5', 'social_media', '@Kingy'), ('CARE', 'o6', 'social_media', 'https://instagram.com/kingy'), "
              "('NGO', 'o7', 'email', 'A@B.org'), ('CARE', 'o8', 'vehicle', 'AB12CDE')")
    s.execute("INSERT INTO raw_locations (source, location_id, name, address, postcode) VALUES "
              "('POLICE', 'l1', 'The Station Hotel', '1 Road, Town', 'NO1 1AA'), "
              "('CARE', 'l2', 'Station Hotel', '1 Road', 'no11aa'), ('CARE', 'l3', 'Pizza Town', NULL, 'NO1 1AA'), "
              "('NGO', 'l4', NULL, NULL, NULL), ('HEALTH', 'l5', NULL, NULL, NULL)")
    return s


def _entity(store: Store, source: str, pid: str) -> str:
    return str(store.sql("SELECT entity_id FROM entity_persons WHERE source = ? AND person_id = ?", [source, pid])[0][0])


def test_decisions_are_respected_on_the_next_run(store: Store) -> None:
    linkage.run(store, FAST)
    assert _entity(store, "POLICE", "p1") == _entity(store, "CARE", "c1")
    assert _entity(store, "HEALTH", "h1") != _entity(store, "NGO", "n1")
    linkage.record_decision(store, ("CARE", "c1"), ("POLICE", "p1"), "reject", "analyst1", "different people, checked")
    linkage.record_decision(store, ("HEALTH", "h1"), ("NGO", "n1"), "confirm", "analyst1", "same person per GP letter")
    linkage.run(store, FAST)
    assert _entity(store, "POLICE", "p1") != _entity(store, "CARE", "c1")
    assert _entity(store, "HEALTH", "h1") == _entity(store, "NGO", "n1")
    who = store.sql("SELECT actor, reason, decided_at IS NOT NULL FROM entity_decisions ORDER BY reason")
    assert who[0] == ("analyst1", "different people, checked", True)
    why = linkage.explain_pair(store, ("POLICE", "p1"), ("CARE", "c1"))
    assert why["decision"] == "reject" and not why["same_entity"]


def test_a_decision_needs_a_reason_and_two_records(store: Store) -> None:
    with pytest.raises(InputError):
        linkage.record_decision(store, ("A", "1"), ("B", "2"), "confirm", "x", " ")
    with pytest.raises(InputError):
        linkage.record_decision(store, ("A", "1"), ("A", "1"), "confirm", "x", "why")
    with pytest.raises(InputError):
        linkage.record_decision(store, ("A", "1"), ("B", "2"), "maybe", "x", "why")


def test_objects_and_places_resolve_by_canonical_value(store: Store) -> None:
    linkage.run(store, FAST)
    obj = dict(((s, o), (e, c)) for s, o, e, c in store.sql(
        "SELECT source, object_id, entity_id, canonical FROM entity_objects"))
    assert obj[("POLICE", "o1")] == obj[("CARE", "o2")] and obj[("POLICE", "o1")][1] == "+447700900123"
    assert obj[("POLICE", "o3")][0] == obj[("CARE", "o4")][0]
    assert obj[("NGO", "o5")][0] == obj[("CARE", "o6")][0]
    assert obj[("CARE", "o8")][0] != obj[("POLICE", "o3")][0]
    loc = dict(((s, i), e) for s, i, e in store.sql("SELECT source, location_id, entity_id FROM entity_locations"))
    assert loc[("POLICE", "l1")] == loc[("CARE", "l2")] != loc[("CARE", "l3")]
    assert loc[("NGO", "l4")] != loc[("HEALTH", "l5")]  # nothing known: never merged


def test_unknown_config_keys_are_named() -> None:
    from clearpicture.errors import ConfigError
    from clearpicture.linkage import LinkageConfig

    with pytest.raises(ConfigError, match="ethnicity"):
        LinkageConfig.load({"ethnicity": 1})


def test_same_input_gives_the_same_model_and_entities(store: Store) -> None:
    def outcome() -> tuple[object, ...]:
        linkage.run(store, FAST)
        return (store.sql("SELECT source, person_id, entity_id FROM entity_persons ORDER BY ALL"),
                store.sql("SELECT source_l, person_id_l, source_r, person_id_r, round(match_weight, 6) "
                          "FROM entity_pairs ORDER BY ALL"),
                store.sql("SELECT round(threshold, 6) FROM entity_model ORDER BY created_at DESC LIMIT 1"))

    first = outcome()
    assert first[1]  # something was scored
    assert outcome() == first
