"""User accounts: who may sign in, with which role and source scope, and password checks.

Passwords are stored only as argon2id hashes (argon2-cffi). Sign-in is throttled: after
``MAX_FAILURES`` failed attempts for a username, or from one client, within ``FAILURE_WINDOW``,
further attempts are refused without checking the password until the window has passed. A check
against an unknown username still costs one hash, so timing does not reveal which names exist.
Disabling a user ends every session they hold.

This module must not decide what a user may do (that is :mod:`.permissions`) nor speak HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..errors import InputError
from ..store import Store
from . import audit
from .permissions import ROLES, Actor

__all__ = [
    "FAILURE_WINDOW",
    "MAX_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "RETENTION",
    "LoginOutcome",
    "add_user",
    "authenticate",
    "begin_attempt",
    "check_attempt",
    "check_password",
    "disable_user",
    "enable_user",
    "ensure_user_tables",
    "finish_attempt",
    "get_actor",
    "is_throttled",
    "list_users",
    "set_password",
]

#: Replaced in tests by a cheaper hasher; the default parameters are argon2-cffi's (RFC 9106 low-memory).
PASSWORD_HASHER = PasswordHasher()
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
#: How long sign-in attempts and ended sessions are kept.
RETENTION = timedelta(days=90)
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
_SOURCE = re.compile(r"^[A-Za-z0-9._-]{1,64}$|^\*$")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_user_tables(store: Store) -> None:
    """Create ``users``, ``user_sessions`` and ``user_login_attempts`` when missing."""
    store.execute(
        """CREATE TABLE IF NOT EXISTS users (
            username VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, sources VARCHAR NOT NULL,
            password_hash VARCHAR NOT NULL, active BOOLEAN NOT NULL, created_at TIMESTAMP,
            disabled_at TIMESTAMP)"""
    )
    store.execute(
        """CREATE TABLE IF NOT EXISTS user_sessions (
            token_hash VARCHAR PRIMARY KEY, username VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
            last_seen TIMESTAMP NOT NULL, authenticated_at TIMESTAMP NOT NULL, csrf_token VARCHAR NOT NULL,
            ended_at TIMESTAMP, end_reason VARCHAR)"""
    )
    store.execute(
        """CREATE TABLE IF NOT EXISTS user_login_attempts (
            attempted_at TIMESTAMP NOT NULL, username VARCHAR, client VARCHAR, ok BOOLEAN NOT NULL)"""
    )


def _parse_sources(sources: Iterable[str]) -> list[str]:
    out = sorted({s.strip() for s in sources if s.strip()})
    bad = [s for s in out if not _SOURCE.match(s)]
    if bad:
        raise InputError(f"users: source code {bad[0]!r} is not a valid code")
    return out


def add_user(
    store: Store,
    username: str,
    role: str,
    password: str,
    sources: Iterable[str] = (),
    *,
    by: Actor | str = "cli",
) -> Actor:
    """Create an account. Analysts need at least one source; other roles take none."""
    if not _NAME.match(username):
        raise InputError(f"users: name {username!r} must be 1-64 letters, digits or . _ @ -")
    if role not in ROLES:
        raise InputError(f"users: role {role!r} is not one of {', '.join(ROLES)}")
    scope = _parse_sources(sources)
    if role == "analyst" and not scope:
        raise InputError("users: an analyst needs --sources naming the sources they may see")
    if role != "analyst" and scope:
        raise InputError(f"users: --sources applies to analysts only, not {role}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"users: the password must be at least {MIN_PASSWORD_LENGTH} characters")
    ensure_user_tables(store)
    with store.transaction():
        if store.sql("SELECT 1 FROM users WHERE username = ?", [username]):
            raise InputError(f"users: {username!r} already exists")
        store.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, TRUE, ?, NULL)",
            [username, role, ",".join(scope), PASSWORD_HASHER.hash(password), _now()],
        )
        audit.record(store, by, "administration",
                     {"event": "user added", "user": username, "role": role, "sources": scope})
    return Actor(username=username, role=role, sources=frozenset(scope))


def list_users(store: Store) -> list[dict[str, Any]]:
    """Accounts without their password hashes."""
    if not store.has_table("users"):
        return []
    rows = store.dicts(
        "SELECT username, role, sources, active, created_at, disabled_at FROM users ORDER BY username"
    )
    for r in rows:
        r["sources"] = [s for s in str(r["sources"]).split(",") if s]
    return rows


def disable_user(store: Store, username: str, *, by: Actor | str = "cli") -> int:
    """Disable an account and end its sessions; returns how many sessions were ended."""
    ensure_user_tables(store)
    with store.transaction():
        if not store.sql("SELECT 1 FROM users WHERE username = ?", [username]):
            raise InputError(f"users: no user {username!r}")
        now = _now()
        store.execute("UPDATE users SET active = FALSE, disabled_at = ? WHERE username = ?", [now, username])
        live = store.sql(
            "SELECT count(*) FROM user_sessions WHERE username = ? AND ended_at IS NULL", [username]
        )[0][0]
        store.execute(
            "UPDATE user_sessions SET ended_at = ?, end_reason = 'user disabled' "
            "WHERE username = ? AND ended_at IS NULL",
            [now, username],
        )
        audit.record(store, by, "administration", {"event": "user disabled", "user": username,
                                                   "sessions_ended": int(live)})
    return int(live)


def set_password(store: Store, username: str, password: str, *, by: Actor | str = "cli") -> int:
    """Give an account a new password and end its sessions; returns how many sessions were ended."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"users: the password must be at least {MIN_PASSWORD_LENGTH} characters")
    ensure_user_tables(store)
    with store.transaction():
        if not store.sql("SELECT 1 FROM users WHERE username = ?", [username]):
            raise InputError(f"users: no user {username!r}")
        store.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                      [PASSWORD_HASHER.hash(password), username])
        live = int(store.sql("SELECT count(*) FROM user_sessions WHERE username = ? AND ended_at IS NULL",
                             [username])[0][0])
        store.execute("UPDATE user_sessions SET ended_at = ?, end_reason = 'password changed' "
                      "WHERE username = ? AND ended_at IS NULL", [_now(), username])
        audit.record(store, by, "administration", {"event": "password set", "user": username,
                                                   "sessions_ended": live})
    return live


