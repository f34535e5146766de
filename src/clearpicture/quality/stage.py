"""The quality stage: measured data gaps by source, table, field and quarter, rated by thresholds.

``run(store, config)`` computes the field scorecard (completeness, validity), the safeguarding and
consistency measures (by source and quarter, with numerators and denominators), timeliness, and,
after linkage, consistency across the records of one resolved person; it rates each figure
green/amber/red from the thresholds file and writes ``quality_fields``, ``quality_measures`` and
``quality_timeliness`` in one recorded run. ``scorecard(store)`` reads them back as the
``quality --json`` document. This module must not change any record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import progress, standard
from ..errors import ConfigError
from ..store import StageResult, Store
from .checks_sql import (
    ENTITY_MEASURE_IDS,
    MEASURE_IDS,
    entity_measures_sql,
    field_checks_sql,
    measures_sql,
    timeliness_sql,
)
from .thresholds import Thresholds, load_thresholds, shipped_thresholds

__all__ = ["QualityConfig", "run", "scorecard"]

KNOWN_MEASURES = set(MEASURE_IDS) | set(ENTITY_MEASURE_IDS)


@dataclass(frozen=True)
class QualityConfig:
    """Which thresholds file to rate against (the shipped one when None)."""

    thresholds: str | None = None

    @classmethod
    def from_any(cls, config: QualityConfig | Mapping[str, Any] | None) -> QualityConfig:
        if config is None:
            return cls()
        if isinstance(config, QualityConfig):
            return config
        unknown = sorted(set(config) - {"thresholds"})
        if unknown:
            raise ConfigError(f"quality config: {unknown[0]}: unknown key (expected thresholds)")
        t = config.get("thresholds")
        return cls(thresholds=str(t) if t is not None else None)

    def load(self) -> Thresholds:
        if self.thresholds is None:
            return shipped_thresholds()
        return load_thresholds(Path(self.thresholds), KNOWN_MEASURES)


def _rate_sql(value: str, green: str, amber: str, higher: str) -> str:
    """green/amber/red for ``value`` against the band columns (NULL value: no rating)."""
    return (f"CASE WHEN {value} IS NULL THEN NULL "
            f"WHEN ({higher} AND {value} >= {green}) OR (NOT {higher} AND {value} <= {green}) THEN 'green' "
            f"WHEN ({higher} AND {value} >= {amber}) OR (NOT {higher} AND {value} <= {amber}) THEN 'amber' "
            f"ELSE 'red' END")


def _lit(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def _bands_sql(t: Thresholds, kind: str) -> str:
    """(key, green, amber) for the field bands of ``kind`` (completeness or validity)."""
    rows = [f"({_lit(k)}, {float(b.green)}, {float(b.amber)})" for k, fb in t.fields.items()
            if (b := getattr(fb, kind)) is not None]
    return "SELECT * FROM (VALUES " + ", ".join(rows) + ") v(key, green, amber)"


def _measure_bands_sql(t: Thresholds) -> str:
    rows = [f"({_lit(k)}, {float(b.green)}, {float(b.amber)}, {str(b.higher_is_better).upper()})"
            for k, b in t.measures.items()]
    return "SELECT * FROM (VALUES " + ", ".join(rows) + ") v(key, green, amber, higher)"


def run(store: Store, config: QualityConfig | Mapping[str, Any] | None = None) -> StageResult:
    """Measure, rate and write the scorecard."""
    cfg = QualityConfig.from_any(config)
    thresholds = cfg.load()
    linked = store.has_table("entity_persons")
    with store.run("quality", {"thresholds": cfg.thresholds or "shipped", "linked": linked}) as result:
        fields = "\nUNION ALL\n".join(field_checks_sql(t) for t in standard.TABLE_NAMES)
        fields_step = progress.step("quality", "completeness and validity of fields")
        store.execute(f"""CREATE OR REPLACE TABLE quality_fields AS
            WITH f AS ({fields}), r AS (
                SELECT *, filled / nullif(rows, 0) AS completeness,
                    CASE WHEN filled = 0 THEN 1.0 ELSE valid / filled END AS validity FROM f)
            SELECT r.source, r.table_name, r.field, r.rows, r.filled, r.valid, r.completeness, r.validity,
                {_rate_sql("r.completeness", "coalesce(c.green, dc.green)", "coalesce(c.amber, dc.amber)", "TRUE")}
                    AS completeness_rating,
                {_rate_sql("r.validity", "coalesce(v.green, dv.green)", "coalesce(v.amber, dv.amber)", "TRUE")}
                    AS validity_rating,
                '{result.run_id}' AS run_id
            FROM r
            LEFT JOIN ({_bands_sql(thresholds, "completeness")}) c ON c.key = r.table_name || '.' || r.field
            LEFT JOIN ({_bands_sql(thresholds, "validity")}) v ON v.key = r.table_name || '.' || r.field
            JOIN ({_bands_sql(thresholds, "completeness")}) dc ON dc.key = 'default'
            JOIN ({_bands_sql(thresholds, "validity")}) dv ON dv.key = 'default'""")
        fields_step.done()
        measures_step = progress.step("quality", "measures" + (" (records and entities)" if linked else ""))
        measured = f"SELECT * FROM ({measures_sql()})" + (
            f"\nUNION ALL\nSELECT * FROM ({entity_measures_sql()})" if linked else "")
        store.execute(f"""CREATE OR REPLACE TABLE quality_measures AS
            WITH m AS ({measured}), r AS (SELECT *, numerator / nullif(denominator, 0) AS value FROM m)
            SELECT r.id, r.source, r.quarter, r.value, r.numerator, r.denominator,
                CASE WHEN r.quarter = 'all' THEN {_rate_sql("r.value", "coalesce(b.green, d.green)",
                    "coalesce(b.amber, d.amber)", "coalesce(b.higher, d.higher)")} END AS rating,
                '{result.run_id}' AS run_id
            FROM r LEFT JOIN ({_measure_bands_sql(thresholds)}) b ON b.key = r.id
            JOIN ({_measure_bands_sql(thresholds)}) d ON d.key = 'default'""")
        measures_step.done()
        timeliness_step = progress.step("quality", "timeliness")
        store.execute(f"CREATE OR REPLACE TABLE quality_timeliness AS SELECT *, '{result.run_id}' AS run_id "
                      f"FROM ({timeliness_sql()})")
        timeliness_step.done()
        (n_fields,) = store.sql("SELECT count(*) FROM quality_fields")[0]
        n_measures, red = store.sql("SELECT count(*), count(*) FILTER (WHERE rating = 'red') FROM quality_measures")[0]
        result.counts = {"fields": n_fields, "measures": n_measures, "red": red}
    return result


def scorecard(store: Store) -> dict[str, Any]:
    """The ``quality --json`` document: fields, measures (whole period) and trends (by quarter)."""
    if not store.has_table("quality_fields"):
        return {"fields": [], "measures": [], "trends": [], "timeliness": []}
    fields = store.dicts(
        """SELECT source, table_name AS "table", field, rows, completeness, validity, completeness_rating,
            validity_rating FROM quality_fields ORDER BY source, table_name, field""")
    measures = store.dicts(
        """SELECT id, source, quarter, value, numerator, denominator, rating FROM quality_measures
        WHERE quarter = 'all' ORDER BY id, source = 'ALL' DESC, source""")
    trends = store.dicts(
        """SELECT id, source, quarter, value, numerator, denominator FROM quality_measures
        WHERE quarter <> 'all' ORDER BY id, source, quarter""")
    timeliness = store.dicts(
        "SELECT source, kind, events, median_days, p90_days FROM quality_timeliness ORDER BY source, kind")
    return {"fields": fields, "measures": measures, "trends": trends, "timeliness": timeliness}
