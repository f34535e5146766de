"""SQL builders for the case review list and the closed-case re-examination view.

Each checklist check becomes one query over ``investigation_cases`` and
``investigation_case_steps`` (plus ``group_members`` and ``entity_persons`` for group checks)
returning one row per record behind a shortfall: case_source, case_event_id, check_id, reason,
source, record_type, record_id, role. The reason is a sentence a supervisor can read; the records
are what it rests on (principles.md, item 4). Pure functions; they must not touch a connection.
"""

from __future__ import annotations

from .cases_sql import in_list, lit
from .checklist import (
    ClosedVictimDoesNotSupport,
    GroupMemberNotLinked,
    NoDisruptionDespiteMissing,
    VictimNotReferred,
)
from .config import OUTCOME_LABELS, InvestigationsConfig

__all__ = ["check_sql", "reexamination_sql"]

AnyCheck = VictimNotReferred | GroupMemberNotLinked | ClosedVictimDoesNotSupport | NoDisruptionDespiteMissing


def _populations(check: AnyCheck, alias: str = "c") -> str:
    cols = {"cse": "in_cse", "gbcse": "in_gbcse", "sexual_child": "in_sexual_child"}
    parts = [f"{alias}.{cols[p]}" for p in check.populations]
    return "(" + " OR ".join(parts) + ")" if parts else "false"


def _case_records(hits: str, check_id: str) -> str:
    """Evidence common to every check: the crime and, when known, the victim's record."""
    return f"""
        SELECT h.source, h.event_id, {lit(check_id)}, h.reason, h.source, 'event', h.event_id, 'crime' FROM {hits} h
        UNION ALL
        SELECT h.source, h.event_id, {lit(check_id)}, h.reason, h.source, 'person', c.person_id, 'victim'
        FROM {hits} h JOIN investigation_cases c ON c.source = h.source AND c.event_id = h.event_id
        WHERE c.person_id IS NOT NULL"""


def _victim_not_referred_sql(check: VictimNotReferred) -> str:
    n = check.within_days
    return f"""
    WITH hits AS (
        SELECT c.source, c.event_id, c.referral_source, c.referral_event_id,
            CASE WHEN c.referral_at IS NULL
                 THEN 'the child was not referred to children''s social care: no referral found on or after the offence'
                 ELSE 'the child was referred to children''s social care ' || c.referral_days
                      || ' days after the crime was recorded (window: {n} days)' END AS reason
        FROM investigation_cases c
        WHERE {_populations(check)} AND c.person_id IS NOT NULL
          AND NOT (c.referral_at IS NOT NULL AND c.first_recorded_at IS NOT NULL
                   AND CAST(c.referral_at AS DATE) <= CAST(c.first_recorded_at AS DATE) + {n})
    )
    {_case_records("hits", check.id)}
    UNION ALL
    SELECT h.source, h.event_id, {lit(check.id)}, h.reason, h.referral_source, 'event', h.referral_event_id,
        'late referral'
    FROM hits h WHERE h.referral_event_id IS NOT NULL"""


def _group_member_not_linked_sql(check: GroupMemberNotLinked) -> str:
    if check.scope == "any_crime":
        unlinked = "m.entity_id NOT IN (SELECT entity_id FROM ever_suspect)"
        what = "never linked as a suspect to any crime"
    else:
        unlinked = ("m.entity_id NOT IN (SELECT s.entity_id FROM case_suspects s WHERE s.case_source = c.source "
                    "AND s.case_event_id = c.event_id)")
        what = "not linked as a suspect to this crime"
    return f"""
    WITH members AS (
        SELECT DISTINCT group_id, entity_id FROM group_members WHERE role IS DISTINCT FROM 'victim'
    ), victim_groups AS (
        SELECT DISTINCT group_id, entity_id FROM group_members WHERE role = 'victim'
    ), ever_suspect AS (
        SELECT DISTINCT ep.entity_id FROM entity_persons ep
        SEMI JOIN members m ON m.entity_id = ep.entity_id
        JOIN raw_links l ON l.source = ep.source AND l.from_type = 'person' AND l.from_id = ep.person_id
            AND l.to_type = 'event' AND l.role IN ('suspect', 'offender')
        JOIN raw_events e ON e.source = l.source AND e.event_id = l.to_id AND e.kind = 'crime'
    ), case_suspects AS (
        SELECT s.case_source, s.case_event_id, ep.entity_id FROM investigation_case_steps s
        JOIN entity_persons ep ON ep.source = s.source AND ep.person_id = s.record_id
        WHERE s.step = 'suspect_identified'
    ), pairs AS (
        SELECT DISTINCT c.source, c.event_id, vg.group_id, m.entity_id AS member
        FROM investigation_cases c JOIN victim_groups vg ON vg.entity_id = c.victim_entity_id
        JOIN members m ON m.group_id = vg.group_id
        WHERE {_populations(check)} AND {unlinked}
    ), hits AS (
        SELECT source, event_id,
            'the child is a victim of detected group ' || string_agg(DISTINCT group_id, ', ' ORDER BY group_id)
            || '; ' || count(DISTINCT member) || ' known member(s) {what}' AS reason
        FROM pairs GROUP BY source, event_id
    )
    {_case_records("hits", check.id)}
    UNION ALL
    SELECT h.source, h.event_id, {lit(check.id)}, h.reason, ep.source, 'person', ep.person_id,
        'group member (' || p.group_id || ')'
    FROM hits h JOIN pairs p ON p.source = h.source AND p.event_id = h.event_id
    JOIN entity_persons ep ON ep.entity_id = p.member"""


