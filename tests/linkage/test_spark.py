"""The Spark engine gives the same entities as DuckDB on the `small` scenario (pairwise F1 >= 0.99)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clearpicture import linkage
from clearpicture.evaluate import pairwise_scores
from clearpicture.store import Store

pytestmark = [pytest.mark.spark, pytest.mark.slow]

FAST = {"u_max_pairs": 1e6, "em_max_pairs": 3e5}


def _have_spark() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


@pytest.mark.skipif(not _have_spark(), reason="PySpark and Java needed")
def test_spark_and_duckdb_partitions_agree(small_world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    parts = {}
    for name in ("duckdb", "spark"):
        folder = tmp_path / name
        folder.mkdir()
        with small_world.copy(folder) as store:
            linkage.run(store, FAST, engine=name)
            parts[name] = store.sql("SELECT source, person_id, entity_id FROM entity_persons ORDER BY ALL")
    with Store() as store:
        for name, rows in parts.items():
            store.execute(f"CREATE TABLE {name} (source VARCHAR, person_id VARCHAR, entity_id VARCHAR)")
            store.con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?)", rows)
        agreement = pairwise_scores(store, "spark", "duckdb", pred_col="entity_id", true_col="entity_id")
    assert len(parts["spark"]) == len(parts["duckdb"])
    assert agreement["f1"] >= 0.99, agreement
