"""Linkage: the same people, vehicles, phones and places recognised across every agency.

Public face of the stage: :func:`run` writes the ``entity_*`` tables; :func:`explain_pair` shows
why two person records were or were not merged; :func:`record_decision` stores an analyst's
confirm/reject, respected by every later run. Normalisers live in :mod:`.normalise`. Ethnicity,
nationality and sex are never compared or blocked on.
"""

from __future__ import annotations

from .model import LinkageModelConfig
from .review import explain_pair, record_decision, review_queue
from .stage import LinkageConfig, run

__all__ = ["LinkageConfig", "LinkageModelConfig", "explain_pair", "record_decision", "review_queue", "run"]
