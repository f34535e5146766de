"""Erasure removes the person from every table, keeps everyone else, and logs without content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from trustworld import ERASED, build_world

from clearpicture.cli import main
from clearpicture.errors import AccessDenied, InputError
from clearpicture.security import audit, local_operator
from clearpicture.security.erasure import erase_person
from clearpicture.security.permissions import Actor
from clearpicture.store import Store

SECRETS = [ERASED["person_id"], ERASED["surname"], "Quilfeather", ERASED["phone"], ERASED["postcode"],
           ERASED["dob"]]
PERSON = (ERASED["source"], ERASED["person_id"])


def holdings(store: Store) -> dict[str, list[str]]:
    """Every table and column (all of them, audit log included) holding any of the person's details."""
    found: dict[str, list[str]] = {}
    tables = [r[0] for r in store.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'")]
    for table in tables:
        cols = [r[0] for r in store.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table])]
        # one pass over the table first; column by column only where something is there
        everything = ", ".join(f'coalesce(CAST("{c}" AS VARCHAR), \'\')' for c in cols)
        if not any(store.sql(f'SELECT 1 FROM "{table}" WHERE contains(concat_ws(chr(31), {everything}), ?) '
                             "LIMIT 1", [secret]) for secret in SECRETS):
            continue
        for col in cols:
            for secret in SECRETS:
                if store.sql(f'SELECT 1 FROM "{table}" WHERE contains(CAST("{col}" AS VARCHAR), ?) LIMIT 1',
                             [secret]):
                    found.setdefault(table, []).append(f"{col}:{secret}")
    return found


def _disclosures(store: Store, export_file: Path) -> None:
    export_file.write_text(f"source,person_id\nPF1,{ERASED['person_id']}\n")
    audit.record(store, "ana", "disclosure", {"export": "persons", "persons": [PERSON, ("PF1", "PF1-P-2")],
                                              "path": str(export_file)},
                 justification="strategy meeting", recipient="LA1 safeguarding hub")
    audit.record(store, "ana", "disclosure", {"export": "profile", "sources": ["LA1"]},
                 justification="board", recipient="LA1 board")
    audit.record(store, "ana", "disclosure", {"export": "return", "sources": ["*"]},
                 justification="annual return", recipient="National audit")
    audit.record(store, "ana", "disclosure", {"export": "x", "persons": [("PF1", "PF1-P-2")]},
                 justification="other", recipient="Not this one")


@pytest.fixture()
def full_world(world: Store, tmp_path: Path) -> Store:
    world.execute("INSERT INTO quarantine VALUES ('r1', 'persons', 'p.csv', 7, 'person_id', 'repeat', ?)",
                  [json.dumps({"source": "PF1", "person_id": ERASED["person_id"], "phone": ERASED["phone"]})])
    world.execute("INSERT INTO quarantine VALUES ('r1', 'persons', 'p.csv', 8, 'person_id', 'repeat', ?)",
                  [json.dumps({"source": "PF1", "person_id": "PF1-P-9002"})])
    world.execute("INSERT INTO field_issues VALUES ('r1', 'persons', 'PF1', ?, 'p.csv', 3, 'date_of_birth', ?, "
                  "'not a date')", [ERASED["person_id"], ERASED["dob"]])
    _disclosures(world, tmp_path / "export.csv")
    return world


def test_after_erasure_no_table_holds_the_persons_details(full_world: Store) -> None:
    assert holdings(full_world)  # the search can see them beforehand
    result = erase_person(full_world, local_operator(), *PERSON, reason="out of scope at MoPI review")
    assert holdings(full_world) == {}
    assert result.residual == []


