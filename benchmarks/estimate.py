"""Simulation study for multiple systems estimation: does the 95% interval cover the known total?

    python benchmarks/estimate.py [--seeds 50] [--source auto|synth|builtin] [--bootstrap 1000]
        [--evidence substantiated|definition|records] [--compare records] [--workdir DIR]

For each seed, a world with a known number of child victims is made, the victims' capture
histories over the agency lists are estimated exactly as ``clearpicture estimate`` does (default
method: AIC over the two-way models; model-averaged interval reported, profile likelihood and
parametric bootstrap alongside), and the result is compared with the truth. Reported: coverage of
the 95% intervals (target >= 90%), median relative error, and the same figures for baselines
measured in the same run: the independence (main-effects) model on the same lists, which is what a
two-list Lincoln-Petersen style count assumes, and (synth worlds) the lists built by another
evidence rule (``--compare``, default the rule used before: every agency where a victim has any
record). For synth worlds the script also says, from ``truth/`` and for measurement only, how many
listed children are not true victims and how many victims linkage split or merged.

Worlds come from ``clearpicture.synth.generate("small", seed, out)`` taken through the pipeline
stages when those exist (``truth/victims.json`` gives ``total_victims``: every child victim of a
planted group or lone offender, recorded or not); otherwise from the built-in simulator below, and
the script says which was used and why. ``--workdir`` keeps the worlds so a second run only
re-estimates.

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

DEFINITION = "cse-dfe-2017"
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


def synth_world(seed: int, folder: Path, rules: tuple[str, ...]) -> tuple[
        int, dict[str, tuple[tuple[str, ...], dict[str, int]]], dict[str, Any]]:
    """A `small` synthetic scenario through the pipeline: (true total, (lists, pattern counts) per list rule,
    diagnosis). Lists are the source kinds that hold anyone under the rule, as ``clearpicture estimate`` uses.

    The workspace is kept in ``folder`` and reused when the script is run again on the same folder
    (``--workdir``), so list rules and models can be compared without rebuilding the worlds.
    """
    from clearpicture import Store, synth  # noqa: PLC0415
    from clearpicture.estimate.stage import EstimateConfig, victim_histories  # noqa: PLC0415
    from clearpicture.pipeline import run_stages, stage_names  # noqa: PLC0415

    if not hasattr(synth, "generate"):
        raise RuntimeError("clearpicture.synth.generate does not exist yet")
    missing = [s for s in ("definitions", "link") if s not in stage_names()]
    if missing:
        raise RuntimeError(f"pipeline stage(s) {', '.join(missing)} not registered yet")
    out = folder / f"small-{seed}"
    db = folder / f"w{seed}.duckdb"
    done = folder / f"w{seed}.done"
    if not done.exists():
        synth.generate("small", seed, out)
        db.unlink(missing_ok=True)
        with Store(db) as store:
            run_stages(store, [out], stages=["definitions", "link", "groups"])
        done.write_text("ok\n")
    truth = json.loads((out / "truth" / "victims.json").read_text())
    counts: dict[str, tuple[tuple[str, ...], dict[str, int]]] = {}
    with Store(db, read_only=True) as store:
        for rule in rules:
            hist = victim_histories(store, EstimateConfig(evidence=rule))
            counts[rule] = (hist.lists, hist.counts())
        diag = {rule: diagnose(store, out / "truth", rule) for rule in rules}
    return int(truth["total_victims"]), counts, diag


def diagnose(store: Any, truth: Path, rule: str) -> dict[str, int]:
    """Measurement only (reads truth/): who is on the lists compared with the scenario's true victims.

    ``listed``: entities on at least one list; ``true``: true victims among them; ``not_victims``:
    listed entities none of whose records belongs to a true victim (false inclusions);
    ``split``: true victims listed as two or more entities; ``merged``: entities holding records of
    two or more true people.
    """
    from clearpicture.estimate.lists import records_cte_sql  # noqa: PLC0415

    con = store.con.cursor()
    con.execute(f"CREATE TEMP TABLE tp AS SELECT * FROM read_csv('{truth / 'persons.csv'}', all_varchar = true)")
    con.execute(f"CREATE TEMP TABLE tpe AS SELECT * FROM read_csv('{truth / 'people.csv'}', all_varchar = true)")
    records = records_cte_sql(store.has_table("entity_persons"), rule)
    params = [DEFINITION] * (1 if rule == "records" else 2)
    rows = con.execute(records + """
        SELECT r.entity_id, tp.true_person, coalesce(tpe.role LIKE '%victim', false)
        FROM records r
        LEFT JOIN entity_persons ep ON ep.entity_id = r.entity_id
        LEFT JOIN tp ON tp.source = coalesce(ep.source, r.source) AND tp.person_id = coalesce(ep.person_id, r.person_id)
        LEFT JOIN tpe ON tpe.true_person = tp.true_person""", params).fetchall()
    con.close()
    people: dict[str, set[str]] = {}
    victims: dict[str, set[str]] = {}
    for entity, person, is_victim in rows:
        people.setdefault(entity, set())
        victims.setdefault(entity, set())
        if person:
            people[entity].add(person)
            if is_victim:
                victims[entity].add(person)
    per_victim: dict[str, int] = {}
    for vs in victims.values():
        for v in vs:
            per_victim[v] = per_victim.get(v, 0) + 1
    return {"listed": len(people), "true": len(per_victim), "not_victims": sum(1 for v in victims.values() if not v),
            "split": sum(1 for n in per_victim.values() if n > 1), "merged": sum(1 for p in people.values() if len(p) > 1)}


def one(total: int, counts: dict[str, int], lists: tuple[str, ...], args: argparse.Namespace,
        baseline: bool = True) -> dict[str, Any]:
    table = build_table(lists, counts)
    row: dict[str, Any] = {"total": total, "observed": table.observed}
    fits: list[tuple[str, tuple[()] | None, str]] = [("chosen", None, args.method)]
    if baseline:
        fits.append(("independence", (), "fixed"))
    for name, terms, method in fits:
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


def report(rows: list[dict[str, Any]], name: str, label: str, headline: str) -> dict[str, float]:
    s = summarise(rows, name)
    print(f"{label}:")
    print(f"    95% coverage: averaged {s['averaged_coverage']:.0%}  profile {s['profile_coverage']:.0%}  "
          f"parametric {s['parametric_coverage']:.0%};  median width / N: averaged "
          f"{s['averaged_median_rel_width']:.0%}  profile {s['profile_median_rel_width']:.0%}")
    print(f"    median |rel err| {s['median_abs_rel_error']:.1%}  median rel err {s['median_rel_error']:+.1%}  "
          f"failed {s['failed']}  {s['seconds']:.2f} s/estimate")
    return s


def main() -> None:
    from clearpicture.estimate.lists import EVIDENCE  # noqa: PLC0415

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--seed0", type=int, default=1, help="first seed; also the bootstrap seed")
    ap.add_argument("--source", choices=["auto", "synth", "builtin"], default="auto")
    ap.add_argument("--world", choices=["correlated", "hetero"], default="correlated")
    ap.add_argument("--method", default="auto")
    ap.add_argument("--shift", type=float, default=0.0,
                    help="built-in worlds: add to every list's log-odds of capture (-1: sparser, fewer seen)")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--evidence", choices=EVIDENCE, default=EVIDENCE[0],
                    help="synth worlds: which records put a victim on a list (clearpicture.estimate.lists)")
    ap.add_argument("--compare", default="records",
                    help="synth worlds: other evidence rules measured on the same worlds (comma-separated, '' none)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="synth worlds: keep the scenarios and workspaces here and reuse them on the next run")
    args = ap.parse_args()
    compare = tuple(r for r in args.compare.split(",") if r and r != args.evidence)
    rules = (args.evidence, *compare)

    source, why = args.source, ""
    rows: list[dict[str, Any]] = []
    other: dict[str, list[dict[str, Any]]] = {r: [] for r in compare}
    diags: dict[str, list[dict[str, int]]] = {r: [] for r in rules}
    tmp = tempfile.TemporaryDirectory()
    folder = args.workdir or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    if source in ("auto", "synth"):
        try:
            synth_world(args.seed0, folder, rules)
            source = "synth"
        except Exception as exc:  # noqa: BLE001 - report and fall back
            if args.source == "synth":
                raise SystemExit(f"synth world not available: {exc}") from exc
            source, why = "builtin", f"synth not usable: {type(exc).__name__}: {exc}"
    print(f"worlds: {source}" + (f" ({why})" if why else "") + (f", {args.world}" if source == "builtin" else "")
          + (f", lists by evidence rule {args.evidence!r}" if source == "synth" else ""))
    t0 = time.perf_counter()
    try:
        for seed in range(args.seed0, args.seed0 + args.seeds):
            if source == "synth":
                total, by_rule, diag = synth_world(seed, folder, rules)
                lists, counts = by_rule[args.evidence]
                for r in compare:
                    other[r].append(one(total, by_rule[r][1], by_rule[r][0], args, baseline=False))
                for r in rules:
                    diags[r].append(diag[r])
            else:
                total, counts = simulate(seed, args.world, args.shift)
                lists = LISTS
            rows.append(one(total, counts, lists, args))
            print(f"  seed {seed}: N {total} observed {rows[-1]['observed']} estimate "
                  f"{rows[-1]['chosen'].get('estimate', float('nan')):.1f} averaged "
                  f"{rows[-1]['chosen'].get('averaged', ['-', '-'])}", file=sys.stderr, flush=True)
    finally:
        tmp.cleanup()
    elapsed = time.perf_counter() - t0
    print(f"{len(rows)} worlds in {elapsed:.0f} s; true totals {min(r['total'] for r in rows)}-"
          f"{max(r['total'] for r in rows)}, observed share median "
          f"{statistics.median(r['observed'] / r['total'] for r in rows):.0%}")
    headline = "profile" if args.method == "fixed" else "averaged"
    c = report(rows, "chosen", f"estimate ({args.method} model choice)", headline)
    b = report(rows, "independence", "baseline: independence model, same lists", headline)
    print(f"ratio median |rel err| estimate / independence: {c['median_abs_rel_error'] / b['median_abs_rel_error']:.2f}")
    for r in compare:
        o = report(other[r], "chosen", f"baseline: lists by evidence rule {r!r}, same worlds, same model choice",
                   headline)
        print(f"ratio median |rel err| estimate / rule {r!r}: {c['median_abs_rel_error'] / o['median_abs_rel_error']:.2f}")
    for r in rules:
        if diags[r]:
            tot = {k: sum(d[k] for d in diags[r]) for k in diags[r][0]}
            print(f"lists under rule {r!r} (measured against truth/, summed over worlds): {tot['listed']} children "
                  f"listed, {tot['true']} true victims, {tot['not_victims']} not victims, {tot['split']} victims split "
                  f"in two, {tot['merged']} entities merging two people; true victims "
                  f"{sum(x['total'] for x in rows)}")
    print(f"target: coverage of the reported ({headline}) interval >= 90% -> "
          f"{'met' if c[f'{headline}_coverage'] >= 0.9 else 'NOT met'} ({c[f'{headline}_coverage']:.0%})")
    models: dict[str, int] = {}
    for row in rows:
        if "model" in row["chosen"]:
            models[row["chosen"]["model"] or "(main effects)"] = models.get(row["chosen"]["model"] or "(main effects)", 0) + 1
    print("models chosen: " + ", ".join(f"{m} x{n}" for m, n in sorted(models.items(), key=lambda kv: -kv[1])[:5]))


if __name__ == "__main__":
    main()
