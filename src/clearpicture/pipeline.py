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

__all__ = ["STAGES", "run_stages"]

#: Stage name → module holding ``run(store, config=None)``, in dependency order.
STAGES: dict[str, str] = {}


def run_stages(
    store: Store,
    data: Sequence[str | Path],
    stages: Sequence[str] | None = None,
    on_stage: Callable[[str], None] | None = None,
    config: dict[str, Any] | None = None,
) -> list[StageResult]:
    """Ingest ``data`` then run ``stages`` (default: all known, in order)."""
    from . import ingest

    if on_stage:
        on_stage("ingest")
    results = [ingest.run(store, data)]
    for name in stages if stages is not None else list(STAGES):
        if on_stage:
            on_stage(name)
        module = importlib.import_module(STAGES[name])
        results.append(module.run(store, (config or {}).get(name)))
    return results
