"""`clearpicture quality`: the interface.md JSON shape and one-line errors for a bad thresholds file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.store import Store


def _db(tmp_path: Path) -> str:
    path = tmp_path / "ws.duckdb"
    with Store(path) as s:
        s.execute("INSERT INTO raw_persons (source, person_id, forename, date_of_birth, date_of_birth_raw) "
                  "VALUES ('P', 'A', 'Ann', NULL, 'soon'), ('P', 'B', NULL, DATE '2001-01-01', '2001-01-01')")
        s.execute("INSERT INTO raw_events (source, event_id, kind, kind_raw, offence_code, offence_code_raw, flags) "
                  "VALUES ('P', 'E', 'crime', 'crime', '22/1', '22/1', 'CSE')")
    return str(path)


def test_json_has_fields_and_measures_with_interface_keys(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["quality", "--db", _db(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    f = next(x for x in doc["fields"] if x["table"] == "persons" and x["field"] == "date_of_birth")
    assert {"source", "table", "field", "rows", "completeness", "validity"} <= set(f)
    assert f["rows"] == 2 and f["completeness"] == 1.0 and f["validity"] == 0.5
    forename = next(x for x in doc["fields"] if x["table"] == "persons" and x["field"] == "forename")
    assert forename["completeness"] == 0.5
    m = next(x for x in doc["measures"] if x["id"] == "cse_flag_share" and x["source"] == "P")
    assert {"id", "source", "value", "numerator", "denominator"} <= set(m) and m["value"] == 1.0


def test_bad_thresholds_file_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("version: '1'\nfields: {}\nmeasures: {}\n")
    res = CliRunner().invoke(main, ["quality", "--db", _db(tmp_path), "--thresholds", str(bad)])
    assert res.exit_code == 2
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "fields.default" in lines[0]
