"""``users add`` run by a script (no terminal): one line when no password is given, none of getpass's
echo warnings, and a password piped on stdin still works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clearpicture.security.users import authenticate
from clearpicture.store import Store

_CMD = [sys.executable, "-c", "from clearpicture.cli import main; main()"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "CLEARPICTURE_PASSWORD"}


def test_no_password_and_no_terminal_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    proc = subprocess.run([*_CMD, "users", "add", "adm", "--role", "admin", "--db", str(db)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, env=_env())
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1, proc.stderr  # was 5: GetPassWarning, echo warning, prompt, aborted
    assert "CLEARPICTURE_PASSWORD" in proc.stderr


def test_a_password_piped_on_stdin_is_used(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    secret = "a long enough passphrase 42"
    proc = subprocess.run([*_CMD, "users", "add", "adm", "--role", "admin", "--db", str(db)],
                          input=f"{secret}\n{secret}\n", capture_output=True, text=True, env=_env())
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr and secret not in proc.stderr + proc.stdout
    with Store(db) as store:
        assert authenticate(store, "adm", secret).actor is not None


def test_users_password_without_a_terminal_is_one_line_too(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    secret = "a long enough passphrase 42"
    subprocess.run([*_CMD, "users", "add", "adm", "--role", "admin", "--db", str(db)], input=f"{secret}\n{secret}\n",
                   capture_output=True, text=True, env=_env(), check=True)
    proc = subprocess.run([*_CMD, "users", "password", "adm", "--db", str(db)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=_env())
    assert proc.returncode == 3 and len(proc.stderr.splitlines()) == 1, proc.stderr
