"""The linkage stage: person, object and location records recognised across every agency.

``run(store, config=None, engine="duckdb")`` normalises the records (features beside the raw
tables), trains and applies the Splink person model on DuckDB or Spark, clusters pairs into
entities respecting analysts' decisions, and writes the ``entity_*`` tables in one store run:
``entity_persons``, ``entity_pairs``, ``entity_review``, ``entity_model``, ``entity_objects``,
``entity_locations``. Merges are logged to the audit log as a combination when it is installed.
This module orchestrates; matching rules live in ``model``, normalisation in ``features``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ..engine import Engine, get_engine
from ..errors import ConfigError
from ..store import StageResult, Store
from .cluster import cluster_indices
from .features import PERSON_FEATURES, build_location_features, build_object_features, build_person_features
from .model import (
    COMPARISON_NAMES,
    EM_PAIR_COUNTS,
    EXACT_U_COLUMNS,
    LinkageModelConfig,
    choose_threshold,
    em_pairs_sql,
    settings,
    shared_values_sql,
    train,
)
from .review import ensure_decision_table, latest_decisions

__all__ = ["LinkageConfig", "link_persons", "run"]

log = logging.getLogger("clearpicture.linkage")


@dataclass(frozen=True)
class LinkageConfig:
    """What a run may be told: the model settings, who the run acts for, DuckDB threads and memory."""

    model: LinkageModelConfig = field(default_factory=LinkageModelConfig)
    actor: str = "system:linkage"
    threads: int | None = None
    # DuckDB (the workspace's instance, Splink included) spills to disk beyond this while the run
    # lasts. At 1M records: unbounded the run peaked at 2.4 GB; at 1.5 GB it peaked at 1.7 GB, and
    # 1 GB (1.3 GB peak) cost prediction about 2-4 s more CPU in spilling. None lifts the limit.
    memory_limit: str | None = "1500MB"

    @classmethod
    def load(cls, config: LinkageConfig | Mapping[str, Any] | None) -> LinkageConfig:
        """Accept a config, a plain mapping (pipeline YAML) or None; name every unknown key at once."""
        if config is None:
            return cls()
        if isinstance(config, LinkageConfig):
            return config
        model_keys = {f.name: f for f in dataclasses.fields(LinkageModelConfig)}
        own = {"actor", "threads", "memory_limit"}
        unknown = sorted(k for k in config if k not in model_keys and k not in own)
        if unknown:
            raise ConfigError(f"linkage config: unknown keys {', '.join(unknown)} "
                              f"(known: {', '.join(sorted([*model_keys, *own]))})")
        problems = []
        model_args: dict[str, Any] = {}
        for k, v in config.items():
            if k in model_keys:
                if v is not None and not isinstance(v, int | float) or isinstance(v, bool):
                    problems.append(f"{k}: expected a number, got {v!r}")
                model_args[k] = v
        if problems:
            raise ConfigError("linkage config: " + "; ".join(problems))
        return cls(model=LinkageModelConfig(**model_args), actor=str(config.get("actor", cls.actor)),
                   threads=config.get("threads"), memory_limit=config.get("memory_limit", cls.memory_limit))


class PhaseClock:
    """Wall and CPU seconds per phase of a run (CPU counts every thread of this process, DuckDB's too).

    On a shared machine wall time says more about the neighbours than about the code; CPU time is
    the figure to compare between runs.
    """

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, float]] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            got = self.phases.setdefault(name, {"wall": 0.0, "cpu": 0.0})
            got["wall"] = round(got["wall"] + time.perf_counter() - wall, 2)
            got["cpu"] = round(got["cpu"] + time.process_time() - cpu, 2)


def _pair_columns(names: list[str]) -> list[str]:
    wanted = ["source_l", "person_id_l", "source_r", "person_id_r", "unique_id_l", "unique_id_r",
              "match_weight", "match_probability"]
    for c in COMPARISON_NAMES:
        wanted += [f"mw_{c}", f"mw_tf_adj_{c}"]
    return [c for c in wanted if c in names]


def link_persons(store: Store, engine: Engine, cfg: LinkageConfig, run_id: str,
                 clock: PhaseClock | None = None) -> dict[str, Any]:
    """Train, predict and cluster persons; write entity_persons, entity_pairs, entity_review, entity_model."""
    from splink import Linker

    clock = clock or PhaseClock()
    records = store.count(PERSON_FEATURES)
    phones = int(store.sql(f"SELECT count(DISTINCT phone) FROM {PERSON_FEATURES}")[0][0])
    exact_u = {}
    for name, column in EXACT_U_COLUMNS.items():
        shared, holders = store.sql(shared_values_sql((column,), PERSON_FEATURES))[0]
        if holders and holders >= 2:
            pairs_with = float(holders) * (float(holders) - 1)
            exact_u[name] = max(float(shared or 0), 1.0) / pairs_with
    em_pairs = dict(zip(EM_PAIR_COUNTS, map(int, store.sql(em_pairs_sql(PERSON_FEATURES))[0]), strict=True))
    api = engine.splink_api()
    with clock.phase("register"), engine.step("splink register"):
        frame = engine.splink_input(api, PERSON_FEATURES, "person_features")
    model: dict[str, Any] | None = None
    pairs = pa.table({c: pa.array([], pa.string()) for c in ("unique_id_l", "unique_id_r")})
    if records >= 2:
        with clock.phase("train"), engine.step("splink train"):
            trainer = Linker(frame, settings("dedupe_only"), log_level=logging.WARNING)
            model = train(trainer, cfg.model, phones,
                          records, exact_u, u_chunks=1 if engine.name == "spark" else 10, em_pairs=em_pairs)
            if engine.name == "duckdb":
                # Training's scratch (sampled pairs, comparison vectors) is of no use to prediction,
                # which then fits the memory limit with less spilling; term frequencies are recomputed.
                trainer.table_management.invalidate_cache()  # type: ignore[no-untyped-call]
        with clock.phase("predict"), engine.step("splink predict"):
            linker = Linker(frame, model, log_level=logging.WARNING)
            predictions = linker.inference.predict(threshold_match_weight=cfg.model.pairs_min_weight)
            pairs = engine.splink_to_arrow(predictions)
            pairs = pairs.select(_pair_columns(pairs.column_names))
    with clock.phase("cluster"), engine.step("cluster"):
        threshold = _cluster(store, pairs, cfg.model)
    with clock.phase("write"), engine.step("write entity tables"):
        _write_tables(store, run_id, threshold, cfg.model.review_band, model, engine.name)
    merged = int(store.sql("SELECT count(*) - count(DISTINCT entity_id) FROM entity_persons")[0][0])
    return {"person_records": records, "scored_pairs": pairs.num_rows, "threshold_weight": round(threshold, 4),
            "person_entities": int(store.sql("SELECT count(DISTINCT entity_id) FROM entity_persons")[0][0]),
            "records_merged": merged,
            "review_pairs": store.count("entity_review")}


def _cluster(store: Store, pairs: pa.Table, cfg: LinkageModelConfig) -> float:
    """Choose the threshold and cluster; write ``lk_pairs`` and ``lk_entities``; return the threshold.

    Records are numbered in key order in SQL, so clustering handles integers only and the entity
    id (hash of the smallest key in the entity) is computed in SQL too.
    """
    store.con.register("_lk_pairs", pairs)
    store.execute("CREATE OR REPLACE TEMP TABLE lk_pairs AS SELECT * FROM _lk_pairs")
    store.con.unregister("_lk_pairs")
    store.execute(f"""CREATE OR REPLACE TEMP TABLE lk_keys AS
        SELECT unique_id, CAST(row_number() OVER (ORDER BY unique_id) - 1 AS BIGINT) AS ix FROM {PERSON_FEATURES}""")
    n = store.count("lk_keys")
    scored = store.con.sql("""SELECT kl.ix AS il, kr.ix AS ir, p.match_weight, p.match_probability FROM lk_pairs p
        JOIN lk_keys kl ON kl.unique_id = p.unique_id_l JOIN lk_keys kr ON kr.unique_id = p.unique_id_r""") \
        .to_arrow_table() if pairs.num_rows else None
    if scored is not None:
        weights = scored.column("match_weight").to_numpy().astype(float)
        left, right = scored.column("il").to_numpy(), scored.column("ir").to_numpy()
        probs = scored.column("match_probability").to_numpy().astype(float)
    else:
        weights, probs = np.array([]), np.array([])
        left = right = np.array([], dtype=np.int64)
    threshold = choose_threshold(probs, weights, cfg)
    decisions = latest_decisions(store)
    named = sorted({k for a, b, _ in decisions for k in (a, b)})
    ix = dict(store.sql("SELECT unique_id, ix FROM lk_keys WHERE list_contains(?, unique_id)", [named])) \
        if named else {}

    def known(decision: str) -> list[tuple[int, int]]:
        return [(int(ix[a]), int(ix[b])) for a, b, d in decisions if d == decision and a in ix and b in ix]

    smallest = cluster_indices(n, left, right, weights, threshold, known("confirm"), known("reject"))
    store.con.register("_lk_smallest", pa.table({"ix": np.arange(n, dtype=np.int64), "smallest": smallest}))
    store.execute("""CREATE OR REPLACE TEMP TABLE lk_entities AS
        SELECT k.unique_id, 'P' || substr(md5(s.unique_id), 1, 16) AS entity_id
        FROM _lk_smallest t JOIN lk_keys k ON k.ix = t.ix JOIN lk_keys s ON s.ix = t.smallest""")
    store.con.unregister("_lk_smallest")
    store.execute("DROP TABLE lk_keys")
    return threshold


def _write_tables(store: Store, run_id: str, threshold: float, band: float, model: dict[str, Any] | None,
                  engine: str) -> None:
    store.execute(f"""CREATE OR REPLACE TABLE entity_persons AS
        SELECT f.source, f.person_id, e.entity_id, '{run_id}' AS run_id
        FROM {PERSON_FEATURES} f JOIN lk_entities e USING (unique_id) ORDER BY f.source, f.person_id""")
    cols = [r[0] for r in store.sql("SELECT column_name FROM information_schema.columns "
                                    "WHERE table_name = 'lk_pairs' ORDER BY ordinal_position")]
    extra = ", ".join(f"p.{c}" for c in cols if c.startswith(("gamma_", "mw_")))
    store.execute(f"""CREATE OR REPLACE TABLE entity_pairs AS
        WITH d AS ({_latest_decisions_sql()})
        SELECT CASE WHEN p.swap THEN p.source_r ELSE p.source_l END AS source_l,
            CASE WHEN p.swap THEN p.person_id_r ELSE p.person_id_l END AS person_id_l,
            CASE WHEN p.swap THEN p.source_l ELSE p.source_r END AS source_r,
            CASE WHEN p.swap THEN p.person_id_l ELSE p.person_id_r END AS person_id_r,
            round(CAST(p.match_weight AS DOUBLE), 9) AS match_weight,
            CAST(p.match_probability AS DOUBLE) AS match_probability
            {', ' + extra if extra else ''},
            el.entity_id = er.entity_id AS same_entity, d.decision, '{run_id}' AS run_id
        -- Splink orders each pair its own way; stored in one order (source|id ascending)
        FROM (SELECT CASE WHEN unique_id_l <= unique_id_r THEN unique_id_l ELSE unique_id_r END AS ul,
                     CASE WHEN unique_id_l <= unique_id_r THEN unique_id_r ELSE unique_id_l END AS ur,
                     unique_id_l > unique_id_r AS swap, *
              FROM lk_pairs) p
        JOIN lk_entities el ON el.unique_id = p.ul
        JOIN lk_entities er ON er.unique_id = p.ur
        LEFT JOIN d ON d.key_l = p.ul AND d.key_r = p.ur
        ORDER BY match_weight DESC, p.ul, p.ur""") if cols else store.execute(
        """CREATE OR REPLACE TABLE entity_pairs (source_l VARCHAR, person_id_l VARCHAR, source_r VARCHAR,
           person_id_r VARCHAR, match_weight DOUBLE, match_probability DOUBLE, same_entity BOOLEAN,
           decision VARCHAR, run_id VARCHAR)""")
    store.execute(f"""CREATE OR REPLACE TABLE entity_review AS
        SELECT source_l, person_id_l, source_r, person_id_r, match_weight, match_probability, same_entity,
            '{run_id}' AS run_id
        FROM entity_pairs
        WHERE decision IS NULL AND abs(match_weight - {threshold!r}) <= {band!r}
        ORDER BY match_weight DESC, source_l, person_id_l, source_r, person_id_r""")
    store.execute("""CREATE TABLE IF NOT EXISTS entity_model (run_id VARCHAR, engine VARCHAR,
        threshold DOUBLE, model VARCHAR, created_at TIMESTAMP)""")
    store.execute("INSERT INTO entity_model VALUES (?, ?, ?, ?, now())",
                  [run_id, engine, threshold, json.dumps(model or {}, sort_keys=True, default=str)])


def _latest_decisions_sql() -> str:
    return """SELECT key_l, key_r, decision FROM (
        SELECT source_l || '|' || person_id_l AS key_l, source_r || '|' || person_id_r AS key_r, decision,
            row_number() OVER (PARTITION BY source_l, person_id_l, source_r, person_id_r
                               ORDER BY decided_at DESC) AS rn
        FROM entity_decisions) WHERE rn = 1"""


def _audit_merges(store: Store, actor: str, counts: Mapping[str, Any], run_id: str) -> bool:
    """Log the run's merges as one combination row; False when the audit log is not installed."""
    try:
        from ..security.audit import record
    except ImportError:
        log.warning("clearpicture.security.audit is not available: linkage merges were not logged")
        return False
    record(store, actor, "combination",
           {"stage": "link", "run_id": run_id, "records_merged": counts.get("records_merged", 0),
            "person_entities": counts.get("person_entities", 0)},
           justification="record linkage run: probabilistic person matching (Splink)")
    return True


def run(store: Store, config: LinkageConfig | Mapping[str, Any] | None = None,
        engine: str = "duckdb") -> StageResult:
    """Link persons, objects and locations across every source; write the ``entity_*`` tables."""
    cfg = LinkageConfig.load(config)
    params = {"engine": engine, **dataclasses.asdict(cfg.model), "actor": cfg.actor}
    ensure_decision_table(store)
    with store.run("link", params) as result:
        # On DuckDB the steps run beside the workspace (in the engine's work catalog) when nothing
        # in this transaction has changed what they read: Splink then takes the features where
        # they were built. Inside a caller's own transaction they run in it, as before.
        options: dict[str, Any] = {
            "threads": cfg.threads, "memory_limit": cfg.memory_limit,
            "separate": store.transaction_depth <= 1} if engine == "duckdb" else {}
        eng = get_engine(engine, store, **options)
        clock = PhaseClock()
        try:
            with clock.phase("features"):
                result.counts["person_features"] = build_person_features(eng)
            result.counts.update(link_persons(store, eng, cfg, result.run_id, clock))
            with clock.phase("objects and locations"):
                result.counts["object_records"] = build_object_features(eng)
                result.counts["location_records"] = build_location_features(eng)
            result.counts["object_entities"] = int(store.sql(
                "SELECT count(DISTINCT entity_id) FROM entity_objects")[0][0])
            result.counts["location_entities"] = int(store.sql(
                "SELECT count(DISTINCT entity_id) FROM entity_locations")[0][0])
            result.counts["timings"] = {k: round(v, 2) for k, v in eng.timings.items()}
            result.counts["phases"] = clock.phases
        finally:
            eng.close()
            for t in ("lk_pairs", "lk_entities"):
                store.execute(f"DROP TABLE IF EXISTS {t}")
        result.counts["audited"] = _audit_merges(store, cfg.actor, result.counts, result.run_id)
    return result
