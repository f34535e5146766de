"""Accounts: argon2id hashes, validation, throttling, disabling ends sessions, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from trustworld import PASSWORD

from clearpicture.cli import main
from clearpicture.errors import InputError
from clearpicture.security import audit
from clearpicture.security.sessions import create_session, load_session
from clearpicture.security.users import (
    MAX_FAILURES,
    add_user,
    authenticate,
    disable_user,
)
from clearpicture.store import Store


def test_password_is_stored_as_argon2id_hash_only(store: Store) -> None:
    add_user(store, "ana", "analyst", PASSWORD, ["PF1", "LA1"])
    stored = store.sql("SELECT password_hash, sources FROM users")[0]
    assert stored[0].startswith("$argon2id$") and PASSWORD not in stored[0]
    assert stored[1] == "LA1,PF1"
    assert authenticate(store, "ana", PASSWORD).actor is not None
    assert authenticate(store, "ana", PASSWORD + "x").actor is None
    assert authenticate(store, "nobody", PASSWORD).actor is None


@pytest.mark.parametrize(
    ("name", "role", "password", "sources"),
    [
        ("ana", "analyst", PASSWORD, []),  # analyst without scope
        ("nat", "national", PASSWORD, ["PF1"]),  # scope on a non-analyst
        ("x y", "admin", PASSWORD, []),
        ("adm", "root", PASSWORD, []),
        ("adm", "admin", "short", []),
        ("ana", "analyst", PASSWORD, ["PF1;DROP"]),
    ],
)
def test_add_user_rejects_bad_input(store: Store, name: str, role: str, password: str,
                                    sources: list[str]) -> None:
    with pytest.raises(InputError):
        add_user(store, name, role, password, sources)


def test_duplicate_user_is_refused(store: Store) -> None:
    add_user(store, "adm", "admin", PASSWORD)
    with pytest.raises(InputError):
        add_user(store, "adm", "national", PASSWORD)


def test_sign_in_is_throttled_after_repeated_failures(store: Store) -> None:
    add_user(store, "adm", "admin", PASSWORD)
    for _ in range(MAX_FAILURES):
        assert not authenticate(store, "adm", "wrong password!!").throttled
    outcome = authenticate(store, "adm", PASSWORD)
    assert outcome.throttled and outcome.actor is None


def test_success_resets_the_failure_count(store: Store) -> None:
    add_user(store, "adm", "admin", PASSWORD)
    for _ in range(MAX_FAILURES - 1):
        authenticate(store, "adm", "wrong password!!")
    assert authenticate(store, "adm", PASSWORD).actor is not None
    for _ in range(MAX_FAILURES - 1):
        authenticate(store, "adm", "wrong password!!")
    assert authenticate(store, "adm", PASSWORD).actor is not None


def test_disabling_a_user_ends_their_sessions_and_blocks_sign_in(store: Store) -> None:
    add_user(store, "ana", "analyst", PASSWORD, ["PF1"])
    token, _ = create_session(store, "ana")
    assert load_session(store, token) is not None
    assert disable_user(store, "ana") == 1
    assert load_session(store, token) is None
    assert authenticate(store, "ana", PASSWORD).actor is None
    events = [r["what"]["event"] for r in audit.show(store, action="administration")]
    assert events == ["user added", "user disabled"]


def test_cli_add_list_disable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "ws.duckdb")
    runner = CliRunner()
    monkeypatch.setenv("CLEARPICTURE_PASSWORD", PASSWORD)
    r = runner.invoke(main, ["users", "add", "ana", "--role", "analyst", "--sources", "PF1,LA1", "--db", db])
    assert r.exit_code == 0, r.output
    bad = runner.invoke(main, ["users", "add", "nat", "--role", "national", "--sources", "PF1", "--db", db])
    assert bad.exit_code == 3 and "analysts only" in bad.output
    forced = runner.invoke(main, ["users", "add", "ana2", "--role", "analyst", "--force", "NHS1", "--db", db])
    assert forced.exit_code == 0, forced.output
    r = runner.invoke(main, ["users", "disable", "ana", "--db", db])
    assert r.exit_code == 0
    listed = json.loads(runner.invoke(main, ["users", "list", "--db", db, "--json"]).stdout)
    assert listed["users"][0]["username"] == "ana" and listed["users"][0]["active"] is False
    assert listed["users"][0]["sources"] == ["LA1", "PF1"]
    assert "password_hash" not in listed["users"][0]
    assert listed["users"][1]["sources"] == ["NHS1"]


def test_cli_prompts_for_password_without_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLEARPICTURE_PASSWORD", raising=False)
    db = str(tmp_path / "ws.duckdb")
    r = CliRunner().invoke(main, ["users", "add", "adm", "--role", "admin", "--db", db],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert r.exit_code == 0, r.output
    with Store(db) as s:
        assert authenticate(s, "adm", PASSWORD).actor is not None


def test_old_attempts_and_sessions_are_pruned(store: Store) -> None:
    from datetime import datetime, timedelta

    add_user(store, "adm", "admin", PASSWORD)
    old = datetime(2000, 1, 1)
    store.execute("INSERT INTO user_login_attempts VALUES (?, 'adm', '', FALSE)", [old])
    store.execute("INSERT INTO user_sessions VALUES ('h', 'adm', ?, ?, ?, 'c', ?, 'signed out')",
                  [old, old, old, old + timedelta(hours=1)])
    authenticate(store, "adm", PASSWORD)
    create_session(store, "adm")
    assert store.sql("SELECT count(*) FROM user_login_attempts WHERE attempted_at < '2001-01-01'") == [(0,)]
    assert store.sql("SELECT count(*) FROM user_sessions WHERE token_hash = 'h'") == [(0,)]
    assert store.sql("SELECT count(*) FROM user_sessions") == [(1,)]


def test_new_password_ends_sessions_and_old_password_stops_working(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "ws.duckdb")
    with Store(db) as s:
        add_user(s, "ana", "analyst", PASSWORD, ["PF1"])
        token, _ = create_session(s, "ana")
        disable_user(s, "ana")
    runner = CliRunner()
    assert runner.invoke(main, ["users", "enable", "ana", "--db", db]).exit_code == 0
    monkeypatch.setenv("CLEARPICTURE_PASSWORD", "a different long password")
    r = runner.invoke(main, ["users", "password", "ana", "--db", db])
    assert r.exit_code == 0, r.output
    with Store(db) as s:
        assert load_session(s, token) is None  # enabling does not revive old sessions
        assert authenticate(s, "ana", PASSWORD).actor is None
        assert authenticate(s, "ana", "a different long password").actor is not None
        events = [row["what"]["event"] for row in audit.show(s, action="administration")]
    assert events == ["user added", "user disabled", "user enabled", "password set"]
