"""Runs the named SQL steps of the edge builder through the project's engine seam.

:mod:`clearpicture.engine` decides where a step runs: on DuckDB every step becomes a table in the
store (scratch steps as temporary tables, kept outputs as ordinary tables) inside the caller's
transaction; on Spark the input tables are copied into the session, each step becomes a cached view
and the kept outputs are collected back into the store. This module only names the inputs the
steps read and hands over; it must not hold SQL of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..engine import ENGINES, get_engine
from ..store import Store

__all__ = ["ENGINES", "INPUT_TABLES", "run_steps"]

#: Store tables the steps read, with only the columns they use (copied into Spark).
INPUT_TABLES: dict[str, Sequence[str] | None] = {
    "raw_links": ("source", "from_type", "from_id", "to_type", "to_id", "role", "started_at"),
    "raw_events": ("source", "event_id", "kind", "started_at", "recorded_at", "grading", "location_id"),
    "entity_persons": ("source", "person_id", "entity_id"),
    "entity_objects": ("source", "object_id", "entity_id", "kind"),
    "entity_locations": ("source", "location_id", "entity_id"),
}


def run_steps(store: Store, steps: Sequence[tuple[str, str]], keep: Sequence[str],
              engine: str = "duckdb") -> dict[str, int]:
    """Run ``steps`` in order on ``engine``; keep the tables named in ``keep``; return their row counts."""
    runner = get_engine(engine, store)
    try:
        counts = runner.run_steps(steps, keep, inputs=INPUT_TABLES)
    finally:
        runner.close()
    for table in keep:
        _naive_utc_times(store, table)
    return counts


def _naive_utc_times(store: Store, table: str) -> None:
    """Spark hands times back zoned; the store keeps UTC times without a zone, whichever engine ran."""
    for (column,) in store.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND data_type = 'TIMESTAMP WITH TIME ZONE'", [table]):
        store.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DATA TYPE TIMESTAMP '
                      f'USING timezone(\'UTC\', "{column}")')
