"""Jinja2 rendering for pages: autoescaped templates that extend ``base.html``, no inline script.

``render`` adds what every page needs (the signed-in actor and the session's CSRF token, for the
hidden field of each form). Page modules call it instead of building responses themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..security.sessions import Session

__all__ = ["TEMPLATES", "render"]

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.autoescape = True


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    session: Session | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "actor": session.actor if session else None,
        "csrf_token": session.csrf_token if session else "",
        "marking": "OFFICIAL-SENSITIVE",
    }
    ctx.update(context or {})
    response: HTMLResponse = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status_code)
    return response
