"""Ingest never loses a row and says exactly what is wrong."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearpicture import Store, ingest
from clearpicture.cli import main
from ingestrows import PERSON_COLS, balanced, person_row


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_loads_clean_rows_and_reingest_changes_nothing(tmp_path: Path) -> None:
    f = _write_csv(tmp_path / "persons.csv", PERSON_COLS, [person_row(str(i)) for i in range(50)])
    store = Store()
    first = ingest.run(store, [f]).counts["tables"]["persons"]
    assert first == {"read": 50, "loaded": 50, "quarantined": 0, "unchanged": 0, "invalid_values": 0}
    again = ingest.run(store, [f]).counts["tables"]["persons"]
    assert again["loaded"] == 0 and again["unchanged"] == 50
    assert store.count("raw_persons") == 50 and store.count("history_persons") == 0


def test_changed_row_replaces_old_version_kept_in_history(tmp_path: Path) -> None:
    store = Store()
    ingest.run(store, [_write_csv(tmp_path / "persons.csv", PERSON_COLS, [person_row("1"), person_row("2")])])
    (tmp_path / "v2").mkdir()
    f2 = _write_csv(tmp_path / "v2" / "persons.csv", PERSON_COLS, [person_row("1", surname="Khan-Ali"), person_row("2")])
    counts = ingest.run(store, [f2]).counts["tables"]["persons"]
    assert counts["loaded"] == 1 and counts["unchanged"] == 1
    assert store.sql("SELECT surname FROM raw_persons WHERE person_id = '1'") == [("Khan-Ali",)]
    assert store.sql("SELECT surname FROM history_persons WHERE person_id = '1'") == [("Khan",)]


def test_quarantines_rows_without_identity_and_duplicates_with_line_and_reason(tmp_path: Path) -> None:
    rows = [person_row("1"), person_row(""), person_row("2", source=""), person_row("1", forename="Other")]
    f = _write_csv(tmp_path / "persons.csv", PERSON_COLS, rows)
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert counts == {"read": 4, "loaded": 1, "quarantined": 3, "unchanged": 0, "invalid_values": 0}
    q = store.sql("SELECT row_number, column_name, reason FROM quarantine ORDER BY row_number")
    assert q[0] == (3, "person_id", "no identity: person_id is empty")
    assert q[1] == (4, "source", "no identity: source is empty")
    assert q[2][0] == 5 and "duplicate id" in q[2][2] and "line 2" in q[2][2]
    raw = json.loads(store.sql("SELECT raw FROM quarantine WHERE row_number = 5")[0][0])
    assert raw["forename"] == "Other"  # the raw row is kept


def test_invalid_values_keep_the_row_and_raw_value(tmp_path: Path) -> None:
    rows = [person_row("1", date_of_birth="2031-01-01", sex="female"), person_row("2", date_of_birth="31/02/2009")]
    store = Store()
    counts = ingest.run(store, [_write_csv(tmp_path / "persons.csv", PERSON_COLS, rows)]).counts["tables"]["persons"]
    assert counts["loaded"] == 2 and counts["invalid_values"] == 3
    got = store.sql("SELECT person_id, date_of_birth, date_of_birth_raw, sex, sex_raw FROM raw_persons ORDER BY 1")
    assert got == [("1", None, "2031-01-01", None, "female"), ("2", None, "31/02/2009", "F", "F")]
    reasons = {r[0] for r in store.sql("SELECT reason FROM field_issues")}
    assert reasons == {"date in the future", "unknown code for sex", "not a date in the form YYYY-MM-DD"}


def test_malformed_and_undecodable_rows_are_quarantined(tmp_path: Path) -> None:
    f = tmp_path / "persons.csv"
    good = ",".join(person_row("1"))
    f.write_bytes(
        (",".join(PERSON_COLS) + "\n" + good + "\n" + "NMP,2,too,few\n" + good.replace(",1,", ",3,") + ",extra\n").encode()
        + b"NMP,4,J\xffo" + b"," * (len(PERSON_COLS) - 3) + b"\n"
    )
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert counts["read"] == 4 and counts["loaded"] == 1 and counts["quarantined"] == 3
    reasons = [r[0] for r in store.sql("SELECT reason FROM quarantine ORDER BY row_number")]
    assert reasons[0].startswith("wrong field count") and reasons[1].startswith("wrong field count")
    assert reasons[2] == "bytes that are not UTF-8"


def test_missing_required_column_stops_that_table_with_one_line(tmp_path: Path) -> None:
    _write_csv(tmp_path / "persons.csv", ["source", "forename"], [["NMP", "Asha"]])
    _write_csv(tmp_path / "sources.csv", ["source", "name", "kind"], [["NMP", "Northmoor Police", "police"]])
    result = CliRunner().invoke(main, ["ingest", str(tmp_path), "--db", str(tmp_path / "w.duckdb"), "--json"])
    assert result.exit_code == 3
    assert "persons.csv: required column 'person_id' of persons is missing" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    doc = json.loads(result.stdout)
    assert doc["tables"]["sources"]["loaded"] == 1 and "persons" not in doc["tables"]


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\x01\x02binary\xff" * 100, os.urandom(4096), b"a" * 300_000 + b"\n1\n", b'"unclosed,quote\n1,2\n'],
    ids=["empty", "nul-bytes", "random", "huge-field", "broken-quote"],
)
def test_hostile_files_give_one_line_errors_not_tracebacks(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "persons.csv").write_bytes(content)
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "persons.csv"), "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip().count("\n") == 0 and "persons.csv" in result.stderr


def test_reads_zip_parquet_jsonl_and_xlsx(tmp_path: Path) -> None:
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [person_row(str(i)) for i in range(5)]
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    _write_csv(pkg / "persons.csv", PERSON_COLS, rows)
    (pkg / "truth").mkdir()
    _write_csv(pkg / "truth" / "persons.csv", ["source", "person_id", "true_person"], [["NMP", "0", "P1"]])
    with zipfile.ZipFile(tmp_path / "pkg.zip", "w") as zf:
        for p in pkg.rglob("*"):
            zf.write(p, p.relative_to(pkg))
    store = Store()
    assert ingest.run(store, [tmp_path / "pkg.zip"]).counts["tables"]["persons"]["loaded"] == 5

    for fmt in ("parquet", "jsonl", "xlsx"):
        d = tmp_path / fmt
        d.mkdir()
        recs = [dict(zip(PERSON_COLS, person_row(f"{fmt}{i}"), strict=True)) for i in range(3)]
        if fmt == "parquet":
            pq.write_table(pa.Table.from_pylist(recs), d / "persons.parquet")
        elif fmt == "jsonl":
            (d / "persons.jsonl").write_text("\n".join(json.dumps(r) for r in recs) + "\nnot json\n")
        else:
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.append(PERSON_COLS)
            for r in recs:
                ws.append([r[c] or None for c in PERSON_COLS])
            wb.save(d / "persons.xlsx")
        counts = ingest.run(store, [d]).counts["tables"]["persons"]
        assert counts["loaded"] == 3, fmt
        assert balanced(counts)
    assert store.sql("SELECT reason FROM quarantine WHERE file LIKE '%jsonl'")[0][0].startswith("not a JSON object")


cells = st.one_of(st.just(""), st.text(min_size=0, max_size=12), st.sampled_from(["1", "2", "NMP", "F", "2009-01-01"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, min_size=1, max_size=len(PERSON_COLS) + 2), min_size=1, max_size=30))
def test_accounting_always_balances(tmp_path: Path, rows: list[list[str]]) -> None:
    f = tmp_path / "persons.csv"
    with f.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(PERSON_COLS)
        w.writerows(rows)
    store = Store()
    for _ in range(2):  # a second ingest must balance too (everything unchanged or quarantined)
        counts = ingest.run(store, [f]).counts["tables"]["persons"]
        assert balanced(counts)
        assert counts["read"] >= 1


KILL_SCRIPT = """
import os, signal, sys
from clearpicture import Store, ingest
store = Store(sys.argv[1])
seen = []
def on_file(phase, name):
    seen.append(phase)
    if seen.count("loading") == 2:  # the first file is already loaded inside the open transaction
        os.kill(os.getpid(), signal.SIGKILL)
