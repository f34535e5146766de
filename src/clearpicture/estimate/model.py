"""Fit one Poisson log-linear model to a capture-history table, the SparseMSE way.

log mu_w = sum of alpha_theta over the terms theta contained in pattern w (0/1 coding, so the
intercept is the log of the dark-figure mean and N = n + exp(intercept); METHOD.md section 2).

Sparse tables (Chan, Silverman & Vincent 2021; METHOD.md section 3):

1. a term whose lists share no case has MLE -infinity: its cells are dropped from the fit (fitted
   mean 0) and the term still counts as a parameter in AIC/BIC;
2. the (extended) MLE must exist: Fienberg & Rinaldo's linear program, by ``scipy.optimize.linprog``;
3. every remaining parameter must be estimable: full column rank on the kept cells.

A model failing 2 or 3 is *inadmissible*: it is reported, never fitted or chosen. The fitting itself
is statsmodels' GLM (Poisson family). This module must not choose models or compute intervals.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm
from scipy.optimize import linprog

from .table import CountTable, Term, canonical, format_model

__all__ = ["ModelFit", "design_matrix", "fit_model", "glm_poisson", "mle_exists"]

FloatArray = npt.NDArray[np.float64]

#: The LP's optimum s* must exceed this (relative to 1 case) for the MLE to exist.
_EXISTENCE_TOL = 1e-7


@dataclass
class ModelFit:
    """One candidate model on one table: admissibility, criteria and the estimate."""

    lists: tuple[str, ...]
    terms: tuple[Term, ...]
    admissible: bool
    reason: str | None = None
    observed: int = 0
    k: int = 0
    infinite: tuple[Term, ...] = ()
    loglik: float = math.nan
    deviance: float = math.nan
    aic: float = math.nan
    bic: float = math.nan
    dark: float = math.nan
    se_log_dark: float = math.nan
    fitted: FloatArray = field(default_factory=lambda: np.zeros(0))
    keep: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: design restricted to the kept cells and the finite parameters (intercept first)
    x: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    pvalues: dict[Term, float] = field(default_factory=dict)

    @property
    def estimate(self) -> float:
        """Point estimate of the total: observed cases plus the fitted dark figure."""
        return self.observed + self.dark

    @property
    def label(self) -> str:
        """The model in ``--model`` form (``""`` = main effects only)."""
        return format_model(self.terms, self.lists)

    def summary(self) -> dict[str, object]:
        """A JSON-ready row for the ``models`` list of the output."""
        return {
            "model": self.label,
            "terms": [[self.lists[i] for i in t] for t in self.terms],
            "admissible": self.admissible,
            "reason": self.reason,
            "k": self.k,
            "estimate": _num(self.estimate) if self.admissible else None,
            "unobserved": _num(self.dark) if self.admissible else None,
            "aic": _num(self.aic) if self.admissible else None,
            "bic": _num(self.bic) if self.admissible else None,
            "nonoverlapping_terms": [":".join(self.lists[i] for i in t) for t in self.infinite],
        }


def _num(x: float) -> float | None:
    return None if not math.isfinite(x) else round(float(x), 4)


def design_matrix(table: CountTable, terms: tuple[Term, ...]) -> tuple[FloatArray, list[Term]]:
    """Columns: intercept, one per list, then ``terms`` in canonical order; rows: every cell."""
    cols_terms: list[Term] = [(i,) for i in range(table.n_lists)] + list(canonical(terms))
    cols = [np.ones(len(table.counts))] + [table.on_all(t).astype(float) for t in cols_terms]
    return np.column_stack(cols), cols_terms


def mle_exists(x: FloatArray, y: FloatArray) -> bool:
    """Fienberg & Rinaldo (2012): the MLE exists iff some x > 0 has the same sufficient statistics.

    Maximise s subject to A x = A y, x_i >= s, x >= 0 (A = design transposed); exists iff s* > 0.
    When every count is positive, x = y is such a point and no LP is needed.
    """
    if bool((y > 0).all()):
        return True
    a = x.T
    m, n = a.shape
    c = np.zeros(n + 1)
    c[-1] = -1.0  # maximise s
    a_ub = np.hstack([-np.eye(n), np.ones((n, 1))])  # s - x_i <= 0
    a_eq = np.hstack([a, np.zeros((m, 1))])
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=a @ y,
                  bounds=[(0, None)] * n + [(None, None)], method="highs")
    return bool(res.status == 0 and -res.fun > _EXISTENCE_TOL)


#: IRLS stops when the deviance changes by less than max(1e-8, _GLM_ATOL_PER_CASE x cases) or by
#: less than _GLM_RTOL of itself. statsmodels' default is an absolute 1e-8 alone, which floating point
#: cannot meet once the counts are large (rounding in a deviance over 10^8 cases is about 1e-7): every
#: model then "did not converge" and a huge table was called "too sparse". Up to 10^5 cases the rule
#: is statsmodels' own, so the published figures are unchanged.
_GLM_RTOL = 1e-12
_GLM_ATOL_PER_CASE = 1e-13


def glm_poisson(y: FloatArray, x: FloatArray) -> sm.regression.linear_model.RegressionResults:
    """statsmodels' Poisson GLM (log link), warnings silenced: admissibility is checked first."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        atol = max(1e-8, _GLM_ATOL_PER_CASE * float(np.sum(y)))
        return sm.GLM(y, x, family=sm.families.Poisson()).fit(atol=atol, rtol=_GLM_RTOL)


