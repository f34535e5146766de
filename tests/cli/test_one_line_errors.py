"""Failures a scheduler meets print exactly one line on stderr, nothing on stdout, and exit non-zero.

interface.md: "Every command exits non-zero with a one-line reason on failure". Click's own usage
errors (a directory given for --db, an unknown choice) used to print four lines (usage, hint, blank,
error), and an output path the system refuses became "internal error: FileNotFoundError" with the
exit code kept for bugs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from clearpicture.cli import INTERNAL_ERROR, main


def _assert_one_line(result: object, stdout: str, stderr: str, code: int) -> None:
    assert code != 0
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("clearpicture: error: ")
    assert "Traceback" not in stderr


@pytest.mark.parametrize("args", [
    ["quality", "--db", "{dir}"],
    ["estimate", "--db", "{dir}", "--json"],
    ["synth", "--scenario", "huge", "--out", "{dir}/x"],
    ["estimate", "--counts", "{dir}"],
    ["quality", "--db"],
    ["quality", "--no-such-option", "--db", "x.duckdb"],
    ["estimate", "--counts", "c.json", "--method", "guess"],
])
def test_usage_errors_are_one_line(tmp_path: Path, args: list[str]) -> None:
    argv = [a.replace("{dir}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(main, argv)
    _assert_one_line(result, result.stdout, result.stderr, result.exit_code)
    assert result.exit_code == 2
    assert "--help')" in result.stderr  # still says where to look


def test_usage_error_is_one_line_in_a_real_process(tmp_path: Path) -> None:
    """The installed entry point, stderr not a terminal (as under a scheduler)."""
    proc = subprocess.run([sys.executable, "-c", "from clearpicture.cli import main; main()",
                           "quality", "--db", str(tmp_path)], capture_output=True, text=True)
    _assert_one_line(proc, proc.stdout, proc.stderr, proc.returncode)
    assert "is a directory" in proc.stderr


def test_help_and_version_still_exit_zero() -> None:
    for argv in (["--help"], ["estimate", "--help"], ["--version"]):
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 0, result.output
        assert result.stdout


def test_an_output_path_the_system_refuses_is_a_user_error_not_a_bug(tmp_path: Path) -> None:
    # /proc refuses new files even for root, so this holds whoever runs the tests.
    result = CliRunner().invoke(main, ["synth", "--scenario", "small", "--seed", "3", "--quiet",
                                       "--out", "/proc/clearpicture-test"])
    _assert_one_line(result, result.stdout, result.stderr, result.exit_code)
    assert result.exit_code != INTERNAL_ERROR
    assert "internal error" not in result.stderr
    assert "/proc/clearpicture-test" in result.stderr


def test_main_help_lists_the_exit_codes_the_errors_use() -> None:
    """A scheduler author reads the exit codes from --help; they must be the ones errors.py raises."""
    import re

    from clearpicture import errors

    text = " ".join(CliRunner().invoke(main, ["--help"]).stdout.split())
    for cls, words in ((errors.ClearPictureError, "error"), (errors.ConfigError, "usage or configuration"),
                       (errors.InputError, "input"), (errors.StoreError, "workspace"),
                       (errors.EngineError, "engine"), (errors.AccessDenied, "access denied")):
        assert re.search(rf"\b{cls.exit_code} {words}\b", text), (cls.__name__, text)
    assert f"{INTERNAL_ERROR} internal error" in text


@pytest.mark.parametrize("extra", [["--definition", "gbcse-iicsa-2019"], ["--strata", "area"],
                                   ["--kinds", "police,health"], ["--evidence", "records"],
                                   ["--as-of", "2024-01-01"]])
def test_workspace_options_with_counts_are_refused_not_ignored(extra: list[str]) -> None:
    """`estimate --counts F --definition X` estimated F and silently ignored X."""
    counts = Path(__file__).resolve().parent.parent / "estimate" / "data" / "korea.json"
    result = CliRunner().invoke(main, ["estimate", "--counts", str(counts), *extra, "--json"])
    _assert_one_line(result, result.stdout, result.stderr, result.exit_code)
    assert extra[0] in result.stderr and "--db" in result.stderr
