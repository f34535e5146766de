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
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from ..security.sessions import Session

__all__ = ["TEMPLATES", "compile_templates", "macro", "render", "render_fragment"]

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.autoescape = True
# Templates ship with the package and do not change while the app runs: no stat() per render.
TEMPLATES.env.auto_reload = False


@pass_context
def static_url(context: Context, path: str) -> str:
    """The address of a file under ``/static`` (what ``url_for('static', path=...).path`` gives,
    without matching the request against every route on each use)."""
    request = context.get("request")
    root = str(request.scope.get("root_path", "")) if request is not None else ""
    return f"{root}/static/{path}"


TEMPLATES.env.globals["static_url"] = static_url


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


def render_fragment(name: str, context: dict[str, Any]) -> Markup:
    """A partial rendered on its own (autoescaped) for a page model kept in the page cache.

    It gets no request, actor or CSRF token: a fragment must hold nothing that differs by viewer.
    """
    return Markup(TEMPLATES.env.get_template(name).render(context))


def macro(template: str, name: str) -> Any:
    """A macro of a template, to call once per row of a page model (cheaper than a render per row).

    Like :func:`render_fragment`, it gets nothing from the viewer; it returns autoescaped Markup.
    """
    return getattr(TEMPLATES.env.get_template(template).module, name)


def compile_templates() -> int:
    """Compile every template once, at start-up: otherwise the first burst of users after a start
    compiles each template in every worker thread at once. Returns how many there are."""
    names = TEMPLATES.env.list_templates(extensions=["html"])
    for name in names:
        TEMPLATES.env.get_template(name)
    return len(names)
