"""Fixtures for the trust tests: a fresh store, the hand-made world, and a cheap password hasher."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

sys.path.insert(0, str(Path(__file__).parent))

from trustworld import build_world  # noqa: E402

from clearpicture.security import users as users_module  # noqa: E402
from clearpicture.store import Store  # noqa: E402


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at test strength: the code path is the same, the cost is not."""
    monkeypatch.setattr(users_module, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "ws.duckdb")
    yield s
    s.close()


@pytest.fixture()
def world(store: Store) -> Store:
    build_world(store)
    return store
