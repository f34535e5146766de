"""The case review list and the closed-case re-examination view, as plain data for pages and CLI.

The stage writes ``investigation_review`` (one row per case and failed check, with the reason) and
``investigation_review_evidence`` (the records behind each reason). A supervisor accepts or
dismisses an item with a reason: :func:`decide_review` appends to
``investigation_review_decisions`` (who, when, why; never updated in place, the latest decision
stands) and writes an ``alteration`` row to the section 62 audit log. Decisions survive re-runs of
the stage. This module must not decide permissions (callers check
:func:`clearpicture.security.permissions.allowed`) and must not rank people.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ..errors import InputError
from ..security import audit
from ..security.permissions import Actor
from ..store import Store

__all__ = [
    "DECISIONS_DDL",
    "RecordRef",
    "ReviewCase",
    "ReviewReason",
    "decide_review",
    "ensure_decisions_table",
    "reexamination",
    "review_list",
]

Decision = Literal["accept", "dismiss"]

DECISIONS_DDL = """CREATE TABLE IF NOT EXISTS investigation_review_decisions (
    case_source VARCHAR NOT NULL, case_event_id VARCHAR NOT NULL, check_id VARCHAR NOT NULL,
    decision VARCHAR NOT NULL, reason VARCHAR NOT NULL, decided_by VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL)"""


@dataclass(frozen=True)
class RecordRef:
    """One record behind a reason: its source, type (person or event), id and part in the case."""

    source: str
    record_type: str
    record_id: str
    role: str


@dataclass
class ReviewReason:
    """One failed check on a case, with its evidence and the latest supervisor decision, if any."""

    check_id: str
    reason: str
    records: list[RecordRef] = field(default_factory=list)
    decision: str | None = None
    decision_reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


@dataclass
class ReviewCase:
    """A case on the review list: the crime, where it sits, and every reason it is listed."""

    case: tuple[str, str]
    force: str
    team: str
    outcome: str | None
    reasons: list[ReviewReason] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return any(r.decision is None for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["case"] = list(self.case)
        return doc


def ensure_decisions_table(store: Store) -> None:
    store.execute(DECISIONS_DDL)


def review_list(store: Store, pending_only: bool = False, force: str | None = None,
                team: str | None = None) -> list[ReviewCase]:
    """Cases that fall short of the checklist, oldest crime first, each with reasons and records."""
    if not store.has_table("investigation_review"):
        raise InputError("investigations: no review list yet; run `clearpicture investigations --db DB` first")
    # read-only workspaces (the web's readers) may predate the decisions table: read it as empty
    decisions = ("investigation_review_decisions" if store.has_table("investigation_review_decisions") else
                 "(SELECT NULL AS case_source, NULL AS case_event_id, NULL AS check_id, NULL AS decision, "
                 "NULL AS reason, NULL AS decided_by, CAST(NULL AS TIMESTAMP) AS decided_at WHERE false)")
    rows = store.dicts(
        f"""WITH latest AS (
               SELECT * FROM (SELECT d.*, row_number() OVER (PARTITION BY case_source, case_event_id, check_id
                                                           ORDER BY decided_at DESC) AS k
                              FROM {decisions} d) WHERE k = 1)
           SELECT r.source, r.event_id, r.check_id, r.reason, r.force, r.team, r.outcome, r.started_at,
               l.decision, l.reason AS decision_reason, l.decided_by, l.decided_at
           FROM investigation_review r
           LEFT JOIN latest l ON l.case_source = r.source AND l.case_event_id = r.event_id
               AND l.check_id = r.check_id
           WHERE (? IS NULL OR r.force = ?) AND (? IS NULL OR r.team = ?)
           ORDER BY r.started_at NULLS LAST, r.source, r.event_id, r.check_order""",
        [force, force, team, team])
    evidence: dict[tuple[str, str, str], list[RecordRef]] = {}
    for s, e, c, src, rtype, rid, role in store.sql(
            "SELECT case_source, case_event_id, check_id, source, record_type, record_id, role "
            "FROM investigation_review_evidence ORDER BY record_type DESC, source, record_id, role"):
        evidence.setdefault((s, e, c), []).append(RecordRef(src, rtype, rid, role))
    cases: dict[tuple[str, str], ReviewCase] = {}
    for r in rows:
        key = (str(r["source"]), str(r["event_id"]))
        case = cases.get(key)
        if case is None:
            case = cases[key] = ReviewCase(key, r["force"], r["team"], r["outcome"])
        case.reasons.append(ReviewReason(r["check_id"], r["reason"], evidence.get((*key, r["check_id"]), []),
                                         r["decision"], r["decision_reason"], r["decided_by"], r["decided_at"]))
    out = list(cases.values())
    return [c for c in out if c.pending] if pending_only else out


def decide_review(store: Store, case: tuple[str, str], check_id: str, decision: Decision, reason: str,
                  actor: Actor | str) -> None:
    """Record a supervisor's accept/dismiss of one review item, with the reason, and log it.

    The decision row and the audit row are written in one transaction.
    """
    if decision not in ("accept", "dismiss"):
        raise InputError(f"investigations: decision must be accept or dismiss, not {decision!r}")
    if not reason or not reason.strip():
        raise InputError("investigations: a decision needs a reason")
    if not store.has_table("investigation_review") or not store.sql(
            "SELECT 1 FROM investigation_review WHERE source = ? AND event_id = ? AND check_id = ?",
            [case[0], case[1], check_id]):
        raise InputError(f"investigations: no review item {case[0]}/{case[1]} for check {check_id!r}")
    who = actor.username if isinstance(actor, Actor) else str(actor)
    with store.transaction():
        ensure_decisions_table(store)
        store.execute("INSERT INTO investigation_review_decisions VALUES (?, ?, ?, ?, ?, ?, ?)",
                      [case[0], case[1], check_id, decision, reason.strip(), who,
                       datetime.now(UTC).replace(tzinfo=None)])
        audit.record(store, actor, "alteration",
                     {"table": "investigation_review_decisions", "case": [case[0], case[1]],
                      "check": check_id, "decision": decision}, justification=reason.strip())


def reexamination(store: Store) -> list[dict[str, Any]]:
    """Closed cases (not charged) whose victim or a suspect now belongs to a detected group.

    One dict per case: case, force, team, outcome, outcome_at, and ``groups``: a list of
    {group_id, via (victim or suspect), member_role, entity_id}.
    """
    if not store.has_table("investigation_reexamination"):
        raise InputError("investigations: no re-examination view yet; run `clearpicture investigations` first")
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for r in store.dicts("SELECT * FROM investigation_reexamination "
                         "ORDER BY outcome_at NULLS LAST, source, event_id, group_id, via"):
        key = (str(r["source"]), str(r["event_id"]))
        doc = out.setdefault(key, {"case": list(key), "force": r["force"], "team": r["team"],
                                   "outcome": r["outcome"], "outcome_at": r["outcome_at"], "groups": []})
        doc["groups"].append({"group_id": r["group_id"], "via": r["via"], "member_role": r["member_role"],
                              "entity_id": r["entity_id"]})
    return list(out.values())
