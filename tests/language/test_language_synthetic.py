"""Against the synthetic scenario's planted notes, written by another engineer's generator.

``clearpicture.synth`` writes notes whose truth row says whether each one is victim-blaming (and
which of child-centred, negation, reported speech, correction or neutral it was built as). These
sentences were not written with the rules in view, so they are a small independent check of the
note-level flag.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from clearpicture import synth
from clearpicture.language import review


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.generate("small", 7, tmp_path_factory.mktemp("lang-synth") / "data")


def test_note_level_flags_match_the_planted_truth(scenario: Path) -> None:
    with (scenario / "notes.csv").open(encoding="utf-8", newline="") as fh:
        text = {(r["source"], r["note_id"]): r["text"] for r in csv.DictReader(fh)}
    with (scenario / "truth" / "notes.csv").open(encoding="utf-8", newline="") as fh:
        truth = list(csv.DictReader(fh))
    assert truth and sum(t["victim_blaming"] == "true" for t in truth) >= 10
    tp = fp = fn = 0
    hard_negatives_flagged = 0
    for t in truth:
        flagged = bool(review(text[(t["source"], t["note_id"])]))
        gold = t["victim_blaming"] == "true"
        tp += flagged and gold
        fp += flagged and not gold
        fn += gold and not flagged
        hard_negatives_flagged += flagged and t["category"] in {"negation", "reported_speech", "correction"}
    assert tp / (tp + fp) >= 0.92
    assert tp / (tp + fn) >= 0.90
    assert hard_negatives_flagged == 0
