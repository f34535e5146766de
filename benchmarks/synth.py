"""Synthetic scenario generation: wall time, rows per second and peak memory per scenario.

Each scenario is generated in a fresh Python process (so peak RSS is that scenario's alone). The
baseline, measured in the same run on the same files, is DuckDB copying every generated table (read
and write the same rows and bytes): the cost of the I/O alone, which generation cannot beat.

    .venv/bin/python benchmarks/synth.py [--national] [--seed N] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import resource  # noqa: E402

from _util import measure  # noqa: E402


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

GENERATE = (
    "import sys\n"
    "from pathlib import Path\n"
    "from clearpicture import synth\n"
    "out = synth.generate(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))\n"
    "import json\n"
    "extra = json.loads((out / 'truth' / 'scenario.json').read_text())\n"
)

COPY = (
    "import sys, duckdb\n"
    "from pathlib import Path\n"
    "src, dst = Path(sys.argv[1]), Path(sys.argv[2])\n"
    "dst.mkdir(parents=True, exist_ok=True)\n"
    "con = duckdb.connect()\n"
    "rows = 0\n"
    "for f in sorted(src.glob('*.csv')) + sorted(src.glob('*.parquet')):\n"
    "    reader = 'read_parquet' if f.suffix == '.parquet' else 'read_csv'\n"
    "    opts = '' if f.suffix == '.parquet' else ', all_varchar=true'\n"
    "    fmt = '(FORMAT parquet)' if f.suffix == '.parquet' else '(HEADER)'\n"
    "    con.sql(f\"COPY (SELECT * FROM {reader}('{f}'{opts})) TO '{dst / f.name}' {fmt}\")\n"
    "    rows += con.sql(f\"SELECT count(*) FROM {reader}('{f}'{opts})\").fetchall()[0][0]\n"
    "extra = {'rows': rows}\n"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--national", action="store_true", help="also generate the national scenario (~10M)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the generated folders")
    args = ap.parse_args()
    names = ["small", "medium", "large"] + (["national"] if args.national else [])
    work = Path(tempfile.mkdtemp(prefix="synth-bench-"))
    print("| scenario | person records | all rows | generate s (wall) | CPU s | rows/s (wall) | peak MB "
          "| copy s (baseline) | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    try:
        for name in names:
            out = work / name
            cpu0 = _children_cpu()
            gen = measure(GENERATE, name, str(args.seed), str(out))
            cpu = _children_cpu() - cpu0
            copy = measure(COPY, str(out), str(work / f"{name}-copy"))
            rows = int(copy["rows"])
            print(f"| {name} | {gen['person_records']:,} | {rows:,} | {gen['seconds']:.1f} | {cpu:.1f} | "
                  f"{rows / gen['seconds']:,.0f} | {gen['peak_mb']:,.0f} | {copy['seconds']:.1f} | "
                  f"{gen['seconds'] / max(copy['seconds'], 1e-9):.1f}x |", flush=True)
            shutil.rmtree(work / f"{name}-copy", ignore_errors=True)
            if not args.keep:
                shutil.rmtree(out, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept in {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
