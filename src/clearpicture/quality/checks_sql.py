"""Pure SQL builders for the data-quality scorecard (fields and safeguarding measures).

Each function returns a SELECT and never touches a connection. Fields: per source, table and
field, the rows, how many are filled (the raw value is not empty) and how many of those are valid
(the typed value survived ingest's checks, plus plausibility: ages 0-110, dates not after they
were recorded, ends not before starts; a text value holding no control character). Measures: one row per (id, source, quarter) with numerator
and denominator, so a rate always shows what it is a rate of; quarter ``all`` is the whole period.
Ethnicity and nationality appear only as "recorded or not" rates: they are never a feature.
"""

from __future__ import annotations

from .. import standard
from ..ingest.load import has_control_sql

__all__ = ["ENTITY_MEASURE_IDS", "MEASURE_IDS", "SKIPPED_FIELDS", "entity_measures_sql", "field_checks_sql", "measures_sql", "timeliness_sql"]

#: Identity columns are always filled (ingest quarantines rows without them): not scored.
SKIPPED_FIELDS = frozenset({"source", "person_id", "object_id", "location_id", "event_id", "note_id"})

MEASURE_IDS: tuple[str, ...] = (
    "cse_flag_share", "victim_ethnicity_self_recorded", "victim_ethnicity_officer_recorded",
    "suspect_ethnicity_self_recorded", "suspect_ethnicity_officer_recorded", "victim_nationality_recorded",
    "suspect_nationality_recorded", "crimes_with_location", "intelligence_graded", "crimes_recorded_within_30_days",
    "person_duplicate_share", "child_offence_adult_victim", "links_to_missing_records", "crimes_without_offence_code",
)
ENTITY_MEASURE_IDS: tuple[str, ...] = ("entity_conflicting_dob", "entity_conflicting_sex")

#: Intelligence grading as recorded: 3x5x2 (source 1-3, information A-E, handling P/C), either order.
GRADING_PATTERN = r"^([1-3][A-E]|[A-E][1-3])[PC]$"


def _validity(table: str, name: str, typed: bool) -> str:
    """SQL condition: a filled value of ``name`` is valid.

    A text field has no typed form to fail, but a value holding a control character (a NUL from a
    padded legacy field, an escape) is not a name or an address as recorded: invalid, as ingest's
    ``field_issues`` say.
    """
    col = f'"{name}"'
    cond = f"{col} IS NOT NULL" if typed else f"NOT {has_control_sql(col)}"
    if table == "persons" and name == "date_of_birth":
        cond += (" AND date_of_birth <= CAST(coalesce(recorded_at, current_timestamp) AS DATE)"
                 " AND date_sub('year', date_of_birth, CAST(coalesce(recorded_at, current_timestamp) AS DATE)) <= 110")
    if name == "ended_at" and table in ("events", "links"):
        cond += " AND (started_at IS NULL OR ended_at >= started_at)"
    if table == "events" and name in ("recorded_at", "outcome_at"):
        cond += f" AND (started_at IS NULL OR {name} >= started_at - INTERVAL 1 DAY)"
    if table == "events" and name == "grading":
        cond += f" AND (kind <> 'intelligence' OR regexp_matches(upper(trim(grading)), '{GRADING_PATTERN}'))"
    return cond


def field_checks_sql(table: str) -> str:
    """Rows, filled and valid per source for every field of ``raw_<table>``."""
    parts = []
    for f in standard.table(table).fields:
        if f.name in SKIPPED_FIELDS:
            continue
        raw = f'"{f.name}_raw"' if f.validated else f'"{f.name}"'
        filled = f"nullif(trim(CAST({raw} AS VARCHAR)), '') IS NOT NULL"
        valid = _validity(table, f.name, f.validated)
        parts.append(
            f"SELECT source, '{table}' AS table_name, '{f.name}' AS field, count(*) AS rows, "
            f"count(*) FILTER (WHERE {filled}) AS filled, "
            f"count(*) FILTER (WHERE {filled} AND {valid}) AS valid "
            f"FROM raw_{table} GROUP BY source")
    return "\nUNION ALL\n".join(parts)