def fit_model(table: CountTable, terms: tuple[Term, ...]) -> ModelFit:
    """Fit main effects + ``terms`` with the extended MLE; inadmissible models come back unfitted."""
    terms = canonical(terms)
    n = table.observed
    t = table.n_lists
    k = 1 + t + len(terms)
    x_all, col_terms = design_matrix(table, terms)
    infinite = tuple(th for th in col_terms if table.overlap(th) == 0)
    keep = np.ones(len(table.counts), dtype=bool)
    for th in infinite:
        keep &= ~table.on_all(th)
    base = ModelFit(lists=table.lists, terms=terms, admissible=False, observed=n, k=k, infinite=infinite,
                    keep=keep)
    finite_cols = [0] + [j + 1 for j, th in enumerate(col_terms) if th not in infinite]
    x = x_all[keep][:, finite_cols]
    y = table.counts[keep]
    if x.shape[0] == 0:
        base.reason = "no cells left once non-overlapping terms are removed"
        return base
    if np.linalg.matrix_rank(x) < x.shape[1]:
        base.reason = "not identifiable: a parameter cannot be estimated from the cells that remain"
        return base
    if not mle_exists(x, y):
        base.reason = "maximum likelihood estimate does not exist (sparse cells; linear-programming check)"
        return base
    res = glm_poisson(y, x)
    params = np.asarray(res.params, dtype=float)
    bse = np.asarray(res.bse, dtype=float)
    pv = np.asarray(res.pvalues, dtype=float)
    if not bool(getattr(res, "converged", True)) or not np.all(np.isfinite(params)):
        base.reason = "the fit did not converge"
        return base
    loglik = float(res.llf)
    fitted = np.zeros(len(table.counts))
    fitted[keep] = np.asarray(res.fittedvalues, dtype=float)
    pvalues: dict[Term, float] = {th: 1.0 for th in infinite}
    for pos, col in enumerate(finite_cols[1:], start=1):
        pvalues[col_terms[col - 1]] = float(pv[pos])
    return ModelFit(
        lists=table.lists, terms=terms, admissible=True, observed=n, k=k, infinite=infinite,
        loglik=loglik, deviance=float(res.deviance), aic=2 * k - 2 * loglik,
        bic=k * math.log(max(n, 1)) - 2 * loglik, dark=float(math.exp(params[0])),
        se_log_dark=float(bse[0]), fitted=fitted, keep=keep, x=x, pvalues=pvalues,
    )