def test_erasure_keeps_everyone_else(full_world: Store) -> None:
    erase_person(full_world, local_operator(), *PERSON, reason="out of scope")
    s = full_world
    assert s.sql("SELECT source, person_id FROM raw_persons ORDER BY 1, 2") == [
        ("LA1", "LA1-C-1"), ("LA1", "LA1-C-2"), ("NHS1", "NHS1-H-1"), ("PF1", "PF1-P-2")]
    assert s.sql("SELECT count(*) FROM raw_links WHERE from_id = 'PF1-P-2'") == [(3,)]
    assert s.sql("SELECT object_id FROM raw_objects") == [("PF1-O-2",)]  # the erased person's phone goes
    assert s.sql("SELECT location_id FROM raw_locations") == [("PF1-L-2",)]  # a shared place stays
    assert s.sql("SELECT note_id FROM raw_notes ORDER BY 1") == [("PF1-N-2",), ("PF1-N-3",)]
    assert s.sql("SELECT note_id FROM language_findings ORDER BY 1") == [("PF1-N-2",), ("PF1-N-3",)]
    assert s.sql("SELECT source, person_id, entity_id FROM entity_persons WHERE entity_id = 'ENT-1'") == [
        ("LA1", "LA1-C-1", "ENT-1")]
    assert s.sql("SELECT person_id_l FROM entity_pairs") == [("LA1-C-2",)]
    assert s.sql("SELECT entity_id FROM group_members") == [("ENT-2",)]
    assert s.count("edge_evidence") == 0 and s.count("report_cache") == 0
    assert s.sql("SELECT person_id FROM definition_victims") == [("LA1-C-2",)]
    assert s.sql("SELECT row_number FROM quarantine") == [(8,)]  # another id stays
    assert s.count("field_issues") == 0
    assert s.sql("SELECT value FROM meta WHERE key = 'stale_after_erasure'") == [('["link", "groups", "definitions", "language", "estimate", "investigations"]',)]


def test_shared_records_keep_their_text_with_the_persons_details_masked(full_world: Store) -> None:
    text_before = full_world.sql("SELECT text FROM raw_notes WHERE note_id = 'PF1-N-3'")[0][0]
    result = erase_person(full_world, local_operator(), *PERSON, reason="out of scope")
    text = full_world.sql("SELECT text FROM raw_notes WHERE note_id = 'PF1-N-3'")[0][0]
    assert len(text) == len(text_before)  # masked character for character: offsets still hold
    assert text == "\u2588" * 7 + " " + "\u2588" * 12 + " (" + "\u2588" * 11 + ") and Robin Other at the hotel"
    finding = full_world.sql("SELECT text FROM language_findings WHERE note_id = 'PF1-N-3'")[0][0]
    assert set(finding) <= {"\u2588", " "}
    assert full_world.sql("SELECT offence_description FROM raw_events")[0][0].startswith("Report by \u2588")
    assert full_world.sql("SELECT text FROM raw_notes WHERE note_id = 'PF1-N-2'")[0][0] == "seen driving"
    # one per detail per cell: forename, surname and phone in the note; two in the finding
    assert result.masked == {"language_findings": 2, "raw_events": 1, "raw_notes": 3}


def test_erasure_writes_one_content_free_row_naming_recipients(full_world: Store, tmp_path: Path) -> None:
    before = audit.show(full_world)
    result = erase_person(full_world, local_operator(), *PERSON, reason="out of scope")
    rows = audit.show(full_world)
    assert len(rows) == len(before) + 1
    row = rows[-1]
    assert (row["action"], row["allowed"], row["justification"]) == ("erasure", True, "out of scope")
    assert row["what"]["notify"] == ["LA1 safeguarding hub", "National audit"] == result.notify
    assert row["what"]["person_ref"] == result.person_ref
    assert row["what"]["rows_removed"] == sum(result.deleted.values()) > 10
    assert not any(secret in json.dumps(row, default=str) for secret in SECRETS)
    assert result.exports_holding_person == [str(tmp_path / "export.csv")]
    assert audit.verify(full_world).ok


def test_reason_with_personal_details_is_refused_and_nothing_is_removed(world: Store) -> None:
    with pytest.raises(InputError, match="reason"):
        erase_person(world, local_operator(), *PERSON, reason=f"{ERASED['surname']} moved away")
    assert world.sql("SELECT count(*) FROM raw_persons WHERE person_id = ?", [ERASED["person_id"]]) == [(1,)]


def test_reason_check_matches_whole_words_only(world: Store) -> None:
    result = erase_person(world, local_operator(), *PERSON, reason="Zebedeeish review: out of scope")
    assert result.audit_seq > 0  # "Zebedeeish" is not the forename "Zebedee"


