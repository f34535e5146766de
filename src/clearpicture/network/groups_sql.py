"""Pure SQL builders for what describes and explains each group (run in the store, DuckDB).

They read the edge tables, ``definition_cases``/``definition_victims`` and a membership table
``net_members(group_id, entity_id)`` the stage writes from the grouping result, and return SQL for:
the entities on the suspect side of qualifying events (``cse_offenders_sql``), each group's events,
victims, places and objects, and ``group_evidence``, the explanation of every membership. They must
not touch a connection and never select a person attribute.
"""

from __future__ import annotations

from .config import BYSTANDER_ROLES, NetworkConfig
from .edges_sql import links_sql

__all__ = [
    "cse_offenders_sql",
    "group_events_sql",
    "group_evidence_sql",
    "group_locations_sql",
    "group_objects_sql",
    "group_victims_sql",
]


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(_q(v) for v in values) + ")"


def _child_victims(event: str, definitions: tuple[str, ...], use_definition_victims: bool) -> str:
    """Victim person records on a meeting event: per definition_victims when present, else the role."""
    if use_definition_victims:
        return f"""
        SELECT p.source, p.event_id, p.person_id, p.entity_id, dc.definition_id
        FROM {event} p
        JOIN definition_cases dc ON dc.source = p.source AND dc.event_id = p.event_id AND dc.meets
            AND dc.definition_id IN {_in(definitions)}
        JOIN definition_victims dv ON dv.definition_id = dc.definition_id AND dv.source = p.source
            AND dv.person_id = p.person_id
        WHERE p.side <> 'suspect' AND p.role NOT IN {_in(BYSTANDER_ROLES)}"""
    return f"""
        SELECT p.source, p.event_id, p.person_id, p.entity_id, dc.definition_id
        FROM {event} p
        JOIN definition_cases dc ON dc.source = p.source AND dc.event_id = p.event_id AND dc.meets
            AND dc.definition_id IN {_in(definitions)}
        WHERE p.side = 'victim'"""


def _linked_child_victims(definitions: tuple[str, ...]) -> str:
    """Children who are victims under ``definitions`` (any agency's record of them) and whom an
    event links to another entity on its suspect side (intelligence naming the child as victim and
    an adult as its subject). Being merely named beside a child (an associate on a report) is not
    enough: it made a burglary crew member a "group" with a child he was never accused of harming
    (small scenario, seed 7). Only group members
    (suspect-side entities) are ever joined to this, so a parent named on a referral is not made
    a suspect by it."""
    pick = "CASE WHEN ev.side_a = 'victim' THEN ev.{a} ELSE ev.{b} END"
    return f"""
        SELECT DISTINCT {pick.format(a="entity_b", b="entity_a")} AS suspect_entity,
            {pick.format(a="source_a", b="source_b")} AS source,
            {pick.format(a="person_id_a", b="person_id_b")} AS person_id,
            {pick.format(a="entity_a", b="entity_b")} AS entity_id, ev.via_id AS event_id, dv.definition_id
        FROM edge_evidence ev
        JOIN (SELECT DISTINCT d.definition_id, ep.entity_id FROM definition_victims d
              JOIN entity_persons ep ON ep.source = d.source AND ep.person_id = d.person_id
              WHERE d.definition_id IN {_in(definitions)}) dv
          ON dv.entity_id = {pick.format(a="entity_a", b="entity_b")}
        WHERE ev.kind = 'victim_suspect' AND (ev.side_a = 'victim' OR ev.side_b = 'victim')"""


def cse_offenders_sql(config: NetworkConfig, use_definition_victims: bool) -> str:
    """Entities linked to a child victim through an event meeting the definition in force: on its
    suspect side, or (with ``definition_victims``) linked by victim evidence to a child victim of it."""
    victims = _child_victims("edge_person_events", (config.definition,), use_definition_victims)
    linked = (f"UNION SELECT suspect_entity FROM ({_linked_child_victims((config.definition,))}) lv"
              if use_definition_victims else "")
    return f"""
    WITH v AS ({victims})
    SELECT DISTINCT o.entity_id
    FROM edge_person_events o
    JOIN v ON v.source = o.source AND v.event_id = o.event_id AND v.entity_id <> o.entity_id
    WHERE o.side = 'suspect'
    {linked}"""


