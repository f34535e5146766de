"""The language stage over a workspace: review every note in ``raw_notes``, store findings and rates.

Writes ``language_findings`` (one row per finding, with the rule id and rules version so every flag
explains itself) and ``language_rates`` (findings and flagged notes per 1,000 notes by source, team
and quarter, for supervision and training). Each run replaces both tables' rows. Authors are never
an aggregation key and never appear in either table; nothing here scores or prioritises a child.
SQL builders are pure ``*_sql`` functions; partner-facing figures go through disclosure control.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from .. import progress
from ..disclosure import DisclosureRule, ProtectedTable, protect_table
from ..errors import ConfigError
from ..store import StageResult, Store
from .matcher import default_matcher
from .rules import CATEGORIES

__all__ = [
    "LEVELS",
    "findings_ddl_sql",
    "partner_rates",
    "rates_ddl_sql",
    "rates_sql",
    "run",
]

#: Aggregation levels of language_rates, from finest to coarsest. No level includes the author.
LEVELS = ("source_team_quarter", "source_team", "source_quarter", "source")

_BATCH = 20_000


def findings_ddl_sql() -> str:
    return """CREATE TABLE IF NOT EXISTS language_findings (
        source VARCHAR, note_id VARCHAR, about_type VARCHAR, about_id VARCHAR, person_id VARCHAR,
        start INTEGER, "end" INTEGER, text VARCHAR, category VARCHAR, rule_id VARCHAR,
        rules_version VARCHAR, run_id VARCHAR)"""


def rates_ddl_sql() -> str:
    return """CREATE TABLE IF NOT EXISTS language_rates (
        run_id VARCHAR, rules_version VARCHAR, level VARCHAR, source VARCHAR, team VARCHAR,
        quarter VARCHAR, category VARCHAR, notes BIGINT, flagged_notes BIGINT, findings BIGINT,
        flagged_per_1000 DOUBLE, findings_per_1000 DOUBLE)"""


def quarter_sql(column: str = "written_at") -> str:
    """'2024-Q3' from a timestamp column; NULL when the date is unknown or failed validation."""
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE strftime({column}, '%Y') || '-Q' || quarter({column}) END"


def _q(value: str) -> str:
    """A SQL string literal (the values are ours, quoted anyway)."""
    return "'" + value.replace("'", "''") + "'"


def rates_sql(run_id: str, rules_version: str, categories: Sequence[str] = CATEGORIES) -> str:
    """INSERT the rates of one run: every note counts once per category (plus 'all')."""
    cats = ", ".join(f"({_q(c)})" for c in ("all", *categories))
    return f"""
    INSERT INTO language_rates
    WITH notes AS (
        SELECT source, note_id, team, {quarter_sql()} AS quarter FROM raw_notes
    ), cats(category) AS (VALUES {cats}
    ), per_note AS (
        SELECT source, note_id, category, count(*) AS n FROM language_findings
        WHERE run_id = {_q(run_id)} GROUP BY ALL
        UNION ALL
        SELECT source, note_id, 'all', count(*) FROM language_findings
        WHERE run_id = {_q(run_id)} GROUP BY ALL
    ), grid AS (
        SELECT n.source, n.team, n.quarter, c.category, coalesce(p.n, 0) AS n
        FROM notes n CROSS JOIN cats c
        LEFT JOIN per_note p ON p.source = n.source AND p.note_id = n.note_id AND p.category = c.category
    )
    SELECT {_q(run_id)}, {_q(rules_version)},
        CASE grouping(team, quarter) WHEN 0 THEN 'source_team_quarter' WHEN 1 THEN 'source_team'
             WHEN 2 THEN 'source_quarter' ELSE 'source' END,
        source, team, quarter, category, count(*) AS notes,
        count(*) FILTER (WHERE n > 0) AS flagged_notes, sum(n) AS findings,
        1000.0 * count(*) FILTER (WHERE n > 0) / count(*), 1000.0 * sum(n) / count(*)
    FROM grid
    GROUP BY GROUPING SETS ((source, category), (source, team, category), (source, quarter, category),
                            (source, team, quarter, category))
    """


def _rules_path(config: Mapping[str, Any] | None) -> str | None:
    if not config:
        return None
    unknown = set(config) - {"rules"}
    if unknown:
        raise ConfigError(f"language config: {sorted(unknown)[0]}: unknown key (expected: rules)")
    value = config.get("rules")
    return str(Path(value)) if value else None


def run(store: Store, config: Mapping[str, Any] | None = None) -> StageResult:
    """Review every note in raw_notes; replace language_findings and language_rates."""
    rules_path = _rules_path(config)
    matcher = default_matcher(rules_path)
    params = {"rules": rules_path or "builtin", "rules_version": matcher.version}
    with store.run("language", params) as result:
        store.execute(findings_ddl_sql())
        store.execute(rates_ddl_sql())
        cols: dict[str, list[Any]] = {k: [] for k in (
            "source", "note_id", "about_type", "about_id", "person_id", "start", "end", "text",
            "category", "rule_id")}
        notes = flagged = 0
        by_category = dict.fromkeys(CATEGORIES, 0)
        # read everything first: DuckDB cancels an open result when the connection runs another query
        reviewing = progress.step("language", "review notes", total=partial(store.count, "raw_notes"))
        cur = store.con.execute(
            "SELECT source, note_id, about_type, about_id, text FROM raw_notes ORDER BY source, note_id"
        )
        while batch := cur.fetchmany(_BATCH):
            reviewing.advance(len(batch))
            for source, note_id, about_type, about_id, text in batch:
                notes += 1
                findings = matcher.review(text or "")
                flagged += bool(findings)
                for f in findings:
                    by_category[f.category] += 1
                    for k, v in (("source", source), ("note_id", note_id), ("about_type", about_type),
                                 ("about_id", about_id),
                                 ("person_id", about_id if about_type == "person" else None),
                                 ("start", f.start), ("end", f.end), ("text", f.text),
                                 ("category", f.category), ("rule_id", f.rule_id)):
                        cols[k].append(v)
        reviewing.done(notes, flagged=flagged)
        store.execute("DELETE FROM language_findings")
        store.execute("DELETE FROM language_rates")
        table = pa.table({**cols, "start": pa.array(cols["start"], pa.int32()),
                          "end": pa.array(cols["end"], pa.int32())})
        store.con.register("_language_batch", table)
        try:
            store.execute(
                'INSERT INTO language_findings SELECT source, note_id, about_type, about_id, person_id, '
                'start, "end", text, category, rule_id, ?, ? FROM _language_batch',
                [matcher.version, result.run_id],
            )
        finally:
            store.con.unregister("_language_batch")
        store.execute(rates_sql(result.run_id, matcher.version))
        result.counts.update({
            "notes": notes, "flagged_notes": flagged, "findings": len(cols["start"]),
            "by_category": by_category, "rules_version": matcher.version,
        })
    return result


def partner_rates(
    store: Store,
    level: str = "source_quarter",
    category: str = "all",
    rule: DisclosureRule | None = None,
) -> ProtectedTable:
    """Rates for partners and the public, after statistical disclosure control.

    Counts go through :func:`clearpicture.disclosure.protect_table`; rates are recomputed from the
    protected counts (None when either count is suppressed), so no true small count leaks through.
    """
    if level not in LEVELS:
        raise ConfigError(f"language partner rates: level: {level!r} is not one of {', '.join(LEVELS)}")
    if category != "all" and category not in CATEGORIES:
        raise ConfigError(f"language partner rates: category: unknown category {category!r}")
    if not store.has_table("language_rates"):
        raise ConfigError("language partner rates: run the language stage first (no language_rates table)")
    rows = store.dicts(
        "SELECT source, team, quarter, notes, flagged_notes, findings FROM language_rates "
        "WHERE level = ? AND category = ? ORDER BY source, team NULLS LAST, quarter NULLS LAST",
        [level, category],
    )
    keep = {"source_team_quarter": ("source", "team", "quarter"), "source_team": ("source", "team"),
            "source_quarter": ("source", "quarter"), "source": ("source",)}[level]
    trimmed = [{**{k: r[k] for k in keep}, "notes": r["notes"], "flagged_notes": r["flagged_notes"],
                "findings": r["findings"]} for r in rows]
    protected = protect_table(trimmed, ["notes", "flagged_notes", "findings"], list(keep), rule or DisclosureRule())
    for r in protected.rows:
        n, fl, fi = r["notes"], r["flagged_notes"], r["findings"]
        r["flagged_per_1000"] = round(1000 * fl / n, 1) if n and fl is not None else None
        r["findings_per_1000"] = round(1000 * fi / n, 1) if n and fi is not None else None
    return protected
