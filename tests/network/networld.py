"""A small hand-built world for the network tests: raw records plus the linkage and definitions
tables with their contract columns, so the network stage can be tested before (and beside) the
real pipeline. The story:

- Group A: O1 and O2 are suspects together on crime C1 against child V1 (meets the group-based
  definition); O3 shares a car with O2 and is named with O2 in graded intelligence I1; O3 is the
  suspect on C2 against child V2 (meets the CSE definition only). O1 has a second record at SC.
- A burglary crew B1, B2, B3 co-offend on burglaries C10 and C11 (no definition met).
- A lone offender L1 on C20 against child V3 (meets the CSE definition).
- X1 and X2 each abused child V4 on separate crimes C30, C31 (both meet the group definition):
  a shared victim must never make them look associated.
- Hotel H1 visited on one day by 45 unrelated people including O1 and B1 (a hub), and a taxi
  firm's phone used by 10 people including O3 and B2 (weighted down).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from clearpicture.store import Store, raw_columns

SOURCES = [("WMP", "West Midlands Police", "police"), ("SC", "Children's services", "social_care")]


class WorldBuilder:
    """Collects rows, then writes them to the raw_* and entity_*/definition_* tables."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in ("persons", "objects", "locations",
                                                                      "events", "links", "sources")}
        self.entity_persons: list[tuple[str, str, str]] = []
        self.entity_objects: list[tuple[str, str, str, str, str]] = []
        self.entity_locations: list[tuple[str, str, str]] = []
        self.cases: list[tuple[str, str, str, str, bool, str, str]] = []
        self.victims: list[tuple[str, str, str, str | None]] = []
        for code, name, kind in SOURCES:
            self.rows["sources"].append({"source": code, "name": name, "kind": kind})

    def person(self, pid: str, entity: str | None = None, source: str = "WMP", ethnicity: str = "W1") -> str:
        self.rows["persons"].append({"source": source, "person_id": pid, "forename": f"F{pid}",
                                     "surname": f"S{pid}", "ethnicity_self": ethnicity,
                                     "ethnicity_officer": "IC1", "nationality": "GBR"})
        self.entity_persons.append((source, pid, entity or f"E-{pid}"))
        return pid

    def event(self, eid: str, kind: str = "crime", at: str = "2023-01-10 20:00:00", source: str = "WMP",
              grading: str | None = None, location: str | None = None, offence: str | None = None) -> str:
        self.rows["events"].append({"source": source, "event_id": eid, "kind": kind, "started_at": at,
                                    "grading": grading, "location_id": location, "offence_code": offence})
        return eid

    def link(self, from_type: str, from_id: str, to_type: str, to_id: str, role: str,
             source: str = "WMP", at: str | None = None) -> None:
        self.rows["links"].append({"source": source, "from_type": from_type, "from_id": from_id,
                                   "to_type": to_type, "to_id": to_id, "role": role, "started_at": at})

    def on_event(self, event: str, role: str, *persons: str, source: str = "WMP") -> None:
        for p in persons:
            self.link("person", p, "event", event, role, source)

    def obj(self, oid: str, kind: str, value: str, entity: str | None = None, source: str = "WMP") -> str:
        self.rows["objects"].append({"source": source, "object_id": oid, "kind": kind, "value": value})
        self.entity_objects.append((source, oid, entity or f"EO-{oid}", kind, value))
        return oid

    def place(self, lid: str, kind: str = "other", entity: str | None = None, source: str = "WMP") -> str:
        self.rows["locations"].append({"source": source, "location_id": lid, "kind": kind})
        self.entity_locations.append((source, lid, entity or f"EL-{lid}"))
        return lid

    def case(self, event: str, definition: str, meets: bool = True, source: str = "WMP") -> None:
        self.cases.append((definition, "1", source, event, meets, "cse", '["test"]'))

    def child_victim(self, definition: str, person: str, source: str = "WMP") -> None:
        self.victims.append((definition, source, person, None))

    def write(self, store: Store) -> Store:
        with store.transaction():
            for table, rows in self.rows.items():
                _insert_raw(store, table, rows)
            _table(store, "entity_persons", "source VARCHAR, person_id VARCHAR, entity_id VARCHAR",
                   self.entity_persons)
            _table(store, "entity_objects", "source VARCHAR, object_id VARCHAR, entity_id VARCHAR, kind VARCHAR, "
                   "canonical VARCHAR", self.entity_objects)
            _table(store, "entity_locations", "source VARCHAR, location_id VARCHAR, entity_id VARCHAR",
                   self.entity_locations)
            _table(store, "definition_cases", "definition_id VARCHAR, version VARCHAR, source VARCHAR, "
                   "event_id VARCHAR, meets BOOLEAN, category VARCHAR, reasons VARCHAR", self.cases)
            _table(store, "definition_victims", "definition_id VARCHAR, source VARCHAR, person_id VARCHAR, "
                   "entity_id VARCHAR", self.victims)
        return store


