"""The section 62 log (Data Protection Act 2018 Part 3): who did what to personal data, when and why.

One append-only table, ``audit_log``, with a row for each collection (ingest), alteration,
consultation (viewing personal data), disclosure (export), combination (linkage merges) and erasure,
allowed or refused, plus ``administration`` rows for user changes. Rows are hash-chained: each
row's hash covers its content and the previous row's hash, and ``audit_head`` holds the hash and
number of the last row, so :func:`verify` finds any edit, deletion (tail included) or reordering.
Someone holding the file can still rebuild the whole chain; to catch that, keep the head printed by
``clearpicture audit verify`` somewhere else and pass it back with ``--expect-head``.

Rows never hold a person's identifiers in clear: a person is named by a keyed hash (``person_ref``)
using a key kept in the workspace, so the log survives erasure without keeping the erased person's
details, while ``audit show --person SOURCE/ID`` can still find rows about a person it is told of.

Other stages call :func:`record`. This module must not decide permissions (that is
:mod:`.permissions`) and must never update or delete a row of ``audit_log``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import InputError
from ..store import Store
from .permissions import Actor

__all__ = [
    "AUDIT_ACTIONS",
    "Entry",
    "VerifyResult",
    "ensure_audit_tables",
    "escape_text",
    "person_ref",
    "record",
    "record_many",
    "show",
    "verify",
]

AUDIT_ACTIONS: tuple[str, ...] = (
    "collection",
    "alteration",
    "consultation",
    "disclosure",
    "combination",
    "erasure",
    "administration",
)

_GENESIS = "0" * 64
_KEY_NAME = "audit_subject_key"

_COLUMNS = ("seq", "at_utc", "actor", "role", "action", "what", "justification", "recipient", "allowed")


#: Stores whose audit tables and key are known to exist, with the key (saves a commit per row).
_READY: weakref.WeakKeyDictionary[Store, bytes] = weakref.WeakKeyDictionary()


def ensure_audit_tables(store: Store) -> None:
    """Create the log, its head and the subject key when missing (idempotent)."""
    if store in _READY:
        return
    _create_tables(store)
    _READY[store] = _subject_key(store)


def _create_tables(store: Store) -> None:
    store.execute(
        """CREATE TABLE IF NOT EXISTS audit_log (
            seq BIGINT PRIMARY KEY, at_utc TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, role VARCHAR,
            action VARCHAR NOT NULL, what VARCHAR NOT NULL, justification VARCHAR, recipient VARCHAR,
            allowed BOOLEAN NOT NULL, prev_hash VARCHAR NOT NULL, row_hash VARCHAR NOT NULL)"""
    )
    store.execute("CREATE TABLE IF NOT EXISTS audit_head (seq BIGINT, row_hash VARCHAR)")


def _subject_key(store: Store) -> bytes:
    if store in _READY:
        return _READY[store]
    rows = store.sql("SELECT value FROM meta WHERE key = ?", [_KEY_NAME])
    if rows:
        return bytes.fromhex(rows[0][0])
    key = secrets.token_hex(32)
    # The key and the log come into being together, so verify can tell a dropped log (key left
    # behind) from a workspace that never had one.
    _create_tables(store)
    store.execute("INSERT INTO meta VALUES (?, ?)", [_KEY_NAME, key])
    return bytes.fromhex(key)


def person_ref(store: Store, source: str, person_id: str) -> str:
    """A stable pseudonymous name for a person record, for log rows (keyed HMAC-SHA256)."""
    msg = json.dumps(["person", source, person_id]).encode()
    return "p:" + hmac.new(_subject_key(store), msg, hashlib.sha256).hexdigest()[:32]


def _actor_fields(actor: Actor | str) -> tuple[str, str | None]:
    if isinstance(actor, Actor):
        return actor.username, actor.role
    return str(actor), None


def _pseudonymise_what(store: Store, what: str | Mapping[str, Any]) -> str:
    """Canonical JSON of ``what`` with any ``person``/``persons`` replaced by their refs."""
    if isinstance(what, str):
        return json.dumps(what, ensure_ascii=True)
    doc = dict(what)
    if "person" in doc:
        source, pid = doc.pop("person")
        doc["person_ref"] = person_ref(store, str(source), str(pid))
    if "persons" in doc:
        doc["person_refs"] = [person_ref(store, str(s), str(p)) for s, p in doc.pop("persons")]
    return json.dumps(doc, ensure_ascii=True, sort_keys=True, default=str)


def _row_hash(prev_hash: str, values: Sequence[Any]) -> str:
    canonical = json.dumps(
        [v.isoformat(timespec="microseconds") if isinstance(v, datetime) else v for v in values],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + "\n" + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One row to append with :func:`record_many` (the arguments of :func:`record`)."""

    actor: Actor | str
    action: str
    what: str | Mapping[str, Any]
    justification: str | None = None
    recipient: str | None = None
    allowed: bool = True


