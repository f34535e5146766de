"""Dependencies every route module uses: the database, the signed-in session, CSRF, purpose.

A page or API module added later builds on these and never reads cookies or checks roles itself:

* ``require_session`` gives the live :class:`~clearpicture.security.sessions.Session` or answers 401;
* ``optional_session`` gives it or None (pages that redirect to the sign-in form);
* ``require_csrf`` refuses (403) a state-changing request without the session's CSRF token, taken
  from the ``X-CSRF-Token`` header or the ``csrf_token`` form field;
* ``stated_purpose`` reads the justification a user gives for opening personal data, from the
  ``purpose`` query parameter or the ``X-Purpose`` header;
* ``get_db`` gives the :class:`~clearpicture.web.db.Database` (``with db.reading() as store``).

Permissions themselves are asked of :func:`clearpicture.security.allowed`, and answers about
personal data written to the audit log with :func:`clearpicture.security.record`.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request
from fastapi.security import APIKeyCookie

from ..security.sessions import Session, SessionPolicy, touch_session
from .db import Database

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "client_id",
    "get_db",
    "optional_session",
    "require_csrf",
    "require_session",
    "session_cookie",
    "stated_purpose",
]

SESSION_COOKIE = "cp_session"
CSRF_HEADER = "X-CSRF-Token"
MAX_PURPOSE = 500
TOUCH_EVERY = timedelta(minutes=1)


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def client_id(request: Request) -> str:
    """The client address, for throttling sign-in attempts (the proxy's, behind one)."""
    return request.client.host if request.client else ""


#: Declares the session cookie in the OpenAPI document (as an API-key cookie) and reads it.
session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                              description="Session cookie set by POST /login (HttpOnly, SameSite=Strict).")


def optional_session(request: Request, db: Annotated[Database, Depends(get_db)]) -> Session | None:
    """The live session, or None. Reads the cookie itself so optional use stays out of the API's
    security requirements; routes that need a session declare ``session_cookie`` as well."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    policy: SessionPolicy = request.app.state.session_policy
    now = datetime.now(UTC).replace(tzinfo=None)
    session = db.session(token, policy, now)
    # Record activity at most once a minute: the idle timeout is counted in minutes, and each
    # touch is a write through the single writer.
    if session is not None and (session.last_seen is None or now - session.last_seen >= TOUCH_EVERY):
        with db.writing() as store:
            touch_session(store, session.token_hash, now)
    return session


def require_session(
    session: Annotated[Session | None, Depends(optional_session)],
    _declared: Annotated[str | None, Depends(session_cookie)] = None,
) -> Session:
    if session is None:
        raise HTTPException(status_code=401, detail="sign in first")
    return session


async def require_csrf(request: Request, session: Annotated[Session, Depends(require_session)]) -> Session:
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        token = value if isinstance(value, str) else None
    if not token or not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
    return session


def stated_purpose(
    purpose: Annotated[str | None, Query(max_length=MAX_PURPOSE, description="Why you are opening this record.")] = None,
    x_purpose: Annotated[str | None, Header(max_length=MAX_PURPOSE, description="Same as ?purpose=")] = None,
) -> str | None:
    text = (purpose if purpose is not None else x_purpose) or ""
    text = " ".join(text.split())
    return text or None
