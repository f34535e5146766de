"""Progress reporting: steps with rows and rates, the stderr renderer, and real stages reporting."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from clearpicture import definitions, ingest, progress
from clearpicture.cli import main
from clearpicture.engine import get_engine
from clearpicture.store import Store
from world import World


class FakeClock:
    """A clock the test moves by hand, so rates are exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_step_records_rows_and_a_rate_from_the_clock() -> None:
    clock = FakeClock()
    events: list[tuple[str, str, int | None]] = []
    reporter = progress.Reporter(lambda s, e: events.append((e, s.label, s.rows)), clock=clock)
    with progress.listening(reporter, engine_logs=False):
        s = progress.step("ingest", "load persons", total=3000)
        clock.now += 2.0
        s.advance(1000)
        clock.now += 2.0
        s.done(2000, loaded=1990, quarantined=10)
    assert reporter.steps == [s]
    assert (s.stage, s.label, s.total, s.rows) == ("ingest", "load persons", 3000, 2000)
    assert s.elapsed() == pytest.approx(4.0)
    assert s.rate() == pytest.approx(500.0)
    assert s.detail == {"loaded": 1990, "quarantined": 10}
    assert events == [("start", "load persons", None), ("advance", "load persons", 1000),
                      ("done", "load persons", 2000)]


def test_row_updates_reach_the_listener_at_most_once_per_interval() -> None:
    clock = FakeClock()
    advances: list[int | None] = []
    reporter = progress.Reporter(lambda s, e: advances.append(s.rows) if e == "advance" else None,
                                 clock=clock, min_interval=1.0)
    s = reporter.step("language", "review notes")
    for _ in range(10):
        s.advance(5)
        clock.now += 0.25
    assert s.rows == 50
    assert advances == [5, 25, 45]


def test_without_a_listener_steps_do_nothing_and_totals_are_not_computed() -> None:
    asked: list[bool] = []

    def total() -> int:
        asked.append(True)
        return 10

    s = progress.step("language", "review notes", total=total)
    s.advance(5)
    s.done(7)
    assert progress.active() is None
    assert asked == []
    assert s.rows is None and s.finished is None
    with progress.listening(progress.Reporter(), engine_logs=False) as reporter:
        assert progress.step("language", "review notes", total=total).total == 10
    assert asked == [True]
    assert progress.active() is None
    assert len(reporter.steps) == 1


def test_a_failing_total_leaves_the_total_unknown_instead_of_failing_the_stage() -> None:
    def broken() -> int:
        raise OSError("not a parquet file")

    with progress.listening(progress.Reporter(), engine_logs=False):
        assert progress.step("ingest", "read x.parquet", total=broken).total is None


def test_engine_steps_become_steps_of_the_running_stage(tmp_path: Path) -> None:
    logger = logging.getLogger("clearpicture.engine")
    level_before = logger.level
    with Store(tmp_path / "w.duckdb") as store:
        engine = get_engine("duckdb", store)
        reporter = progress.Reporter()
        with progress.listening(reporter):
            whole = reporter.step("link", "whole stage")
            with engine.step("splink predict"):
                store.sql("SELECT 1")
            whole.done()
        with engine.step("after listening"):
            pass
        engine.close()
    labels = [(s.stage, s.label) for s in reporter.steps]
    assert labels == [("link", "whole stage"), ("link", "splink predict")]
    assert reporter.steps[1].finished is not None and reporter.steps[1].elapsed() >= 0
    assert logger.level == level_before
    assert not any(isinstance(h, progress.EngineLogHandler) for h in logger.handlers)


def test_the_renderer_writes_stage_rows_and_rate_to_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock()
    err = io.StringIO()
    with progress.rendering(True, stream=err, clock=clock):
        with progress.step("ingest", "load persons from persons.csv", total=4000) as s:
            clock.now += 4.0
            s.done(4000, loaded=3990, quarantined=10, unchanged=0)
        with progress.step("link", "whole stage"):
            clock.now += 1.5
    text = err.getvalue()
    first, second = text.splitlines()
    assert first.split()[:5] == ["ingest", "load", "persons", "from", "persons.csv"]
    assert "4,000/4,000 rows" in first and "1,000 rows/s" in first and "4.0s" in first
    assert "loaded 3,990, quarantined 10, unchanged 0" in first
    assert second.split() == ["link", "whole", "stage", "1.5s"]
    assert capsys.readouterr().out == ""


def test_progress_is_off_when_disabled_or_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.delenv("CLEARPICTURE_PROGRESS", raising=False)
    with progress.rendering(None, stream=err) as reporter:
        progress.step("ingest", "read persons.csv").done(10)
    assert reporter is None and err.getvalue() == ""
    with progress.rendering(False, stream=err) as reporter:
        progress.step("ingest", "read persons.csv").done(10)
    assert reporter is None and err.getvalue() == ""
    monkeypatch.setenv("CLEARPICTURE_PROGRESS", "1")
    assert progress.wanted(None, io.StringIO())
    assert not progress.wanted(False, io.StringIO())


