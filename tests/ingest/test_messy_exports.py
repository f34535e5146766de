"""Real exports are messy: each test here is a damage found by feeding files to ``clearpicture ingest``.

Every test failed before its fix. The rule they hold: nothing is silently dropped or invented;
rows that cannot load are quarantined with a reason; read = loaded + quarantined + unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clearpicture import Store, ingest, standard
from ingestrows import PERSON_COLS, balanced, person_row


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def test_a_header_repeated_mid_file_is_quarantined_not_loaded_as_a_person(tmp_path: Path) -> None:
    """Two exports joined with ``cat`` repeat the header; it used to load as person 'person_id'."""
    first = _csv_text(PERSON_COLS, [person_row("1"), person_row("2")])
    second = _csv_text(PERSON_COLS, [person_row("3")])
    f = tmp_path / "persons.csv"
    f.write_text(first + second, encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert counts == {"read": 4, "loaded": 3, "quarantined": 1, "unchanged": 0, "invalid_values": 0}
    assert store.sql("SELECT count(*) FROM raw_persons WHERE person_id = 'person_id'") == [(0,)]
    ((row, reason),) = store.sql("SELECT row_number, reason FROM quarantine")
    assert row == 4 and "header row repeated" in reason
    assert store.sql("SELECT _row FROM raw_persons WHERE person_id = '3'") == [(5,)]  # later lines keep their numbers


def test_columns_named_with_other_case_or_spaces_are_read_not_left_empty(tmp_path: Path) -> None:
    """``Forename`` and ``Date of Birth`` were passed over: the forenames and dates loaded empty, unflagged."""
    header = ["Source", "PERSON_ID", "Forename", " surname ", "Date of Birth", "sex"]
    f = tmp_path / "persons.csv"
    f.write_text(_csv_text(header, [["NMP", "1", "Asha", "Khan", "2008-03-04", "F"]]), encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [f]).counts
    assert counts["errors"] == [] and counts["tables"]["persons"]["loaded"] == 1
    got = store.sql("SELECT source, person_id, forename, surname, date_of_birth_raw FROM raw_persons")
    assert got == [("NMP", "1", "Asha", "Khan", "2008-03-04")]


@pytest.mark.parametrize("pair", [("Forename", "FORENAME"), ("Date of Birth", "date_of_birth")])
def test_two_columns_naming_the_same_standard_column_refuse_the_file_naming_both(
        tmp_path: Path, pair: tuple[str, str]) -> None:
    """Was an engine message (``Binder Error: Duplicate struct entry name``) or a silent choice of one."""
    f = tmp_path / "persons.csv"
    f.write_text(_csv_text(["source", "person_id", *pair], [["NMP", "1", "x", "y"]]), encoding="utf-8")
    counts = ingest.run(Store(), [f]).counts
    assert "persons" not in counts["tables"]
    (error,) = counts["errors"]
    assert error.startswith(f"{f}: line 1: ") and f"'{pair[0]}'" in error and f"'{pair[1]}'" in error


def test_two_versions_of_one_record_in_one_ingest_quarantine_the_later_not_replace_silently(tmp_path: Path) -> None:
    """Two files of one delivery disagreeing about person 1: both used to count as loaded, one vanished."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "persons.csv").write_text(_csv_text(PERSON_COLS, [person_row("1"), person_row("2")]), encoding="utf-8")
    (tmp_path / "b" / "persons.csv").write_text(
        _csv_text(PERSON_COLS, [person_row("1", forename="Asma"), person_row("2"), person_row("3")]), encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [tmp_path / "a", tmp_path / "b"]).counts["tables"]["persons"]
    assert counts == {"read": 5, "loaded": 3, "quarantined": 1, "unchanged": 1, "invalid_values": 0}
    assert counts["loaded"] == store.count("raw_persons")
    assert store.sql("SELECT forename FROM raw_persons WHERE person_id = '1'") == [("Asha",)]
    ((file, row, reason),) = store.sql("SELECT file, row_number, reason FROM quarantine")
    assert file.endswith("b/persons.csv") and row == 2
    assert "duplicate id" in reason and "a/persons.csv line 2" in reason
    # The same delivery again changes nothing: the first version was unchanged, not a licence for
    # the second to replace it (it did: the first run's quarantine became the stored record).
    rerun = ingest.run(store, [tmp_path / "a", tmp_path / "b"]).counts["tables"]["persons"]
    assert rerun == {"read": 5, "loaded": 0, "quarantined": 1, "unchanged": 4, "invalid_values": 0}
    assert store.sql("SELECT forename FROM raw_persons WHERE person_id = '1'") == [("Asha",)]
    assert store.count("history_persons") == 0
    # A later ingest that changes the record still replaces it, keeping the old version in history.
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "persons.csv").write_text(_csv_text(PERSON_COLS, [person_row("1", forename="Asma")]),
                                                encoding="utf-8")
    again = ingest.run(store, [tmp_path / "c"]).counts["tables"]["persons"]
    assert again["loaded"] == 1 and again["quarantined"] == 0
    assert store.sql("SELECT forename FROM history_persons") == [("Asha",)]


