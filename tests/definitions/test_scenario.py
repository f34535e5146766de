"""The definitions stage on the synthetic scenarios, against their truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_checks import check_against_truth

from clearpicture import definitions


def test_small_scenario_scale_and_under_flagging_match_truth(small_world: object, tmp_path: Path) -> None:
    store = small_world.copy(tmp_path)  # type: ignore[attr-defined]
    check_against_truth(store, small_world.truth)  # type: ignore[attr-defined]


def test_small_scenario_data_return_has_no_count_under_ten(small_world: object, tmp_path: Path) -> None:
    store = small_world.copy(tmp_path)  # type: ignore[attr-defined]
    definitions.run(store, {"definitions": ["gbcse-iicsa-2019"]})
    years = [y for (y,) in store.sql("""SELECT DISTINCT year(occurred_at) FROM definition_cases
        WHERE meets AND kind = 'crime' AND occurred_at IS NOT NULL""")]
    for year in years:
        ret = definitions.annual_return(store, year)
        counts = [v for r in ret.rows for k, v in r.items() if k in ("offences", "victims", "suspects")]
        assert all(v is None or v >= 10 for v in counts)


@pytest.mark.slow
def test_medium_scenario_scale_and_under_flagging_match_truth(medium_world: object, tmp_path: Path) -> None:
    store = medium_world.copy(tmp_path)  # type: ignore[attr-defined]
    figures = check_against_truth(store, medium_world.truth)  # type: ignore[attr-defined]
    assert figures["planted_unflagged"] > 100  # medium is large enough for the figures to mean something
    ret = definitions.annual_return(store, 2023)
    numbers = [v for r in ret.rows for k, v in r.items() if k in ("offences", "victims", "suspects")]
    assert any(v is not None for v in numbers) and all(v is None or v >= 10 for v in numbers)
