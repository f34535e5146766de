"""Quality: measured data gaps by source, table, field and quarter, rated against thresholds.

Public face of the stage: ``run(store, config)`` writes ``quality_fields``, ``quality_measures``
and ``quality_timeliness`` (with run provenance); ``scorecard(store)`` returns the document that
``clearpicture quality --json`` prints; ``load_thresholds(path)`` validates a force's own
thresholds file. Ethnicity and nationality are measured only for how completely they are recorded.
"""

from __future__ import annotations

from .checks_sql import ENTITY_MEASURE_IDS, MEASURE_IDS
from .stage import QualityConfig, run, scorecard
from .thresholds import Thresholds, load_thresholds, shipped_thresholds

__all__ = [
    "ENTITY_MEASURE_IDS",
    "MEASURE_IDS",
    "QualityConfig",
    "Thresholds",
    "load_thresholds",
    "run",
    "scorecard",
    "shipped_thresholds",
]
