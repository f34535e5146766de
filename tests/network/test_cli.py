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
