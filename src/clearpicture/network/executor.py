"""Runs the named SQL steps of the edge builder on DuckDB (in the store) or on Apache Spark.

On DuckDB every step becomes a table in the store inside the caller's transaction: intermediate
steps as temporary tables, the kept outputs as ordinary tables. On Spark the input tables are copied
into the Spark session, every step becomes a temporary view, and the kept outputs are collected back
into the store. PySpark loads lazily and, when missing, fails with one sentence naming what to install.

When the project's shared engine seam (``clearpicture.engine``) offers the same operation, this
module delegates to it; it must not hold any SQL of its own beyond ``CREATE TABLE ... AS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import EngineError
from ..store import Store

__all__ = ["ENGINES", "INPUT_TABLES", "run_steps"]

ENGINES = ("duckdb", "spark")

#: Store tables the steps read, with only the columns they use (copied to Spark).
INPUT_TABLES: dict[str, tuple[str, ...]] = {
    "raw_links": ("source", "from_type", "from_id", "to_type", "to_id", "role", "started_at"),
    "raw_events": ("source", "event_id", "kind", "started_at", "recorded_at", "grading", "location_id"),
    "entity_persons": ("source", "person_id", "entity_id"),
    "entity_objects": ("source", "object_id", "entity_id", "kind"),
    "entity_locations": ("source", "location_id", "entity_id"),
}

_SPARK_TYPES = {"VARCHAR": "STRING", "TIMESTAMP": "TIMESTAMP", "DOUBLE": "DOUBLE", "BIGINT": "BIGINT",
                "DATE": "DATE", "BOOLEAN": "BOOLEAN", "INTEGER": "INT"}


def run_steps(store: Store, steps: Sequence[tuple[str, str]], keep: Sequence[str],
              engine: str = "duckdb") -> dict[str, int]:
    """Run ``steps`` in order; keep the tables named in ``keep`` in the store; return their row counts."""
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    if engine == "spark":
        _run_spark(store, steps, keep)
    else:
        _run_duckdb(store, steps, keep)
    return {name: store.count(name) for name in keep}


def _run_duckdb(store: Store, steps: Sequence[tuple[str, str]], keep: Sequence[str]) -> None:
    temps: list[str] = []
    for name, sql in steps:
        if name in keep:
            store.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
        else:
            store.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
            temps.append(name)
    for name in temps:
        store.execute(f"DROP TABLE IF EXISTS {name}")


def spark_session() -> Any:
    """A local Spark session (2 cores, UTC), created on first use."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise EngineError("the Spark engine needs PySpark and Java: pip install 'clearpicture[spark]'") from exc
    try:
        return (
            SparkSession.builder.master("local[2]")
            .appName("clearpicture-network")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
    except Exception as exc:  # noqa: BLE001 - Java missing or failing surfaces here
        raise EngineError(f"cannot start Spark: {str(exc).strip().splitlines()[0][:200]}") from exc


def _run_spark(store: Store, steps: Sequence[tuple[str, str]], keep: Sequence[str]) -> None:
    spark = spark_session()
    for table, columns in INPUT_TABLES.items():
        cols = ", ".join(f'"{c}"' for c in columns)
        types = dict(store.sql(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]))
        schema = ", ".join(f"`{c}` {_SPARK_TYPES.get(str(types.get(c, 'VARCHAR')), 'STRING')}"
                           for c in columns)
        frame = store.con.sql(f"SELECT {cols} FROM {table}").df()
        spark.createDataFrame(frame, schema=schema).createOrReplaceTempView(table)
    try:
        for name, sql in steps:
            # Cache every step: later steps and the collection read it again.
            frame = spark.sql(sql).cache()
            frame.createOrReplaceTempView(name)
            if name in keep:
                result = frame.toPandas()
                store.con.register("_net_spark_result", result)
                try:
                    store.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _net_spark_result")
                finally:
                    store.con.unregister("_net_spark_result")
    except Exception as exc:
        if type(exc).__module__.startswith("pyspark"):
            raise EngineError(f"Spark step failed: {str(exc).strip().splitlines()[0][:300]}") from exc
        raise
