"""``clearpicture groups``: runs the stage, prints the interface.md JSON, fails in one line."""

from __future__ import annotations

import json
from pathlib import Path

import networld
from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.store import Store


def test_groups_json_has_the_interface_shape(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    networld.build(db).close()
    result = CliRunner().invoke(main, ["groups", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    [group] = doc["groups"]
    assert isinstance(group["group_id"], str)
    assert {o["entity_id"] for o in group["offenders"]} == {"E-O1", "E-O2", "E-O3"}
    for person in group["offenders"] + group["victims"]:
        assert person["records"] and all(len(r) == 2 for r in person["records"])
    assert isinstance(group["evidence"], list) and group["evidence"]
    with Store(db) as store:
        assert store.sql("SELECT count(*) FROM audit_log WHERE action = 'consultation'")[0][0] == 1


def test_groups_without_linkage_fails_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    Store(db).close()
    result = CliRunner().invoke(main, ["groups", "--db", str(db)])
    assert result.exit_code != 0
    assert "entity_persons" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_export_network_command_writes_a_marked_file_and_logs_it(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    networld.build(db).close()
    runner = CliRunner()
    assert runner.invoke(main, ["groups", "--db", str(db)]).exit_code == 0
    out = tmp_path / "net.graphml"
    result = runner.invoke(main, ["export", "network", "--db", str(db), "--format", "graphml", "--out", str(out),
                                  "--recipient", "Sandwell MASH", "--purpose", "strategy meeting"])
    assert result.exit_code == 0, result.output
    assert "OFFICIAL-SENSITIVE" in out.read_text(encoding="utf-8")
    with Store(db) as store:
        assert store.sql("SELECT recipient FROM audit_log WHERE action = 'disclosure'") == [("Sandwell MASH",)]
    bad = runner.invoke(main, ["export", "network", "--db", str(db), "--format", "svg", "--out", str(tmp_path / "x.svg")])
    assert bad.exit_code != 0 and "--group" in bad.stderr
