"""Read the group tables back as the documents the CLI, web and exports show (interface.md shape).

``groups_document`` returns ``{"groups": [{"group_id", "offenders": [{"entity_id", "records": [[source,
person_id], ...], ...}], "victims": [same shape], "evidence": [...]}]}`` in attention order. It only
reads; it must never compute groups, and never selects a person attribute.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..store import Store

__all__ = ["group_ids", "groups_document"]


def _require(store: Store) -> None:
    for table in ("group_members", "group_summary", "group_evidence", "edge_evidence"):
        if not store.has_table(table):
            raise InputError(f"groups: table {table} is missing; run `clearpicture groups` first")


def group_ids(store: Store) -> list[str]:
    """Group ids in attention order (groups may be ordered for attention; people are not)."""
    _require(store)
    return [str(r[0]) for r in store.sql("SELECT group_id FROM group_summary ORDER BY attention_order")]


def _records(store: Store, entity_ids: list[str]) -> dict[str, list[list[str]]]:
    if not entity_ids:
        return {}
    rows = store.sql(
        "SELECT entity_id, source, person_id FROM entity_persons WHERE entity_id IN (SELECT unnest(?)) "
        "ORDER BY entity_id, source, person_id", [entity_ids])
    out: dict[str, list[list[str]]] = {}
    for entity, source, person in rows:
        out.setdefault(str(entity), []).append([str(source), str(person)])
    return out


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def groups_document(store: Store, group_id: str | None = None) -> dict[str, Any]:
    """Every group (or one) with offenders, victims, their records and the evidence explaining them."""
    ids = group_ids(store)
    if group_id is not None:
        if group_id not in ids:
            raise InputError(f"groups: no group {group_id!r} in this workspace")
        ids = [group_id]
    groups = []
    for gid in ids:
        summary = store.dicts("SELECT * FROM group_summary WHERE group_id = ?", [gid])[0]
        members = store.dicts(
            "SELECT entity_id, role, degree, weighted_degree, betweenness, events, explanation "
            "FROM group_members WHERE group_id = ? ORDER BY role = 'victim', entity_id", [gid])
        records = _records(store, [m["entity_id"] for m in members])
        offenders = [
            {"entity_id": m["entity_id"], "records": records.get(m["entity_id"], []), "role": m["role"],
             "degree": m["degree"], "betweenness": m["betweenness"], "explanation": m["explanation"]}
            for m in members if m["role"] != "victim"
        ]
        victims = [
            {"entity_id": m["entity_id"], "records": records.get(m["entity_id"], []),
             "explanation": m["explanation"]}
            for m in members if m["role"] == "victim"
        ]
        evidence = []
        for row in store.dicts(
            """SELECT DISTINCT e.evidence_id, e.kind, e.entity_a, e.entity_b, e.role_a, e.role_b,
                e.source_a, e.person_id_a, e.record_a, e.source_b, e.person_id_b, e.record_b, e.via_type,
                e.via_source, e.via_id, e.at_a, e.at_b, e.grading, e.hub_people, e.strength
            FROM edge_evidence e JOIN group_evidence g ON g.evidence_id = e.evidence_id
            WHERE g.group_id = ? ORDER BY e.kind, e.entity_a, e.entity_b, e.evidence_id""", [gid]):
            evidence.append({
                "basis": "association", "kind": row["kind"], "evidence_id": row["evidence_id"],
                "entities": [row["entity_a"], row["entity_b"]], "roles": [row["role_a"], row["role_b"]],
                "records": [[row["source_a"], row["person_id_a"], row["record_a"]],
                            [row["source_b"], row["person_id_b"], row["record_b"]]],
                "via": [row["via_type"], row["via_source"], row["via_id"]],
                "at": [_iso(row["at_a"]), _iso(row["at_b"])], "grading": row["grading"],
                "hub_people": row["hub_people"], "strength": round(float(row["strength"]), 6),
            })
        for row in store.dicts(
            """SELECT DISTINCT basis, kind, entity_id, source, person_id, record, occurred_at, grading, definition_id,
                explanation FROM group_evidence WHERE group_id = ? AND basis <> 'association'
            ORDER BY basis, entity_id, source, record""", [gid]):
            evidence.append({
                "basis": row["basis"], "kind": row["kind"], "entities": [row["entity_id"]],
                "records": [[row["source"], row["person_id"], row["record"]]], "at": [_iso(row["occurred_at"])],
                "grading": row["grading"], "definition_id": row["definition_id"],
                "explanation": row["explanation"],
            })
        groups.append({
            "group_id": gid, "offenders": offenders, "victims": victims, "evidence": evidence,
            "summary": {k: (_iso(v) if hasattr(v, "isoformat") else v) for k, v in summary.items()},
        })
    return {"groups": groups}
