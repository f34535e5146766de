"""Synthetic multi-agency scenarios with known truth: the one fixture world every stage is measured on.

``generate(scenario, seed, out)`` writes an exchange-v1 data package (``datapackage.json`` and one
file per table: CSV, or Parquet for ``national``) plus ``truth/``, which no analysis may read. The
same seed gives byte-identical files. Areas (fictional force areas, each with its police force and
children's social care, sharing one health service and one charity) are generated and written one
at a time, so memory stays bounded whatever the scale. No real personal data: every name, place,
postcode, phone and vehicle is made up. This module must not be imported by any analysis stage.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import standard
from ..errors import InputError
from .area import AreaResult, build_area, scale_for
from .pool import areas
from .tables import Buf, Sink
from .teams import profiles_truth
from .world import KINDS, TRUTH_COLUMNS

__all__ = ["SCENARIOS", "Scenario", "generate", "write_scenario"]


@dataclass(frozen=True)
class Scenario:
    name: str
    areas: int
    person_records: int  # target number of person records (all sources)
    fmt: str  # file format of the tables


SCENARIOS: dict[str, Scenario] = {
    "small": Scenario("small", 2, 5_000, "csv"),
    "medium": Scenario("medium", 3, 100_000, "csv"),
    "large": Scenario("large", 4, 1_000_000, "csv"),
    "national": Scenario("national", 43, 10_000_000, "parquet"),
}


def generate(scenario: str, seed: int, out: Path, progress: bool = False) -> Path:
    """Write scenario ``scenario`` for ``seed`` into folder ``out`` (replaced if it exists); return it."""
    if scenario not in SCENARIOS:
        raise InputError(f"unknown scenario '{scenario}' (choose from {', '.join(SCENARIOS)})")
    return write_scenario(SCENARIOS[scenario], seed, Path(out), progress)


def write_scenario(sc: Scenario, seed: int, out: Path, progress: bool = False) -> Path:
    """Write any :class:`Scenario` (tests use small Parquet ones); see :func:`generate`."""
    scenario = sc.name
    if out.exists():
        if not out.is_dir():
            raise InputError(f"{out}: exists and is not a folder")
        for name in [*(f"{t}.{e}" for t in standard.TABLE_NAMES for e in ("csv", "parquet")), "datapackage.json"]:
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / "truth", ignore_errors=True)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    sinks = {t: Sink(out / f"{t}.{sc.fmt}", standard.table(t).names, sc.fmt) for t in standard.TABLE_NAMES
             if t != "sources"}
    truth = {t: Sink(out / "truth" / f"{t}.csv", cols, "csv") for t, cols in TRUTH_COLUMNS.items()}
    sources = Buf(standard.table("sources").names)
    seen_sources: set[str] = set()
    patterns: dict[str, int] = {}
    total_victims = 0
    investigations: list[dict[str, Any]] = []
    cross: list[dict[str, Any]] = []
    per_area = sc.person_records // sc.areas
    started = time.perf_counter()
    try:
        used = areas()[: sc.areas]
        for area in used:
            neighbour = used[(area.index + 1) % len(used)] if len(used) > 1 else None
            res: AreaResult = build_area(seed, area, scale_for(per_area), weak_force=(area.index % 5 == 1),
                                         neighbour=neighbour)
            w = res.world
            for kind in KINDS:
                s = w.sources[kind]
                if s.code not in seen_sources:
                    seen_sources.add(s.code)
                    sources.add(source=s.code, name=s.name, kind=s.kind, area=s.area)
            for t, sink in sinks.items():
                sink.write(w.bufs[t])
            for t, sink in truth.items():
                sink.write(w.truth[t])
            for k, v in res.victim_patterns.items():
                patterns[k] = patterns.get(k, 0) + v
            total_victims += res.total_victims
            investigations.append(res.teams.truth())
            cross.extend(w.cross_force)
            if progress:
                print(f"synth {scenario}: area {area.index + 1}/{sc.areas} {area.name} "
                      f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
            del res, w
        src_sink = Sink(out / f"sources.{sc.fmt}", standard.table("sources").names, sc.fmt)
        src_sink.write(sources)
        src_sink.close()
    finally:
        for sink in [*sinks.values(), *truth.values()]:
            sink.close()
    formats = {t: sc.fmt for t in standard.TABLE_NAMES}
    (out / "datapackage.json").write_text(json.dumps(standard.datapackage_profile(formats), indent=2) + "\n",
                                          encoding="utf-8")
    observed = {k: v for k, v in sorted(patterns.items()) if "1" in k}
    victims = {
        "total_victims": total_victims,
        "lists": list(KINDS),
        "observed_by_pattern": observed,
        "observed_total": sum(observed.values()),
        "unobserved": patterns.get("0000", 0),
        "pattern_order": "one character per list in the order of 'lists': 1 = recorded as a victim there",
    }
    (out / "truth" / "victims.json").write_text(json.dumps(victims, indent=2) + "\n", encoding="utf-8")
    inv = {"forces": investigations, "profiles": profiles_truth(),
           "weaker_forces": [f["force"] for f in investigations if f["weak_force"]]}
    (out / "truth" / "investigations.json").write_text(json.dumps(inv, indent=2) + "\n", encoding="utf-8")
    (out / "truth" / "scenario.json").write_text(json.dumps(
        {"scenario": scenario, "seed": seed, "areas": sc.areas, "format": sc.fmt,
         "person_records": sinks["persons"].rows, "cross_force_groups": cross}, indent=2) + "\n", encoding="utf-8")
    return out
