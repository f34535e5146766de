"""The measure SQL on an in-memory DuckDB with a hand-made investigation_cases table."""

from __future__ import annotations

import duckdb

from clearpicture.investigations.config import InvestigationsConfig
from clearpicture.investigations.measures_sql import case_measures_sql

_COLS = ("source VARCHAR, event_id VARCHAR, force VARCHAR, team VARCHAR, quarter VARCHAR, in_cse BOOLEAN, "
         "in_gbcse BOOLEAN, in_sexual_child BOOLEAN, closed BOOLEAN, outcome_group VARCHAR, days_to_outcome INTEGER, "
         "suspects INTEGER, arrests INTEGER, disruptions INTEGER, referred_in_time BOOLEAN, victim_entity_id VARCHAR, "
         "started_at TIMESTAMP")


def _con(rows: list[tuple[object, ...]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE investigation_cases ({_COLS})")
    con.executemany(f"INSERT INTO investigation_cases VALUES ({', '.join('?' for _ in _COLS.split(', '))})", rows)
    return con


def _case(eid: str, force: str, team: str, quarter: str, group: str, days: int | None, victim: str,
          started: str, cse: bool = True) -> tuple[object, ...]:
    closed = group != "open"
    return (force, eid, force, team, quarter, cse, False, True, closed, group, days, 1, 0, 0, False, victim, started)


def test_levels_and_counts() -> None:
    con = _con([
        _case("1", "F1", "A", "2023-Q1", "charge", 10, "v1", "2023-01-01"),
        _case("2", "F1", "A", "2023-Q2", "evidential_difficulty", 20, "v1", "2023-04-01"),
        _case("3", "F1", "B", "2023-Q1", "open", None, "v2", "2023-02-01"),
        _case("4", "F2", "A", "2023-Q1", "no_suspect", 30, "v3", "2023-01-05", cse=False),
    ])
    rows = {(r[0], r[1], r[2], r[3], r[4]): (r[5], r[6], r[7]) for r in
            con.execute(case_measures_sql(InvestigationsConfig())).fetchall()}
    assert rows[("cse", "charge_rate", "F1", None, None)][:2] == (1, 2)  # case 3 is open
    assert rows[("cse", "charge_rate", "F1", "A", "2023-Q2")][:2] == (0, 1)
    assert rows[("cse", "charge_rate", "all", None, None)][:2] == (1, 2)  # case 4 is not CSE
    assert rows[("sexual_child", "no_suspect", "all", None, None)][:2] == (1, 3)
    assert rows[("cse", "median_days_to_outcome", "F1", None, None)][2] == 15.0
    # each victim once per population, at the earliest crime: v1 counts under Q1 only
    assert rows[("cse", "referral_in_time", "F1", None, None)][1] == 2
    assert ("cse", "referral_in_time", "F1", None, "2023-Q2") not in rows
    # no level mixes: every team row is within a force
    assert not [k for k in rows if k[2] == "all" and (k[3] is not None or k[4] is not None)]
