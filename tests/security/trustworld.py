"""Hand-made records for the trust tests (security and web): a fresh store with a few rows in
raw_* tables and derived tables shaped like the stage contracts (docs/dev/helpers.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clearpicture.store import Store, raw_columns

PASSWORD = "correct horse battery staple"

#: Identifiers of the person erased in the erasure tests; nothing else in the world shares them.
ERASED = {"source": "PF1", "person_id": "PF1-P-9001", "forename": "Zebedee", "surname": "Quillfeather",
          "phone": "07700900123", "postcode": "ZZ9 9ZZ", "dob": "2008-02-29"}


def insert_rows(store: Store, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert dict rows, leaving unnamed columns NULL (raw tables have many)."""
    if table.startswith("raw_"):
        cols = [c for c, _ in raw_columns(table[4:])]
    else:
        cols = [r[0] for r in store.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table])]
    for row in rows:
        unknown = set(row) - set(cols)
        assert not unknown, f"{table}: no columns {unknown}"
        names = list(row)
        store.execute(
            f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n in names)}) '
            f'VALUES ({", ".join("?" for _ in names)})',
            [row[n] for n in names],
        )


def build_world(store: Store) -> None:
    """Three sources; one person (ERASED) with links, notes, objects and derived rows everywhere."""
    e = ERASED
    insert_rows(store, "raw_sources", [
        {"source": "PF1", "name": "Police force one", "kind": "police"},
        {"source": "LA1", "name": "Council one", "kind": "social_care"},
        {"source": "NHS1", "name": "Health one", "kind": "health"},
    ])
    insert_rows(store, "raw_persons", [
        {"source": "PF1", "person_id": e["person_id"], "forename": e["forename"], "surname": e["surname"],
         "date_of_birth_raw": e["dob"], "sex": "F", "sex_raw": "F", "postcode": e["postcode"],
         "phone": e["phone"], "ethnicity_self": "W1", "ethnicity_self_raw": "W1"},
        {"source": "PF1", "person_id": "PF1-P-2", "forename": "Robin", "surname": "Other", "sex": "M"},
        {"source": "LA1", "person_id": "LA1-C-1", "forename": "Zebedee", "surname": "Smith", "sex": "F"},
        {"source": "LA1", "person_id": "LA1-C-2", "forename": "Sam", "surname": "Jones", "sex": "F"},
        {"source": "NHS1", "person_id": "NHS1-H-1", "forename": "Kit", "surname": "Brown", "sex": "M"},
    ])
    insert_rows(store, "history_persons", [
        {"source": "PF1", "person_id": e["person_id"], "forename": e["forename"], "surname": "Quilfeather",
         "phone": e["phone"]},
    ])
    insert_rows(store, "raw_events", [{"source": "PF1", "event_id": "PF1-E-1", "kind": "crime",
                                       "offence_description": f"Report by {e['surname']}'s carer"}])
    insert_rows(store, "raw_objects", [
        {"source": "PF1", "object_id": "PF1-O-1", "kind": "phone", "value": e["phone"]},
        {"source": "PF1", "object_id": "PF1-O-2", "kind": "phone", "value": "07700900999"},
    ])
    insert_rows(store, "raw_locations", [
        {"source": "PF1", "location_id": "PF1-L-1", "kind": "home", "postcode": e["postcode"]},
        {"source": "PF1", "location_id": "PF1-L-2", "kind": "hotel", "postcode": "AB1 2CD"},
    ])
    insert_rows(store, "raw_links", [
        {"source": "PF1", "from_type": "person", "from_id": e["person_id"], "to_type": "event",
         "to_id": "PF1-E-1", "role": "victim"},
        {"source": "PF1", "from_type": "person", "from_id": "PF1-P-2", "to_type": "event",
         "to_id": "PF1-E-1", "role": "suspect"},
        {"source": "PF1", "from_type": "person", "from_id": e["person_id"], "to_type": "object",
         "to_id": "PF1-O-1", "role": "user"},
        {"source": "PF1", "from_type": "person", "from_id": e["person_id"], "to_type": "location",
         "to_id": "PF1-L-1", "role": "resident"},
        {"source": "PF1", "from_type": "person", "from_id": e["person_id"], "to_type": "location",
         "to_id": "PF1-L-2", "role": "visited"},
        {"source": "PF1", "from_type": "person", "from_id": "PF1-P-2", "to_type": "location",
         "to_id": "PF1-L-2", "role": "visited"},
        {"source": "PF1", "from_type": "person", "from_id": "PF1-P-2", "to_type": "object",
         "to_id": "PF1-O-2", "role": "owner"},
    ])
    insert_rows(store, "raw_notes", [
        {"source": "PF1", "note_id": "PF1-N-1", "about_type": "person", "about_id": e["person_id"],
         "text": f"{e['forename']} seen at the hotel"},
        {"source": "PF1", "note_id": "PF1-N-2", "about_type": "person", "about_id": "PF1-P-2",
         "text": "seen driving"},
        # about the shared event: stays, but the erased person's details are masked in its text
        {"source": "PF1", "note_id": "PF1-N-3", "about_type": "event", "about_id": "PF1-E-1",
         "text": f"{e['forename']} {e['surname']} ({e['phone']}) and Robin Other at the hotel"},
    ])
    # Derived tables as later stages will write them (contracts in docs/dev/helpers.md).
    store.execute("CREATE TABLE entity_persons (source VARCHAR, person_id VARCHAR, entity_id VARCHAR)")
    insert_rows(store, "entity_persons", [
        {"source": "PF1", "person_id": e["person_id"], "entity_id": "ENT-1"},
        {"source": "LA1", "person_id": "LA1-C-1", "entity_id": "ENT-1"},
        {"source": "PF1", "person_id": "PF1-P-2", "entity_id": "ENT-2"},
        {"source": "LA1", "person_id": "LA1-C-2", "entity_id": "ENT-3"},
        {"source": "NHS1", "person_id": "NHS1-H-1", "entity_id": "ENT-4"},
    ])
    store.execute("CREATE TABLE entity_pairs (source_l VARCHAR, person_id_l VARCHAR, source_r VARCHAR, "
                  "person_id_r VARCHAR, match_weight DOUBLE)")
    insert_rows(store, "entity_pairs", [
        {"source_l": "PF1", "person_id_l": e["person_id"], "source_r": "LA1", "person_id_r": "LA1-C-1",
         "match_weight": 12.5},
        {"source_l": "LA1", "person_id_l": "LA1-C-2", "source_r": "NHS1", "person_id_r": "NHS1-H-1",
         "match_weight": -3.0},
    ])
    store.execute("CREATE TABLE entity_summary (entity_id VARCHAR, display_name VARCHAR, phones VARCHAR)")
    insert_rows(store, "entity_summary", [
        {"entity_id": "ENT-1", "display_name": f"{e['forename']} {e['surname']}", "phones": e["phone"]},
        {"entity_id": "ENT-2", "display_name": "Robin Other", "phones": "07700900999"},
    ])
    store.execute("CREATE TABLE entity_objects (source VARCHAR, object_id VARCHAR, entity_id VARCHAR, "
                  "kind VARCHAR, canonical VARCHAR)")
    insert_rows(store, "entity_objects", [
        {"source": "PF1", "object_id": "PF1-O-1", "entity_id": "OBJ-1", "kind": "phone", "canonical": e["phone"]},
        {"source": "PF1", "object_id": "PF1-O-2", "entity_id": "OBJ-2", "kind": "phone",
         "canonical": "07700900999"},
    ])
    store.execute("CREATE TABLE definition_victims (definition_id VARCHAR, source VARCHAR, person_id VARCHAR, "
                  "entity_id VARCHAR)")
    insert_rows(store, "definition_victims", [
        {"definition_id": "gbcse-iicsa-2019", "source": "PF1", "person_id": e["person_id"], "entity_id": "ENT-1"},
        {"definition_id": "gbcse-iicsa-2019", "source": "LA1", "person_id": "LA1-C-2", "entity_id": "ENT-3"},
    ])
    store.execute("CREATE TABLE group_members (group_id VARCHAR, entity_id VARCHAR, role VARCHAR)")
    insert_rows(store, "group_members", [
        {"group_id": "G1", "entity_id": "ENT-2", "role": "offender"},
        {"group_id": "G1", "entity_id": "ENT-1", "role": "victim"},
    ])
    store.execute("CREATE TABLE edge_evidence (entity_a VARCHAR, entity_b VARCHAR, source VARCHAR, "
                  "event_id VARCHAR)")
    insert_rows(store, "edge_evidence", [
        {"entity_a": "ENT-2", "entity_b": "ENT-1", "source": "PF1", "event_id": "PF1-E-1"},
    ])
    store.execute("CREATE TABLE language_findings (source VARCHAR, note_id VARCHAR, text VARCHAR)")
    insert_rows(store, "language_findings", [
        {"source": "PF1", "note_id": "PF1-N-1", "text": f"{e['forename']} seen"},
        {"source": "PF1", "note_id": "PF1-N-2", "text": "seen driving"},
        {"source": "PF1", "note_id": "PF1-N-3", "text": f"{e['forename']} {e['surname']}"},
    ])
    store.execute("CREATE TABLE report_cache (key VARCHAR, body VARCHAR)")
    insert_rows(store, "report_cache", [{"key": "profile", "body": f"... {e['surname']} ..."}])