def record(
    store: Store,
    actor: Actor | str,
    action: str,
    what: str | Mapping[str, Any],
    justification: str | None = None,
    recipient: str | None = None,
    allowed: bool = True,
) -> int:
    """Append one row to the log and return its sequence number.

    ``what`` is a short description or a mapping; in a mapping, ``person: (source, id)`` and
    ``persons: [(source, id), ...]`` are replaced by pseudonymous refs, so callers can name people
    naturally without their identifiers landing in the log. Runs inside the caller's transaction
    when there is one (an ingest run logs its collection atomically with the load).
    """
    return record_many(store, [Entry(actor, action, what, justification, recipient, allowed)])[0]


def record_many(store: Store, entries: Sequence[Entry]) -> list[int]:
    """Append several rows in one transaction (one commit), chained in the order given.

    Each row is exactly the row :func:`record` would have written for its entry; only the commit
    is shared, which is what makes many concurrent page views cheap to log (the web app's group
    commit). All rows are written or none.
    """
    for e in entries:
        if e.action not in AUDIT_ACTIONS:
            raise InputError(f"audit: unknown action {e.action!r} (one of {', '.join(AUDIT_ACTIONS)})")
    if not entries:
        return []
    ensure_audit_tables(store)
    with store.transaction():
        head = store.sql("SELECT seq, row_hash FROM audit_head")
        seq, prev = (int(head[0][0]), str(head[0][1])) if head else (0, _GENESIS)
        rows: list[list[Any]] = []
        for e in entries:
            username, role = _actor_fields(e.actor)
            seq += 1
            at = datetime.now(UTC).replace(tzinfo=None)
            values = [seq, at, username, role, e.action, _pseudonymise_what(store, e.what), e.justification,
                      e.recipient, bool(e.allowed)]
            row_hash = _row_hash(prev, values)
            rows.append([*values, prev, row_hash])
            prev = row_hash
        if len(rows) == 1:
            store.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows[0])
        else:
            store.con.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        store.execute("DELETE FROM audit_head")
        store.execute("INSERT INTO audit_head VALUES (?, ?)", [seq, prev])
    return [int(r[0]) for r in rows]


@dataclass
class VerifyResult:
    """Outcome of :func:`verify`: ``ok`` only when the chain is whole and matches the head."""

    ok: bool
    rows: int
    head: str
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


#: Stage runs that handle personal data, and the log row each must have written (naming its run_id).
LOGGED_STAGES: dict[str, str] = {"ingest": "collection", "link": "combination"}


def missing_rows(store: Store) -> list[str]:
    """Completed runs of :data:`LOGGED_STAGES` with no log row naming their run id."""
    if not store.has_table("runs"):
        return []
    have_log = store.has_table("audit_log")
    out: list[str] = []
    for stage, action in LOGGED_STAGES.items():
        for run_id, finished in store.sql(
            "SELECT run_id, finished_at FROM runs WHERE stage = ? AND status = 'ok' ORDER BY started_at", [stage]
        ):
            logged = have_log and store.sql(
                "SELECT 1 FROM audit_log WHERE action = ? AND contains(what, ?) LIMIT 1", [action, str(run_id)])
            if not logged:
                out.append(f"{stage} run {run_id} (finished {finished}) has no {action} row")
    return out


