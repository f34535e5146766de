"""The audit log over HTTP, for admins: read it and check its chain while the server holds the file.

A running server holds DuckDB's write lock on the workspace, so ``clearpicture audit`` cannot open
it until the server stops; these routes give the same answers meanwhile. Both need ``read_audit``
(admin). They never change the log.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, BeforeValidator

from ..security import Resource, allowed, audit
from ..security.sessions import Session
from .auth import Problem
from .db import Database
from .deps import get_db, require_session

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def _iso_only(value: object) -> object:
    """Refuse numbers posing as times (pydantic would read "0.5" as a Unix timestamp)."""
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError("expected an ISO 8601 date or date-time (UTC)")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


class AuditRow(BaseModel):
    seq: int
    at_utc: datetime
    actor: str
    role: str | None
    action: str
    what: Any
    justification: str | None
    recipient: str | None
    allowed: bool
    row_hash: str


class AuditPage(BaseModel):
    rows: list[AuditRow]
    count: int


class AuditCheck(BaseModel):
    ok: bool
    rows: int
    head: str
    problems: list[str]
    missing: list[str]


def _admin(session: Session) -> None:
    if not allowed(session.actor, "read_audit", Resource("audit")):
        raise HTTPException(status_code=403, detail="not allowed for your role")


_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": Problem}, 403: {"model": Problem}}


@router.get("", response_model=AuditPage, responses=_ERRORS)
def audit_rows(
    session: Annotated[Session, Depends(require_session)],
    db: Annotated[Database, Depends(get_db)],
    user: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> AuditPage:
    """Log rows, oldest first, filtered like ``clearpicture audit show`` (the last ``limit`` rows)."""
    _admin(session)
    with db.reading() as store:
        rows = audit.show(store, user=user, action=action, since=_naive_utc(since), until=_naive_utc(until))
    rows = rows[-limit:]
    # The log stores UTC without a zone; the answer says so explicitly (RFC 3339).
    return AuditPage(rows=[AuditRow(**{**r, "at_utc": r["at_utc"].replace(tzinfo=UTC)}) for r in rows],
                     count=len(rows))


def _naive_utc(value: datetime | None) -> datetime | None:
    """A filter time as the log stores times: UTC without a zone (a time without a zone is UTC)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


@router.get("/verify", response_model=AuditCheck, responses=_ERRORS)
def audit_verify(session: Annotated[Session, Depends(require_session)],
                 db: Annotated[Database, Depends(get_db)]) -> AuditCheck:
    """Check the hash chain, as ``clearpicture audit verify`` does."""
    _admin(session)
    with db.reading() as store:
        result = audit.verify(store)
    return AuditCheck(ok=result.ok, rows=result.rows, head=result.head, problems=result.problems,
                      missing=result.missing)
