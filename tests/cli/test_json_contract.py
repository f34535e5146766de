"""``--json`` prints exactly one JSON document on stdout with the keys interface.md documents.

Run the way a scheduler runs them: stderr is not a terminal and progress is not asked for, so
anything a stage logs must stay on stderr. The shared small world is copied, because most of these
commands write their run to the workspace.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clearpicture.cli import main
from world import World

NUMBER = (int, float)


@pytest.fixture(scope="module")
def workspace(small_world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("json-contract")
    small_world.copy(folder).close()
    return folder / "world.duckdb"


def _one_document(args: list[str]) -> Any:
    result = CliRunner().invoke(main, args, env={"CLEARPICTURE_PROGRESS": None})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, f"{args[0]}: {len(lines)} lines on stdout"
    return json.loads(lines[0])


def test_quality_json(workspace: Path) -> None:
    doc = _one_document(["quality", "--db", str(workspace), "--json"])
    assert doc["fields"] and doc["measures"]
    for f in doc["fields"]:
        assert all(isinstance(f[k], str) for k in ("source", "table", "field"))
        assert isinstance(f["rows"], int) and 0 <= f["completeness"] <= 1 and 0 <= f["validity"] <= 1
    for m in doc["measures"]:
        assert isinstance(m["id"], str) and isinstance(m["source"], str)
        assert isinstance(m["numerator"], int) and isinstance(m["denominator"], int)


def test_definitions_json(workspace: Path) -> None:
    doc = _one_document(["definitions", "--db", str(workspace), "--json"])
    assert {d["id"] for d in doc["definitions"]} >= {"cse-dfe-2017", "gbcse-iicsa-2019"}
    for d in doc["definitions"]:
        assert all(isinstance(d[k], str) for k in ("id", "version", "citation"))
        assert all(isinstance(d[k], int) for k in ("crimes", "victims", "offenders", "unflagged",
                                                   "flagged_not_meeting"))


def test_groups_json(workspace: Path) -> None:
    doc = _one_document(["groups", "--db", str(workspace), "--no-run", "--json"])
    assert doc["groups"]
    for g in doc["groups"]:
        assert isinstance(g["group_id"], str) and isinstance(g["evidence"], list)
        for side in ("offenders", "victims"):
            for person in g[side]:
                assert isinstance(person["entity_id"], str)
                assert all(len(r) == 2 and all(isinstance(x, str) for x in r) for r in person["records"])


def test_investigations_json(workspace: Path) -> None:
    doc = _one_document(["investigations", "--db", str(workspace), "--no-run", "--json"])
    assert doc["measures"]
    for m in doc["measures"]:
        assert {"id", "force", "team", "value", "numerator", "denominator", "lower", "upper"} <= set(m)
    for r in doc["review"]:
        assert len(r["case"]) == 2 and all(isinstance(x, str) for x in r["reasons"])


def test_estimate_db_json(workspace: Path) -> None:
    doc = _one_document(["estimate", "--db", str(workspace), "--bootstrap", "50", "--json"])
    assert isinstance(doc["observed"], int) and isinstance(doc["model"], str) and doc["models"]
    assert all(isinstance(doc[k], NUMBER) for k in ("estimate", "lower", "upper"))
    assert doc["lower"] <= doc["upper"]


def test_evaluate_json(workspace: Path, small_world: World) -> None:
    doc = _one_document(["evaluate", "--db", str(workspace), "--truth", str(small_world.truth), "--json"])
    assert {"precision", "recall", "f1"} <= set(doc["linkage"]["persons"])
    assert "groups" in doc and "true_total" in doc["estimate"]
