"""Model choice for multiple systems estimation: exhaustive AIC/BIC and the published stepwise rules.

Procedures (METHOD.md section 4; each skips inadmissible models, so a model with an unestimable
parameter or a non-existent MLE is never chosen):

- ``bic`` / ``aic``: every hierarchical model up to ``maxorder`` (Rcapture ``closedpMS.t``;
  Silverman, Chan & Vincent 2024); BIC uses log(observed cases) and counts -infinity terms.
- ``stepwise_bhs``: Bales, Hesketh & Silverman (2015) stepwise AIC, stopping when AIC stops falling
  or the added pair's Wald p-value exceeds ``pthresh`` (0.05).
- ``stepwise_csv``: Chan, Silverman & Vincent (2021) forward stepwise on the Poisson p-value of each
  pair's overlap under the current fit, threshold ``pthresh`` (0.02).
- ``fixed``: the given terms.
- ``auto``: ``aic`` (two-list terms) up to 5 lists, ``stepwise_csv`` above (2^15+ models is too many).
  AIC rather than BIC: in the simulation study (benchmarks/estimate.py, docs/estimate.md) BIC's
  sparser models missed real dependence between lists and doubled the error.

Every model fitted on the way is kept, so the output can show how much the answer depends on the
choice. This module must not compute intervals.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scipy.stats import poisson

from ..errors import InputError
from .model import ModelFit, fit_model
from .table import CountTable, Term, canonical

__all__ = ["METHODS", "Selection", "hierarchical_models", "select_model"]

METHODS = ("auto", "bic", "aic", "stepwise_bhs", "stepwise_csv", "fixed")

#: An exhaustive search refuses beyond this many models (six lists, two-list terms: 32,768).
MAX_MODELS = 40_000


@dataclass
class Selection:
    """The chosen model, every model fitted on the way, and how it was chosen."""

    method: str
    chosen: ModelFit
    candidates: list[ModelFit]
    options: dict[str, float | int]
    #: the stepwise path: at each step the best pair on offer, the statistic the rule judged it by,
    #: and whether it was added or why the search stopped (empty for exhaustive and fixed choices)
    steps: list[dict[str, Any]] = field(default_factory=list)

    def ranked(self) -> list[ModelFit]:
        """Candidates, admissible first, by the procedure's criterion (BIC unless the method is AIC-based)."""
        key = "aic" if self.method in ("aic", "stepwise_bhs") else "bic"
        return sorted(self.candidates, key=lambda f: (not f.admissible, getattr(f, key) if f.admissible else 0.0))


class _Fitter:
    """Fits each model once per table (stepwise searches revisit models)."""

    def __init__(self, table: CountTable) -> None:
        self.table = table
        self.fits: dict[tuple[Term, ...], ModelFit] = {}

    def __call__(self, terms: tuple[Term, ...]) -> ModelFit:
        key = canonical(terms)
        if key not in self.fits:
            self.fits[key] = fit_model(self.table, key)
        return self.fits[key]


def hierarchical_models(t: int, maxorder: int) -> Iterator[tuple[Term, ...]]:
    """Every hierarchical set of interaction terms of order 2..maxorder on t lists.

    A term of order r may appear only when all its sub-terms of order r-1 (>= 2) are in.
    """

    def grow(order: int, current: tuple[Term, ...]) -> Iterator[tuple[Term, ...]]:
        if order > min(maxorder, t):
            yield current
            return
        have = set(current)
        eligible = [
            c for c in itertools.combinations(range(t), order)
            if order == 2 or all(s in have for s in itertools.combinations(c, order - 1))
        ]
        for r in range(len(eligible) + 1):
            for chosen in itertools.combinations(eligible, r):
                yield from grow(order + 1, current + chosen)

    yield from grow(2, ())


def _exhaustive(fitter: _Fitter, criterion: str, maxorder: int, max_models: int) -> ModelFit:
    t = fitter.table.n_lists
    for count, terms in enumerate(hierarchical_models(t, maxorder), start=1):
        if count > max_models:
            raise InputError(
                f"{t} lists up to order {maxorder}: more than {max_models:,} models to search; "
                "use --method stepwise_csv or a lower maximum order"
            )
        fitter(terms)
    return _best(list(fitter.fits.values()), criterion)


def _best(fits: list[ModelFit], criterion: str) -> ModelFit:
    ok = [f for f in fits if f.admissible]
    if not ok:
        raise InputError("no admissible model: the table is too sparse for any log-linear model to be fitted")
    return min(ok, key=lambda f: (round(getattr(f, criterion), 9), len(f.terms)))


def _pairs(t: int) -> list[Term]:
    return list(itertools.combinations(range(t), 2))


def _label(fitter: _Fitter, pair: Term) -> str:
    return ":".join(fitter.table.lists[i] for i in pair)


