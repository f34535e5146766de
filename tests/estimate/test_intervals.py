"""Intervals: profile likelihood and log-normal match the published/reproduced limits; bootstraps are seeded."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from clearpicture.errors import InputError
from clearpicture.estimate import EstimateOptions, estimate_counts, estimate_table, load_counts
from clearpicture.estimate.intervals import lognormal_interval, parametric_bootstrap, profile_interval
from clearpicture.estimate.model import fit_model
from clearpicture.estimate.select import select_model
from clearpicture.estimate.table import parse_model

DATA = Path(__file__).parent / "data"


def _doc(name: str) -> dict[str, Any]:
    return dict(json.loads((DATA / f"{name}.json").read_text()))


def _published_fit(name: str, which: int = 0) -> tuple[Any, Any, dict[str, Any]]:
    doc = _doc(name)
    pub = [doc["published"], *doc["other_published"]][which]
    table = load_counts(doc["lists"], doc["rows"])
    return table, fit_model(table, parse_model(pub["interactions"], doc["lists"]) or ()), pub


def test_uk_profile_interval_matches_rcapture_reproduction() -> None:
    table, fit, pub = _published_fit("uk_2013_five_lists")
    iv = profile_interval(fit, table)
    # METHOD.md: Rcapture's multinomial profile likelihood gives [9889, 13063]; the Home Office
    # published "between 10 thousand and 13 thousand" (rounded).
    assert iv.lower == pytest.approx(9889, rel=0.002)
    assert iv.upper == pytest.approx(13063, rel=0.002)
    assert round(iv.lower, -3) == pub["lower"] and round(iv.upper, -3) == pub["upper"]


def test_new_orleans_main_effects_lognormal_interval_matches_sparsemse() -> None:
    table, fit, pub = _published_fit("new_orleans", 1)
    iv = lognormal_interval(fit)
    assert iv.lower == pytest.approx(pub["lower"], rel=0.01)
    assert iv.upper == pytest.approx(pub["upper"], rel=0.01)


def test_parametric_bootstrap_is_seeded_and_close_to_the_profile_interval() -> None:
    table, fit, _ = _published_fit("uk_2013_five_lists")
    a, reps_a = parametric_bootstrap(fit, table, replicates=150, seed=7)
    b, reps_b = parametric_bootstrap(fit, table, replicates=150, seed=7)
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert a.lower < fit.estimate < a.upper
    # conditional on the model, both intervals describe the same sampling noise (METHOD: [9896, 13172])
    assert a.lower == pytest.approx(9896, rel=0.05) and a.upper == pytest.approx(13172, rel=0.06)
    assert len(reps_a) == 150


def test_selection_bootstrap_is_wider_than_the_conditional_interval_for_korea() -> None:
    doc = _doc("korea")
    est = estimate_counts(doc["lists"], doc["rows"], method="bic", intervals=("profile", "bca"),
                          bootstrap=100, seed=3)
    bca, prof = est.intervals["bca"], est.intervals["profile"]
    assert bca.lower <= est.estimate <= bca.upper
    assert bca.upper > prof.upper  # model choice adds uncertainty the profile interval ignores


@pytest.mark.slow
def test_korea_bca_with_1000_resamples_is_near_the_published_interval() -> None:
    doc = _doc("korea")
    est = estimate_counts(doc["lists"], doc["rows"], method="bic", interval="bca", intervals=(),
                          bootstrap=1000, seed=1234)
    assert est.lower == pytest.approx(doc["published"]["lower"], rel=0.05)
    assert est.upper == pytest.approx(doc["published"]["upper"], rel=0.05)


def test_two_lists_without_overlap_cannot_be_estimated() -> None:
    with pytest.raises(InputError, match="no case is on more than one list"):
        estimate_counts(["a", "b"], [{"pattern": "10", "count": 10}, {"pattern": "01", "count": 12}])


def test_lincoln_petersen_case_has_a_wide_but_finite_profile_interval() -> None:
    table = load_counts(["a", "b"], [{"pattern": "10", "count": 20}, {"pattern": "01", "count": 20},
                                     {"pattern": "11", "count": 2}])
    est = estimate_table(table, (), EstimateOptions(intervals=("profile",)))
    # Lincoln-Petersen: 22 * 22 / 2 = 242
    assert est.estimate == pytest.approx(242, rel=1e-6)
    assert 42 <= est.lower < 242 < est.upper and math.isfinite(est.upper)
    assert any("only 42 cases" in w for w in est.warnings)


def test_sparse_table_warns_and_lists_every_candidate() -> None:
    doc = _doc("new_orleans")
    est = estimate_counts(doc["lists"], doc["rows"], method="stepwise_csv", intervals=("profile",))
    out = est.to_dict()
    assert {"observed", "estimate", "lower", "upper", "model", "models"} <= set(out)
    assert out["model"] == "D:E" and out["observed"] == 185
    assert any("share no case" in w for w in out["warnings"])
    assert sum(m["chosen"] for m in out["models"]) == 1 and len(out["models"]) > 20
    chosen = select_model(load_counts(doc["lists"], doc["rows"]), "stepwise_csv").chosen
    assert out["estimate"] == pytest.approx(chosen.estimate, abs=0.01)


def test_searched_model_reports_the_model_averaged_interval_which_is_wider() -> None:
    doc = _doc("korea")  # BIC weights spread over several models (largest about 0.7)
    est = estimate_counts(doc["lists"], doc["rows"], method="bic", intervals=("profile",))
    assert est.interval.method == "averaged"
    avg, prof = est.intervals["averaged"], est.intervals["profile"]
    assert avg.lower <= est.estimate <= avg.upper
    assert avg.upper - avg.lower >= prof.upper - prof.lower
    fixed = estimate_counts(doc["lists"], doc["rows"], model="b:c", intervals=("profile",))
    assert fixed.interval.method == "profile"


def test_averaged_interval_of_one_model_is_its_lognormal_interval() -> None:
    from clearpicture.estimate.intervals import averaged_interval

    _, fit, _ = _published_fit("western_us")
    one, ln = averaged_interval([fit], "bic"), lognormal_interval(fit)
    assert one.lower == pytest.approx(ln.lower, rel=1e-6) and one.upper == pytest.approx(ln.upper, rel=1e-6)
