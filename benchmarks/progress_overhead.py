"""What progress reporting costs a stage: ingest, definitions and language on one package, run with
nobody listening (the baseline), with the plain renderer (stderr not a terminal) and with the live
terminal display, alternating so machine load hits every mode alike. Prints wall and CPU seconds
(CPU of the whole process, DuckDB's threads included) per mode and the ratio to the baseline.
On a loaded machine those ratios are noisy, so it also measures the two costs the display adds,
which scale predictably: CPU per reported step, and CPU per second of the live display's refresh
while a long step runs (at national scale a stage has tens of steps over minutes).

    python benchmarks/progress_overhead.py [--scenario small] [--repeats 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from clearpicture import definitions, ingest, progress, synth
from clearpicture.language import stage as language
from clearpicture.store import Store


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _modes() -> dict[str, Callable[[], AbstractContextManager[Any]]]:
    return {
        "off (baseline)": nullcontext,
        "plain lines": lambda: progress.rendering(True, stream=io.StringIO()),
        "live display": lambda: progress.rendering(True, stream=_Terminal()),
    }


def _run(package: Path, folder: Path, mode: Callable[[], AbstractContextManager[Any]]) -> tuple[float, float]:
    db = folder / "w.duckdb"
    db.unlink(missing_ok=True)
    wall, cpu = time.perf_counter(), time.process_time()
    with Store(db) as store, mode():
        ingest.run(store, [package])
        definitions.run(store)
        language.run(store)
    return time.perf_counter() - wall, time.process_time() - cpu


def _unit_costs(steps: int = 500, idle_seconds: float = 3.0) -> dict[str, float]:
    """CPU ms per step for each renderer and CPU ms per second of an idle live display."""
    out: dict[str, float] = {}
    for name, stream in (("plain", io.StringIO()), ("live", _Terminal())):
        with progress.rendering(True, stream=stream):
            started = time.process_time()
            for i in range(steps):
                with progress.step("definitions", f"criterion (def_leaf_{i})") as s:
                    s.done(1000)
            out[f"{name} ms/step"] = (time.process_time() - started) / steps * 1e3
            if name == "live":
                progress.step("link", "whole stage")
                started = time.process_time()
                time.sleep(idle_seconds)
                out["live refresh ms/s"] = (time.process_time() - started) / idle_seconds * 1e3
    steps_off = 200_000
    started = time.perf_counter()
    for _ in range(steps_off):
        progress.step("x", "y", total=5).advance(3)
    out["off ns/step"] = (time.perf_counter() - started) / steps_off * 1e9
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="small")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cp-progress-") as tmp:
        folder = Path(tmp)
        package = synth.generate(args.scenario, 7, folder / "pkg")
        modes = _modes()
        _run(package, folder, modes["off (baseline)"])  # warm-up: imports, file cache
        times: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
        for _ in range(args.repeats):
            for name, mode in modes.items():
                times[name].append(_run(package, folder, mode))
    base_wall = statistics.median(w for w, _ in times["off (baseline)"])
    base_cpu = statistics.median(c for _, c in times["off (baseline)"])
    print(f"scenario {args.scenario}, {args.repeats} runs per mode (ingest + definitions + language), medians")
    print(f"{'mode':<16} {'wall s':>8} {'cpu s':>8} {'wall ratio':>11} {'cpu ratio':>10}")
    for name, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:<16} {wall:8.2f} {cpu:8.2f} {wall / base_wall:11.3f} {cpu / base_cpu:10.3f}")
    for key, value in _unit_costs().items():
        print(f"{key:<20} {value:10.2f}")


if __name__ == "__main__":
    main()
