"""Fixtures for the investigations tests: the hand-built case world (see caseworld.py).

The world is built once per session (before and after the stage) and each test gets its own copy
of the file, so tests may write without slowing the suite down.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import caseworld  # noqa: E402

from clearpicture import investigations  # noqa: E402
from clearpicture.store import Store  # noqa: E402


@pytest.fixture(scope="session")
def _case_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("caseworld")
    raw, done = folder / "cases.duckdb", folder / "investigated.duckdb"
    caseworld.build(raw).close()
    shutil.copy(raw, done)
    with Store(done) as store:
        investigations.run(store)
    return raw, done


@pytest.fixture()
def case_store(_case_files: tuple[Path, Path], tmp_path: Path) -> Iterator[Store]:
    """The case world, not yet through the investigations stage (a private copy)."""
    target = tmp_path / "cases.duckdb"
    shutil.copy(_case_files[0], target)
    store = Store(target)
    yield store
    store.close()


@pytest.fixture()
def investigated(_case_files: tuple[Path, Path], tmp_path: Path) -> Iterator[Store]:
    """The case world after the investigations stage (a private copy)."""
    target = tmp_path / "investigated.duckdb"
    shutil.copy(_case_files[1], target)
    store = Store(target)
    yield store
    store.close()
