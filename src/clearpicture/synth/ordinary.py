"""Everything that is not sexual exploitation: the bulk of records, crews and busy hub places.

Most people in agency records have nothing to do with exploitation: victims, suspects and witnesses
of ordinary crime, families known to social care, patients. Burglary crews (2-5 people sharing
vehicles, burglary and theft offence codes) co-offend but are never a sexual exploitation group.
Hub places and objects (a busy hotel, a takeaway, a taxi firm's phone) are used by many unrelated
people, so naive linking over hubs would merge unrelated groups. A few other sexual offences
(familial abuse, offences against adults) are hard negatives for the definitions. The bulk is built
with vectorised numpy; the planted parts with small loops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .notes import write_note
from .people import REF_DAY
from .pool import phones, vehicle_marks
from .tables import fmt_datetimes
from .teams import Teams, outcome, outcomes
from .world import KINDS, AreaWorld

__all__ = ["make_hubs", "ordinary_events", "ordinary_people", "plant_crews"]

Place = tuple[str, str, str, str, str, bool]

_ORDINARY_CODES = np.array(["8/1", "28/3", "30/1", "45", "48", "92/1"])


def make_hubs(w: AreaWorld) -> dict[str, list[Place]]:
    """Busy places many unrelated people visit: hotels and takeaways (and a taxi firm's phone)."""
    rng, pe = w.rng, w.people
    hh = pe.households(6)
    names = {"hotel": ("Station Hotel", "Premier Stay", "The Crown Hotel"),
             "food_outlet": ("Chicken Palace", "Golden Grill Takeaway", "Pizza Town")}
    hubs: dict[str, list[Place]] = {"hotel": [], "food_outlet": []}
    i = 0
    for kind, ns in names.items():
        for j, nm in enumerate(ns[: 2 + int(rng.integers(0, 2))]):
            hubs[kind].append((f"hub-{kind}-{j}", kind, nm, f"{pe.hh_street[hh[i]]}, {w.area.name}",
                               pe.hh_postcode[hh[i]], True))
            i += 1
    w.taxi_phone = phones(rng, 1)[0]
    return hubs


def ordinary_people(w: AreaWorld, n_households: int, t_mid: int) -> None:
    """Households of people with no part in exploitation."""
    rng, pe = w.rng, w.people
    hh = pe.households(n_households)
    adults = rng.choice(np.array([1, 2, 2, 3]), n_households)
    kids = rng.choice(np.array([0, 0, 1, 2, 3]), n_households)
    a_hh = np.repeat(hh, adults)
    pe.add(a_hh, pe.adults_dob(len(a_hh), t_mid, 18, 80), "ordinary")
    k_hh = np.repeat(hh, kids)
    pe.add(k_hh, pe.adults_dob(len(k_hh), t_mid, 0, 18), "ordinary")


def ordinary_presence(w: AreaWorld, present: dict[str, np.ndarray]) -> None:
    rng, pe = w.rng, w.people
    idx = np.flatnonzero(pe.kind_a == "ordinary")
    child = (REF_DAY - pe.dob_a[idx]) / 365.25 < 21
    p = {"police": np.where(child, 0.18, 0.55), "social_care": np.where(child, 0.28, 0.12),
         "health": np.where(child, 0.25, 0.18), "ngo": np.full(len(idx), 0.02)}
    any_ = np.zeros(len(idx), bool)
    for k in KINDS:
        got = rng.random(len(idx)) < p[k]
        present[k][idx] = got
        any_ |= got
    none = idx[~any_]
    pick = rng.choice(len(KINDS), len(none), p=[0.6, 0.15, 0.2, 0.05])
    for j, k in enumerate(KINDS):
        present[k][none[pick == j]] = True


def plant_crews(w: AreaWorld, n_crews: int, t0: int, t1: int, marks: list[str]) -> list[dict[str, Any]]:
    rng, pe = w.rng, w.people
    crews = []
    for c in range(n_crews):
        n = int(rng.integers(2, 6))
        start = int(rng.integers(t0, t1 - 120))
        hh = pe.households(n)
        members = pe.add(hh, pe.adults_dob(n, start, 16, 40), "crew")
        cid = f"C{w.area.index:02d}{c:04d}"
        for p in members.tolist():
            w.role[p] = "crew"
            w.crew_of[p] = cid
        crews.append({"cid": cid, "members": members, "start": start, "end": min(t1, start + int(rng.integers(60, 400))),
                      "vehicles": [(f"veh-{cid}-{i}", marks[(c * 3 + i) % len(marks)]) for i in range(int(rng.integers(1, 3)))]})
    return crews


def crew_presence(w: AreaWorld, crews: list[dict[str, Any]], present: dict[str, np.ndarray]) -> None:
    for crew in crews:
        m = crew["members"]
        present["police"][m] = w.rng.random(len(m)) < 0.95
        present["health"][m] = w.rng.random(len(m)) < 0.15


def crew_events(w: AreaWorld, crews: list[dict[str, Any]], teams: Teams) -> None:
    """Burglaries and thefts committed together, with shared vehicles: co-offending, never a CSE group."""
    rng = w.rng
    for crew in crews:
        members = [p for p in crew["members"].tolist() if w.has("police", p)]
        if not members:
            continue
        for p in members:
            w.link("police", "person", w.rid("police", p), "location", w.home("police", p), "resident")
            for key, mark in crew["vehicles"]:
                if rng.random() < 0.6:
                    w.link("police", "person", w.rid("police", p), "object", w.obj("police", key, "vehicle", mark),
                           "user")
        for _ in range(int(rng.integers(3, 13))):
            d = int(rng.integers(crew["start"], crew["end"] + 1))
            k = int(rng.integers(min(2, len(members)), len(members) + 1))
            sus = rng.choice(members, k, replace=False).tolist()
            team = teams.pick_other(rng)
            out = outcome(rng, teams.profile(team), True)
            eid = w.event("police", "crime", d, offence_code=str(rng.choice(np.array(["28/3", "30/1", "45", "48"]))),
                          outcome=out, outcome_at=fmt_datetimes(np.array([d + int(rng.integers(10, 200))]),
                                                                np.array([43200]))[0] if out else None)
            for s in sus:
                w.person_event("police", s, eid, "suspect")
                if rng.random() < 0.3:
                    aid = w.event("police", "arrest", d + int(rng.integers(1, 30)))
                    w.person_event("police", s, aid, "suspect")
                    w.link("police", "event", aid, "event", eid, "involved")
            for key, mark in crew["vehicles"]:
                if rng.random() < 0.5:
                    w.link("police", "event", eid, "object", w.obj("police", key, "vehicle", mark), "involved")
            w.truth["cases"].add(source=w.code("police"), event_id=eid, kind="crime", is_cse="false",
                                 is_group_based="false", cse_flagged="false", gbcse_flagged="false",
                                 crew_id=crew["cid"], team=team, weaker_team=str(teams.is_weak(team)).lower(),
                                 outcome=out)
        if len(members) >= 2:
            eid = w.event("police", "intelligence", int(rng.integers(crew["start"], crew["end"] + 1)),
                          grading="B2P", flags="BURGLARY")
            for p in members:
                w.person_event("police", p, eid, "subject")
        for p in crew["members"].tolist():
            w.truth["crews"].add(crew_id=crew["cid"], true_person=w.true_person(p))


def ordinary_events(w: AreaWorld, hubs: dict[str, list[Place]], teams: Teams, t0: int, t1: int) -> None:
    """Attach every record not yet used to ordinary events of its source (vectorised)."""
    rng = w.rng
    sizes_by_kind = {"police": ([1, 2, 3, 4], [0.45, 0.3, 0.15, 0.1]), "social_care": ([1, 2, 3], [0.4, 0.4, 0.2]),
                     "health": ([1], [1.0]), "ngo": ([1, 2], [0.7, 0.3])}
    hub_places = hubs["hotel"] + hubs["food_outlet"]
    for kind in KINDS:
        recs = w.unlinked(kind)
        recs = recs[rng.permutation(len(recs))]
        if len(recs) == 0:
            continue
        sizes, sp = sizes_by_kind[kind]
        s = rng.choice(np.array(sizes), len(recs), p=sp)
        ends = np.cumsum(s)
        n_ev = int(np.searchsorted(ends, len(recs)) + 1)
        s = s[:n_ev]
        ev_of = np.repeat(np.arange(n_ev), s)[: len(recs)]
        pos = np.arange(len(recs)) - np.concatenate([[0], np.cumsum(s)[:-1]])[ev_of]
        code = w.code(kind)
        base = w.counters.get((kind, "events"), 0)
        eids = np.array([f"E{w.area.index:02d}{base + i + 1:07d}" for i in range(n_ev)])
        w.counters[(kind, "events")] = base + n_ev
        days = rng.integers(t0, t1, n_ev)
        secs = rng.integers(0, 86400, n_ev)
        cols: dict[str, Any] = {"source": [code] * n_ev, "event_id": eids,
                                "started_at": fmt_datetimes(days, secs),
                                "recorded_at": fmt_datetimes(days + rng.integers(0, 5, n_ev), secs)}
        roles = np.array(["subject"] * len(recs), dtype=object)
        if kind == "police":
            is_crime = rng.random(n_ev) < 0.75
            cols["kind"] = np.where(is_crime, "crime", "incident")
            cols["offence_code"] = [c if ic else None for c, ic in
                                    zip(_ORDINARY_CODES[rng.integers(0, len(_ORDINARY_CODES), n_ev)].tolist(),
                                        is_crime.tolist(), strict=True)]
            all_outs = outcomes(rng, teams.profile("CID East"), n_ev)
            outs = [o if ic else None for o, ic in zip(all_outs, is_crime.tolist(), strict=True)]
            cols["outcome"] = outs
            od = days + rng.integers(5, 200, n_ev)
            ods = fmt_datetimes(od, secs)
            cols["outcome_at"] = [d if o else None for d, o in zip(ods, outs, strict=True)]
            at_hub = rng.random(n_ev) < 0.06
            first = w.rec_person["police"][recs[pos == 0]]
            at_home = is_crime & ~at_hub & (rng.random(n_ev) < 0.25)
            cols["location_id"] = [
                w.loc_ids[("police", hub_places[int(rng.integers(0, len(hub_places)))][0])] if h
                else (w.home("police", int(p)) if hm else None)
                for h, hm, p in zip(at_hub.tolist(), at_home.tolist(), first.tolist(), strict=True)]
            roles = np.where(pos == 0, np.where(np.asarray(is_crime)[ev_of], "victim", "reporter"),
                             np.where(pos == 1, "suspect", "witness")).astype(object)
            team = teams.pick_other_many(rng, n_ev)
            w.truth["cases"].extend({
                "source": [code] * int(is_crime.sum()), "event_id": eids[is_crime], "kind": ["crime"] * int(is_crime.sum()),
                "is_cse": ["false"] * int(is_crime.sum()), "is_group_based": ["false"] * int(is_crime.sum()),
                "cse_flagged": ["false"] * int(is_crime.sum()), "gbcse_flagged": ["false"] * int(is_crime.sum()),
                "team": [t for t, c in zip(team, is_crime.tolist(), strict=True) if c],
                "weaker_team": ["false"] * int(is_crime.sum()),
                "outcome": [o for o, c in zip(outs, is_crime.tolist(), strict=True) if c],
            })
            _visits(w, recs, hub_places)
            _owned_objects(w, recs)
            for i in np.flatnonzero(rng.random(n_ev) < 0.10).tolist():
                write_note(w, "police", "event", str(eids[i]), int(days[i]) + 1, team[i], teams, about_child=False)
        elif kind == "social_care":
            cols["kind"] = ["referral"] * n_ev
            flag = rng.choice(np.array(["", "NEGLECT", "DA", "CSE", "MISSING"]), n_ev, p=[0.45, 0.25, 0.2, 0.03, 0.07])
            cols["flags"] = flag
            roles = np.where(pos == 0, "subject", "associate").astype(object)
            flagged = flag == "CSE"  # flagged by the worker, but no exploitation planted: a false alarm
            nf = int(flagged.sum())
            w.truth["cases"].extend({
                "source": [code] * nf, "event_id": eids[flagged], "kind": ["referral"] * nf,
                "is_cse": ["false"] * nf, "is_group_based": ["false"] * nf, "cse_flagged": ["true"] * nf,
                "gbcse_flagged": ["false"] * nf,
            })
            for i in np.flatnonzero(rng.random(n_ev) < 0.25).tolist():
                write_note(w, "social_care", "event", str(eids[i]), int(days[i]) + 2, None, teams, about_child=True)
        elif kind == "health":
            cols["kind"] = ["health_contact"] * n_ev
        else:
            cols["kind"] = rng.choice(np.array(["referral", "other"]), n_ev)
        w.bufs["events"].extend(cols)
        w.bufs["links"].extend({
            "source": [code] * len(recs), "from_type": ["person"] * len(recs),
            "from_id": [w.rec_ids[kind][j] for j in recs.tolist()], "to_type": ["event"] * len(recs),
            "to_id": eids[ev_of], "role": roles,
        })
        w.rec_linked[kind][recs] = True


def _owned_objects(w: AreaWorld, recs: np.ndarray) -> None:
    """Phones and vehicles of a few ordinary people, as police record them."""
    rng, pe = w.rng, w.people
    pick = recs[rng.random(len(recs)) < 0.08]
    marks = vehicle_marks(rng, len(pick))
    for j, mark in zip(pick.tolist(), marks, strict=True):
        p = int(w.rec_person["police"][j])
        rid = w.rec_ids["police"][j]
        phone = pe.phone[p]
        if phone is not None and rng.random() < 0.6:
            w.link("police", "person", rid, "object", w.obj("police", f"ph-{p}", "phone", phone), "owner")
        else:
            w.link("police", "person", rid, "object", w.obj("police", f"veh-{p}", "vehicle", mark), "owner")


def make_hub_records(w: AreaWorld, hubs: dict[str, list[Place]]) -> None:
    for key, kind, name, addr, pc, hub in hubs["hotel"] + hubs["food_outlet"]:
        w.location("police", key, kind, name, addr, pc, hub)


def _visits(w: AreaWorld, recs: np.ndarray, hub_places: list[Place]) -> None:
    """Unrelated people seen at hub places and using the taxi firm's phone."""
    rng = w.rng
    for j in recs[rng.random(len(recs)) < 0.04].tolist():
        key = hub_places[int(rng.integers(0, len(hub_places)))][0]
        w.link("police", "person", w.rec_ids["police"][j], "location", w.loc_ids[("police", key)], "visited")
    taxi = w.obj("police", "hub-taxi", "phone", w.taxi_phone, "Taxi firm")
    for j in recs[rng.random(len(recs)) < 0.02].tolist():
        w.link("police", "person", w.rec_ids["police"][j], "object", taxi, "user")
