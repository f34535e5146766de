"""Fixed-model fits reproduce every published point estimate; sparse-table rules hold.

Fixtures: the published capture-recapture tables in tests/estimate/data (copied from
shared/data/mse; sources and citations in data/CITATION.md and each file's "source").
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from clearpicture.estimate.model import fit_model, mle_exists
from clearpicture.estimate.table import load_counts, parse_model

DATA = Path(__file__).parent / "data"


def _published() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    out = []
    for path in sorted(DATA.glob("*.json")):
        doc = json.loads(path.read_text())
        for i, pub in enumerate([doc["published"], *doc["other_published"]]):
            out.append((f"{path.stem}[{i}]", doc, pub))
    return out


PUBLISHED = _published()


@pytest.mark.parametrize(("name", "doc", "pub"), PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_fixed_published_model_reproduces_point_estimate_within_one_percent(
    name: str, doc: dict[str, Any], pub: dict[str, Any]
) -> None:
    table = load_counts(doc["lists"], doc["rows"])
    assert table.observed == doc["observed"]
    fit = fit_model(table, parse_model(pub["interactions"], doc["lists"]) or ())
    assert fit.admissible, fit.reason
    assert fit.estimate == pytest.approx(pub["estimate"], rel=0.01)


def test_uk_five_list_criteria_match_rcapture() -> None:
    doc = json.loads((DATA / "uk_2013_five_lists.json").read_text())
    table = load_counts(doc["lists"], doc["rows"])
    fit = fit_model(table, parse_model(doc["published"]["interactions"], doc["lists"]) or ())
    # Rcapture and R glm report AIC 127.5986 and BIC 198.6047 (METHOD.md section 4).
    assert fit.aic == pytest.approx(127.5986, abs=1e-3)
    assert fit.bic == pytest.approx(198.6047, abs=1e-3)


def test_absent_patterns_enter_the_fit_as_zeros() -> None:
    doc = json.loads((DATA / "uk_2013_five_lists.json").read_text())
    table = load_counts(doc["lists"], doc["rows"])
    assert len(table.counts) == 31 and int((table.counts == 0).sum()) == 31 - len(doc["rows"])


def test_nonoverlapping_pair_is_fixed_at_minus_infinity_and_still_counted() -> None:
    doc = json.loads((DATA / "western_us.json").read_text())
    table = load_counts(doc["lists"], doc["rows"])
    with_ab = fit_model(table, parse_model("A:B", doc["lists"]) or ())
    main = fit_model(table, ())
    assert with_ab.admissible and with_ab.infinite == ((0, 1),)
    assert with_ab.k == main.k + 1
    assert with_ab.pvalues[(0, 1)] == 1.0
    # cells containing A and B get fitted mean 0; the others are refitted
    assert np.all(with_ab.fitted[table.on_all((0, 1))] == 0)
    assert with_ab.loglik >= main.loglik - 1e-9


def test_korea_models_whose_mle_does_not_exist_are_inadmissible() -> None:
    doc = json.loads((DATA / "korea.json").read_text())
    table = load_counts(doc["lists"], doc["rows"])
    bad = [fit_model(table, parse_model(spec, doc["lists"]) or ()) for spec in ("b:c,b:d", "b:c,b:d,c:d")]
    assert all(not f.admissible and "does not exist" in (f.reason or "") for f in bad)
    assert all(math.isnan(f.dark) for f in bad)


def test_existence_lp_detects_a_zero_cell_forced_by_the_margins() -> None:
    # two lists, main effects (saturated on cells 10, 01, 11): an empty cell 01 is forced by the margins.
    x = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=float)
    assert not mle_exists(x, np.array([5.0, 0.0, 3.0]))
    assert mle_exists(x, np.array([5.0, 2.0, 3.0]))


def test_a_pattern_of_another_length_is_never_dropped_silently() -> None:
    from clearpicture.estimate.table import build_table

    assert build_table(["a", "b", "c"], {"110": 4, "001": 2}).observed == 6
    with pytest.raises(ValueError, match="do not fit 4 lists"):
        build_table(["a", "b", "c", "d"], {"110": 4})
