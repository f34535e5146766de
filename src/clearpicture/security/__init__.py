"""Trust: users, sessions, the one permission function, the section 62 audit log, erasure and
disclosure helpers. The web, the command line and stages import from here.

Access control sits in this one place (architecture.md): every read of personal data asks
:func:`allowed` and is written to the audit log with :func:`record`. This package must not import
the web or command-line layers.
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime

from .audit import AUDIT_ACTIONS, VerifyResult, person_ref, record, show, verify
from .permissions import ACTIONS, REAUTH_ACTIONS, ROLES, Actor, Resource, allowed, sources_in_scope

__all__ = [
    "ACTIONS",
    "AUDIT_ACTIONS",
    "REAUTH_ACTIONS",
    "ROLES",
    "Actor",
    "Resource",
    "VerifyResult",
    "allowed",
    "local_operator",
    "person_ref",
    "record",
    "show",
    "sources_in_scope",
    "verify",
]


def local_operator() -> Actor:
    """The actor for command-line work: whoever runs the command on the workspace file.

    Holding the file already gives everything in it (protect it with encryption at rest and file
    permissions), so the operator acts as admin; the audit log names the operating-system account.
    """
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return Actor(
        username=f"local:{name}",
        role="admin",
        sources=frozenset({"*"}),
        authenticated_at=datetime.now(UTC).replace(tzinfo=None),
    )
