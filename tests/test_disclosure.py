"""Disclosure control: nothing small shows, nothing hidden can be worked out from totals."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clearpicture.disclosure import DisclosureRule, protect_count, protect_table

STRICT = DisclosureRule(hidden_sums=True)

grids = st.integers(1, 6).flatmap(
    lambda ncols: st.lists(st.lists(st.integers(0, 60), min_size=ncols, max_size=ncols), min_size=1, max_size=8)
)


def _table(grid: list[list[int]]) -> tuple[list[dict[str, object]], list[str]]:
    cols = [f"c{j}" for j in range(len(grid[0]))]
    rows = [{"area": f"a{i}", **dict(zip(cols, r, strict=True))} for i, r in enumerate(grid)]
    return rows, cols


@given(grids)
def test_no_count_under_threshold_appears(grid: list[list[int]]) -> None:
    rows, cols = _table(grid)
    out = protect_table(rows, cols, ["area"])
    for r in out.rows:
        for c in cols:
            assert r[c] is None or (r[c] >= 10 and r[c] % 5 == 0)
    for total in out.column_totals.values():
        assert total is None or total >= 10


@given(grids)
def test_no_line_has_a_single_hidden_cell(grid: list[list[int]]) -> None:
    rows, cols = _table(grid)
    out = protect_table(rows, cols, ["area"])
    if len(cols) > 1:
        for r in out.rows:
            assert sum(r[c] is None for c in cols) != 1
    if len(rows) > 1:
        for c in cols:
            assert sum(r[c] is None for r in out.rows) != 1


def test_secondary_suppression_hides_the_smallest_other_cell() -> None:
    rows = [{"area": "a", "n": 3}, {"area": "b", "n": 40}, {"area": "c", "n": 12}]
    out = protect_table(rows, ["n"], ["area"])
    assert [r["n"] for r in out.rows] == [None, 40, None]
    assert out.column_totals["n"] == 55
    assert "suppressed" in out.note


def test_labels_are_kept_and_counts_rounded() -> None:
    out = protect_table([{"area": "x", "n": 23, "m": 11}], ["n", "m"], ["area"])
    assert out.rows == [{"area": "x", "n": 25, "m": 10}]
    assert protect_count(9) is None and protect_count(12) == 10


def test_rule_is_configurable() -> None:
    rule = DisclosureRule(threshold=5, rounding=1, secondary=False)
    out = protect_table([{"n": 4}, {"n": 7}], ["n"], rule=rule)
    assert [r["n"] for r in out.rows] == [None, 7]


@given(grids)
def test_hidden_cells_of_a_line_never_add_up_to_a_small_count(grid: list[list[int]]) -> None:
    """Two hidden zeros in a column with a published total say "these two hold 0": a small count."""
    rows, cols = _table(grid)
    out = protect_table(rows, cols, ["area"], rule=STRICT)
    lines = [[(i, c) for i in range(len(rows))] for c in cols]
    if len(cols) > 1:
        lines += [[(i, c) for c in cols] for i in range(len(rows))]
    for line in lines:
        hidden = [grid[i][cols.index(c)] for i, c in line if out.rows[i][c] is None]
        if hidden and len(hidden) < len(line):
            assert sum(hidden) >= 10, (line, hidden)


def test_two_hidden_zeros_beside_a_published_total_pull_in_a_third_cell() -> None:
    rows = [{"area": "a", "n": 0}, {"area": "b", "n": 3}, {"area": "c", "n": 40}, {"area": "d", "n": 30}]
    loose = DisclosureRule(hidden_sums=False)
    assert [r["n"] for r in protect_table(rows, ["n"], ["area"], rule=loose).rows] == [None, None, 40, 30]
    out = protect_table(rows, ["n"], ["area"])  # the default is the strict rule
    # Without the third cell the total (75) less 40 and 30 gives the two hidden areas' 3 children.
    assert [r["n"] for r in out.rows] == [None, None, 40, None]


def test_subtotal_groups_get_their_own_secondary_suppression() -> None:
    """Victims and suspects by age in one column: each role's total is published elsewhere."""
    grid = [("victim", "13-15", 20), ("victim", "16-17", 25), ("victim", "under 13", 3),
            ("suspect", "18-24", 2), ("suspect", "25-39", 8), ("suspect", "40+", 30)]
    rows = [{"role": r, "age": a, "n": n} for r, a, n in grid]
    plain = protect_table(rows, ["n"], ["role", "age"])
    assert sum(r["n"] is None for r in plain.rows if r["role"] == "victim") == 1  # the victims' total gives it away
    out = protect_table(rows, ["n"], ["role", "age"], rule=STRICT, subtotals=["role"])
    for role in ("victim", "suspect"):
        hidden = [n for (r, _, n), row in zip(grid, out.rows, strict=True) if r == role and row["n"] is None]
        assert len(hidden) != 1 and (not hidden or sum(hidden) >= 10), (role, hidden)
    assert [r["n"] for r in out.rows] == [None, 25, None, None, None, 30]


def test_columns_that_do_not_add_up_across_a_row_keep_the_row_visible() -> None:
    """Notes reviewed and notes flagged: hiding the 3 flagged does not require hiding the 40 reviewed."""
    rows = [{"team": "a", "notes": 40, "flagged": 3}, {"team": "b", "notes": 35, "flagged": 4},
            {"team": "c", "notes": 50, "flagged": 12}]
    additive = protect_table(rows, ["notes", "flagged"], ["team"], STRICT)
    assert additive.rows[0]["notes"] is None  # a row total notes + flagged is assumed
    out = protect_table(rows, ["notes", "flagged"], ["team"], STRICT, row_totals=False)
    assert [r["notes"] for r in out.rows] == [40, 35, 50]
    assert [r["flagged"] for r in out.rows] == [None, None, None]  # 3 + 4 < 10: the 12 goes too