def test_only_a_recently_signed_in_admin_may_erase(world: Store) -> None:
    analyst = Actor("ana", "analyst", frozenset({"PF1"}))
    with pytest.raises(AccessDenied):
        erase_person(world, analyst, *PERSON, reason="out of scope")
    stale_admin = Actor("adm", "admin")  # never re-authenticated
    with pytest.raises(AccessDenied):
        erase_person(world, stale_admin, *PERSON, reason="out of scope")
    rows = audit.show(world, action="erasure")
    assert [r["allowed"] for r in rows] == [False, False]
    assert world.sql("SELECT count(*) FROM raw_persons WHERE person_id = ?", [ERASED["person_id"]]) == [(1,)]


def test_unknown_person_is_an_input_error(world: Store) -> None:
    with pytest.raises(InputError, match="no record"):
        erase_person(world, local_operator(), "PF1", "PF1-P-0000", reason="out of scope")


def test_erasure_covers_tables_added_later_by_convention(world: Store) -> None:
    world.execute("CREATE TABLE investigation_queue (case_source VARCHAR, left_source VARCHAR, "
                  "left_person_id VARCHAR, note VARCHAR)")
    world.execute("INSERT INTO investigation_queue VALUES ('PF1', 'PF1', ?, 'x'), ('PF1', 'PF1', 'PF1-P-2', 'y')",
                  [ERASED["person_id"]])
    erase_person(world, local_operator(), *PERSON, reason="out of scope")
    assert world.sql("SELECT left_person_id FROM investigation_queue") == [("PF1-P-2",)]


