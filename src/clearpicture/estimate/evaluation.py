"""The ``estimate`` section of ``clearpicture evaluate``: the stored estimate against a scenario's true total.

interface.md promises ``evaluate --json`` gives "estimate versus the true total"; the evaluation
registry (:mod:`clearpicture.evaluate`) leaves each stage to add its own section. This one reads the
latest successful estimate run's all-strata row from ``estimate_results`` and the synthetic
scenario's ``truth/victims.json`` (``total_victims``: every child exploited, recorded or not, the
population ``cse-dfe-2017`` describes). Truth is read only here, never by the estimate itself, and
nothing is written to the store.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..evaluate import register_section
from ..store import Store

__all__ = ["TRUTH_DEFINITION", "evaluate_estimate"]

#: The definition whose victims ``truth/victims.json`` counts; another definition is not like for like.
TRUTH_DEFINITION = "cse-dfe-2017"


def _truth_total(truth_dir: Path) -> dict[str, Any]:
    path = Path(truth_dir) / "victims.json"
    if not path.is_file():
        raise InputError(f"{path}: truth file not found (expected a scenario's truth/ folder)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {"total": int(doc["total_victims"]), "observed": doc.get("observed_total")}
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: expected a JSON object with total_victims ({exc})") from exc


@register_section("estimate", "estimate_results")
def evaluate_estimate(store: Store, truth_dir: Path) -> dict[str, Any]:
    """The latest estimate (all strata) against the true number of victims: error and coverage."""
    truth = _truth_total(truth_dir)
    rows = store.dicts(
        "SELECT e.* FROM estimate_results e JOIN runs r ON r.run_id = e.run_id "
        "WHERE r.stage = 'estimate' AND r.status = 'ok' AND e.stratum = 'all' "
        "ORDER BY r.finished_at DESC LIMIT 1")
    if not rows:
        return {"skipped": "no successful estimate run in the workspace"}
    row = rows[0]
    true_total = truth["total"]
    estimate, lower, upper = row["estimate"], row["lower"], row["upper"]

    def finite(x: Any) -> float | None:
        return float(x) if x is not None and math.isfinite(float(x)) else None

    out: dict[str, Any] = {
        "true_total": true_total,
        "true_observed": truth["observed"],
        "observed": row["observed"],
        "estimate": finite(estimate),
        "lower": finite(lower),
        "upper": finite(upper),
        "interval": row["interval_method"],
        "level": row["level"],
        "model": row["model"],
        "definition": row["definition_id"],
        "run_id": row["run_id"],
        "error": None if finite(estimate) is None else round(float(estimate) - true_total, 2),
        "relative_error": (None if finite(estimate) is None or not true_total
                           else round((float(estimate) - true_total) / true_total, 4)),
        # an interval with no upper limit (None) covers any total above its lower limit
        "covered": (lower is not None and float(lower) <= true_total
                    and (upper is None or not math.isfinite(float(upper)) or true_total <= float(upper))),
    }
    if row["definition_id"] != TRUTH_DEFINITION:
        out["note"] = (f"the estimate counts victims of {row['definition_id']}; the truth counts every exploited "
                       f"child ({TRUTH_DEFINITION}): not like for like")
    return out
