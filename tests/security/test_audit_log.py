"""The section 62 log: one row per call, no identifiers in clear, tampering found by verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.errors import InputError
from clearpicture.security import audit, local_operator
from clearpicture.security.permissions import Actor
from clearpicture.store import Store


def _fill(store: Store) -> None:
    analyst = Actor("ana", "analyst", frozenset({"PF1"}))
    audit.record(store, "ingest", "collection", {"run_id": "r1", "rows": 12})
    audit.record(store, analyst, "consultation", {"person": ("PF1", "PF1-P-1")}, justification="case review")
    audit.record(store, analyst, "consultation", {"person": ("LA1", "LA1-C-1")}, allowed=False)
    audit.record(store, analyst, "disclosure", {"export": "entities", "rows": 3},
                 justification="strategy meeting", recipient="LA1 safeguarding hub")
    audit.record(store, "linkage", "combination", {"persons": [("PF1", "PF1-P-1"), ("LA1", "LA1-C-1")]})
    audit.record(store, local_operator(), "erasure", {"ref": "p:abc"}, justification="out of scope")


def test_each_call_writes_exactly_one_row_with_who_what_why(store: Store) -> None:
    _fill(store)
    rows = audit.show(store)
    assert [r["action"] for r in rows] == ["collection", "consultation", "consultation", "disclosure",
                                          "combination", "erasure"]
    assert [r["seq"] for r in rows] == list(range(1, 7))
    consult = rows[1]
    assert (consult["actor"], consult["role"], consult["justification"], consult["allowed"]) == (
        "ana", "analyst", "case review", True)
    assert rows[2]["allowed"] is False
    assert rows[3]["recipient"] == "LA1 safeguarding hub"
    assert all(r["at_utc"] is not None for r in rows)


def test_rows_name_people_by_keyed_reference_never_in_clear(store: Store) -> None:
    _fill(store)
    text = json.dumps([list(r) for r in store.sql("SELECT * FROM audit_log")], default=str)
    assert "PF1-P-1" not in text and "LA1-C-1" not in text
    ref = audit.person_ref(store, "PF1", "PF1-P-1")
    assert ref in text
    assert [r["seq"] for r in audit.show(store, person=("PF1", "PF1-P-1"))] == [2, 5]
    assert [r["seq"] for r in audit.show(store, user="ana", action="consultation")] == [2, 3]


def test_unknown_action_is_refused(store: Store) -> None:
    with pytest.raises(InputError):
        audit.record(store, "x", "peek", "something")


def test_verify_passes_on_an_untouched_log(store: Store) -> None:
    assert audit.verify(store).ok  # empty
    _fill(store)
    result = audit.verify(store)
    assert result.ok and result.rows == 6 and not result.problems
    assert audit.verify(store, expect_head=result.head).ok


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_log SET justification = 'nothing to see' WHERE seq = 2",
        "UPDATE audit_log SET allowed = TRUE WHERE seq = 3",
        "UPDATE audit_log SET at_utc = at_utc + INTERVAL 1 DAY WHERE seq = 4",
        "DELETE FROM audit_log WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 6",  # the tail: only the head notices
        "UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 3 WHEN 3 THEN 2 ELSE seq END",  # reorder
        "INSERT INTO audit_log SELECT seq + 100, at_utc, actor, role, action, what, justification, recipient,"
        " allowed, prev_hash, row_hash FROM audit_log WHERE seq = 1",
        "DROP TABLE audit_log",  # the whole log: its head and the workspace's subject key remain
        "DROP TABLE audit_log; DROP TABLE audit_head",  # the subject key in meta says there was a log
    ],
)
def test_verify_finds_edits_deletions_and_reordering(store: Store, tamper: str) -> None:
    _fill(store)
    for statement in tamper.split("; "):
        store.execute(statement)
    result = audit.verify(store)
    assert not result.ok and result.problems


def test_verify_catches_a_rebuilt_chain_when_given_the_earlier_head(store: Store) -> None:
    _fill(store)
    head = audit.verify(store).head
    store.execute("DELETE FROM audit_log WHERE seq = 6")
    store.execute("UPDATE audit_head SET seq = 5, row_hash = (SELECT row_hash FROM audit_log WHERE seq = 5)")
    assert audit.verify(store).ok  # consistent on its own...
    assert not audit.verify(store, expect_head=head).ok  # ...but not what was recorded elsewhere


def test_escape_text_neutralises_control_characters() -> None:
    assert audit.escape_text("a\x1b[31mb\nc") == "a\\x1b[31mb\\nc"


def test_cli_verify_exit_codes_and_show_filters(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Store(db) as s:
        _fill(s)
    runner = CliRunner()
    ok = runner.invoke(main, ["audit", "verify", "--db", str(db), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["ok"] is True
    shown = runner.invoke(main, ["audit", "show", "--db", str(db), "--json", "--person", "PF1/PF1-P-1"])
    assert shown.exit_code == 0
    doc = json.loads(shown.stdout)
    assert [r["seq"] for r in doc["rows"]] == [2, 5] and doc["count"] == 2
    text = runner.invoke(main, ["audit", "show", "--db", str(db), "--user", "ana"])
    assert text.exit_code == 0 and "REFUSED" in text.stdout and "case review" in text.stdout
    since = runner.invoke(main, ["audit", "show", "--db", str(db), "--json", "--since", "2999-01-01"])
    assert since.exit_code == 0 and json.loads(since.stdout) == {"rows": [], "count": 0}
    with Store(db) as s:
        s.execute("UPDATE audit_log SET recipient = 'someone else' WHERE seq = 4")
    bad = runner.invoke(main, ["audit", "verify", "--db", str(db)])
    assert bad.exit_code != 0
    assert "edited" in bad.output


def test_commands_refuse_a_missing_workspace_instead_of_creating_one(tmp_path: Path) -> None:
    missing = tmp_path / "typo.duckdb"
    for args in (["audit", "verify"], ["audit", "show"], ["users", "list"],
                 ["erase", "--person", "PF1/x", "--reason", "r"], ["governance", "--out", str(tmp_path / "g")]):
        r = CliRunner().invoke(main, [*args, "--db", str(missing)])
        assert r.exit_code == 4, (args, r.output)
        assert "no such workspace" in r.output
    assert not missing.exists()


def test_verify_reports_stage_runs_that_logged_nothing(store: Store) -> None:
    with store.run("ingest", {}) as logged:
        audit.record(store, "ingest", "collection", {"run_id": logged.run_id, "rows": 3})
    with store.run("ingest", {}) as unlogged:
        pass
    with store.run("quality", {}):
        pass  # not a stage that must log
    result = audit.verify(store)
    assert result.ok and len(result.missing) == 1 and unlogged.run_id in result.missing[0]
    strict = audit.verify(store, strict=True)
    assert not strict.ok and unlogged.run_id in strict.problems[0]


def test_a_subject_key_made_before_any_row_comes_with_the_log(store: Store) -> None:
    """Naming a person (an erasure of an unknown record, say) before anything is logged makes the key
    and the log together, so verify never mistakes such a workspace for one whose log was dropped."""
    audit.person_ref(store, "PF1", "PF1-P-1")
    assert audit.verify(store).ok
