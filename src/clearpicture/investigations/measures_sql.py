"""SQL builders for the consistency measures: counts by population, force, team and quarter.

Pure ``*_sql`` functions over ``investigation_cases`` (and, for group members, the network's
``group_members`` with ``entity_persons`` and the standard tables). They return counts and the
sorted values behind medians; intervals and disclosure control are applied in Python
(:mod:`.measures`). They must not touch a connection.

Every rate is a share of cases (or of victims, or of group members) with a numerator and a
denominator, so it can carry a Wilson interval and disclosure control. Levels: every force
overall, force by team, force by quarter, force by team by quarter, and all forces together
(``force = 'all'``).
"""

from __future__ import annotations

from .cases_sql import lit
from .config import POPULATIONS, InvestigationsConfig

__all__ = ["ALL_FORCES", "ORDER_MEASURES", "RATE_MEASURES", "case_measures_sql", "disruption_counts_sql",
           "member_measures_sql"]

#: The force value of rows that cover every force together.
ALL_FORCES = "all"

#: Measures computed per case (or per victim), their unit and which rows count.
RATE_MEASURES: dict[str, str] = {
    "evidential_difficulty": "closed crimes closed with an evidential-difficulty or victim-does-not-support "
                             "outcome (14-16)",
    "no_suspect": "closed crimes closed as investigation complete, no suspect identified (18)",
    "charge_rate": "closed crimes charged or summonsed (1)",
    "median_days_to_outcome": "median days from first recorded to outcome, closed crimes",
    "referral_in_time": "child victims referred to children's social care within the window of their first "
                        "crime being recorded",
    "arrest_rate": "crimes with a suspect identified where a suspect was arrested",
    "disruption_use": "crimes with a suspect identified where a disruption order or action was recorded "
                      "against a suspect, for the victim or at the place",
}


#: Counts of disruption orders and actions recorded by police sources, by type (and all together):
#: measure ``orders_<type>`` of population ``disruption``; a count, with no denominator.
ORDER_MEASURES: dict[str, str] = {
    "orders_all": "disruption orders and actions recorded (all types)",
    "orders_cawn": "child abduction warning notices recorded",
    "orders_sro": "sexual risk orders recorded",
    "orders_shpo": "sexual harm prevention orders recorded",
    "orders_licensing": "licensing actions recorded",
    "orders_other": "other disruption recorded (or type not recorded)",
}


def _population_join() -> str:
    values = ", ".join(f"({lit(p)})" for p in POPULATIONS)
    return (f"JOIN (VALUES {values}) p(population) ON (p.population = 'cse' AND c.in_cse) "
            "OR (p.population = 'gbcse' AND c.in_gbcse) OR (p.population = 'sexual_child' AND c.in_sexual_child)")


def case_measures_sql(config: InvestigationsConfig, cases: str = "investigation_cases") -> str:
    """Counts for every rate measure and sorted values for medians, at every level.

    Columns: population, measure, force, team, quarter, numerator, denominator, med, vals.
    ``team``/``quarter`` NULL mean "all teams"/"all quarters"; ``force`` is ``'all'`` for the
    rows over every force. Each victim counts once per population, at their first crime in it.
    """
    quarter_unknown = lit("unknown")
    return f"""
    WITH pop AS (
        SELECT p.population, c.force, c.team, COALESCE(c.quarter, {quarter_unknown}) AS quarter, c.closed,
            c.outcome_group, c.days_to_outcome, c.suspects, c.arrests, c.disruptions, c.referred_in_time,
            c.victim_entity_id, c.started_at, c.source, c.event_id
        FROM {cases} c {_population_join()}
    ), first_crime AS (
        SELECT * FROM (
            SELECT pop.*, row_number() OVER (PARTITION BY population, victim_entity_id
                                             ORDER BY started_at NULLS LAST, source, event_id) AS k
            FROM pop WHERE victim_entity_id IS NOT NULL
        ) WHERE k = 1
    ), units AS (
        SELECT population, 'evidential_difficulty' AS measure, force, team, quarter,
            CAST(outcome_group = 'evidential_difficulty' AS INTEGER) AS hit, CAST(NULL AS DOUBLE) AS x
        FROM pop WHERE closed
        UNION ALL
        SELECT population, 'no_suspect', force, team, quarter, CAST(outcome_group = 'no_suspect' AS INTEGER), NULL
        FROM pop WHERE closed
        UNION ALL
        SELECT population, 'charge_rate', force, team, quarter, CAST(outcome_group = 'charge' AS INTEGER), NULL
        FROM pop WHERE closed
        UNION ALL
        SELECT population, 'median_days_to_outcome', force, team, quarter, NULL, days_to_outcome
        FROM pop WHERE days_to_outcome IS NOT NULL
        UNION ALL
        SELECT population, 'referral_in_time', force, team, quarter, CAST(referred_in_time AS INTEGER), NULL
        FROM first_crime
        UNION ALL
        SELECT population, 'arrest_rate', force, team, quarter, CAST(arrests > 0 AS INTEGER), NULL
        FROM pop WHERE suspects > 0
        UNION ALL
        SELECT population, 'disruption_use', force, team, quarter, CAST(disruptions > 0 AS INTEGER), NULL
        FROM pop WHERE suspects > 0
    )
    SELECT population, measure,
        CASE WHEN grouping(force) = 1 THEN {lit(ALL_FORCES)} ELSE force END AS force,
        CASE WHEN grouping(team) = 1 THEN NULL ELSE team END AS team,
        CASE WHEN grouping(quarter) = 1 THEN NULL ELSE quarter END AS quarter,
        CAST(sum(hit) AS BIGINT) AS numerator, count(*) AS denominator, median(x) AS med,
        list(x ORDER BY x) FILTER (WHERE x IS NOT NULL) AS vals
    FROM units
    GROUP BY GROUPING SETS ((population, measure), (population, measure, force),
        (population, measure, force, team), (population, measure, force, quarter),
        (population, measure, force, team, quarter))"""


