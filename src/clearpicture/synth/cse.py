"""Planted child sexual exploitation: offending groups, lone offenders, their victims and records.

A group is 2-12 offenders with several child victims over months, sharing vehicles, phones, a flat,
hotels and food outlets (often busy hub places that unrelated people also use). A lone offender is
the same with one offender. Victims are captured by each agency with unequal, correlated
probabilities (police and social care share a latent visibility) and some by none, so the true
number of victims is known for estimation. Police crimes carry Home Office sexual offence codes;
the ``CSE`` flag is missing on some (under-flagging) and ``GBCSE`` is set on some group cases. All
of it is recorded in the truth buffers. Ordinary crime and crews live in :mod:`ordinary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .people import People
from .teams import Teams
from .world import KINDS, AreaWorld

__all__ = ["Group", "plant_group_events", "plant_group_people"]

_HOTEL_NAMES = ("Premier Lodge", "Kings Arms Hotel", "Riverside Inn", "Travel Rest", "The Grand", "Park View Hotel")
_FOOD_NAMES = ("Chicken Palace", "Pizza Express Grill", "Kebab House", "Golden Fry", "Dixy Spot", "Sam's Diner")


@dataclass
class Group:
    gid: str
    offenders: np.ndarray
    victims: np.ndarray
    start: int
    end: int
    places: list[tuple[str, str, str, str, str, bool]] = field(default_factory=list)  # key, kind, name, addr, pc, hub
    vehicles: list[tuple[str, str]] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)

    @property
    def group_based(self) -> bool:
        return len(self.offenders) >= 2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def plant_group_people(w: AreaWorld, n_groups: int, n_lone: int, t0: int, t1: int) -> list[Group]:
    """Create offenders, victims and their households; return the groups (lone offenders included)."""
    rng, pe = w.rng, w.people
    sizes = np.arange(2, 13)
    size_p = 1.0 / (sizes - 1) ** 1.1
    groups = []
    for g in range(n_groups + n_lone):
        lone = g >= n_groups
        n_off = 1 if lone else int(rng.choice(sizes, p=size_p / size_p.sum()))
        n_vic = int(rng.integers(1, 4)) if lone else min(20, int(rng.integers(max(2, n_off // 2), 2 * n_off + 3)))
        start = int(rng.integers(t0, t1 - 200))
        end = min(t1, start + int(rng.integers(60, 540)))
        # offenders: own households, some with adult relatives at the same address (easily confused)
        hh = pe.households(n_off)
        off = pe.add(hh, pe.adults_dob(n_off, start, 18, 55), "offender")
        rel_n = rng.integers(0, 3, n_off)
        rel_hh = np.repeat(hh, rel_n)
        pe.add(rel_hh, pe.adults_dob(len(rel_hh), start, 16, 60), "relative")
        # victims: children aged 12-16 when it starts and under 18 until it ends, in their own families
        age0 = np.minimum(rng.uniform(12, 16.5, n_vic) * 365.25, 17.4 * 365.25 - (end - start))
        vhh = pe.households(n_vic)
        vic = pe.add(vhh, (start - age0).astype(np.int64), "victim")
        par_n = rng.integers(1, 3, n_vic)
        par_hh = np.repeat(vhh, par_n)
        pe.add(par_hh, pe.adults_dob(len(par_hh), start, 30, 52), "parent")
        sib_n = rng.choice(np.array([0, 0, 1, 1, 2]), n_vic)
        sib_hh = np.repeat(vhh, sib_n)
        pe.add(sib_hh, pe.adults_dob(len(sib_hh), start, 5, 19), "sibling")
        gid = f"{'L' if lone else 'G'}{w.area.index:02d}{g:04d}"
        grp = Group(gid, off, vic, start, end)
        for p in off.tolist():
            w.role[p] = "lone_offender" if lone else "group_offender"
            w.group_of[p] = gid
        for p in vic.tolist():
            w.role[p] = "lone_victim" if lone else "group_victim"
            w.group_of[p] = gid
        groups.append(grp)
    return groups


def add_group_assets(w: AreaWorld, groups: list[Group], hubs: dict[str, list[tuple[str, str, str, str, str, bool]]],
                     marks: list[str], phone_numbers: list[str]) -> None:
    """Places, vehicles and phones each group uses; hubs are shared with unrelated people."""
    rng, pe = w.rng, w.people
    mi = pi = 0
    for grp in groups:
        lead = int(grp.offenders[0])
        h = pe.hh[lead]
        grp.places.append((f"home-{h}", "home", "", f"{pe.hh_street[h]}, {w.area.name}", pe.hh_postcode[h], False))
        if grp.group_based or rng.random() < 0.3:
            fh = pe.households(1)[0]
            grp.places.append((f"flat-{grp.gid}", "flat", "", f"Flat {int(rng.integers(1, 30))}, "
                               f"{pe.hh_street[fh]}, {w.area.name}", pe.hh_postcode[fh], False))
        for kind in ("hotel", "food_outlet"):
            if rng.random() < (0.75 if grp.group_based else 0.3):
                grp.places.append(hubs[kind][int(rng.integers(0, len(hubs[kind])))])
        if grp.group_based and rng.random() < 0.4:
            hid = f"hotel-{grp.gid}"
            grp.places.append((hid, "hotel", _HOTEL_NAMES[int(rng.integers(0, len(_HOTEL_NAMES)))],
                               f"{int(rng.integers(1, 200))} Station Road, {w.area.name}", pe.hh_postcode[h], False))
        for _ in range(int(rng.integers(1, 4)) if grp.group_based else int(rng.integers(0, 2))):
            grp.vehicles.append((f"veh-{grp.gid}-{len(grp.vehicles)}", marks[mi % len(marks)]))
            mi += 1
        for _ in range(int(rng.integers(1, 1 + max(2, len(grp.offenders) // 2)))):
            grp.phones.append((f"ph-{grp.gid}-{len(grp.phones)}", phone_numbers[pi % len(phone_numbers)]))
            pi += 1


def presence_for_cse(w: AreaWorld, groups: list[Group], present: dict[str, np.ndarray]) -> None:
    """Which agencies hold a record of each offender, victim and family member."""
    rng, pe = w.rng, w.people
    kind = np.asarray(pe.kind)
    for grp in groups:
        z = rng.normal(0, 1, len(grp.victims))
        own = rng.normal(0, 1, (len(grp.victims), 2))
        probs = {
            "police": _sigmoid(0.5 + 1.2 * z),
            "social_care": _sigmoid(0.3 + 1.2 * z),
            "health": _sigmoid(-0.8 + 0.3 * z + 0.5 * own[:, 0]),
            "ngo": _sigmoid(-1.5 + 0.3 * z + 0.5 * own[:, 1]),
        }
        for k in KINDS:
            present[k][grp.victims] = rng.random(len(grp.victims)) < probs[k]
        n = len(grp.offenders)
        present["police"][grp.offenders] = rng.random(n) < 0.85
        present["social_care"][grp.offenders] = rng.random(n) < 0.05
        present["health"][grp.offenders] = rng.random(n) < 0.2
    # relatives and families: recorded mostly because of the child
    hh_victim: dict[int, int] = {}
    for grp in groups:
        for v in grp.victims.tolist():
            hh_victim[pe.hh[v]] = v
    for p in np.flatnonzero(np.isin(kind, ["parent", "sibling"])).tolist():
        v = hh_victim.get(pe.hh[p])
        if v is None:
            continue
        parent = kind[p] == "parent"
        present["social_care"][p] = present["social_care"][v] and rng.random() < (0.8 if parent else 0.3)
        present["police"][p] = rng.random() < (0.45 if parent and present["police"][v] else 0.05)
        present["health"][p] = rng.random() < 0.25
        present["ngo"][p] = present["ngo"][v] and parent and rng.random() < 0.4
    rel = np.flatnonzero(kind == "relative")
    present["police"][rel] = rng.random(len(rel)) < 0.35
    present["health"][rel] = rng.random(len(rel)) < 0.3


def _offence(rng: np.random.Generator, age: float, sex: str) -> str:
    if age < 13:
        opts = {"F": ["19/5", "20/3", "21"], "M": ["19/8", "17/2", "21"]}.get(sex, ["21"])
    elif age < 16:
        opts = {"F": ["19/4", "22/1", "22/2", "71", "88/1"], "M": ["19/7", "22/1", "22/2", "71"]}.get(sex, ["22/1"])
    else:
        opts = {"F": ["71", "88/1", "86/2", "20/1"], "M": ["71", "88/1", "86/2", "17/1"]}.get(sex, ["71"])
    return opts[int(rng.integers(0, len(opts)))]


def plant_group_events(w: AreaWorld, groups: list[Group], teams: Teams) -> None:
    """Crimes, arrests, outcomes and associations for every planted group and lone offender."""
    from .cse_events import group_events

    for grp in groups:
        group_events(w, grp, teams)
    _truth_groups(w, groups)


def _truth_groups(w: AreaWorld, groups: list[Group]) -> None:
    for grp in groups:
        if not grp.group_based:
            continue
        for p in grp.offenders.tolist():
            w.truth["groups"].add(group_id=grp.gid, true_person=w.true_person(p), role="offender")
        for p in grp.victims.tolist():
            w.truth["groups"].add(group_id=grp.gid, true_person=w.true_person(p), role="victim")


def age_at(pe: People, p: int, d: int) -> float:
    return float((d - pe.dob_a[p]) / 365.25)


offence_for = _offence
