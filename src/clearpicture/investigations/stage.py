"""The investigations stage: case timelines, consistency measures, the review list and the
closed-case re-examination view, written in one transaction.

Tables written (all replaced each run except the decisions, which accumulate):
``investigation_case_steps`` (every dated step of every case, with the record behind it),
``investigation_cases`` (one row per case), ``investigation_measures``, ``investigation_review``
and ``investigation_review_evidence`` (the checklist's shortfalls and their records),
``investigation_reexamination`` and ``investigation_review_decisions``.
This module orchestrates; SQL lives in the ``*_sql`` modules. It must not rank people.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from .. import progress
from ..store import StageResult, Store
from .cases_sql import case_base_sql, case_steps_sql, cases_sql
from .checklist import Checklist, load_checklist
from .config import InvestigationsConfig, load_config
from .inputs import check_inputs, offence_code_sets, resolve_versions
from .measures import measures_from_rows
from .measures_sql import case_measures_sql, disruption_counts_sql, member_measures_sql
from .review import ensure_decisions_table
from .review_sql import check_sql, reexamination_sql

__all__ = ["run"]

_MEASURE_SCHEMA = pa.schema([
    ("id", pa.string()), ("population", pa.string()), ("measure", pa.string()), ("force", pa.string()),
    ("team", pa.string()), ("quarter", pa.string()), ("value", pa.float64()), ("numerator", pa.int64()),
    ("denominator", pa.int64()), ("lower", pa.float64()), ("upper", pa.float64()),
])
_MEASURE_COLUMNS = ("id VARCHAR, population VARCHAR, measure VARCHAR, force VARCHAR, team VARCHAR, "
                    "quarter VARCHAR, value DOUBLE, numerator BIGINT, denominator BIGINT, lower DOUBLE, "
                    "upper DOUBLE")


def run(store: Store, config: InvestigationsConfig | Mapping[str, Any] | None = None,
        checklist: Checklist | None = None) -> StageResult:
    """Build every investigations table from the store; returns the recorded run."""
    cfg = load_config(config)
    checks = checklist if checklist is not None else load_checklist(cfg.checklist)
    params = {**cfg.model_dump(mode="json"), "checklist_version": checks.version,
              "checks": [c.id for c in checks.active()]}
    with store.run("investigations", params) as result:
        stand_ins = check_inputs(store)
        versions = resolve_versions(store, cfg)
        child, sexual = offence_code_sets()
        with progress.step("investigations", "cases") as s:
            store.execute("CREATE OR REPLACE TEMP TABLE investigation_case_base AS "
                          + case_base_sql(cfg, versions, child, sexual))
            store.execute("CREATE OR REPLACE TABLE investigation_case_steps AS " + case_steps_sql(cfg))
            store.execute("CREATE OR REPLACE TABLE investigation_cases AS " + cases_sql(cfg))
            store.execute("DROP TABLE investigation_case_base")
            if progress.active() is not None:
                s.done(store.count("investigation_cases"))
        with progress.step("investigations", "measures"):
            _write_measures(store, cfg)
        with progress.step("investigations", "review checks") as s:
            _write_review(store, cfg, checks)
            if progress.active() is not None:
                s.done(store.count("investigation_review"))
        with progress.step("investigations", "re-examination"):
            store.execute("CREATE OR REPLACE TABLE investigation_reexamination AS " + reexamination_sql(cfg))
        ensure_decisions_table(store)
        result.parameters["definition_versions"] = versions
        counts = store.dicts("""SELECT count(*) AS cases, count(*) FILTER (WHERE in_cse) AS cse,
            count(*) FILTER (WHERE in_gbcse) AS gbcse, count(*) FILTER (WHERE in_sexual_child) AS sexual_child,
            count(*) FILTER (WHERE team = ?) AS team_not_recorded FROM investigation_cases""",
                             [cfg.team_not_recorded])[0]
        result.counts.update({k: int(v) for k, v in counts.items()})
        result.counts["measures"] = store.count("investigation_measures")
        result.counts["review_items"] = store.count("investigation_review")
        result.counts["review_cases"] = int(store.sql(
            "SELECT count(*) FROM (SELECT DISTINCT source, event_id FROM investigation_review)")[0][0])
        result.counts["reexamination_cases"] = int(store.sql(
            "SELECT count(*) FROM (SELECT DISTINCT source, event_id FROM investigation_reexamination)")[0][0])
        if stand_ins:
            result.counts["missing_inputs"] = stand_ins
    return result


def _write_measures(store: Store, cfg: InvestigationsConfig) -> None:
    rows = (store.dicts(case_measures_sql(cfg)) + store.dicts(member_measures_sql())
            + store.dicts(disruption_counts_sql(cfg)))
    measures = measures_from_rows(rows)
    store.execute(f"CREATE OR REPLACE TABLE investigation_measures ({_MEASURE_COLUMNS})")
    if measures:
        # one Arrow table, not row-by-row inserts: thousands of rows on a large workspace
        names = [c.split()[0] for c in _MEASURE_COLUMNS.split(", ")]
        table = pa.Table.from_pylist([m.to_dict() for m in measures], schema=_MEASURE_SCHEMA).select(names)
        store.con.register("investigation_measures_in", table)
        try:
            store.execute("INSERT INTO investigation_measures SELECT * FROM investigation_measures_in")
        finally:
            store.con.unregister("investigation_measures_in")


def _write_review(store: Store, cfg: InvestigationsConfig, checks: Checklist) -> None:
    store.execute("""CREATE OR REPLACE TABLE investigation_review_evidence (case_source VARCHAR,
        case_event_id VARCHAR, check_id VARCHAR, reason VARCHAR, source VARCHAR, record_type VARCHAR,
        record_id VARCHAR, role VARCHAR)""")
    order = {}
    for i, check in enumerate(checks.active()):
        order[check.id] = i
        store.execute("INSERT INTO investigation_review_evidence SELECT DISTINCT * FROM ("
                      + check_sql(check, cfg) + ")")
    values = ", ".join(f"('{cid}', {i})" for cid, i in order.items()) or "(NULL, NULL)"
    store.execute(f"""CREATE OR REPLACE TABLE investigation_review AS
        SELECT DISTINCT e.case_source AS source, e.case_event_id AS event_id, e.check_id, o.check_order, e.reason,
            c.force, c.team, c.outcome, c.started_at, c.in_cse, c.in_gbcse, c.in_sexual_child
        FROM investigation_review_evidence e
        JOIN investigation_cases c ON c.source = e.case_source AND c.event_id = e.case_event_id
        JOIN (VALUES {values}) o(check_id, check_order) ON o.check_id = e.check_id""")
