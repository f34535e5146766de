"""The definitions stage: tables with provenance, scale side by side, records before and entities after
linkage, local definition files, and the disclosure-controlled annual data return."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

import pytest
import yaml
from defworld import build, event, link, person

from clearpicture import definitions
from clearpicture.errors import ConfigError
from clearpicture.store import Store


@pytest.fixture()
def store() -> Store:
    s = Store(":memory:")
    build(s)
    return s


def _by_id(store: Store) -> dict[str, dict[str, object]]:
    return {r["id"]: r for r in definitions.summarise(store)}


def test_run_writes_tables_with_run_provenance(store: Store) -> None:
    result = definitions.run(store)
    run = store.dicts("SELECT stage, status, parameters FROM runs WHERE run_id = ?", [result.run_id])[0]
    assert run["stage"] == "definitions" and run["status"] == "ok"
    assert "cse-dfe-2017@1.0" in json.loads(run["parameters"])["definitions"]
    ids = {r[0] for r in store.sql("SELECT DISTINCT run_id FROM definition_cases")}
    assert ids == {result.run_id}
    cols = {r[0] for r in store.sql("SELECT column_name FROM information_schema.columns "
                                    "WHERE table_name = 'definition_victims'")}
    assert {"definition_id", "source", "person_id", "entity_id"} <= cols


def test_scale_and_flagging_gaps_side_by_side(store: Store) -> None:
    definitions.run(store)
    rows = _by_id(store)
    cse = rows["cse-dfe-2017"]
    # meeting crimes: E1 E2 E5 E6 E7 E8 E9; plus referral R1 (a case, not a crime)
    assert cse["crimes"] == 7 and cse["cases"] == 8
    # unflagged among meeting cases: E2 E6 E7 E8 E9; flagged not meeting: E10 (burglary, adult)
    assert cse["unflagged"] == 5 and cse["flagged_not_meeting"] == 1
    # victims: V1 V2 V5 V6 V7 V9 and the social care record V1s (records: no linkage yet)
    assert cse["victims"] == 7 and cse["people_as"] == "records"
    assert cse["offenders"] == 8  # S1 S2 (E1), S3 (E2), S5, S6, S7, S8, S9
    gb = rows["gbcse-iicsa-2019"]
    assert gb["crimes"] == 2 and gb["crimes"] <= cse["crimes"]
    assert rows["gbcse-network"]["crimes"] == 0 and "network stage" in str(rows["gbcse-network"]["note"])


def test_after_linkage_people_are_entities(store: Store) -> None:
    definitions.run(store, {"definitions": ["cse-dfe-2017"]})
    before = _by_id(store)["cse-dfe-2017"]["victims"]
    store.execute("CREATE TABLE entity_persons AS SELECT source, person_id, "
                  "CASE WHEN person_id = 'V1s' THEN 'ent-V1' ELSE 'ent-' || person_id END AS entity_id FROM raw_persons")
    definitions.run(store, {"definitions": ["cse-dfe-2017"]})
    after = _by_id(store)["cse-dfe-2017"]
    assert after["victims"] == before - 1 and after["people_as"] == "entities"  # V1 and V1s are one child
    ents = {r[0] for r in store.sql("SELECT entity_id FROM definition_victims WHERE person_id IN ('V1', 'V1s')")}
    assert ents == {"ent-V1"}


def test_entity_date_of_birth_fills_a_record_without_one(store: Store) -> None:
    # V6 has no date of birth on the police record; the social care record of the same child has one
    person(store, "V6s", "2015-03-03", source="SC")
    event(store, "E12", code="20/1")  # sexual assault, not by its code against a child: age decides
    link(store, "V6", "E12", "victim")
    definitions.run(store, {"definitions": ["cse-dfe-2017"]})
    meets = dict(store.sql("SELECT event_id, meets FROM definition_cases WHERE event_id = 'E12'"))
    assert meets.get("E12") is None or meets["E12"] is False
    store.execute("CREATE TABLE entity_persons AS SELECT source, person_id, "
                  "CASE WHEN person_id = 'V6s' THEN 'ent-V6' ELSE 'ent-' || person_id END AS entity_id FROM raw_persons")
    definitions.run(store, {"definitions": ["cse-dfe-2017"]})
    assert store.sql("SELECT meets FROM definition_cases WHERE event_id = 'E12'") == [(True,)]


def test_running_one_definition_keeps_the_others(store: Store) -> None:
    definitions.run(store)
    n = store.sql("SELECT count(*) FROM definition_cases WHERE definition_id = 'gbcse-iicsa-2019'")[0][0]
    definitions.run(store, {"definitions": ["cse-dfe-2017"]})
    assert store.sql("SELECT count(*) FROM definition_cases WHERE definition_id = 'gbcse-iicsa-2019'")[0][0] == n


def test_local_definition_file_is_applied_and_unknown_ids_refused(store: Store, tmp_path: Path) -> None:
    res = resources.files("clearpicture.definitions") / "data" / "definitions" / "30-gbcse-multi-suspect.yaml"
    doc = yaml.safe_load(res.read_text(encoding="utf-8"))
    doc.update(id="local-three-suspects", criteria={"min_suspects_per_event": 3})
    path = tmp_path / "local.yaml"
    path.write_text(yaml.safe_dump(doc))
    definitions.run(store, {"definitions": ["cse-dfe-2017"], "definition_files": [str(path)]})
    assert set(_by_id(store)) == {"cse-dfe-2017", "local-three-suspects"}
    with pytest.raises(ConfigError, match="unknown definition"):
        definitions.run(store, {"definitions": ["no-such"]})
    with pytest.raises(ConfigError, match="colour"):
        definitions.run(store, {"colour": "red"})


def _big_world(store: Store, n: int) -> None:
    """n group-based crimes (two suspects each) against n children, for the data return."""
    for i in range(n):
        person(store, f"CV{i}", "2009-06-01" if i % 3 else None, sex="F" if i % 4 else "M",
               ethnicity_self="W1" if i % 2 else None)
        person(store, f"CS{i}a", "1985-01-01", sex="M", nationality="GBR" if i % 5 else None)
        person(store, f"CS{i}b", "1999-01-01", sex="M")
        event(store, f"CE{i}", code="19/4", flags="CSE" if i % 2 else None, at=f"2023-{1 + i % 12:02d}-10 10:00:00")
        link(store, f"CV{i}", f"CE{i}", "victim")
        link(store, f"CS{i}a", f"CE{i}", "suspect")
        link(store, f"CS{i}b", f"CE{i}", "suspect")


def test_data_return_shows_no_count_under_ten_and_prints_the_note(store: Store, tmp_path: Path) -> None:
    _big_world(store, 57)
    definitions.run(store)
    ret = definitions.annual_return(store, 2023)
    out = definitions.write_return(ret, tmp_path / "return.csv")
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    assert any("disclosure control" in r[0] for r in rows if r)
    header = rows.index(["section", "value", "offences", "victims", "suspects"])
    numbers = [c for r in rows[header + 1:] for c in r[2:] if c not in ("", "*")]
    assert numbers and all(int(c) >= 10 and int(c) % 5 == 0 for c in numbers)
    assert any(c == "*" for r in rows[header + 1:] for c in r[2:])  # small cells were hidden
    total = next(r for r in rows if r[:2] == ["offences by category", "total"])
    assert total[2] == "55" or total[2] == "60"  # 57 true offences (plus E1, E9), rounded to 5


def test_data_return_xlsx_and_formula_cells_are_neutralised(store: Store, tmp_path: Path) -> None:
    _big_world(store, 20)
    res = resources.files("clearpicture.definitions") / "data" / "definitions" / "20-gbcse-iicsa-2019.yaml"
    doc = yaml.safe_load(res.read_text(encoding="utf-8"))
    doc.update(id="local-iicsa", citation="=HYPERLINK(\"http://example.invalid\",\"local definition\")")
    path = tmp_path / "local.yaml"
    path.write_text(yaml.safe_dump(doc))
    definitions.run(store, {"definitions": [], "definition_files": [str(path)]})
    ret = definitions.annual_return(store, 2023, "local-iicsa")
    ret.rows.append({"section": "=1+2", "value": "@SUM(A1)", "offences": 10})
    out = definitions.write_return(ret, tmp_path / "return.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    assert ws is not None
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    csv_out = definitions.write_return(ret, tmp_path / "return.csv").read_text(encoding="utf-8")
    assert "'=1+2,'@SUM(A1)" in csv_out and "\n=" not in csv_out and "Definition: local-iicsa" in csv_out
    with pytest.raises(Exception, match=r"\.csv or \.xlsx"):
        definitions.write_return(ret, tmp_path / "return.pdf")
