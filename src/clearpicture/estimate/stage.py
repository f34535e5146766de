"""The estimate stage: capture histories of the resolved victims in the workspace, estimated and stored.

Victims are the child victims of the definition in force (``definition_victims``, default
``cse-dfe-2017``), resolved to people through ``entity_persons``; a victim is on the list of a source
kind (``raw_sources.kind``: police, social_care, health, ngo, ...) when that kind's own records show
the exploitation under the evidence rule of :mod:`.lists` (default ``substantiated``: a meeting case
with the child as victim, not closed as unfounded, that is a recorded crime or carries a case note). Optional strata (``age_band`` or ``area``) are estimated separately and summed, the
interval of the sum coming from draws of each stratum's reported interval distribution (model-averaged
mixture, or parametric bootstrap for a fixed model) added together.

Results go to ``estimate_results`` (one row per stratum and one for the total), ``estimate_models``
(every candidate model) and ``estimate_patterns`` (aggregate pattern counts), all keyed by
``run_id``. Nothing person-level is written. This module must not fit models itself.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import numpy as np

from .. import progress
from ..errors import ClearPictureError, ConfigError, InputError
from ..store import StageResult, Store
from .estimator import Estimate, EstimateOptions, estimate_table
from .intervals import percentile_with_unbounded
from .lists import EVIDENCE, victim_records_sql
from .table import build_table, parse_model

__all__ = ["DEFAULT_DEFINITION", "EVIDENCE", "EstimateConfig", "age_band", "estimate_store", "pattern_counts", "pattern_rows", "run",
           "victim_histories", "victim_records_sql"]

DEFAULT_DEFINITION = "cse-dfe-2017"
#: Lists are ordered this way so patterns read the same in every workspace.
KIND_ORDER = ("police", "social_care", "health", "education", "ngo", "other")
STRATA = ("age_band", "area")


@dataclass(frozen=True)
class EstimateConfig:
    """What to estimate from the workspace and how."""

    definition: str = DEFAULT_DEFINITION
    strata: str | None = None
    kinds: tuple[str, ...] | None = None
    model: str | None = None
    options: EstimateOptions = field(default_factory=EstimateOptions)
    as_of: date | None = None
    #: which records put a victim on an agency's list (:mod:`.lists`)
    evidence: str = EVIDENCE[0]


def age_band(dob: date | None, as_of: date) -> str:
    """Age bands used for strata: under 13, 13-15, 16-17, 18 and over (recorded as a child), unknown."""
    if dob is None or dob > as_of:
        return "unknown"
    age = as_of.year - dob.year - ((as_of.month, as_of.day) < (dob.month, dob.day))
    return "0-12" if age < 13 else "13-15" if age < 16 else "16-17" if age < 18 else "18+"


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _reference_date(store: Store, config: EstimateConfig) -> date:
    """Ages are taken on ``as_of``, else the latest event date in the workspace (reproducible), else today."""
    if config.as_of:
        return config.as_of
    if store.has_table("raw_events"):
        latest = _as_date(store.sql("SELECT max(started_at) FROM raw_events")[0][0])
        if latest:
            return latest
    return date.today()


@dataclass
class Histories:
    """Per-victim list membership and strata, built from the workspace."""

    lists: tuple[str, ...]
    patterns: dict[str, str]  # entity -> pattern
    strata: dict[str, str]  # entity -> stratum ("all" without strata)

    def counts(self, stratum: str | None = None) -> dict[str, int]:
        c = Counter(p for e, p in self.patterns.items() if stratum is None or self.strata[e] == stratum)
        return dict(c)


def victim_histories(store: Store, config: EstimateConfig) -> Histories:
    """Read the victims' records and turn them into capture patterns over the source kinds."""
    if config.evidence not in EVIDENCE:
        raise InputError(f"unknown evidence rule {config.evidence!r} (choose from {', '.join(EVIDENCE)})")
    needed = ["definition_victims", "raw_sources"]
    if config.evidence != "records":
        needed += ["definition_cases", "raw_events", "raw_links", "raw_notes"]
    for name in needed:
        if not store.has_table(name):
            raise InputError(f"{store.path}: table {name} is missing; run `clearpicture ingest` and "
                             "`clearpicture definitions` first")
    # definition_summary has a row for every definition applied, with or without victims
    applied = [r[0] for r in store.sql(
        "SELECT DISTINCT definition_id FROM definition_victims UNION SELECT DISTINCT definition_id FROM "
        f"{'definition_summary' if store.has_table('definition_summary') else 'definition_victims'} ORDER BY 1")]
    if config.definition not in applied:
        raise InputError(f"{store.path}: definition {config.definition!r} has not been applied in this workspace "
                         f"(applied: {', '.join(applied) or 'none'}); run `clearpicture definitions` first")
    if config.kinds:
        known = [r[0] for r in store.sql("SELECT DISTINCT kind FROM raw_sources WHERE kind IS NOT NULL ORDER BY 1")]
        unknown = [k for k in config.kinds if k not in known]
        if unknown:
            raise InputError(f"--kinds: unknown source kind {unknown[0]!r} (kinds in this workspace: "
                             f"{', '.join(known) or 'none'})")
    params = [config.definition] * (1 if config.evidence == "records" else 2)
    rows = store.sql(victim_records_sql(store.has_table("entity_persons"), config.evidence), params)
    if not rows:
        raise InputError(f"{store.path}: definition {config.definition!r} has no victims to estimate from "
                         f"(evidence rule {config.evidence!r})")
    kinds_by: dict[str, set[str]] = {}
    areas_by: dict[str, Counter[str]] = {}
    dobs_by: dict[str, Counter[date]] = {}
    for entity, kind, area, dob in rows:
        kinds_by.setdefault(entity, set()).add(kind)
        areas_by.setdefault(entity, Counter())
        if area:
            areas_by[entity][area] += 1
        born = _as_date(dob)
        dobs_by.setdefault(entity, Counter())
        if born is not None:
            dobs_by[entity][born] += 1
    present = {k for ks in kinds_by.values() for k in ks}
    wanted = config.kinds or tuple(k for k in KIND_ORDER if k in present) + tuple(sorted(present - set(KIND_ORDER)))
    lists = tuple(wanted)
    if len(lists) < 2:
        raise InputError(f"{store.path}: the victims appear on {len(lists)} list(s) ({', '.join(lists) or 'none'}); "
                         "estimation needs records from at least 2 kinds of source")
    as_of = _reference_date(store, config)
    patterns: dict[str, str] = {}
    strata: dict[str, str] = {}
    for entity, ks in kinds_by.items():
        pattern = "".join("1" if k in ks else "0" for k in lists)
        if "1" not in pattern:
            continue  # seen only on sources outside the chosen lists
        patterns[entity] = pattern
        if config.strata == "area":
            top = sorted(areas_by[entity].items(), key=lambda kv: (-kv[1], kv[0]))
            strata[entity] = top[0][0] if top else "unknown"
        elif config.strata == "age_band":
            dobs = sorted(dobs_by[entity].items(), key=lambda kv: (-kv[1], kv[0]))
            strata[entity] = age_band(dobs[0][0] if dobs else None, as_of)
        else:
            strata[entity] = "all"
    return Histories(lists=lists, patterns=patterns, strata=strata)


