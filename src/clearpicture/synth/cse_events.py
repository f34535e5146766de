"""The records one planted group (or lone offender) leaves in each agency.

Police: crimes (one per victim per occasion) with suspects, outcomes and arrests, intelligence
reports naming several people, missing episodes, disruption (CAWN, SRO, SHPO, licensing), and the
offenders' phones, vehicles and places. Social care: referrals about the child (often flagged
CSE), with family links and sometimes the "older boyfriend" as an associate. Health: contacts.
Charity: support referrals. Every crime and referral gets a truth row in ``cases``. This module
writes records only for people the agency holds (see :func:`cse.presence_for_cse`).
"""

from __future__ import annotations

import numpy as np

from .cse import Group, age_at, offence_for
from .notes import write_note
from .tables import fmt_datetimes
from .teams import Teams, outcome
from .world import AreaWorld

__all__ = ["group_events"]

_GRADES_SRC = np.array(["A", "B", "C", "D", "E"])


def _grading(rng: np.random.Generator) -> str:
    return f"{_GRADES_SRC[rng.choice(5, p=[0.1, 0.4, 0.35, 0.1, 0.05])]}{int(rng.choice([1, 2, 3], p=[.4, .45, .15]))}" \
           f"{'P' if rng.random() < 0.85 else 'C'}"


def _case(w: AreaWorld, kind: str, eid: str, ev_kind: str, grp: Group | None, victim: int | None,
          flags: list[str], team: str | None, weak: bool, out: str | None, is_cse: bool = True) -> None:
    w.truth["cases"].add(
        source=w.code(kind), event_id=eid, kind=ev_kind, is_cse=str(is_cse).lower(),
        is_group_based=str(bool(grp is not None and grp.group_based and is_cse)).lower(),
        cse_flagged=str("CSE" in flags).lower(), gbcse_flagged=str("GBCSE" in flags).lower(),
        group_id=grp.gid if grp is not None else None,
        victim_true_person=w.true_person(victim) if victim is not None else None,
        team=team, weaker_team=str(weak).lower() if team else None, outcome=out,
    )


def _fmt_day(w: AreaWorld, d: int) -> str:
    return fmt_datetimes(np.array([d]), np.array([int(w.rng.integers(28800, 64800))]))[0]


def group_events(w: AreaWorld, grp: Group, teams: Teams) -> None:
    rng = w.rng
    pe = w.people
    police = "police"
    offenders = [p for p in grp.offenders.tolist() if w.has(police, p)]
    pvictims = [v for v in grp.victims.tolist() if w.has(police, v)]
    # where things happen: the source's records of the group's places
    place_ids = [w.location(police, key, kind, name or None, addr, pc, hub)
                 for key, kind, name, addr, pc, hub in grp.places] if (offenders or pvictims) else []
    # what offenders own and use, where they live and go
    for i, p in enumerate(offenders):
        for key, num in grp.phones:
            if rng.random() < (0.9 if i == grp.phones.index((key, num)) % max(1, len(offenders)) else 0.25):
                w.link(police, "person", w.rid(police, p), "object", w.obj(police, key, "phone", num), "owner" if
                       rng.random() < 0.5 else "user")
        for key, mark in grp.vehicles:
            if rng.random() < 0.5:
                w.link(police, "person", w.rid(police, p), "object",
                       w.obj(police, key, "vehicle", mark, _vehicle_desc(rng)), "user" if rng.random() < 0.6 else "owner")
        w.link(police, "person", w.rid(police, p), "location", w.home(police, p), "resident")
        if rng.random() < 0.2:  # the busy taxi firm's phone: shared with many unrelated people
            w.link(police, "person", w.rid(police, p), "object",
                   w.obj(police, "hub-taxi", "phone", w.taxi_phone, "Taxi firm"), "user")
        for lid in place_ids[1:]:
            if rng.random() < 0.35:
                w.link(police, "person", w.rid(police, p), "location", lid, "visited")
    for v in pvictims:
        for key, num in grp.phones:
            if rng.random() < 0.25:  # a phone given to the child by the group
                w.link(police, "person", w.rid(police, v), "object", w.obj(police, key, "phone", num), "user")
        w.link(police, "person", w.rid(police, v), "location", w.home(police, v), "resident")
        for lid in place_ids[1:]:
            if rng.random() < 0.3:
                w.link(police, "person", w.rid(police, v), "location", lid, "visited")
    crimes: dict[int, list[tuple[str, int, str]]] = {}
    lead = teams.pick_cse(rng)  # the team that owns the investigation into this group
    teams.group_leads[grp.gid] = lead
    for v in pvictims:
        for _ in range(1 + min(3, int(rng.poisson(0.6)))):
            d = int(rng.integers(grp.start, grp.end + 1))
            k = 0 if not offenders else int(min(len(offenders), rng.choice([1, 1, 2, 2, 3, 4])))
            suspects = [offenders[i] for i in rng.choice(len(offenders), k, replace=False)] if k else []
            team = lead if rng.random() < 0.8 else teams.pick_cse(rng)
            prof = teams.profile(team)
            flags = []
            if rng.random() < 0.7:
                flags.append("CSE")
                if len(suspects) >= 2 and rng.random() < 0.5:
                    flags.append("GBCSE")
            if rng.random() < 0.15:
                flags.append("MISSING")
            out = outcome(rng, prof, bool(suspects))
            delay = int(rng.exponential(prof.outcome_delay_days)) + 3
            code = offence_for(rng, age_at(pe, v, d), pe.sex[v])
            loc = place_ids[int(rng.integers(0, len(place_ids)))] if place_ids and rng.random() < 0.8 else None
            eid = w.event(police, "crime", d, recorded_day=d + int(rng.integers(0, 30)), offence_code=code,
                          offence_description=None, flags="|".join(flags) or None, outcome=out,
                          outcome_at=_fmt_day(w, d + delay) if out else None, location_id=loc)
            w.person_event(police, v, eid, "victim")
            for s in suspects:
                w.person_event(police, s, eid, "offender" if out == "1" else "suspect")
                if rng.random() < prof.p_arrest:
                    aid = w.event(police, "arrest", d + int(rng.integers(1, 60)))
                    w.person_event(police, s, aid, "suspect")
                    w.link(police, "event", aid, "event", eid, "involved")
                if out == "1" and rng.random() < prof.p_disruption:
                    did = w.event(police, "disruption", d + delay + int(rng.integers(30, 200)), disruption_type="SHPO")
                    w.person_event(police, s, did, "subject")
            for key, mark in grp.vehicles:
                if rng.random() < 0.2:
                    w.link(police, "event", eid, "object", w.obj(police, key, "vehicle", mark), "involved")
            write_note(w, police, "event", eid, d + int(rng.integers(0, 10)), team, teams, about_child=True,
                       sex=pe.sex[v])
            _case(w, police, eid, "crime", grp, v, flags, team, teams.is_weak(team), out)
            crimes.setdefault(v, []).append((eid, d, team))
    _intelligence(w, grp, offenders, pvictims, place_ids)
    _missing(w, grp, pvictims, place_ids, teams)
    _disruption(w, grp, offenders, pvictims, place_ids, teams, lead)
    _partners(w, grp, crimes, teams)


