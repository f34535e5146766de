"""The graph an export discloses: groups' members, victims, shared objects and places, as networkx.

Nodes are resolved entities (person, vehicle, phone, location ...) with their role in the group's
evidence, measures and record counts; edges are the evidence between them with strength, kinds and
dates. Labels are entity ids (or keyed pseudonyms): no names, dates of birth, sex, ethnicity or
nationality are ever put on a node. This module only reads the store; writing files is
``export_formats``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import networkx as nx

from ..security.exports import pseudonym_key
from ..security.exports import pseudonymise as pseudonymise_value
from ..store import Store
from .query import group_ids

__all__ = ["MARKING", "export_graph"]

MARKING = "OFFICIAL-SENSITIVE"

#: Attributes that must never appear on an exported node or edge.
FORBIDDEN_ATTRIBUTES = frozenset({"ethnicity", "ethnicity_self", "ethnicity_officer", "nationality", "sex",
                                  "date_of_birth", "forename", "surname", "middle_names", "aliases"})


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    """GraphML/GEXF take str, int, float, bool: drop empties, dates as ISO text."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None or key in FORBIDDEN_ATTRIBUTES:
            continue
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def _add_place_or_object(graph: nx.Graph, node: str, kind: str, group_ids: str) -> None:
    """Add a place or object node, or add its groups to the node already there (never overwrite them)."""
    if node in graph:
        held = graph.nodes[node]["group_id"].split(",")
        graph.nodes[node]["group_id"] = ",".join(sorted({*held, *group_ids.split(",")}))
        return
    graph.add_node(node, **_clean({"type": kind, "label": node, "group_id": group_ids, "marking": MARKING}))


def export_graph(store: Store, group_id: str | None = None, pseudonymise: bool = False) -> nx.Graph:
    """The groups (or one group) as an undirected graph with typed nodes and evidence edges."""
    ids = group_ids(store)
    if group_id is not None:
        ids = [g for g in ids if g == group_id]
    key = pseudonym_key() if pseudonymise else None

    def name(entity: str) -> str:
        # Keyed pseudonyms are stable across exports with the same key, so recipients can join files.
        return entity if key is None else str(pseudonymise_value(entity, key, kind="entity"))

    graph = nx.Graph(marking=MARKING, generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
                     groups=",".join(ids), pseudonymised=pseudonymise)
    if not ids:
        return graph
    members = store.dicts(
        """SELECT m.group_id, m.entity_id, m.role, m.degree, m.weighted_degree, m.betweenness, m.events,
            m.records, m.first_at, m.last_at,
            (SELECT string_agg(DISTINCT ep.source, ',' ORDER BY ep.source) FROM entity_persons ep
             WHERE ep.entity_id = m.entity_id) AS sources
        FROM group_members m WHERE m.group_id IN (SELECT unnest(?)) ORDER BY m.group_id, m.entity_id""", [ids])
    person_of: dict[str, str] = {}
    for m in members:
        node = name(m["entity_id"])
        person_of[m["entity_id"]] = node
        if node in graph:  # one entity in two groups, or victim of two: keep every role
            graph.nodes[node]["group_id"] += "," + m["group_id"]
            graph.nodes[node]["role"] += "," + m["role"]
            continue
        graph.add_node(node, **_clean({
            "type": "person", "label": node, "role": m["role"], "group_id": m["group_id"],
            "degree": m["degree"], "betweenness": m["betweenness"], "events": m["events"],
            "records": m["records"], "sources": m["sources"], "first_at": m["first_at"],
            "last_at": m["last_at"], "marking": MARKING}))
    for e in store.dicts(
        """SELECT entity_a, entity_b, strength, offender_strength, evidence_count, kinds, first_at, last_at
        FROM edge_entities WHERE entity_a IN (SELECT unnest(?)) AND entity_b IN (SELECT unnest(?))""",
            [list(person_of), list(person_of)]):
        victim_edge = e["offender_strength"] == 0
        graph.add_edge(person_of[e["entity_a"]], person_of[e["entity_b"]], **_clean({
            "type": "victim_link" if victim_edge else "evidence_link", "kinds": e["kinds"],
            "strength": round(float(e["strength"]), 6), "evidence_count": e["evidence_count"],
            "first_at": e["first_at"], "last_at": e["last_at"], "marking": MARKING}))
    offenders = {m["entity_id"] for m in members if m["role"] != "victim"}
    for o in store.dicts(
        """SELECT DISTINCT o.group_id, o.entity_id, o.kind, ep.entity_id AS person
        FROM group_objects o
        JOIN entity_objects eo ON eo.entity_id = o.entity_id
        JOIN raw_links l ON l.source = eo.source AND (
            (l.from_type = 'object' AND l.from_id = eo.object_id AND l.to_type = 'person')
            OR (l.to_type = 'object' AND l.to_id = eo.object_id AND l.from_type = 'person'))
        JOIN entity_persons ep ON ep.source = l.source
            AND ep.person_id = CASE WHEN l.from_type = 'person' THEN l.from_id ELSE l.to_id END
        WHERE o.group_id IN (SELECT unnest(?))""", [ids]):
        if o["person"] not in offenders:
            continue
        node = name(o["entity_id"])
        _add_place_or_object(graph, node, o["kind"], o["group_id"])
        graph.add_edge(person_of[o["person"]], node, type="uses", kinds="object_link", strength=1.0,
                       evidence_count=1, marking=MARKING)
    # One edge per member and place, counting every group event there (an edge per event would
    # overwrite the one before: a member seen at a place four times showed one event, dated the last).
    for loc in store.dicts(
        """SELECT el.entity_id AS location, p.entity_id AS person,
            string_agg(DISTINCT ge.group_id, ',' ORDER BY ge.group_id) AS group_id,
            count(DISTINCT (ge.source, ge.event_id)) AS events, min(ge.occurred_at) AS first_at,
            max(ge.occurred_at) AS last_at
        FROM group_events ge
        JOIN entity_locations el ON el.source = ge.source AND el.location_id = ge.location_id
        JOIN edge_person_events p ON p.source = ge.source AND p.event_id = ge.event_id
        WHERE ge.group_id IN (SELECT unnest(?)) GROUP BY 1, 2 ORDER BY 1, 2""", [ids]):
        if loc["person"] not in person_of:
            continue
        node = name(loc["location"])
        _add_place_or_object(graph, node, "location", loc["group_id"])
        graph.add_edge(person_of[loc["person"]], node, **_clean({
            "type": "present_at", "kinds": "event_location", "strength": 1.0, "evidence_count": loc["events"],
            "first_at": loc["first_at"], "last_at": loc["last_at"], "marking": MARKING}))
    return graph
