"""Each published selection procedure picks the published model; inadmissible models are never chosen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clearpicture.errors import InputError
from clearpicture.estimate.select import hierarchical_models, select_model
from clearpicture.estimate.table import format_model, load_counts, parse_model

DATA = Path(__file__).parent / "data"


def _cases() -> list[Any]:
    out = []
    for path in sorted(DATA.glob("*.json")):
        doc = json.loads(path.read_text())
        for i, pub in enumerate([doc["published"], *doc["other_published"]]):
            rep = pub["reproduce"]
            if rep["method"] == "fixed":
                continue
            # exhaustive searches over 6,893 (UK order <= 4) or 32,768 (UK six lists) models take minutes
            big = rep["method"] == "bic" and (rep.get("maxorder", 2) > 3 or len(doc["lists"]) > 5)
            marks = [pytest.mark.slow] if big else []
            out.append(pytest.param(doc, pub, id=f"{path.stem}[{i}]-{rep['method']}", marks=marks))
    return out


@pytest.mark.parametrize(("doc", "pub"), _cases())
def test_named_procedure_picks_the_published_model(doc: dict[str, Any], pub: dict[str, Any]) -> None:
    table = load_counts(doc["lists"], doc["rows"])
    rep = pub["reproduce"]
    sel = select_model(table, rep["method"], maxorder=rep.get("maxorder", 2), pthresh=rep.get("pthresh"))
    want = format_model(parse_model(pub["interactions"], doc["lists"]) or (), doc["lists"])
    assert sel.chosen.label == want
    assert sel.chosen.estimate == pytest.approx(pub["estimate"], rel=0.01)


def test_model_counts_match_the_literature() -> None:
    # METHOD.md: t=3 -> 8 two-list models; t=4 order <= 3 -> 113; t=5 -> 1,024 two-list models.
    assert sum(1 for _ in hierarchical_models(3, 2)) == 8
    assert sum(1 for _ in hierarchical_models(4, 3)) == 113
    assert sum(1 for _ in hierarchical_models(5, 2)) == 1024


def test_korea_bic_search_reports_the_two_inadmissible_models_and_never_picks_one() -> None:
    doc = json.loads((DATA / "korea.json").read_text())
    sel = select_model(load_counts(doc["lists"], doc["rows"]), "bic")
    bad = {f.label for f in sel.candidates if not f.admissible}
    assert bad == {"b:c,b:d", "b:c,b:d,c:d"}
    assert sel.chosen.admissible and sel.chosen.estimate < 1000


def test_model_choice_moves_the_uk_estimate_and_every_candidate_is_kept() -> None:
    doc = json.loads((DATA / "uk_2013_five_lists.json").read_text())
    sel = select_model(load_counts(doc["lists"], doc["rows"]), "aic")
    assert len(sel.candidates) == 1024
    estimates = [f.estimate for f in sel.candidates if f.admissible]
    assert max(estimates) / min(estimates) > 2
    ranked = sel.ranked()
    assert ranked[0] is sel.chosen


def test_auto_uses_stepwise_beyond_five_lists() -> None:
    doc = json.loads((DATA / "new_orleans.json").read_text())
    sel = select_model(load_counts(doc["lists"], doc["rows"]), "auto")
    assert sel.method == "stepwise_csv"


def test_fixed_inadmissible_model_is_an_input_error() -> None:
    doc = json.loads((DATA / "korea.json").read_text())
    table = load_counts(doc["lists"], doc["rows"])
    with pytest.raises(InputError, match="cannot be fitted"):
        select_model(table, terms=parse_model("b:c,b:d", doc["lists"]))


def test_unknown_method_is_an_input_error() -> None:
    table = load_counts(["a", "b"], [{"pattern": "10", "count": 3}, {"pattern": "11", "count": 2},
                                     {"pattern": "01", "count": 4}])
    with pytest.raises(InputError, match="unknown estimation method"):
        select_model(table, "lasso")