def enable_user(store: Store, username: str, *, by: Actor | str = "cli") -> None:
    """Re-enable a disabled account (its old sessions stay ended)."""
    ensure_user_tables(store)
    with store.transaction():
        if not store.sql("SELECT 1 FROM users WHERE username = ?", [username]):
            raise InputError(f"users: no user {username!r}")
        store.execute("UPDATE users SET active = TRUE, disabled_at = NULL WHERE username = ?", [username])
        audit.record(store, by, "administration", {"event": "user enabled", "user": username})


def get_actor(store: Store, username: str, authenticated_at: datetime | None = None) -> Actor | None:
    """The active account named ``username`` as an Actor, or None."""
    rows = store.sql("SELECT role, sources, active FROM users WHERE username = ?", [username])
    if not rows or not rows[0][2]:
        return None
    role, sources, _ = rows[0]
    return Actor(
        username=username,
        role=str(role),
        sources=frozenset(s for s in str(sources).split(",") if s),
        authenticated_at=authenticated_at,
    )


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a sign-in attempt: an actor, or why not (``throttled`` or bad credentials)."""

    actor: Actor | None
    throttled: bool = False


def _recent_failures(store: Store, column: str, value: str, now: datetime) -> int:
    # Only failures since the last success count, so a user who signs in is not locked by old typos.
    return int(store.sql(
        f"""SELECT count(*) FROM user_login_attempts WHERE {column} = ? AND NOT ok AND attempted_at > ?
            AND attempted_at > coalesce((SELECT max(attempted_at) FROM user_login_attempts WHERE {column} = ? AND ok),
                              TIMESTAMP '1970-01-01')""",
        [value, now - FAILURE_WINDOW, value],
    )[0][0])


def is_throttled(store: Store, username: str, client: str, now: datetime | None = None) -> bool:
    now = now or _now()
    return (_recent_failures(store, "username", username, now) >= MAX_FAILURES
            or (bool(client) and _recent_failures(store, "client", client, now) >= MAX_FAILURES * 4))


def check_password(store: Store, username: str, password: str) -> bool:
    """True when ``password`` is right for the active account ``username`` (no throttling, no log)."""
    rows = store.sql("SELECT password_hash, active FROM users WHERE username = ?", [username])
    stored = str(rows[0][0]) if rows else None
    try:
        if stored is None:
            # Spend the same effort as for a real account so timing reveals nothing.
            PASSWORD_HASHER.verify(_dummy_hash(), password)
            return False
        PASSWORD_HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return bool(rows[0][1])


_DUMMY: dict[int, str] = {}


def _dummy_hash() -> str:
    key = id(PASSWORD_HASHER)
    if key not in _DUMMY:
        _DUMMY[key] = PASSWORD_HASHER.hash("not a password of anyone")
    return _DUMMY[key]


def begin_attempt(store: Store, username: str, client: str = "") -> datetime | None:
    """The first, writing, step of a sign-in: None when throttled, else the attempt is noted as a
    failure at once (returning its time) and only turned into a success by :func:`finish_attempt`.

    Counting before the (slow) password check is what makes the throttle hold against guesses sent
    at once: run under the single writer, each attempt sees every earlier one, so no more than
    ``MAX_FAILURES`` of them reach a password check in the window.
    """
    now = _now()
    if is_throttled(store, username[:200], client, now):
        return None
    store.execute("INSERT INTO user_login_attempts VALUES (?, ?, ?, FALSE)", [now, username[:200], client[:200]])
    # Sign-in attempts are staff data kept for security monitoring, not for ever.
    store.execute("DELETE FROM user_login_attempts WHERE attempted_at < ?", [now - RETENTION])
    return now


def check_attempt(store: Store, username: str, password: str) -> Actor | None:
    """The reading step: the (slow) password check. Writes nothing, so the web app runs it without
    holding the single writer."""
    username = username[:200]
    if not check_password(store, username, password):
        return None
    return get_actor(store, username, authenticated_at=_now())


def finish_attempt(store: Store, username: str, client: str, attempted_at: datetime) -> None:
    """The last, writing, step of a successful sign-in: its attempt counts as a success (which
    clears the failures before it)."""
    store.execute("UPDATE user_login_attempts SET ok = TRUE WHERE attempted_at = ? AND username = ? "
                  "AND client = ? AND NOT ok", [attempted_at, username[:200], client[:200]])


def authenticate(store: Store, username: str, password: str, client: str = "") -> LoginOutcome:
    """Check a sign-in attempt, record it, and apply throttling (every step on one store)."""
    ensure_user_tables(store)
    at = begin_attempt(store, username, client)
    if at is None:
        return LoginOutcome(actor=None, throttled=True)
    actor = check_attempt(store, username, password)
    if actor is not None:
        finish_attempt(store, username, client, at)
    return LoginOutcome(actor=actor)