def group_events_sql(config: NetworkConfig) -> str:
    """Events where a member is on the suspect side, or that name two or more members."""
    by = _in(BYSTANDER_ROLES)
    return f"""
    WITH pe AS (
        SELECT m.group_id, p.* FROM edge_person_events p JOIN net_members m ON m.entity_id = p.entity_id
    ), ev AS (
        SELECT group_id, source, event_id FROM pe WHERE side = 'suspect'
        UNION
        SELECT group_id, source, event_id FROM pe WHERE role NOT IN {by}
        GROUP BY group_id, source, event_id HAVING count(DISTINCT entity_id) >= 2
    )
    SELECT ev.group_id, ev.source, ev.event_id, e.kind, COALESCE(e.started_at, e.recorded_at) AS occurred_at,
        e.offence_code, e.grading, e.location_id,
        EXISTS (SELECT 1 FROM definition_cases dc WHERE dc.source = ev.source AND dc.event_id = ev.event_id
                AND dc.meets AND dc.definition_id = {_q(config.definition)}) AS meets_definition,
        (SELECT string_agg(DISTINCT dc.definition_id, ',' ORDER BY dc.definition_id) FROM definition_cases dc
         WHERE dc.source = ev.source AND dc.event_id = ev.event_id AND dc.meets) AS definitions_met,
        (SELECT count(DISTINCT pe.entity_id) FROM pe WHERE pe.group_id = ev.group_id
         AND pe.source = ev.source AND pe.event_id = ev.event_id AND pe.side = 'suspect') AS members_on_suspect_side
    FROM ev JOIN raw_events e ON e.source = ev.source AND e.event_id = ev.event_id"""


def group_victims_sql(config: NetworkConfig, use_definition_victims: bool) -> str:
    """Child victims of the group (never its offenders): on its events meeting a victim definition,
    or victims under one of them linked to a member by victim-and-suspect evidence."""
    victims = _child_victims("edge_person_events", config.victim_definitions, use_definition_victims)
    linked = f"""UNION
    SELECT m.group_id, lv.entity_id, lv.source, lv.person_id, lv.event_id, lv.definition_id
    FROM ({_linked_child_victims(config.victim_definitions)}) lv
    JOIN net_members m ON m.entity_id = lv.suspect_entity""" if use_definition_victims else ""
    return f"""
    WITH v AS ({victims}), found AS (
        SELECT ge.group_id, v.entity_id, v.source, v.person_id, v.event_id, v.definition_id
        FROM group_events ge
        JOIN v ON v.source = ge.source AND v.event_id = ge.event_id
        {linked}
    )
    SELECT DISTINCT f.* FROM found f
    WHERE NOT EXISTS (SELECT 1 FROM net_members m WHERE m.group_id = f.group_id AND m.entity_id = f.entity_id)"""


def group_locations_sql(config: NetworkConfig) -> str:
    """Places of the group's events and of co-presence evidence between members."""
    return """
    SELECT group_id, location_entity AS entity_id, count(*) AS evidence, min(occurred_at) AS first_at, max(occurred_at) AS last_at
    FROM (
        SELECT ge.group_id, el.entity_id AS location_entity, ge.occurred_at
        FROM group_events ge JOIN entity_locations el
          ON el.source = ge.source AND el.location_id = ge.location_id
        UNION ALL
        SELECT ma.group_id, ev.via_id, LEAST(ev.at_a, ev.at_b)
        FROM edge_evidence ev
        JOIN net_members ma ON ma.entity_id = ev.entity_a
        JOIN net_members mb ON mb.entity_id = ev.entity_b AND mb.group_id = ma.group_id
        WHERE ev.via_type = 'location'
    ) u GROUP BY group_id, location_entity"""


