"""Sign-in, sign-out and re-authentication.

``POST /login`` (form fields ``username``, ``password``) checks the password with throttling,
starts a server-side session and sets the ``cp_session`` cookie (HttpOnly, SameSite=Strict,
Secure over https). A browser (``Accept: text/html``) is sent on to ``/``; a script gets JSON with
the session's CSRF token. The sign-in form carries its own CSRF token (double-submit cookie).
``POST /logout`` ends the session. ``POST /reauth`` checks the password again before the
actions that need it (bulk export, erasure, undoing a merge); it needs the CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from ..security.sessions import Session, create_session, end_session, mark_reauthenticated
from ..security.users import LoginOutcome, begin_attempt, check_attempt, finish_attempt
from .db import Database
from .deps import SESSION_COOKIE, client_id, get_db, optional_session, require_csrf, require_session
from .templating import render

__all__ = ["router"]

router = APIRouter(tags=["session"])

LOGIN_CSRF_COOKIE = "cp_login_csrf"
_FAILED = "The user name or password is not right."
_THROTTLED = "Too many failed attempts. Wait 15 minutes and try again."


class SessionInfo(BaseModel):
    """Who is signed in, and the token state-changing requests must send as X-CSRF-Token."""

    username: str
    role: str
    sources: list[str]
    csrf_token: str


class Problem(BaseModel):
    detail: str


def _check(db: Database, username: str, password: str, client: str) -> LoginOutcome:
    """Note the attempt through the single writer (refused when throttled), check the password on
    a reading cursor (the slow hash holds no lock), then mark a success."""
    with db.writing() as store:
        at = begin_attempt(store, username, client)
    if at is None:
        return LoginOutcome(actor=None, throttled=True)
    with db.reading() as store:
        actor = check_attempt(store, username, password)
    if actor is not None:
        with db.writing() as store:
            finish_attempt(store, username, client, at)
    return LoginOutcome(actor=actor)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _info(session_actor_name: str, role: str, sources: frozenset[str], csrf: str) -> SessionInfo:
    return SessionInfo(username=session_actor_name, role=role, sources=sorted(sources), csrf_token=csrf)


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    secure = bool(request.app.state.secure_cookies) or request.url.scheme == "https"
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=secure, path="/")


@router.get("/login", response_class=HTMLResponse,
            responses={303: {"description": "Already signed in: go to the overview"}})
def login_page(request: Request, session: Annotated[Session | None, Depends(optional_session)]) -> Response:
    """The sign-in form (HTML)."""
    if session is not None:
        return RedirectResponse("/", status_code=303)
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", {"login_csrf": token})
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


def _login_failed(request: Request, status: int, message: str) -> Response:
    headers = {"Retry-After": "900"} if status == 429 else {}
    if _wants_html(request):
        token = secrets.token_urlsafe(32)
        page = render(request, "login.html", {"login_csrf": token, "message": message}, status_code=status)
        page.headers.update(headers)
        _set_cookie(request, page, LOGIN_CSRF_COOKIE, token)
        return page
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


@router.post(
    "/login",
    response_model=SessionInfo,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 429: {"model": Problem},
               303: {"description": "Signed in (browser): go to the overview"}},
)
def login(
    request: Request,
    username: Annotated[str, Form(min_length=1, max_length=200)],
    password: Annotated[str, Form(min_length=1, max_length=1000)],
    db: Annotated[Database, Depends(get_db)],
    csrf_token: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """Sign in with a user name and password; sets the session cookie."""
    if csrf_token is not None:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
            return _login_failed(request, 403, "The sign-in form has expired. Please try again.")
    outcome = _check(db, username, password, client_id(request))
    if outcome.actor is None:
        return _login_failed(request, 429 if outcome.throttled else 401,
                             _THROTTLED if outcome.throttled else _FAILED)
    with db.writing() as store:
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            end_session(store, old, "signed in again")
        token, csrf = create_session(store, outcome.actor.username)
    actor = outcome.actor
    response: Response
    if _wants_html(request):
        response = RedirectResponse("/", status_code=303)
    else:
        response = JSONResponse(_info(actor.username, actor.role, actor.sources, csrf).model_dump())
    _set_cookie(request, response, SESSION_COOKIE, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.post("/logout", status_code=204, responses={303: {"description": "Signed out (browser)"}})
def logout(request: Request, db: Annotated[Database, Depends(get_db)]) -> Response:
    """End the session (if any) and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with db.writing() as store:
            end_session(store, token, "signed out")
    response: Response = RedirectResponse("/login", status_code=303) if _wants_html(request) else Response(
        status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/api/v1/session", response_model=SessionInfo, responses={401: {"model": Problem}})
def session_info(session: Annotated[Session, Depends(require_session)]) -> SessionInfo:
    """Who is signed in, with the CSRF token for state-changing requests."""
    a = session.actor
    return _info(a.username, a.role, a.sources, session.csrf_token)


@router.post(
    "/reauth",
    status_code=204,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 429: {"model": Problem}},
)
def reauthenticate(
    request: Request,
    password: Annotated[str, Form(min_length=1, max_length=1000)],
    session: Annotated[Session, Depends(require_csrf)],
    db: Annotated[Database, Depends(get_db)],
) -> Response:
    """Check the password again; for five minutes the most sensitive actions are open."""
    outcome = _check(db, session.actor.username, password, client_id(request))
    if outcome.actor is None:
        raise HTTPException(status_code=429 if outcome.throttled else 401,
                            detail=_THROTTLED if outcome.throttled else _FAILED)
    with db.writing() as store:
        mark_reauthenticated(store, session.token_hash)
    return Response(status_code=204)
