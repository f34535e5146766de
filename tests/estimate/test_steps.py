"""A stepwise search shows its path: each pair on offer, the statistic it was judged by, and why it stopped.

The ``models`` list gives every model fitted with its AIC and BIC, but a stepwise rule decides by a
p-value (Wald for stepwise_bhs, the Poisson overlap for stepwise_csv) that was nowhere in the output,
so a reviewer could not check why the search stopped where it did.
"""

from __future__ import annotations

import json
from pathlib import Path

from clearpicture.estimate import EstimateOptions, estimate_table, load_counts
from clearpicture.estimate.share import partner_document

DATA = Path(__file__).parent / "data"


def _table(name: str):  # type: ignore[no-untyped-def]
    doc = json.loads((DATA / name).read_text())
    return load_counts(doc["lists"], doc["rows"])


def test_stepwise_csv_path_on_western_adds_a_e_then_stops_on_the_threshold() -> None:
    est = estimate_table(_table("western_us.json"), None,
                         EstimateOptions(method="stepwise_csv", intervals=("averaged",))).to_dict()
    steps = est["steps"]
    added = [s["pair"] for s in steps if s.get("added")]
    assert added == ["A:E"] and est["model"] == "A:E"
    assert steps[0]["poisson_p"] < 0.02 <= steps[-1]["poisson_p"]
    assert steps[-1]["added"] is False and "0.02" in steps[-1]["stop"]
    assert steps[0]["overlap"] == 1 + 5  # A and E share the cases of 10001 and 10101


def test_stepwise_bhs_path_on_uk_adds_the_six_published_pairs_with_falling_aic() -> None:
    est = estimate_table(_table("uk_2013_five_lists.json"), None,
                         EstimateOptions(method="stepwise_bhs", intervals=("averaged",))).to_dict()
    added = [s for s in est["steps"] if s.get("added")]
    assert len(added) == 6
    assert all(s["aic"] < s["aic_before"] and s["wald_p"] <= 0.05 for s in added)
    assert est["steps"][-1]["added"] is False


def test_exhaustive_search_has_no_path_and_partners_see_pairs_without_statistics() -> None:
    table = _table("western_us.json")
    assert estimate_table(table, None, EstimateOptions(method="bic", intervals=("averaged",))).to_dict()["steps"] == []
    doc = estimate_table(table, None, EstimateOptions(method="stepwise_csv", intervals=("averaged",))).to_dict()
    shared = partner_document(doc, {"all": {r["pattern"]: r["count"] for r in table.rows()}})
    assert shared["steps"] and all(set(s) <= {"step", "pair", "added", "stop"} for s in shared["steps"])
