"""Session fixtures: the synthetic worlds every stage is tested on (see tests/world.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from world import World, build_world


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Under xdist each worker has its own basetemp; their parent is shared by the whole session.
    base = tmp_path_factory.getbasetemp()
    return base.parent if base.name.startswith("popen-gw") else base


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The `small` scenario (about 5k person records), seed 7, through every stage."""
    return build_world(_shared_root(tmp_path_factory), "small", 7)


@pytest.fixture(scope="session")
def medium_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The `medium` scenario (about 100k person records), seed 7, through every stage."""
    return build_world(_shared_root(tmp_path_factory), "medium", 7)
