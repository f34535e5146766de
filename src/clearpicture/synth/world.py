"""One area of a synthetic scenario: its sources, record registries, table buffers and truth buffers.

An :class:`AreaWorld` holds everything generated for one fictional force area (its police force,
its children's social care, and its share of the health service and charity) so a scenario can be
written area by area in bounded memory. It hands out record ids, turns real people, objects and
places into per-source records (an object or place seen by two agencies is two records), and keeps
the truth rows. Deciding who offends, who is harmed and what happens lives in :mod:`cse` and
:mod:`ordinary`; this module is bookkeeping only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import standard
from .people import People
from .pool import Area
from .records import _phone_format, person_rows
from .tables import Buf, fmt_datetimes

__all__ = ["KINDS", "AreaWorld", "SourceDef"]

#: The agency kinds every area has, in the order used for capture patterns.
KINDS = ("police", "social_care", "health", "ngo")

HEALTH = ("MHS", "Meridian Community Health Service")
CHARITY = ("SHC", "Safe Harbour Children's Charity")

TRUTH_COLUMNS: dict[str, list[str]] = {
    "persons": ["source", "person_id", "true_person"],
    "people": ["true_person", "role", "is_child", "date_of_birth", "sex", "ethnicity_self", "nationality",
               "household", "group_id", "crew_id"],
    "groups": ["group_id", "true_person", "role"],
    "crews": ["crew_id", "true_person"],
    "cases": ["source", "event_id", "kind", "is_cse", "is_group_based", "cse_flagged", "gbcse_flagged",
              "group_id", "crew_id", "victim_true_person", "team", "weaker_team", "outcome"],
    "objects": ["source", "object_id", "true_object"],
    "locations": ["source", "location_id", "true_location", "is_hub"],
    "notes": ["source", "note_id", "victim_blaming", "category", "team", "author"],
}


@dataclass(frozen=True)
class SourceDef:
    code: str
    name: str
    kind: str
    area: str


@dataclass
class AreaWorld:
    rng: np.random.Generator
    area: Area
    people: People
    sources: dict[str, SourceDef] = field(default_factory=dict)
    bufs: dict[str, Buf] = field(default_factory=dict)
    truth: dict[str, Buf] = field(default_factory=dict)
    # per kind: record person index array, record ids, linked flags, person -> record positions
    rec_person: dict[str, np.ndarray] = field(default_factory=dict)
    rec_ids: dict[str, list[str]] = field(default_factory=dict)
    rec_linked: dict[str, np.ndarray] = field(default_factory=dict)
    rec_of: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    loc_ids: dict[tuple[str, Any], str] = field(default_factory=dict)
    obj_ids: dict[tuple[str, Any], str] = field(default_factory=dict)
    role: dict[int, str] = field(default_factory=dict)
    group_of: dict[int, str] = field(default_factory=dict)
    crew_of: dict[int, str] = field(default_factory=dict)
    taxi_phone: str = ""
    cross_force: list[dict[str, Any]] = field(default_factory=list)
    _members: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        a = self.area
        self.sources = {
            "police": SourceDef(a.police_code, a.force_name, "police", a.name),
            "social_care": SourceDef(a.social_care_code, f"{a.name} Children's Services", "social_care", a.name),
            "health": SourceDef(HEALTH[0], HEALTH[1], "health", "all areas"),
            "ngo": SourceDef(CHARITY[0], CHARITY[1], "ngo", "all areas"),
        }
        for t in standard.TABLE_NAMES:
            self.bufs[t] = Buf(standard.table(t).names)
        for t, cols in TRUTH_COLUMNS.items():
            self.truth[t] = Buf(cols)

    def code(self, kind: str) -> str:
        return self.sources[kind].code

    def new_id(self, kind: str, table: str) -> str:
        key = (kind, table)
        n = self.counters.get(key, 0) + 1
        self.counters[key] = n
        prefix = {"persons": "P", "events": "E", "objects": "O", "locations": "L", "notes": "N"}[table]
        return f"{prefix}{self.area.index:02d}{n:07d}"

    def true_person(self, p: int | np.integer[Any]) -> str:
        return f"T{self.area.index:02d}{int(p):07d}"

    # ---- person records ---------------------------------------------------------------------
    def make_records(self, present: dict[str, np.ndarray], dup_rate: dict[str, float]) -> None:
        """Create person records: one per person present in each source, plus duplicates."""
        rng = self.rng
        for kind in KINDS:
            idx = np.flatnonzero(present[kind])
            dup = idx[rng.random(len(idx)) < dup_rate[kind]]
            persons = np.concatenate([idx, dup])
            persons = persons[rng.permutation(len(persons))]  # id order must not reveal anything
            base = self.counters.get((kind, "persons"), 0)
            ids = [f"P{self.area.index:02d}{base + i + 1:07d}" for i in range(len(persons))]
            self.counters[(kind, "persons")] = base + len(persons)
            off = np.isin(persons, self.offender_index())
            cols = person_rows(self.people, persons, kind, ids, self.code(kind), rng, off)
            self.bufs["persons"].extend(cols)
            self.rec_person[kind] = persons
            self.rec_ids[kind] = ids
            self.rec_linked[kind] = np.zeros(len(persons), bool)
            of: dict[int, list[int]] = {}
            for j, p in enumerate(persons.tolist()):
                of.setdefault(p, []).append(j)
            self.rec_of[kind] = of
            code = self.code(kind)
            self.truth["persons"].extend({
                "source": [code] * len(ids), "person_id": ids,
                "true_person": [f"T{self.area.index:02d}{p:07d}" for p in persons.tolist()],
            })

    def offender_index(self) -> np.ndarray:
        return np.array([p for p, r in self.role.items() if r in ("group_offender", "lone_offender")], dtype=np.int64)

    def has(self, kind: str, p: int) -> bool:
        return p in self.rec_of[kind]

    def rid(self, kind: str, p: int) -> str:
        """The id of one of person ``p``'s records in ``kind`` (duplicates get used too)."""
        pos = self.rec_of[kind][p]
        j = pos[0] if len(pos) == 1 or self.rng.random() < 0.7 else pos[int(self.rng.integers(0, len(pos)))]
        self.rec_linked[kind][j] = True
        return self.rec_ids[kind][j]

    # ---- events, links ----------------------------------------------------------------------
    def event(self, kind: str, ev_kind: str, day: int, **cols: Any) -> str:
        eid = self.new_id(kind, "events")
        sec = int(self.rng.integers(0, 86400))
        start = fmt_datetimes(np.array([day]), np.array([sec]))[0]
        rec_lag = int(self.rng.integers(0, 4)) if "recorded_day" not in cols else cols.pop("recorded_day") - day
        rec = fmt_datetimes(np.array([day + rec_lag]), np.array([min(86399, sec + 3600)]))[0]
        self.bufs["events"].add(source=self.code(kind), event_id=eid, kind=ev_kind, started_at=start,
                                recorded_at=rec, **cols)
        return eid

    def link(self, kind: str, from_type: str, from_id: str, to_type: str, to_id: str, role: str,
             started_at: str | None = None) -> None:
        self.bufs["links"].add(source=self.code(kind), from_type=from_type, from_id=from_id, to_type=to_type,
                               to_id=to_id, role=role, started_at=started_at)

    def person_event(self, kind: str, p: int, eid: str, role: str) -> None:
        self.link(kind, "person", self.rid(kind, p), "event", eid, role)

    # ---- objects and places -----------------------------------------------------------------
    def location(self, kind: str, key: Any, loc_kind: str, name: str | None, address: str | None,
                 postcode: str | None, hub: bool = False) -> str:
        """The source's record of a real place (created on first use)."""
        k = (kind, key)
        if k in self.loc_ids:
            return self.loc_ids[k]
        lid = self.new_id(kind, "locations")
        self.loc_ids[k] = lid
        rng = self.rng
        lat = self.area.lat + float(rng.normal(0, 0.05))
        lon = self.area.lon + float(rng.normal(0, 0.08))
        if postcode is not None and rng.random() < 0.15:
            postcode = postcode.replace(" ", "").lower()
        self.bufs["locations"].add(source=self.code(kind), location_id=lid, kind=loc_kind, name=name,
                                   address=address, postcode=postcode,
                                   latitude=f"{lat:.5f}" if rng.random() < 0.6 else None,
                                   longitude=f"{lon:.5f}" if rng.random() < 0.6 else None)
        self.truth["locations"].add(source=self.code(kind), location_id=lid, true_location=f"{self.area.index:02d}:{key}",
                                    is_hub=str(hub).lower())
        return lid

    def home(self, kind: str, p: int) -> str:
        pe = self.people
        h = pe.hh[p]
        return self.location(kind, f"home-{h}", "home", None, f"{pe.hh_street[h]}, {self.area.name}",
                             pe.hh_postcode[h])

    def obj(self, kind: str, key: Any, obj_kind: str, value: str, description: str | None = None) -> str:
        """The source's record of a real object (created on first use; values formatted variously)."""
        k = (kind, key)
        if k in self.obj_ids:
            return self.obj_ids[k]
        oid = self.new_id(kind, "objects")
        self.obj_ids[k] = oid
        if obj_kind == "phone":
            value = _phone_format(self.rng, value)
        elif obj_kind == "vehicle" and self.rng.random() < 0.3:
            value = value.replace(" ", "")
        self.bufs["objects"].add(source=self.code(kind), object_id=oid, kind=obj_kind, value=value,
                                 description=description)
        self.truth["objects"].add(source=self.code(kind), object_id=oid, true_object=f"{self.area.index:02d}:{key}")
        return oid

    def household_members(self, h: int) -> list[int]:
        if not self._members:
            for p, hh in enumerate(self.people.hh):
                self._members.setdefault(hh, []).append(p)
        return self._members.get(h, [])

    def unlinked(self, kind: str) -> np.ndarray:
        return np.flatnonzero(~self.rec_linked[kind])
