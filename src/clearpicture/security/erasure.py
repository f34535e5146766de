"""Erasure that removes: a person record and every derived copy, with a content-free log row.

A person is erased (out of scope, or disposed of at review under the Management of Police
Information rules) from every table of the workspace, found generically so that stages added
later are covered without changes here (principles.md item 6):

* any table with a ``source`` column and a ``person_id`` column (or ``note_id``, ``object_id``,
  ``location_id`` for the records erased with the person), including prefixed and suffixed pairs
  such as ``source_l``/``person_id_l`` or ``left_source``/``left_person_id``;
* polymorphic references ``<x>type``/``<x>id`` beside ``source`` (``raw_links``' from/to ends,
  ``raw_notes``' about_type/about_id), and ``field_issues``-style ``table_name``/``record_id`` rows;
  (a place or object another record points at by column, such as an event's ``location_id``, is
  shared, and stays);
* rows of any derived table keyed by the person's resolved entity (``entity_id``, ``entity_a``,
  ``other_entity_id``..., found through ``entity_persons``; tables of object or location entities
  are left to their own keys); the stages that built them (linkage, network) are marked for re-running;
* ``raw`` text of quarantined rows that mention the person's id; every row of any cache table.

Records that stay because they concern others too (events the person was linked to, notes about
those events and about shared objects and places) keep their rows, but the person's names, aliases,
phone, postcode and date of birth are masked in their free text (:mod:`.redaction`).

With the person go the notes about them, and the objects and locations linked to nobody else.
Afterwards a sweep looks for the person's id anywhere in the store and reports what it finds, and
the workspace file is rewritten (:mod:`.compaction`) so the deleted rows' bytes do not linger in it.
The log row names the person only by keyed reference, holds counts and the reason, and lists the
recipients of earlier disclosures who should be told. Audit and account tables are never touched.

This module must not decide who may erase (it asks :func:`.permissions.allowed`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AccessDenied, InputError
from ..store import Store
from . import audit
from .compaction import rewrite_file
from .permissions import Actor, Resource, allowed
from .redaction import redact_text_columns

__all__ = ["ErasureResult", "erase_person", "delete_by_ids_sql", "delete_by_typed_ids_sql"]

#: Tables erasure never touches: the log must survive it, and accounts hold no personal data of subjects.
PROTECTED_TABLES = frozenset({"audit_log", "audit_head", "users", "user_sessions", "user_login_attempts",
                              "meta", "runs", "ingest_runs"})
_ID_COLUMN = re.compile(r"^(?P<pre>.*?)(?P<kind>person|note|object|location)_id(?P<suf>.*)$")
_ENTITY_COLUMN = re.compile(r"^(.+_)?entity(_id)?(_(a|b|l|r|1|2|from|to|src|dst|left|right))?$")
_IDENTIFYING = ("person_id", "forename", "middle_names", "surname", "aliases", "date_of_birth_raw", "phone",
                "postcode")



def _stages_from_linkage_on() -> list[str]:
    """Stages whose results may hold the erased person's entity: linkage and everything after it,
    by the names ``runs`` and the pipeline use, so a caller can re-run exactly these."""
    from ..pipeline import STAGES

    names = [name for name, _ in STAGES]
    return list(dict.fromkeys(names[names.index("link"):]))


@dataclass
class ErasureResult:
    """What an erasure removed (counts only), whom to tell, and anything left behind."""

    person_ref: str
    deleted: dict[str, int] = field(default_factory=dict)
    masked: dict[str, int] = field(default_factory=dict)
    notify: list[str] = field(default_factory=list)
    stale_stages: list[str] = field(default_factory=list)
    residual: list[str] = field(default_factory=list)
    exports_holding_person: list[str] = field(default_factory=list)
    audit_seq: int = 0
    #: True once the workspace file was rewritten, so the deleted rows' bytes are gone from it too.
    file_rewritten: bool = False
    #: Why the file could not be rewritten (the erased details may remain in its free blocks).
    file_not_rewritten: str | None = None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def delete_by_ids_sql(table: str, source_column: str, id_column: str, n_ids: int) -> str:
    """DELETE rows of ``table`` whose (source, id) is one of ``n_ids`` ids of one source."""
    marks = ", ".join("?" for _ in range(n_ids))
    return (f"DELETE FROM {_q(table)} WHERE CAST({_q(source_column)} AS VARCHAR) = ? "
            f"AND CAST({_q(id_column)} AS VARCHAR) IN ({marks})")


def delete_by_typed_ids_sql(table: str, type_expr: str, id_column: str, n_ids: int) -> str:
    """DELETE rows of ``table`` whose (source, record type, id) points at one of ``n_ids`` records."""
    marks = ", ".join("?" for _ in range(n_ids))
    return (f"DELETE FROM {_q(table)} WHERE CAST(source AS VARCHAR) = ? AND {type_expr} = ? "
            f"AND CAST({_q(id_column)} AS VARCHAR) IN ({marks})")


def _tables(store: Store) -> dict[str, dict[str, str]]:
    rows = store.sql(
        """SELECT t.table_name, c.column_name, c.data_type
           FROM information_schema.tables t JOIN information_schema.columns c
             USING (table_catalog, table_schema, table_name)
           WHERE t.table_type = 'BASE TABLE' AND t.table_schema = current_schema()
             AND t.table_catalog = current_database()
           ORDER BY t.table_name, c.ordinal_position"""
    )
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for table, column, dtype in rows:
        if table not in PROTECTED_TABLES:
            out[str(table)][str(column)] = str(dtype)
    return dict(out)


def _linked_ids(store: Store, source: str, person_id: str, kind: str) -> set[str]:
    """Ids of ``kind`` records linked to the person and to no other record."""
    rows = store.sql(
        """WITH l AS (SELECT coalesce(from_type, from_type_raw) AS ft, from_id,
                             coalesce(to_type, to_type_raw) AS tt, to_id FROM raw_links WHERE source = ?),
           ends AS (SELECT ft AS a_t, from_id AS a_id, tt AS b_t, to_id AS b_id FROM l
                    UNION ALL SELECT tt, to_id, ft, from_id FROM l)
           SELECT b_id FROM ends WHERE a_t = 'person' AND a_id = ? AND b_t = ?
           EXCEPT
           SELECT b_id FROM ends WHERE b_t = ? AND NOT (a_t = 'person' AND a_id = ?)""",
        [source, person_id, kind, kind, person_id],
    )
    return {str(r[0]) for r in rows if r[0] is not None}


def _referenced_elsewhere(store: Store, tables: dict[str, dict[str, str]], source: str, kind: str,
                          ids: set[str]) -> set[str]:
    """Those of ``ids`` that another source record points at by column (an event's ``location_id``).

    A place linked to nobody but the person through ``raw_links`` may still be where someone else's
    crime happened: that place is shared, and erasing it would take the other record's rows with it.
    """
    if not ids:
        return set()
    own = {f"raw_{kind}s", f"history_{kind}s", "raw_links", "history_links"}
    column = f"{kind}_id"
    marks = ", ".join("?" for _ in ids)
    found: set[str] = set()
    for table, cols in tables.items():
        if table.startswith(("raw_", "history_")) and table not in own and {"source", column} <= set(cols):
            found |= {str(r[0]) for r in store.sql(
                f"SELECT DISTINCT CAST({_q(column)} AS VARCHAR) FROM {_q(table)} "
                f"WHERE CAST(source AS VARCHAR) = ? AND CAST({_q(column)} AS VARCHAR) IN ({marks})",
                [source, *sorted(ids)])}
    return found


def _all_linked_ids(store: Store, source: str, person_id: str, kind: str) -> set[str]:
    """Ids of every ``kind`` record linked to the person (shared or not)."""
    rows = store.sql(
        """WITH l AS (SELECT coalesce(from_type, from_type_raw) AS ft, from_id,
                             coalesce(to_type, to_type_raw) AS tt, to_id FROM raw_links WHERE source = ?)
           SELECT to_id FROM l WHERE ft = 'person' AND from_id = ? AND tt = ?
           UNION SELECT from_id FROM l WHERE tt = 'person' AND to_id = ? AND ft = ?""",
        [source, person_id, kind, person_id, kind],
    )
    return {str(r[0]) for r in rows if r[0] is not None}


def _notes_about(store: Store, source: str, kind: str, ids: set[str]) -> set[str]:
    """Ids of notes about any of the ``kind`` records ``ids``."""
    out: set[str] = set()
    if not ids:
        return out
    marks = ", ".join("?" for _ in ids)
    for table in ("raw_notes", "history_notes"):
        if store.has_table(table):
            out |= {str(r[0]) for r in store.sql(
                f"SELECT note_id FROM {table} WHERE source = ? AND coalesce(about_type, about_type_raw) = ? "
                f"AND about_id IN ({marks})", [source, kind, *sorted(ids)])}
    return out


def _identifying_values(store: Store, source: str, person_id: str) -> set[str]:
    values = {person_id}
    for table in ("raw_persons", "history_persons"):
        cols = ", ".join(f"CAST({_q(c)} AS VARCHAR)" for c in _IDENTIFYING)
        for row in store.sql(f"SELECT {cols} FROM {table} WHERE source = ? AND person_id = ?", [source, person_id]):
            values |= {str(v).strip() for v in row if v is not None and len(str(v).strip()) >= 3}
    return values


def _recipients(store: Store, ref: str, source: str) -> list[str]:
    """Recipients of earlier disclosures that did, or may have, included the person."""
    out: set[str] = set()
    for r in audit.show(store, action="disclosure"):
        if not r["allowed"] or not r["recipient"]:
            continue
        what = r["what"] if isinstance(r["what"], dict) else {}
        refs = what.get("person_refs", []) + ([what["person_ref"]] if "person_ref" in what else [])
        sources = what.get("sources")
        if ref in refs or (not refs and (sources is None or source in sources or "*" in sources)):
            out.add(str(r["recipient"]))
    return sorted(out)


def _exports_holding(store: Store, values: set[str]) -> list[str]:
    found: list[str] = []
    for r in audit.show(store, action="disclosure"):
        path = r["what"].get("path") if isinstance(r["what"], dict) else None
        if not path or not Path(str(path)).is_file():
            continue
        try:
            text = Path(str(path)).read_text("utf-8", errors="replace")
        except OSError:
            continue
        if any(v in text for v in values):
            found.append(str(path))
    return sorted(set(found))


def _delete(store: Store, deleted: dict[str, int], table: str, sql: str, params: list[Any]) -> None:
    result = store.sql(sql, params)  # DuckDB answers a DELETE with the number of rows removed
    n = int(result[0][0]) if result else 0
    if n:
        deleted[table] = deleted.get(table, 0) + n


def _type_expr(columns: dict[str, str], type_column: str) -> str:
    raw = f"{type_column}_raw"
    if raw in columns:
        return f"coalesce(CAST({_q(type_column)} AS VARCHAR), {_q(raw)})"
    return f"CAST({_q(type_column)} AS VARCHAR)"


def erase_person(store: Store, actor: Actor, source: str, person_id: str, reason: str) -> ErasureResult:
    """Erase ``source``/``person_id`` everywhere and log it; returns counts and whom to notify."""
    ref = audit.person_ref(store, source, person_id)
    if not allowed(actor, "erase", Resource("person", source, person_id)):
        # The refusal is logged without the reason given: it has not been checked for personal details.
        audit.record(store, actor, "erasure", {"person": (source, person_id), "refused": "not allowed"},
                     allowed=False)
        raise AccessDenied(f"erase: {actor.username} may not erase records (admin, recently signed in)")
    reason = " ".join((reason or "").split())
    if not reason:
        raise InputError("erase: --reason is required")
    tables = _tables(store)
    values = _identifying_values(store, source, person_id)
    if any(re.search(r"(?<![^\W_])" + re.escape(v) + r"(?![^\W_])", reason, re.IGNORECASE) for v in values):
        raise InputError("erase: the reason must not contain the person's details (the log keeps it)")
    result = ErasureResult(person_ref=ref)
    with store.transaction():
        ids: dict[str, set[str]] = {
            "person": {person_id},
            "note": _notes_about(store, source, "person", {person_id}),
        }
        for kind in ("object", "location"):
            linked = _linked_ids(store, source, person_id, kind)
            ids[kind] = linked - _referenced_elsewhere(store, tables, source, kind, linked)
        entities = ({str(r[0]) for r in store.sql(
            "SELECT DISTINCT entity_id FROM entity_persons WHERE source = ? AND person_id = ?",
            [source, person_id])} if "entity_persons" in tables else set())
        if not any(_exists(store, t, c, source, person_id) for t, c in tables.items()):
            raise InputError(f"erase: no record {source}/{person_id} in this workspace")
        # Records that stay but concern the person too: their free text gets the details masked.
        shared = {k: _all_linked_ids(store, source, person_id, k) - ids.get(k, set())
                  for k in ("event", "object", "location")}
        shared["note"] = set().union(*(_notes_about(store, source, k, v) for k, v in shared.items())) - ids["note"]
        redact_keys = {"event": shared["event"], "note": shared["note"]}
        result.notify = _recipients(store, ref, source)
        result.exports_holding_person = _exports_holding(store, values)
        for table, cols in tables.items():
            _erase_from_table(store, result.deleted, table, cols, source, ids, entities)
        result.masked = redact_text_columns(store, _tables(store), source, redact_keys, values)
        if entities:
            result.stale_stages = _stages_from_linkage_on()
            store.execute("INSERT OR REPLACE INTO meta VALUES ('stale_after_erasure', ?)",
                          [json.dumps(result.stale_stages)])
        result.residual = _sweep(store, _tables(store), source, person_id)
        result.audit_seq = audit.record(
            store, actor, "erasure",
            {"person": (source, person_id), "rows_removed": sum(result.deleted.values()),
             "tables": dict(sorted(result.deleted.items())), "masked": dict(sorted(result.masked.items())),
             "notify": result.notify},
            justification=reason,
        )
    # Deleted rows stay in the file's freed blocks until overwritten: rewrite it into a fresh file.
    result.file_not_rewritten = rewrite_file(store)
    result.file_rewritten = result.file_not_rewritten is None
    return result


def _exists(store: Store, table: str, cols: dict[str, str], source: str, person_id: str) -> bool:
    if "source" in cols and "person_id" in cols:
        return bool(store.sql(f"SELECT 1 FROM {_q(table)} WHERE CAST(source AS VARCHAR) = ? "
                              "AND CAST(person_id AS VARCHAR) = ? LIMIT 1", [source, person_id]))
    return False


def _erase_from_table(store: Store, deleted: dict[str, int], table: str, cols: dict[str, str], source: str,
                      ids: dict[str, set[str]], entities: set[str]) -> None:
    if "cache" in table:
        _delete(store, deleted, table, f"DELETE FROM {_q(table)}", [])
        return
    for column in cols:
        m = _ID_COLUMN.match(column)
        if m and not column.endswith("_raw"):
            source_col = f"{m['pre']}source{m['suf']}"
            wanted = sorted(ids[m["kind"]])
            if source_col in cols and wanted:
                _delete(store, deleted, table, delete_by_ids_sql(table, source_col, column, len(wanted)),
                        [source, *wanted])
        if column.endswith("type") and not column.endswith("_raw") and "source" in cols:
            id_col = column[: -len("type")] + "id"
            if id_col in cols:
                for kind, wanted_ids in ids.items():
                    if wanted_ids:
                        w = sorted(wanted_ids)
                        _delete(store, deleted, table,
                                delete_by_typed_ids_sql(table, _type_expr(cols, column), id_col, len(w)),
                                [source, kind, *w])
    if {"table_name", "source", "record_id"} <= set(cols):
        for kind, wanted_ids in ids.items():
            if wanted_ids:
                w = sorted(wanted_ids)
                _delete(store, deleted, table,
                        f"DELETE FROM {_q(table)} WHERE table_name = ? AND CAST(source AS VARCHAR) = ? "
                        f"AND CAST(record_id AS VARCHAR) IN ({', '.join('?' for _ in w)})",
                        [kind + "s", source, *w])
    if "raw" in cols and "table_name" in cols:
        for kind, wanted_ids in ids.items():
            for one in sorted(wanted_ids):
                pattern = r"(^|[^A-Za-z0-9_-])" + re.escape(one) + r"($|[^A-Za-z0-9_-])"
                _delete(store, deleted, table,
                        f"DELETE FROM {_q(table)} WHERE table_name IN (?, 'links', 'notes') "
                        "AND regexp_matches(CAST(raw AS VARCHAR), ?)", [kind + "s", pattern])
    if entities and not table.startswith(("raw_", "history_")) and table != "entity_persons" and not (
        {"object_id", "location_id"} & set(cols)
    ):
        w = sorted(entities)
        for column in cols:
            if _ENTITY_COLUMN.match(column):
                _delete(store, deleted, table,
                        f"DELETE FROM {_q(table)} WHERE CAST({_q(column)} AS VARCHAR) IN "
                        f"({', '.join('?' for _ in w)})", w)


def _sweep(store: Store, tables: dict[str, dict[str, str]], source: str, person_id: str) -> list[str]:
    """Columns that still hold the person's id as a whole word (reported, for a person to look at).

    Ids are unique only within a source, so in a table with a ``source`` column only that source's
    rows are searched.
    """
    pattern = r"(^|[^A-Za-z0-9_-])" + re.escape(person_id) + r"($|[^A-Za-z0-9_-])"
    found: list[str] = []
    for table, cols in tables.items():
        same_source = " AND CAST(source AS VARCHAR) = ?" if "source" in cols else ""
        for column, dtype in cols.items():
            # text, and lists or structs of text (names lists, JSON), read as text
            if column == "source" or not ("VARCHAR" in dtype.upper() or dtype.upper() == "JSON"):
                continue
            params = [pattern, source] if same_source else [pattern]
            if store.sql(f"SELECT 1 FROM {_q(table)} WHERE regexp_matches(CAST({_q(column)} AS VARCHAR), ?)"
                         f"{same_source} LIMIT 1", params):
                found.append(f"{table}.{column}")
    return found
