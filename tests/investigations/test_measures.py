"""Consistency measures: Wilson and median intervals, counts on the case world, disclosure control."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.proportion import proportion_confint

from clearpicture import investigations
from clearpicture.disclosure import DisclosureRule
from clearpicture.errors import InputError
from clearpicture.investigations import Measure, measures, protect_measures, wilson_interval
from clearpicture.investigations.measures import median_interval
from clearpicture.store import Store


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (1, 2), (47, 113)])
def test_wilson_interval_matches_statsmodels(k: int, n: int) -> None:
    lo, hi = wilson_interval(k, n)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert lo == pytest.approx(ref_lo, abs=1e-9) and hi == pytest.approx(ref_hi, abs=1e-9)


def test_wilson_interval_without_trials_is_empty() -> None:
    assert wilson_interval(0, 0) == (None, None)


def test_median_interval_covers_the_median_and_narrows_with_n() -> None:
    small = sorted(float(x) for x in range(1, 21))
    large = sorted(float(x % 20 + 1) for x in range(2000))
    lo_s, hi_s = median_interval(small)
    lo_l, hi_l = median_interval(large)
    assert lo_s is not None and hi_s is not None and lo_l is not None and hi_l is not None
    assert lo_s <= 10.5 <= hi_s
    assert (hi_l - lo_l) < (hi_s - lo_s)
    assert median_interval([1.0, 2.0, 3.0]) == (None, None)


def _get(rows: list[Measure], mid: str, force: str = "WMP", team: str | None = None,
         quarter: str | None = None) -> Measure:
    return next(m for m in rows if m.id == mid and m.force == force and m.team == team and m.quarter == quarter)


def test_measures_count_the_case_world(investigated: Store) -> None:
    rows, note = measures(investigated)
    assert note is None  # internal: true counts
    ev = _get(rows, "cse.evidential_difficulty")
    assert (ev.numerator, ev.denominator, ev.value) == (1, 2, 0.5)  # C2 (16) of closed C1, C2
    assert _get(rows, "sexual_child.no_suspect").numerator == 1  # C5
    assert _get(rows, "sexual_child.charge_rate").denominator == 3  # C3 is open
    days = _get(rows, "cse.median_days_to_outcome")
    assert (days.value, days.denominator, days.numerator) == (32.5, 2, None)
    ref = _get(rows, "cse.referral_in_time")
    assert (ref.numerator, ref.denominator) == (1, 2)  # V1 in time, V2 never
    assert _get(rows, "cse.disruption_use").numerator == 1 and _get(rows, "cse.arrest_rate").numerator == 1
    members = _get(rows, "groups.member_never_suspect")
    assert (members.numerator, members.denominator) == (1, 4)  # O4 of O1-O4; victims are not members here
    team = _get(rows, "cse.evidential_difficulty", team="PPU North")
    assert (team.numerator, team.denominator) == (1, 1)
    q = _get(rows, "cse.evidential_difficulty", quarter="2023-Q2")
    assert (q.numerator, q.denominator) == (1, 1)
    assert _get(rows, "cse.evidential_difficulty", force="all").denominator == 2


def test_every_rate_has_an_interval_around_its_value(investigated: Store) -> None:
    rows, _ = measures(investigated)
    for m in rows:
        if m.measure != "median_days_to_outcome" and m.denominator:
            assert m.lower is not None and m.upper is not None and m.value is not None
            assert m.lower <= m.value <= m.upper


def test_measures_before_the_stage_say_what_to_run(case_store: Store) -> None:
    with pytest.raises(InputError, match="run `clearpicture investigations"):
        measures(case_store)


def _m(team: str | None, num: int, den: int, quarter: str | None = None) -> Measure:
    lo, hi = wilson_interval(num, den)
    return Measure("cse.charge_rate", "cse", "charge_rate", "F1", team, quarter, num / den, num, den, lo, hi)


def test_partner_protection_suppresses_small_teams_and_one_more() -> None:
    rows = [_m(None, 40, 120), _m("A", 30, 80), _m("B", 7, 25), _m("C", 3, 15), _m("A", 2, 3, "2023-Q1")]
    out, note = protect_measures(rows)
    assert "suppressed" in note
    assert all(m.quarter is None for m in out)  # team by quarter is too fine for partners
    by_team = {m.team: m for m in out}
    assert by_team["B"].numerator is None and by_team["C"].numerator is None  # 7 and 3 < 10
    assert by_team["B"].value is None and by_team["B"].lower is None
    assert by_team["A"].numerator == 30 and by_team["A"].denominator == 80
    # secondary suppression: a lone hidden denominator would be recoverable from the force total
    hidden_den = [m.team for m in out if m.team and m.denominator is None]
    assert len(hidden_den) != 1
    total = by_team[None]
    assert (total.numerator, total.denominator) == (40, 120)
    for m in out:
        for v in (m.numerator, m.denominator):
            assert v is None or (v >= 10 and v % 5 == 0)


def test_partner_rates_are_recomputed_from_rounded_counts() -> None:
    out, _ = protect_measures([_m(None, 23, 67)], DisclosureRule())
    m = out[0]
    assert (m.numerator, m.denominator) == (25, 65)
    assert m.value == pytest.approx(25 / 65)
    assert m.lower == pytest.approx(wilson_interval(25, 65)[0])


def test_partner_medians_show_only_with_enough_cases(investigated: Store) -> None:
    rows, note = measures(investigated, "partner")
    assert note is not None
    for m in rows:
        assert m.numerator is None or m.numerator >= 10
        assert m.denominator is None or m.denominator >= 10
        if m.measure == "median_days_to_outcome":
            assert m.value is None  # two cases only
    big = Measure("cse.median_days_to_outcome", "cse", "median_days_to_outcome", "F1", None, None, 40.5, None,
                  31, 20.0, 61.4)
    shown = protect_measures([big])[0][0]
    assert (shown.value, shown.denominator, shown.upper) == (40.0, 30, 61.0)
    assert not math.isnan(shown.value or 0)


def test_unknown_audience_is_refused(investigated: Store) -> None:
    with pytest.raises(InputError, match="audience"):
        measures(investigated, "public")  # type: ignore[arg-type]


def test_stage_rerun_replaces_measures(investigated: Store) -> None:
    before = investigated.count("investigation_measures")
    investigations.run(investigated)
    assert investigated.count("investigation_measures") == before


def test_differing_teams_are_those_outside_chance_of_their_colleagues() -> None:
    def team(name: str, num: int, den: int) -> Measure:
        return _m(name, num, den)

    rows = [team("A", 60, 100), team("B", 25, 100), team("C", 28, 100), team("D", 4, 8), _m(None, 117, 308)]
    diffs = investigations.differing_teams(rows)
    # A is far above its colleagues; B and C, each against the rest (A included), fall below; D is too small
    assert [(d.team, d.direction) for d in diffs] == [("A", "higher"), ("B", "lower"), ("C", "lower")]
    a = diffs[0]
    assert a.lower > a.rest_of_force == pytest.approx((25 + 28 + 4) / 208)
    assert investigations.differing_teams([team("A", 30, 100), team("B", 28, 100)]) == []


def test_disruption_orders_are_counted_by_type_force_and_team(case_store: Store) -> None:
    case_store.execute("""INSERT INTO raw_notes (source, note_id, about_type, about_id, written_at, team, text)
        VALUES ('WMP', 'N99', 'event', 'D1', '2023-02-01 13:00:00', 'CSE Team', 'Notice served.')""")
    investigations.run(case_store)
    rows, _ = measures(case_store)
    cawn = _get(rows, "disruption.orders_cawn")
    assert (cawn.value, cawn.numerator, cawn.denominator, cawn.lower) == (1.0, 1, None, None)
    assert _get(rows, "disruption.orders_cawn", team="CSE Team").numerator == 1
    assert _get(rows, "disruption.orders_all", quarter="2023-Q1").numerator == 1
    assert not [m for m in rows if m.id == "disruption.orders_sro"]  # none recorded, no row
    partner, _ = measures(case_store, "partner")
    shown = _get(partner, "disruption.orders_cawn")
    assert shown.numerator is None and shown.value is None  # 1 < 10
    assert investigations.differing_teams(rows, "disruption.orders_cawn") == []


def test_a_hidden_force_cannot_be_recovered_from_the_all_forces_figure() -> None:
    def force(name: str, num: int, den: int) -> Measure:
        lo, hi = wilson_interval(num, den)
        return Measure("cse.charge_rate", "cse", "charge_rate", name, None, None, num / den, num, den, lo, hi)

    rows = [force("F1", 40, 100), force("F2", 35, 90), force("F3", 4, 20), force("all", 79, 210)]
    out, _ = protect_measures(rows)
    by_force = {m.force: m for m in out}
    assert by_force["F3"].numerator is None  # 4 < 10
    hidden_num = [f for f, m in by_force.items() if f != "all" and m.numerator is None]
    hidden_den = [f for f, m in by_force.items() if f != "all" and m.denominator is None]
    # with the all-forces total published, one hidden force figure could be worked out: never alone
    assert len(hidden_num) >= 2 and len(hidden_den) != 1
    assert (by_force["all"].numerator, by_force["all"].denominator) == (80, 210)
