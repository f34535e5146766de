"""The investigations stage on the synthetic scenarios: its measures find what the scenario planted.

``truth/investigations.json`` records which forces and teams were planted weaker (more crimes
closed 14-16, fewer charges, slower outcomes, fewer timely referrals, fewer arrests and disruption
orders). The tests compare the stage's figures for those forces and teams with the rest, using the
intervals the stage reports, never the truth files as input. They need the world built through
linkage, definitions and network (``clearpicture.pipeline.STAGES``); until those stages are
registered the tests are skipped rather than building a world that cannot be investigated.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from clearpicture import investigations
from clearpicture.investigations import Measure, measures
from clearpicture.pipeline import stage_names
from clearpicture.store import Store

pytestmark = pytest.mark.skipif(
    not {"investigations", "link", "definitions"} <= stage_names(),
    reason="the test world needs linkage, definitions and investigations in pipeline.STAGES")

CSE_TEAMS = ("CSE Team", "PPU North", "PPU South")  # the teams that investigate sexual offences against children


@pytest.fixture(scope="module")
def medium(request: pytest.FixtureRequest) -> tuple[list[Measure], dict[str, Any], Path]:
    world = request.getfixturevalue("medium_world")
    with world.open() as store:
        rows, _ = measures(store)
    truth = json.loads((world.truth / "investigations.json").read_text())
    return rows, truth, world.db


def _row(rows: list[Measure], mid: str, force: str, team: str | None = None) -> Measure:
    return next(m for m in rows if m.id == mid and m.force == force and m.team == team and m.quarter is None)


def _forces(truth: dict[str, Any]) -> list[str]:
    return [f["force"] for f in truth["forces"]]


def test_weaker_force_stands_apart_on_every_outcome_measure(medium: tuple[list[Measure], dict[str, Any], Path]) -> None:
    rows, truth, _ = medium
    [weak] = truth["weaker_forces"]
    others = [f for f in _forces(truth) if f != weak]
    assert others
    pop = "sexual_child"
    worse = {"evidential_difficulty": "higher", "charge_rate": "lower", "median_days_to_outcome": "higher",
             "disruption_use": "lower"}
    for other in others:
        for measure, direction in worse.items():
            w, o = _row(rows, f"{pop}.{measure}", weak), _row(rows, f"{pop}.{measure}", other)
            assert w.lower is not None and w.upper is not None and o.value is not None
            # the other force's figure lies outside the weaker force's 95% interval, on the worse side
            if direction == "higher":
                assert w.lower > o.value, (measure, other)
            else:
                assert w.upper < o.value, (measure, other)
        # forces of the same size: the weaker one uses far fewer disruption orders (planted 0.12 vs 0.45)
        w_orders = _row(rows, "disruption.orders_all", weak).numerator or 0
        assert w_orders < 0.6 * (_row(rows, "disruption.orders_all", other).numerator or 0), other


def test_planted_weaker_team_stands_out_within_its_force(medium: tuple[list[Measure], dict[str, Any], Path]) -> None:
    rows, truth, _ = medium
    diffs = {(d.id, d.force, d.team): d.direction for d in investigations.differing_teams(rows) if d.quarter is None}
    checked = 0
    for force in truth["forces"]:
        if force["weak_force"]:
            continue  # every child protection team there is weaker; compared across forces above
        for team in force["weaker_teams"]:
            key = (force["force"], team)
            assert diffs.get(("sexual_child.evidential_difficulty", *key)) == "higher", key
            assert diffs.get(("sexual_child.charge_rate", *key)) == "lower", key
            checked += 1
        # and no stronger team of the force is singled out as closing more cases on evidential grounds
        for team in CSE_TEAMS:
            if team not in force["weaker_teams"]:
                assert diffs.get(("sexual_child.evidential_difficulty", force["force"], team)) != "higher"
    assert checked >= 1


def _pooled(rows: list[Measure], mid: str, pairs: list[tuple[str, str]]) -> tuple[int, int]:
    got = [_row(rows, mid, f, t) for f, t in pairs]
    return sum(m.numerator or 0 for m in got), sum(m.denominator or 0 for m in got)


def _z(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Two-proportion z statistic, a's rate minus b's."""
    p = (a[0] + b[0]) / (a[1] + b[1])
    se = math.sqrt(p * (1 - p) * (1 / a[1] + 1 / b[1]))
    return (a[0] / a[1] - b[0] / b[1]) / se


