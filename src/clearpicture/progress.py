"""Progress of long runs: stages report steps and rows; the CLI shows them on stderr.

At national scale a stage runs for minutes, so an analyst needs to see that work is moving and how
fast. Stage code reports without any callback in its signature::

    with progress.step("ingest", "load persons from persons.csv", total=n) as s:
        ...
        s.done(rows, loaded=..., quarantined=...)

``step`` finds the listening :class:`Reporter` in a context variable; when nothing listens (the
library used from Python, tests, the web app) it returns a shared do-nothing step, so a call costs
one context-variable lookup. ``total`` may be a callable, evaluated only when someone listens, so a
stage never pays for a count nobody sees.

Engine steps (linkage, the network's edge steps) are not edited to report: :class:`EngineLogHandler`
turns the engine's own log lines (``"<engine>: <label> took <s>s"`` on ``clearpicture.engine.*``)
into finished steps of the stage currently running.

:func:`rendering` is what the CLI installs: a rich display on stderr (stage, step, rows done, total
when known, rows per second, elapsed), refreshed a few times a second by rich's own thread, never
by the stage. Finished steps stay as one line each. It must never write to stdout (``--json``
output is a contract) and must not change what a stage computes.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import IO, Any

import duckdb
from rich.console import Console
from rich.progress import Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

__all__ = ["EngineLogHandler", "Reporter", "Step", "active", "listening", "rendering", "report", "step",
           "wanted"]

Clock = Callable[[], float]
#: A step's total: a number, unknown, or a callable giving it (only called when someone listens).
Total = int | Callable[[], int | None] | None


@dataclass(eq=False)  # steps are equal only to themselves: two reads of one file are two steps
class Step:
    """One step of a stage: what it is, rows done so far, and when it started and finished."""

    stage: str
    label: str
    total: int | None
    started: float
    rows: int | None = None
    finished: float | None = None
    failed: bool = False
    detail: dict[str, int] = field(default_factory=dict)
    reporter: Reporter | None = field(default=None, repr=False, compare=False)

    def advance(self, rows: int = 1) -> None:
        """Add ``rows`` to the rows done (cheap: the display is refreshed on its own clock)."""
        self.rows = (self.rows or 0) + rows
        if self.reporter is not None:
            self.reporter.changed(self)

    def done(self, rows: int | None = None, **detail: int) -> None:
        """Mark the step finished, with its final row count and any break-down (loaded=..., ...)."""
        if self.finished is not None:
            return
        if rows is not None:
            self.rows = rows
        self.detail.update(detail)
        if self.reporter is not None:
            self.finished = self.reporter.clock()
            self.reporter.finish(self)

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since the step started (to its finish once finished)."""
        end = self.finished if self.finished is not None else now
        if end is None:
            end = self.reporter.clock() if self.reporter is not None else self.started
        return max(0.0, end - self.started)

    def rate(self, now: float | None = None) -> float | None:
        """Rows per second over the step so far; None without rows or time."""
        took = self.elapsed(now)
        if self.rows is None or took <= 0:
            return None
        return self.rows / took

    def __enter__(self) -> Step:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None and self.finished is None:
            self.failed = True
        self.done()


class _NullStep(Step):
    """What ``step`` returns when nothing listens: every call does nothing."""

    def advance(self, rows: int = 1) -> None:
        return None

    def done(self, rows: int | None = None, **detail: int) -> None:
        return None


_NULL = _NullStep(stage="", label="", total=None, started=0.0)

Listener = Callable[[Step, str], None]


def _evaluate(total: Total) -> int | None:
    if not callable(total):
        return total
    try:
        return total()
    except Exception:  # noqa: BLE001 - a total is a nicety: an unreadable file is reported by its stage
        return None


