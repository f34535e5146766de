"""`clearpicture demo` runs the whole pipeline from an empty folder and prints the page's path."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from clearpicture import Store
from clearpicture.cli import main


def test_demo_from_an_empty_folder(tmp_path: Path) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["demo"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    page = Path(result.stdout.strip().splitlines()[-1])
    assert page == tmp_path / "clearpicture-demo" / "report.html" and page.exists()
    with Store(tmp_path / "clearpicture-demo" / "workspace.duckdb", read_only=True) as store:
        persons = store.count("raw_persons")
        stages = {r[0] for r in store.sql("SELECT stage FROM runs WHERE status = 'ok'")}
    assert 4000 < persons < 7000  # the small scenario, every row loaded
    assert "ingest" in stages
    text = page.read_text()
    assert f"{persons:,}" in text and "OFFICIAL-SENSITIVE" in text
