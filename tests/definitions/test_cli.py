"""`clearpicture definitions`: the interface.md JSON shape, local files, one-line errors, the return."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from defworld import build

from clearpicture.cli import main
from clearpicture.store import Store


def _db(tmp_path: Path) -> str:
    path = tmp_path / "ws.duckdb"
    with Store(path) as s:
        build(s)
    return str(path)


def test_json_lists_every_definition_with_the_interface_keys(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["definitions", "--db", _db(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    ids = [d["id"] for d in doc["definitions"]]
    assert "cse-dfe-2017" in ids and "gbcse-iicsa-2019" in ids
    for d in doc["definitions"]:
        assert {"id", "version", "citation", "crimes", "victims", "offenders", "unflagged",
                "flagged_not_meeting"} <= set(d)
    cse = next(d for d in doc["definitions"] if d["id"] == "cse-dfe-2017")
    assert cse["crimes"] == 7 and cse["unflagged"] == 5


def test_one_definition_only(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["definitions", "--db", _db(tmp_path), "--definition", "gbcse-multi-suspect",
                                    "--json"])
    assert [d["id"] for d in json.loads(res.stdout)["definitions"]] == ["gbcse-multi-suspect"]


def test_invalid_definition_file_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: local\nversion: '1'\ncriteria: {flags_any: [CSE]}\n")
    res = CliRunner().invoke(main, ["definitions", "--db", _db(tmp_path), "--definition-file", str(bad)])
    assert res.exit_code == 2
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "bad.yaml" in lines[0] and "Traceback" not in res.output


def test_unknown_definition_id_is_refused(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["definitions", "--db", _db(tmp_path), "--definition", "nope"])
    assert res.exit_code == 2 and "nope" in res.stderr


def test_return_is_written_from_the_extension_and_logged(tmp_path: Path) -> None:
    out = tmp_path / "return.csv"
    db = _db(tmp_path)
    res = CliRunner().invoke(main, ["definitions", "--db", db, "--return", "2023", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    with Store(db) as s:
        logged = s.sql("SELECT count(*) FROM audit_log WHERE action = 'disclosure'")[0][0]
    assert logged == 1
    res = CliRunner().invoke(main, ["definitions", "--db", db, "--return", "2023"])
    assert res.exit_code != 0 and "--out" in res.output