def member_measures_sql(police_kind: str = "police") -> str:
    """Share of group members (offender side) never linked as a suspect or offender to any crime.

    A member counts for every force whose records hold any member of the group (a member known
    only to other agencies still counts there); rows by force, and over all forces with each
    member once. Columns as :func:`case_measures_sql` (team and quarter NULL).
    """
    return f"""
    WITH m AS (
        SELECT DISTINCT group_id, entity_id FROM group_members WHERE role IS DISTINCT FROM 'victim'
    ), group_forces AS (
        SELECT DISTINCT m.group_id, ep.source AS force
        FROM m JOIN entity_persons ep ON ep.entity_id = m.entity_id
        WHERE ep.source IN (SELECT source FROM raw_sources WHERE kind = {lit(police_kind)})
    ), suspects AS (
        SELECT DISTINCT ep.entity_id
        FROM entity_persons ep
        SEMI JOIN m ON m.entity_id = ep.entity_id
        JOIN raw_links l ON l.source = ep.source AND l.from_type = 'person' AND l.from_id = ep.person_id
            AND l.to_type = 'event' AND l.role IN ('suspect', 'offender')
        JOIN raw_events e ON e.source = l.source AND e.event_id = l.to_id AND e.kind = 'crime'
    ), hits AS (
        SELECT m.entity_id, CAST(s.entity_id IS NULL AS INTEGER) AS hit
        FROM (SELECT DISTINCT entity_id FROM m) m LEFT JOIN suspects s ON s.entity_id = m.entity_id
    ), by_force AS (
        SELECT DISTINCT gf.force, m.entity_id FROM m JOIN group_forces gf ON gf.group_id = m.group_id
    )
    SELECT 'groups' AS population, 'member_never_suspect' AS measure, f.force,
        CAST(NULL AS VARCHAR) AS team, CAST(NULL AS VARCHAR) AS quarter,
        CAST(sum(h.hit) AS BIGINT) AS numerator, count(*) AS denominator,
        CAST(NULL AS DOUBLE) AS med, CAST(NULL AS DOUBLE[]) AS vals
    FROM by_force f JOIN hits h ON h.entity_id = f.entity_id GROUP BY f.force
    UNION ALL
    SELECT 'groups', 'member_never_suspect', {lit(ALL_FORCES)}, NULL, NULL, CAST(sum(hit) AS BIGINT), count(*),
        NULL, NULL
    FROM hits HAVING count(*) > 0"""


def disruption_counts_sql(config: InvestigationsConfig, police_kind: str = "police") -> str:
    """How many disruption orders and actions each force (team, quarter) recorded, by type.

    Every disruption event of a police source counts, whether or not it touches a case: use of
    the powers is itself the measure. Its team is found as a crime's is (the earliest note about
    it carrying a team); its quarter from when it happened. Columns as :func:`case_measures_sql`,
    with ``denominator`` NULL.
    """
    types = {"CAWN": "orders_cawn", "SRO": "orders_sro", "SHPO": "orders_shpo", "licensing": "orders_licensing"}
    cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in types.items())
    return f"""
    WITH d AS (
        SELECT e.source, e.event_id, e.source AS force, COALESCE(e.started_at, e.recorded_at) AS happened_at,
            CASE e.disruption_type {cases} ELSE 'orders_other' END AS measure
        FROM raw_events e
        WHERE e.kind = 'disruption' AND e.source IN (SELECT source FROM raw_sources WHERE kind = {lit(police_kind)})
    ), teams AS (
        SELECT source, event_id, team FROM (
            SELECT n.source, n.about_id AS event_id, trim(n.team) AS team,
                row_number() OVER (PARTITION BY n.source, n.about_id ORDER BY n.written_at NULLS LAST, n.note_id) AS k
            FROM raw_notes n SEMI JOIN d ON d.source = n.source AND d.event_id = n.about_id
            WHERE n.about_type = 'event' AND NULLIF(trim(n.team), '') IS NOT NULL
        ) WHERE k = 1
    ), units AS (
        SELECT d.measure, d.force, COALESCE(t.team, {lit(config.team_not_recorded)}) AS team,
            CASE WHEN d.happened_at IS NULL THEN 'unknown'
                 ELSE CAST(year(d.happened_at) AS VARCHAR) || '-Q' || CAST(quarter(d.happened_at) AS VARCHAR)
            END AS quarter
        FROM d LEFT JOIN teams t ON t.source = d.source AND t.event_id = d.event_id
    ), both_ AS (
        SELECT measure, force, team, quarter FROM units
        UNION ALL
        SELECT 'orders_all', force, team, quarter FROM units
    )
    SELECT 'disruption' AS population, measure,
        CASE WHEN grouping(force) = 1 THEN {lit(ALL_FORCES)} ELSE force END AS force,
        CASE WHEN grouping(team) = 1 THEN NULL ELSE team END AS team,
        CASE WHEN grouping(quarter) = 1 THEN NULL ELSE quarter END AS quarter,
        count(*) AS numerator, CAST(NULL AS BIGINT) AS denominator, CAST(NULL AS DOUBLE) AS med,
        CAST(NULL AS DOUBLE[]) AS vals
    FROM both_
    GROUP BY GROUPING SETS ((measure), (measure, force), (measure, force, team), (measure, force, quarter),
        (measure, force, team, quarter))"""
