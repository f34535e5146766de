"""Incremental linkage: one source's records linked into already-resolved entities.

On the `small` scenario, a full run over every record is compared with a full run over all but one
source followed by ``link_new`` for that source: the two partitions must agree (pairwise F1 ≥ 0.99),
every record must end in exactly one entity, and entity ids must keep the full run's rule.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clearpicture import ingest, linkage, synth
from clearpicture.linkage.cluster import entity_id_for
from clearpicture.linkage.incremental import forget_source, link_new, partition_f1, rule_is_symmetric
from clearpicture.linkage.model import blocking_rules
from clearpicture.store import Store

FAST = {"u_max_pairs": 1e6, "em_max_pairs": 3e5}


def _partition(store: Store) -> dict[str, str]:
    return {str(k): str(e) for k, e in
            store.sql("SELECT source || '|' || person_id, entity_id FROM entity_persons")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("incremental")
    data = synth.generate("small", 7, folder / "data")
    full_db, inc_db = folder / "full.duckdb", folder / "inc.duckdb"
    with Store(full_db) as store:
        ingest.run(store, [data])
    shutil.copy(full_db, inc_db)
    with Store(full_db) as store:
        linkage.run(store, FAST)
        full = _partition(store)
    with Store(inc_db) as store:
        counts = store.sql("SELECT source, count(*) FROM raw_persons GROUP BY 1 ORDER BY 2, 1")
        source = str(counts[len(counts) // 2][0])  # a middle-sized source arrives later
        store.execute("CREATE TABLE held AS SELECT * FROM raw_persons WHERE source = ?", [source])
        store.execute("DELETE FROM raw_persons WHERE source = ?", [source])
        linkage.run(store, FAST)
        before = _partition(store)
        store.execute("INSERT INTO raw_persons SELECT * FROM held")
        result = link_new(store, source=source)
        inc = _partition(store)
        raw = store.count("raw_persons")
        features = store.count("entity_person_features")
        again = link_new(store, source=source)
        after_again = _partition(store)
    return {"full": full, "inc": inc, "before": before, "source": source, "counts": result.counts,
            "raw": raw, "features": features, "again": again.counts, "after_again": after_again,
            "folder": folder}


def test_incremental_partition_matches_a_full_run(runs: dict[str, object]) -> None:
    full, inc = runs["full"], runs["inc"]
    assert isinstance(full, dict) and isinstance(inc, dict)
    f1 = partition_f1(full, inc)
    print(f"pairwise F1 incremental vs full: {f1:.4f}; counts {runs['counts']}")
    assert f1 >= 0.99


def test_new_source_records_are_linked_not_left_alone(runs: dict[str, object]) -> None:
    counts = runs["counts"]
    assert isinstance(counts, dict)
    assert counts["new_records"] > 0
    # in the scenario people appear with several agencies: some of the new source's records must
    # join entities that already existed
    full, inc, before = runs["full"], runs["inc"], runs["before"]
    assert isinstance(full, dict) and isinstance(inc, dict) and isinstance(before, dict)
    source = str(runs["source"])
    merged_with_old = {e for k, e in inc.items() if not k.startswith(source + "|")} & \
        {e for k, e in inc.items() if k.startswith(source + "|")}
    assert merged_with_old, "no new record joined an existing entity"
    # and the records already resolved keep their grouping apart from merges the new records bring
    kept = {k: e for k, e in inc.items() if k in before}
    assert partition_f1(before, kept) >= 0.99


def test_every_record_has_one_entity_and_ids_follow_the_full_run_rule(runs: dict[str, object]) -> None:
    inc = runs["inc"]
    assert isinstance(inc, dict)
    assert len(inc) == runs["raw"] == runs["features"]
    members: dict[str, list[str]] = {}
    for k, e in inc.items():
        members.setdefault(e, []).append(k)
    wrong = [e for e, keys in members.items() if e != entity_id_for(min(keys))]
    assert not wrong[:5]


def test_running_again_with_nothing_new_changes_nothing(runs: dict[str, object]) -> None:
    again = runs["again"]
    assert isinstance(again, dict)
    assert again["new_records"] == 0
    assert runs["after_again"] == runs["inc"]


def test_needs_a_full_run_first(tmp_path: Path) -> None:
    from clearpicture.errors import StoreError

    with Store(tmp_path / "empty.duckdb") as store, pytest.raises(StoreError, match="full linkage run"):
        link_new(store)


def test_forget_source_takes_records_out(runs: dict[str, object], tmp_path: Path) -> None:
    folder = runs["folder"]
    assert isinstance(folder, Path)
    shutil.copy(folder / "full.duckdb", tmp_path / "w.duckdb")
    with Store(tmp_path / "w.duckdb") as store:
        source = str(runs["source"])
        n = forget_source(store, source)
        assert n > 0
        assert store.sql("SELECT count(*) FROM entity_persons WHERE source = ?", [source])[0][0] == 0
        assert store.sql("SELECT count(*) FROM entity_pairs WHERE source_l = ? OR source_r = ?",
                         [source, source])[0][0] == 0


def test_forgetting_part_of_a_source_then_linking_it_again_matches_a_full_run(
        runs: dict[str, object], tmp_path: Path) -> None:
    folder = runs["folder"]
    assert isinstance(folder, Path)
    shutil.copy(folder / "full.duckdb", tmp_path / "w.duckdb")
    source = str(runs["source"])
    with Store(tmp_path / "w.duckdb") as store:
        times = [t for (t,) in store.sql("SELECT recorded_at FROM raw_persons WHERE source = ? "
                                         "AND recorded_at IS NOT NULL ORDER BY 1", [source])]
        since = times[len(times) // 2]  # the later half of the source's records: its latest extract
        expected = {str(p) for (p,) in store.sql(
            "SELECT person_id FROM raw_persons WHERE source = ? AND recorded_at >= ?", [source, since])}
        total = store.count("entity_persons")
        n = forget_source(store, source, since=since)
        assert n == len(expected) and 0 < n < len(times)
        left = {str(p) for (p,) in store.sql("SELECT person_id FROM entity_persons WHERE source = ?", [source])}
        assert not left & expected and len(left) + n == len(times) + sum(
            1 for _ in store.sql("SELECT 1 FROM raw_persons WHERE source = ? AND recorded_at IS NULL", [source]))
        assert store.count("entity_person_features") == total - n
        assert store.sql("""SELECT count(*) FROM entity_pairs WHERE (source_l = ? AND list_contains(?, person_id_l))
            OR (source_r = ? AND list_contains(?, person_id_r))""", [source, sorted(expected)] * 2)[0][0] == 0
        result = link_new(store, source=source)
        assert result.counts["new_records"] == n
        inc = _partition(store)
    full = runs["full"]
    assert isinstance(full, dict)
    assert len(inc) == total
    assert partition_f1(full, inc) >= 0.99


def test_forget_source_filters_combine(runs: dict[str, object], tmp_path: Path) -> None:
    folder = runs["folder"]
    assert isinstance(folder, Path)
    shutil.copy(folder / "full.duckdb", tmp_path / "w.duckdb")
    source = str(runs["source"])
    with Store(tmp_path / "w.duckdb") as store:
        ids = [str(p) for (p,) in store.sql(
            "SELECT person_id FROM entity_persons WHERE source = ? ORDER BY person_id", [source])]
        chosen = ids[: len(ids) // 2]
        # another source's ids never match: the filter is within ``source``
        other = str(store.sql("SELECT person_id FROM entity_persons WHERE source <> ? LIMIT 1", [source])[0][0])
        with_forename = {str(p) for (p,) in store.sql(
            "SELECT person_id FROM raw_persons WHERE source = ? AND forename LIKE 'A%'", [source])}
        n = forget_source(store, source, person_ids=[*chosen, other], where="forename LIKE 'A%'")
        assert n == len(set(chosen) & with_forename)
        gone = set(ids) - {str(p) for (p,) in store.sql(
            "SELECT person_id FROM entity_persons WHERE source = ?", [source])}
        assert gone == set(chosen) & with_forename
        assert store.sql("SELECT count(*) FROM entity_persons WHERE source <> ?", [source])[0][0] == \
            store.sql("SELECT count(*) FROM raw_persons WHERE source <> ?", [source])[0][0]
        assert forget_source(store, source, person_ids=[]) == 0


@pytest.mark.parametrize(("truth", "found", "expected"), [
    ({"a": "1", "b": "1", "c": "2"}, {"a": "x", "b": "x", "c": "y"}, 1.0),  # same partition, other ids
    ({"a": "1", "b": "1", "c": "2"}, {"a": "x", "b": "y", "c": "z"}, 0.0),  # the only pair missed
    ({"a": "1", "b": "1", "c": "1"}, {"a": "x", "b": "x", "c": "y"}, 0.5),  # 1 of 3 true pairs, precise
    ({"a": "1", "b": "2"}, {"a": "x", "b": "y"}, 1.0),  # no pairs on either side
])
def test_partition_f1(truth: dict[str, str], found: dict[str, str], expected: float) -> None:
    assert partition_f1(truth, found) == pytest.approx(expected)


def test_only_asymmetric_blocking_rules_are_searched_from_both_sides() -> None:
    """The candidate search tries a symmetric rule once; getting that wrong would lose pairs."""
    from splink import block_on

    sqls = [r if isinstance(r, str) else r.get_blocking_rule("duckdb").blocking_rule_sql for r in blocking_rules()]
    assert [s for s in sqls if not rule_is_symmetric(s)] == [s for s in sqls if "dob_swapped" in s]
    assert rule_is_symmetric(block_on("dob", "substr(surname, 1, 1)").get_blocking_rule("duckdb").blocking_rule_sql)
    assert not rule_is_symmetric("l.forename = r.surname AND l.dob = r.dob")  # a name on one side only
    assert not rule_is_symmetric("l.dob = r.dob OR l.phone = r.phone")  # not plainly equalities
    assert not rule_is_symmetric("l.dob_year = r.dob_year AND l.age < r.age")
