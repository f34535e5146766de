"""Server-side sessions: a random token in an HttpOnly cookie, its hash in ``user_sessions``.

Only the SHA-256 of a token is stored, so a copy of the workspace does not hand out live sessions.
A session ends after ``idle`` without a request or ``absolute`` after sign-in, whichever is first,
on sign-out, or when its user is disabled. Each session carries a CSRF token that every form and
state-changing request must return, and the time of the last password check, which the
permission rules use for actions that need re-authentication.

This module must not speak HTTP (no cookies or headers here): the web layer does that.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..store import Store
from .permissions import Actor
from .users import RETENTION, ensure_user_tables, get_actor

__all__ = [
    "Session",
    "SessionPolicy",
    "create_session",
    "end_session",
    "load_session",
    "mark_reauthenticated",
    "token_hash",
    "touch_session",
]


@dataclass(frozen=True)
class SessionPolicy:
    """Timeouts (principles.md item 12). Defaults: 30 minutes idle, 8 hours absolute."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=8)


@dataclass(frozen=True)
class Session:
    """A live session: who, the CSRF token its forms must carry, and its stored key."""

    token_hash: str
    actor: Actor
    csrf_token: str
    last_seen: datetime | None = None
    #: When the session times out if nothing happens (the earlier of its idle and absolute limits).
    expires_at: datetime | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_session(store: Store, username: str, now: datetime | None = None) -> tuple[str, str]:
    """Start a session for ``username`` (already authenticated); returns (token, csrf_token)."""
    ensure_user_tables(store)
    now = now or _now()
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    store.execute(
        "INSERT INTO user_sessions VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
        [token_hash(token), username, now, now, now, csrf],
    )
    # Sessions long over (ended, or past any absolute timeout) are kept only for the retention period.
    store.execute("DELETE FROM user_sessions WHERE coalesce(ended_at, last_seen) < ?", [now - RETENTION])
    return token, csrf


def load_session(
    store: Store, token: str, policy: SessionPolicy = SessionPolicy(), now: datetime | None = None
) -> Session | None:
    """The live session for ``token``, or None when unknown, ended, timed out or its user disabled.

    Reads only; the caller ends timed-out sessions and records activity with :func:`touch_session`.
    """
    if not token or len(token) > 200:
        return None
    now = now or _now()
    rows = store.sql(
        "SELECT username, created_at, last_seen, authenticated_at, csrf_token FROM user_sessions "
        "WHERE token_hash = ? AND ended_at IS NULL",
        [token_hash(token)],
    )
    if not rows:
        return None
    username, created, last_seen, authenticated_at, csrf = rows[0]
    if now - last_seen > policy.idle or now - created > policy.absolute:
        return None
    actor = get_actor(store, str(username), authenticated_at=authenticated_at)
    if actor is None:
        return None
    return Session(token_hash=token_hash(token), actor=actor, csrf_token=str(csrf), last_seen=last_seen,
                   expires_at=min(last_seen + policy.idle, created + policy.absolute))


def touch_session(store: Store, hashed: str, now: datetime | None = None) -> None:
    store.execute("UPDATE user_sessions SET last_seen = ? WHERE token_hash = ?", [now or _now(), hashed])


def mark_reauthenticated(store: Store, hashed: str, now: datetime | None = None) -> None:
    store.execute(
        "UPDATE user_sessions SET authenticated_at = ? WHERE token_hash = ?", [now or _now(), hashed]
    )


def end_session(store: Store, token: str, reason: str = "signed out") -> None:
    store.execute(
        "UPDATE user_sessions SET ended_at = ?, end_reason = ? WHERE token_hash = ? AND ended_at IS NULL",
        [_now(), reason, token_hash(token)],
    )