def measures_sql() -> str:
    """Every safeguarding and consistency measure: (id, source, quarter, numerator, denominator).

    Quarters are of occurrence (``started_at``, else ``recorded_at``); rows come per quarter and
    for ``all``. People are person records here (a person with two records counts twice; the
    entity measures look across records after linkage).
    """
    codes = standard.offence_codes()
    child = ", ".join(f"'{c}'" for c, (_, s, ch) in codes.items() if s and ch) or "NULL"
    sexual = ", ".join(f"'{c}'" for c, (_, s, _ch) in codes.items() if s) or "NULL"
    flags = "list_transform(string_split(upper(coalesce(e.flags, '')), '|'), lambda x: trim(x))"
    return f"""
    WITH ev AS MATERIALIZED (
        SELECT e.source, e.event_id, e.kind, e.offence_code, e.offence_code_raw, e.location_id, e.grading,
            e.started_at, e.recorded_at, coalesce(e.started_at, e.recorded_at) AS occurred_at,
            {flags} AS flag_list
        FROM raw_events e
    ), people AS (
        SELECT l.source, l.to_id AS event_id, l.from_id AS person_id,
            CASE WHEN l.role = 'victim' THEN 'victim' ELSE 'suspect' END AS side
        FROM raw_links l WHERE l.from_type = 'person' AND l.to_type = 'event'
            AND l.role IN ('victim', 'suspect', 'offender')
    ), person_events AS MATERIALIZED (
        SELECT pe.*, ev.occurred_at, ev.kind, ev.offence_code,
            date_sub('year', p.date_of_birth, CAST(ev.occurred_at AS DATE)) AS age,
            p.ethnicity_self, p.ethnicity_officer, p.nationality
        FROM people pe JOIN ev ON ev.source = pe.source AND ev.event_id = pe.event_id
        JOIN raw_persons p ON p.source = pe.source AND p.person_id = pe.person_id
    ), child_sexual AS (
        SELECT DISTINCT ev.* FROM ev LEFT JOIN person_events v
            ON v.source = ev.source AND v.event_id = ev.event_id AND v.side = 'victim'
        WHERE ev.kind = 'crime' AND (ev.offence_code IN ({child}) OR (ev.offence_code IN ({sexual}) AND v.age < 18))
    ), base AS (
        SELECT 'cse_flag_share' AS id, source, occurred_at, list_has_any(flag_list, ['CSE', 'GBCSE']) AS hit,
            event_id AS unit FROM child_sexual
        UNION ALL
        SELECT side || '_ethnicity_self_recorded', source, occurred_at,
            ethnicity_self IS NOT NULL AND ethnicity_self <> 'NS', person_id FROM person_events
        UNION ALL
        SELECT side || '_ethnicity_officer_recorded', source, occurred_at,
            ethnicity_officer IS NOT NULL AND ethnicity_officer <> 'IC9', person_id FROM person_events
        UNION ALL
        SELECT side || '_nationality_recorded', source, occurred_at, nationality IS NOT NULL,
            person_id FROM person_events
        UNION ALL
        SELECT 'crimes_with_location', source, occurred_at, nullif(trim(location_id), '') IS NOT NULL,
            event_id FROM ev WHERE kind = 'crime'
        UNION ALL
        SELECT 'intelligence_graded', source, occurred_at,
            coalesce(regexp_matches(upper(trim(grading)), '{GRADING_PATTERN}'), FALSE), event_id
        FROM ev WHERE kind = 'intelligence'
        UNION ALL
        SELECT 'crimes_recorded_within_30_days', source, occurred_at,
            -- recorded before it happened (beyond a day for time zones) is out of order, not prompt
            recorded_at >= started_at - INTERVAL 1 DAY AND date_diff('day', started_at, recorded_at) <= 30, event_id
        FROM ev WHERE kind = 'crime' AND started_at IS NOT NULL AND recorded_at IS NOT NULL
        UNION ALL
        SELECT 'crimes_without_offence_code', source, occurred_at,
            nullif(trim(offence_code_raw), '') IS NULL, event_id FROM ev WHERE kind = 'crime'
        UNION ALL
        SELECT 'child_offence_adult_victim', source, occurred_at, bool_or(age >= 18), event_id
        FROM person_events WHERE side = 'victim' AND offence_code IN ({child}) AND age IS NOT NULL
        GROUP BY source, event_id, occurred_at
        UNION ALL
        SELECT 'links_to_missing_records', l.source, ev.occurred_at,
            ev.event_id IS NULL OR p.person_id IS NULL, l.source || '/' || l.from_id || '/' || l.to_id
        FROM raw_links l
        LEFT JOIN ev ON ev.source = l.source AND ev.event_id = l.to_id
        LEFT JOIN (SELECT DISTINCT source, person_id FROM raw_persons) p
            ON p.source = l.source AND p.person_id = l.from_id
        WHERE l.from_type = 'person' AND l.to_type = 'event'
        UNION ALL
        SELECT 'person_duplicate_share', source, recorded_at, count(*) OVER (PARTITION BY source,
                lower(trim(forename)), lower(trim(surname)), date_of_birth) > 1, person_id
        FROM raw_persons WHERE date_of_birth IS NOT NULL AND nullif(trim(surname), '') IS NOT NULL
    ), units AS MATERIALIZED (
        SELECT id, source, year(occurred_at) AS y, quarter(occurred_at) AS q, unit,
            bool_or(coalesce(hit, FALSE)) AS hit
        FROM base GROUP BY ALL
    ), whole AS (
        SELECT id, source, unit, bool_or(hit) AS hit FROM units GROUP BY ALL
    ), by_quarter AS (
        SELECT id, source, y, q, count(*) FILTER (WHERE hit) AS numerator, count(*) AS denominator
        FROM units GROUP BY ALL
    )
    SELECT id, source, coalesce(CAST(y AS VARCHAR) || 'Q' || CAST(q AS VARCHAR), 'undated') AS quarter,
        numerator, denominator FROM by_quarter
    UNION ALL
    SELECT id, source, 'all', count(*) FILTER (WHERE hit), count(*) FROM whole GROUP BY ALL
    UNION ALL
    SELECT id, 'ALL', 'all', count(*) FILTER (WHERE hit), count(*) FROM whole GROUP BY ALL"""


