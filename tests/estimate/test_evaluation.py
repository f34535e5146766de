"""``clearpicture evaluate`` reports the estimate against the scenario's true total (interface.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.evaluate import evaluate
from clearpicture.store import Store
from world import World


def _store_with_estimate(path: Path, definition: str, estimate: float, lower: float, upper: float | None) -> Store:
    from clearpicture.estimate.stage import _TABLES

    store = Store(path)
    with store.run("estimate", {}) as result:
        for ddl in _TABLES:
            store.execute(ddl)
        store.execute("INSERT INTO estimate_results VALUES (?, ?, NULL, 'all', '[\"a\",\"b\"]', 40, ?, ?, ?, ?, 0.95,"
                      " 'averaged', '', 'aic', '[]')", [result.run_id, definition, estimate, estimate - 40, lower, upper])
    return store


def _truth(folder: Path, total: int) -> Path:
    folder.mkdir()
    (folder / "victims.json").write_text(json.dumps({"total_victims": total, "observed_total": 40}))
    return folder


@pytest.mark.parametrize(("total", "covered"), [(55, True), (90, False), (41, False)])
def test_estimate_section_compares_the_latest_estimate_with_the_true_total(tmp_path: Path, total: int,
                                                                           covered: bool) -> None:
    store = _store_with_estimate(tmp_path / "w.duckdb", "cse-dfe-2017", 50.0, 42.0, 70.0)
    out = evaluate(store, _truth(tmp_path / "truth", total), sections=["estimate"])["estimate"]
    assert out["true_total"] == total and out["estimate"] == 50.0
    assert out["covered"] is covered
    assert out["relative_error"] == pytest.approx((50 - total) / total, abs=1e-4)
    assert "note" not in out


def test_an_unbounded_interval_covers_totals_above_its_lower_limit(tmp_path: Path) -> None:
    store = _store_with_estimate(tmp_path / "w.duckdb", "gbcse-iicsa-2019", 50.0, 42.0, None)
    out = evaluate(store, _truth(tmp_path / "truth", 500), sections=["estimate"])["estimate"]
    assert out["covered"] is True and out["upper"] is None
    assert "not like for like" in out["note"]  # truth counts every exploited child, not group-based only


def test_evaluate_json_has_the_estimate_versus_the_true_total(small_world: World, tmp_path: Path) -> None:
    small_world.copy(tmp_path).close()
    db = tmp_path / "world.duckdb"
    result = CliRunner().invoke(main, ["evaluate", "--db", str(db), "--truth", str(small_world.truth), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    truth = json.loads((small_world.truth / "victims.json").read_text())
    section = doc["estimate"]
    assert section["true_total"] == truth["total_victims"]
    assert section["estimate"] is not None and section["estimate"] >= section["observed"]
    assert isinstance(section["covered"], bool)
