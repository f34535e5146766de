"""One case's timeline, from report to outcome, drawn live from the store.

:func:`case_timeline` runs the same SQL as the stage (:mod:`.cases_sql`) for one crime, so a page
can show any crime's sequence even before the stage has run: first recorded, suspects identified,
arrests, the victim's safeguarding referral found across agencies, missing episodes around it,
disruption, and the Home Office outcome. Every step names the record behind it. This module must
not write to the store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..errors import InputError
from ..store import Store
from .cases_sql import case_base_sql, case_steps_sql
from .config import OUTCOME_LABELS, InvestigationsConfig, load_config
from .inputs import check_inputs, offence_code_sets, resolve_versions

__all__ = ["CaseTimeline", "TimelineStep", "case_timeline", "step_label"]

_LABELS = {
    "offence": "Offence",
    "recorded": "First recorded",
    "suspect_identified": "Suspect identified",
    "arrest": "Arrest",
    "referral": "Safeguarding referral to children's social care",
    "missing_episode": "Missing episode",
    "disruption": "Disruption",
    "outcome": "Outcome",
}


def step_label(step: str, detail: str | None) -> str:
    """A short human label for a step ("Outcome 16: evidential difficulties: victim does not support")."""
    base = _LABELS.get(step, step)
    if step == "outcome" and detail:
        return f"{base} {detail}: {OUTCOME_LABELS.get(detail, 'outcome code not in the standard list')}"
    if step in ("disruption", "offence") and detail:
        return f"{base} ({detail})"
    return base


@dataclass(frozen=True)
class TimelineStep:
    step: str
    at: datetime | None
    label: str
    source: str
    record_type: str
    record_id: str
    role: str | None
    detail: str | None


@dataclass
class CaseTimeline:
    """A crime's sequence of steps (undated steps last) and the facts a page heads it with."""

    case: tuple[str, str]
    force: str
    team: str
    offence_code: str | None
    populations: list[str]
    victim: tuple[str, str] | None
    outcome: str | None
    outcome_label: str | None
    steps: list[TimelineStep] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["case"] = list(self.case)
        doc["victim"] = list(self.victim) if self.victim else None
        return doc


def _in_order(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dated steps by time; an undated step (a suspect link without a date) goes right after the
    last dated step that naturally comes before it (a suspect after the crime was recorded), so the
    sequence reads in order without inventing a date for it."""
    dated = [s for s in steps if s["step_at"] is not None]

    def key(s: dict[str, Any]) -> tuple[datetime, int, int]:
        if s["step_at"] is not None:
            return (s["step_at"], 0, s["step_order"])
        before = [d["step_at"] for d in dated if d["step_order"] < s["step_order"]]
        return (max(before) if before else datetime.max, 1, s["step_order"])

    return sorted(steps, key=key)


def case_timeline(store: Store, source: str, event_id: str,
                  config: InvestigationsConfig | dict[str, Any] | None = None) -> CaseTimeline:
    """The timeline of crime ``source``/``event_id`` (any crime, in a case population or not)."""
    cfg = load_config(config)
    check_inputs(store)
    child, sexual = offence_code_sets()
    base = case_base_sql(cfg, resolve_versions(store, cfg), child, sexual, one_case=True)
    rows = store.dicts(base, [source, event_id])
    if not rows:
        raise InputError(f"investigations: no crime {source}/{event_id} in this workspace")
    b = rows[0]
    steps = _in_order(store.dicts(
        f"SELECT * FROM ({case_steps_sql(cfg, base=f'({base})')}) "
        "ORDER BY step_at IS NULL, step_at, step_order, source, record_id", [source, event_id]))
    pops = [p for p, col in (("cse", "in_cse"), ("gbcse", "in_gbcse"), ("sexual_child", "in_sexual_child"))
            if b[col]]
    return CaseTimeline(
        case=(source, event_id), force=b["force"], team=b["team"], offence_code=b["offence_code"],
        populations=pops, victim=(source, b["person_id"]) if b["person_id"] else None,
        outcome=b["outcome"], outcome_label=OUTCOME_LABELS.get(b["outcome"]) if b["outcome"] else None,
        steps=[TimelineStep(s["step"], s["step_at"], step_label(s["step"], s["detail"]), s["source"],
                            s["record_type"], s["record_id"], s["role"], s["detail"]) for s in steps],
    )
