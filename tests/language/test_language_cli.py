"""``clearpicture language``: CSV, JSON Lines and stdin in, one JSON line per row out; clean errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from clearpicture.cli import main


def _run(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_csv_file_gives_one_json_line_per_row(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text('id,text\nA1,"Zoë 🙂 is streetwise, mature for her age."\nA2,Adults are grooming her.\n',
                    encoding="utf-8")
    code, out, _ = _run(["language", str(path), "--json"])
    assert code == 0
    rows = _lines(out)
    assert [r["id"] for r in rows] == ["A1", "A2"]
    assert rows[1] == {"id": "A2", "flagged": False, "findings": []}
    first = rows[0]
    assert first["flagged"] is True
    texts = [f["text"] for f in first["findings"]]  # type: ignore[attr-defined]
    assert texts == ["streetwise", "mature for her age"]
    for f in first["findings"]:  # type: ignore[attr-defined]
        assert set(f) == {"start", "end", "text", "category", "why", "suggestion"}
        assert "Zoë 🙂 is streetwise, mature for her age."[f["start"] : f["end"]] == f["text"]


def test_jsonl_on_stdin_with_numeric_ids(tmp_path: Path) -> None:
    stdin = '{"id": 7, "text": "She has an older boyfriend."}\n\n{"id": "8", "text": "No concerns."}\n'
    code, out, _ = _run(["language", "--json"], stdin)
    assert code == 0
    rows = _lines(out)
    assert [(r["id"], r["flagged"]) for r in rows] == [("7", True), ("8", False)]
    code, out_dash, _ = _run(["language", "-", "--json"], stdin)
    assert code == 0 and _lines(out_dash) == rows


def test_csv_on_stdin_is_sniffed() -> None:
    code, out, _ = _run(["language", "--json"], "id,text\n1,She absconded again.\n")
    assert code == 0 and _lines(out)[0]["flagged"] is True


def test_human_output_lists_findings_and_a_summary(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text('{"id": "x", "text": "Promiscuous."}\n', encoding="utf-8")
    code, out, _ = _run(["language", str(path)])
    assert code == 0
    assert "sexualised_label" in out and "1 notes reviewed, 1 with findings" in out


def test_missing_column_is_a_one_line_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("note,body\n1,x\n", encoding="utf-8")
    code, out, err = _run(["language", str(path), "--json"])
    assert code == 3 and out == ""
    assert err.strip().count("\n") == 0 and "missing column 'id'" in err and "bad.csv" in err


def test_invalid_json_line_names_the_line() -> None:
    code, _, err = _run(["language", "--json"], '{"id": 1, "text": "ok"}\n{not json}\n')
    assert code == 3 and "line 2" in err


def test_bad_rules_file_is_a_config_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("version: 1\n", encoding="utf-8")
    code, _, err = _run(["language", "--rules", str(rules), "--json"], "id,text\n1,x\n")
    assert code == 2 and "rules.yaml" in err


def test_file_and_db_together_is_a_usage_error(tmp_path: Path) -> None:
    code, _, _ = _run(["language", "x.csv", "--db", str(tmp_path / "w.duckdb")])
    assert code == 2


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    code, _, err = _run(["language", str(tmp_path / "nope.csv")])
    assert code == 3 and "nope.csv" in err