def _package(folder: Path, rows: list[list[str]], *, name: str = "persons") -> Path:
    """A minimal data package: datapackage.json naming a persons file, and the file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "persons.csv").write_text(_csv_text(PERSON_COLS, rows), encoding="utf-8")
    resource = {"name": name, "path": "persons.csv", "format": "csv"}
    (folder / "datapackage.json").write_text(json.dumps({"resources": [resource]}), encoding="utf-8")
    return folder


def _zip(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as zf:
        for p in sorted(folder.rglob("*")):
            zf.write(p, p.relative_to(folder).as_posix())
    return out


def test_a_zip_holding_two_packages_reads_both(tmp_path: Path) -> None:
    """Only the first datapackage.json found in a zip was read; the second package vanished, exit 0."""
    _package(tmp_path / "z" / "north", [person_row("1"), person_row("2")])
    _package(tmp_path / "z" / "south", [person_row("3", source="SMP")])
    counts = ingest.run(Store(), [_zip(tmp_path / "z", tmp_path / "two.zip")]).counts
    assert counts["errors"] == []
    assert counts["tables"]["persons"] == {"read": 3, "loaded": 3, "quarantined": 0, "unchanged": 0,
                                           "invalid_values": 0}


def test_a_zip_of_loose_files_inside_a_folder_is_read(tmp_path: Path) -> None:
    """``export/persons.csv`` in a zip without a descriptor: 'no files of the standard found'."""
    (tmp_path / "z" / "export").mkdir(parents=True)
    (tmp_path / "z" / "export" / "persons.csv").write_text(_csv_text(PERSON_COLS, [person_row("1")]), encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [_zip(tmp_path / "z", tmp_path / "loose.zip")]).counts
    assert counts["tables"]["persons"]["loaded"] == 1
    assert store.sql("SELECT _file FROM raw_persons") == [(f"{tmp_path / 'loose.zip'}/export/persons.csv",)]


def test_a_package_resource_not_named_after_a_table_is_read_by_its_file_name_or_reported(tmp_path: Path) -> None:
    """A resource named ``people`` was passed over without a word (exit 0, no persons)."""
    pkg = _package(tmp_path / "pkg", [person_row("1")], name="people")
    counts = ingest.run(Store(), [pkg]).counts
    assert counts["tables"]["persons"]["loaded"] == 1 and counts["errors"] == []
    (pkg / "persons.csv").rename(pkg / "people.csv")
    (pkg / "datapackage.json").write_text(json.dumps({"resources": [{"name": "people", "path": "people.csv"}]}),
                                          encoding="utf-8")
    counts = ingest.run(Store(), [pkg]).counts
    (error,) = counts["errors"]
    assert error.startswith(f"{pkg}/people.csv: ") and "'people'" in error and error.endswith("not read")


def test_data_files_beside_the_ones_read_are_reported_not_passed_over(tmp_path: Path) -> None:
    """events.csv next to a descriptor that does not list it, and ``Persons.csv`` in a folder, were ignored."""
    pkg = _package(tmp_path / "pkg", [person_row("1")])
    (pkg / "events.csv").write_text("source,event_id,kind\nNMP,E1,crime\n", encoding="utf-8")
    counts = ingest.run(Store(), [pkg]).counts
    assert counts["tables"]["persons"]["loaded"] == 1
    assert counts["errors"] == [f"{pkg}/events.csv: not listed in datapackage.json: not read"]

    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "sources.csv").write_text("source,name,kind\nNMP,Northmoor Police,police\n", encoding="utf-8")
    (loose / "Persons.csv").write_text(_csv_text(PERSON_COLS, [person_row("1")]), encoding="utf-8")
    (loose / "people.csv").write_text(_csv_text(PERSON_COLS, [person_row("2")]), encoding="utf-8")
    counts = ingest.run(Store(), [loose]).counts
    assert counts["tables"]["persons"]["loaded"] == 1 and counts["tables"]["sources"]["loaded"] == 1
    (error,) = counts["errors"]
    assert error.startswith(f"{loose}/people.csv: ") and error.endswith("not read")


def _lines(rows: list[list[str]]) -> list[bytes]:
    """Each row as CSV without its line ending (the test chooses the endings)."""
    out = []
    for r in rows:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="", quoting=csv.QUOTE_ALL).writerow(r)
        out.append(buf.getvalue().encode())
    return out


@pytest.mark.parametrize("ends", [
    [b"\r"] * 4,                                   # old Mac export: refused ("universal-newline mode?")
    [b"\n", b"\n", b"\r\n", b"\r\n"],              # a Unix export joined to a Windows one
    [b"\r\n", b"\r\n", b"\n", b"\n"],              # and the other way round
    [b"\r\n", b"\r", b"\n", b"\r\n"],
], ids=["cr", "lf-then-crlf", "crlf-then-lf", "all-three"])
def test_any_line_ending_and_a_mix_of_them_read_every_row(tmp_path: Path, ends: list[bytes]) -> None:
    """A mix of line endings glued rows together: quarantined as 'broken quoting', or read short."""
    header = ",".join(PERSON_COLS).encode()
    body = _lines([person_row("1"), person_row("2"), ["NMP", "3", "too", "few"], person_row("4")])
    f = tmp_path / "persons.csv"
    f.write_bytes(header + ends[0] + b"".join(line + end for line, end in zip(body, ends[1:] + [ends[0]],
                                                                            strict=True)))
    store = Store()
    counts = ingest.run(store, [f]).counts
    assert counts["errors"] == []
    assert counts["tables"]["persons"] == {"read": 4, "loaded": 3, "quarantined": 1, "unchanged": 0,
                                           "invalid_values": 0}
    assert store.sql("SELECT row_number, reason LIKE 'wrong field count%' FROM quarantine") == [(4, True)]
    assert store.sql("SELECT person_id, _row, sex FROM raw_persons ORDER BY 1") == [
        ("1", 2, "F"), ("2", 3, "F"), ("4", 5, "F")]


def test_excel_style_crlf_rows_with_line_breaks_inside_cells_keep_their_values(tmp_path: Path) -> None:
    """A guard for the fix above: Excel ends rows in CRLF and breaks lines in cells with LF (a mix)."""
    header = ",".join(PERSON_COLS).encode()
    body = _lines([person_row("1", aliases="Ash\nAsh K"), person_row("2")])
    f = tmp_path / "persons.csv"
    f.write_bytes(header + b"\r\n" + b"\r\n".join(body) + b"\r\n")
    store = Store()
    assert ingest.run(store, [f]).counts["tables"]["persons"]["loaded"] == 2
    assert store.sql("SELECT aliases, _row FROM raw_persons ORDER BY person_id") == [("Ash\nAsh K", 2), (None, 3)]


def test_a_json_array_file_is_one_clear_error_not_an_internal_error(tmp_path: Path) -> None:
    """``persons.json`` holding a JSON array made an empty CREATE TABLE: 'internal error', exit 70."""
    from click.testing import CliRunner

    from clearpicture.cli import main

    f = tmp_path / "persons.json"
    f.write_text(json.dumps([dict(zip(PERSON_COLS, person_row("1"), strict=True))]), encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(f), "--db", str(tmp_path / "w.duckdb"), "--json"])
    assert result.exit_code == 3, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert str(f) in line and "JSON Lines" in line and "internal" not in line
    assert json.loads(result.stdout)["tables"] == {}


def test_a_control_character_in_a_text_field_loads_as_recorded_and_is_a_field_issue(tmp_path: Path) -> None:
    """A NUL-padded or escape-laden name loaded as part of the value with nothing said."""
    f = tmp_path / "persons.csv"
    rows = [person_row("1", forename="Asha\x00"), person_row("2", surname="K\x1bhan", aliases="Ash\tAsh\nK"),
            person_row("3", forename="Zo\u0089")]
    f.write_text(_csv_text(PERSON_COLS, rows), encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert counts == {"read": 3, "loaded": 3, "quarantined": 0, "unchanged": 0, "invalid_values": 3}
    assert store.sql("SELECT forename FROM raw_persons WHERE person_id = '1'") == [("Asha\x00",)]  # kept as recorded
    issues = store.sql("SELECT row_number, column_name, reason FROM field_issues ORDER BY row_number")
    assert issues == [(2, "forename", "contains a control character (U+0000)"),
                      (3, "surname", "contains a control character (U+001B)"),
                      (4, "forename", "contains a control character (U+0089)")]  # tab and line feed are text


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_spreadsheet_date_cells_load_as_dates(tmp_path: Path) -> None:
    """A date cell came through as ``2008-03-04T00:00:00``: every date of birth in a workbook was invalid."""
    from datetime import datetime

    header = ["source", "person_id", "date_of_birth", "recorded_at"]
    f = _workbook(tmp_path / "persons.xlsx", {"Sheet1": [
        header, ["NMP", "1", datetime(2008, 3, 4), datetime(2023, 5, 6, 14, 30)], ["NMP", "2", 39511, None]]})
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert counts["loaded"] == 2 and counts["invalid_values"] == 1  # a bare serial number stays flagged
    got = store.sql("SELECT person_id, CAST(date_of_birth AS VARCHAR), CAST(recorded_at AS VARCHAR) "
                    "FROM raw_persons ORDER BY 1")
    assert got == [("1", "2008-03-04", "2023-05-06 14:30:00"), ("2", None, None)]


def test_a_workbook_with_data_on_several_sheets_is_not_read_from_the_first_alone(tmp_path: Path) -> None:
    """Sheets 'Q1' and 'Q2': Q2's records were dropped without a word."""
    header = ["source", "person_id"]
    f = _workbook(tmp_path / "persons.xlsx", {"Q1": [header, ["NMP", "1"]], "Q2": [header, ["NMP", "2"]],
                                               "Empty": []})
    counts = ingest.run(Store(), [f]).counts
    assert "persons" not in counts["tables"]
    (error,) = counts["errors"]
    assert error.startswith(f"{f}: ") and "'Q1'" in error and "'Q2'" in error and "'persons'" in error
    # A sheet named after the table says which sheet holds the records; a notes sheet may sit beside it.
    f = _workbook(tmp_path / "persons.xlsx", {"About": [["Exported 2024-05-01"]], "Persons": [header, ["NMP", "1"]]})
    counts = ingest.run(Store(), [f]).counts
    assert counts["errors"] == [] and counts["tables"]["persons"]["loaded"] == 1


