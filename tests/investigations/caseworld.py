"""A small hand-built world for the investigations tests: raw records plus the contract tables of
linkage (``entity_persons``), definitions (``definition_cases``) and network (``group_members``).

The story (force WMP, children's social care SC):

- C1 (CSE and group-based, CSE Team): child V1 abused by O1 and O2; recorded 2023-01-05; O1
  arrested (arrest A1 linked to C1); V1 referred to SC on 2023-01-08 (her SC record is the same
  person); CAWN D1 against O1; charged (outcome 1) on 2023-03-01.
- C2 (CSE only, PPU North): child V2, suspect O3; recorded 2023-04-10; closed 16 (victim does not
  support) on 2023-04-20; never referred; V2 missing three times around it (M1-M3); no disruption.
- C3 (incest, offence 23, PPU North): child V3, suspect O5, no outcome yet.
- C4 (sexual assault 20/1 on an adult A9): not a case. C5 (20/1 on V5, aged 15): a sexual offence
  against a child by victim age; closed 18 (no suspect).
- C6: a burglary, not a case.
- Group G1: offenders O1, O2, O3 and O4 (O4 never a suspect on any crime), victims V1 and V2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clearpicture.store import Store, raw_columns


class CaseWorld:
    """Collects rows, then writes them to the raw_* and contract tables of a fresh store."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in ("persons", "events", "links",
                                                                      "notes", "sources")}
        self.entity_persons: list[tuple[str, str, str]] = []
        self.cases: list[tuple[str, str, str, str, bool, str, str]] = []
        self.members: list[tuple[str, str, str]] = []
        self.source("WMP", "police")
        self.source("SC", "social_care")

    def source(self, code: str, kind: str) -> None:
        self.rows["sources"].append({"source": code, "name": code, "kind": kind})

    def person(self, pid: str, dob: str | None = None, entity: str | None = None, source: str = "WMP") -> str:
        self.rows["persons"].append({"source": source, "person_id": pid, "date_of_birth": dob})
        self.entity_persons.append((source, pid, entity or f"E-{pid}"))
        return pid

    def event(self, eid: str, kind: str, at: str, source: str = "WMP", **fields: Any) -> str:
        self.rows["events"].append({"source": source, "event_id": eid, "kind": kind, "started_at": at, **fields})
        return eid

    def link(self, from_type: str, from_id: str, to_type: str, to_id: str, role: str, source: str = "WMP",
             at: str | None = None) -> None:
        self.rows["links"].append({"source": source, "from_type": from_type, "from_id": from_id,
                                   "to_type": to_type, "to_id": to_id, "role": role, "started_at": at})

    def on(self, event: str, role: str, *persons: str, source: str = "WMP") -> None:
        for p in persons:
            self.link("person", p, "event", event, role, source)

    def note(self, about: str, team: str | None, at: str, source: str = "WMP") -> None:
        nid = f"N{len(self.rows['notes']) + 1}"
        self.rows["notes"].append({"source": source, "note_id": nid, "about_type": "event", "about_id": about,
                                   "written_at": at, "author": "AB123", "team": team, "text": "Note."})

    def case(self, event: str, definition: str, version: str = "1", meets: bool = True) -> None:
        self.cases.append((definition, version, "WMP", event, meets, "cse", '["test"]'))

    def member(self, group: str, entity: str, role: str) -> None:
        self.members.append((group, entity, role))

    def write(self, store: Store, with_groups: bool = True) -> Store:
        with store.transaction():
            for table, rows in self.rows.items():
                cols = [c for c, _ in raw_columns(table)]
                for r in rows:
                    values = [r.get(c) if not c.endswith("_raw") else r.get(c[:-4]) for c in cols]
                    store.execute(f"INSERT INTO raw_{table} VALUES ({', '.join('?' for _ in cols)})", values)
            store.execute("CREATE TABLE entity_persons (source VARCHAR, person_id VARCHAR, entity_id VARCHAR)")
            store.con.executemany("INSERT INTO entity_persons VALUES (?, ?, ?)", self.entity_persons)
            store.execute("""CREATE TABLE definition_cases (definition_id VARCHAR, version VARCHAR, source VARCHAR,
                event_id VARCHAR, meets BOOLEAN, category VARCHAR, reasons VARCHAR)""")
            if self.cases:
                store.con.executemany("INSERT INTO definition_cases VALUES (?, ?, ?, ?, ?, ?, ?)", self.cases)
            if with_groups:
                store.execute("CREATE TABLE group_members (group_id VARCHAR, entity_id VARCHAR, role VARCHAR)")
                if self.members:
                    store.con.executemany("INSERT INTO group_members VALUES (?, ?, ?)", self.members)
        return store