ingest.run(store, [sys.argv[2]], on_file=on_file)
"""


def test_killed_ingest_leaves_store_unchanged_and_rerun_completes(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    _write_csv(pkg / "sources.csv", ["source", "name", "kind"], [["NMP", "Northmoor Police", "police"]])
    _write_csv(pkg / "persons.csv", PERSON_COLS, [person_row(str(i)) for i in range(2000)])
    db = tmp_path / "w.duckdb"
    Store(db).close()
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(db), str(pkg)], capture_output=True)
    assert proc.returncode == -9
    with Store(db) as store:
        assert store.count("raw_sources") == 0 and store.count("raw_persons") == 0
        assert store.sql("SELECT count(*) FROM runs WHERE stage = 'ingest'") == [(0,)]
        counts = ingest.run(store, [pkg]).counts["tables"]
        assert counts["persons"]["loaded"] == 2000 and counts["sources"]["loaded"] == 1


def test_each_ingest_writes_one_collection_row_to_the_audit_log(tmp_path: Path) -> None:
    from clearpicture.security import verify

    f = _write_csv(tmp_path / "persons.csv", PERSON_COLS, [person_row("1"), person_row("2")])
    store = Store()
    result = ingest.run(store, [f], justification="quarterly refresh")
    rows = store.dicts("SELECT action, what, justification FROM audit_log")
    assert len(rows) == 1 and rows[0]["action"] == "collection"
    assert result.run_id in rows[0]["what"] and rows[0]["justification"] == "quarterly refresh"
    assert "Asha" not in rows[0]["what"]  # the log names the run, never the people collected
    assert verify(store).ok


def test_nul_bytes_in_data_rows_are_data_but_in_the_header_line_refuse_the_file(tmp_path: Path) -> None:
    """Found by the accounting property: two NUL bytes in a tiny file made the whole file "binary"."""
    f = tmp_path / "persons.csv"
    f.write_bytes(b"source,person_id,forename,surname\nNMP,1,Ann,Lee\nNMP,2,Bo\x00b,Lee\n")
    counts = ingest.run(Store(), [f]).counts
    assert counts["errors"] == [] and balanced(counts["tables"]["persons"])
    assert counts["tables"]["persons"]["read"] == 2
    f.write_bytes("source,person_id\nNMP,1\n".encode("utf-16-le"))
    counts = ingest.run(Store(), [f]).counts
    assert "persons" not in counts["tables"]
    assert len(counts["errors"]) == 1 and "persons.csv" in counts["errors"][0] and "NUL" in counts["errors"][0]
