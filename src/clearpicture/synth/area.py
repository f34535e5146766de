"""Build one area of a scenario from its seed: people, presence in agencies, records and events.

Each area has its own random stream derived from (seed, area index), so areas can be generated and
written one at a time (bounded memory) and the result is identical for a seed whatever the order.
This module sequences the steps; the steps live in :mod:`cse`, :mod:`cse_events`, :mod:`ordinary`
and :mod:`others`. It writes no files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .cse import Group, add_group_assets, plant_group_events, plant_group_people, presence_for_cse
from .ordinary import (
    crew_events,
    crew_presence,
    make_hub_records,
    make_hubs,
    ordinary_events,
    ordinary_people,
    ordinary_presence,
    plant_crews,
)
from .others import cross_force, other_sexual_offences
from .people import REF_DAY, People, day
from .pool import Area, phones, vehicle_marks
from .tables import fmt_dates
from .teams import Teams
from .world import KINDS, AreaWorld

__all__ = ["AreaResult", "Scale", "build_area"]

T0 = day("2019-01-01")
T1 = day("2024-12-31")
DUPLICATES = {"police": 0.05, "social_care": 0.03, "health": 0.02, "ngo": 0.04}
#: Person records produced per ordinary household (calibrated: about 2.7 people, 1.2 records each).
RECORDS_PER_HOUSEHOLD = 3.6


@dataclass(frozen=True)
class Scale:
    """How much to plant in one area."""

    records: int  # target person records
    groups: int
    lone: int
    crews: int


@dataclass
class AreaResult:
    world: AreaWorld
    teams: Teams
    groups: list[Group]
    victim_patterns: dict[str, int]
    total_victims: int


def scale_for(records: int) -> Scale:
    groups = max(3, round(records / 1100))
    return Scale(records, groups, max(2, round(groups * 1.2)), max(2, round(groups * 0.8)))


def build_area(seed: int, area: Area, scale: Scale, weak_force: bool, neighbour: Area | None = None) -> AreaResult:
    rng = np.random.default_rng(np.random.SeedSequence([seed, area.index, 20231208]))
    pe = People(rng, area)
    w = AreaWorld(rng, area, pe)
    teams = Teams(rng, w.code("police"), weak_force)
    hubs = make_hubs(w)
    groups = plant_group_people(w, scale.groups, scale.lone, T0, T1)
    marks = vehicle_marks(rng, 4 * (scale.groups + scale.lone + scale.crews) + 10)
    crews = plant_crews(w, scale.crews, T0, T1, marks[::-1])
    special = pe.n
    n_hh = max(10, int((scale.records - special * 1.25) / RECORDS_PER_HOUSEHOLD))
    ordinary_people(w, n_hh, (T0 + T1) // 2)
    pe.finish()
    offenders = np.concatenate([g.offenders for g in groups])
    pe.set_alias_share(offenders, 0.3)
    pe.set_alias_share(np.concatenate([c["members"] for c in crews]), 0.25)
    _namesakes(w, groups)
    present = {k: np.zeros(pe.n, bool) for k in KINDS}
    presence_for_cse(w, groups, present)
    crew_presence(w, crews, present)
    ordinary_presence(w, present)
    add_group_assets(w, groups, hubs, marks, phones(rng, 6 * len(groups) + 10))
    w.make_records(present, DUPLICATES)
    make_hub_records(w, hubs)
    plant_group_events(w, groups, teams)
    crew_events(w, crews, teams)
    other_sexual_offences(w, teams, T0, T1)
    if neighbour is not None:
        cross_force(w, groups, neighbour)
    ordinary_events(w, hubs, teams, T0, T1)
    _invalid_events(w)
    _truth_people(w)
    patterns: dict[str, int] = {}
    total = 0
    for g in groups:
        for v in g.victims.tolist():
            key = "".join("1" if w.has(k, v) else "0" for k in KINDS)
            patterns[key] = patterns.get(key, 0) + 1
            total += 1
    return AreaResult(w, teams, groups, patterns, total)


def _namesakes(w: AreaWorld, groups: list[Group]) -> None:
    """Give some unrelated people the very name of an offender or victim (a different person)."""
    rng, pe = w.rng, w.people
    special = np.concatenate([np.concatenate([g.offenders, g.victims]) for g in groups])
    ordinary = np.flatnonzero(pe.kind_a == "ordinary")
    pick = special[rng.random(len(special)) < 0.12]
    for p, o in zip(pick.tolist(), rng.choice(ordinary, len(pick)).tolist(), strict=True):
        pe.forename[o] = pe.forename[p]
        pe.surname[o] = pe.surname[p]


def _invalid_events(w: AreaWorld) -> None:
    """A few values validation must catch: future or impossible dates, malformed and unknown codes."""
    rng = w.rng
    ev = w.bufs["events"].data
    n = len(ev["event_id"])
    for i in np.flatnonzero(rng.random(n) < 0.002).tolist():
        k = int(rng.integers(0, 4))
        if k == 0 and ev["started_at"][i]:
            ev["started_at"][i] = "2031" + str(ev["started_at"][i])[4:]
        elif k == 1:
            ev["recorded_at"][i] = "2023-02-30T10:00:00Z"
        elif k == 2 and ev["offence_code"][i]:
            ev["offence_code"][i] = str(ev["offence_code"][i]).replace("/", "-") + "x"
        elif k == 3 and ev["kind"][i] == "disruption":
            ev["disruption_type"][i] = "ASBO"


def _truth_people(w: AreaWorld) -> None:
    pe = w.people
    n = pe.n
    roles = [w.role.get(p, pe.kind[p]) for p in range(n)]
    is_child = ((REF_DAY - pe.dob_a) / 365.25) < 18
    cols: dict[str, Any] = {
        "true_person": [w.true_person(p) for p in range(n)],
        "role": roles,
        "is_child": np.where(is_child, "true", "false"),
        "date_of_birth": fmt_dates(pe.dob_a),
        "sex": pe.sex_a,
        "ethnicity_self": pe.eth_self,
        "nationality": pe.nationality,
        "household": [f"H{w.area.index:02d}{h:07d}" for h in pe.hh],
        "group_id": [w.group_of.get(p) for p in range(n)],
        "crew_id": [w.crew_of.get(p) for p in range(n)],
    }
    w.truth["people"].extend(cols)