def entity_measures_sql() -> str:
    """After linkage: resolved people whose records disagree on date of birth or recorded sex
    (among entities with at least two records holding the field)."""
    return """
    WITH r AS (
        SELECT ep.entity_id, p.date_of_birth, p.sex
        FROM entity_persons ep JOIN raw_persons p ON p.source = ep.source AND p.person_id = ep.person_id
    ), dob AS (
        SELECT entity_id, count(DISTINCT date_of_birth) AS n FROM r WHERE date_of_birth IS NOT NULL
        GROUP BY entity_id HAVING count(*) >= 2
    ), sex AS (
        SELECT entity_id, count(DISTINCT sex) AS n FROM r WHERE sex IS NOT NULL
        GROUP BY entity_id HAVING count(*) >= 2
    )
    SELECT 'entity_conflicting_dob' AS id, 'ALL' AS source, 'all' AS quarter,
        count(*) FILTER (WHERE n > 1) AS numerator, count(*) AS denominator FROM dob
    UNION ALL
    SELECT 'entity_conflicting_sex', 'ALL', 'all', count(*) FILTER (WHERE n > 1), count(*) FROM sex"""


def timeliness_sql() -> str:
    """Recording delay (recorded minus occurred, days) per source and event kind: median and 90th percentile."""
    return """
    SELECT source, kind, count(*) AS events,
        median(date_diff('day', started_at, recorded_at)) AS median_days,
        quantile_cont(date_diff('day', started_at, recorded_at), 0.9) AS p90_days
    FROM raw_events WHERE started_at IS NOT NULL AND recorded_at IS NOT NULL
    GROUP BY source, kind"""
