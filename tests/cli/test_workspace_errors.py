"""Every command that reads a workspace refuses a path that is not one, in one line, creating nothing.

A scheduler that mistypes ``--db`` must get a non-zero exit, not an empty new workspace and a
report of zeros with exit 0 (interface.md: every failure exits non-zero with a one-line reason).
Only ``ingest`` (and ``users add`` / ``serve``) may create a workspace.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from clearpicture.cli import main


def _commands(tmp: Path) -> list[list[str]]:
    truth = tmp / "truth"
    truth.mkdir(exist_ok=True)
    return [
        ["quality"],
        ["definitions"],
        ["link"],
        ["groups"],
        ["language"],
        ["estimate"],
        ["investigations"],
        ["investigations-case", "--case", "S/E1"],
        ["investigations-decide", "--case", "S/E1", "--check", "c", "--decision", "accept", "--reason", "r"],
        ["evaluate", "--truth", str(truth)],
        ["export", "entities", "--out", str(tmp / "e.csv")],
        ["export", "network", "--format", "graphml", "--out", str(tmp / "n.graphml")],
        ["profile", "--out", str(tmp / "profile"), "--no-pdf"],
    ]


def _one_line_failure(result: object, stderr: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("note:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("index", range(13))
def test_a_missing_workspace_is_refused_and_not_created(tmp_path: Path, index: int) -> None:
    args = _commands(tmp_path)[index]
    db = tmp_path / "mistyped.duckdb"
    result = CliRunner().invoke(main, [*args, "--db", str(db)])
    assert result.exit_code != 0, f"{args[0]} accepted a workspace that does not exist: {result.output}"
    _one_line_failure(result, result.stderr)
    assert "no such workspace" in result.stderr
    assert not db.exists(), f"{args[0]} created an empty workspace at a mistyped path"
    assert result.stdout == ""


def test_ingest_of_a_missing_path_creates_no_workspace(tmp_path: Path) -> None:
    """ingest made the workspace before looking at its inputs, leaving an empty one behind."""
    db = tmp_path / "new.duckdb"
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "no-such-export"), "--db", str(db), "--json"])
    assert result.exit_code == 3
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1
    assert "no-such-export" in result.stderr
    assert not db.exists()


def _foreign(path: Path) -> list[str]:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE IF NOT EXISTS sales (x INTEGER)")
    tables = sorted(r[0] for r in con.sql("SHOW TABLES").fetchall())
    con.close()
    return tables


@pytest.mark.parametrize("args", [["quality", "--json"], ["estimate", "--json"], ["audit", "verify"],
                                  ["ingest", "{data}", "--json"]])
def test_a_duckdb_file_that_is_not_a_workspace_is_refused_and_left_alone(tmp_path: Path, args: list[str]) -> None:
    """quality on someone else's DuckDB file wrote 22 clearpicture tables into it and reported zeros."""
    import duckdb

    db = tmp_path / "sales.duckdb"
    before = _foreign(db)
    (tmp_path / "data").mkdir()
    argv = [a.replace("{data}", str(tmp_path / "data")) for a in args]
    result = CliRunner().invoke(main, [*argv, "--db", str(db)])
    assert result.exit_code == 4, result.output
    _one_line_failure(result, result.stderr)
    assert "not a clearpicture workspace" in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert sorted(r[0] for r in con.sql("SHOW TABLES").fetchall()) == before
    con.close()


def test_serve_refuses_a_duckdb_file_that_is_not_a_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("serve started on a foreign database")

    monkeypatch.setattr(uvicorn, "run", never)
    db = tmp_path / "sales.duckdb"
    before = _foreign(db)
    result = CliRunner().invoke(main, ["serve", "--db", str(db)])
    assert result.exit_code == 4 and "not a clearpicture workspace" in result.stderr, result.output
    assert _foreign(db) == before
