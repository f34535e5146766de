"""Fixtures for the network tests: the hand-built story world, built once per session and copied
into each test's folder (before and after the network stage), so each test has its own store."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import networld  # noqa: E402

from clearpicture import network  # noqa: E402
from clearpicture.store import Store  # noqa: E402


@pytest.fixture(scope="session")
def story_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("story")
    raw, done = folder / "raw.duckdb", folder / "grouped.duckdb"
    networld.build(raw).close()
    shutil.copy(raw, done)
    with Store(done) as store:
        network.run(store)
    return raw, done


@pytest.fixture()
def story_store(story_files: tuple[Path, Path], tmp_path: Path) -> Iterator[Store]:
    """The story world, not yet through the network stage (a private copy)."""
    shutil.copy(story_files[0], tmp_path / "story.duckdb")
    store = Store(tmp_path / "story.duckdb")
    yield store
    store.close()


@pytest.fixture()
def grouped(story_files: tuple[Path, Path], tmp_path: Path) -> Iterator[Store]:
    """The story world after the network stage (a private copy)."""
    shutil.copy(story_files[1], tmp_path / "grouped.duckdb")
    store = Store(tmp_path / "grouped.duckdb")
    yield store
    store.close()