def _stepwise_bhs(fitter: _Fitter, pthresh: float, steps: list[dict[str, Any]]) -> ModelFit:
    current = fitter(())
    if not current.admissible:
        raise InputError(f"the main-effects model cannot be fitted: {current.reason}")
    while True:
        unused = [p for p in _pairs(fitter.table.n_lists) if p not in current.terms]
        trials = [(p, fitter(current.terms + (p,))) for p in unused]
        trials = [(p, f) for p, f in trials if f.admissible]
        if not trials:
            steps.append({"step": len(steps) + 1, "stop": "no further pair gives an admissible model"})
            return current
        pair, best = min(trials, key=lambda pf: pf[1].aic)
        p_wald = best.pvalues.get(pair, 1.0)
        step = {"step": len(steps) + 1, "pair": _label(fitter, pair), "aic_before": round(current.aic, 4),
                "aic": round(best.aic, 4), "wald_p": round(p_wald, 6), "threshold": pthresh}
        if best.aic >= current.aic or p_wald > pthresh:
            steps.append(step | {"added": False, "stop": "AIC does not fall" if best.aic >= current.aic
                                 else f"Wald p above {pthresh}"})
            return current
        steps.append(step | {"added": True})
        current = best


def _overlap_pvalue(table: CountTable, current: ModelFit, pair: Term) -> float:
    """min(P(X <= n*), P(X >= n*)) for X ~ Poisson(sum of current fitted means over the pair's cells)."""
    mask = table.on_all(pair)
    n_star = table.overlap(pair)
    lam = float(current.fitted[mask].sum())
    if lam <= 0:
        return 1.0
    return float(min(poisson.cdf(n_star, lam), poisson.sf(n_star - 1, lam)))


def _stepwise_csv(fitter: _Fitter, pthresh: float, steps: list[dict[str, Any]]) -> ModelFit:
    table = fitter.table
    current = fitter(())
    if not current.admissible:
        raise InputError(f"the main-effects model cannot be fitted: {current.reason}")
    while True:
        best_p, best_fit, best_pair = 1.0, None, None
        for pair in _pairs(table.n_lists):
            if pair in current.terms:
                continue
            trial = fitter(current.terms + (pair,))
            p = _overlap_pvalue(table, current, pair) if trial.admissible else 1.0
            if p < best_p:
                best_p, best_fit, best_pair = p, trial, pair
        if best_fit is None or best_pair is None:
            steps.append({"step": len(steps) + 1, "stop": "no pair's overlap departs from the current fit"})
            return current
        step = {"step": len(steps) + 1, "pair": _label(fitter, best_pair), "overlap": table.overlap(best_pair),
                "expected": round(float(current.fitted[table.on_all(best_pair)].sum()), 4),
                "poisson_p": round(best_p, 6), "threshold": pthresh}
        if best_p >= pthresh:
            steps.append(step | {"added": False, "stop": f"smallest p not below {pthresh}"})
            return current
        steps.append(step | {"added": True})
        current = best_fit


def select_model(
    table: CountTable,
    method: str = "auto",
    *,
    terms: tuple[Term, ...] | None = None,
    maxorder: int = 2,
    pthresh: float | None = None,
    max_models: int = MAX_MODELS,
) -> Selection:
    """Choose a model by ``method`` (see the module docstring); ``terms`` given means ``fixed``."""
    if terms is not None:
        method = "fixed"
    if method not in METHODS:
        raise InputError(f"unknown estimation method {method!r} (choose from {', '.join(METHODS)})")
    if method == "auto":
        method = "aic" if table.n_lists <= 5 else "stepwise_csv"
    if maxorder < 2 or maxorder > table.n_lists:
        raise InputError(f"maximum order {maxorder} must be between 2 and the number of lists ({table.n_lists})")
    fitter = _Fitter(table)
    options: dict[str, float | int] = {}
    steps: list[dict[str, Any]] = []
    if method == "fixed":
        chosen = fitter(canonical(terms or ()))
        if not chosen.admissible:
            raise InputError(f"model {chosen.label or '(main effects)'!r} cannot be fitted: {chosen.reason}")
        fitter(())  # main effects alongside, for comparison
    elif method in ("bic", "aic"):
        options["maxorder"] = maxorder
        chosen = _exhaustive(fitter, method, maxorder, max_models)
    elif method == "stepwise_bhs":
        options["pthresh"] = 0.05 if pthresh is None else pthresh
        chosen = _stepwise_bhs(fitter, float(options["pthresh"]), steps)
    else:
        options["pthresh"] = 0.02 if pthresh is None else pthresh
        chosen = _stepwise_csv(fitter, float(options["pthresh"]), steps)
    return Selection(method=method, chosen=chosen, candidates=list(fitter.fits.values()), options=options,
                     steps=steps)