class Reporter:
    """Records steps and tells a listener (the renderer) when one starts, moves or finishes.

    ``clock`` is injectable so rates can be tested. Row updates reach the listener at most every
    ``min_interval`` seconds per step; starts and finishes always do.
    """

    def __init__(self, listener: Listener | None = None, clock: Clock = time.monotonic,
                 min_interval: float = 0.1) -> None:
        self.listener = listener
        self.clock = clock
        self.min_interval = min_interval
        self.steps: list[Step] = []
        self.stage: str | None = None
        self._last: dict[int, float] = {}

    def step(self, stage: str, label: str, total: Total = None) -> Step:
        """Start a step of ``stage``; it becomes the stage engine log lines are attributed to."""
        n = _evaluate(total)
        s = Step(stage=stage, label=label, total=n, started=self.clock(), reporter=self)
        self.stage = stage
        self.steps.append(s)
        self._notify(s, "start")
        return s

    def finished_step(self, label: str, took: float, stage: str | None = None, rows: int | None = None,
                      **detail: int) -> Step:
        """Record a step that has already run for ``took`` seconds (an engine's log line, a count)."""
        now = self.clock()
        s = Step(stage=stage or self.stage or "engine", label=label, total=None, started=now - took,
                 finished=now, rows=rows, detail=dict(detail), reporter=self)
        self.steps.append(s)
        self._notify(s, "done")
        return s

    def changed(self, s: Step) -> None:
        now = self.clock()
        if now - self._last.get(id(s), float("-inf")) >= self.min_interval:
            self._last[id(s)] = now
            self._notify(s, "advance")

    def finish(self, s: Step) -> None:
        self._last.pop(id(s), None)
        self._notify(s, "done")

    def _notify(self, s: Step, event: str) -> None:
        if self.listener is not None:
            self.listener(s, event)


_current: ContextVar[Reporter | None] = ContextVar("clearpicture_progress", default=None)


def active() -> Reporter | None:
    """The reporter listening in this context, if any."""
    return _current.get()


def step(stage: str, label: str, total: Total = None) -> Step:
    """Start a step of ``stage`` (use as a context manager or call ``done``); a no-op when nobody listens."""
    reporter = _current.get()
    if reporter is None:
        return _NULL
    return reporter.step(stage, label, total)


def report(stage: str, label: str, rows: int | None = None, took: float = 0.0, **detail: int) -> None:
    """Record a finished step whose rows are already known (e.g. a table an engine kept)."""
    reporter = _current.get()
    if reporter is not None:
        reporter.finished_step(label, took, stage=stage, rows=rows, **detail)


_ENGINE_LINE = re.compile(r"^(?P<engine>[^:]+): (?P<label>.*) took (?P<took>[0-9.]+)s$")


class EngineLogHandler(logging.Handler):
    """Turns ``Engine.step`` log lines into finished steps of the reporter's current stage."""

    def __init__(self, reporter: Reporter) -> None:
        super().__init__(logging.INFO)
        self.reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        try:
            m = _ENGINE_LINE.match(record.getMessage())
            if m:
                self.reporter.finished_step(m["label"], float(m["took"]))
        except Exception:  # noqa: BLE001 - progress must never break a stage
            self.handleError(record)


ENGINE_LOGGER = "clearpicture.engine"


@contextmanager
def listening(reporter: Reporter, engine_logs: bool = True) -> Iterator[Reporter]:
    """Make ``reporter`` receive every step reported in this context (and engine log lines)."""
    token = _current.set(reporter)
    logger = logging.getLogger(ENGINE_LOGGER)
    handler = EngineLogHandler(reporter) if engine_logs else None
    level = logger.level
    if handler is not None:
        logger.addHandler(handler)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
    try:
        yield reporter
    finally:
        if handler is not None:
            logger.removeHandler(handler)
            logger.setLevel(level)
        _current.reset(token)


# -- rendering ---------------------------------------------------------------------------------

def _rows_text(s: Step) -> str:
    if s.rows is None:
        return "" if s.total is None else f"0/{s.total:,} rows"
    return f"{s.rows:,}/{s.total:,} rows" if s.total is not None else f"{s.rows:,} rows"


def _rate_text(rate: float | None) -> str:
    return "" if rate is None else f"{rate:,.0f} rows/s"


def line(s: Step) -> str:
    """One finished step as a line: stage, step, rows (and break-down), rate, elapsed."""
    label = s.label if len(s.label) <= 44 else s.label[:43] + "…"
    parts = [f"{s.stage:<14}", f"{label:<44}", f"{_rows_text(s):>22}", f"{_rate_text(s.rate()):>16}",
             f"{s.elapsed():8.1f}s"]
    text = " ".join(parts) + ("  FAILED" if s.failed else "")
    if s.detail:
        text += "  (" + ", ".join(f"{k} {v:,}" for k, v in s.detail.items()) + ")"
    return text.rstrip()


class _StepColumn(ProgressColumn):
    """Rows done (of total) and rate of the step behind a rich task, read live from the Step."""

    def __init__(self, what: str, latest: Callable[[], Step | None] | None = None,
                 query_percent: Callable[[], float | None] | None = None) -> None:
        super().__init__()
        self.what = what
        self.latest = latest
        self.query_percent = query_percent

    def render(self, task: Task) -> Text:
        s: Step | None = task.fields.get("step")
        if s is None:
            return Text("")
        if self.what == "rows":
            return Text(_rows_text(s), justify="right")
        if self.what == "rate":
            return Text(_rate_text(s.rate()), style="cyan", justify="right")
        # DuckDB's own estimate for the statement running now, shown against the latest step
        percent = None
        if self.query_percent is not None and self.latest is not None and s is self.latest():
            percent = self.query_percent()
        return Text("" if percent is None else f"query {percent:.0f}%", style="magenta")