def _insert_raw(store: Store, table: str, rows: Iterable[dict[str, Any]]) -> None:
    cols = [c for c, _ in raw_columns(table)]
    for i, row in enumerate(rows):
        values = []
        for c in cols:
            if c.endswith("_raw"):
                values.append(row.get(c[:-4]))
            elif c == "_row":
                values.append(i + 1)
            elif c == "_file":
                values.append(f"{table}.csv")
            else:
                values.append(row.get(c))
        marks = ", ".join("?" for _ in cols)
        store.execute(f"INSERT INTO raw_{table} VALUES ({marks})", values)


def _table(store: Store, name: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    store.execute(f"CREATE OR REPLACE TABLE {name} ({columns})")
    if rows:
        marks = ", ".join("?" for _ in rows[0])
        store.con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)


GB = "gbcse-iicsa-2019"
CSE = "cse-dfe-2017"


def story() -> WorldBuilder:
    """The world described in the module docstring."""
    w = WorldBuilder()
    for p in ("O1", "O2", "O3", "V1", "V2", "B1", "B2", "B3", "L1", "V3", "X1", "X2", "V4"):
        w.person(p)
    w.person("SC-O1", entity="E-O1", source="SC")
    # Group A
    w.event("C1", offence="19/7")
    w.on_event("C1", "suspect", "O1", "O2")
    w.on_event("C1", "victim", "V1")
    w.case("C1", GB)
    w.case("C1", CSE)
    w.child_victim(GB, "V1")
    w.child_victim(CSE, "V1")
    w.event("C2", at="2023-02-01 21:00:00", offence="22/1")
    w.on_event("C2", "suspect", "O3")
    w.on_event("C2", "victim", "V2")
    w.case("C2", GB, meets=False)
    w.case("C2", CSE)
    w.child_victim(CSE, "V2")
    w.obj("CAR1", "vehicle", "AB12CDE")
    w.link("person", "O2", "object", "CAR1", "user")
    w.link("person", "O3", "object", "CAR1", "owner")
    w.event("I1", kind="intelligence", at="2023-01-20 00:00:00", grading="1AP")
    w.on_event("I1", "subject", "O2", "O3")
    w.event("R1", kind="referral", at="2023-01-12 09:00:00", source="SC")
    w.link("person", "SC-O1", "event", "R1", "associate", source="SC")
    # Burglary crew
    for c in ("C10", "C11"):
        w.event(c, offence="28/1")
        w.on_event(c, "offender", "B1", "B2", "B3")
    # Lone offender
    w.event("C20", offence="22/1")
    w.on_event("C20", "suspect", "L1")
    w.on_event("C20", "victim", "V3")
    w.case("C20", CSE)
    w.child_victim(CSE, "V3")
    # One child, two unconnected offenders
    for c, x in (("C30", "X1"), ("C31", "X2")):
        w.event(c, offence="19/7")
        w.on_event(c, "suspect", x)
        w.on_event(c, "victim", "V4")
        w.case(c, GB)
        w.child_victim(GB, "V4")
    # A hotel everyone passes through, and a taxi firm's phone
    w.place("H1", kind="hotel")
    guests = ["O1", "B1"] + [w.person(f"G{i}") for i in range(43)]
    for g in guests:
        w.link("person", g, "location", "H1", "visited", at="2023-03-01 22:00:00")
    w.obj("TAXI", "phone", "01210000000")
    for p in ["O3", "B2"] + [w.person(f"T{i}") for i in range(8)]:
        w.link("person", p, "object", "TAXI", "user")
    return w


def build(path: Path, builder: WorldBuilder | None = None) -> Store:
    """A fresh store at ``path`` holding ``builder`` (default: :func:`story`)."""
    return (builder or story()).write(Store(path))
