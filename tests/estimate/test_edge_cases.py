"""Edge cases of ``estimate --counts`` found in the contract audit: large counts, and what the
output must say when a table can only support a weak answer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clearpicture.estimate import EstimateOptions, estimate_counts, fit_model, load_counts, parse_model

DATA = Path(__file__).parent / "data"

#: A dense three-list table (every pattern seen), so every model's MLE exists at any scale.
_DENSE = {"100": 50, "010": 40, "001": 30, "110": 10, "101": 9, "011": 8, "111": 1}


def _scaled(factor: int) -> list[dict[str, int]]:
    return [{"pattern": p, "count": c * factor} for p, c in _DENSE.items()]


@pytest.mark.parametrize("factor", [10**6, 10**9, 10**12])
def test_the_fit_scales_with_the_counts(factor: int) -> None:
    """The Poisson MLE is equivariant: multiplying every count by c multiplies the unseen number by c.

    statsmodels' IRLS stops on an absolute change in deviance (1e-8) by default, which a deviance in
    the millions never reaches: from about 10^8 cases every model came back "did not converge" and the
    command said "the table is too sparse for any log-linear model".
    """
    base = load_counts(["A", "B", "C"], _scaled(1))
    big = load_counts(["A", "B", "C"], _scaled(factor))
    for spec in ("", "B:C", "A:B,A:C,B:C"):
        terms = parse_model(spec, base.lists)
        assert terms is not None
        small_fit, big_fit = fit_model(base, terms), fit_model(big, terms)
        assert big_fit.admissible, f"{spec!r} at x{factor}: {big_fit.reason}"
        assert big_fit.dark / factor == pytest.approx(small_fit.dark, rel=1e-6)


def test_large_counts_give_an_estimate_and_a_fitted_bootstrap() -> None:
    est = estimate_counts(["A", "B", "C"], _scaled(10**9), options=EstimateOptions(bootstrap=50))
    assert est.estimate > est.observed
    boot = est.intervals["parametric"]
    assert boot.failed == 0, f"{boot.failed} of {boot.replicates} bootstrap replicates failed"
    assert not any("could not be fitted" in w for w in est.warnings)


def test_uk_published_figure_is_unchanged_by_the_convergence_rule() -> None:
    doc = json.loads((DATA / "uk_2013_five_lists.json").read_text())
    table = load_counts(doc["lists"], doc["rows"])
    fit = fit_model(table, parse_model(doc["published"]["interactions"], table.lists) or ())
    assert fit.estimate == pytest.approx(11313.0, abs=0.5)
    assert fit.aic == pytest.approx(127.5986, abs=1e-3)


def test_a_count_too_large_to_hold_exactly_is_refused_as_such() -> None:
    """A whole number beyond 2^53 cannot be held exactly; it was refused as 'not a whole number'."""
    from clearpicture.errors import InputError

    with pytest.raises(InputError, match="too large") as info:
        load_counts(["A", "B"], [{"pattern": "10", "count": 123456789012345678901234567890},
                                 {"pattern": "11", "count": 1}])
    assert "whole number" not in str(info.value)


def test_lists_that_never_overlap_are_refused_with_the_reason() -> None:
    """Every case on one list only: no model can say anything; the message says why, not 'too sparse'."""
    from clearpicture.errors import InputError

    with pytest.raises(InputError, match="no case is on more than one list"):
        estimate_counts(["A", "B", "C"], [{"pattern": "100", "count": 50}, {"pattern": "010", "count": 40},
                                          {"pattern": "001", "count": 7}])


def test_two_lists_warn_that_independence_is_assumed_not_tested() -> None:
    est = estimate_counts(["A", "B"], [{"pattern": "10", "count": 50}, {"pattern": "01", "count": 40},
                                       {"pattern": "11", "count": 10}], options=EstimateOptions(bootstrap=20))
    assert est.estimate == pytest.approx(300.0)  # Lincoln-Petersen: 60 x 50 / 10
    assert any("independen" in w and "cannot be" in w for w in est.warnings), est.warnings


def test_a_list_with_no_cases_is_named_in_a_warning() -> None:
    est = estimate_counts(["A", "B", "C"], [{"pattern": "100", "count": 50}, {"pattern": "010", "count": 40},
                                            {"pattern": "110", "count": 10}], options=EstimateOptions(bootstrap=20))
    assert est.estimate == pytest.approx(300.0)  # C adds nothing: the two-list answer
    assert any("C" in w and "no case" in w and "list" in w for w in est.warnings if "pair" not in w), est.warnings


def test_partners_are_not_told_which_list_is_empty() -> None:
    """A list total of 0 is a small count: the partner audience gets the warning without the name."""
    from clearpicture.estimate.share import partner_warnings

    out = partner_warnings(["list(s) health hold no case: they add nothing to the estimate"])
    assert out and "health" not in out[0] and "few or no cases" in out[0]


#: Five lists from a simulation with heterogeneous capture (seed 5): the stepwise Poisson-overlap rule
#: keeps main effects (352.6) while BIC prefers A:E by 8 units, so the BIC-weighted interval starts above
#: the reported estimate.
_DISAGREE = {"00001": 29, "00010": 12, "00011": 8, "00100": 10, "00101": 3, "00110": 2, "00111": 3, "01000": 19,
             "01001": 10, "01010": 8, "01011": 4, "01100": 5, "01101": 5, "01110": 1, "01111": 1, "10000": 45,
             "10001": 44, "10010": 11, "10011": 12, "10100": 4, "10101": 9, "10111": 6, "11000": 10, "11001": 28,
             "11010": 5, "11011": 18, "11100": 3, "11101": 7, "11110": 1, "11111": 5}


def test_an_interval_that_excludes_the_estimate_says_so() -> None:
    est = estimate_counts(list("ABCDE"), [{"pattern": p, "count": c} for p, c in _DISAGREE.items()],
                          options=EstimateOptions(method="stepwise_csv", bootstrap=20))
    assert not est.lower <= est.estimate <= est.upper  # the case this test is about
    assert any("outside" in w and "interval" in w for w in est.warnings), est.warnings
    from clearpicture.estimate.share import partner_warnings

    shared = partner_warnings(est.warnings)
    assert any("lies outside" in w for w in shared)
    assert f"{est.estimate:,.1f}" not in " ".join(shared)  # partners see rounded figures only


@pytest.mark.parametrize("pthresh", [0.0, 1.0, 2.0, -0.1])
def test_a_p_value_threshold_outside_0_1_is_refused(pthresh: float) -> None:
    """--pthresh 2 used to be accepted: every pair then 'significant', the search ran to the end."""
    from clearpicture.errors import InputError

    with pytest.raises(InputError, match="pthresh"):
        estimate_counts(["A", "B", "C"], _scaled(1), options=EstimateOptions(method="stepwise_csv", pthresh=pthresh))


def test_bootstrap_replicates_with_no_finite_estimate_widen_the_interval_instead_of_vanishing() -> None:
    """Two lists sharing one case: a third of the Poisson replicates share none, and their total is
    unbounded. Dropping them as 'failed' cut the parametric upper limit to 1,136 while the profile
    likelihood's is 13,167: the wide tail was hidden. They now count as unbounded above."""
    from clearpicture.estimate.intervals import parametric_bootstrap

    table = load_counts(["A", "B"], [{"pattern": "10", "count": 30}, {"pattern": "01", "count": 25},
                                     {"pattern": "11", "count": 1}])
    fit = fit_model(table, ())
    iv, totals = parametric_bootstrap(fit, table, replicates=200, seed=1)
    assert iv.failed > 0.025 * iv.replicates  # the situation this test is about
    assert iv.upper == float("inf")
    assert int((totals == float("inf")).sum()) == iv.failed  # kept, for adding strata up
    assert "unbounded" in iv.note
    est = estimate_counts(["A", "B"], table.rows(), options=EstimateOptions(bootstrap=200, interval="parametric"))
    assert est.upper == float("inf")
    assert any("no finite upper limit" in w for w in est.warnings)


