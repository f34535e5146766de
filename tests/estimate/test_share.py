"""Capture patterns and estimates for partners: no small count shown, none recoverable from what is shown.

Recoverability is tested the way an attacker would work: from the published (rounded) cells and
totals and the known structure (strata add up to the all-strata column; a column adds up to its
total), a linear programme finds the smallest and largest value each suppressed cell can take.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.optimize import linprog

from clearpicture.cli import main
from clearpicture.disclosure import DisclosureRule
from clearpicture.estimate import estimate_counts
from clearpicture.estimate.share import all_patterns, partner_document, partner_warnings, protected_patterns

LISTS = ["police", "social_care", "health", "ngo"]
RULE = DisclosureRule()
HALF = RULE.rounding // 2  # a count rounded to the nearest 5 is within 2 of the true one


def _strata(seed: int) -> dict[str, dict[str, int]]:
    """Two strata of capture patterns with many small cells and zeros, as a force's tables are."""
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, int]] = {}
    for name in ("North", "South"):
        counts = {p: int(rng.poisson(40 if p in ("1000", "0100", "1100") else 4)) for p in all_patterns(4)}
        out[name] = {p: n for p, n in counts.items() if n}
    return out


def _feasible_ranges(rows: list[dict[str, Any]], totals: dict[str, int | None], strata: list[str],
                     rule: DisclosureRule = RULE) -> dict[tuple[int, str], tuple[float, float]]:
    """Smallest and largest value of each suppressed cell given everything published under ``rule``."""
    half = rule.rounding // 2
    columns = [*strata, "all"] if strata else ["all"]
    index = {(i, c): k for k, (i, c) in enumerate((i, c) for i in range(len(rows)) for c in columns)}
    bounds = []
    for row in rows:
        for c in columns:
            v = row[c]
            bounds.append((0, None) if v is None else (max(v - half, rule.threshold if v else 0), v + half))
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    if strata:  # the all-strata cell is the sum of the strata cells
        for i in range(len(rows)):
            line = np.zeros(len(index))
            line[index[(i, "all")]] = 1
            for s in strata:
                line[index[(i, s)]] = -1
            a_eq.append(line)
            b_eq.append(0)
    for c in columns:  # published column totals (rounded, or suppressed when under the threshold)
        line = np.zeros(len(index))
        for i in range(len(rows)):
            line[index[(i, c)]] = 1
        t = totals[c]
        hi, lo = (rule.threshold - 1, 0) if t is None else (t + half, t - half)
        a_ub += [line, -line]
        b_ub += [hi, -lo]
    out = {}
    for (i, c), k in index.items():
        if rows[i][c] is not None:
            continue
        goal = np.zeros(len(index))
        goal[k] = 1
        lo = linprog(goal, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds)
        hi = linprog(-goal, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds)
        assert lo.status == 0 and hi.status == 0
        out[(i, c)] = (lo.fun, -hi.fun)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_pattern_count_under_ten_is_shown_and_every_pattern_is_listed(seed: int) -> None:
    counts = _strata(seed)
    table = protected_patterns(LISTS, counts)
    assert [r["pattern"] for r in table.rows] == all_patterns(4)  # zeros listed too: a missing row would say 0
    assert table.rows[0]["lists"] == "police+social_care+health+ngo"
    shown = [r[c] for r in table.rows for c in ("North", "South", "all") if r[c] is not None]
    assert shown and all(v >= RULE.threshold and v % RULE.rounding == 0 for v in shown)
    for r in table.rows:  # every cell under 10 is hidden
        for c in ("North", "South"):
            if counts[c].get(r["pattern"], 0) < RULE.threshold:
                assert r[c] is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_suppressed_cell_can_be_worked_out_from_the_published_figures(seed: int) -> None:
    counts = _strata(seed)
    table = protected_patterns(LISTS, counts)
    ranges = _feasible_ranges(table.rows, table.column_totals, ["North", "South"])
    assert ranges
    for (i, c), (lo, hi) in ranges.items():
        true = sum(counts[s].get(table.rows[i]["pattern"], 0) for s in ("North", "South")) if c == "all" else \
            counts[c].get(table.rows[i]["pattern"], 0)
        assert lo - 1e-6 <= true <= hi + 1e-6  # the attacker's model is right...
        assert hi - lo >= 2, (table.rows[i]["pattern"], c, lo, hi)  # ...and still cannot pin the cell down


def _mostly_large() -> dict[str, dict[str, int]]:
    """Large cells but for one small cell in North and two empty patterns in South."""
    north = {p: 20 + 3 * i for i, p in enumerate(all_patterns(4))}
    south = {p: 15 + 2 * i for i, p in enumerate(all_patterns(4))}
    north["0011"] = 3
    south["0111"] = south["1011"] = 0
    return {"North": north, "South": south}


def test_suppressed_cells_stay_hidden_even_from_an_attacker_who_knows_the_exact_visible_counts() -> None:
    exact = DisclosureRule(rounding=1)  # no rounding to hide behind: suppression alone must protect
    counts = _mostly_large()
    table = protected_patterns(LISTS, counts, exact)
    ranges = _feasible_ranges(table.rows, table.column_totals, ["North", "South"], exact)
    assert len(ranges) >= 4
    assert all(hi - lo >= 2 for lo, hi in ranges.values()), ranges
    # the same attack works on a table with primary suppression only: it finds the 3
    bare = protected_patterns(LISTS, counts, DisclosureRule(rounding=1, secondary=False))
    found = _feasible_ranges(bare.rows, bare.column_totals, ["North", "South"], exact)
    assert any(hi - lo < 1 for lo, hi in found.values())


