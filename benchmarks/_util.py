"""Small helpers shared by the benchmark scripts: timing a child process and its peak memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench-data"


def scenario(name: str, seed: int = 1) -> Path:
    """The scenario folder, generated once and reused across benchmark runs."""
    from clearpicture import synth

    out = DATA / f"{name}-{seed}"
    if not (out / "datapackage.json").exists():
        t = time.perf_counter()
        synth.generate(name, seed, out)
        print(f"generated {name} (seed {seed}) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return out


def measure(code: str, *args: str, check: bool = True) -> dict[str, Any]:
    """Run ``code`` in a fresh Python process; return its wall time, CPU time (user + system, every
    thread), peak RSS, and whatever ``code`` put in a dict named ``extra``.

    ``check=False``: a failing child gives ``{"error": <its last stderr line>}`` instead of ending
    the benchmark (a long multi-stage run records the failure and goes on).
    """
    wrapper = (
        "import json, resource, sys, time\n"
        "t0 = time.perf_counter()\n"
        "r0 = resource.getrusage(resource.RUSAGE_SELF)\n"
        f"{code}\n"
        "r1 = resource.getrusage(resource.RUSAGE_SELF)\n"
        "out = {'seconds': time.perf_counter() - t0, "
        "'cpu_seconds': (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), "
        "'peak_mb': r1.ru_maxrss / 1024}\n"
        "out.update(globals().get('extra', {}))\n"
        "print('@@' + json.dumps(out, default=str))\n"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        if not check:
            lines = proc.stderr.strip().splitlines()
            return {"error": lines[-1] if lines else f"exit {proc.returncode}"}
        raise SystemExit(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@")][-1]
    return dict(json.loads(line[2:]))


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