def test_weaker_teams_refer_victims_and_arrest_suspects_less(medium: tuple[list[Measure], dict[str, Any], Path]) -> None:
    rows, truth, _ = medium
    weak = [(f["force"], t) for f in truth["forces"] for t in CSE_TEAMS if t in f["weaker_teams"]]
    strong = [(f["force"], t) for f in truth["forces"] for t in CSE_TEAMS if t not in f["weaker_teams"]]
    for mid in ("sexual_child.referral_in_time", "sexual_child.arrest_rate"):
        z = _z(_pooled(rows, mid, strong), _pooled(rows, mid, weak))
        assert z > 2.58, (mid, z)  # stronger teams higher, at the 1% level


def test_partner_figures_on_the_scenario_never_show_a_small_count(medium: tuple[list[Measure], dict[str, Any], Path]) -> None:
    _, _, db = medium
    with Store(db, read_only=True) as store:
        rows, note = measures(store, "partner")
    assert note and rows
    shown = [m for m in rows if m.value is not None]
    assert shown  # force figures on the medium scenario are large enough to publish
    for m in rows:
        assert m.quarter is None or m.team is None
        for v in (m.numerator, m.denominator):
            assert v is None or (v >= 10 and v % 5 == 0)


def test_review_list_and_reexamination_rest_on_records(medium: tuple[list[Measure], dict[str, Any], Path]) -> None:
    _, _, db = medium
    with Store(db, read_only=True) as store:
        cases = investigations.review_list(store)
        assert cases
        for case in cases[:200]:
            for reason in case.reasons:
                assert reason.reason
                assert any(r.record_type == "event" and (r.source, r.record_id) == case.case for r in reason.records)
        if store.has_table("group_members") and store.count("group_members"):
            wrong = store.sql("""SELECT count(*) FROM investigation_reexamination x
                JOIN investigation_cases c USING (source, event_id)
                WHERE NOT c.closed OR c.outcome_group = 'charge'
                   OR x.entity_id NOT IN (SELECT entity_id FROM group_members)""")[0][0]
            assert wrong == 0
            assert investigations.reexamination(store)  # with groups found, some closed cases touch them


def test_a_case_timeline_from_the_scenario_crosses_agencies(medium: tuple[list[Measure], dict[str, Any], Path]) -> None:
    _, _, db = medium
    with Store(db, read_only=True) as store:
        row = store.sql("SELECT source, event_id FROM investigation_cases WHERE referral_source IS NOT NULL "
                        "ORDER BY source, event_id LIMIT 1")
        assert row, "no case found a social-care referral through linkage"
        t = investigations.case_timeline(store, row[0][0], row[0][1])
    referral = [s for s in t.steps if s.step == "referral"]
    assert referral and all(s.source != t.case[0] for s in referral)


def test_small_world_cli_reports_the_pipeline_run(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from clearpicture.cli import main

    world = request.getfixturevalue("small_world")
    store = world.copy(tmp_path)
    store.close()
    result = CliRunner().invoke(main, ["investigations", "--db", str(tmp_path / "world.duckdb"), "--json",
                                       "--no-run"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    forces = {m["force"] for m in doc["measures"]}
    truth = json.loads((world.truth / "investigations.json").read_text())
    assert set(_forces(truth)) <= forces  # every planted force is measured
    assert doc["review"]
