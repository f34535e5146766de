"""The edge-building SQL gives the same edges and groups on Spark as on DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path

import networld
import pytest

from clearpicture import network

pytestmark = [pytest.mark.spark]  # seconds once a Spark session runs; not slow


def _have_spark() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


@pytest.mark.skipif(not _have_spark(), reason="PySpark and Java needed")
def test_spark_engine_builds_the_same_edges_and_groups(tmp_path: Path) -> None:
    results = {}
    for engine in ("duckdb", "spark"):
        with networld.build(tmp_path / f"{engine}.duckdb") as store:
            network.run(store, engine=engine)
            results[engine] = (
                store.sql("SELECT evidence_id, kind, entity_a, entity_b, round(strength, 9) FROM edge_evidence "
                          "ORDER BY ALL"),
                store.sql("SELECT entity_a, entity_b, round(strength, 9), round(offender_strength, 9), kinds "
                          "FROM edge_entities ORDER BY ALL"),
                store.sql("SELECT * FROM group_members ORDER BY ALL"),
            )
    assert results["duckdb"][0] and results["duckdb"] == results["spark"]