def group_objects_sql(config: NetworkConfig) -> str:
    """Vehicles, phones and other objects linked to members, with how many members share each."""
    return f"""
    SELECT m.group_id, eo.entity_id, min(eo.kind) AS kind, min(eo.canonical) AS canonical,
        count(DISTINCT m.entity_id) AS members, count(*) AS records
    FROM ({links_sql("person", "object")}) l
    JOIN entity_persons ep ON ep.source = l.source AND ep.person_id = l.person_id
    JOIN net_members m ON m.entity_id = ep.entity_id
    JOIN entity_objects eo ON eo.source = l.source AND eo.object_id = l.object_id
    WHERE eo.kind IN {_in(config.shared_object_kinds)}
    GROUP BY m.group_id, eo.entity_id"""


def group_evidence_sql(config: NetworkConfig) -> str:
    """Why each member is in the group: association evidence with other members, their own role
    links on the group's events, and for victims the link on a meeting event."""
    assoc = """
        SELECT ma.group_id, ma.entity_id, 'association' AS basis, ev.kind, mb.entity_id AS other_entity_id,
            ev.evidence_id, ev.{s} AS source, ev.{p} AS person_id, ev.{r} AS record,
            ev.via_type, ev.via_source, ev.via_id, ev.{t} AS occurred_at, ev.grading, ev.strength,
            CAST(NULL AS VARCHAR) AS definition_id
        FROM edge_evidence ev
        JOIN net_members ma ON ma.entity_id = ev.entity_{x}
        JOIN net_members mb ON mb.entity_id = ev.entity_{y} AND mb.group_id = ma.group_id
        WHERE ev.kind <> 'victim_suspect' AND ev.side_a <> 'victim' AND ev.side_b <> 'victim'"""
    a_side = assoc.format(s="source_a", p="person_id_a", r="record_a", t="at_a", x="a", y="b")
    b_side = assoc.format(s="source_b", p="person_id_b", r="record_b", t="at_b", x="b", y="a")
    return f"""
    WITH rows AS (
        {a_side}
        UNION ALL
        {b_side}
        UNION ALL
        SELECT ge.group_id, p.entity_id, 'role' AS basis, p.role AS kind, CAST(NULL AS VARCHAR),
            CAST(NULL AS VARCHAR), p.source, p.person_id, 'event:' || p.event_id, 'event', p.source,
            p.event_id, p.occurred_at, p.grading, CAST(NULL AS DOUBLE),
            CASE WHEN ge.meets_definition THEN {_q(config.definition)} END
        FROM group_events ge
        JOIN edge_person_events p ON p.source = ge.source AND p.event_id = ge.event_id
        JOIN net_members m ON m.group_id = ge.group_id AND m.entity_id = p.entity_id
        WHERE p.side = 'suspect'
        UNION ALL
        SELECT gv.group_id, gv.entity_id, 'victim' AS basis, 'victim' AS kind, CAST(NULL AS VARCHAR),
            CAST(NULL AS VARCHAR), gv.source, gv.person_id, 'event:' || gv.event_id, 'event', gv.source,
            gv.event_id, p.occurred_at, p.grading, CAST(NULL AS DOUBLE), gv.definition_id
        FROM group_victims gv
        JOIN edge_person_events p ON p.source = gv.source AND p.event_id = gv.event_id
            AND p.person_id = gv.person_id
    )
    SELECT DISTINCT r.*,
        CASE r.basis
          WHEN 'association' THEN r.kind || ' with ' || r.other_entity_id || ' (' || r.source || ' '
               || r.record || COALESCE(', ' || CAST(CAST(r.occurred_at AS DATE) AS VARCHAR), '')
               || COALESCE(', graded ' || r.grading, '') || ', strength ' || CAST(round(r.strength, 3) AS VARCHAR) || ')'
          WHEN 'role' THEN r.kind || ' on ' || r.source || ' ' || r.record
               || COALESCE(', ' || CAST(CAST(r.occurred_at AS DATE) AS VARCHAR), '')
               || COALESCE(', meets ' || r.definition_id, '')
          ELSE 'victim on ' || r.source || ' ' || r.record || COALESCE(', ' || CAST(CAST(r.occurred_at AS DATE) AS VARCHAR), '')
               || ', meets ' || r.definition_id
        END AS explanation
    FROM rows r"""
