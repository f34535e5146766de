"""The investigations façade is pinned: pages and reports build on these names."""

from __future__ import annotations

from clearpicture import investigations


def test_exported_names_are_pinned() -> None:
    assert sorted(investigations.__all__) == sorted([
        "MEASURE_DESCRIPTIONS", "OUTCOME_LABELS", "POPULATIONS", "CaseTimeline", "Checklist",
        "InvestigationsConfig", "Measure", "RecordRef", "ReviewCase", "ReviewReason", "TeamDifference", "TimelineStep",
        "case_timeline", "decide_review", "differing_teams", "default_checklist_path", "load_checklist", "load_config", "measures",
        "protect_measures", "reexamination", "review_list", "run", "wilson_interval",
    ])
    for name in investigations.__all__:
        assert hasattr(investigations, name)


def test_every_measure_has_a_description() -> None:
    from clearpicture.investigations.measures_sql import RATE_MEASURES

    assert set(RATE_MEASURES) < set(investigations.MEASURE_DESCRIPTIONS)
    assert all(investigations.MEASURE_DESCRIPTIONS.values())
