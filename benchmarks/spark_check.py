"""Spark against DuckDB at scenario scale (issue 11): linkage and groups on the ``medium`` scenario.

    .venv/bin/python benchmarks/spark_check.py [--scenario medium] [--seed 7] [--work bench-data/spark-check]
        [--data DIR]

Prepares once under --work a workspace after ingest, quality and definitions. Then, each step in its
own child process (wall time, CPU time and peak memory of the Python process; for Spark steps also
the local JVM's CPU time and peak resident memory, read from /proc while it still runs):

1. linkage with ``--engine duckdb`` and with ``--engine spark`` on two copies; the pairwise F1
   between the two entity partitions (target >= 0.99) and each against the truth;
2. on the DuckDB-linked workspace, definitions again (entity columns), then groups with the DuckDB
   engine and with the Spark engine on two copies of that same workspace: the group memberships must
   be identical (same members, roles and group ids);
3. for information: groups on the Spark-linked workspace, and the best-Jaccard agreement of its
   groups with the DuckDB-linked ones.

Spark runs in local mode (``local[2]``, see ``clearpicture.engine.local_spark_conf``); this is a check that the same SQL gives the same answer,
not a speed contest: local Spark on two cores is far slower than DuckDB at this size.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import DATA, measure, scenario  # noqa: E402

CHILD = r"""
from clearpicture import Store
db, step, engine = sys.argv[1:4]
store = Store(db)
if step == 'prepare':
    from clearpicture import ingest, quality, definitions
    ingest.run(store, [engine])
    quality.run(store)
    definitions.run(store)
elif step == 'link':
    from clearpicture import linkage
    linkage.run(store, None, engine=engine)
elif step == 'definitions':
    from clearpicture import definitions
    definitions.run(store)
elif step == 'groups':
    from clearpicture import network
    network.run(store, None, engine=engine)
store.close()
extra = {}
# The local Spark JVM is a child of this process that is still running: its CPU time and peak
# resident memory are read from /proc before it stops (Linux only; absent elsewhere).
import os
tick = os.sysconf('SC_CLK_TCK')
for pid in os.listdir('/proc') if os.path.isdir('/proc') else []:
    try:
        stat = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
        if int(stat[1]) != os.getpid():
            continue
        status = dict(line.split(':', 1) for line in open(f'/proc/{pid}/status').read().splitlines() if ':' in line)
        extra['jvm_cpu_seconds'] = extra.get('jvm_cpu_seconds', 0.0) + (int(stat[11]) + int(stat[12])) / tick
        extra['jvm_peak_mb'] = max(extra.get('jvm_peak_mb', 0.0), int(status['VmHWM'].split()[0]) / 1024)
    except (OSError, ValueError, KeyError, IndexError):
        continue
