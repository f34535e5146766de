"""The web application: FastAPI over one workspace, with sign-in, sessions and audited reads.

``create_app(db_path)`` builds it; ``clearpicture serve`` runs it with uvicorn. Page and API modules
build on :mod:`.deps` (session, CSRF, purpose, database) and :mod:`.templating` (``render``). This
package must hold no stage logic and no permission rules of its own: it asks
:mod:`clearpicture.security`.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
