"""The synthetic generator writes a valid, deterministic exchange-v1 package with consistent truth."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from clearpicture import standard, synth
from clearpicture.cli import main
from clearpicture.errors import InputError


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.generate("small", 3, tmp_path_factory.mktemp("synth") / "small")


@pytest.fixture(scope="module")
def tables(small: Path) -> dict[str, pd.DataFrame]:
    return {t: _read(small / f"{t}.csv") for t in standard.TABLE_NAMES}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(small: Path, tmp_path: Path) -> None:
    again = synth.generate("small", 3, tmp_path / "again")
    a, b = _files(small), _files(again)
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []


def test_different_seed_gives_different_people(small: Path, tmp_path: Path) -> None:
    other = synth.generate("small", 4, tmp_path / "other")
    assert (other / "persons.csv").read_bytes() != (small / "persons.csv").read_bytes()


def test_every_table_has_the_standard_columns_in_order(small: Path) -> None:
    for t in standard.TABLE_NAMES:
        header = (small / f"{t}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == standard.table(t).names, t


def test_datapackage_describes_every_file(small: Path) -> None:
    doc = json.loads((small / "datapackage.json").read_text())
    paths = {r["name"]: r["path"] for r in doc["resources"]}
    assert set(paths) == set(standard.TABLE_NAMES)
    assert all((small / p).exists() for p in paths.values())


def test_ids_are_unique_within_source_and_table(tables: dict[str, pd.DataFrame]) -> None:
    for t in ("persons", "objects", "locations", "events", "notes"):
        idc = standard.table(t).id_column
        assert idc is not None
        df = tables[t]
        assert len(df) > 0, t
        assert not df.duplicated(["source", idc]).any(), t
        assert (df[idc] != "").all()


def test_required_fields_are_filled(tables: dict[str, pd.DataFrame]) -> None:
    for t, df in tables.items():
        for col in standard.table(t).required:
            assert (df[col] != "").all(), (t, col)


def test_link_endpoints_exist_in_the_same_source(tables: dict[str, pd.DataFrame]) -> None:
    keys = {
        "person": set(zip(tables["persons"].source, tables["persons"].person_id, strict=True)),
        "event": set(zip(tables["events"].source, tables["events"].event_id, strict=True)),
        "object": set(zip(tables["objects"].source, tables["objects"].object_id, strict=True)),
        "location": set(zip(tables["locations"].source, tables["locations"].location_id, strict=True)),
    }
    links = tables["links"]
    for side in ("from", "to"):
        missing = [
            (s, ty, i) for s, ty, i in zip(links.source, links[f"{side}_type"], links[f"{side}_id"], strict=True)
            if (s, i) not in keys[ty]
        ]
        assert missing == []
    ev = tables["events"]
    locs = ev[ev.location_id != ""]
    assert set(zip(locs.source, locs.location_id, strict=True)) <= keys["location"]


def test_link_roles_are_allowed_for_their_types(tables: dict[str, pd.DataFrame]) -> None:
    allowed = standard.link_roles()
    for (role, f, t) in set(zip(tables["links"].role, tables["links"].from_type, tables["links"].to_type,
                               strict=True)):
        assert any(r == role and fr in (f, "*") and to in (t, "*") for r, fr, to in allowed), (role, f, t)


def test_every_person_record_has_exactly_one_truth_row(small: Path, tables: dict[str, pd.DataFrame]) -> None:
    truth = _read(small / "truth" / "persons.csv")
    rec = set(zip(tables["persons"].source, tables["persons"].person_id, strict=True))
    assert set(zip(truth.source, truth.person_id, strict=True)) == rec
    assert len(truth) == len(rec)
    people = _read(small / "truth" / "people.csv")
    assert set(truth.true_person) <= set(people.true_person)


def test_sources_include_two_forces_and_each_partner_kind(tables: dict[str, pd.DataFrame]) -> None:
    kinds = tables["sources"].kind.value_counts()
    assert kinds["police"] >= 2
    for k in ("social_care", "health", "ngo"):
        assert kinds[k] >= 1
    assert set(tables["persons"].source) <= set(tables["sources"].source)


def test_groups_have_two_to_twelve_offenders_and_child_victims(small: Path) -> None:
    groups = _read(small / "truth" / "groups.csv")
    off = groups[groups.role == "offender"].groupby("group_id").size()
    assert len(off) >= 3
    assert off.between(2, 12).all()
    assert (groups[groups.role == "victim"].groupby("group_id").size() >= 1).all()


def test_victims_are_under_18_when_harmed(small: Path, tables: dict[str, pd.DataFrame]) -> None:
    cases = _read(small / "truth" / "cases.csv")
    people = _read(small / "truth" / "people.csv").set_index("true_person")
    cse = cases[(cases.is_cse == "true") & (cases.victim_true_person != "")]
    assert len(cse) > 10
    ev = tables["events"].set_index(["source", "event_id"])
    for s, e, v in zip(cse.source, cse.event_id, cse.victim_true_person, strict=True):
        started = ev.loc[(s, e), "started_at"]
        if started > "2026":  # a future date planted for validation to catch
            continue
        when = pd.Timestamp(started).tz_localize(None)
        dob = pd.Timestamp(people.loc[v, "date_of_birth"])
        assert (when - dob).days / 365.25 < 18, (s, e)


def test_crews_never_share_a_sexual_offence(small: Path, tables: dict[str, pd.DataFrame]) -> None:
    crews = _read(small / "truth" / "crews.csv")
    assert len(crews) > 0
    truth = _read(small / "truth" / "persons.csv")
    crew_recs = set(zip(*truth[truth.true_person.isin(set(crews.true_person))][["source", "person_id"]].T.values,
                        strict=True))
    sexual = {c for c, (_l, sex, _ch) in standard.offence_codes().items() if sex}
    ev = tables["events"]
    sex_ev = set(zip(ev[ev.offence_code.isin(sexual)].source, ev[ev.offence_code.isin(sexual)].event_id, strict=True))
    links = tables["links"]
    pl = links[(links.from_type == "person") & (links.to_type == "event")]
    hits = [1 for s, f, t in zip(pl.source, pl.from_id, pl.to_id, strict=True) if (s, f) in crew_recs and (s, t) in sex_ev]
    assert hits == []


def test_records_carry_realistic_noise(small: Path, tables: dict[str, pd.DataFrame]) -> None:
    truth = _read(small / "truth" / "persons.csv")
    people = _read(small / "truth" / "people.csv").set_index("true_person")
    p = tables["persons"].merge(truth, on=["source", "person_id"])
    true_dob = people.loc[p.true_person, "date_of_birth"].to_numpy()
    missing_dob = (p.date_of_birth == "").mean()
    wrong_dob = ((p.date_of_birth != "") & (p.date_of_birth != true_dob)).mean()
    assert 0.01 < missing_dob < 0.2
    assert 0.01 < wrong_dob < 0.15
    # the same real person recorded under different forenames (variants, typos)
    by_person = p.groupby("true_person").forename.nunique()
    multi = p.groupby("true_person").size()
    assert (by_person[multi > 1] > 1).mean() > 0.05
    # phone formats vary
    assert p.phone.str.startswith("+44").any() and p.phone.str.startswith("07").any()
    # duplicates within one source
    assert p.duplicated(["source", "true_person"]).mean() > 0.01


def test_some_values_are_invalid_for_validation_to_find(tables: dict[str, pd.DataFrame]) -> None:
    p = tables["persons"]
    eth = p.ethnicity_self[p.ethnicity_self != ""]
    bad = ~eth.isin(standard.code_list("ethnicity_census_2021"))
    assert 0 < bad.sum() < 0.02 * len(eth)


def test_small_scale_is_within_twenty_percent_of_target(tables: dict[str, pd.DataFrame]) -> None:
    assert 4000 <= len(tables["persons"]) <= 6000


def test_unknown_scenario_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        synth.generate("huge", 1, tmp_path / "x")


def test_cli_writes_a_package(tmp_path: Path) -> None:
    out = tmp_path / "cli"
    result = CliRunner().invoke(main, ["synth", "--scenario", "small", "--seed", "2", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (out / "datapackage.json").exists() and (out / "truth" / "victims.json").exists()


def test_parquet_output_streams_areas_with_the_standard_columns(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = synth.write_scenario(synth.Scenario("tiny-national", 3, 3000, "parquet"), 1, tmp_path / "pq")
    doc = json.loads((out / "datapackage.json").read_text())
    assert {r["format"] for r in doc["resources"]} == {"parquet"}
    persons = pq.ParquetFile(out / "persons.parquet")
    assert persons.schema_arrow.names == standard.table("persons").names
    assert persons.metadata.num_row_groups == 3  # one per area: written as it is made
    table = persons.read()
    assert len(set(zip(table["source"].to_pylist(), table["person_id"].to_pylist(), strict=True))) == table.num_rows
    truth = _read(out / "truth" / "persons.csv")
    assert len(truth) == table.num_rows
    assert len(set(pq.read_table(out / "sources.parquet")["source"].to_pylist())) == 3 * 2 + 2


@pytest.mark.slow
def test_medium_scale_is_within_twenty_percent_of_target(tmp_path: Path) -> None:
    out = synth.generate("medium", 1, tmp_path / "medium")
    with (out / "persons.csv").open("rb") as fh:
        rows = sum(1 for _ in fh) - 1
    assert 80_000 <= rows <= 120_000
    victims = json.loads((out / "truth" / "victims.json").read_text())
    assert victims["total_victims"] > 500
