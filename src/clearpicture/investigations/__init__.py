"""Investigations: how consistently cases are worked, measured from outcomes and actions.

The inspectorate found investigations of group-based child sexual exploitation "inconsistent";
the national audit found closed cases that must be looked at again. This stage gives, for every
crime meeting the CSE or group-based definition in force (and every sexual offence against a
child, for comparison): a timeline from report to outcome; consistency measures by force, team
and quarter with Wilson intervals; a review list of cases that fall short of a configurable
checklist, for a supervisor to accept or dismiss with a reason; and the closed cases whose victim
or suspect now belongs to a detected group. Teams, never named officers; no individual scores.

Public face: :func:`run` (the stage), :func:`case_timeline`, :func:`measures`,
:func:`differing_teams`, :func:`review_list`, :func:`decide_review`, :func:`reexamination`, :func:`load_checklist`.
"""

from __future__ import annotations

from .checklist import Checklist, default_checklist_path, load_checklist
from .config import OUTCOME_LABELS, POPULATIONS, InvestigationsConfig, load_config
from .measures import (
    MEASURE_DESCRIPTIONS,
    Measure,
    TeamDifference,
    differing_teams,
    measures,
    protect_measures,
    wilson_interval,
)
from .review import RecordRef, ReviewCase, ReviewReason, decide_review, reexamination, review_list
from .stage import run
from .timeline import CaseTimeline, TimelineStep, case_timeline

__all__ = [
    "MEASURE_DESCRIPTIONS",
    "OUTCOME_LABELS",
    "POPULATIONS",
    "CaseTimeline",
    "Checklist",
    "InvestigationsConfig",
    "Measure",
    "RecordRef",
    "ReviewCase",
    "ReviewReason",
    "TeamDifference",
    "TimelineStep",
    "case_timeline",
    "decide_review",
    "differing_teams",
    "default_checklist_path",
    "load_checklist",
    "load_config",
    "measures",
    "protect_measures",
    "reexamination",
    "review_list",
    "run",
    "wilson_interval",
]