def test_cli_erase_reports_in_json_and_removes_exports(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    export = tmp_path / "export.csv"
    with Store(db) as s:
        build_world(s)
        _disclosures(s, export)
    r = CliRunner().invoke(main, ["erase", "--db", str(db), "--person", f"PF1/{ERASED['person_id']}",
                                  "--reason", "out of scope", "--json", "--remove-exports"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["tables"]["raw_persons"] == 1 and doc["residual"] == []
    assert doc["exports_removed"] == [str(export)] and not export.exists()
    assert doc["file_rewritten"] is True and doc["file_not_rewritten"] is None
    assert doc["notify"] == ["LA1 safeguarding hub", "National audit"]
    again = CliRunner().invoke(main, ["erase", "--db", str(db), "--person", f"PF1/{ERASED['person_id']}",
                                      "--reason", "out of scope"])
    assert again.exit_code == 3
    ok = CliRunner().invoke(main, ["audit", "verify", "--db", str(db)])
    assert ok.exit_code == 0


def test_same_id_in_another_source_is_neither_erased_nor_reported(world: Store) -> None:
    world.execute("INSERT INTO raw_persons (source, person_id, forename) VALUES ('LA1', ?, 'Other')",
                  [ERASED["person_id"]])
    result = erase_person(world, local_operator(), *PERSON, reason="out of scope")
    assert result.residual == []
    assert world.sql("SELECT source FROM raw_persons WHERE person_id = ?", [ERASED["person_id"]]) == [("LA1",)]


def test_list_columns_and_json_reasons_are_handled(world: Store) -> None:
    """Shapes the real stages write: name lists per record, JSON reasons on event-level flags."""
    world.execute("CREATE TABLE entity_person_features (unique_id VARCHAR, source VARCHAR, person_id VARCHAR, "
                  "all_names VARCHAR[])")
    world.execute("INSERT INTO entity_person_features VALUES (?, 'PF1', ?, ?), ('PF1|PF1-P-2', 'PF1', 'PF1-P-2', "
                  "['robin'])", [f"PF1|{ERASED['person_id']}", ERASED["person_id"], ["zebedee", "quillfeather"]])
    world.execute("CREATE TABLE definition_cases (definition_id VARCHAR, source VARCHAR, event_id VARCHAR, "
                  "reasons VARCHAR)")
    world.execute("INSERT INTO definition_cases VALUES ('d', 'PF1', 'PF1-E-1', ?)",
                  [json.dumps({"evidence": {"victim_age_under: 18": f"PF1/{ERASED['person_id']} aged 14"}})])
    result = erase_person(world, local_operator(), *PERSON, reason="out of scope")
    assert world.sql("SELECT person_id FROM entity_person_features") == [("PF1-P-2",)]
    reasons = json.loads(world.sql("SELECT reasons FROM definition_cases")[0][0])  # still valid JSON
    assert ERASED["person_id"] not in json.dumps(reasons) and "aged 14" in json.dumps(reasons)
    assert result.residual == []


def test_a_place_another_record_points_at_is_shared_and_its_events_stay(world: Store) -> None:
    """An event refers to its place by ``location_id`` (not through a link): a place linked only to
    the erased person but where someone else's crime happened is shared, so neither the place nor
    the other child's crime record (nor rows derived from it) may go with the person."""
    world.execute("INSERT INTO raw_events (source, event_id, kind, location_id) "
                  "VALUES ('PF1', 'PF1-E-7', 'crime', 'PF1-L-1')")
    world.execute("INSERT INTO raw_links (source, from_type, from_id, to_type, to_id, role) "
                  "VALUES ('PF1', 'person', 'PF1-P-2', 'event', 'PF1-E-7', 'victim')")
    world.execute("CREATE TABLE group_events (group_id VARCHAR, source VARCHAR, event_id VARCHAR, "
                  "location_id VARCHAR)")
    world.execute("INSERT INTO group_events VALUES ('G1', 'PF1', 'PF1-E-7', 'PF1-L-1')")
    result = erase_person(world, local_operator(), *PERSON, reason="out of scope")
    assert world.sql("SELECT event_id FROM raw_events WHERE event_id = 'PF1-E-7'") == [("PF1-E-7",)]
    assert world.sql("SELECT count(*) FROM group_events")[0][0] == 1
    assert world.sql("SELECT location_id FROM raw_locations WHERE location_id = 'PF1-L-1'") == [("PF1-L-1",)]
    # the place stays but is not the erased person's any more: the link to it goes
    assert world.sql("SELECT count(*) FROM raw_links WHERE to_id = 'PF1-L-1'")[0][0] == 0
    assert "raw_events" not in result.deleted


def test_erased_details_do_not_survive_in_the_workspace_file(world: Store) -> None:
    """DuckDB frees a deleted row's blocks without overwriting them: unless the file is rewritten,
    the erased person's name and phone can still be read from the bytes of the workspace (and of any
    copy or backup of it made afterwards)."""
    world.execute("CHECKPOINT")
    before = Path(world.path).read_bytes()
    assert ERASED["surname"].encode() in before
    result = erase_person(world, local_operator(), *PERSON, reason="out of scope")
    assert result.file_rewritten
    world.execute("CHECKPOINT")
    after = Path(world.path).read_bytes()
    for secret in (ERASED["surname"], ERASED["phone"], ERASED["person_id"]):
        assert secret.encode() not in after, secret
    # the workspace is whole and still open: everyone else stays, the log still verifies
    assert world.sql("SELECT count(*) FROM raw_persons")[0][0] == 4
    assert audit.verify(world).ok
    assert ("PRIMARY KEY",) in world.sql(
        "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'audit_log'")


def test_an_encrypted_workspace_opened_with_a_key_not_in_the_environment_says_it_was_not_rewritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fresh file must be encrypted with the workspace's key; when only the caller knows it, the
    erasure still happens and says the file was not rewritten, rather than writing it unencrypted."""
    monkeypatch.delenv("CLEARPICTURE_DB_KEY", raising=False)
    with Store(tmp_path / "enc.duckdb", key="a key known to the caller only") as s:
        build_world(s)
        result = erase_person(s, local_operator(), *PERSON, reason="out of scope")
        assert not result.file_rewritten and "CLEARPICTURE_DB_KEY" in str(result.file_not_rewritten)
        assert s.sql("SELECT count(*) FROM raw_persons WHERE person_id = ?", [ERASED["person_id"]]) == [(0,)]


def test_an_entities_export_is_found_and_removed_by_a_later_erasure(tmp_path: Path) -> None:
    """``export entities`` logs its file's full path, so erasure can find the person in it."""
    db, out = tmp_path / "ws.duckdb", tmp_path / "sub" / "entities.csv"
    out.parent.mkdir()
    with Store(db) as s:
        build_world(s)
    runner = CliRunner()
    r = runner.invoke(main, ["export", "entities", "--db", str(db), "--out", str(out), "--recipient", "LA1 hub"])
    assert r.exit_code == 0, r.output
    assert ERASED["person_id"] in out.read_text()
    r = runner.invoke(main, ["erase", "--db", str(db), "--person", f"PF1/{ERASED['person_id']}",
                             "--reason", "out of scope", "--json", "--remove-exports"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["exports_removed"] == [str(out.resolve())] and not out.exists()
    assert "LA1 hub" in doc["notify"]
