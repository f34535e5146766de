"""The application factory: ``create_app(db_path)`` wires the database, middleware and routers.

Routers live one per area in their own modules (``auth``, ``api``, ``pages``; dashboard pages
later) and are listed in ``_ROUTER_MODULES``, so adding an area touches one line here. The
interactive API pages (/docs) are off: they need inline script and outside assets, which the
content security policy forbids; the OpenAPI document stays at ``/openapi.json``.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from .. import __version__
from ..errors import AccessDenied, ClearPictureError, InputError
from ..security.sessions import SessionPolicy
from ..store import Store
from . import accesslog
from .db import Database
from .middleware import SecurityMiddleware
from .templating import compile_templates, render

__all__ = ["create_app"]

_ROUTER_MODULES = ["auth", "api", "audit_api", "users_api", "pages", "dashboard_pages", "dashboard_groups", "dashboard_people"]

_STATUS_TITLES = {401: "Please sign in", 403: "Not allowed", 404: "Not found", 429: "Too many attempts"}


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith("/api/")


def create_app(
    db_path: str | os.PathLike[str] | Store,
    *,
    session_policy: SessionPolicy | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """Build the web application over one workspace.

    The workspace stays open for the life of the app (ASGI test clients may run start-up and
    shut-down around every request); whoever created the app closes it with ``app.state.db.close()``.

    ``secure_cookies`` forces the Secure cookie flag (set it when TLS ends at a proxy that does not
    pass the scheme on); over https the flag is set anyway.
    """
    db = Database(db_path)
    compile_templates()
    accesslog.install()  # person ids and purposes stay out of the server's access log
    app = FastAPI(
        title="clearpicture",
        version=__version__,
        description="Multi-agency picture of group-based child sexual exploitation. OFFICIAL-SENSITIVE.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = db
    app.state.session_policy = session_policy or SessionPolicy()
    app.state.secure_cookies = secure_cookies
    app.add_middleware(SecurityMiddleware)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    routes: list[BaseRoute] = []
    for name in _ROUTER_MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        app.include_router(module.router)
        routes += module.router.routes

    def allowed_methods(request: Request) -> str:
        """The methods every route on this path accepts, for the Allow header of a 405."""
        methods: set[str] = set()
        for route in routes:
            if isinstance(route, APIRoute) and route.matches(request.scope)[0] != Match.NONE:
                methods |= (route.methods or set()) - {"HEAD"}
        return ", ".join(sorted(methods))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_html(request):
            if exc.status_code == 401:
                return Response(status_code=303, headers={"Location": "/login"})
            return render(request, "error.html", {"status": exc.status_code,
                                                  "title": _STATUS_TITLES.get(exc.status_code, "Error"),
                                                  "detail": exc.detail}, status_code=exc.status_code)
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(ClearPictureError)
    async def our_error(request: Request, exc: ClearPictureError) -> Response:
        status = 403 if isinstance(exc, AccessDenied) else 400 if isinstance(exc, InputError) else 503
        return JSONResponse({"detail": str(exc).splitlines()[0] if str(exc) else type(exc).__name__},
                            status_code=status)

    return app
