"""Ingest speed and memory on a synthetic scenario, against DuckDB's own read_csv of the same files.

    python benchmarks/ingest.py [--scenario large] [--seed 1]

Both sides run in fresh processes in the same run, on the same files: the baseline only parses
each CSV into a table (no mapping, validation, quarantine, hashing or merge), so the ratio is what
ingest's guarantees cost. Target (issue 2): within 3x of the baseline, peak memory under 4 GB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import measure, scenario  # noqa: E402

INGEST = """
from clearpicture import Store, ingest
store = Store(sys.argv[2])
r = ingest.run(store, [sys.argv[1]])
extra = {'rows': sum(t['read'] for t in r.counts['tables'].values()), 'tables': r.counts['tables']}
store.close()
"""

BASELINE = """
import duckdb, pathlib
con = duckdb.connect(sys.argv[2])
rows = 0
for f in sorted(pathlib.Path(sys.argv[1]).glob('*.csv')):
    con.execute(f"CREATE TABLE {f.stem} AS SELECT * FROM read_csv('{f}', all_varchar = true)")
    rows += con.execute(f"SELECT count(*) FROM {f.stem}").fetchall()[0][0]
extra = {'rows': rows}
con.close()
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="large")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    data = scenario(args.scenario, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        base = measure(BASELINE, str(data), str(Path(tmp) / "base.duckdb"))
        ours = measure(INGEST, str(data), str(Path(tmp) / "ours.duckdb"))
    persons = ours["tables"].get("persons", {}).get("read", 0)
    print(f"scenario {args.scenario} seed {args.seed}: {ours['rows']:,} rows ({persons:,} person records)")
    print(f"baseline DuckDB read_csv : {base['seconds']:7.1f} s  peak {base['peak_mb']:7.0f} MB  ({base['rows']:,} rows)")
    print(f"clearpicture ingest      : {ours['seconds']:7.1f} s  peak {ours['peak_mb']:7.0f} MB")
    ratio = ours["seconds"] / base["seconds"]
    print(f"ratio ingest / baseline  : {ratio:7.2f}x   (target <= 3x; peak target < 4096 MB)")
    print(f"rows per second          : {ours['rows'] / ours['seconds']:,.0f}")


if __name__ == "__main__":
    main()
