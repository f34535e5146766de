"""Statistical disclosure control for outputs that leave the need-to-know circle.

Every output marked for partners or the public (a strategic profile, a board pack, a data return)
passes its counts through here (principles.md, item 8). The default follows common ONS practice:
counts under 10 are suppressed, further cells are suppressed so that no suppressed cell can be
worked out from row or column totals (secondary suppression), and the remaining counts are rounded
to the nearest 5. Totals are computed from the true counts and then rounded (or suppressed when
they are themselves small), never from the rounded cells.

This module is pure: it takes rows and returns new rows. It must not read the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DisclosureRule", "ProtectedTable", "protect_count", "protect_table"]


@dataclass(frozen=True)
class DisclosureRule:
    """How to protect counts. Configurable; the default is principles.md item 8."""

    threshold: int = 10  # counts below this are suppressed (0 included: "no count under 10 appears")
    rounding: int = 5  # other counts are rounded to the nearest multiple of this
    secondary: bool = True  # suppress extra cells so suppressed ones cannot be recovered from totals
    #: also hide more cells when a line's hidden cells add up to less than ``threshold`` (their sum,
    #: from the line's total, would be a small count itself: two hidden zeros and a 3 under a
    #: published total say "these hold 3"). On by default: every partner output needs it.
    hidden_sums: bool = True

    def __post_init__(self) -> None:
        if self.threshold < 0 or self.rounding < 1:
            raise ValueError("threshold must be >= 0 and rounding >= 1")

    def note(self) -> str:
        """The sentence a page shows wherever these rules were applied."""
        parts = [f"Counts under {self.threshold} are suppressed (shown as *)"]
        if self.secondary:
            parts.append("further cells are suppressed so that no hidden count can be worked out from totals")
        if self.rounding > 1:
            parts.append(f"other counts are rounded to the nearest {self.rounding}")
        return "Statistical disclosure control applied: " + "; ".join(parts) + "."


@dataclass
class ProtectedTable:
    """Rows with protected counts (``None`` = suppressed), totals, and the note to print."""

    rows: list[dict[str, Any]]
    column_totals: dict[str, int | None]
    note: str
    suppressed: set[tuple[int, str]] = field(default_factory=set)


def _round(value: int, base: int) -> int:
    return int(base * round(value / base)) if base > 1 else value


def protect_count(value: int, rule: DisclosureRule = DisclosureRule()) -> int | None:
    """Protect one free-standing count: None when small, else rounded."""
    return None if value < rule.threshold else _round(value, rule.rounding)


def _lines(rows: Sequence[Mapping[str, Any]], n_cols: int, subtotals: Sequence[str],
           row_totals: bool = True) -> list[list[tuple[int, int]]]:
    """The sets of cells whose total is (or may be) published: rows, columns, and subtotal groups."""
    n_rows = len(rows)
    lines: list[list[tuple[int, int]]] = []
    if n_cols > 1 and row_totals:
        lines += [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    if n_rows > 1:
        lines += [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    if subtotals:
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault(tuple(row.get(k) for k in subtotals), []).append(i)
        for members in groups.values():
            if 1 < len(members) < n_rows:
                lines += [[(r, c) for r in members] for c in range(n_cols)]
    return lines


def _secondary(cells: list[list[int]], suppressed: set[tuple[int, int]], lines: list[list[tuple[int, int]]],
               threshold: int) -> None:
    """Add suppressions until no line gives away a hidden cell or a small sum of hidden cells.

    With two or more hidden cells in every line that has any, a published total only reveals
    their sum, not any one of them; and that sum must not be a small count itself ("these two
    areas hold 3 children") when ``threshold`` is above 0. The cheapest extra cell (smallest count)
    is hidden each time.
    """
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [p for p in line if p in suppressed]
            if not hidden:
                continue
            if len(hidden) == 1 or sum(cells[p[0]][p[1]] for p in hidden) < threshold:
                candidates = [p for p in line if p not in suppressed]
                if candidates:
                    pick = min(candidates, key=lambda p: (cells[p[0]][p[1]], p))
                    suppressed.add(pick)
                    changed = True


def protect_table(
    rows: Sequence[Mapping[str, Any]],
    count_columns: Sequence[str],
    group_columns: Sequence[str] = (),
    rule: DisclosureRule = DisclosureRule(),
    subtotals: Sequence[str] = (),
    row_totals: bool = True,
) -> ProtectedTable:
    """Apply disclosure control to a table of counts.

    ``rows`` are dicts holding ``group_columns`` (labels, kept as they are) and ``count_columns``
    (non-negative integers; None counts as 0). The table is treated as a grid: rows by count
    columns, with row totals (when there are several count columns) and column totals implied.
    ``subtotals`` names label columns whose values group rows into totals published elsewhere
    (victims and suspects in one column, say, when each role's total is a headline figure): each
    group's cells then get secondary suppression of their own. ``row_totals=False`` says the count
    columns do not add up across a row (notes and flagged notes, numerator and denominator): no row
    total exists to recover a hidden cell from, so rows get no secondary suppression of their own.
    """
    cells = [[int(r.get(c) or 0) for c in count_columns] for r in rows]
    n_rows, n_cols = len(cells), len(count_columns)
    suppressed = {
        (i, j) for i in range(n_rows) for j in range(n_cols) if cells[i][j] < rule.threshold
    }
    if rule.secondary:
        _secondary(cells, suppressed, _lines(rows, n_cols, subtotals, row_totals), rule.threshold if rule.hidden_sums else 0)
    out: list[dict[str, Any]] = []
    for i, r in enumerate(rows):
        new = {k: r[k] for k in group_columns if k in r}
        for k, v in r.items():
            if k not in count_columns and k not in new:
                new[k] = v
        for j, c in enumerate(count_columns):
            new[c] = None if (i, j) in suppressed else _round(cells[i][j], rule.rounding)
        out.append(new)
    totals = {
        c: protect_count(sum(cells[i][j] for i in range(n_rows)), rule) for j, c in enumerate(count_columns)
    }
    named = {(i, count_columns[j]) for i, j in suppressed}
    return ProtectedTable(rows=out, column_totals=totals, note=rule.note(), suppressed=named)