"""


def child(db: Path, step: str, arg: str) -> dict[str, Any]:
    out = measure(CHILD, str(db), step, arg)
    jvm = (f"; JVM {out['jvm_cpu_seconds']:.1f} s CPU, {out['jvm_peak_mb']:.0f} MB peak"
           if "jvm_cpu_seconds" in out else "")
    print(f"{step:12} {arg:7} {out['seconds']:8.1f} s wall {out['cpu_seconds']:8.1f} s CPU "
          f"{out['peak_mb']:7.0f} MB{jvm}  (load {os.getloadavg()[0]:.1f})", flush=True)
    return out


def partition_agreement(a: Path, b: Path, truth: Path) -> dict[str, Any]:
    from clearpicture.evaluate import pairwise_scores
    from clearpicture.store import Store

    with Store() as s:
        for name, path in (("a", a), ("b", b)):
            s.execute(f"ATTACH '{path}' AS {name}_db (READ_ONLY)")
            s.execute(f"CREATE TABLE {name} AS SELECT source, person_id, entity_id FROM {name}_db.entity_persons")
        s.execute(f"CREATE TABLE t AS SELECT source, person_id, true_person "
                  f"FROM read_csv('{truth}/persons.csv', all_varchar=true)")
        return {"spark_vs_duckdb": pairwise_scores(s, "b", "a", pred_col="entity_id", true_col="entity_id"),
                "duckdb_vs_truth": pairwise_scores(s, "a", "t"),
                "spark_vs_truth": pairwise_scores(s, "b", "t")}


def groups(path: Path) -> list[tuple[Any, ...]]:
    from clearpicture.store import Store

    with Store(path, read_only=True) as s:
        return [tuple(r) for r in s.sql("SELECT group_id, entity_id, role FROM group_members ORDER BY ALL")]


def best_jaccard(found: list[tuple[Any, ...]], found_members: dict[str, set[str]],
                 reference: list[tuple[Any, ...]], reference_members: dict[str, set[str]]) -> float:
    """Mean over reference groups of the best Jaccard overlap with a found group, on record keys.

    Each side's entities are expanded to their person records through that side's own partition,
    so the two linkages' entity ids never need to agree.
    """
    def by_group(rows: list[tuple[Any, ...]], members: dict[str, set[str]]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for g, e, _ in rows:
            out.setdefault(str(g), set()).update(members.get(str(e), {str(e)}))
        return out

    ref, got = by_group(reference, reference_members), by_group(found, found_members)
    scores = [max((len(r & f) / len(r | f) for f in got.values()), default=0.0) for r in ref.values()]
    return sum(scores) / len(scores) if scores else 1.0


def records_of(path: Path) -> dict[str, set[str]]:
    from clearpicture.store import Store

    out: dict[str, set[str]] = {}
    with Store(path, read_only=True) as s:
        for src, pid, ent in s.sql("SELECT source, person_id, entity_id FROM entity_persons"):
            out.setdefault(str(ent), set()).add(f"{src}|{pid}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="medium")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, default=DATA / "spark-check")
    ap.add_argument("--data", type=Path, default=None,
                    help="an existing data package of the scenario (default: generated under bench-data)")
    args = ap.parse_args()
    data = args.data if args.data is not None else scenario(args.scenario, args.seed)
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    base = work / "base.duckdb"
    if not base.exists():
        child(base, "prepare", str(data))
    print(f"scenario {args.scenario} seed {args.seed}; Spark local mode; cores {os.cpu_count()}", flush=True)
    linked = {}
    for engine in ("duckdb", "spark"):
        linked[engine] = work / f"linked-{engine}.duckdb"
        shutil.copy(base, linked[engine])
        linked[engine + "_time"] = child(linked[engine], "link", engine)  # type: ignore[assignment]
    agreement = partition_agreement(linked["duckdb"], linked["spark"], data / "truth")
    for k, v in agreement.items():
        print(f"{k:16} precision {v['precision']:.4f} recall {v['recall']:.4f} F1 {v['f1']:.4f}", flush=True)
    for engine in ("duckdb", "spark"):
        child(linked[engine], "definitions", "-")
    grouped = {}
    for engine in ("duckdb", "spark"):
        grouped[engine] = work / f"groups-{engine}.duckdb"
        shutil.copy(linked["duckdb"], grouped[engine])
        child(grouped[engine], "groups", engine)
    same = groups(grouped["duckdb"]) == groups(grouped["spark"])
    n = len({g for g, _, _ in groups(grouped["duckdb"])})
    print(f"groups on the same linked workspace, DuckDB vs Spark engine: {n} groups, "
          f"{'identical' if same else 'DIFFERENT'}", flush=True)
    child(linked["spark"], "groups", "duckdb")
    child(linked["duckdb"], "groups", "duckdb")
    j = best_jaccard(groups(linked["spark"]), records_of(linked["spark"]),
                     groups(linked["duckdb"]), records_of(linked["duckdb"]))
    print(f"groups after Spark linkage vs after DuckDB linkage: mean best Jaccard on records {j:.3f}", flush=True)
    print(f"children peak {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB; "
          f"finished {time.strftime('%H:%M:%S')}", flush=True)


if __name__ == "__main__":
    main()
