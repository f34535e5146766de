"""The public faces of the quality and definitions stages are deliberate: adding a name is a decision."""

from __future__ import annotations

from clearpicture import definitions, quality


def test_definitions_exports() -> None:
    assert sorted(definitions.__all__) == sorted([
        "CATEGORIES", "DEFAULT_CSE", "DEFAULT_GROUP_BASED", "Category", "Criterion", "Definition",
        "DefinitionsConfig", "annual_return", "load_definition", "run", "shipped_definitions", "summarise",
        "write_return"])
    assert all(hasattr(definitions, n) for n in definitions.__all__)
    assert definitions.DEFAULT_CSE == "cse-dfe-2017" and definitions.DEFAULT_GROUP_BASED == "gbcse-iicsa-2019"


def test_quality_exports() -> None:
    assert sorted(quality.__all__) == sorted([
        "ENTITY_MEASURE_IDS", "MEASURE_IDS", "QualityConfig", "Thresholds", "load_thresholds", "run",
        "scorecard", "shipped_thresholds"])
    assert all(hasattr(quality, n) for n in quality.__all__)
