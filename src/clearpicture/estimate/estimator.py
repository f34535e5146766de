"""The estimate for one capture-history table: model choice, point estimate, intervals, warnings.

This is the pure core of ``clearpicture estimate``: it takes lists and pattern counts (the
``--counts`` JSON shape) and returns a typed :class:`Estimate` whose ``to_dict()`` is the command's
JSON output. It must not read files or the workspace (:func:`.table.read_counts_file` and :mod:`.stage` do).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from .intervals import (
    Interval,
    averaged_draws,
    averaged_interval,
    bca_interval,
    lognormal_interval,
    parametric_bootstrap,
    profile_interval,
)
from .model import ModelFit
from .select import Selection, select_model
from .table import CountTable, Term, load_counts, parse_model

__all__ = ["INTERVALS", "Estimate", "EstimateOptions", "estimate_counts", "estimate_table"]

INTERVALS = ("averaged", "profile", "parametric", "lognormal", "bca")


@dataclass(frozen=True)
class EstimateOptions:
    """How to estimate: model choice, which intervals, bootstrap size and seed.

    ``interval`` picks the one reported as lower/upper; None means ``averaged`` when the model was
    searched for (it carries the uncertainty of the choice) and ``profile`` when it was fixed.
    """

    method: str = "auto"
    maxorder: int = 2
    pthresh: float | None = None
    interval: str | None = None
    intervals: tuple[str, ...] = ("averaged", "profile", "parametric")
    level: float = 0.95
    bootstrap: int = 1000
    seed: int = 1

    def check(self) -> None:
        for name in {self.interval or "profile", *self.intervals}:
            if name not in INTERVALS:
                raise InputError(f"unknown interval {name!r} (choose from {', '.join(INTERVALS)})")
        if not 0 < self.level < 1:
            raise InputError(f"level {self.level} must be between 0 and 1")
        if self.pthresh is not None and not 0 < self.pthresh < 1:
            raise InputError(f"pthresh {self.pthresh} must be a p-value threshold between 0 and 1")
        if self.bootstrap < 10 and ({self.interval, *self.intervals} & {"parametric", "bca"}):
            raise InputError(f"bootstrap replicates {self.bootstrap} is too few (at least 10)")


@dataclass
class Estimate:
    """The answer for one table: the total, its interval, the chosen model and every candidate."""

    table: CountTable
    selection: Selection
    interval: Interval
    intervals: dict[str, Interval]
    warnings: list[str] = field(default_factory=list)
    #: totals drawn from the reported interval's distribution (model-averaged mixture or parametric
    #: bootstrap), so that strata can be added up with their uncertainty
    replicates: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def chosen(self) -> ModelFit:
        return self.selection.chosen

    @property
    def observed(self) -> int:
        return self.table.observed

    @property
    def estimate(self) -> float:
        return self.chosen.estimate

    @property
    def unobserved(self) -> float:
        return self.chosen.dark

    @property
    def lower(self) -> float:
        return self.interval.lower

    @property
    def upper(self) -> float:
        return self.interval.upper

    @property
    def model(self) -> str:
        return self.chosen.label

    def to_dict(self) -> dict[str, Any]:
        """The ``estimate --json`` document (interface.md) plus the detail behind it."""

        def r(x: float) -> float | None:
            return round(float(x), 2) if math.isfinite(x) else None

        return {
            "observed": self.observed,
            "estimate": r(self.estimate),
            "lower": r(self.lower),
            "upper": r(self.upper),
            "model": self.model,
            "models": [f.summary() | {"chosen": f is self.chosen} for f in self.selection.ranked()],
            "unobserved": r(self.unobserved),
            "lists": list(self.table.lists),
            "method": self.selection.method,
            "method_options": self.selection.options,
            "steps": self.selection.steps,
            "interval": self.interval.method,
            "level": self.interval.level,
            "intervals": {k: v.as_dict() for k, v in self.intervals.items()},
            "warnings": self.warnings,
        }


def _choose_total(options: EstimateOptions, terms: tuple[Term, ...] | None) -> Any:
    def choose(table: CountTable) -> float:
        try:
            return select_model(table, options.method, terms=terms, maxorder=options.maxorder,
                                pthresh=options.pthresh).chosen.estimate
        except InputError:
            return math.nan

    return choose


def _criterion(method: str) -> str:
    """AIC-based procedures rank and weight models by AIC, the others by BIC."""
    return "aic" if method in ("aic", "stepwise_bhs") else "bic"


def sparsity_warnings(table: CountTable, sel: Selection, intervals: dict[str, Interval],
                      headline: Interval | None = None) -> list[str]:
    """Plain-language reasons the data may say little (METHOD.md pitfall 12)."""
    out: list[str] = []
    est = sel.chosen.estimate
    if headline is not None and math.isfinite(headline.lower) and not (
            headline.lower <= est <= (headline.upper if math.isfinite(headline.upper) else math.inf)):
        # The averaged interval weights every candidate by AIC/BIC; a stepwise rule can choose a model
        # those weights do not favour, and then the reported total falls outside its own interval.
        out.append(f"the estimate {est:,.1f} lies outside the reported {headline.method} interval "
                   f"({headline.lower:,.1f} to {headline.upper:,.1f}): the model the {sel.method} rule chose is "
                   "not the one the interval's weights favour; read the models list before quoting either")
    n = table.observed
    if n < 50:
        out.append(f"only {n} cases were observed: any estimate of the unseen number is very uncertain")
    lists = table.lists
    empty = [lists[i] for i in range(len(lists)) if table.overlap((i,)) == 0]
    if empty:
        out.append(f"list(s) {', '.join(empty)} hold no case: they add nothing to the estimate")
    admissible = [f for f in sel.candidates if f.admissible]
    if len(lists) - len(empty) == 2:
        out.append("with two lists the estimate assumes the lists are independent (being on one makes being on "
                   "the other neither more nor less likely); that cannot be tested or modelled, and if it is wrong "
                   "the estimate is biased (a third list would let the data show it)")
    elif sel.method != "fixed" and all(not f.terms for f in admissible):
        out.append("only the model with independent lists could be fitted: dependence between the lists cannot be "
                   "tested with these data, and if it exists the estimate is biased")
    apart = [f"{lists[i]}/{lists[j]}" for i in range(len(lists)) for j in range(i + 1, len(lists))
             if table.overlap((i, j)) == 0 and lists[i] not in empty and lists[j] not in empty]
    if apart:
        out.append(f"{len(apart)} pair(s) of lists share no case ({', '.join(apart[:6])}"
                   f"{', ...' if len(apart) > 6 else ''}): interactions between them cannot be estimated")
    seen = table.counts[table.counts > 0]
    small = int((seen <= 2).sum())
    if len(seen) and small / len(seen) > 0.5:
        out.append(f"{small} of {len(seen)} observed patterns hold only 1 or 2 cases: the fit rests on a few people")
    chosen = sel.chosen
    crit = _criterion(sel.method)
    near = [f for f in sel.candidates if f.admissible and getattr(f, crit) - getattr(chosen, crit) < 2]
    if len(near) > 1:
        lo, hi = min(f.estimate for f in near), max(f.estimate for f in near)
        if hi > 1.25 * lo:
            out.append(f"{len(near)} models within 2 {crit.upper()} units of the chosen one give totals from "
                       f"{lo:,.0f} to {hi:,.0f}: the choice of model drives the answer")
    if chosen.dark > 5 * n:
        out.append(f"the unseen number is estimated at {chosen.dark / n:.0f} times the seen: the estimate is an "
                   "extrapolation far beyond the data")
    for iv in intervals.values():
        if not math.isfinite(iv.upper):
            out.append(f"the {iv.method} interval has no finite upper limit: the data cannot bound the total")
        if iv.replicates and iv.failed > 0.05 * iv.replicates:
            out.append(f"{iv.failed} of {iv.replicates} {iv.method} bootstrap replicates could not be fitted"
                       + (" (no finite estimate: counted as unbounded above)" if iv.method == "parametric" else ""))
    return out


def estimate_table(table: CountTable, terms: tuple[Term, ...] | None = None,
                   options: EstimateOptions | None = None) -> Estimate:
    """Choose (or fix) the model, estimate the total and the requested intervals for one table."""
    options = options or EstimateOptions()
    options.check()
    if len([c for c in range(table.n_lists) if table.overlap((c,)) > 0]) < 2:
        raise InputError("fewer than 2 lists have any case: nothing can be estimated")
    if not table.counts[table.patterns.sum(axis=1) >= 2].any():
        raise InputError("no case is on more than one list: without any overlap between the lists there is "
                         "nothing to estimate the unseen number from (too few cases, or records not linked)")
    sel = select_model(table, options.method, terms=terms, maxorder=options.maxorder, pthresh=options.pthresh)
    fit = sel.chosen
    # averaging needs more than one model: over a single one it is the log-normal Wald interval, far
    # narrower than the profile likelihood's on sparse tables (two lists always have a single model)
    single = sum(1 for f in sel.candidates if f.admissible) == 1
    headline = options.interval or ("profile" if sel.method == "fixed" or single else "averaged")
    wanted = list(dict.fromkeys([headline, *options.intervals]))
    intervals: dict[str, Interval] = {}
    replicates = np.zeros(0)
    for name in wanted:
        if name == "profile":
            intervals[name] = profile_interval(fit, table, options.level)
        elif name == "averaged":
            pool = [fit] if sel.method == "fixed" else sel.candidates
            intervals[name] = averaged_interval(pool, _criterion(sel.method), options.level)
        elif name == "lognormal":
            intervals[name] = lognormal_interval(fit, options.level)
        elif name == "parametric":
            intervals[name], replicates = parametric_bootstrap(
                fit, table, replicates=options.bootstrap, seed=options.seed, level=options.level)
        else:
            intervals[name] = bca_interval(table, fit.estimate, _choose_total(options, terms),
                                           replicates=options.bootstrap, seed=options.seed, level=options.level)
    if headline == "averaged":
        pool = [fit] if sel.method == "fixed" else sel.candidates
        replicates = averaged_draws(pool, _criterion(sel.method), max(options.bootstrap, 1000), options.seed)
    return Estimate(table=table, selection=sel, interval=intervals[headline], intervals=intervals,
                    warnings=sparsity_warnings(table, sel, intervals, intervals[headline]), replicates=replicates)


def estimate_counts(lists: Sequence[str], rows: Sequence[dict[str, Any]],
                    model: str | Sequence[Sequence[str]] | None = None,
                    options: EstimateOptions | None = None, **kwargs: Any) -> Estimate:
    """Estimate the total from the ``--counts`` shape.

    ``model`` fixes the model (``"LA:NG,PFNCA:GP"``, ``""`` = main effects, or lists of names);
    None searches by ``options.method``. Keyword arguments override fields of ``options``.
    """
    table = load_counts(list(lists), list(rows))
    opts = options or EstimateOptions()
    if kwargs:
        unknown = set(kwargs) - set(EstimateOptions.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
        opts = EstimateOptions(**{**opts.__dict__, **kwargs})
    return estimate_table(table, parse_model(model, table.lists), opts)
