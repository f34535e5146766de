"""``clearpicture investigations``: the interface.md JSON, partner audience, checklist errors, decisions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.store import Store


def _db(case_files: tuple[Path, Path], tmp_path: Path) -> Path:
    db = tmp_path / "ws.duckdb"
    shutil.copy(case_files[0], db)
    return db


def test_json_has_the_interface_shape(_case_files: tuple[Path, Path], tmp_path: Path) -> None:
    db = _db(_case_files, tmp_path)
    result = CliRunner().invoke(main, ["investigations", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["measures"] and doc["review"]
    for m in doc["measures"]:
        assert {"id", "force", "team", "value", "numerator", "denominator", "lower", "upper"} <= set(m)
        assert isinstance(m["id"], str) and isinstance(m["force"], str)
        assert m["team"] is None or isinstance(m["team"], str)
    for item in doc["review"]:
        assert len(item["case"]) == 2 and all(isinstance(x, str) for x in item["case"])
        assert item["reasons"] and all(isinstance(r, str) for r in item["reasons"])
    assert {tuple(i["case"]) for i in doc["review"]} == {("WMP", "C1"), ("WMP", "C2")}
    assert "cases" in result.stderr  # the summary goes to stderr
    with Store(db) as store:
        assert store.sql("SELECT count(*) FROM audit_log WHERE action = 'consultation'")[0][0] == 1


def test_partner_audience_protects_counts_and_leaves_out_cases(_case_files: tuple[Path, Path],
                                                               tmp_path: Path) -> None:
    db = _db(_case_files, tmp_path)
    result = CliRunner().invoke(main, ["investigations", "--db", str(db), "--json", "--audience", "partner"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["review"] == [] and "suppressed" in doc["note"]
    for m in doc["measures"]:
        for key in ("numerator", "denominator"):
            assert m[key] is None or (m[key] >= 10 and m[key] % 5 == 0)
    assert all(m["value"] is None for m in doc["measures"])  # the case world is tiny: everything hidden


def test_invalid_checklist_fails_in_one_line_naming_the_key(_case_files: tuple[Path, Path],
                                                            tmp_path: Path) -> None:
    db = _db(_case_files, tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: '1'\nchecks:\n  - {id: a, kind: victim_not_referred, within_days: often}\n")
    result = CliRunner().invoke(main, ["investigations", "--db", str(db), "--checklist", str(bad)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "checks[0].within_days" in lines[0]


def test_custom_checklist_drives_the_review(_case_files: tuple[Path, Path], tmp_path: Path) -> None:
    db = _db(_case_files, tmp_path)
    only = tmp_path / "only.yaml"
    only.write_text("version: '1'\nchecks:\n  - {id: quick, kind: closed_victim_does_not_support}\n")
    result = CliRunner().invoke(main, ["investigations", "--db", str(db), "--json", "--checklist", str(only)])
    assert result.exit_code == 0, result.output
    review = json.loads(result.stdout)["review"]
    assert [(i["case"], i["checks"]) for i in review] == [(["WMP", "C2"], ["quick"])]


def test_decide_records_the_decision(_case_files: tuple[Path, Path], tmp_path: Path) -> None:
    db = tmp_path / "done.duckdb"
    shutil.copy(_case_files[1], db)
    runner = CliRunner()
    ok = runner.invoke(main, ["investigations-decide", "--db", str(db), "--case", "WMP/C2", "--check",
                              "victim-not-referred", "--decision", "accept", "--reason", "refer today"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(main, ["investigations-decide", "--db", str(db), "--case", "WMP-C2", "--check", "x",
                               "--decision", "accept", "--reason", "r"])
    assert bad.exit_code == 3 and "SOURCE/EVENT_ID" in bad.stderr
    with Store(db) as store:
        assert store.sql("SELECT decision, reason FROM investigation_review_decisions") == [("accept", "refer today")]
        assert store.sql("SELECT count(*) FROM audit_log WHERE action = 'alteration'")[0][0] == 1


def test_text_output_lists_force_measures(_case_files: tuple[Path, Path], tmp_path: Path) -> None:
    db = _db(_case_files, tmp_path)
    result = CliRunner().invoke(main, ["investigations", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "cse.charge_rate\tWMP" in result.stdout and "WMP/C2" in result.stdout


def test_case_command_prints_the_timeline_and_logs_the_consultation(_case_files: tuple[Path, Path],
                                                                    tmp_path: Path) -> None:
    db = _db(_case_files, tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["investigations-case", "--db", str(db), "--case", "WMP/C1", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["case"] == ["WMP", "C1"] and [s["step"] for s in doc["steps"]][-1] == "outcome"
    text = runner.invoke(main, ["investigations-case", "--db", str(db), "--case", "WMP/C1"])
    assert "Safeguarding referral to children's social care [victim]  SC/event/R1" in text.stdout
    missing = runner.invoke(main, ["investigations-case", "--db", str(db), "--case", "WMP/NOPE"])
    assert missing.exit_code == 3 and len(missing.stderr.strip().splitlines()) == 1
    with Store(db) as store:
        assert store.sql("SELECT count(*) FROM audit_log WHERE action = 'consultation'")[0][0] == 2


def test_checklist_with_no_run_is_refused(_case_files: tuple[Path, Path], tmp_path: Path) -> None:
    db = tmp_path / "done.duckdb"
    shutil.copy(_case_files[1], db)
    result = CliRunner().invoke(main, ["investigations", "--db", str(db), "--no-run", "--checklist", "x.yaml"])
    assert result.exit_code == 3 and "drop --no-run" in result.stderr
