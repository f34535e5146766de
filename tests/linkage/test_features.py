"""Person features from linked records: home address and identity numbers (hand-made records).

What the exchange standard keeps outside the person record reaches the model only through the
links: the address of a place the person is resident at and the value of an object of kind
``other`` the person owns. Places merely visited and shared objects (vehicles, phones) must not
become a person's address or identity.
"""

from __future__ import annotations

from pathlib import Path

from clearpicture.engine import DuckDBEngine
from clearpicture.linkage.features import PERSON_FEATURES, build_person_features
from clearpicture.store import Store


def _features(tmp_path: Path) -> dict[str, tuple[object, ...]]:
    with Store(tmp_path / "f.duckdb") as store:
        store.execute("INSERT INTO raw_persons (source, person_id, forename, surname) VALUES "
                      "('A', 'p1', 'Ann', 'Lee'), ('A', 'p2', 'Bo', 'Ray'), ('B', 'p1', 'Cy', 'Fox')")
        store.execute("INSERT INTO raw_locations (source, location_id, kind, address) VALUES "
                      "('A', 'h1', 'home', '12 Wharf Lane, Flat 3,  Northmoor'), "
                      "('A', 'h2', 'flat', '7 Mill Row'), ('A', 'v1', 'hotel', '1 Station Road')")
        store.execute("INSERT INTO raw_objects (source, object_id, kind, value) VALUES "
                      "('A', 'n1', 'other', 'qq 12 34 56 c'), ('A', 'n2', 'other', 'AB-999'), "
                      "('A', 'car', 'vehicle', 'KT19 VWM'), ('B', 'n1', 'other', 'QQ123456C')")
        store.execute("INSERT INTO raw_links (source, from_type, from_id, to_type, to_id, role) VALUES "
                      "('A', 'person', 'p1', 'location', 'h1', 'resident'), "
                      "('A', 'person', 'p1', 'location', 'h2', 'resident'), "
                      "('A', 'person', 'p2', 'location', 'v1', 'visited'), "
                      "('A', 'person', 'p1', 'object', 'n1', 'owner'), ('A', 'person', 'p1', 'object', 'n2', 'owner'), "
                      "('A', 'person', 'p2', 'object', 'car', 'owner'), ('B', 'person', 'p1', 'object', 'n1', 'user')")
        engine = DuckDBEngine(store)
        try:
            build_person_features(engine)
        finally:
            engine.close()
        rows = store.sql(f"SELECT unique_id, home_address, address_words, address_number, identifier, identifiers "
                         f"FROM {PERSON_FEATURES}")
    return {str(r[0]): tuple(r[1:]) for r in rows}


def test_home_address_comes_from_places_the_person_is_resident_at(tmp_path: Path) -> None:
    f = _features(tmp_path)
    home, words, number, _, _ = f["A|p1"]
    assert home == "12 wharf lane flat 3 northmoor"  # first of the two homes, cleaned
    assert number == "12"
    assert set(words) == {"12", "wharf", "lane", "flat", "3", "northmoor", "7", "mill", "row"}
    assert list(words) == sorted(words)
    assert f["A|p2"][:3] == (None, None, None)  # a hotel visited is not a home


def test_identity_numbers_come_from_owned_objects_of_kind_other(tmp_path: Path) -> None:
    f = _features(tmp_path)
    assert f["A|p1"][3:] == ("AB999", ["AB999", "QQ123456C"])
    assert f["A|p2"][3:] == (None, None)  # a vehicle is shared, never identity
    assert f["B|p1"][3:] == (None, None)  # a user of a number is not its owner