def test_hidden_cells_of_a_line_never_add_up_to_a_small_count() -> None:
    table = protected_patterns(LISTS, _mostly_large(), DisclosureRule(rounding=1))
    counts = _mostly_large()
    south = [r["pattern"] for r in table.rows if r["South"] is None]
    assert {"0111", "1011"} <= set(south)  # the two empty patterns...
    assert sum(counts["South"][p] for p in south) >= RULE.threshold  # ...are hidden along with a larger one


def test_unstratified_patterns_hide_a_lone_small_cell_among_others() -> None:
    counts = {"all": {"1000": 40, "0100": 35, "1100": 30, "0010": 3, "1010": 12, "0001": 25}}
    table = protected_patterns(LISTS, counts)
    by = {r["pattern"]: r["all"] for r in table.rows}
    assert by["0010"] is None and by["1000"] == 40 and by["0001"] == 25
    # the 3 and the empty patterns add up to under 10: the smallest shown cell joins them
    assert by["1010"] is None
    assert table.column_totals["all"] == 145  # 145 exactly: rounding to 5 leaves it
    ranges = _feasible_ranges(table.rows, table.column_totals, [])
    assert all(hi - lo >= 2 for lo, hi in ranges.values())


def test_partner_document_rounds_modelled_figures_and_drops_fit_statistics() -> None:
    rows = [{"pattern": p, "count": n} for p, n in
            {"1000": 60, "0100": 52, "1100": 31, "0010": 14, "1010": 6, "0110": 4, "0001": 11, "1001": 2}.items()]
    doc = estimate_counts(LISTS, rows, bootstrap=50).to_dict()
    counts = {"all": {r["pattern"]: r["count"] for r in rows}}
    shared = partner_document(doc, counts)
    assert shared["observed"] == 180 and doc["observed"] == 180
    for key in ("estimate", "lower", "upper", "unobserved"):
        assert shared[key] is None or shared[key] % 5 == 0
    assert all("aic" not in m and "bic" not in m and "unobserved" not in m for m in shared["models"])
    assert all(m["estimate"] is None or m["estimate"] % 5 == 0 for m in shared["models"])
    assert all(iv["lower"] is None or iv["lower"] % 5 == 0 for iv in shared["intervals"].values())
    assert {r["pattern"]: r["all"] for r in shared["patterns"]}["1001"] is None
    text = json.dumps(shared)
    assert "Statistical disclosure control applied" in shared["note"]
    assert '"count"' not in text and doc["models"][0]["aic"] is not None


def test_partner_warnings_drop_the_small_counts_they_quote() -> None:
    warnings = ["only 23 cases were observed: any estimate of the unseen number is very uncertain",
                "North: 4 of 6 observed patterns hold only 1 or 2 cases: the fit rests on a few people",
                "2 pair(s) of lists share no case (police/ngo, health/ngo): interactions between them cannot be "
                "estimated", "the profile interval has no finite upper limit: the data cannot bound the total"]
    out = partner_warnings(warnings)
    assert len(out) == 4 and out[1].startswith("North: ")
    assert not any(ch.isdigit() for line in out for ch in line)


def test_an_estimate_from_too_few_children_is_withheld() -> None:
    rows = [{"pattern": "10", "count": 4}, {"pattern": "01", "count": 3}, {"pattern": "11", "count": 1}]
    doc = estimate_counts(["police", "social_care"], rows, model="", bootstrap=20).to_dict()
    shared = partner_document(doc, {"all": {r["pattern"]: r["count"] for r in rows}})
    assert shared["estimate"] is None and shared["observed"] is None and "patterns" not in shared
    assert "4" not in json.dumps(shared["warnings"])


def test_cli_partner_audience_shows_protected_patterns(tmp_path: Path) -> None:
    rows = [{"pattern": p, "count": n} for p, n in {"100": 60, "010": 52, "110": 31, "001": 14, "101": 6,
                                                   "011": 4, "111": 12}.items()]
    path = tmp_path / "counts.json"
    path.write_text(json.dumps({"lists": ["police", "social_care", "health"], "rows": rows}))
    r = CliRunner().invoke(main, ["estimate", "--counts", str(path), "--bootstrap", "20", "--json",
                                  "--audience", "partner"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    cells = {p["pattern"]: p["all"] for p in out["patterns"]}
    assert cells["101"] is None and cells["011"] is None and cells["100"] == 60
    assert out["observed"] == 180 and out["audience"] == "partner"
    r = CliRunner().invoke(main, ["estimate", "--counts", str(path), "--bootstrap", "20", "--audience", "partner"])
    assert r.exit_code == 0 and "disclosure control" in r.output and "*" in r.output
    internal = json.loads(CliRunner().invoke(main, ["estimate", "--counts", str(path), "--bootstrap", "20",
                                                    "--json"]).stdout)
    assert "patterns" not in internal and internal["models"][0]["aic"] is not None