def _stratum_doc(name: str, est: Estimate) -> dict[str, Any]:
    return {"stratum": name} | est.to_dict()


def estimate_store(store: Store, config: EstimateConfig | None = None) -> dict[str, Any]:
    """The ``estimate --db`` document: same shape as ``--counts``, plus strata when asked for."""
    config = config or EstimateConfig()
    if config.strata is not None and config.strata not in STRATA:
        raise InputError(f"unknown strata {config.strata!r} (choose from {', '.join(STRATA)})")
    return _estimate_histories(victim_histories(store, config), config)


def _estimate_histories(hist: Histories, config: EstimateConfig) -> dict[str, Any]:
    terms = parse_model(config.model, hist.lists)

    def one(counts: dict[str, int], seed: int) -> Estimate:
        table = build_table(hist.lists, counts)
        return estimate_table(table, terms, replace(config.options, seed=seed))

    base = {"definition": config.definition, "lists_are": "source kinds", "evidence": config.evidence,
            "strata_by": config.strata}
    if config.strata is None:
        return base | one(hist.counts(), config.options.seed).to_dict()
    opts = config.options
    if opts.interval in ("profile", "lognormal", "bca") or (opts.interval is None and config.model is not None):
        # a conditional interval cannot be added across strata: the parametric bootstrap can
        opts = replace(opts, interval="parametric")
        config = replace(config, options=opts)
    if "parametric" not in (opts.interval, *opts.intervals):
        config = replace(config, options=replace(opts, intervals=(*opts.intervals, "parametric")))
    names = sorted(set(hist.strata.values()))
    docs: list[dict[str, Any]] = []
    failed: list[str] = []
    sums: list[np.ndarray] = []
    headlines: list[str] = []
    for i, name in enumerate(names):
        counts = hist.counts(name)
        try:
            est = one(counts, config.options.seed + i)
        except ClearPictureError as exc:
            failed.append(f"{name} ({exc})")
            docs.append({"stratum": name, "observed": sum(counts.values()), "estimate": None, "lower": None,
                         "upper": None, "model": None, "models": [], "error": str(exc)})
            continue
        docs.append(_stratum_doc(name, est))
        sums.append(est.replicates)
        headlines.append(est.interval.method)
    whole = one(hist.counts(), config.options.seed)
    out = base | {"observed": whole.observed, "lists": list(hist.lists), "strata": docs}
    if failed:
        out |= {k: v for k, v in whole.to_dict().items() if k not in ("lists",)}
        out["warnings"] = [*(f"stratum {f} could not be estimated: the total shown is the unstratified estimate"
                             for f in failed), *whole.warnings]
        out["interval"] = whole.interval.method
        return out
    # strata may carry draws of different kinds and sizes (model-averaged mixture, or the parametric
    # bootstrap where one model is all there is): resample each to the largest size before adding
    size = max(len(r) for r in sums)
    rng = np.random.default_rng(config.options.seed)
    total = np.sum(np.vstack([r if len(r) == size else rng.choice(r, size, replace=True) for r in sums]), axis=0)
    ok = total[np.isfinite(total)]
    unbounded = int(np.isposinf(total).sum())  # a stratum's replicate with no finite estimate
    lo, hi = (percentile_with_unbounded(ok, unbounded, [(1 - opts.level) / 2, (1 + opts.level) / 2])
              if len(ok) > 1 else (math.nan, math.nan))
    estimate = float(sum(d["estimate"] for d in docs))
    out |= {"estimate": round(estimate, 2), "lower": round(float(lo), 2) if math.isfinite(lo) else None,
            "upper": round(float(hi), 2) if math.isfinite(hi) else None,
            "model": f"stratified by {config.strata}: "
                     + "; ".join(f"{d['stratum']}: {d['model'] or '(main effects)'}" for d in docs),
            "models": [{"stratum": d["stratum"]} | m for d in docs for m in d["models"]],
            "unobserved": round(estimate - whole.observed, 2), "interval": f"{'/'.join(dict.fromkeys(headlines))} (strata draws summed)",
            "level": opts.level, "unstratified": {k: whole.to_dict()[k] for k in ("estimate", "lower", "upper", "model")},
            "warnings": [f"{d['stratum']}: {w}" for d in docs for w in d.get("warnings", [])]
            + (["the interval of the strata's sum has no finite upper limit: the data cannot bound the total"]
               if len(ok) > 1 and not math.isfinite(hi) else [])}
    return out


