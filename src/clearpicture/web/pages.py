"""HTML pages of the core: the overview. Later page modules follow the same pattern.

A page module exposes ``router`` (an APIRouter), is listed in ``app._ROUTER_MODULES``, takes the
session from :func:`~clearpicture.web.deps.optional_session` (redirecting to ``/login`` without
one), asks :func:`~clearpicture.security.allowed`, logs personal-data views, and renders a template
that extends ``base.html``. Page routes are left out of the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ..security.sessions import Session
from .api import summary_for
from .db import Database
from .deps import get_db, optional_session
from .templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/")
def overview(request: Request, session: Annotated[Session | None, Depends(optional_session)],
             db: Annotated[Database, Depends(get_db)]) -> Response:
    if session is None:
        return RedirectResponse("/login", status_code=303)
    with db.reading() as store:
        figures = summary_for(session.actor, store)
    return render(request, "index.html", {"summary": figures}, session=session)
