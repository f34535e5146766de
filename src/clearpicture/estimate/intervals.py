"""Interval estimates for the total: profile likelihood, log-normal, parametric and selection bootstraps.

- ``profile``: Cormack (1992) profile likelihood for the chosen model, as Rcapture computes it: for a
  trial total N, put N - n cases in the dark cell (design row = intercept only), refit, and keep every
  N whose log-likelihood is within chi2_1(level)/2 of the maximum. Deterministic; conditional on
  the model.
- ``lognormal``: n + exp(intercept -+ z se(intercept)), SparseMSE's ``estimatepopulation.0``.
- ``parametric``: Poisson counts drawn from the fitted means, the same model refitted, percentile
  interval of the refitted totals (seeded). Conditional on the model.
- ``averaged``: model-averaged tail areas (Buckland, Burnham & Augustin 1997; Turek & Fletcher
  2012, MATA-Wald): a mixture over the admissible candidates of each model's log-normal distribution
  for the unobserved number, weighted by exp(-delta/2) of the selection criterion (AIC or BIC).
  Accounts for model choice among the candidates; deterministic and cheap.
- ``bca``: the published intervals' method: multinomial resamples of the observed cases, the whole
  model selection repeated on each, BCa limits (bias and acceleration from a jackknife over
  individuals grouped by pattern), quantiles of type 8. Accounts for model choice; slow.

Conditional intervals ignore model uncertainty and are too narrow when model choice matters (the
docs say how much). This module must not choose models itself: ``bca`` receives the procedure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln
from scipy.stats import chi2, norm

from .model import ModelFit, fit_model, glm_poisson
from .table import CountTable

__all__ = ["Interval", "averaged_draws", "averaged_interval", "bca_interval", "lognormal_interval", "parametric_bootstrap",
           "percentile_with_unbounded", "profile_interval"]

#: The upper search stops here (times the point estimate) and reports an unbounded interval.
_MAX_WIDEN = 1000.0


@dataclass
class Interval:
    """Limits for the total (observed + unobserved) and how they were obtained."""

    method: str
    lower: float
    upper: float
    level: float
    replicates: int = 0
    failed: int = 0
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        def r(x: float) -> float | None:
            return round(x, 2) if math.isfinite(x) else None

        out: dict[str, object] = {"method": self.method, "lower": r(self.lower), "upper": r(self.upper),
                                  "level": self.level}
        if self.replicates:
            out["replicates"] = self.replicates
            out["failed"] = self.failed
        if self.note:
            out["note"] = self.note
        return out


def lognormal_interval(fit: ModelFit, level: float = 0.95) -> Interval:
    """n + exp(log dark -+ z se): the Wald interval for the intercept, mapped to the total."""
    z = float(norm.ppf(0.5 + level / 2))
    log_dark = math.log(fit.dark)
    return Interval("lognormal", fit.observed + math.exp(log_dark - z * fit.se_log_dark),
                    fit.observed + math.exp(log_dark + z * fit.se_log_dark), level)


def _mixture(fits: list[ModelFit], criterion: str) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
    """(observed, weights, log-dark means, standard errors) over the admissible fits, or None."""
    ok = [f for f in fits if f.admissible and math.isfinite(f.se_log_dark) and f.dark > 0]
    if not ok:
        return None
    crit = np.array([getattr(f, criterion) for f in ok])
    w = np.exp(-(crit - crit.min()) / 2)
    mu = np.array([math.log(f.dark) for f in ok])
    se = np.maximum(np.array([f.se_log_dark for f in ok]), 1e-12)
    return float(ok[0].observed), w / w.sum(), mu, se


def averaged_interval(fits: list[ModelFit], criterion: str, level: float = 0.95) -> Interval:
    """Model-averaged tail-area limits over the admissible ``fits`` (weights from ``criterion``)."""
    mix = _mixture(fits, criterion)
    if mix is None:
        return Interval("averaged", math.nan, math.nan, level, note="no admissible model with a standard error")
    n, w, mu, se = mix

    def cdf(log_dark: float) -> float:
        return float(np.sum(w * norm.cdf((log_dark - mu) / se)))

    span = float(np.max(np.abs(mu)) + 40 * np.max(se) + 10)
    lo, hi = (float(brentq(lambda v, q=q: cdf(v) - q, -span, span, xtol=1e-9))
              for q in ((1 - level) / 2, (1 + level) / 2))
    top = int(np.argmax(w))
    return Interval("averaged", n + math.exp(lo), n + math.exp(hi), level,
                    note=f"{len(w)} models weighted by {criterion.upper()}; largest weight {w[top]:.2f}")


def averaged_draws(fits: list[ModelFit], criterion: str, size: int, seed: int) -> np.ndarray:
    """Totals drawn from the model-averaged mixture (for adding strata up); NaNs when nothing fits."""
    mix = _mixture(fits, criterion)
    if mix is None:
        return np.full(size, np.nan)
    n, w, mu, se = mix
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(w), size=size, p=w)
    return np.asarray(n + np.exp(rng.normal(mu[pick], se[pick])), dtype=float)


def _profile_loglik(fit: ModelFit, table: CountTable, total: float) -> float:
    """Cormack's l(N) = c(N) - D(N)/2 with the dark cell holding N - n (Rcapture's closedpCI)."""
    n = float(fit.observed)
    z = max(total - n, 0.0)
    y = np.append(table.counts[fit.keep], z)
    dark_row = np.zeros((1, fit.x.shape[1]))
    dark_row[0, 0] = 1.0
    res = glm_poisson(y, np.vstack([fit.x, dark_row]))
    c = float(gammaln(total + 1) - gammaln(z + 1) + (z * math.log(z) if z > 0 else 0.0) - total * math.log(total))
    return c - float(res.deviance) / 2


def profile_interval(fit: ModelFit, table: CountTable, level: float = 0.95) -> Interval:
    """Profile-likelihood limits; the upper search widens until the likelihood drops (or gives up)."""
    n = float(fit.observed)
    crit = float(chi2.ppf(level, 1)) / 2

    def ll(total: float) -> float:
        return _profile_loglik(fit, table, total)

    hi = n + 3 * max(fit.dark, 1.0)
    opt = minimize_scalar(lambda v: -ll(v), bounds=(n, hi), method="bounded", options={"xatol": 1e-3})
    n_max, l_max = float(opt.x), -float(opt.fun)
    target = l_max - crit
    lower = n if ll(n) >= target else float(brentq(lambda v: ll(v) - target, n, n_max, xtol=1e-3))
    note = ""
    while ll(hi) >= target:
        if hi > n + _MAX_WIDEN * max(fit.estimate, 1.0):
            return Interval("profile", lower, math.inf, level,
                            note="the likelihood stays flat: no finite upper limit")
        hi = n + 2 * (hi - n)
    upper = float(brentq(lambda v: ll(v) - target, n_max, hi, xtol=1e-3))
    return Interval("profile", lower, upper, level, note=note)


def _percentile(values: np.ndarray, probs: list[float]) -> list[float]:
    return [float(v) for v in np.quantile(values, probs, method="median_unbiased")]


def percentile_with_unbounded(finite: np.ndarray, unbounded: int, probs: list[float]) -> list[float]:
    """Quantiles of ``finite`` plus ``unbounded`` values at +infinity (they sit above every finite one).

    A quantile that falls among the unbounded values is +infinity; below them it is the finite values'
    quantile at the probability rescaled to their share.
    """
    total = len(finite) + unbounded
    share = len(finite) / total
    out = []
    for q in probs:
        out.append(math.inf if q > share else _percentile(finite, [min(q / share, 1.0)])[0])
    return out


def parametric_bootstrap(fit: ModelFit, table: CountTable, *, replicates: int = 1000, seed: int = 1,
                         level: float = 0.95) -> tuple[Interval, np.ndarray]:
    """Refit the same model to Poisson draws from its fitted means; percentile limits of the totals.

    A replicate whose counts admit no finite estimate (the maximum likelihood estimate does not
    exist: typically the lists share no case in that draw) is counted as unbounded above (+inf),
    not dropped: dropping them cut the upper limit of sparse tables far below the profile
    likelihood's and hid the wide tail. Returns the interval and the replicate totals (+inf for
    those), so strata can be combined by adding replicates.
    """
    rng = np.random.default_rng(seed)
    totals = np.full(replicates, np.inf)
    for b in range(replicates):
        y = rng.poisson(fit.fitted).astype(float)
        rep = fit_model(table.with_counts(y), fit.terms) if y.sum() > 0 else None
        if rep is not None and rep.admissible:
            totals[b] = rep.estimate
    ok = totals[np.isfinite(totals)]
    failed = replicates - len(ok)
    if len(ok) < 2:
        return Interval("parametric", math.nan, math.inf, level, replicates, failed,
                        "too few replicates have a finite estimate"), totals
    a = (1 - level) / 2
    lo, hi = percentile_with_unbounded(ok, failed, [a, 1 - a])
    note = f"{failed} replicate(s) with no finite estimate counted as unbounded above" if failed else ""
    return Interval("parametric", lo, hi, level, replicates, failed, note), totals


def bca_interval(table: CountTable, estimate: float, choose: Callable[[CountTable], float], *,
                 replicates: int = 1000, seed: int = 1, level: float = 0.95) -> Interval:
    """BCa bootstrap repeating the whole model choice (``choose`` returns a total, NaN if it fails).

    Resamples the n observed cases over the observed patterns (multinomial, total fixed), as
    SparseMSE and MultipleSystemsEstimation do; acceleration from the delete-one jackknife over
    individuals, grouped by pattern.
    """
    rng = np.random.default_rng(seed)
    n = table.observed
    probs = table.counts / table.counts.sum()
    totals = np.array([choose(table.with_counts(rng.multinomial(n, probs).astype(float)))
                       for _ in range(replicates)])
    ok = totals[np.isfinite(totals)]
    failed = replicates - len(ok)
    if len(ok) < 2:
        return Interval("bca", math.nan, math.nan, level, replicates, failed, "too few replicates could be fitted")
    share = float(np.mean(ok < estimate))
    z0 = float(norm.ppf(min(max(share, 1 / (len(ok) + 1)), 1 - 1 / (len(ok) + 1))))
    cells = np.flatnonzero(table.counts > 0)
    jack, weights = [], []
    for i in cells:
        y = table.counts.copy()
        y[i] -= 1
        value = choose(table.with_counts(y)) if y.sum() > 0 else math.nan
        if math.isfinite(value):
            jack.append(value)
            weights.append(table.counts[i])
    accel = 0.0
    if len(jack) > 1:
        j, w = np.array(jack), np.array(weights)
        d = float(np.sum(w * j) / np.sum(w)) - j
        denom = 6 * float(np.sum(w * d**2)) ** 1.5
        accel = float(np.sum(w * d**3)) / denom if denom > 0 else 0.0
    alphas = []
    for q in ((1 - level) / 2, (1 + level) / 2):
        zq = float(norm.ppf(q))
        alphas.append(float(norm.cdf(z0 + (z0 + zq) / (1 - accel * (z0 + zq)))))
    lo, hi = _percentile(ok, alphas)
    return Interval("bca", lo, hi, level, replicates, failed,
                    f"bias z0={z0:.3f}, acceleration={accel:.4f}; model choice repeated on every replicate")