@pytest.mark.parametrize(("sep", "word"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_says_so(tmp_path: Path, sep: str, word: str) -> None:
    """It said "required column 'source' of persons is missing" of a file whose header has source."""
    f = tmp_path / "persons.csv"
    f.write_text(sep.join(PERSON_COLS) + "\n" + sep.join(person_row("1")) + "\n", encoding="utf-8")
    (error,) = ingest.run(Store(), [f]).counts["errors"]
    assert error.startswith(f"{f}: line 1: ") and word in error and "missing" not in error


def test_a_missing_required_column_shows_the_columns_the_file_has(tmp_path: Path) -> None:
    f = tmp_path / "persons.csv"
    f.write_text("# exported 2024-05-01\nsource,person_id\nNMP,1\n", encoding="utf-8")
    (error,) = ingest.run(Store(), [f]).counts["errors"]
    assert error == f"{f}: required column 'source' of persons is missing (the file's columns: '# exported 2024-05-01')"


def test_a_byte_order_mark_before_a_quoted_header_or_a_json_line_is_not_data(tmp_path: Path) -> None:
    """BOM + '"source"' made the column '"source"' (file refused); BOM + '{' quarantined JSON line 1."""
    (tmp_path / "csv").mkdir()
    (tmp_path / "jsonl").mkdir()
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(PERSON_COLS)
    w.writerow(person_row("1"))
    (tmp_path / "csv" / "persons.csv").write_text(out.getvalue(), encoding="utf-8-sig", newline="")
    (tmp_path / "jsonl" / "persons.jsonl").write_text(
        json.dumps(dict(zip(PERSON_COLS, person_row("2"), strict=True))) + "\n", encoding="utf-8-sig")
    store = Store()
    counts = ingest.run(store, [tmp_path / "csv", tmp_path / "jsonl"]).counts
    assert counts["errors"] == []
    assert counts["tables"]["persons"] == {"read": 2, "loaded": 2, "quarantined": 0, "unchanged": 0,
                                           "invalid_values": 0}
    assert store.sql("SELECT source, person_id FROM raw_persons ORDER BY 2") == [("NMP", "1"), ("NMP", "2")]


def test_list_values_in_parquet_and_json_lines_become_the_standards_bar_separated_field(tmp_path: Path) -> None:
    """A list of flags loaded as '[CSE, GBCSE]' (Parquet) or '["CSE", "GBCSE"]' (JSON): no CSE flag counted."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "pq").mkdir()
    (tmp_path / "js").mkdir()
    pq.write_table(pa.table({"source": ["NMP", "NMP"], "event_id": ["E1", "E2"], "kind": ["crime", "crime"],
                             "flags": pa.array([["CSE", "GBCSE"], []], pa.list_(pa.string()))}),
                   tmp_path / "pq" / "events.parquet")
    (tmp_path / "js" / "events.jsonl").write_text(
        json.dumps({"source": "NMP", "event_id": "E3", "kind": "crime", "flags": ["cse", "MISSING"]}) + "\n"
        + json.dumps({"source": "NMP", "event_id": "E4", "kind": "crime", "flags": [{"code": "CSE"}]}) + "\n",
        encoding="utf-8")
    store = Store()
    ingest.run(store, [tmp_path / "pq", tmp_path / "js"])
    assert dict(store.sql("SELECT event_id, flags FROM raw_events")) == {
        "E1": "CSE|GBCSE", "E2": None, "E3": "cse|MISSING", "E4": '[{"code": "CSE"}]'}  # objects stay JSON


def test_formatted_empty_cells_right_of_a_spreadsheet_header_do_not_refuse_the_sheet(tmp_path: Path) -> None:
    """An empty but formatted cell after the last heading refused the file: 'column 4 has no name'."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["source", "person_id", "forename"])
    ws.append(["NMP", "1", "Asha"])
    ws.append(["NMP", "2", "Bo", None, "stray"])  # a value under no heading is an extra field
    ws.cell(row=1, column=6).font = Font(bold=True)
    f = tmp_path / "persons.xlsx"
    wb.save(f)
    store = Store()
    counts = ingest.run(store, [f]).counts
    assert counts["errors"] == []
    assert counts["tables"]["persons"] == {"read": 2, "loaded": 1, "quarantined": 1, "unchanged": 0,
                                           "invalid_values": 0}
    assert store.sql("SELECT row_number, reason FROM quarantine") == [(3, "wrong field count: 4 values for 3 columns")]


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_blank_rows_do_not_shift_the_row_numbers_of_the_rows_after_them(tmp_path: Path, end: str) -> None:
    """Good rows after a blank row got numbers one short per blank row (DuckDB counts blank rows in
    its rejects, not in the rows it returns), so row 3 in raw_persons was another record's row."""
    text = end.join([
        "source,person_id,forename,aliases",    # row 1
        "",                                     # 2 (blank)
        'NMP,1,Asha,"Ash' + end + end + 'K"',   # 3: a blank line inside a quoted value is not a row
        "",                                     # 4
        "NMP,2,Bo,,extra",                      # 5: wrong field count
        "NMP,3,Cy,",                            # 6
        "",                                     # 7
        "NMP,4,Di,",                            # 8
    ]) + end
    f = tmp_path / "persons.csv"
    f.write_bytes(text.encode())
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert counts == {"read": 4, "loaded": 3, "quarantined": 1, "unchanged": 0, "invalid_values": 0}
    assert store.sql("SELECT person_id, _row FROM raw_persons ORDER BY 1") == [("1", 3), ("3", 6), ("4", 8)]
    assert store.sql("SELECT row_number, raw FROM quarantine") == [(5, "NMP,2,Bo,,extra")]
    assert store.sql("SELECT aliases FROM raw_persons WHERE person_id = '1'") == [(f"Ash{end}{end}K",)]


_piece = st.sampled_from(["good", "blank", "short", "long", "multiline", "dup", "latin1", "header", "nul"])
_end = st.sampled_from([b"\n", b"\r\n", b"\r"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_piece, min_size=1, max_size=25), st.lists(_end, min_size=1, max_size=3))
@example(pieces=["good", "blank", "good"], ends=[b"\r", b"\n"])  # LF then a lone CR: a blank row too
@example(pieces=["good", "latin1"], ends=[b"\r\n"])  # the re-read Windows-1252 row came back empty
def test_every_row_number_points_at_the_row_it_came_from(tmp_path: Path, pieces: list[str],
                                                         ends: list[bytes]) -> None:
    """Provenance, not just accounting: the row number stored with a loaded or quarantined row is the
    row where a spreadsheet shows it (the accounting property could not see numbers being wrong).
    Rows end in one way or in a rotation of several (exports joined together)."""
    rows = [b"source,person_id,forename"]
    for i, kind in enumerate(pieces):
        rows.append({"good": f"NMP,{i},A".encode(), "blank": b"", "short": f"NMP,{i}".encode(),
                     "long": f"NMP,{i},A,B".encode(), "multiline": f'NMP,{i},"A\nB"'.encode(), "dup": b"NMP,0,Z",
                     "latin1": f"NMP,{i},Zo".encode() + b"\xeb", "header": rows[0],
                     "nul": f"NMP,{i},A\x00".encode()}[kind])
    f = tmp_path / "persons.csv"
    f.write_bytes(b"".join(r + ends[j % len(ends)] for j, r in enumerate(rows)))
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert balanced(counts) and counts["read"] == sum(k != "blank" for k in pieces)
    with f.open(newline="", encoding="utf-8", errors="replace") as fh:
        shown = dict(enumerate(csv.reader(fh), start=1))
    for pid, row in store.sql("SELECT person_id, _row FROM raw_persons"):
        assert shown[row][1] == pid
    for row, raw in store.sql("SELECT row_number, raw FROM quarantine"):
        assert shown[row] and shown[row][1].split("\ufffd")[0][:2] in raw


def test_a_comma_ending_every_line_is_an_unnamed_empty_column_not_a_refused_file(tmp_path: Path) -> None:
    """'source,person_id,forename,' refused the whole file ('column 4 has no name')."""
    f = tmp_path / "persons.csv"
    f.write_text("source,person_id,forename,\nNMP,1,Asha,\nNMP,2,Bo,stray\nNMP,3,Cy,\n", encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [f]).counts
    assert counts["errors"] == []
    assert counts["tables"]["persons"] == {"read": 3, "loaded": 2, "quarantined": 1, "unchanged": 0,
                                           "invalid_values": 0}
    ((row, column, reason, raw),) = store.sql("SELECT row_number, column_name, reason, raw FROM quarantine")
    assert (row, column, raw) == (3, None, "NMP,2,Bo,stray") and "no name" in reason  # the value is kept
    # Only the header ends in a comma: the rows are whole as they are.
    f.write_text("source,person_id,forename,\nNMP,1,Asha\nNMP,2,Bo\n", encoding="utf-8")
    counts = ingest.run(Store(), [f]).counts
    assert counts["errors"] == [] and counts["tables"]["persons"]["loaded"] == 2


def test_a_zip_lying_in_a_folder_is_reported_not_passed_over(tmp_path: Path) -> None:
    """A folder holding sources.csv and export.zip loaded the sources and said nothing of the zip."""
    _package(tmp_path / "inner", [person_row("1")])
    folder = tmp_path / "delivery"
    folder.mkdir()
    _zip(tmp_path / "inner", folder / "export.zip")
    (folder / "sources.csv").write_text("source,name,kind\nNMP,Northmoor Police,police\n", encoding="utf-8")
    counts = ingest.run(Store(), [folder]).counts
    assert counts["tables"]["sources"]["loaded"] == 1 and "persons" not in counts["tables"]
    (error,) = counts["errors"]
    assert error.startswith(f"{folder}/export.zip: ") and error.endswith("not read")


def test_a_descriptor_as_windows_tools_and_frictionless_write_it_is_read(tmp_path: Path) -> None:
    """A byte-order mark refused the whole package; format 'CSV' was 'unsupported'; a path listing
    two parts of one table, a URL and a '../' path were each skipped without a word."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (tmp_path / "secret.csv").write_text(_csv_text(PERSON_COLS, [person_row("9")]), encoding="utf-8")
    for part, pid in (("persons_1.csv", "1"), ("persons_2.csv", "2")):
        (pkg / part).write_text(_csv_text(PERSON_COLS, [person_row(pid)]), encoding="utf-8")
    resources = [{"name": "persons", "path": ["persons_1.csv", "persons_2.csv"], "format": "CSV"},
                 {"name": "events", "path": "https://example.org/events.csv"},
                 {"name": "notes", "path": "../secret.csv"}]
    (pkg / "datapackage.json").write_text(json.dumps({"resources": resources}), encoding="utf-8-sig")
    store = Store()
    counts = ingest.run(store, [pkg]).counts
    assert counts["tables"]["persons"]["loaded"] == 2 and set(counts["tables"]) == {"persons"}
    assert sorted(counts["errors"]) == [
        f"{pkg}/../secret.csv: a path outside the package folder (give the file beside datapackage.json): not read",
        f"{pkg}/https://example.org/events.csv: a path outside the package folder (give the file beside "
        "datapackage.json): not read"]
    assert store.sql("SELECT count(*) FROM raw_persons WHERE person_id = '9'") == [(0,)]


@pytest.mark.parametrize("name", ["persons.csv.gz", "persons.xls", "persons.tsv"])
def test_an_export_in_a_format_ingest_cannot_read_is_reported_not_passed_over(tmp_path: Path, name: str) -> None:
    (tmp_path / "sources.csv").write_text("source,name,kind\nNMP,Northmoor Police,police\n", encoding="utf-8")
    (tmp_path / name).write_bytes(b"\x1f\x8b\x08 not really")
    counts = ingest.run(Store(), [tmp_path]).counts
    assert counts["tables"]["sources"]["loaded"] == 1
    (error,) = counts["errors"]
    assert error.startswith(f"{tmp_path}/{name}: a ") and error.endswith("not read")


def test_columns_of_a_standard_file_that_name_no_standard_column_are_reported(tmp_path: Path) -> None:
    """'DOB' and 'Gender' in persons.csv were dropped without a word (no mapping names them)."""
    f = tmp_path / "persons.csv"
    f.write_text(_csv_text(["source", "person_id", "DOB", "Gender"], [["NMP", "1", "2008-03-04", "F"]]),
                 encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [f]).counts
    assert counts["tables"]["persons"]["loaded"] == 1  # the rows still load
    assert counts["errors"] == [f"{f}: 'DOB', 'Gender' are not columns of persons: not read (rename, or give --mapping)"]


def test_json_lines_are_staged_in_batches_with_columns_as_they_appear(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Every parsed line was held in memory before staging (about 1.5 kB a record: 15 GB for ten
    million); now a batch at a time, a key first seen late still becoming a column."""
    import tracemalloc

    from clearpicture.ingest import readers
    from clearpicture.ingest.discover import discover

    monkeypatch.setattr(readers, "BATCH", 500)
    f = tmp_path / "persons.jsonl"
    with f.open("w", encoding="utf-8") as fh:
        for i in range(20_000):
            rec = dict(zip(PERSON_COLS, person_row(str(i), forename=f"Asha{i:05d}" * 8), strict=True))
            if i == 19_999:
                rec["aliases"], rec["phone"] = "Ash", None
                del rec["surname"]
            fh.write(json.dumps(rec) + "\n")
    store = Store()
    tracemalloc.start()
    try:
        staged = readers.stage_file(store.con, discover([f])[0], "stg_test")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert staged.rows == 20_000 and peak < 8_000_000, peak  # all lines held: 35 MB
    assert store.sql("SELECT aliases, surname FROM stg_test WHERE _row IN (1, 20000) ORDER BY _row") == [
        (None, "Khan"), ("Ash", None)]


def test_no_break_spaces_and_tabs_around_a_value_are_not_part_of_it(tmp_path: Path) -> None:
    """'P1' + U+00A0 (a spreadsheet's no-break space) was a different person from 'P1', so the
    link to P1 pointed at a record that did not exist; a no-break space alone was an id."""
    (tmp_path / "persons.csv").write_text(_csv_text(PERSON_COLS, [
        person_row("P1\u00a0", forename="\tAsha\u202f"), person_row("\u00a0")]), encoding="utf-8")
    (tmp_path / "links.csv").write_text(
        "source,from_type,from_id,to_type,to_id,role\nNMP,person,P1,person,P1 ,associate\n", encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [tmp_path]).counts["tables"]
    assert store.sql("SELECT person_id, forename FROM raw_persons") == [("P1", "Asha")]
    assert counts["persons"]["quarantined"] == 1
    assert store.sql("SELECT reason FROM quarantine") == [("no identity: person_id is empty",)]
    assert store.sql("SELECT count(*) FROM raw_links l JOIN raw_persons p ON p.person_id = l.from_id") == [(1,)]


@pytest.mark.parametrize("end", [b"\n", b"\r"])
def test_a_row_that_is_not_utf8_is_kept_in_quarantine_as_its_bytes_read(tmp_path: Path, end: bytes) -> None:
    """The quarantined copy of a Windows-1252 row showed each undecodable byte as '?': 'Zoë' read 'Zo??'."""
    f = tmp_path / "persons.csv"
    f.write_bytes(end.join([b"source,person_id,forename", b"NMP,1,Asha", "NMP,2,Zoë O’Neil".encode("cp1252"),
                            b"NMP,3,Cy"]) + end)
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert counts["loaded"] == 2 and counts["quarantined"] == 1
    assert store.sql("SELECT row_number, reason, raw FROM quarantine") == [
        (3, "bytes that are not UTF-8", "NMP,2,Zoë O’Neil")]


def test_files_joined_end_to_end_with_their_byte_order_marks_load_as_one(tmp_path: Path) -> None:
    """The second file's byte-order mark hid its repeated header (loaded as person 'person_id') and
    quarantined its first JSON line."""
    part = _csv_text(PERSON_COLS, [person_row("1")]).encode("utf-8-sig")
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "persons.csv").write_bytes(part + _csv_text(PERSON_COLS, [person_row("2")]).encode("utf-8-sig"))
    (tmp_path / "js").mkdir()
    line = (json.dumps(dict(zip(PERSON_COLS, person_row("3"), strict=True))) + "\n").encode("utf-8-sig")
    (tmp_path / "js" / "persons.jsonl").write_bytes(line + line.replace(b'"3"', b'"4"'))
    store = Store()
    counts = ingest.run(store, [tmp_path / "csv", tmp_path / "js"]).counts["tables"]["persons"]
    assert store.sql("SELECT person_id FROM raw_persons ORDER BY 1") == [("1",), ("2",), ("3",), ("4",)]
    assert counts["quarantined"] == 1  # the repeated header
    assert "header row repeated" in store.sql("SELECT reason FROM quarantine")[0][0]


def test_a_long_unreadable_row_is_cut_in_quarantine_saying_so(tmp_path: Path) -> None:
    """The quarantined copy of a long row was cut at 10,000 characters with nothing to say so."""
    f = tmp_path / "persons.csv"
    f.write_text("source,person_id,forename\nNMP,1," + "x" * 12_000 + ",extra\n", encoding="utf-8")
    store = Store()
    ingest.run(store, [f])
    ((raw,),) = store.sql("SELECT raw FROM quarantine")
    assert raw.startswith("NMP,1,xxx") and raw.endswith("more characters not kept here: see the file at this row]")
    assert "2,012 more characters" in raw  # 12,012 in all


def test_a_code_in_other_case_is_that_code(tmp_path: Path) -> None:
    """'f' and 'm' for sex (or 'Crime' for an event kind) were unknown codes: the typed column
    stayed empty. They load as the code, the value as recorded kept raw; unknown codes still fail."""
    f = tmp_path / "persons.csv"
    f.write_text(_csv_text(PERSON_COLS, [person_row("1", sex="f"), person_row("2", sex="M"),
                                         person_row("3", sex="female")]), encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert counts["loaded"] == 3 and counts["invalid_values"] == 1
    assert store.sql("SELECT person_id, sex, sex_raw FROM raw_persons ORDER BY 1") == [
        ("1", "F", "f"), ("2", "M", "M"), ("3", None, "female")]
    ((field, reason),) = store.sql("SELECT column_name, reason FROM field_issues")
    assert field == "sex" and "unknown code" in reason


def test_no_two_codes_of_a_list_differ_only_by_case() -> None:
    """What makes reading a code in any case safe."""
    lists = {f.codelist for t in standard.TABLE_NAMES for f in standard.table(t).fields if f.codelist}
    for name in lists:
        codes = standard.code_list(name)
        assert len({c.lower() for c in codes}) == len(codes), name
