"""A stage run on a workspace where an earlier stage has not run fails in one line naming that stage.

Found in the audit: ``link`` on a workspace with nothing ingested failed deep in DuckDB ("Binder
Error: Values list "p" does not have a column named "source_r""), exit 5 as if the engine had broken.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.store import Store


@pytest.mark.parametrize(("args", "stage"), [
    (["link"], "ingest"),
    (["link", "--json"], "ingest"),
    (["groups", "--json"], "link"),
    (["investigations", "--json"], "link"),
    (["estimate", "--json"], "definitions"),
    (["export", "entities", "--out", "{tmp}/e.csv"], "link"),
    (["export", "network", "--format", "graphml", "--out", "{tmp}/n.graphml"], "groups"),
])
def test_a_stage_before_its_inputs_exist_names_the_missing_stage(tmp_path: Path, args: list[str],
                                                                  stage: str) -> None:
    db = tmp_path / "empty.duckdb"
    Store(db).close()  # a workspace as `users add` leaves it: schema, no records
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(main, [*argv, "--db", str(db)])
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert f"clearpicture {stage}" in lines[0] or f"run {stage}" in lines[0], lines[0]
