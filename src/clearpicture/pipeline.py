"""The stages in order, so the demo, the benchmarks and the test world run them the same way.

Each stage is a module with ``run(store, config=None) -> StageResult``. This module only knows the
order; it must not contain stage logic.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .store import StageResult, Store

__all__ = ["STAGES", "run_stages", "stage_names"]

#: (stage name, module holding ``run(store, config=None)``) in dependency order. Definitions runs
#: twice: before linkage (the network stage needs cases meeting the group-based definition) and
#: after grouping (the network-based variant needs the groups found).
STAGES: list[tuple[str, str]] = [
    ("quality", "clearpicture.quality"),
    ("definitions", "clearpicture.definitions"),
    ("link", "clearpicture.linkage"),
    ("groups", "clearpicture.network"),
    ("definitions", "clearpicture.definitions"),
    ("language", "clearpicture.language"),
    ("estimate", "clearpicture.estimate"),
    ("investigations", "clearpicture.investigations"),
]


def stage_names() -> set[str]:
    """The names of the stages the pipeline runs (``link``, ``groups`` …)."""
    return {name for name, _ in STAGES}


def run_stages(
    store: Store,
    data: Sequence[str | Path],
    stages: Sequence[str] | None = None,
    on_stage: Callable[[str], None] | None = None,
    config: dict[str, Any] | None = None,
) -> list[StageResult]:
    """Ingest ``data`` then run ``stages`` (default: every stage of :data:`STAGES`, in order)."""
    from . import ingest

    if on_stage:
        on_stage("ingest")
    results = [ingest.run(store, data)]
    wanted = None if stages is None else set(stages)
    for name, module_name in STAGES:
        if wanted is not None and name not in wanted:
            continue
        if on_stage:
            on_stage(name)
        module = importlib.import_module(module_name)
        results.append(module.run(store, (config or {}).get(name)))
    return results
