"""The linkage stage on the `small` scenario and on hand-made records.

The small world is copied and linked once per module (about 5k records); a second copy has its
ethnicity, nationality and sex values shuffled across records and must give the identical result,
which also shows a run is deterministic.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from clearpicture import linkage
from clearpicture.cli import main
from clearpicture.evaluate import evaluate
from clearpicture.store import Store

FAST = {"u_max_pairs": 1e6, "em_max_pairs": 3e5}


@pytest.fixture(scope="module")
def linked(small_world, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("linked")
    with small_world.copy(folder) as store:
        linkage.run(store, FAST)
    return folder / "world.duckdb"


def _partition(store: Store) -> list[tuple[str, str, str]]:
    return [(str(a), str(b), str(c)) for a, b, c in
            store.sql("SELECT source, person_id, entity_id FROM entity_persons ORDER BY ALL")]


def _weights(store: Store) -> list[tuple[object, ...]]:
    # rounded: threads may sum floating point in another order (last-digit differences)
    return store.sql("SELECT source_l, person_id_l, source_r, person_id_r, round(match_weight, 6), "
                     "round(mw_forename, 6), round(mw_surname, 6), round(mw_dob, 6), round(mw_postcode, 6) "
                     "FROM entity_pairs ORDER BY ALL")


def test_every_person_record_has_exactly_one_entity(linked: Path) -> None:
    with Store(linked, read_only=True) as store:
        assert store.sql("SELECT count(*) FROM entity_persons")[0][0] == store.count("raw_persons")
        assert store.sql("SELECT count(*) FROM (SELECT source, person_id FROM entity_persons GROUP BY ALL "
                         "HAVING count(*) > 1)")[0][0] == 0


def test_small_scenario_links_with_high_pairwise_f1(linked: Path, small_world) -> None:  # type: ignore[no-untyped-def]
    with Store(linked, read_only=True) as store:
        figures = evaluate(store, small_world.truth)["linkage"]["persons"]
    assert figures["precision"] >= 0.93 and figures["recall"] >= 0.93 and figures["f1"] >= 0.95


def test_shuffling_protected_characteristics_changes_nothing(linked: Path, tmp_path: Path) -> None:
    shuffled = tmp_path / "shuffled.duckdb"
    shuffled.write_bytes(linked.read_bytes())
    with Store(shuffled) as store:
        before = _partition(store)
        weights_before = _weights(store)
        for col in ("ethnicity_self", "ethnicity_officer", "nationality", "sex"):
            store.execute(f"""UPDATE raw_persons r SET {col} = s.v FROM (
                WITH o AS (SELECT source, person_id, {col}, count(*) OVER () AS n,
                                  row_number() OVER (ORDER BY hash(person_id), source, person_id) AS rn
                           FROM raw_persons)
                SELECT a.source, a.person_id, b.{col} AS v FROM o a JOIN o b ON b.rn = (a.rn + 6) % a.n + 1) s
                WHERE r.source = s.source AND r.person_id = s.person_id""")
        assert store.sql("SELECT count(*) FROM raw_persons WHERE ethnicity_self IS DISTINCT FROM "
                         "ethnicity_self_raw")[0][0] > 0  # the shuffle really changed values
        linkage.run(store, FAST)
        assert _partition(store) == before
        assert _weights(store) == weights_before


def test_objects_and_locations_get_entities(linked: Path) -> None:
    with Store(linked, read_only=True) as store:
        assert store.count("entity_objects") == store.count("raw_objects")
        assert store.count("entity_locations") == store.count("raw_locations")
        assert store.sql("SELECT count(*) FROM entity_objects WHERE canonical IS NULL AND kind = 'phone'")[0][0] == 0


def test_explain_pair_shows_each_comparison_with_its_weight(linked: Path) -> None:
    with Store(linked, read_only=True) as store:
        (sl, pl, sr, pr, weight) = store.sql("SELECT source_l, person_id_l, source_r, person_id_r, match_weight "
                                             "FROM entity_pairs WHERE same_entity ORDER BY match_weight DESC "
                                             "LIMIT 1")[0]
        why = linkage.explain_pair(store, (sr, pr), (sl, pl))
    assert why["scored"] and why["same_entity"] and why["match_weight"] == pytest.approx(weight)
    assert {c["comparison"] for c in why["comparisons"]} == {"forename", "surname", "other_names", "dob",
                                                              "postcode", "phone", "address", "identifier"}
    assert all(c["level"] for c in why["comparisons"])
    assert "ethnicity" not in str(why) and "sex" not in {c["comparison"] for c in why["comparisons"]}


def test_commands_link_export_and_evaluate(linked: Path, small_world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "cli.duckdb"
    db.write_bytes(linked.read_bytes())
    runner = CliRunner()
    out = tmp_path / "entities.csv"
    res = runner.invoke(main, ["export", "entities", "--db", str(db), "--out", str(out)])
    assert res.exit_code == 0, res.output
    with out.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["source", "person_id", "entity_id"] and len(rows) - 1 == Store(db, read_only=True).count(
        "raw_persons")
    res = runner.invoke(main, ["evaluate", "--db", str(db), "--truth", str(small_world.truth), "--json"])
    assert res.exit_code == 0, res.output
    assert '"f1"' in res.stdout and '"precision"' in res.stdout and '"recall"' in res.stdout
    res = runner.invoke(main, ["link", "--db", str(db), "--engine", "nope"])
    assert res.exit_code != 0
