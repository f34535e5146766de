"""Consistency measures as plain data: rates with Wilson intervals, medians with order-statistic
intervals, and disclosure control for partner outputs.

The stage computes :class:`Measure` rows from the SQL in :mod:`.measures_sql` and stores them in
``investigation_measures``; :func:`measures` reads them back for the CLI, the dashboard and the
report, applying statistical disclosure control when the audience is ``partner`` (principles.md,
item 8). Teams are units, never named officers. This module must not rank or score people.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from ..disclosure import DisclosureRule, protect_count, protect_table
from ..errors import InputError
from ..store import Store
from .measures_sql import ORDER_MEASURES, RATE_MEASURES

__all__ = [
    "MEASURE_DESCRIPTIONS",
    "Audience",
    "Measure",
    "TeamDifference",
    "differing_teams",
    "median_interval",
    "measures",
    "measures_from_rows",
    "protect_measures",
    "wilson_interval",
]

Audience = Literal["internal", "partner"]

#: What each measure counts (for pages and reports), keyed by the measure part of the id.
MEASURE_DESCRIPTIONS: dict[str, str] = {
    **RATE_MEASURES,
    **ORDER_MEASURES,
    "member_never_suspect": "members of detected groups (offender side) never linked as a suspect to any crime",
}

_Z95 = 1.959963984540054
_DEFAULT_RULE = DisclosureRule()


@dataclass(frozen=True)
class Measure:
    """One figure: ``id`` is ``<population>.<measure>``; ``team``/``quarter`` None = all of them."""

    id: str
    population: str
    measure: str
    force: str
    team: str | None
    quarter: str | None
    value: float | None
    numerator: int | None
    denominator: int | None
    lower: float | None
    upper: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson_interval(successes: int, trials: int, z: float = _Z95) -> tuple[float, float] | tuple[None, None]:
    """Wilson score interval for a proportion; (None, None) when there are no trials.

    Wilson rather than the normal approximation because team counts are small and rates near 0
    or 1 are common; its bounds stay inside [0, 1].
    """
    if trials <= 0:
        return None, None
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    # at 0 or n successes the bound is exactly 0 or 1; rounding error must not put it past the value
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == trials else min(1.0, centre + half)
    return lower, upper


def median_interval(sorted_values: Sequence[float], z: float = _Z95) -> tuple[float, float] | tuple[None, None]:
    """Distribution-free interval for a median from order statistics (normal approximation to the
    binomial): ranks n/2 -/+ z*sqrt(n)/2. (None, None) when there are too few values to bound it.
    """
    n = len(sorted_values)
    if n < 6:
        return None, None
    lo = math.floor(n / 2 - z * math.sqrt(n) / 2)
    hi = math.ceil(n / 2 + z * math.sqrt(n) / 2) + 1
    lo, hi = max(1, lo), min(n, hi)
    return float(sorted_values[lo - 1]), float(sorted_values[hi - 1])


def _median(values: Sequence[float]) -> float | None:
    n = len(values)
    if not n:
        return None
    mid = n // 2
    return float(values[mid]) if n % 2 else (float(values[mid - 1]) + float(values[mid])) / 2


def measures_from_rows(rows: Iterable[dict[str, Any]]) -> list[Measure]:
    """Turn the count rows of the measure SQL into measures with values and intervals."""
    out: list[Measure] = []
    for r in rows:
        num, den = r["numerator"], int(r["denominator"] or 0)
        if r["measure"] == "median_days_to_outcome":
            vals = [float(v) for v in (r.get("vals") or [])]
            lower, upper = median_interval(vals)
            value, num = _median(vals), None
        elif _is_count(r["measure"]):
            num = int(num or 0)
            value, lower, upper = float(num), None, None
            out.append(Measure(f"{r['population']}.{r['measure']}", r["population"], r["measure"], r["force"],
                               r["team"], r["quarter"], value, num, None, lower, upper))
            continue
        else:
            num = int(num or 0)
            value = num / den if den else None
            lower, upper = wilson_interval(num, den)
        out.append(Measure(f"{r['population']}.{r['measure']}", r["population"], r["measure"], r["force"],
                           r["team"], r["quarter"], value, num, den, lower, upper))
    return sorted(out, key=_order)


def _is_count(measure: str) -> bool:
    """Counts (disruption orders) have no denominator or interval."""
    return measure in ORDER_MEASURES


def _order(m: Measure) -> tuple[str, str, str, str, str]:
    return (m.id, "" if m.force == "all" else m.force, m.team or "", m.quarter or "", "")


def _whole(value: float | None) -> float | None:
    return None if value is None else float(round(value))


def _protected_values(m: Measure, num: int | None, den: int | None) -> Measure:
    """Recompute value and interval from protected counts, so the shown rate never undoes rounding."""
    if _is_count(m.measure):
        return replace(m, value=None if num is None else float(num), numerator=num, denominator=None)
    if m.measure == "median_days_to_outcome":
        if den is None or m.value is None:
            return replace(m, value=None, denominator=None, lower=None, upper=None)
        return replace(m, value=_whole(m.value), denominator=den, lower=_whole(m.lower), upper=_whole(m.upper))
    if num is None or den is None or den == 0:
        return replace(m, value=None, numerator=num, denominator=den, lower=None, upper=None)
    lower, upper = wilson_interval(min(num, den), den)
    return replace(m, value=min(num, den) / den, numerator=num, denominator=den, lower=lower, upper=upper)


def protect_measures(rows: Sequence[Measure], rule: DisclosureRule = _DEFAULT_RULE) -> tuple[list[Measure], str]:
    """Disclosure control for partner outputs; returns the protected rows and the note to print.

    Team-by-quarter rows are dropped (too fine to publish). Team rows of one measure, force and
    period are protected together with secondary suppression, as are the quarter rows of one
    measure and force, and the force rows of one measure, so no hidden team, quarter or force can
    be worked out from the figure above it; the all-forces figure is protected on its own. Rates and intervals are recomputed from the
    protected counts; medians are shown (in whole days) only where their count may be shown.
    """
    blocks: dict[tuple[Any, ...], list[Measure]] = defaultdict(list)
    singles: list[Measure] = []
    for m in rows:
        if m.team is not None and m.quarter is not None:
            continue
        if m.team is not None:
            blocks[("team", m.id, m.force, m.quarter)].append(m)
        elif m.quarter is not None:
            blocks[("quarter", m.id, m.force, m.team)].append(m)
        elif m.force != "all":
            blocks[("force", m.id)].append(m)
        else:
            singles.append(m)
    out: list[Measure] = []
    for m in singles:
        num = protect_count(m.numerator, rule) if m.numerator is not None else None
        den = protect_count(m.denominator, rule) if m.denominator is not None else None
        out.append(_protected_values(m, num, den))
    for members in blocks.values():
        median = members[0].measure == "median_days_to_outcome"
        count = _is_count(members[0].measure)
        cols = ["denominator"] if median else ["numerator"] if count else ["numerator", "denominator"]
        table = protect_table([{c: getattr(m, c) for c in cols} for m in members], cols, rule=rule)
        for m, prot in zip(members, table.rows, strict=True):
            out.append(_protected_values(m, None if median else prot["numerator"], prot.get("denominator")))
    return sorted(out, key=_order), rule.note()


def measures(store: Store, audience: Audience = "internal", rule: DisclosureRule = _DEFAULT_RULE,
             include_quarters: bool = True) -> tuple[list[Measure], str | None]:
    """The stored measures (run the stage first), protected for ``partner``; plus the page note.

    The note is None for internal use (true counts for authorised users, principles.md item 8).
    """
    if audience not in ("internal", "partner"):
        raise InputError(f"investigations: unknown audience {audience!r} (internal or partner)")
    if not store.has_table("investigation_measures"):
        raise InputError("investigations: no measures yet; run `clearpicture investigations --db DB` first")
    rows = [Measure(**r) for r in store.dicts(
        "SELECT id, population, measure, force, team, quarter, value, numerator, denominator, lower, upper "
        "FROM investigation_measures")]
    if not include_quarters:
        rows = [m for m in rows if m.quarter is None]
    if audience == "partner":
        protected, note = protect_measures(rows, rule)
        return protected, note
    return sorted(rows, key=_order), None


@dataclass(frozen=True)
class TeamDifference:
    """A team whose rate differs from the rest of its force beyond chance (95% Wilson interval)."""

    id: str
    force: str
    team: str
    quarter: str | None
    value: float
    lower: float
    upper: float
    rest_of_force: float
    direction: Literal["higher", "lower"]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def differing_teams(rows: Sequence[Measure], measure_id: str | None = None,
                    min_denominator: int = 10) -> list[TeamDifference]:
    """Teams whose rate interval lies wholly above or below the pooled rate of the force's other teams.

    This is the inspectorate's "inconsistent" made concrete: where a team works cases differently
    from its colleagues in the same force, beyond what chance explains. Teams are units, never
    people; medians are left out (no pooled counterpart). Teams with fewer than
    ``min_denominator`` cases are not judged. Internal figures only: pass unprotected rows.
    """
    by_block: dict[tuple[str, str, str | None], list[Measure]] = defaultdict(list)
    for m in rows:
        if m.team is None or m.force == "all" or m.measure == "median_days_to_outcome" or _is_count(m.measure):
            continue
        if measure_id is not None and m.id != measure_id:
            continue
        by_block[(m.id, m.force, m.quarter)].append(m)
    out: list[TeamDifference] = []
    for (mid, force, quarter), teams in by_block.items():
        for m in teams:
            if m.denominator is None or m.denominator < min_denominator or m.value is None:
                continue
            rest = [o for o in teams if o is not m]
            num = sum(o.numerator or 0 for o in rest)
            den = sum(o.denominator or 0 for o in rest)
            if den < min_denominator or m.lower is None or m.upper is None:
                continue
            pooled = num / den
            if m.lower > pooled or m.upper < pooled:
                out.append(TeamDifference(mid, force, str(m.team), quarter, m.value, m.lower, m.upper, pooled,
                                          "higher" if m.lower > pooled else "lower"))
    return sorted(out, key=lambda d: (d.id, d.force, d.quarter or "", d.team))
