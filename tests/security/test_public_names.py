"""The public face of the trust layer is pinned: each new public name is a decision."""

from __future__ import annotations

import clearpicture.security as security
import clearpicture.web as web


def test_security_public_names() -> None:
    assert sorted(security.__all__) == sorted([
        "ACTIONS", "AUDIT_ACTIONS", "REAUTH_ACTIONS", "ROLES", "Actor", "Resource", "VerifyResult", "allowed",
        "local_operator", "person_ref", "record", "show", "sources_in_scope", "verify"])
    assert all(hasattr(security, n) for n in security.__all__)


def test_web_public_names() -> None:
    assert web.__all__ == ["create_app"]
