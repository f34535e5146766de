"""The network stage: evidence edges, then offender groups with members, victims and explanations.

``run(store, config, engine)`` builds the edge tables (on DuckDB or Spark), finds groups on the
suspect graph, keeps group ids stable against the previous run and writes, in one transaction:
``group_members``, ``group_summary``, ``group_events``, ``group_victims``, ``group_locations``,
``group_objects``, ``group_evidence``, ``group_changes`` (appended) and ``group_registry``.
This module orchestrates; SQL lives in ``edges_sql``/``groups_sql`` and graph logic in ``grouping``.
It must not read person attributes and must not rank people.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from .. import progress
from ..errors import InputError
from ..store import StageResult, Store
from . import edges_sql, groups_sql
from .config import NetworkConfig, load_config
from .executor import ENGINES, run_steps
from .grouping import (
    Attachment,
    attach_members,
    find_clusters,
    measure_members,
    offender_graph,
    qualifying_clusters,
)
from .identity import assign_ids, parse_group_number

__all__ = ["GROUP_TABLES", "run"]

GROUP_TABLES = ("group_members", "group_summary", "group_events", "group_victims", "group_locations",
                "group_objects", "group_evidence")

_OPTIONAL_INPUTS = {
    "entity_objects": "source VARCHAR, object_id VARCHAR, entity_id VARCHAR, kind VARCHAR, canonical VARCHAR",
    "entity_locations": "source VARCHAR, location_id VARCHAR, entity_id VARCHAR",
}


def _check_inputs(store: Store) -> list[str]:
    if not store.has_table("entity_persons"):
        raise InputError("groups: table entity_persons is missing; run `clearpicture link` first")
    if not store.has_table("definition_cases"):
        raise InputError("groups: table definition_cases is missing; run `clearpicture definitions` first")
    stand_ins = []
    for name, cols in _OPTIONAL_INPUTS.items():
        if not store.has_table(name):
            store.execute(f"CREATE TEMP TABLE {name} ({cols})")
            stand_ins.append(name)
    return stand_ins


def _previous_groups(store: Store) -> dict[str, frozenset[str]]:
    if not store.has_table("group_members"):
        return {}
    groups: dict[str, set[str]] = {}
    for gid, entity in store.sql("SELECT group_id, entity_id FROM group_members WHERE role <> 'victim'"):
        groups.setdefault(str(gid), set()).add(str(entity))
    return {g: frozenset(m) for g, m in groups.items()}


def _next_number(store: Store, previous: Mapping[str, frozenset[str]]) -> int:
    ids = list(previous)
    if store.has_table("group_registry"):
        ids += [str(r[0]) for r in store.sql("SELECT group_id FROM group_registry")]
    return max((parse_group_number(g) for g in ids), default=0) + 1


def run(store: Store, config: NetworkConfig | Mapping[str, Any] | None = None,
        engine: str = "duckdb") -> StageResult:
    """Build edges and groups; return the recorded stage result (also a row in ``runs``)."""
    cfg = load_config(config)
    if engine not in ENGINES:
        raise InputError(f"groups: unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    params = {"engine": engine, "definition": cfg.definition, "min_strength": cfg.min_strength,
              "max_hub_people": cfg.max_hub_people, "presence_window_days": cfg.presence_window_days,
              "max_component_size": cfg.max_component_size, "seed": cfg.seed}
    stand_ins = _check_inputs(store)
    previous = _previous_groups(store)
    with store.run("groups", params) as result:
        with progress.step("groups", f"evidence edges on {engine}"):
            counts = run_steps(store, edges_sql.edge_steps(cfg, engine), edges_sql.EDGE_OUTPUTS, engine)
        for table, n in counts.items():
            progress.report("groups", table, n)
        result.counts.update(counts)
        with progress.step("groups", "suspect graph") as s:
            graph = _suspect_graph(store, cfg)
            s.done(graph.number_of_edges(), people=graph.number_of_nodes())
        use_dv = store.has_table("definition_victims") and bool(
            store.sql("SELECT count(*) FROM definition_victims WHERE definition_id = ?", [cfg.definition])[0][0])
        cse = {str(r[0]) for r in store.sql(groups_sql.cse_offenders_sql(cfg, use_dv))}
        with progress.step("groups", "find groups") as s:
            clusters, attachments = _groups_with_attached(store, cfg, graph, cse)
            named, changes = assign_ids(clusters, previous, _next_number(store, previous), cfg.min_identity_overlap)
            s.done(len(named), attached=len(attachments))
        with progress.step("groups", "write group tables"):
            _write_groups(store, cfg, graph, named, use_dv, {a.entity for a in attachments})
        _write_changes(store, result.run_id, changes)
        result.counts.update({
            "suspect_graph_nodes": graph.number_of_nodes(),
            "suspect_graph_edges": graph.number_of_edges(),
            "groups": len(named),
            "attached_by_summed_evidence": len(attachments),
            "group_offenders": sum(len(m) for _, m in named),
            "group_victims": store.sql("SELECT count(DISTINCT entity_id) FROM group_victims")[0][0],
            "changes": {c: sum(1 for x in changes if x.change == c) for c in sorted({x.change for x in changes})},
            "stand_in_inputs": stand_ins,
        })
    for name in stand_ins:
        store.execute(f"DROP TABLE IF EXISTS temp.{name}")
    return result


def _suspect_graph(store: Store, cfg: NetworkConfig) -> nx.Graph:
    nodes = [str(r[0]) for r in store.sql("SELECT entity_id FROM edge_entity_roles WHERE offending_events > 0")]
    edges = store.sql(
        "SELECT entity_a, entity_b, offender_strength FROM edge_entities WHERE offender_strength >= ?",
        [cfg.min_strength])
    return offender_graph(nodes, ((str(a), str(b), float(s)) for a, b, s in edges), cfg.min_strength)


def _groups_with_attached(store: Store, cfg: NetworkConfig, graph: nx.Graph, cse: set[str]
                          ) -> tuple[list[frozenset[str]], list[Attachment]]:
    """Qualifying clusters, each with the suspects its members' summed weaker evidence pulls in.

    Every cluster (burglary crews too) competes for a loose suspect, so one whose evidence mostly
    ties them to a crew is not handed to a CSE group; whether a cluster is a group is judged on its
    core alone, so an attached person never makes a crew qualify. The links that attached a person
    are added to ``graph`` so the member's degree and betweenness show them.
    """
    core = find_clusters(graph, cfg)
    qualifying = set(qualifying_clusters(core, cse, cfg))
    facts = store.sql(f"""SELECT entity_a, entity_b, fact_key, max(strength) FROM edge_evidence
        WHERE {edges_sql.OFFENDER_EVIDENCE} GROUP BY entity_a, entity_b, fact_key ORDER BY ALL""")
    grown, attachments = attach_members(core, sorted(graph.nodes),
                                        ((str(a), str(b), str(f), float(s)) for a, b, f, s in facts), cfg.min_strength)
    kept = {i for i, c in enumerate(core) if c in qualifying}
    for a in attachments:
        if a.cluster in kept:
            for member, strength in a.links:
                graph.add_edge(a.entity, member, weight=strength)
    return [grown[i] for i in sorted(kept)], [a for a in attachments if a.cluster in kept]


def _write_groups(store: Store, cfg: NetworkConfig, graph: nx.Graph,
                  named: list[tuple[str, frozenset[str]]], use_dv: bool, attached: set[str]) -> None:
    store.execute("CREATE OR REPLACE TEMP TABLE net_members (group_id VARCHAR, entity_id VARCHAR)")
    store.execute("""CREATE OR REPLACE TEMP TABLE net_measures (group_id VARCHAR, entity_id VARCHAR,
        degree INTEGER, weighted_degree DOUBLE, betweenness DOUBLE, joined_by VARCHAR)""")
    store.execute("""CREATE OR REPLACE TEMP TABLE net_stats (group_id VARCHAR, links INTEGER,
        density DOUBLE, total_strength DOUBLE)""")
    members, measures, stats = [], [], []
    for gid, group in named:
        sub = graph.subgraph(group)
        n = len(group)
        stats.append((gid, sub.number_of_edges(), round(2 * sub.number_of_edges() / (n * (n - 1)), 6),
                      round(float(sub.size(weight="weight")), 6)))
        for entity, m in measure_members(graph, group).items():
            members.append((gid, entity))
            measures.append((gid, entity, m.degree, m.weighted_degree, m.betweenness,
                             "summed_evidence" if entity in attached else "strong_link"))
    if members:
        store.con.executemany("INSERT INTO net_members VALUES (?, ?)", members)
        store.con.executemany("INSERT INTO net_measures VALUES (?, ?, ?, ?, ?, ?)", measures)
        store.con.executemany("INSERT INTO net_stats VALUES (?, ?, ?, ?)", stats)
    for table, sql in (
        ("group_events", groups_sql.group_events_sql(cfg)),
        ("group_victims", groups_sql.group_victims_sql(cfg, use_dv)),
        ("group_locations", groups_sql.group_locations_sql(cfg)),
        ("group_objects", groups_sql.group_objects_sql(cfg)),
        ("group_evidence", groups_sql.group_evidence_sql(cfg)),
    ):
        store.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")
    store.execute(f"""CREATE OR REPLACE TABLE group_members AS
    WITH roles AS (
        SELECT group_id, entity_id,
            bool_or(basis = 'role' AND kind = 'offender') AS offender,
            bool_or(basis = 'role' AND kind = 'suspect') AS suspect,
            bool_or(basis = 'role' AND kind = 'subject') AS subject,
            count(DISTINCT CASE WHEN basis = 'role' THEN record END) AS events,
            count(DISTINCT CASE WHEN basis = 'role' AND definition_id IS NOT NULL THEN record END) AS meeting_events,
            count(DISTINCT CASE WHEN basis = 'association' THEN evidence_id END) AS association_evidence,
            count(DISTINCT CASE WHEN basis = 'association' THEN other_entity_id END) AS linked_members,
            min(occurred_at) AS first_at, max(occurred_at) AS last_at
        FROM group_evidence WHERE basis <> 'victim' GROUP BY group_id, entity_id
    )
    SELECT m.group_id, m.entity_id,
        CASE WHEN r.offender THEN 'offender' WHEN r.suspect THEN 'suspect' WHEN r.subject THEN 'subject'
             ELSE 'associate' END AS role,
        m.degree, m.weighted_degree, m.betweenness, COALESCE(r.events, 0) AS events,
        COALESCE(r.meeting_events, 0) AS meeting_events, r.first_at, r.last_at,
        (SELECT count(*) FROM entity_persons ep WHERE ep.entity_id = m.entity_id) AS records,
        'suspect side of ' || COALESCE(r.events, 0) || ' group event(s), ' || COALESCE(r.meeting_events, 0)
            || ' meeting {cfg.definition}; ' || COALESCE(r.association_evidence, 0)
            || ' association evidence record pair(s) with ' || COALESCE(r.linked_members, 0)
            || ' other member(s)'
            || CASE WHEN m.joined_by = 'summed_evidence' THEN '; joined by that evidence summed over the members'
                    || ' (no single link reaches {cfg.min_strength})' ELSE '' END AS explanation,
        m.joined_by
    FROM net_measures m LEFT JOIN roles r ON r.group_id = m.group_id AND r.entity_id = m.entity_id
    UNION ALL
    SELECT v.group_id, v.entity_id, 'victim', NULL, NULL, NULL, count(DISTINCT v.event_id), count(DISTINCT v.event_id),
        min(p.occurred_at), max(p.occurred_at), (SELECT count(*) FROM entity_persons ep WHERE ep.entity_id = v.entity_id),
        'victim on ' || count(DISTINCT v.event_id) || ' group event(s) meeting ' || string_agg(DISTINCT v.definition_id, ', ' ORDER BY v.definition_id),
        CAST(NULL AS VARCHAR)
    FROM group_victims v JOIN edge_person_events p ON p.source = v.source AND p.event_id = v.event_id
        AND p.person_id = v.person_id
    GROUP BY v.group_id, v.entity_id""")
    store.execute(f"""CREATE OR REPLACE TABLE group_summary AS
    WITH base AS (
    SELECT s.group_id,
        (SELECT count(*) FROM net_members m WHERE m.group_id = s.group_id) AS offenders,
        (SELECT count(DISTINCT entity_id) FROM group_victims v WHERE v.group_id = s.group_id) AS victims,
        (SELECT count(*) FROM group_events e WHERE e.group_id = s.group_id) AS events,
        (SELECT count(*) FROM group_events e WHERE e.group_id = s.group_id AND e.meets_definition) AS meeting_events,
        (SELECT min(occurred_at) FROM group_events e WHERE e.group_id = s.group_id) AS first_at,
        (SELECT max(occurred_at) FROM group_events e WHERE e.group_id = s.group_id) AS last_at,
        (SELECT count(DISTINCT source) FROM group_events e WHERE e.group_id = s.group_id) AS sources,
        (SELECT count(*) FROM group_locations l WHERE l.group_id = s.group_id) AS locations,
        (SELECT count(*) FROM group_objects o WHERE o.group_id = s.group_id AND o.kind = 'vehicle') AS vehicles,
        (SELECT count(*) FROM group_objects o WHERE o.group_id = s.group_id AND o.kind = 'phone') AS phones,
        s.links, s.density, s.total_strength, '{cfg.definition}' AS definition_id
    FROM net_stats s)
    SELECT *, row_number() OVER (ORDER BY victims DESC, meeting_events DESC, last_at DESC NULLS LAST, group_id)
        AS attention_order
    FROM base""")


def _write_changes(store: Store, run_id: str, changes: list[Any]) -> None:
    store.execute("""CREATE TABLE IF NOT EXISTS group_changes (run_id VARCHAR, group_id VARCHAR,
        change VARCHAR, previous_group_ids VARCHAR, added INTEGER, removed INTEGER, detail VARCHAR)""")
    store.execute("""CREATE TABLE IF NOT EXISTS group_registry (group_id VARCHAR PRIMARY KEY,
        first_run_id VARCHAR, last_run_id VARCHAR, status VARCHAR)""")
    rows = [(run_id, c.group_id, c.change, ",".join(c.previous), c.added, c.removed, c.detail) for c in changes]
    if rows:
        store.con.executemany("INSERT INTO group_changes VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    for c in changes:
        status = "closed" if c.change in ("ended", "merged_into") else "active"
        store.execute("""INSERT INTO group_registry VALUES (?, ?, ?, ?)
            ON CONFLICT (group_id) DO UPDATE SET last_run_id = excluded.last_run_id, status = excluded.status""",
                      [c.group_id, run_id, run_id, status])
