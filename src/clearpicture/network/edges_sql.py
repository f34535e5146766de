"""Pure SQL builders for evidence edges between resolved entities, for DuckDB and Spark alike.

Each builder takes values (config, dialect) and returns a SQL string; none touches a connection.
:func:`edge_steps` lists the named steps in order; an executor materialises each step as a table
named after it, so a later step reads an earlier one by name. Inputs: ``raw_links``, ``raw_events``,
``entity_persons``, ``entity_objects``, ``entity_locations``. Outputs: ``edge_evidence`` (one row per
supporting record pair), ``edge_entities`` (entity pairs with summed strength), ``edge_hubs`` (places
and objects with how many distinct people they connect) and ``edge_entity_roles`` (how each entity
appears: on the suspect side, as a victim).

Dialect differences live in the three small helpers below. This module must not read person
attributes: no names, dates of birth, sex, ethnicity or nationality ever enter an edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .config import BYSTANDER_ROLES, NetworkConfig

__all__ = [
    "DIALECTS",
    "EDGE_OUTPUTS",
    "OFFENDER_EVIDENCE",
    "edge_entities_sql",
    "edge_evidence_sql",
    "edge_hubs_sql",
    "edge_steps",
    "entity_roles_sql",
    "links_sql",
    "event_pairs_sql",
    "object_pairs_sql",
    "person_event_sql",
    "person_pairs_sql",
    "presence_pairs_sql",
    "side_sql",
]

DIALECTS = ("duckdb", "spark")
#: Evidence that two people are associated, not that one harmed the other: neither is on the victim
#: side and it is not victim-and-suspect evidence (``offender_strength``, attachment to groups).
OFFENDER_EVIDENCE = "side_a <> 'victim' AND side_b <> 'victim' AND kind <> 'victim_suspect'"
#: Tables the steps leave behind for the stage to keep (the rest are intermediate).
EDGE_OUTPUTS = (
    "edge_person_events", "edge_evidence", "edge_entities", "edge_hubs", "edge_entity_roles",
)


def _check(dialect: str) -> None:
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r} (one of {', '.join(DIALECTS)})")


def _str(expr: str, dialect: str) -> str:
    return f"CAST({expr} AS {'STRING' if dialect == 'spark' else 'VARCHAR'})"


def _null_str(dialect: str) -> str:
    return f"CAST(NULL AS {'STRING' if dialect == 'spark' else 'VARCHAR'})"


def _days_apart(a: str, b: str, dialect: str) -> str:
    if dialect == "spark":
        return f"abs(unix_timestamp({a}) - unix_timestamp({b})) / 86400.0"
    return f"abs(epoch({a}) - epoch({b})) / 86400.0"


def _distinct_list(expr: str, dialect: str) -> str:
    if dialect == "spark":
        return f"concat_ws(',', array_sort(collect_set({expr})))"
    return f"string_agg(DISTINCT {expr}, ',' ORDER BY {expr})"


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def links_sql(a: str, b: str) -> str:
    """Links between record types a and b, in either direction, as (source, a_id, b_id, role, at)."""
    return f"""
        SELECT source, from_id AS {a}_id, to_id AS {b}_id, role, started_at AS occurred_at
        FROM raw_links WHERE from_type = '{a}' AND to_type = '{b}'
        UNION ALL
        SELECT source, to_id AS {a}_id, from_id AS {b}_id, role, started_at AS occurred_at
        FROM raw_links WHERE from_type = '{b}' AND to_type = '{a}'"""


def side_sql(config: NetworkConfig, role: str = "role", kind: str = "event_kind") -> str:
    """'suspect', 'victim' or 'other': the side of an event a person→event link puts the person on."""
    def cond(sides: Mapping[str, tuple[str, ...]]) -> str:
        parts = []
        for event_kind, roles in sorted(sides.items()):
            test = f"{role} IN {_in(roles)}"
            parts.append(test if event_kind == "*" else f"({kind} = '{event_kind}' AND {test})")
        return " OR ".join(parts) or "FALSE"
    return (f"CASE WHEN {cond(config.suspect_side)} THEN 'suspect' "
            f"WHEN {cond(config.victim_side)} THEN 'victim' ELSE 'other' END")


def _hub_factor(people: str, config: NetworkConfig) -> str:
    return f"LEAST(1.0, {config.hub_scale} / ({people} - 1))"


def person_event_sql(config: NetworkConfig, dialect: str = "duckdb") -> str:
    """Every person entity on every event, with the role of that link, when and where it happened."""
    _check(dialect)
    return f"""
    SELECT DISTINCT l.source, l.person_id, ep.entity_id, l.event_id, l.role,
        {side_sql(config, "l.role", "e.kind")} AS side, e.kind AS event_kind, COALESCE(e.started_at, e.recorded_at, l.occurred_at) AS occurred_at, e.grading,
        el.entity_id AS location_entity
    FROM ({links_sql("person", "event")}) l
    JOIN entity_persons ep ON ep.source = l.source AND ep.person_id = l.person_id
    JOIN raw_events e ON e.source = l.source AND e.event_id = l.event_id
    LEFT JOIN entity_locations el ON el.source = e.source AND el.location_id = e.location_id
    WHERE l.role IS NOT NULL"""


def _grading_factor(grading: str, config: NetworkConfig) -> str:
    """3x5x2 grading (source 1-3, information A-E, in either order) as a factor in (0, 1]."""
    src = f"regexp_extract(upper({grading}), '([1-3])', 1)"
    info = f"regexp_extract(upper({grading}), '([A-E])', 1)"
    return f"""(CASE WHEN {grading} IS NULL OR ({src} = '' AND {info} = '') THEN {config.ungraded_factor}
        ELSE (CASE {src} WHEN '1' THEN 1.0 WHEN '2' THEN 0.7 WHEN '3' THEN 0.4 ELSE 0.7 END)
           * (CASE {info} WHEN 'A' THEN 1.0 WHEN 'B' THEN 0.9 WHEN 'C' THEN 0.7 WHEN 'D' THEN 0.5
                          WHEN 'E' THEN 0.2 ELSE 0.7 END) END)"""


def event_pairs_sql(config: NetworkConfig, dialect: str = "duckdb") -> str:
    """Two entities on one event: co-offending, victim and suspect, intelligence naming both, other."""
    _check(dialect)
    by = _in(BYSTANDER_ROLES)
    kind = """CASE WHEN a.side = 'victim' OR b.side = 'victim' THEN
            (CASE WHEN a.side = 'suspect' OR b.side = 'suspect' THEN 'victim_suspect' ELSE 'co_involved' END)
        WHEN a.event_kind = 'intelligence' AND a.side = 'suspect' AND b.side = 'suspect' THEN 'intelligence'
        WHEN a.side = 'suspect' AND b.side = 'suspect' THEN 'co_offending'
        ELSE 'co_involved' END"""
    return f"""
    SELECT {kind} AS kind, a.entity_id AS entity_a, b.entity_id AS entity_b, a.role AS role_a,
        b.role AS role_b, a.side AS side_a, b.side AS side_b, a.source AS source_a, a.person_id AS person_id_a,
        {_str("'event:' || a.event_id", dialect)} AS record_a, b.source AS source_b,
        b.person_id AS person_id_b, {_str("'event:' || b.event_id", dialect)} AS record_b,
        'event' AS via_type, a.source AS via_source, a.event_id AS via_id,
        concat_ws('|', 'event', a.source, a.event_id) AS fact_key, a.occurred_at AS at_a, b.occurred_at AS at_b,
        a.grading AS grading, CAST(NULL AS BIGINT) AS hub_people,
        CASE WHEN a.event_kind = 'intelligence' THEN {_grading_factor("a.grading", config)} ELSE 1.0 END
            AS factor
    FROM edge_person_events a
    JOIN edge_person_events b
      ON a.source = b.source AND a.event_id = b.event_id AND a.entity_id < b.entity_id
    WHERE a.role NOT IN {by} AND b.role NOT IN {by}
      AND NOT (a.side = 'victim' AND b.side = 'victim')"""


def object_pairs_sql(config: NetworkConfig, dialect: str = "duckdb") -> str:
    """Two entities linked to one resolved object (vehicle, phone, ...), weighted down at hubs."""
    _check(dialect)
    return f"""
    WITH po AS (
        SELECT DISTINCT l.source, l.person_id, ep.entity_id, l.object_id, l.role, l.occurred_at,
            eo.entity_id AS object_entity, eo.kind AS object_kind
        FROM ({links_sql("person", "object")}) l
        JOIN entity_persons ep ON ep.source = l.source AND ep.person_id = l.person_id
        JOIN entity_objects eo ON eo.source = l.source AND eo.object_id = l.object_id
        WHERE eo.kind IN {_in(config.shared_object_kinds)}
    ), hubs AS (
        SELECT object_entity, count(DISTINCT entity_id) AS people FROM po GROUP BY object_entity
    )
    SELECT 'shared_object' AS kind, a.entity_id AS entity_a, b.entity_id AS entity_b,
        a.role AS role_a, b.role AS role_b, 'other' AS side_a, 'other' AS side_b, a.source AS source_a,
        a.person_id AS person_id_a, {_str("'object:' || a.object_id", dialect)} AS record_a, b.source AS source_b,
        b.person_id AS person_id_b, {_str("'object:' || b.object_id", dialect)} AS record_b,
        a.object_kind AS via_type, {_null_str(dialect)} AS via_source,
        a.object_entity AS via_id, concat_ws('|', 'object', a.object_entity) AS fact_key,
        a.occurred_at AS at_a, b.occurred_at AS at_b, {_null_str(dialect)} AS grading,
        h.people AS hub_people, {_hub_factor("h.people", config)} AS factor
    FROM po a
    JOIN po b ON a.object_entity = b.object_entity AND a.entity_id < b.entity_id
    JOIN hubs h ON h.object_entity = a.object_entity
    WHERE h.people <= {int(config.max_hub_people)}"""


def _presence_sql(dialect: str) -> str:
    """Where each person entity was and when: event locations and person→location links."""
    return f"""
        SELECT source, person_id, entity_id, location_entity, occurred_at, role, side,
            {_str("'event:' || event_id", dialect)} AS record, event_id
        FROM edge_person_events
        WHERE location_entity IS NOT NULL AND role NOT IN {_in(BYSTANDER_ROLES)}
        UNION ALL
        SELECT DISTINCT l.source, l.person_id, ep.entity_id, el.entity_id AS location_entity, l.occurred_at,
            l.role, 'other' AS side, {_str("'location:' || l.location_id", dialect)} AS record,
            {_null_str(dialect)} AS event_id
        FROM ({links_sql("person", "location")}) l
        JOIN entity_persons ep ON ep.source = l.source AND ep.person_id = l.person_id
        JOIN entity_locations el ON el.source = l.source AND el.location_id = l.location_id"""


def presence_pairs_sql(config: NetworkConfig, dialect: str = "duckdb") -> str:
    """Two entities at one resolved place: both resident (``co_residence``); one at the other's
    home, on an event there or visiting (``at_residence``, one fact per record of the visit); both
    there within the window (``co_presence``, one fact per place and day); or both recorded there
    with at least one visit undated (``co_visit``, one fact per place). Undated visits used to be
    dropped, though a private flat two suspects both visit is association evidence whenever it was;
    the hub factor keeps a hotel or takeaway from counting."""
    _check(dialect)
    resident_both = "a.role = 'resident' AND b.role = 'resident'"
    resident_one = "(a.role = 'resident' OR b.role = 'resident')"
    dated_both = "a.occurred_at IS NOT NULL AND b.occurred_at IS NOT NULL"
    within = f"{_days_apart('a.occurred_at', 'b.occurred_at', dialect)} <= {float(config.presence_window_days)}"
    day = _str("CAST(LEAST(a.occurred_at, b.occurred_at) AS DATE)", dialect)
    visit = ("CASE WHEN a.role = 'resident' THEN concat_ws('|', b.source, b.record) "
             "ELSE concat_ws('|', a.source, a.record) END")
    return f"""
    WITH pr AS ({_presence_sql(dialect)}),
    hubs AS (SELECT location_entity, count(DISTINCT entity_id) AS people FROM pr GROUP BY location_entity)
    SELECT CASE WHEN {resident_both} THEN 'co_residence' WHEN {resident_one} THEN 'at_residence'
                WHEN {dated_both} THEN 'co_presence' ELSE 'co_visit' END AS kind,
        a.entity_id AS entity_a, b.entity_id AS entity_b, a.role AS role_a,
        b.role AS role_b, a.side AS side_a, b.side AS side_b, a.source AS source_a, a.person_id AS person_id_a,
        a.record AS record_a,
        b.source AS source_b, b.person_id AS person_id_b, b.record AS record_b,
        'location' AS via_type, {_null_str(dialect)} AS via_source,
        a.location_entity AS via_id,
        CASE WHEN {resident_both} THEN concat_ws('|', 'residence', a.location_entity)
             WHEN {resident_one} THEN concat_ws('|', 'at_residence', a.location_entity, {visit})
             WHEN {dated_both} THEN concat_ws('|', 'presence', a.location_entity, {day})
             ELSE concat_ws('|', 'visit', a.location_entity) END AS fact_key,
        a.occurred_at AS at_a, b.occurred_at AS at_b, {_null_str(dialect)} AS grading,
        h.people AS hub_people, {_hub_factor("h.people", config)} AS factor
    FROM pr a
    JOIN pr b ON a.location_entity = b.location_entity AND a.entity_id < b.entity_id
    JOIN hubs h ON h.location_entity = a.location_entity
    WHERE h.people <= {int(config.max_hub_people)}
      AND NOT (a.event_id IS NOT NULL AND b.event_id IS NOT NULL AND a.source = b.source
               AND a.event_id = b.event_id)
      AND ({resident_one} OR NOT ({dated_both}) OR {within})"""


def person_pairs_sql(config: NetworkConfig, dialect: str = "duckdb") -> str:
    """A recorded person-to-person association (associate, partner, family)."""
    _check(dialect)
    return f"""
    SELECT l.role AS kind, LEAST(ea.entity_id, eb.entity_id) AS entity_a,
        GREATEST(ea.entity_id, eb.entity_id) AS entity_b, l.role AS role_a, l.role AS role_b,
        'other' AS side_a, 'other' AS side_b,
        l.source AS source_a,
        CASE WHEN ea.entity_id < eb.entity_id THEN l.person_id ELSE l.other_id END AS person_id_a,
        {_str("'person:' || l.other_id", dialect)} AS record_a, l.source AS source_b,
        CASE WHEN ea.entity_id < eb.entity_id THEN l.other_id ELSE l.person_id END AS person_id_b,
        {_str("'person:' || l.person_id", dialect)} AS record_b, 'link' AS via_type,
        l.source AS via_source, concat_ws('>', l.person_id, l.other_id) AS via_id,
        concat_ws('|', 'link', l.source, LEAST(l.person_id, l.other_id), GREATEST(l.person_id, l.other_id),
                  l.role) AS fact_key,
        l.occurred_at AS at_a, l.occurred_at AS at_b, {_null_str(dialect)} AS grading,
        CAST(NULL AS BIGINT) AS hub_people, 1.0 AS factor
    FROM (SELECT source, from_id AS person_id, to_id AS other_id, role, started_at AS occurred_at FROM raw_links
          WHERE from_type = 'person' AND to_type = 'person' AND role IN ('associate', 'partner', 'family')) l
    JOIN entity_persons ea ON ea.source = l.source AND ea.person_id = l.person_id
    JOIN entity_persons eb ON eb.source = l.source AND eb.person_id = l.other_id
    WHERE ea.entity_id <> eb.entity_id"""


def edge_evidence_sql(config: NetworkConfig, dialect: str = "duckdb") -> str:
    """All supporting record pairs with their strength = base weight x grading or hub factor."""
    _check(dialect)
    weight = "CASE kind " + " ".join(
        f"WHEN '{k}' THEN {float(w)}" for k, w in sorted(config.weights.items())
    ) + " ELSE 0.0 END"
    parts = " UNION ALL ".join(
        f"SELECT * FROM {t}"
        for t in ("net_event_pairs", "net_object_pairs", "net_presence_pairs", "net_person_pairs")
    )
    evidence_id = (
        "md5(concat_ws('|', kind, fact_key, source_a, person_id_a, record_a, source_b, person_id_b, record_b, "
        + _str("at_a", dialect) + ", " + _str("at_b", dialect) + "))"
    )
    return f"""
    SELECT DISTINCT {evidence_id} AS evidence_id, kind, entity_a, entity_b, role_a, role_b, side_a, side_b,
        source_a, person_id_a, record_a, source_b, person_id_b, record_b, via_type, via_source, via_id,
        fact_key, at_a, at_b, grading, hub_people, CAST({weight} AS DOUBLE) AS base_weight,
        CAST(factor AS DOUBLE) AS factor, CAST(({weight}) * factor AS DOUBLE) AS strength
    FROM ({parts}) u"""


def edge_entities_sql(config: NetworkConfig, dialect: str = "duckdb") -> str:
    """Entity pairs with summed strength: one supporting fact counts once however many records repeat it.

    ``offender_strength`` sums only evidence where neither side is recorded as a victim, so a
    victim's contact with two offenders never makes them look associated with each other.
    """
    _check(dialect)
    return f"""
    WITH facts AS (
        SELECT entity_a, entity_b, kind, fact_key, max(strength) AS strength,
            max(CASE WHEN {OFFENDER_EVIDENCE} THEN strength ELSE 0.0 END) AS offender_strength,
            count(*) AS records, min(LEAST(at_a, at_b)) AS first_at, max(GREATEST(at_a, at_b)) AS last_at
        FROM edge_evidence GROUP BY entity_a, entity_b, kind, fact_key
    )
    SELECT entity_a, entity_b, sum(strength) AS strength, sum(offender_strength) AS offender_strength,
        sum(records) AS evidence_count, count(*) AS facts, {_distinct_list("kind", dialect)} AS kinds,
        min(first_at) AS first_at, max(last_at) AS last_at
    FROM facts GROUP BY entity_a, entity_b"""


def edge_hubs_sql(config: NetworkConfig, dialect: str = "duckdb") -> str:
    """Places and objects with the number of distinct people they connect, and whether they are hubs."""
    _check(dialect)
    return f"""
    WITH po AS (
        SELECT eo.entity_id AS hub_entity, eo.kind AS hub_kind, ep.entity_id
        FROM ({links_sql("person", "object")}) l
        JOIN entity_persons ep ON ep.source = l.source AND ep.person_id = l.person_id
        JOIN entity_objects eo ON eo.source = l.source AND eo.object_id = l.object_id
    ), pl AS (
        SELECT location_entity AS hub_entity, 'location' AS hub_kind, entity_id
        FROM ({_presence_sql(dialect)}) p
    )
    SELECT hub_entity, hub_kind, count(DISTINCT entity_id) AS people,
        count(DISTINCT entity_id) > {int(config.max_hub_people)} AS excluded,
        CAST(CASE WHEN count(DISTINCT entity_id) > 1
             THEN {_hub_factor("count(DISTINCT entity_id)", config)} ELSE 1.0 END AS DOUBLE) AS hub_factor
    FROM (SELECT * FROM po UNION ALL SELECT * FROM pl) u
    GROUP BY hub_entity, hub_kind"""


def entity_roles_sql(config: NetworkConfig, dialect: str = "duckdb") -> str:
    """How each entity appears on events: suspect-side and victim-side links, counted separately."""
    _check(dialect)
    return """
    SELECT entity_id,
        count(DISTINCT CASE WHEN side = 'suspect' THEN concat_ws('|', source, event_id) END) AS offending_events,
        count(DISTINCT CASE WHEN side = 'victim' THEN concat_ws('|', source, event_id) END) AS victim_events,
        count(DISTINCT concat_ws('|', source, person_id)) AS records
    FROM edge_person_events GROUP BY entity_id"""


def edge_steps(config: NetworkConfig, dialect: str = "duckdb") -> list[tuple[str, str]]:
    """The named steps, in order; each becomes a table named after it."""
    _check(dialect)
    return [
        ("edge_person_events", person_event_sql(config, dialect)),
        ("net_event_pairs", event_pairs_sql(config, dialect)),
        ("net_object_pairs", object_pairs_sql(config, dialect)),
        ("net_presence_pairs", presence_pairs_sql(config, dialect)),
        ("net_person_pairs", person_pairs_sql(config, dialect)),
        ("edge_evidence", edge_evidence_sql(config, dialect)),
        ("edge_entities", edge_entities_sql(config, dialect)),
        ("edge_hubs", edge_hubs_sql(config, dialect)),
        ("edge_entity_roles", entity_roles_sql(config, dialect)),
    ]