def test_ingest_reports_rows_that_add_up_to_what_it_loaded(small_world: World, tmp_path: Path) -> None:
    reporter = progress.Reporter()
    with Store(tmp_path / "w.duckdb") as store, progress.listening(reporter):
        result = ingest.run(store, [small_world.data])
    tables = result.counts["tables"]
    loads = [s for s in reporter.steps if s.label.startswith("load ")]
    reads = [s for s in reporter.steps if s.label.startswith("read ")]
    assert {s.label.split()[1] for s in loads} == set(tables)
    for name, c in tables.items():
        steps = [s for s in loads if s.label.split()[1] == name]
        assert sum(s.rows or 0 for s in steps) == c["read"]
        assert sum(s.detail["loaded"] for s in steps) == c["loaded"]
        assert sum(s.detail["quarantined"] + s.detail["unchanged"] for s in steps) == c["quarantined"] + c["unchanged"]
        for s in steps:
            assert s.rows == s.detail["loaded"] + s.detail["quarantined"] + s.detail["unchanged"]
            assert s.total == s.rows
    assert sum(s.rows or 0 for s in reads) == sum(c["read"] for c in tables.values())
    assert all(s.finished is not None for s in reporter.steps)


def test_ingest_knows_a_parquet_files_rows_before_reading_it(small_world: World, tmp_path: Path) -> None:
    parquet = tmp_path / "persons.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{small_world.data / 'persons.csv'}', all_varchar = true)) "
               f"TO '{parquet}' (FORMAT parquet)")
    rows = duckdb.sql(f"SELECT count(*) FROM '{parquet}'").fetchall()[0][0]
    reporter = progress.Reporter()
    with Store(tmp_path / "w.duckdb") as store, progress.listening(reporter):
        ingest.run(store, [parquet])
    (read,) = [s for s in reporter.steps if s.label.startswith("read ")]
    assert read.total == rows and read.rows == rows


def test_definitions_report_each_table_and_the_cases_they_publish(small_world: World, tmp_path: Path) -> None:
    reporter = progress.Reporter()
    with small_world.copy(tmp_path) as store:
        with progress.listening(reporter):
            definitions.run(store, {"definitions": ["cse-dfe-2017"]})
        published = dict(store.sql("SELECT definition_id, count(*) FROM definition_cases GROUP BY ALL"))
    labels = [s.label for s in reporter.steps]
    assert any(label.startswith("working table (def_persons)") for label in labels)
    assert any(label.startswith("criterion ") for label in labels)
    (publish,) = [s for s in reporter.steps if s.label == "publish cse-dfe-2017"]
    assert publish.rows == published["cse-dfe-2017"]
    assert all(s.stage == "definitions" and s.rows is not None for s in reporter.steps)


def test_the_cli_keeps_stdout_pure_json_and_shows_progress_on_stderr(small_world: World, tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "w.duckdb")
    shown = runner.invoke(main, ["ingest", str(small_world.data), "--db", db, "--json", "--progress"])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    assert doc["tables"]["persons"]["read"] > 0
    assert f"{doc['tables']['persons']['read']:,}" in shown.stderr
    assert "rows/s" in shown.stderr and "whole stage" in shown.stderr
    quiet = runner.invoke(main, ["quality", "--db", db, "--json"], env={"CLEARPICTURE_PROGRESS": ""})
    assert quiet.exit_code == 0, quiet.output
    json.loads(quiet.stdout)
    assert "whole stage" not in quiet.stderr


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, so the live display runs."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_duckdbs_own_bar_is_silenced_for_the_run_and_restored_after(
        capsys: pytest.CaptureFixture[str]) -> None:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar_print = true")
    err = _Terminal()
    with progress.rendering(True, stream=err, con=con) as reporter:
        assert reporter is not None
        during = con.execute("SELECT current_setting('enable_progress_bar_print')").fetchall()[0][0]
        with progress.step("definitions", "working table (def_persons)") as s:
            s.done(con.execute("SELECT count(*) FROM range(1000)").fetchall()[0][0])
    after = con.execute("SELECT current_setting('enable_progress_bar_print')").fetchall()[0][0]
    assert (during, after) == (False, True)
    assert "working table (def_persons)" in err.getvalue() and "1,000 rows" in err.getvalue()
    assert capsys.readouterr().out == ""


def test_a_step_left_by_an_error_is_shown_as_failed() -> None:
    err = io.StringIO()
    with pytest.raises(RuntimeError), progress.rendering(True, stream=err), progress.step("groups", "find groups"):
        raise RuntimeError("boom")
    (text,) = err.getvalue().splitlines()
    assert text.split()[:3] == ["groups", "find", "groups"] and text.endswith("FAILED")