class Renderer:
    """The listener the CLI installs: a live line per running step on a terminal, a plain line per
    finished step always. Writes only to ``console`` (stderr)."""

    def __init__(self, console: Console, refresh_per_second: float = 4,
                 query_percent: Callable[[], float | None] | None = None) -> None:
        self.console = console
        self.live: Progress | None = None
        self._tasks: dict[int, Any] = {}
        self._running: list[Step] = []
        if console.is_terminal:
            query = _StepColumn("query", self._latest, query_percent)
            self.live = Progress(
                TextColumn("[bold]{task.fields[stage]}"), TextColumn("{task.description}", markup=False),
                _StepColumn("rows"), _StepColumn("rate"), query, TimeElapsedColumn(),
                console=console, refresh_per_second=refresh_per_second, transient=True,
                redirect_stdout=False, redirect_stderr=False,
            )

    def _latest(self) -> Step | None:
        """The step started last and still running (read from rich's refresh thread: one slice of
        the list, so a step finishing meanwhile cannot make it fail)."""
        last = self._running[-1:]
        return last[0] if last else None

    def __call__(self, s: Step, event: str) -> None:
        if event == "done":
            self._running = [x for x in self._running if x is not s]
            task = self._tasks.pop(id(s), None)
            if self.live is not None and task is not None:
                self.live.remove_task(task)
            self.console.print(line(s), markup=False, highlight=False, soft_wrap=True)
        elif event == "start" and self.live is not None:
            self._running.append(s)
            self._tasks[id(s)] = self.live.add_task(s.label, stage=s.stage, step=s, total=None)

    def __enter__(self) -> Renderer:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()


def wanted(flag: bool | None, stream: IO[str] | None = None) -> bool:
    """Whether to show progress: the flag if given, else ``CLEARPICTURE_PROGRESS`` (1/0), else
    whether stderr is a terminal (so pipes, log files and test runners stay quiet)."""
    if flag is not None:
        return flag
    env = os.environ.get("CLEARPICTURE_PROGRESS", "").strip().lower()
    if env in ("1", "true", "yes", "on"):
        return True
    if env in ("0", "false", "no", "off"):
        return False
    target = stream if stream is not None else sys.stderr
    try:
        # the stream itself, not rich's view of it: FORCE_COLOR in a CI job must not switch this on
        return bool(target.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


@contextmanager
def _duckdb_progress(con: duckdb.DuckDBPyConnection | None) -> Iterator[Callable[[], float | None] | None]:
    """Let the display read DuckDB's progress of the running statement (``query_progress``, safe from
    rich's refresh thread), with DuckDB's own bar kept off stdout; the settings are put back after."""
    if con is None:
        yield None
        return
    names = ("enable_progress_bar", "enable_progress_bar_print")
    try:
        before = [con.execute(f"SELECT current_setting('{n}')").fetchall()[0][0] for n in names]
        con.execute("SET enable_progress_bar_print = false")
        con.execute("SET enable_progress_bar = true")
    except duckdb.Error:
        yield None
        return

    def percent() -> float | None:
        try:
            value = float(con.query_progress())
        except duckdb.Error:
            return None
        return value if value >= 0 else None

    try:
        yield percent
    finally:
        for name, value in zip(names, before, strict=True):
            with suppress(duckdb.Error):  # a connection the stage closed or broke: nothing to restore
                con.execute(f"SET {name} = {'true' if value else 'false'}")


@contextmanager
def rendering(flag: bool | None = None, stream: IO[str] | None = None, clock: Clock = time.monotonic,
              con: duckdb.DuckDBPyConnection | None = None) -> Iterator[Reporter | None]:
    """Show progress on stderr (or ``stream``) for the duration, if :func:`wanted`; yields the reporter.

    With ``con`` (the workspace connection) and a terminal, the running step also shows DuckDB's
    estimate of how far its current statement has got.
    """
    if not wanted(flag, stream):
        yield None
        return
    console = Console(file=stream, stderr=stream is None, highlight=False)
    with _duckdb_progress(con if console.is_terminal else None) as percent:
        renderer = Renderer(console, query_percent=percent)
        reporter = Reporter(renderer, clock=clock)
        with renderer, listening(reporter):
            yield reporter
