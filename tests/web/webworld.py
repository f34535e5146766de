"""Shared helpers for the web tests: accounts per role and scope, the store they sign in to."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parents[1] / "security"))

from trustworld import PASSWORD, build_world  # noqa: E402

from clearpicture.security.users import add_user  # noqa: E402
from clearpicture.store import Store  # noqa: E402

#: username -> (role, sources)
ACCOUNTS: dict[str, tuple[str, list[str]]] = {
    "adm": ("admin", []),
    "ana_pf1": ("analyst", ["PF1"]),
    "ana_la1": ("analyst", ["LA1"]),
    "ana_both": ("analyst", ["PF1", "LA1"]),
    "nat": ("national", []),
}


def make_store(path: Path) -> Store:
    store = Store(path)
    build_world(store)
    for name, (role, sources) in ACCOUNTS.items():
        add_user(store, name, role, PASSWORD, sources)
    return store


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in as a script would; returns the CSRF token."""
    r = client.post("/login", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["csrf_token"]
    return token


def audit_rows(app: FastAPI) -> list[tuple[object, ...]]:
    with app.state.db.reading() as store:
        return store.sql("SELECT seq, actor, action, what, justification, allowed FROM audit_log ORDER BY seq")