def verify(store: Store, expect_head: str | None = None, *, strict: bool = False) -> VerifyResult:
    """Walk the chain in sequence order and report every break (edit, gap, reorder, truncation).

    ``missing`` lists stage runs that handled personal data without logging it; with ``strict``
    they count as problems too.
    """
    missing = missing_rows(store)
    result = _verify_chain(store, expect_head)
    result.missing = missing
    if strict and missing:
        result.problems += missing
        result.ok = False
    return result


def _verify_chain(store: Store, expect_head: str | None) -> VerifyResult:
    if not store.has_table("audit_log"):
        # A workspace that never had a log has neither its head nor the subject key (both are made
        # with the log); either one left behind means the log was there and has been dropped.
        had_log = store.has_table("audit_head") or bool(
            store.has_table("meta") and store.sql("SELECT 1 FROM meta WHERE key = ?", [_KEY_NAME]))
        missing = had_log or expect_head not in (None, _GENESIS)
        return VerifyResult(ok=not missing, rows=0, head=_GENESIS,
                            problems=["audit log is missing (the workspace had one)" if had_log
                                      else "audit log is missing"] if missing else [])
    cols = ", ".join(_COLUMNS)
    # Each hash covers the row's own sequence number and the previous hash, so swapping rows,
    # renumbering them or removing one breaks the chain wherever it happened.
    rows = store.sql(f"SELECT {cols}, prev_hash, row_hash FROM audit_log ORDER BY seq")
    problems: list[str] = []
    prev = _GENESIS
    for i, row in enumerate(rows, start=1):
        values, prev_hash, row_hash = list(row[:-2]), row[-2], row[-1]
        if values[0] != i:
            problems.append(f"row {i}: sequence number {values[0]} where {i} was expected")
        if prev_hash != prev:
            problems.append(f"row {i}: does not follow the previous row (deleted or reordered rows)")
        if _row_hash(prev_hash, values) != row_hash:
            problems.append(f"row {i}: content does not match its hash (edited)")
        prev = row_hash
    head_rows = store.sql("SELECT seq, row_hash FROM audit_head") if store.has_table("audit_head") else []
    if rows or head_rows:
        if len(head_rows) != 1:
            problems.append("audit head is missing or duplicated")
        elif head_rows[0][0] != len(rows) or head_rows[0][1] != prev:
            problems.append(
                f"audit head says {head_rows[0][0]} rows ending {str(head_rows[0][1])[:12]}, "
                f"the log has {len(rows)} ending {prev[:12]} (rows removed or added)"
            )
    if expect_head is not None and expect_head != prev:
        problems.append(f"last hash {prev[:12]}... is not the expected head {expect_head[:12]}...")
    return VerifyResult(ok=not problems, rows=len(rows), head=prev, problems=problems)


def escape_text(value: object) -> str:
    """A log value made safe to print on a terminal or in a log viewer (no control characters)."""
    text = "" if value is None else str(value)
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def show(
    store: Store,
    *,
    user: str | None = None,
    person: tuple[str, str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    """Rows of the log matching every filter given, oldest first. ``what`` is parsed back from JSON."""
    if not store.has_table("audit_log"):
        return []
    where: list[str] = []
    params: list[Any] = []
    if user is not None:
        where.append("actor = ?")
        params.append(user)
    if person is not None:
        where.append("contains(what, ?)")
        params.append(person_ref(store, person[0], person[1]))
    if since is not None:
        where.append("at_utc >= ?")
        params.append(since)
    if until is not None:
        where.append("at_utc <= ?")
        params.append(until)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    rows = store.dicts(f"SELECT {', '.join(_COLUMNS)}, row_hash FROM audit_log{clause} ORDER BY seq", params)
    for r in rows:
        r["what"] = json.loads(r["what"])
    return rows
