"""Fixtures for the web tests: an app over the hand-made world with one user per role and scope."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from webworld import make_store  # noqa: E402

from clearpicture.security import users as users_module  # noqa: E402
from clearpicture.web import create_app  # noqa: E402


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users_module, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture()
def app(tmp_path: Path) -> Iterator[FastAPI]:
    application = create_app(make_store(tmp_path / "ws.duckdb"))
    yield application
    application.state.db.close()


@pytest.fixture()
def client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://testserver")
