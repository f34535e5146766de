"""Governance outputs: disparity counts are right and protected, documents are written and marked."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from trustworld import build_world, insert_rows

from clearpicture.cli import main
from clearpicture.disclosure import DisclosureRule
from clearpicture.security import audit
from clearpicture.security.governance import disparity_report, disparity_rows, dpia_material, model_card
from clearpicture.store import Store

TRUE = DisclosureRule(threshold=0, rounding=1, secondary=False)


def _many(store: Store) -> None:
    """40 more records: 30 female (12 flagged), 10 male (1 flagged), to give countable groups."""
    rows, victims = [], []
    for i in range(40):
        sex = "F" if i < 30 else "M"
        pid = f"LA1-X-{i}"
        rows.append({"source": "LA1", "person_id": pid, "sex": sex, "sex_raw": sex})
        if i < 12 or i == 30:
            victims.append({"definition_id": "gbcse-iicsa-2019", "source": "LA1", "person_id": pid})
    insert_rows(store, "raw_persons", rows)
    insert_rows(store, "definition_victims", victims)


def test_disparity_counts_records_and_flags_by_recorded_sex(world: Store) -> None:
    _many(world)
    rows, flags = disparity_rows(world, "sex", "sex", broad=False)
    by = {r["group"]: r for r in rows}
    assert by["Female"]["records"] == 30 + 3 and by["Male"]["records"] == 10 + 2
    # the world already holds two female victims (the erasure subject and LA1-C-2)
    assert by["Female"]["victim under gbcse-iicsa-2019"] == 12 + 2
    assert by["Male"]["victim under gbcse-iicsa-2019"] == 1
    assert "in a group as offender" in flags


def test_disparity_report_applies_disclosure_control_by_default(world: Store) -> None:
    _many(world)
    protected = disparity_report(world)
    assert "| Male | 10 |" in protected  # 12 rounded to 10
    assert "| Female | 35 |" in protected  # 33 rounded to 35
    assert "Statistical disclosure control applied" in protected
    true = disparity_report(world, TRUE)
    assert "| Male | 12 |" in true and "| Female | 33 |" in true
    assert "14 / 42.4%" in true  # 14 of 33 female records flagged
    assert "| **All records** | 45 | 100% | 15 / 33.3% |" in true  # the baseline to compare with


def test_documents_say_what_is_excluded_and_what_is_held(world: Store) -> None:
    audit.record(world, "ana", "disclosure", {"export": "x", "sources": ["PF1"]}, justification="j",
                 recipient="LA1 hub")
    card = model_card(world)
    assert "persons.ethnicity_self" in card and "No individual risk scores" in card
    dpia = dpia_material(world)
    assert "verified intact" in dpia and "LA1 hub" in dpia and "`raw_persons`" in dpia
    assert "Zebedee" not in card + dpia


def test_cli_writes_markdown_and_html(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Store(db) as s:
        build_world(s)
    r = CliRunner().invoke(main, ["governance", "--db", str(db), "--out", str(tmp_path / "gov"), "--json"])
    assert r.exit_code == 0, r.output
    files = json.loads(r.stdout)["files"]
    assert sorted(Path(f).name for f in files) == sorted(
        f"{n}.{e}" for n in ("model-card", "disparity-report", "dpia-material") for e in ("md", "html"))
    html = (tmp_path / "gov" / "dpia-material.html").read_text()
    assert html.count("OFFICIAL-SENSITIVE") >= 2 and "<script" not in html and "<table>" in html
