"""A small hand-built world in raw_* tables, for testing definitions without the generator."""

from __future__ import annotations

from typing import Any

from clearpicture.store import Store, raw_columns


def _columns(table: str) -> set[str]:
    return {c for c, _ in raw_columns(table)}


def insert(store: Store, table: str, **values: Any) -> None:
    """Insert one row into raw_<table>, filling ``<name>_raw`` for typed fields from the value."""
    cols = _columns(table)
    row = dict(values)
    for k, v in values.items():
        if f"{k}_raw" in cols and f"{k}_raw" not in row:
            row[f"{k}_raw"] = None if v is None else str(v)
    names = ", ".join(f'"{k}"' for k in row)
    marks = ", ".join("?" for _ in row)
    store.execute(f"INSERT INTO raw_{table} ({names}) VALUES ({marks})", list(row.values()))


def person(store: Store, pid: str, dob: str | None, source: str = "POL", **kw: Any) -> None:
    insert(store, "persons", source=source, person_id=pid, date_of_birth=dob, **kw)


def event(store: Store, eid: str, kind: str = "crime", at: str = "2023-05-01 12:00:00", code: str | None = None,
          flags: str | None = None, source: str = "POL", **kw: Any) -> None:
    insert(store, "events", source=source, event_id=eid, kind=kind, started_at=at, offence_code=code,
           flags=flags, **kw)


def link(store: Store, pid: str, eid: str, role: str, source: str = "POL") -> None:
    insert(store, "links", source=source, from_type="person", from_id=pid, to_type="event", to_id=eid, role=role)


def person_link(store: Store, a: str, b: str, role: str, source: str = "POL") -> None:
    insert(store, "links", source=source, from_type="person", from_id=a, to_type="person", to_id=b, role=role)


def build(store: Store) -> None:
    """Cases, each testing one thing (ages at 2023-05-01):

    E1: rape of a girl under 16 (22/1), victim V1 aged 14, suspects S1, S2, flagged CSE|GBCSE
    E2: sexual assault on a female 13+ (20/1), victim V2 aged 16, suspect S3, no flag (under-flagged)
    E3: same offence, victim V3 aged 19: an adult, not CSE
    E4: familial offence (23), victim V4 aged 10, suspect S4 (family of V4): not CSE
    E5: familial offence (23) flagged CSE, victim V5 aged 12, suspect S5: CSE (flag)
    E6: 22/1, victim V6 with no date of birth, suspect S6: child by the offence code
    E7, E8: V7 aged 15 abused by S7 (E7) and, 200 days later, by S8 (E8): two offenders in a window
    E9: V9 aged 15, suspect S9; S9 named with S1 on intelligence I1 (an associated, involved person)
    E10: burglary (28/3) flagged CSE by mistake, victim adult V10: flagged but not meeting
    R1: social care referral flagged CSE about child V1s (another agency's record of V1)
    """
    for pid, dob in [("V1", "2009-01-01"), ("V2", "2007-01-01"), ("V3", "2004-01-01"), ("V4", "2013-01-01"),
                     ("V5", "2011-01-01"), ("V6", None), ("V7", "2008-01-01"), ("V9", "2008-01-01"),
                     ("V10", "1990-01-01")]:
        person(store, pid, dob, sex="F")
    for i in range(1, 10):
        person(store, f"S{i}", "1990-01-01", sex="M")
    person(store, "V1s", "2009-01-01", source="SC", sex="F")
    event(store, "E1", code="22/1", flags="CSE|GBCSE")
    link(store, "V1", "E1", "victim")
    link(store, "S1", "E1", "suspect")
    link(store, "S2", "E1", "suspect")
    event(store, "E2", code="20/1")
    link(store, "V2", "E2", "victim")
    link(store, "S3", "E2", "suspect")
    event(store, "E3", code="20/1")
    link(store, "V3", "E3", "victim")
    link(store, "S3", "E3", "suspect")
    event(store, "E4", code="23")
    link(store, "V4", "E4", "victim")
    link(store, "S4", "E4", "suspect")
    person_link(store, "V4", "S4", "family")
    event(store, "E5", code="23", flags="CSE")
    link(store, "V5", "E5", "victim")
    link(store, "S5", "E5", "suspect")
    event(store, "E6", code="22/1")
    link(store, "V6", "E6", "victim")
    link(store, "S6", "E6", "suspect")
    event(store, "E7", code="22/1", at="2023-01-10 12:00:00")
    link(store, "V7", "E7", "victim")
    link(store, "S7", "E7", "suspect")
    event(store, "E8", code="22/1", at="2023-07-29 12:00:00")
    link(store, "V7", "E8", "victim")
    link(store, "S8", "E8", "suspect")
    event(store, "E9", code="22/1")
    link(store, "V9", "E9", "victim")
    link(store, "S9", "E9", "suspect")
    event(store, "I1", kind="intelligence", flags="CSE", grading="B2P")
    link(store, "S9", "I1", "subject")
    link(store, "S1", "I1", "subject")
    event(store, "E10", code="28/3", flags="CSE")
    link(store, "V10", "E10", "victim")
    event(store, "R1", kind="referral", flags="CSE", source="SC")
    link(store, "V1s", "R1", "subject", source="SC")
