"""The language stage over a workspace: findings, rates per 1,000 notes, no authors, disclosure."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.disclosure import DisclosureRule
from clearpicture.errors import ConfigError
from clearpicture.language import CATEGORIES, load_rules, partner_rates, review, run
from clearpicture.language.stage import LEVELS, rates_sql
from clearpicture.store import Store, open_store

BLAMING = "She is putting herself at risk and is streetwise."
NEUTRAL = "Strategy meeting held; two men arrested."


def _add_notes(store: Store, rows: list[tuple[str, str, str | None, str | None, str | None, str]]) -> None:
    for i, (source, note_id, team, author, written_at, text) in enumerate(rows):
        ts = datetime.fromisoformat(written_at) if written_at else None
        store.execute(
            "INSERT INTO raw_notes (source, note_id, about_type, about_type_raw, about_id, written_at, "
            "written_at_raw, author, team, text, _row) VALUES (?, ?, 'person', 'person', ?, ?, ?, ?, ?, ?, ?)",
            [source, note_id, f"P{i}", ts, written_at, author, team, text, i + 1],
        )


@pytest.fixture()
def store() -> Store:
    s = Store(":memory:")
    rows = []
    for i in range(40):  # WMP team A, 2024-Q1: 40 notes, every 4th blaming
        rows.append(("WMP", f"n{i}", "Team A", "AUTH-7", "2024-02-01T10:00:00", BLAMING if i % 4 == 0 else NEUTRAL))
    for i in range(12):  # WMP team B, 2024-Q3: 12 notes, 3 blaming
        rows.append(("WMP", f"m{i}", "Team B", "AUTH-9", "2024-08-01T10:00:00", BLAMING if i < 3 else NEUTRAL))
    rows.append(("SC", "s1", None, "AUTH-1", None, "The minor was found at the address."))
    rows.append(("SC", "s2", "CSE hub", None, "2023-12-31T23:00:00", ""))
    _add_notes(s, rows)
    return s


def test_run_writes_one_row_per_finding_with_rule_and_version(store: Store) -> None:
    result = run(store)
    findings = store.dicts('SELECT * FROM language_findings ORDER BY source, note_id, start')
    assert len(findings) == result.counts["findings"]
    expected = sum(len(review(t)) for (t,) in store.sql("SELECT text FROM raw_notes"))
    assert len(findings) == expected
    assert result.counts["notes"] == 54 and result.counts["flagged_notes"] == 10 + 3 + 1
    for f in findings:
        assert f["run_id"] == result.run_id and f["rules_version"] == load_rules().version
        assert f["rule_id"] and f["category"] in CATEGORIES
        assert f["person_id"] == f["about_id"]
    note = store.sql("SELECT text FROM raw_notes WHERE note_id = 'n0'")[0][0]
    for f in (f for f in findings if f["note_id"] == "n0"):
        assert note[f["start"] : f["end"]] == f["text"]
    assert store.sql("SELECT stage, status FROM runs WHERE run_id = ?", [result.run_id]) == [("language", "ok")]


def test_rates_are_per_thousand_notes_by_source_team_and_quarter(store: Store) -> None:
    run(store)
    rows = store.dicts(
        "SELECT * FROM language_rates WHERE level = 'source_team_quarter' AND category = 'all' "
        "AND source = 'WMP' ORDER BY team"
    )
    assert [(r["team"], r["quarter"], r["notes"], r["flagged_notes"]) for r in rows] == [
        ("Team A", "2024-Q1", 40, 10), ("Team B", "2024-Q3", 12, 3)]
    assert rows[0]["flagged_per_1000"] == pytest.approx(250.0)
    assert rows[1]["findings_per_1000"] == pytest.approx(1000 * 6 / 12)
    src = store.dicts("SELECT * FROM language_rates WHERE level = 'source' AND source = 'WMP' AND category = 'all'")
    assert src[0]["notes"] == 52 and src[0]["flagged_notes"] == 13
    adult = store.dicts("SELECT * FROM language_rates WHERE level = 'source' AND source = 'WMP' "
                        "AND category = 'adultification'")
    assert adult[0]["findings"] == 13
    levels = {r[0] for r in store.sql("SELECT DISTINCT level FROM language_rates")}
    assert levels == set(LEVELS)
    # a note without a valid date is counted, under an unknown quarter
    sc = store.dicts("SELECT * FROM language_rates WHERE level = 'source_quarter' AND source = 'SC' "
                     "AND category = 'all' ORDER BY quarter NULLS LAST")
    assert [(r["quarter"], r["notes"]) for r in sc] == [("2023-Q4", 1), (None, 1)]


def test_authors_never_appear_in_aggregates_or_findings(store: Store) -> None:
    run(store)
    for table in ("language_rates", "language_findings"):
        cols = [r[0] for r in store.sql(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'")]
        assert "author" not in cols
        dump = json.dumps(store.dicts(f"SELECT * FROM {table}"), default=str)
        assert "AUTH-" not in dump


def test_rerun_replaces_rows(store: Store) -> None:
    first = run(store)
    second = run(store)
    assert first.run_id != second.run_id
    assert store.sql("SELECT DISTINCT run_id FROM language_findings") == [(second.run_id,)]
    assert store.sql("SELECT DISTINCT run_id FROM language_rates") == [(second.run_id,)]
    assert store.count("language_findings") == second.counts["findings"]


def test_partner_rates_apply_disclosure_control(store: Store) -> None:
    run(store)
    table = partner_rates(store, level="source_team", category="all")
    by_team = {r["team"]: r for r in table.rows if r["source"] == "WMP"}
    a, b = by_team["Team A"], by_team["Team B"]
    assert b["flagged_notes"] is None and b["flagged_per_1000"] is None  # 3 < 10
    # Team A's 10 is hidden too: beside the source's published total it would give back Team B's 3.
    assert a["notes"] == 40 and a["flagged_notes"] is None  # notes rounded to 5, not suppressed
    weaker = partner_rates(store, level="source_team", category="all", rule=DisclosureRule(hidden_sums=False))
    assert {r["team"]: r["flagged_notes"] for r in weaker.rows if r["source"] == "WMP"} == {"Team A": 10, "Team B": None}
    assert all(v is None or v % 5 == 0 for r in table.rows for k, v in r.items()
               if k in ("notes", "flagged_notes", "findings"))
    assert "suppressed" in table.note
    loose = partner_rates(store, level="source_team", rule=DisclosureRule(threshold=0, rounding=1, secondary=False))
    assert {r["team"]: r["flagged_notes"] for r in loose.rows if r["source"] == "WMP"} == {"Team A": 10, "Team B": 3}


def test_partner_rates_reject_unknown_level_and_missing_run() -> None:
    with pytest.raises(ConfigError, match="run the language stage first"):
        partner_rates(Store(":memory:"))
    s = Store(":memory:")
    run(s)
    with pytest.raises(ConfigError, match="level"):
        partner_rates(s, level="author")


def test_unknown_config_key_is_a_config_error(store: Store) -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        run(store, {"rulez": "x.yaml"})


def test_rates_sql_is_pure_and_quotes_values() -> None:
    sql = rates_sql("r'1", "1.0.0")
    assert "'r''1'" in sql and "GROUPING SETS" in sql


def test_cli_db_reviews_the_workspace(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with open_store(db) as s:
        _add_notes(s, [("WMP", "n1", "T", "A1", "2024-01-05T00:00:00", BLAMING)])
    result = CliRunner().invoke(main, ["language", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["notes"] == 1 and doc["flagged_notes"] == 1 and doc["findings"] == 2
    with open_store(db) as s:
        assert s.count("language_findings") == 2
