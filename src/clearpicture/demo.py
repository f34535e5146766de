"""The demo: a small synthetic scenario taken through every stage, ending in an HTML page.

It works in a folder of its own (``./clearpicture-demo``) and is what the README's first command
runs on a fresh machine. It only calls stage functions and writes a page from what they stored.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__, synth
from .pipeline import run_stages
from .store import StageResult, Store

__all__ = ["run_demo"]

SEED = 42


def _summary(store: Store) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for name, label in [("raw_sources", "agencies"), ("raw_persons", "person records"),
                        ("raw_events", "events"), ("raw_links", "links"), ("raw_notes", "notes")]:
        rows.append((label, store.count(name)))
    rows.append(("rows quarantined", store.count("quarantine")))
    rows.append(("field values that failed validation (kept raw)", store.count("field_issues")))
    return rows


def write_page(store: Store, results: list[StageResult], path: Path) -> Path:
    """A self-contained HTML page: what was loaded and what each stage did."""
    summary = "".join(f"<tr><th>{html.escape(k)}</th><td>{v:,}</td></tr>" for k, v in _summary(store))
    stages = "".join(
        f"<tr><th>{html.escape(r.stage)}</th><td>{html.escape(r.status)}</td>"
        f"<td><code>{html.escape(str(r.counts)[:400])}</code></td></tr>"
        for r in results
    )
    issues = "".join(
        f"<tr><td>{html.escape(t)}</td><td>{html.escape(c)}</td><td>{html.escape(str(reason))}</td><td>{n:,}</td></tr>"
        for t, c, reason, n in store.sql(
            "SELECT table_name, column_name, reason, count(*) FROM field_issues GROUP BY ALL ORDER BY 4 DESC LIMIT 15"
        )
    )
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>clearpicture demo</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}}td,th{{padding:.2rem .6rem;text-align:left}}
.mark{{font-weight:bold;color:#8a1c1c}}</style></head><body>
<p class="mark">OFFICIAL-SENSITIVE (synthetic data: no real person appears here)</p>
<h1>clearpicture demo</h1>
<p>A synthetic multi-agency scenario (small, seed {SEED}) taken through clearpicture {__version__}
on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>
<h2>What was loaded</h2><table>{summary}</table>
<h2>Stages run</h2><table>{stages}</table>
<h2>Most common data problems found at ingest</h2>
<table><tr><th>table</th><th>field</th><th>problem</th><th>values</th></tr>{issues}</table>
</body></html>"""
    path.write_text(page, encoding="utf-8")
    return path


def run_demo(folder: Path = Path("clearpicture-demo"), on_step: Callable[[str], None] | None = None) -> Path:
    """Generate, ingest and analyse the small scenario under ``folder``; return the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "scenario"
    if scenario.exists():
        shutil.rmtree(scenario)
    db = folder / "workspace.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    if on_step:
        on_step("synth")
    synth.generate("small", SEED, scenario)
    with Store(db) as store:
        results = run_stages(store, [scenario], on_stage=on_step)
        return write_page(store, results, folder / "report.html")
