"""Quality and definitions on a synthetic scenario: time and peak memory on 2 threads, against a
baseline measured in the same run.

    python benchmarks/quality.py [--scenario large] [--seed 1] [--threads 2]

The scenario is ingested once into ``bench-data/quality-<scenario>-<seed>.duckdb`` (reused across
runs). Each measurement runs in a fresh process on its own copy of that workspace, with DuckDB
limited to ``--threads``. The baseline is one pass over the tables the stages read (a grouped
count over ``raw_persons``, ``raw_events`` and ``raw_links`` joined as the stages join them), so
the ratio says how many "reads of the data" each stage costs. Target (issue 3): under 60 s each on
2 cores. CPU seconds (all threads) are printed too: on a busy shared machine wall time inflates,
while CPU time divided by the thread count estimates the wall time on otherwise idle cores.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import DATA, measure, scenario  # noqa: E402

OPEN = """
import time
from clearpicture import Store
cpu0 = time.process_time()
store = Store(sys.argv[1])
store.execute(f"SET threads = {int(sys.argv[2])}")
"""

BASELINE = OPEN + """
rows = store.sql('''SELECT count(*), count(DISTINCT p.person_id), count(DISTINCT e.event_id)
    FROM raw_links l JOIN raw_events e ON e.source = l.source AND e.event_id = l.to_id
    JOIN raw_persons p ON p.source = l.source AND p.person_id = l.from_id''')[0]
extra = {'links': rows[0], 'cpu': time.process_time() - cpu0}
store.close()
"""

QUALITY = OPEN + """
from clearpicture import quality
r = quality.run(store)
extra = {'counts': r.counts, 'cpu': time.process_time() - cpu0}
store.close()
"""

DEFINITIONS = OPEN + """
from clearpicture import definitions
r = definitions.run(store)
extra = {'counts': {k: v['crimes'] for k, v in r.counts.items()}, 'cpu': time.process_time() - cpu0}
store.close()
"""


def workspace(name: str, seed: int) -> Path:
    """The ingested scenario, built once."""
    db = DATA / f"quality-{name}-{seed}.duckdb"
    if not db.exists():
        from clearpicture import Store, ingest

        data = scenario(name, seed)
        t = time.perf_counter()
        building = db.with_suffix(".building")
        building.unlink(missing_ok=True)
        with Store(building) as store:
            ingest.run(store, [data])
        building.rename(db)
        print(f"ingested {name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return db


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="large")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    db = workspace(args.scenario, args.seed)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, code in (("baseline", BASELINE), ("quality", QUALITY), ("definitions", DEFINITIONS)):
            copy = Path(tmp) / f"{name}.duckdb"
            shutil.copy(db, copy)
            results[name] = measure(code, str(copy), str(args.threads))
            copy.unlink()
    base = results["baseline"]
    print(f"scenario {args.scenario} seed {args.seed}, {args.threads} threads: {base['links']:,} person-event links")
    for name in ("baseline", "quality", "definitions"):
        r = results[name]
        ratio = r["seconds"] / base["seconds"]
        print(f"{name:12s}: {r['seconds']:7.1f} s  cpu {r['cpu']:6.1f} s  peak {r['peak_mb']:7.0f} MB  "
              f"({ratio:5.1f}x baseline)")
    print(f"quality counts     : {results['quality']['counts']}")
    print(f"definitions crimes : {results['definitions']['counts']}")
    ok = all(results[n]["seconds"] < 60 for n in ("quality", "definitions"))
    print(f"target under 60 s each: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
