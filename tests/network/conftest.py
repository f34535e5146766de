"""Fixtures for the network tests: the hand-built story world in a fresh store, before and after the stage."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import networld  # noqa: E402

from clearpicture import network  # noqa: E402
from clearpicture.store import Store  # noqa: E402


@pytest.fixture()
def story_store(tmp_path: Path) -> Iterator[Store]:
    """The story world, not yet through the network stage."""
    store = networld.build(tmp_path / "story.duckdb")
    yield store
    store.close()


@pytest.fixture()
def grouped(story_store: Store) -> Store:
    """The story world after the network stage."""
    network.run(story_store)
    return story_store
