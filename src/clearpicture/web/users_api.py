"""Accounts over HTTP, for admins: list, add, disable, while the server holds the workspace.

Same rules as ``clearpicture users`` (:mod:`clearpicture.security.users`); each change needs
``manage_users`` (admin) and the session's CSRF token, and is logged as an administration row.
Passwords never come back out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, Field

from ..security import Resource, allowed
from ..security.sessions import Session
from ..security.users import add_user, disable_user, list_users
from ..store import Store
from .auth import Problem
from .db import Database
from .deps import get_db, require_csrf, require_session

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class Account(BaseModel):
    username: str
    role: str
    sources: list[str]
    active: bool
    created_at: datetime | None
    disabled_at: datetime | None


_SourceCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$|^\*$")]


class _Account(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=12, max_length=1000)


class NewAnalyst(_Account):
    """An analyst: personal data only from the sources named."""

    role: Literal["analyst"]
    sources: list[_SourceCode] = Field(min_length=1)


class NewAdminOrNational(_Account):
    """An admin or national user: no source scope."""

    role: Literal["admin", "national"]
    sources: list[_SourceCode] = Field(default_factory=list, max_length=0)


NewAccount = Annotated[NewAnalyst | NewAdminOrNational, Field(discriminator="role")]


class Disabled(BaseModel):
    username: str
    sessions_ended: int


_ERRORS: dict[int | str, dict[str, object]] = {400: {"model": Problem}, 401: {"model": Problem},
                                               403: {"model": Problem}, 404: {"model": Problem},
                                               409: {"model": Problem}}


def _admin(session: Session) -> None:
    if not allowed(session.actor, "manage_users", Resource("users")):
        raise HTTPException(status_code=403, detail="not allowed for your role")


def _exists(store: Store, username: str) -> bool:
    return bool(store.sql("SELECT 1 FROM users WHERE username = ?", [username]))


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


@router.get("", response_model=list[Account], responses=_ERRORS)
def accounts(session: Annotated[Session, Depends(require_session)],
             db: Annotated[Database, Depends(get_db)]) -> list[Account]:
    """Every account, without passwords."""
    _admin(session)
    with db.reading() as store:
        rows = list_users(store)
    return [Account(**{**r, "created_at": _utc(r["created_at"]), "disabled_at": _utc(r["disabled_at"])})
            for r in rows]


@router.post("", response_model=Account, status_code=201, responses=_ERRORS)
def add_account(new: NewAccount, session: Annotated[Session, Depends(require_csrf)],
                db: Annotated[Database, Depends(get_db)]) -> Account:
    """Add an account (analysts need sources; others take none)."""
    _admin(session)
    with db.writing() as store:
        if _exists(store, new.username):
            raise HTTPException(status_code=409, detail=f"{new.username!r} already exists")
        actor = add_user(store, new.username, new.role, new.password, new.sources, by=session.actor)
    return Account(username=actor.username, role=actor.role, sources=sorted(actor.sources), active=True,
                   created_at=datetime.now(UTC), disabled_at=None)


@router.post("/{username}/disable", response_model=Disabled, responses=_ERRORS)
def disable_account(username: Annotated[str, Path(min_length=1, max_length=64)],
                    session: Annotated[Session, Depends(require_csrf)],
                    db: Annotated[Database, Depends(get_db)]) -> Disabled:
    """Disable an account; its sessions end at once."""
    _admin(session)
    with db.writing() as store:
        if not _exists(store, username):
            raise HTTPException(status_code=404, detail="no such user")
        ended = disable_user(store, username, by=session.actor)
    return Disabled(username=username, sessions_ended=ended)