def _vehicle_desc(rng: np.random.Generator) -> str:
    makes = ("Ford Focus", "Vauxhall Astra", "VW Golf", "Toyota Prius", "BMW 3 Series", "Audi A4", "Nissan Qashqai")
    colours = ("black", "silver", "white", "grey", "blue", "red")
    return f"{colours[int(rng.integers(0, len(colours)))]} {makes[int(rng.integers(0, len(makes)))]}"


def _intelligence(w: AreaWorld, grp: Group, offenders: list[int], victims: list[int], place_ids: list[str]) -> None:
    rng = w.rng
    people = [(p, "subject") for p in offenders] + [(v, "victim") for v in victims]
    if len(people) < 2:
        return
    for _ in range(int(rng.poisson(1.2 * len(grp.offenders))) + 1):
        d = int(rng.integers(grp.start, grp.end + 60))
        k = min(len(people), int(rng.integers(2, 5)))
        flags = "CSE" if rng.random() < 0.6 else None
        eid = w.event("police", "intelligence", d, grading=_grading(rng), flags=flags,
                      location_id=place_ids[int(rng.integers(0, len(place_ids)))] if place_ids and rng.random() < 0.5
                      else None)
        for i in rng.choice(len(people), k, replace=False).tolist():
            p, role = people[i]
            w.person_event("police", p, eid, role)
        free = w.unlinked("police")
        if len(free) and rng.random() < 0.15:  # someone unconnected named in passing
            j = int(free[int(rng.integers(0, len(free)))])
            w.rec_linked["police"][j] = True
            w.link("police", "person", w.rec_ids["police"][j], "event", eid, "associate")
        for key, mark in grp.vehicles:
            if rng.random() < 0.4:
                w.link("police", "event", eid, "object", w.obj("police", key, "vehicle", mark), "involved")
        for key, num in grp.phones:
            if rng.random() < 0.3:
                w.link("police", "event", eid, "object", w.obj("police", key, "phone", num), "involved")


