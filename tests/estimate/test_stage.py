"""``estimate --db``: victims of the definition in force, one list per source kind, strata, estimate_* tables.

The upstream tables (definition_victims, definition_cases, entity_persons and the records' events,
links and notes) are hand-built here in a fresh Store. Which records put a child on a list is
tested in test_lists.py.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.errors import ConfigError, InputError
from clearpicture.estimate import EstimateConfig, EstimateOptions, run, run_with_output
from clearpicture.estimate.stage import age_band, pattern_rows
from clearpicture.store import Store

SOURCES = [("POL-N", "police", "North"), ("POL-S", "police", "South"), ("SC-N", "social_care", "North"),
           ("SC-S", "social_care", "South"), ("HEALTH", "health", "North")]
KIND_P = {"police": 0.35, "social_care": 0.45, "health": 0.3}
TRUE_TOTAL = 600


def _world(path: Path, seed: int = 5) -> tuple[Store, Counter[str]]:
    """TRUE_TOTAL children, each seen independently by each kind of agency; expected pattern counts."""
    store = Store(path)
    rng = np.random.default_rng(seed)
    expected: Counter[str] = Counter()
    persons, entities, victims, events, links = [], [], [], [], []
    for i in range(TRUE_TOTAL):
        area = "North" if i % 3 else "South"
        seen = {k: bool(rng.random() < p) for k, p in KIND_P.items()}
        if not any(seen.values()):
            continue
        expected["".join("1" if seen[k] else "0" for k in ("police", "social_care", "health"))] += 1
        dob = date(2008 + i % 6, 1 + i % 12, 1)
        for kind, on in seen.items():
            if not on:
                continue
            src = {"police": f"POL-{area[0]}", "social_care": f"SC-{area[0]}", "health": "HEALTH"}[kind]
            pid = f"{kind}-{i}"
            persons.append((src, pid, dob, dob.isoformat()))
            entities.append((src, pid, f"E{i}"))
            # every record is the child's own case at that agency: a crime (police), else a case with a note
            event_kind = {"police": "crime", "social_care": "referral", "health": "health_contact"}[kind]
            events.append((src, f"ev-{pid}", event_kind))
            links.append((src, "person", pid, "event", f"ev-{pid}", "victim" if kind == "police" else "subject"))
            victims.append(("cse-dfe-2017", src, pid, None))
    # a victim of another definition must be ignored
    victims.append(("gbcse-iicsa-2019", "POL-N", "x", None))
    frames = {
        "src": pd.DataFrame([(c, c, k, k, a) for c, k, a in SOURCES],
                            columns=["source", "name", "kind", "kind_raw", "area"]),
        "per": pd.DataFrame(persons, columns=["source", "person_id", "date_of_birth", "date_of_birth_raw"]),
        "ent": pd.DataFrame(entities, columns=["source", "person_id", "entity_id"]),
        "vic": pd.DataFrame(victims, columns=["definition_id", "source", "person_id", "entity_id"]).astype(
            {"entity_id": "string"}),
        "evs": pd.DataFrame(events, columns=["source", "event_id", "kind"]),
        "lnk": pd.DataFrame(links, columns=["source", "from_type", "from_id", "to_type", "to_id", "role"]),
    }
    for name, frame in frames.items():
        store.con.register(name, frame)
    store.execute("INSERT INTO raw_sources (source, name, kind, kind_raw, area) SELECT * FROM src")
    store.execute("INSERT INTO raw_persons (source, person_id, date_of_birth, date_of_birth_raw) "
                  "SELECT source, person_id, CAST(date_of_birth AS DATE), date_of_birth_raw FROM per")
    store.execute("CREATE TABLE entity_persons AS SELECT * FROM ent")
    store.execute("CREATE TABLE definition_victims AS SELECT definition_id, source, person_id, "
                  "CAST(entity_id AS VARCHAR) AS entity_id FROM vic")
    store.execute("INSERT INTO raw_events (source, event_id, kind, kind_raw) SELECT source, event_id, kind, kind FROM evs")
    store.execute("INSERT INTO raw_links (source, from_type, from_id, to_type, to_id, role) SELECT * FROM lnk")
    store.execute("INSERT INTO raw_notes (source, note_id, about_type, about_id, text) SELECT source, 'n-' || event_id, "
                  "'event', event_id, 'Strategy discussion held; the child is being exploited.' FROM evs "
                  "WHERE kind <> 'crime'")
    store.execute("CREATE TABLE definition_cases AS SELECT 'cse-dfe-2017' AS definition_id, source, event_id, "
                  "TRUE AS meets FROM evs")
    for name in frames:
        store.con.unregister(name)
    return store, expected


FAST = EstimateOptions(bootstrap=100, intervals=("profile", "parametric"))


def test_patterns_are_built_per_victim_across_source_kinds(tmp_path: Path) -> None:
    store, expected = _world(tmp_path / "w.duckdb")
    result, doc = run_with_output(store, EstimateConfig(model="", options=FAST))
    assert doc["lists"] == ["police", "social_care", "health"]
    assert doc["observed"] == sum(expected.values())
    stored = dict(store.sql("SELECT pattern, count FROM estimate_patterns WHERE run_id = ? AND stratum = 'all'",
                            [result.run_id]))
    assert stored == dict(expected)
    # independent lists, main-effects model: the known total is inside the interval
    assert doc["lower"] < TRUE_TOTAL < doc["upper"]
    row = store.dicts("SELECT * FROM estimate_results WHERE run_id = ?", [result.run_id])
    assert len(row) == 1 and row[0]["estimate"] == pytest.approx(doc["estimate"])
    assert store.sql("SELECT stage, status FROM runs WHERE run_id = ?", [result.run_id]) == [("estimate", "ok")]
    n_models = store.sql("SELECT count(*) FROM estimate_models WHERE run_id = ?", [result.run_id])[0][0]
    assert n_models == len(doc["models"]) >= 1


def test_strata_are_estimated_separately_and_summed(tmp_path: Path) -> None:
    store, expected = _world(tmp_path / "w.duckdb")
    _, doc = run_with_output(store, EstimateConfig(strata="area", model="", options=FAST))
    names = [s["stratum"] for s in doc["strata"]]
    assert names == ["North", "South"]
    assert sum(s["observed"] for s in doc["strata"]) == doc["observed"] == sum(expected.values())
    assert doc["estimate"] == pytest.approx(sum(s["estimate"] for s in doc["strata"]), abs=0.05)
    assert doc["lower"] < doc["estimate"] < doc["upper"]
    rows = store.sql("SELECT stratum FROM estimate_results WHERE run_id = ? ORDER BY stratum", [doc["run_id"]])
    assert [r[0] for r in rows] == ["North", "South", "all"]


def test_age_band_strata_use_the_reference_date(tmp_path: Path) -> None:
    store, _ = _world(tmp_path / "w.duckdb")
    _, doc = run_with_output(store, EstimateConfig(strata="age_band", model="", as_of=date(2024, 6, 1),
                                                   options=FAST))
    assert {s["stratum"] for s in doc["strata"]} <= {"0-12", "13-15", "16-17", "18+", "unknown"}
    assert sum(s["observed"] for s in doc["strata"]) == doc["observed"]


def test_age_band_boundaries() -> None:
    assert age_band(date(2010, 6, 2), date(2023, 6, 1)) == "0-12"
    assert age_band(date(2010, 6, 1), date(2023, 6, 1)) == "13-15"
    assert age_band(date(2006, 6, 1), date(2023, 6, 1)) == "16-17"
    assert age_band(date(2005, 6, 1), date(2023, 6, 1)) == "18+"
    assert age_band(None, date(2023, 6, 1)) == "unknown"


def test_unlinked_records_count_as_their_own_people(tmp_path: Path) -> None:
    store, expected = _world(tmp_path / "w.duckdb")
    store.execute("DROP TABLE entity_persons")
    # without linkage every record is its own person: nobody is on two lists, nothing can be estimated
    with pytest.raises(InputError, match="no case is on more than one list"):
        run_with_output(store, EstimateConfig(model="", options=FAST))
    store.execute("CREATE TABLE entity_persons AS SELECT source, person_id, source || person_id AS entity_id"
                  " FROM definition_victims")
    with pytest.raises(InputError, match="no case is on more than one list"):
        run_with_output(store, EstimateConfig(model="", options=FAST))
    assert store.sql("SELECT count(*) FROM runs WHERE stage = 'estimate'")[0][0] == 0


def test_missing_upstream_table_and_single_kind_are_input_errors(tmp_path: Path) -> None:
    store = Store(tmp_path / "empty.duckdb")
    with pytest.raises(InputError, match="definition_victims is missing"):
        run(store)
    store2, _ = _world(tmp_path / "w.duckdb")
    with pytest.raises(InputError, match="at least 2 kinds"):
        run(store2, EstimateConfig(kinds=("police",)))
    with pytest.raises(InputError, match="'no-such-definition' has not been applied"):
        run(store2, EstimateConfig(definition="no-such-definition"))


def test_cli_db_path_prints_the_same_shape(tmp_path: Path) -> None:
    store, expected = _world(tmp_path / "w.duckdb")
    store.close()
    r = CliRunner().invoke(main, ["estimate", "--db", str(tmp_path / "w.duckdb"), "--model", "",
                                  "--bootstrap", "50", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["observed"] == sum(expected.values()) and out["model"] == ""
    assert out["lower"] < out["estimate"] < out["upper"]


def test_run_accepts_a_plain_mapping_config(tmp_path: Path) -> None:
    store, expected = _world(tmp_path / "w.duckdb")
    result = run(store, {"model": "", "bootstrap": 30, "seed": 4, "strata": None})
    assert result.counts["observed"] == sum(expected.values())
    assert json.loads(store.sql("SELECT parameters FROM runs WHERE run_id = ?", [result.run_id])[0][0])[
        "options"]["bootstrap"] == 30
    with pytest.raises(ConfigError, match="unknown key"):
        run(store, {"modle": ""})


def test_searched_strata_add_up_the_model_averaged_draws(tmp_path: Path) -> None:
    store, _ = _world(tmp_path / "w.duckdb")
    _, doc = run_with_output(store, EstimateConfig(strata="area", options=FAST))
    # each stratum's draws are its reported interval's: averaged, or profile (parametric draws) where
    # a single model is admissible; the label names every kind summed
    kinds = list(dict.fromkeys(s["interval"] for s in doc["strata"]))
    assert "averaged" in kinds and set(kinds) <= {"averaged", "profile"}
    assert doc["interval"] == f"{'/'.join(kinds)} (strata draws summed)"
    assert doc["lower"] < doc["estimate"] < doc["upper"]
    # the sum's interval is narrower than adding the strata's limits (their extremes rarely coincide)
    assert doc["upper"] - doc["lower"] < sum(s["upper"] - s["lower"] for s in doc["strata"])


def test_pattern_rows_for_a_page_are_the_latest_run_and_protected_for_partners(tmp_path: Path) -> None:
    store, expected = _world(tmp_path / "w.duckdb")
    run_with_output(store, EstimateConfig(model="", options=FAST))
    _, doc = run_with_output(store, EstimateConfig(strata="age_band", model="", options=FAST, as_of=date(2024, 6, 1)))
    inside, note = pattern_rows(store, partner=False)
    bands = {s["stratum"] for s in doc["strata"]}
    assert note is None and {r["stratum"] for r in inside} == bands | {"all"}  # the latest run only
    assert {r["pattern"]: r["count"] for r in inside if r["stratum"] == "all"} == dict(expected)
    shared, note = pattern_rows(store, partner=True)
    assert note is not None and "suppressed" in note
    assert len(shared) == (len(bands) + 1) * 7  # every pattern of 3 lists per stratum and all, zeros included
    assert all(r["count"] is None or (r["count"] >= 10 and r["count"] % 5 == 0) for r in shared)
    small = {(r["stratum"], r["pattern"]) for r in inside if r["count"] < 10}
    assert small and all(r["count"] is None for r in shared if (r["stratum"], r["pattern"]) in small)
    assert pattern_rows(Store(tmp_path / "empty.duckdb"), partner=True) == ([], None)


def test_report_section_for_partners_rounds_the_estimate_and_hides_fit_statistics(tmp_path: Path) -> None:
    from clearpicture.report.model import Context
    from clearpicture.report.sections_findings import estimate as estimate_section

    store, expected = _world(tmp_path / "w.duckdb")
    _, doc = run_with_output(store, EstimateConfig(strata="area", model="", options=FAST))
    inside = estimate_section(Context(store, "operational"))
    shared = estimate_section(Context(store, "partner"))
    observed = sum(expected.values())
    assert f"{observed:,} child victims" in inside.paragraphs[0]  # the total, not a stratum
    assert f"{5 * round(observed / 5):,} child victims" in shared.paragraphs[0]
    assert f"{round(doc['estimate']):,}" in inside.paragraphs[0]
    assert f"{5 * round(doc['estimate'] / 5):,}" in shared.paragraphs[0]
    assert "aic" in inside.tables[0].columns and "aic" not in shared.tables[0].columns
    assert all(m["estimate"] % 5 == 0 for m in shared.tables[0].rows)


def test_cli_db_partner_audience_protects_strata_and_their_patterns(tmp_path: Path) -> None:
    store, expected = _world(tmp_path / "w.duckdb")
    store.close()
    r = CliRunner().invoke(main, ["estimate", "--db", str(tmp_path / "w.duckdb"), "--model", "", "--strata", "area",
                                  "--bootstrap", "50", "--json", "--audience", "partner"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["audience"] == "partner" and out["evidence"] == "substantiated"
    assert out["observed"] % 5 == 0 and abs(out["observed"] - sum(expected.values())) <= 2
    assert [s["stratum"] for s in out["strata"]] == ["North", "South"]
    assert all(s["observed"] % 5 == 0 for s in out["strata"])
    assert len(out["patterns"]) == 7 and set(out["patterns"][0]) == {"pattern", "lists", "North", "South", "all"}
    cells = [row[c] for row in out["patterns"] for c in ("North", "South", "all")]
    assert all(v is None or (v >= 10 and v % 5 == 0) for v in cells)
    assert all("aic" not in m for m in out["models"])