_TABLES = [
    """CREATE TABLE IF NOT EXISTS estimate_results (run_id VARCHAR, definition_id VARCHAR, strata_by VARCHAR,
        stratum VARCHAR, lists VARCHAR, observed BIGINT, estimate DOUBLE, unobserved DOUBLE, lower DOUBLE,
        upper DOUBLE, level DOUBLE, interval_method VARCHAR, model VARCHAR, method VARCHAR, warnings VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS estimate_models (run_id VARCHAR, stratum VARCHAR, model VARCHAR, k INTEGER,
        aic DOUBLE, bic DOUBLE, estimate DOUBLE, admissible BOOLEAN, reason VARCHAR, chosen BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS estimate_patterns (run_id VARCHAR, stratum VARCHAR, lists VARCHAR,
        pattern VARCHAR, count BIGINT)""",
]


def _write(store: Store, run_id: str, doc: dict[str, Any], hist_counts: dict[str, dict[str, int]]) -> None:
    lists = json.dumps(doc["lists"])
    rows = [("all", doc)] + [(d["stratum"], d) for d in doc.get("strata", [])]
    for stratum, d in rows:
        store.execute("INSERT INTO estimate_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            run_id, doc["definition"], doc["strata_by"], stratum, lists, d["observed"], d.get("estimate"),
            d.get("unobserved"), d.get("lower"), d.get("upper"), d.get("level"), d.get("interval"), d.get("model"),
            d.get("method"), json.dumps(d.get("warnings", []) or ([d["error"]] if "error" in d else []))])
        if stratum == "all" and "strata" in doc:
            continue  # the total's models are the strata's, written below
        models = [[run_id, stratum, m["model"], m["k"], m["aic"], m["bic"], m["estimate"], m["admissible"],
                   m["reason"], m["chosen"]] for m in d.get("models", [])]
        if models:
            store.con.executemany("INSERT INTO estimate_models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", models)
    patterns = [[run_id, stratum, lists, pattern, count]
                for stratum, counts in hist_counts.items() for pattern, count in sorted(counts.items())]
    if patterns:
        store.con.executemany("INSERT INTO estimate_patterns VALUES (?, ?, ?, ?, ?)", patterns)