def _closed_victim_does_not_support_sql(check: ClosedVictimDoesNotSupport) -> str:
    labels = " ".join(f"WHEN {lit(code)} THEN {lit(OUTCOME_LABELS[code])}" for code in check.outcomes
                      if code in OUTCOME_LABELS)
    label = f"CASE c.outcome {labels} ELSE 'outcome ' || c.outcome END" if labels else "'outcome ' || c.outcome"
    return f"""
    WITH hits AS (
        SELECT c.source, c.event_id,
            'closed as outcome ' || c.outcome || ' (' || {label} || ') ' || c.days_to_outcome
            || ' days after the crime was recorded (threshold: {check.within_days} days)' AS reason
        FROM investigation_cases c
        WHERE {_populations(check)} AND c.outcome IN {in_list(check.outcomes)}
          AND c.days_to_outcome IS NOT NULL AND c.days_to_outcome <= {check.within_days}
    )
    {_case_records("hits", check.id)}"""


def _no_disruption_despite_missing_sql(check: NoDisruptionDespiteMissing, window: int) -> str:
    return f"""
    WITH hits AS (
        SELECT c.source, c.event_id,
            c.missing_episodes || ' missing episode(s) of the child within {window} days of the offence and no '
            || 'disruption recorded against a suspect, for the child or at the place' AS reason
        FROM investigation_cases c
        WHERE {_populations(check)} AND c.missing_episodes >= {check.min_missing_episodes} AND c.disruptions = 0
    )
    {_case_records("hits", check.id)}
    UNION ALL
    SELECT h.source, h.event_id, {lit(check.id)}, h.reason, s.source, s.record_type, s.record_id, 'missing episode'
    FROM hits h JOIN investigation_case_steps s ON s.case_source = h.source AND s.case_event_id = h.event_id
        AND s.step = 'missing_episode'"""


def check_sql(check: AnyCheck, config: InvestigationsConfig) -> str:
    """The evidence rows of one check (see the module docstring for the columns)."""
    if isinstance(check, VictimNotReferred):
        body = _victim_not_referred_sql(check)
    elif isinstance(check, GroupMemberNotLinked):
        body = _group_member_not_linked_sql(check)
    elif isinstance(check, ClosedVictimDoesNotSupport):
        body = _closed_victim_does_not_support_sql(check)
    else:
        body = _no_disruption_despite_missing_sql(check, config.missing_window_days)
    return (f"SELECT * FROM ({body}) AS t(case_source, case_event_id, check_id, reason, source, record_type, "
            "record_id, role)")


def reexamination_sql(config: InvestigationsConfig, include_charged: bool = False) -> str:
    """Closed cases whose victim or a suspect now belongs to a detected group, one row per link.

    By default cases closed with a charge are left out: the national operation on closed cases
    is about cases that ended without one. Columns: source, event_id, force, team, outcome,
    outcome_at, outcome_group, via, group_id, member_role, entity_id.
    """
    charged = "" if include_charged else f"AND c.outcome NOT IN {in_list(config.charge_outcomes)}"
    return f"""
    WITH suspects AS (
        SELECT DISTINCT s.case_source, s.case_event_id, ep.entity_id FROM investigation_case_steps s
        JOIN entity_persons ep ON ep.source = s.source AND ep.person_id = s.record_id
        WHERE s.step = 'suspect_identified'
    ), people AS (
        SELECT source, event_id, victim_entity_id AS entity_id, 'victim' AS via FROM investigation_cases
        WHERE closed AND victim_entity_id IS NOT NULL
        UNION
        SELECT case_source, case_event_id, entity_id, 'suspect' FROM suspects
    )
    SELECT DISTINCT c.source, c.event_id, c.force, c.team, c.outcome, c.outcome_at, c.outcome_group, p.via,
        gm.group_id, gm.role AS member_role, p.entity_id
    FROM investigation_cases c
    JOIN people p ON p.source = c.source AND p.event_id = c.event_id
    JOIN group_members gm ON gm.entity_id = p.entity_id
    WHERE c.closed {charged}"""