def test_a_few_unbounded_replicates_move_the_upper_limit_up_not_away() -> None:
    """Below 2.5% unbounded replicates the upper limit stays finite but is read over every replicate."""
    from clearpicture.estimate.intervals import parametric_bootstrap

    doc = json.loads((DATA / "korea.json").read_text())
    table = load_counts(doc["lists"], doc["rows"])
    fit = fit_model(table, parse_model(doc["published"]["interactions"], table.lists) or ())
    iv, totals = parametric_bootstrap(fit, table, replicates=1000, seed=1)
    finite = totals[np.isfinite(totals)]
    assert 0 < iv.failed < 25
    assert np.isfinite(iv.upper) and iv.upper > float(np.quantile(finite, 0.975, method="median_unbiased"))


def test_strata_added_up_keep_the_unbounded_replicates() -> None:
    """Adding strata draws dropped the non-finite sums too; one sparse stratum now makes the sum unbounded."""
    from clearpicture.estimate import EstimateConfig
    from clearpicture.estimate.stage import Histories, _estimate_histories

    counts = {"sparse": {"10": 30, "01": 25, "11": 1}, "dense": {"10": 40, "01": 30, "11": 20}}
    patterns, strata = {}, {}
    for name, cells in counts.items():
        for pattern, n in cells.items():
            for i in range(n):
                patterns[f"{name}-{pattern}-{i}"] = pattern
                strata[f"{name}-{pattern}-{i}"] = name
    hist = Histories(lists=("A", "B"), patterns=patterns, strata=strata)
    doc = _estimate_histories(hist, EstimateConfig(strata="area", model="", options=EstimateOptions(bootstrap=200)))
    assert doc["upper"] is None
    assert any("strata's sum has no finite upper limit" in w for w in doc["warnings"])
    json.dumps(doc, allow_nan=False)  # still valid JSON


def test_with_a_single_admissible_model_the_headline_is_the_profile_interval() -> None:
    """With one admissible model (two lists) the 'averaged' interval is the log-normal Wald interval,
    which on sparse data is far narrower than the profile likelihood's (154-5,769 against 199-13,167
    here): the headline now is the profile interval, as for a fixed model."""
    est = estimate_counts(["A", "B"], [{"pattern": "10", "count": 30}, {"pattern": "01", "count": 25},
                                       {"pattern": "11", "count": 1}], options=EstimateOptions(bootstrap=50))
    assert est.interval.method == "profile" and est.to_dict()["interval"] == "profile"
    assert est.upper == est.intervals["profile"].upper > est.intervals["averaged"].upper