def as_config(config: EstimateConfig | Mapping[str, Any] | None) -> EstimateConfig:
    """Accept the typed config, a plain mapping (pipeline configs from YAML), or None for defaults.

    Mapping keys are EstimateConfig fields; keys of EstimateOptions (method, bootstrap, seed, ...)
    may sit at the top level too.
    """
    if config is None or isinstance(config, EstimateConfig):
        return config or EstimateConfig()
    data = dict(config)
    opt_keys = set(EstimateOptions.__dataclass_fields__)
    cfg_keys = set(EstimateConfig.__dataclass_fields__) - {"options"}
    unknown = set(data) - opt_keys - cfg_keys - {"options"}
    if unknown:
        raise ConfigError(f"estimate config: unknown key(s) {', '.join(sorted(unknown))}")
    opts = dict(data.pop("options", {}) or {})
    opts.update({k: data.pop(k) for k in list(data) if k in opt_keys})
    try:
        if "intervals" in opts:
            opts["intervals"] = tuple(opts["intervals"])
        if "kinds" in data and data["kinds"] is not None:
            data["kinds"] = tuple(data["kinds"])
        if isinstance(data.get("as_of"), str):
            data["as_of"] = date.fromisoformat(data["as_of"])
        return EstimateConfig(options=EstimateOptions(**opts), **data)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"estimate config: {exc}") from exc


def run_with_output(store: Store, config: EstimateConfig | Mapping[str, Any] | None = None,
                    ) -> tuple[StageResult, dict[str, Any]]:
    """Estimate from the workspace, write the estimate_* tables in one recorded run, return both."""
    config = as_config(config)
    params = {"definition": config.definition, "evidence": config.evidence, "strata": config.strata,
              "kinds": config.kinds, "model": config.model, "options": config.options.__dict__}
    if config.strata is not None and config.strata not in STRATA:
        raise InputError(f"unknown strata {config.strata!r} (choose from {', '.join(STRATA)})")
    with progress.step("estimate", "victim histories") as s:
        hist = victim_histories(store, config)
        s.done(len(hist.patterns))
    with progress.step("estimate", "fit models and intervals"):
        doc = _estimate_histories(hist, config)
    per = {"all": hist.counts()} | ({s: hist.counts(s) for s in sorted(set(hist.strata.values()))}
                                    if config.strata else {})
    with store.run("estimate", params) as result:
        for ddl in _TABLES:
            store.execute(ddl)
        _write(store, result.run_id, doc, per)
        result.counts.update({k: doc.get(k) for k in ("observed", "estimate", "lower", "upper", "model", "lists")})
        result.counts["strata"] = len(doc.get("strata", []))
        result.counts["warnings"] = len(doc.get("warnings", []))
    doc["run_id"] = result.run_id
    return result, doc


def pattern_counts(store: Store, run_id: str | None = None) -> tuple[list[str], dict[str, dict[str, int]]]:
    """The lists and the stored capture-pattern counts by stratum of run ``run_id`` (default: the latest)."""
    if not store.has_table("estimate_patterns"):
        raise InputError(f"{store.path}: no estimate has been stored; run the estimate stage first")
    if run_id is None:
        latest = store.sql("SELECT max_by(run_id, finished_at) FROM runs WHERE stage = 'estimate' AND status = 'ok'")
        run_id = latest[0][0] if latest else None
    rows = store.sql("SELECT stratum, lists, pattern, count FROM estimate_patterns WHERE run_id = ?", [run_id])
    lists: list[str] = json.loads(rows[0][1]) if rows else []
    out: dict[str, dict[str, int]] = {}
    for stratum, _lists, pattern, count in rows:
        out.setdefault(stratum, {})[pattern] = int(count)
    return lists, out


def pattern_rows(store: Store, partner: bool, run_id: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """Pattern counts of the latest (or ``run_id``) estimate as rows ``stratum, lists, pattern, count`` for a page
    or a download, and the disclosure note: for ``partner`` every pattern is listed, zeros included, under
    :func:`.share.protected_patterns` (suppressed counts are None); otherwise the stored counts as they are."""
    from .share import protected_patterns  # noqa: PLC0415 - share is pure; this is its store-side caller

    if not store.has_table("estimate_patterns"):
        return [], None
    lists, by_stratum = pattern_counts(store, run_id)
    label = json.dumps(lists)
    if not partner:
        return [{"stratum": s, "lists": label, "pattern": p, "count": n}
                for s, counts in sorted(by_stratum.items()) for p, n in sorted(counts.items())], None
    if not lists:
        return [], None
    table = protected_patterns(lists, by_stratum)
    columns = [c for c in table.rows[0] if c not in ("pattern", "lists")]
    return [{"stratum": c, "lists": r["lists"], "pattern": r["pattern"], "count": r[c]}
            for c in columns for r in table.rows], table.note


def run(store: Store, config: EstimateConfig | Mapping[str, Any] | None = None) -> StageResult:
    """Stage entry point (conventions.md): estimate and record; see :func:`run_with_output`."""
    return run_with_output(store, config)[0]
