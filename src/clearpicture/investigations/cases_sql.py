"""SQL builders for case timelines: which crimes are cases, what happened on each, one row per case.

Pure functions named ``*_sql`` returning DuckDB SQL text; they never touch a connection
(conventions.md, item 3). The stage runs them as named steps; :func:`..timeline.case_timeline`
runs the same SQL for one crime with two parameters (source, event_id).

Inputs are the standard tables (``raw_events``, ``raw_links``, ``raw_notes``, ``raw_persons``,
``raw_sources``) and the contract tables ``entity_persons`` (linkage) and ``definition_cases``
(definitions). How things are found:

* a crime's **team** is the team of the earliest note about the crime (same source) that carries
  one: exchange v1 has no team on events, and notes are where records systems keep the officer's
  unit (never the officer: the author column is not read);
* **suspects** are person links with role ``suspect`` or ``offender``; **arrests** are arrest events
  linked to the crime, or (when an arrest is linked to no event) arrests of a suspect's record
  between the offence and the outcome;
* **disruption** is a disruption event linked to a suspect's or the victim's resolved person
  (any source), or at the crime's location, from ``lookback_days`` before the offence on;
* a **safeguarding referral** is a ``referral`` event of a ``social_care`` source about the
  victim's resolved person (role subject or victim), found across agencies through
  ``entity_persons``;
* **missing episodes** are the victim's ``missing_episode`` events within ``missing_window_days``
  of the offence.

Nothing here reads protected characteristics; date of birth is read only to tell whether a victim
was a child at the time of the offence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .config import InvestigationsConfig

__all__ = ["STEP_ORDER", "case_base_sql", "case_steps_sql", "cases_sql", "in_list", "lit"]

#: Timeline steps in their natural order (ties on the same instant sort by this).
STEP_ORDER: tuple[str, ...] = ("offence", "recorded", "suspect_identified", "arrest", "referral",
                               "missing_episode", "disruption", "outcome")


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def in_list(values: Iterable[str]) -> str:
    """A parenthesised list of literals; ``(NULL)`` when empty so ``x IN (NULL)`` is never true."""
    items = [lit(v) for v in values]
    return "(" + ", ".join(items) + ")" if items else "(NULL)"


def _definition_flag(definition: str, version: str | None) -> str:
    if version is None:
        return "false"
    return f"bool_or(definition_id = {lit(definition)} AND version = {lit(version)})"


def case_base_sql(config: InvestigationsConfig, versions: Mapping[str, str | None],
                  child_codes: Iterable[str], sexual_codes: Iterable[str], one_case: bool = False) -> str:
    """One row per case: the crime, its populations, force, team, quarter and victim.

    ``child_codes`` are offence codes of sexual offences against children; ``sexual_codes`` all
    sexual offence codes (a sexual offence with a victim under 18 at the time also counts).
    With ``one_case`` the population filter is dropped and two parameters select one crime.
    """
    cse, grp = config.cse_definition, config.group_definition
    one = "AND e.source = ? AND e.event_id = ?" if one_case else ""
    where = "" if one_case else "WHERE in_cse OR in_gbcse OR in_sexual_child"
    return f"""
    WITH crimes AS (
        SELECT e.source, e.event_id, e.offence_code, e.started_at, e.recorded_at,
            COALESCE(e.recorded_at, e.started_at) AS first_recorded_at,
            NULLIF(trim(e.outcome), '') AS outcome, e.outcome_at, e.location_id
        FROM raw_events e WHERE e.kind = 'crime' {one}
    ), defs AS (
        SELECT source, event_id, {_definition_flag(cse, versions.get(cse))} AS in_cse,
            {_definition_flag(grp, versions.get(grp))} AS in_gbcse
        FROM definition_cases WHERE meets GROUP BY source, event_id
    ), victims AS (
        SELECT c.source, c.event_id, l.from_id AS person_id,
            (p.date_of_birth IS NOT NULL AND c.started_at IS NOT NULL
             AND p.date_of_birth > CAST(c.started_at AS DATE) - INTERVAL 18 YEAR) AS child
        FROM crimes c
        JOIN raw_links l ON l.source = c.source AND l.to_type = 'event' AND l.to_id = c.event_id
            AND l.from_type = 'person' AND l.role = 'victim'
        LEFT JOIN raw_persons p ON p.source = l.source AND p.person_id = l.from_id
    ), victim AS (
        SELECT source, event_id, min(person_id) AS person_id, bool_or(child) AS child_victim
        FROM victims GROUP BY source, event_id
    ), teams AS (
        SELECT source, event_id, team FROM (
            SELECT n.source, n.about_id AS event_id, trim(n.team) AS team,
                row_number() OVER (PARTITION BY n.source, n.about_id
                                   ORDER BY n.written_at NULLS LAST, n.note_id) AS k
            FROM raw_notes n JOIN crimes c ON c.source = n.source AND c.event_id = n.about_id
            WHERE n.about_type = 'event' AND NULLIF(trim(n.team), '') IS NOT NULL
        ) WHERE k = 1
    ), flagged AS (
        SELECT c.*, v.person_id, ep.entity_id AS victim_entity_id, t.team AS recorded_team,
            COALESCE(d.in_cse, false) AS in_cse, COALESCE(d.in_gbcse, false) AS in_gbcse,
            (c.offence_code IN {in_list(child_codes)}
             OR (c.offence_code IN {in_list(sexual_codes)} AND COALESCE(v.child_victim, false))) AS in_sexual_child
        FROM crimes c
        LEFT JOIN defs d ON d.source = c.source AND d.event_id = c.event_id
        LEFT JOIN victim v ON v.source = c.source AND v.event_id = c.event_id
        LEFT JOIN entity_persons ep ON ep.source = v.source AND ep.person_id = v.person_id
        LEFT JOIN teams t ON t.source = c.source AND t.event_id = c.event_id
    )
    SELECT source, event_id, person_id, victim_entity_id, source AS force,
        COALESCE(recorded_team, {lit(config.team_not_recorded)}) AS team,
        CASE WHEN first_recorded_at IS NULL THEN NULL
             ELSE CAST(year(first_recorded_at) AS VARCHAR) || '-Q' || CAST(quarter(first_recorded_at) AS VARCHAR)
        END AS quarter,
        offence_code, in_cse, in_gbcse, in_sexual_child, started_at, recorded_at, first_recorded_at,
        outcome, outcome_at, location_id
    FROM flagged {where}"""


def case_steps_sql(config: InvestigationsConfig, base: str = "investigation_case_base") -> str:
    """Every dated step of every case in ``base`` (a table name or a parenthesised query).

    Columns: case_source, case_event_id, step, step_order, step_at, source, record_type, record_id,
    role, detail. ``source``/``record_type``/``record_id`` name the record behind the step.
    """
    lookback, window = config.lookback_days, config.missing_window_days
    order = "CASE step " + " ".join(f"WHEN {lit(s)} THEN {i}" for i, s in enumerate(STEP_ORDER)) + " END"
    return f"""
    WITH b AS (SELECT * FROM {base}),
    sus AS (
        SELECT b.source AS case_source, b.event_id AS case_event_id, l.from_id AS person_id, l.role,
            l.started_at AS linked_at, ep.entity_id
        FROM b JOIN raw_links l ON l.source = b.source AND l.to_type = 'event' AND l.to_id = b.event_id
            AND l.from_type = 'person' AND l.role IN ('suspect', 'offender')
        LEFT JOIN entity_persons ep ON ep.source = l.source AND ep.person_id = l.from_id
    ), ev_links AS (
        SELECT b.source AS case_source, b.event_id AS case_event_id, l.to_id AS other_id
        FROM b JOIN raw_links l ON l.source = b.source AND l.from_type = 'event' AND l.from_id = b.event_id
            AND l.to_type = 'event'
        UNION
        SELECT b.source, b.event_id, l.from_id
        FROM b JOIN raw_links l ON l.source = b.source AND l.to_type = 'event' AND l.to_id = b.event_id
            AND l.from_type = 'event'
    ), arrests_linked AS (
        SELECT x.case_source, x.case_event_id, a.source, a.event_id, a.started_at
        FROM ev_links x JOIN raw_events a ON a.source = x.case_source AND a.event_id = x.other_id
            AND a.kind = 'arrest'
    ), event_linked AS (
        SELECT source, from_id AS event_id FROM raw_links WHERE from_type = 'event' AND to_type = 'event'
        UNION
        SELECT source, to_id FROM raw_links WHERE from_type = 'event' AND to_type = 'event'
    ), arrests_loose AS (
        SELECT s.case_source, s.case_event_id, a.source, a.event_id, a.started_at
        FROM sus s JOIN b ON b.source = s.case_source AND b.event_id = s.case_event_id
        JOIN raw_links l ON l.source = s.case_source AND l.from_type = 'person' AND l.from_id = s.person_id
            AND l.to_type = 'event'
        JOIN raw_events a ON a.source = l.source AND a.event_id = l.to_id AND a.kind = 'arrest'
        ANTI JOIN event_linked z ON z.source = a.source AND z.event_id = a.event_id
        WHERE a.started_at >= b.started_at
          AND a.started_at <= COALESCE(b.outcome_at, b.started_at + INTERVAL 365 DAY)
    ), case_entities AS (
        SELECT case_source, case_event_id, entity_id, 'suspect' AS side FROM sus WHERE entity_id IS NOT NULL
        UNION
        SELECT source, event_id, victim_entity_id, 'victim' FROM b WHERE victim_entity_id IS NOT NULL
    ), entity_events AS (
        SELECT ep.entity_id, l.source, l.to_id AS event_id, l.role, e.kind, e.disruption_type,
            COALESCE(e.started_at, e.recorded_at) AS step_at
        FROM entity_persons ep
        SEMI JOIN case_entities ce ON ce.entity_id = ep.entity_id
        JOIN raw_links l ON l.source = ep.source AND l.from_type = 'person' AND l.from_id = ep.person_id
            AND l.to_type = 'event'
        JOIN raw_events e ON e.source = l.source AND e.event_id = l.to_id
            AND e.kind IN ('disruption', 'referral', 'missing_episode')
    ), disruption_links AS (
        SELECT ce.case_source, ce.case_event_id, x.source, x.event_id, x.step_at, ce.side, x.disruption_type
        FROM case_entities ce JOIN entity_events x ON x.entity_id = ce.entity_id AND x.kind = 'disruption'
        JOIN b ON b.source = ce.case_source AND b.event_id = ce.case_event_id
        WHERE b.started_at IS NULL OR x.step_at IS NULL OR x.step_at >= b.started_at - INTERVAL {lookback} DAY
        UNION ALL
        SELECT b.source, b.event_id, e.source, e.event_id, COALESCE(e.started_at, e.recorded_at), 'location',
            e.disruption_type
        FROM b JOIN raw_events e ON e.source = b.source AND e.location_id = b.location_id
            AND e.kind = 'disruption'
        WHERE b.location_id IS NOT NULL AND (b.started_at IS NULL
            OR COALESCE(e.started_at, e.recorded_at) >= b.started_at - INTERVAL {lookback} DAY)
    ), disruptions AS (
        -- one step per disruption event, naming every way it touches the case (suspect, victim, location)
        SELECT case_source, case_event_id, source, event_id, any_value(step_at) AS step_at,
            string_agg(DISTINCT side, ',' ORDER BY side) AS side, any_value(disruption_type) AS kind
        FROM disruption_links GROUP BY case_source, case_event_id, source, event_id
    ), referrals AS (
        SELECT DISTINCT b.source AS case_source, b.event_id AS case_event_id, x.source, x.event_id, x.step_at
        FROM b JOIN entity_events x ON x.entity_id = b.victim_entity_id AND x.kind = 'referral'
            AND x.role IN ('subject', 'victim')
        WHERE x.source IN (SELECT source FROM raw_sources WHERE kind = 'social_care')
          AND (b.started_at IS NULL OR x.step_at >= CAST(b.started_at AS DATE) - INTERVAL {lookback} DAY)
    ), missing AS (
        SELECT DISTINCT b.source AS case_source, b.event_id AS case_event_id, x.source, x.event_id, x.step_at
        FROM b JOIN entity_events x ON x.entity_id = b.victim_entity_id AND x.kind = 'missing_episode'
        WHERE b.started_at IS NOT NULL AND x.step_at IS NOT NULL
          AND abs(date_diff('day', CAST(x.step_at AS DATE), CAST(b.started_at AS DATE))) <= {window}
    ), steps AS (
        SELECT source AS case_source, event_id AS case_event_id, 'offence' AS step, started_at AS step_at, source,
            'event' AS record_type, event_id AS record_id, NULL AS role, offence_code AS detail FROM b
        UNION ALL
        SELECT source, event_id, 'recorded', recorded_at, source, 'event', event_id, NULL, NULL
        FROM b WHERE recorded_at IS NOT NULL
        UNION ALL
        SELECT case_source, case_event_id, 'suspect_identified', linked_at, case_source, 'person', person_id,
            role, NULL FROM sus
        UNION ALL
        SELECT case_source, case_event_id, 'arrest', started_at, source, 'event', event_id, NULL, 'linked to the crime'
        FROM arrests_linked
        UNION ALL
        SELECT case_source, case_event_id, 'arrest', started_at, source, 'event', event_id, NULL,
            'arrest of a suspect' FROM arrests_loose
        UNION ALL
        SELECT case_source, case_event_id, 'disruption', step_at, source, 'event', event_id, side, kind FROM disruptions
        UNION ALL
        SELECT case_source, case_event_id, 'referral', step_at, source, 'event', event_id, 'victim', NULL FROM referrals
        UNION ALL
        SELECT case_source, case_event_id, 'missing_episode', step_at, source, 'event', event_id, 'victim', NULL
        FROM missing
        UNION ALL
        SELECT source, event_id, 'outcome', outcome_at, source, 'event', event_id, NULL, outcome
        FROM b WHERE outcome IS NOT NULL
    )
    SELECT DISTINCT case_source, case_event_id, step, {order} AS step_order, step_at, source, record_type, record_id,
        role, detail
    FROM steps"""


def cases_sql(config: InvestigationsConfig, base: str = "investigation_case_base",
              steps: str = "investigation_case_steps") -> str:
    """``investigation_cases``: one row per case with its timeline summarised into columns."""
    return f"""
    WITH s AS (
        SELECT st.*, b.started_at AS case_started_at FROM {steps} st
        JOIN {base} b ON b.source = st.case_source AND b.event_id = st.case_event_id
    ), agg AS (
        SELECT case_source, case_event_id,
            count(DISTINCT record_id) FILTER (WHERE step = 'suspect_identified') AS suspects,
            min(step_at) FILTER (WHERE step = 'suspect_identified') AS first_suspect_at,
            count(DISTINCT source || '/' || record_id) FILTER (WHERE step = 'arrest') AS arrests,
            min(step_at) FILTER (WHERE step = 'arrest') AS first_arrest_at,
            count(DISTINCT source || '/' || record_id) FILTER (WHERE step = 'disruption') AS disruptions,
            min(step_at) FILTER (WHERE step = 'disruption') AS first_disruption_at,
            string_agg(DISTINCT detail, '|' ORDER BY detail) FILTER (WHERE step = 'disruption') AS disruption_types,
            count(DISTINCT source || '/' || record_id) FILTER (WHERE step = 'missing_episode') AS missing_episodes,
            min(step_at) FILTER (WHERE step = 'referral' AND CAST(step_at AS DATE) >= CAST(case_started_at AS DATE))
                AS referral_at,
            arg_min(source, step_at) FILTER (WHERE step = 'referral' AND CAST(step_at AS DATE) >= CAST(case_started_at AS DATE))
                AS referral_source,
            arg_min(record_id, step_at) FILTER (WHERE step = 'referral'
                AND CAST(step_at AS DATE) >= CAST(case_started_at AS DATE)) AS referral_event_id
        FROM s GROUP BY case_source, case_event_id
    )
    SELECT b.source, b.event_id, b.person_id, b.victim_entity_id, b.force, b.team, b.quarter, b.offence_code,
        b.in_cse, b.in_gbcse, b.in_sexual_child, b.started_at, b.recorded_at, b.first_recorded_at,
        COALESCE(a.suspects, 0) AS suspects, a.first_suspect_at,
        COALESCE(a.arrests, 0) AS arrests, a.first_arrest_at,
        COALESCE(a.disruptions, 0) AS disruptions, a.first_disruption_at, a.disruption_types,
        a.referral_at, a.referral_source, a.referral_event_id,
        date_diff('day', CAST(b.first_recorded_at AS DATE), CAST(a.referral_at AS DATE)) AS referral_days,
        (a.referral_at IS NOT NULL AND b.first_recorded_at IS NOT NULL
         AND CAST(a.referral_at AS DATE) <= CAST(b.first_recorded_at AS DATE) + {config.referral_days})
            AS referred_in_time,
        COALESCE(a.missing_episodes, 0) AS missing_episodes,
        b.outcome, b.outcome_at, b.outcome IS NOT NULL AS closed,
        CASE WHEN b.outcome IS NULL THEN 'open'
             WHEN b.outcome IN {in_list(config.charge_outcomes)} THEN 'charge'
             WHEN b.outcome IN {in_list(config.evidential_outcomes)} THEN 'evidential_difficulty'
             WHEN b.outcome IN {in_list(config.no_suspect_outcomes)} THEN 'no_suspect'
             ELSE 'other' END AS outcome_group,
        CASE WHEN b.outcome_at IS NOT NULL AND b.first_recorded_at IS NOT NULL
              AND b.outcome_at >= CAST(CAST(b.first_recorded_at AS DATE) AS TIMESTAMP)
             THEN date_diff('day', CAST(b.first_recorded_at AS DATE), CAST(b.outcome_at AS DATE)) END
            AS days_to_outcome,
        b.location_id
    FROM {base} b LEFT JOIN agg a ON a.case_source = b.source AND a.case_event_id = b.event_id"""
