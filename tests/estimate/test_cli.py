"""``clearpicture estimate --counts``: the interface.md shape, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.errors import InputError

DATA = Path(__file__).parent / "data"


def _run(args: list[str]) -> Any:
    return CliRunner().invoke(main, ["estimate", *args])


def test_fixed_uk_model_prints_the_interface_json() -> None:
    doc = json.loads((DATA / "uk_2013_five_lists.json").read_text())
    spec = ",".join(":".join(t) for t in doc["published"]["interactions"])
    r = _run(["--counts", str(DATA / "uk_2013_five_lists.json"), "--model", spec, "--bootstrap", "50", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {"observed", "estimate", "lower", "upper", "model", "models"} <= set(out)
    assert out["observed"] == 2744
    assert out["estimate"] == pytest.approx(11313, rel=0.001)
    assert out["lower"] == pytest.approx(9889, rel=0.002) and out["upper"] == pytest.approx(13063, rel=0.002)
    assert out["model"] == spec


def test_empty_model_means_main_effects_only() -> None:
    r = _run(["--counts", str(DATA / "new_orleans.json"), "--model", "", "--bootstrap", "20", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["model"] == "" and out["estimate"] == pytest.approx(997, rel=0.01)


def test_human_output_names_the_chosen_model_and_warns_on_stderr() -> None:
    r = _run(["--counts", str(DATA / "western_us.json"), "--method", "stepwise_csv", "--bootstrap", "20"])
    assert r.exit_code == 0, r.output
    assert "A:E" in r.stdout and "chosen" in r.stdout
    assert "warning:" in r.stderr and "share no case" in r.stderr


def _bad(tmp_path: Path, doc: Any, raw: str | None = None) -> Any:
    path = tmp_path / "counts.json"
    path.write_text(raw if raw is not None else json.dumps(doc))
    return _run(["--counts", str(path), "--json"])


BAD = {
    "pattern lengths disagree": ({"lists": ["a", "b", "c"], "rows": [{"pattern": "101", "count": 3},
                                                                    {"pattern": "10", "count": 2}]}, "characters"),
    "negative count": ({"lists": ["a", "b"], "rows": [{"pattern": "10", "count": -4}]}, "negative"),
    "all-zero pattern": ({"lists": ["a", "b"], "rows": [{"pattern": "00", "count": 4}]}, "all-zero"),
    "one list": ({"lists": ["a"], "rows": [{"pattern": "1", "count": 4}]}, "at least 2"),
    "unknown model list": ({"lists": ["a", "b", "c"], "rows": [{"pattern": "110", "count": 4}]}, None),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_counts_give_a_one_line_input_error(tmp_path: Path, case: str) -> None:
    doc, words = BAD[case]
    if words is None:
        path = tmp_path / "c.json"
        path.write_text(json.dumps(doc))
        r = _run(["--counts", str(path), "--model", "a:zz"])
        words = "unknown list"
    else:
        r = _bad(tmp_path, doc)
    assert r.exit_code == InputError.exit_code
    assert "Traceback" not in r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("clearpicture: error:") and words in lines[0]


def test_non_json_file_gives_a_one_line_input_error(tmp_path: Path) -> None:
    r = _bad(tmp_path, None, raw="pattern,count\n10,4\n")
    assert r.exit_code == InputError.exit_code
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "not valid JSON" in lines[0]


def test_db_and_counts_together_are_refused(tmp_path: Path) -> None:
    r = _run(["--counts", str(DATA / "korea.json"), "--db", str(tmp_path / "w.duckdb")])
    assert r.exit_code == InputError.exit_code and "exactly one of" in r.stderr


def test_human_output_says_when_there_is_no_finite_upper_limit(tmp_path: Path) -> None:
    """The interval line read '199 – —' when the upper limit was unbounded."""
    path = tmp_path / "sparse.json"
    path.write_text(json.dumps({"lists": ["A", "B"], "rows": [{"pattern": "10", "count": 30},
                                                             {"pattern": "01", "count": 25},
                                                             {"pattern": "11", "count": 1}]}))
    r = _run(["--counts", str(path), "--interval", "parametric", "--bootstrap", "200"])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.stdout.splitlines() if x.startswith("estimated total"))
    assert "no finite upper limit" in line and "– —" not in line