def _missing(w: AreaWorld, grp: Group, victims: list[int], place_ids: list[str], teams: Teams) -> None:
    rng = w.rng
    for v in victims:
        for _ in range(int(rng.poisson(1.3))):
            d = int(rng.integers(grp.start, grp.end + 1))
            found = place_ids[int(rng.integers(0, len(place_ids)))] if place_ids and rng.random() < 0.4 else None
            back = fmt_datetimes(np.array([d + int(rng.integers(0, 4))]), np.array([int(rng.integers(0, 86400))]))[0]
            eid = w.event("police", "missing_episode", d, flags="MISSING" + ("|CSE" if rng.random() < 0.4 else ""),
                          location_id=found, ended_at=back if rng.random() < 0.85 else None)
            w.person_event("police", v, eid, "subject")
            if rng.random() < 0.3:
                write_note(w, "police", "event", eid, d, "Response", teams, about_child=True)


def _disruption(w: AreaWorld, grp: Group, offenders: list[int], victims: list[int], place_ids: list[str],
                teams: Teams, team: str) -> None:
    """Disruption by the lead team (weaker teams use fewer orders); its note names the team."""
    rng = w.rng
    prof = teams.profile(team)
    for p in offenders:
        if victims and rng.random() < prof.p_disruption:
            d = int(rng.integers(grp.start, grp.end + 90))
            kind = "CAWN" if rng.random() < 0.75 else "SRO"
            eid = w.event("police", "disruption", d, disruption_type=kind)
            w.person_event("police", p, eid, "subject")
            write_note(w, "police", "event", eid, d, team, teams, about_child=False)
            if kind == "CAWN":
                w.person_event("police", victims[int(rng.integers(0, len(victims)))], eid, "associate")
    for key, kind, _name, _a, _pc, _hub in grp.places:
        if kind in ("hotel", "food_outlet") and place_ids and rng.random() < prof.p_disruption * 0.4:
            lid = w.location("police", key, kind, None, None, None)
            w.event("police", "disruption", int(rng.integers(grp.start, grp.end + 90)), disruption_type="licensing",
                    location_id=lid)


def _partners(w: AreaWorld, grp: Group, crimes: dict[int, list[tuple[str, int, str]]], teams: Teams) -> None:
    rng, pe = w.rng, w.people
    kind_a = pe.kind
    for v in grp.victims.tolist():
        family = [p for p in _household(w, v) if p != v and kind_a[p] == "parent"]
        if w.has("social_care", v):
            first = crimes.get(v)
            if first:
                _eid, d0, team = first[0]
                timely = rng.random() < teams.profile(team).p_referral_7d
                d = d0 + (int(rng.integers(0, 7)) if timely else int(rng.integers(8, 90)))
            else:
                d = int(rng.integers(grp.start, grp.end + 1))
            flags = ["CSE"] if rng.random() < 0.8 else []
            if rng.random() < 0.3:
                flags.append("MISSING")
            eid = w.event("social_care", "referral", d, flags="|".join(flags) or None)
            child = w.rid("social_care", v)
            w.link("social_care", "person", child, "event", eid, "subject")
            for p in family:
                if w.has("social_care", p):
                    pid = w.rid("social_care", p)
                    w.link("social_care", "person", pid, "event", eid, "reporter" if rng.random() < 0.3 else "associate")
                    w.link("social_care", "person", child, "person", pid, "family")
            for o in grp.offenders.tolist():
                if w.has("social_care", o) and rng.random() < 0.6:
                    w.link("social_care", "person", w.rid("social_care", o), "event", eid, "associate")
            write_note(w, "social_care", "event", eid, d + int(rng.integers(0, 5)), None, teams, about_child=True)
            _case(w, "social_care", eid, "referral", grp, v, flags, None, False, None)
        if w.has("health", v):
            for _ in range(1 + int(rng.poisson(0.5))):
                d = int(rng.integers(grp.start, grp.end + 30))
                flags = ["CSE"] if rng.random() < 0.35 else []
                eid = w.event("health", "health_contact", d, flags="|".join(flags) or None,
                              offence_description=None)
                w.person_event("health", v, eid, "subject")
                if rng.random() < 0.3:
                    write_note(w, "health", "event", eid, d, None, teams, about_child=True)
                _case(w, "health", eid, "health_contact", grp, v, flags, None, False, None)
        if w.has("ngo", v):
            d = int(rng.integers(grp.start, grp.end + 120))
            eid = w.event("ngo", "referral", d, flags="CSE")
            w.person_event("ngo", v, eid, "subject")
            for p in family:
                if w.has("ngo", p):
                    w.person_event("ngo", p, eid, "reporter")
            write_note(w, "ngo", "event", eid, d, None, teams, about_child=True)
            _case(w, "ngo", eid, "referral", grp, v, ["CSE"], None, False, None)
    for o in grp.offenders.tolist():
        if w.has("health", o) and rng.random() < 0.5:
            eid = w.event("health", "health_contact", int(rng.integers(grp.start - 300, grp.end + 300)))
            w.person_event("health", o, eid, "subject")


def _household(w: AreaWorld, p: int) -> list[int]:
    return w.household_members(w.people.hh[p])
