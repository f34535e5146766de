"""The issue's bar: pairwise F1 >= 0.97 for persons on the `medium` scenario (about 108k records)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearpicture import linkage
from clearpicture.evaluate import evaluate

pytestmark = pytest.mark.slow


def test_medium_scenario_reaches_f1_097(medium_world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with medium_world.copy(tmp_path) as store:
        linkage.run(store)
        figures = evaluate(store, medium_world.truth)["linkage"]["persons"]
    print("medium", figures)
    assert figures["f1"] >= 0.97, figures
    assert figures["precision"] >= 0.95 and figures["recall"] >= 0.95, figures
