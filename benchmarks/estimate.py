"""Simulation study for multiple systems estimation: does the 95% interval cover the known total?

    python benchmarks/estimate.py [--seeds 50] [--source auto|synth|builtin] [--bootstrap 1000]

For each seed, a world with a known number of child victims is made, the victims' capture
histories over the agency lists are estimated exactly as ``clearpicture estimate`` does (default
method: BIC over two-list models; profile-likelihood interval, parametric bootstrap alongside), and
the result is compared with the truth. Reported: coverage of the 95% intervals (target >= 90%),
median relative error, and the same figures for a baseline measured in the same run: the
independence (main-effects) model, which is what a two-list Lincoln-Petersen style count assumes.

Worlds come from ``clearpicture.synth.generate("small", seed, out)`` taken through the pipeline
stages when those exist (``truth/victims.json`` gives ``total_victims``); otherwise from the
built-in simulator below, and the script says which was used and why.

Built-in simulator ("correlated"): N children (uniform 300..900); four lists (police, social care,
health, charity) with capture probabilities around 0.2-0.4; each child's capture pattern drawn
from a log-linear model with positive police:social_care and social_care:health dependence (joint
referral routes) and a negative police:ngo one (children who avoid police go to a charity).
``--world hetero`` adds unmodelled heterogeneity (a hidden, less visible group of children), which
no log-linear model represents exactly: it is there to show the limits, not to pass.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from clearpicture.estimate import EstimateOptions, estimate_table  # noqa: E402
from clearpicture.estimate.table import build_table  # noqa: E402

LISTS = ("police", "social_care", "health", "ngo")
MAIN = {"police": -0.9, "social_care": -1.1, "health": -1.5, "ngo": -1.8}  # log-odds of capture
PAIRS = {("police", "social_care"): 0.9, ("social_care", "health"): 0.6, ("police", "ngo"): -0.6}


def simulate(seed: int, world: str = "correlated", shift: float = 0.0) -> tuple[int, dict[str, int]]:
    """(true total, pattern counts) for one simulated area."""
    rng = np.random.default_rng(seed)
    total = int(rng.integers(300, 901))
    patterns = list(itertools.product((0, 1), repeat=len(LISTS)))

    def probs(shift: float) -> np.ndarray:
        logit = []
        for p in patterns:
            on = {name for name, bit in zip(LISTS, p, strict=True) if bit}
            v = sum(MAIN[n] + shift for n in on)  # shift < 0: every list sees fewer children
            v += sum(w for (a, b), w in PAIRS.items() if a in on and b in on)
            logit.append(v)
        e = np.exp(np.array(logit))
        return np.asarray(e / e.sum())

    if world == "hetero":
        hidden = rng.binomial(total, 0.4)  # a less visible group: every list sees them less often
        counts = rng.multinomial(total - hidden, probs(shift)) + rng.multinomial(hidden, probs(shift - 1.2))
    else:
        counts = rng.multinomial(total, probs(shift))
    keyed = {"".join(map(str, p)): int(c) for p, c in zip(patterns, counts, strict=True) if any(p) and c}
    return total, keyed


def synth_world(seed: int, folder: Path) -> tuple[int, dict[str, int]]:
    """A `small` synthetic scenario through the pipeline; raises when any piece is not there yet."""
    from clearpicture import Store, synth  # noqa: PLC0415
    from clearpicture.estimate.stage import EstimateConfig, victim_histories  # noqa: PLC0415
    from clearpicture.pipeline import run_stages, stage_names  # noqa: PLC0415

    if not hasattr(synth, "generate"):
        raise RuntimeError("clearpicture.synth.generate does not exist yet")
    missing = [s for s in ("definitions", "link") if s not in stage_names()]
    if missing:
        raise RuntimeError(f"pipeline stage(s) {', '.join(missing)} not registered yet")
    out = folder / f"small-{seed}"
    synth.generate("small", seed, out)
    truth = json.loads((out / "truth" / "victims.json").read_text())
    with Store(folder / f"w{seed}.duckdb") as store:
        run_stages(store, [out], stages=["definitions", "link", "groups"])
        hist = victim_histories(store, EstimateConfig())
        return int(truth["total_victims"]), hist.counts()


def one(total: int, counts: dict[str, int], lists: tuple[str, ...], args: argparse.Namespace) -> dict[str, Any]:
    table = build_table(lists, counts)
    row: dict[str, Any] = {"total": total, "observed": table.observed}
    for name, terms, method in (("chosen", None, args.method), ("independence", (), "fixed")):
        t0 = time.perf_counter()
        try:
            est = estimate_table(table, terms, EstimateOptions(
                method=method, intervals=("averaged", "profile", "parametric"), bootstrap=args.bootstrap, seed=args.seed0))
        except Exception as exc:  # noqa: BLE001 - a failed estimate is a result of the study
            row[name] = {"error": str(exc)}
            continue
        row[name] = {
            "estimate": est.estimate, "model": est.model, "seconds": time.perf_counter() - t0,
            **{iv: [est.intervals[iv].lower, est.intervals[iv].upper] for iv in ("averaged", "profile", "parametric")},
            "warnings": len(est.warnings),
        }
    return row


def summarise(rows: list[dict[str, Any]], name: str) -> dict[str, float]:
    ok = [r for r in rows if "estimate" in r[name]]
    rel = [(r[name]["estimate"] - r["total"]) / r["total"] for r in ok]
    out = {"fitted": len(ok), "failed": len(rows) - len(ok),
           "median_abs_rel_error": statistics.median(abs(x) for x in rel) if rel else math.nan,
           "median_rel_error": statistics.median(rel) if rel else math.nan,
           "seconds": statistics.median(r[name]["seconds"] for r in ok) if ok else math.nan}
    for iv in ("averaged", "profile", "parametric"):
        hits = [r[name][iv][0] <= r["total"] <= r[name][iv][1] for r in ok]
        widths = [(r[name][iv][1] - r[name][iv][0]) / r["total"] for r in ok if math.isfinite(r[name][iv][1])]
        out[f"{iv}_coverage"] = sum(hits) / len(rows) if rows else math.nan  # failures count as misses
        out[f"{iv}_median_rel_width"] = statistics.median(widths) if widths else math.nan
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--seed0", type=int, default=1, help="first seed; also the bootstrap seed")
    ap.add_argument("--source", choices=["auto", "synth", "builtin"], default="auto")
    ap.add_argument("--world", choices=["correlated", "hetero"], default="correlated")
    ap.add_argument("--method", default="auto")
    ap.add_argument("--shift", type=float, default=0.0,
                    help="built-in worlds: add to every list's log-odds of capture (-1: sparser, fewer seen)")
    ap.add_argument("--bootstrap", type=int, default=1000)
    args = ap.parse_args()

    source, why = args.source, ""
    rows: list[dict[str, Any]] = []
    if source in ("auto", "synth"):
        try:
            with tempfile.TemporaryDirectory() as tmp:
                total, counts = synth_world(args.seed0, Path(tmp))
            source = "synth"
        except Exception as exc:  # noqa: BLE001 - report and fall back
            if args.source == "synth":
                raise SystemExit(f"synth world not available: {exc}") from exc
            source, why = "builtin", f"synth not usable: {type(exc).__name__}: {exc}"
    print(f"worlds: {source}" + (f" ({why})" if why else "") + (f", {args.world}" if source == "builtin" else ""))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seed0, args.seed0 + args.seeds):
            if source == "synth":
                total, counts = synth_world(seed, Path(tmp))
                lists = tuple(LISTS)  # victim_histories orders kinds the same way
            else:
                total, counts = simulate(seed, args.world, args.shift)
                lists = LISTS
            rows.append(one(total, counts, lists, args))
    elapsed = time.perf_counter() - t0
    print(f"{len(rows)} worlds in {elapsed:.0f} s; true totals {min(r['total'] for r in rows)}-"
          f"{max(r['total'] for r in rows)}, observed share median "
          f"{statistics.median(r['observed'] / r['total'] for r in rows):.0%}")
    summary = {name: summarise(rows, name) for name in ("chosen", "independence")}
    for name, label in (("chosen", f"estimate ({args.method} model choice)"), ("independence", "baseline: independence")):
        s = summary[name]
        print(f"{label}:")
        print(f"    95% coverage: averaged {s['averaged_coverage']:.0%}  profile {s['profile_coverage']:.0%}  "
              f"parametric {s['parametric_coverage']:.0%};  median width / N: averaged "
              f"{s['averaged_median_rel_width']:.0%}  profile {s['profile_median_rel_width']:.0%}")
        print(f"    median |rel err| {s['median_abs_rel_error']:.1%}  median rel err {s['median_rel_error']:+.1%}  "
              f"failed {s['failed']}  {s['seconds']:.2f} s/estimate")
    c, b = summary["chosen"], summary["independence"]
    print(f"ratio median |rel err| estimate / baseline: {c['median_abs_rel_error'] / b['median_abs_rel_error']:.2f}")
    headline = "profile" if args.method == "fixed" else "averaged"
    print(f"target: coverage of the reported ({headline}) interval >= 90% -> "
          f"{'met' if c[f'{headline}_coverage'] >= 0.9 else 'NOT met'} ({c[f'{headline}_coverage']:.0%})")
    models: dict[str, int] = {}
    for r in rows:
        if "model" in r["chosen"]:
            models[r["chosen"]["model"] or "(main effects)"] = models.get(r["chosen"]["model"] or "(main effects)", 0) + 1
    print("models chosen: " + ", ".join(f"{m} x{n}" for m, n in sorted(models.items(), key=lambda kv: -kv[1])[:5]))


if __name__ == "__main__":
    main()