def story() -> CaseWorld:
    w = CaseWorld()
    for pid, dob in (("V1", "2008-03-01"), ("V2", "2009-06-01"), ("V3", "2012-01-01"), ("V5", "2007-09-01"),
                     ("A9", "1980-01-01"), ("O1", "1985-01-01"), ("O2", "1990-01-01"), ("O3", "1979-01-01"),
                     ("O4", "1988-01-01"), ("O5", "1970-01-01"), ("B1", "1995-01-01")):
        w.person(pid, dob)
    w.person("SC-V1", "2008-03-01", entity="E-V1", source="SC")
    w.person("SC-V2", "2009-06-01", entity="E-V2", source="SC")
    # C1: CSE and group-based, charged
    w.event("C1", "crime", "2023-01-02 20:00:00", offence_code="71", recorded_at="2023-01-05 09:00:00",
            outcome="1", outcome_at="2023-03-01 12:00:00")
    w.on("C1", "victim", "V1")
    w.on("C1", "suspect", "O1", "O2")
    w.note("C1", "CSE Team", "2023-01-05 10:00:00")
    w.note("C1", "Response", "2023-01-06 10:00:00")  # a later note by another team does not move the crime
    w.event("A1", "arrest", "2023-01-10 06:00:00")
    w.on("A1", "suspect", "O1")
    w.link("event", "A1", "event", "C1", "involved")
    w.event("R1", "referral", "2023-01-08 11:00:00", source="SC", flags="CSE")
    w.on("R1", "subject", "SC-V1", source="SC")
    w.event("D1", "disruption", "2023-02-01 12:00:00", disruption_type="CAWN")
    w.on("D1", "subject", "O1")
    w.case("C1", "cse-dfe-2017")
    w.case("C1", "gbcse-iicsa-2019")
    # C2: CSE only, closed quickly as victim does not support, missing episodes, no referral
    w.event("C2", "crime", "2023-04-08 22:00:00", offence_code="22/1", recorded_at="2023-04-10 09:00:00",
            outcome="16", outcome_at="2023-04-20 12:00:00")
    w.on("C2", "victim", "V2")
    w.on("C2", "suspect", "O3")
    w.note("C2", "PPU North", "2023-04-10 10:00:00")
    for i, day in enumerate(("2023-03-01", "2023-04-01", "2023-05-15"), start=1):
        w.event(f"M{i}", "missing_episode", f"{day} 18:00:00", flags="MISSING")
        w.on(f"M{i}", "subject", "V2")
    w.event("M9", "missing_episode", "2022-01-01 18:00:00")  # far outside the window
    w.on("M9", "subject", "V2")
    w.case("C2", "cse-dfe-2017")
    w.case("C2", "gbcse-iicsa-2019", meets=False)
    # C3: familial, open
    w.event("C3", "crime", "2023-05-01 12:00:00", offence_code="23", recorded_at="2023-05-03 12:00:00")
    w.on("C3", "victim", "V3")
    w.on("C3", "suspect", "O5")
    w.note("C3", "PPU North", "2023-05-03 13:00:00")
    # C4: adult victim, not a case; C5: child victim of 20/1, no suspect identified
    w.event("C4", "crime", "2023-06-01 12:00:00", offence_code="20/1", outcome="15", outcome_at="2023-08-01")
    w.on("C4", "victim", "A9")
    w.event("C5", "crime", "2023-06-01 12:00:00", offence_code="20/1", recorded_at="2023-06-02 12:00:00",
            outcome="18", outcome_at="2023-07-01 12:00:00")
    w.on("C5", "victim", "V5")
    # C6: burglary
    w.event("C6", "crime", "2023-06-01 12:00:00", offence_code="28/3", outcome="1", outcome_at="2023-07-01")
    w.on("C6", "suspect", "B1")
    # the group found by the network stage
    for entity in ("E-O1", "E-O2", "E-O3"):
        w.member("G1", entity, "suspect")
    w.member("G1", "E-O4", "associate")
    w.member("G1", "E-V1", "victim")
    w.member("G1", "E-V2", "victim")
    return w


def build(path: Path | str = ":memory:", with_groups: bool = True) -> Store:
    return story().write(Store(path), with_groups=with_groups)
