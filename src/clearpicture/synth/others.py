"""Sexual offences that are not child sexual exploitation: hard negatives for the definitions.

Familial abuse (offence 23, a household member as suspect) and sexual offences against adults are
sexual crimes a careless definition would count as CSE. They are recorded in truth as ``is_cse``
false. This module also plants cross-force recording (a neighbouring force's own records of some
group offenders). It only adds records about people who already exist; it never creates people.
"""

from __future__ import annotations

import numpy as np

from .cse import Group
from .notes import write_note
from .people import REF_DAY
from .pool import Area
from .records import person_rows
from .tables import fmt_datetimes
from .teams import Teams, outcome
from .world import AreaWorld

__all__ = ["cross_force", "other_sexual_offences"]


def _later(w: AreaWorld, d: int, out: str | None) -> str | None:
    if out is None:
        return None
    return fmt_datetimes(np.array([d + int(w.rng.integers(10, 300))]), np.array([43200]))[0]


def other_sexual_offences(w: AreaWorld, teams: Teams, t0: int, t1: int) -> None:
    rng, pe = w.rng, w.people
    free = w.unlinked("police")
    persons = w.rec_person["police"][free]
    ages = (REF_DAY - pe.dob_a[persons]) / 365.25
    ordinary = pe.kind_a[persons] == "ordinary"
    kids = persons[ordinary & (ages > 8) & (ages < 20)]
    adults = persons[ordinary & (ages >= 25)]
    n = max(1, len(free) // 150)
    # familial: a child and an adult of the same household, both known to police
    by_hh: dict[int, int] = {}
    for a in adults.tolist():
        by_hh.setdefault(pe.hh[a], a)
    made = 0
    for c in kids[rng.permutation(len(kids))].tolist():
        a = by_hh.get(pe.hh[c])
        if a is None or made >= n:
            continue
        d = int(rng.integers(max(t0, int(pe.dob_a[c]) + 6 * 365), min(t1, int(pe.dob_a[c]) + 17 * 365)))
        if d <= t0:
            continue
        made += 1
        team = teams.pick_cse(rng)
        out = outcome(rng, teams.profile(team), True)
        eid = w.event("police", "crime", d, offence_code="23", outcome=out, outcome_at=_later(w, d, out))
        w.person_event("police", c, eid, "victim")
        w.person_event("police", a, eid, "suspect")
        write_note(w, "police", "event", eid, d, team, teams, about_child=True, sex=pe.sex[c])
        w.truth["cases"].add(source=w.code("police"), event_id=eid, kind="crime", is_cse="false",
                             is_group_based="false", cse_flagged="false", gbcse_flagged="false",
                             victim_true_person=w.true_person(c), team=team,
                             weaker_team=str(teams.is_weak(team)).lower(), outcome=out)
    # offences against adults
    pick = adults[rng.permutation(len(adults))][: 2 * n]
    for v, s in zip(pick[0::2].tolist(), pick[1::2].tolist(), strict=False):
        d = int(rng.integers(t0, t1))
        code = "20/1" if pe.sex[v] != "M" else "17/1"
        if rng.random() < 0.3:
            code = "19/3" if pe.sex[v] != "M" else "19/6"
        team = teams.pick_other(rng)
        out = outcome(rng, teams.profile(team), True)
        eid = w.event("police", "crime", d, offence_code=code, outcome=out, outcome_at=_later(w, d, out))
        w.person_event("police", v, eid, "victim")
        w.person_event("police", s, eid, "suspect")
        w.truth["cases"].add(source=w.code("police"), event_id=eid, kind="crime", is_cse="false",
                             is_group_based="false", cse_flagged="false", gbcse_flagged="false",
                             victim_true_person=w.true_person(v), team=team,
                             weaker_team=str(teams.is_weak(team)).lower(), outcome=out)


def cross_force(w: AreaWorld, groups: list[Group], neighbour: Area) -> None:
    """Some groups also offend across the force boundary: the neighbouring force holds its own records
    of one or two offenders (new records, its own ids) and an intelligence report naming them together
    with the group's vehicle. Ids carry an ``X`` prefix and this area's number, so they never clash with
    the neighbour's own records."""
    rng = w.rng
    code = neighbour.police_code
    n = 0
    for grp in groups:
        offenders = [p for p in grp.offenders.tolist() if w.has("police", p)]
        if not grp.group_based or len(offenders) < 2 or rng.random() > 0.15:
            continue
        k = int(rng.integers(1, 3))
        idx = np.array(offenders[:k], dtype=np.int64)
        ids = [f"X{w.area.index:02d}{n + i + 1:06d}" for i in range(len(idx))]
        n += len(idx)
        w.bufs["persons"].extend(person_rows(w.people, idx, "police", ids, code, rng, np.ones(len(idx), bool)))
        w.truth["persons"].extend({"source": [code] * len(ids), "person_id": ids,
                                   "true_person": [w.true_person(p) for p in idx.tolist()]})
        eid = f"X{w.area.index:02d}{n:06d}"
        day = int(rng.integers(grp.start, grp.end + 1))
        when = fmt_datetimes(np.array([day]), np.array([int(rng.integers(0, 86400))]))[0]
        w.bufs["events"].add(source=code, event_id=eid, kind="intelligence", started_at=when, recorded_at=when,
                             grading="B2P", flags="CSE" if rng.random() < 0.5 else None)
        for pid in ids:
            w.bufs["links"].add(source=code, from_type="person", from_id=pid, to_type="event", to_id=eid,
                                role="subject")
        if grp.vehicles:
            key, mark = grp.vehicles[0]
            oid = f"X{w.area.index:02d}{n:06d}"
            w.bufs["objects"].add(source=code, object_id=oid, kind="vehicle", value=mark)
            w.truth["objects"].add(source=code, object_id=oid, true_object=f"{w.area.index:02d}:{key}")
            w.bufs["links"].add(source=code, from_type="event", from_id=eid, to_type="object", to_id=oid,
                                role="involved")
        w.cross_force.append({"group_id": grp.gid, "force": code, "people": len(ids)})
