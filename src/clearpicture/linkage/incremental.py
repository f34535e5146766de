"""Incremental person linkage: new records (say one force's monthly extract) linked into the entities
already resolved, without re-running the whole set.

``link_new(store, source=None)`` takes the person records in ``raw_persons`` that have no row in
``entity_persons`` yet (optionally only one source's), normalises only those, and scores them with
the model the last full run trained and saved (``entity_model``; no retraining) at that run's
threshold: Splink link-only of the new records against every resolved record
(``entity_person_features``), plus a dedupe of the new records among themselves. Pairs at or above
the threshold are clustered with the existing entities as single nodes (strongest first, analysts'
confirm/reject decisions respected, exactly as :mod:`.cluster` does for a full run), so a new record
may join an entity, start its own, or bring two existing entities together. Entity ids keep the
full run's rule (hash of the smallest record key), so an entity that gains no smaller record keeps
its id. The new records' features, pairs and review items are appended to the ``entity_*`` tables.

What it must not do: retrain the model, rescore existing pairs, or touch objects and locations
(rerun the full stage for those, and periodically for persons too, since term frequencies and the
threshold drift as data grows). It runs on the DuckDB engine only. ``forget_source`` takes one
source's records (all, or those a filter picks: ids, a predicate, recorded since a date) back out of
the resolved tables; it exists for tests and benchmarks that need "a force whose records are new"
from a fully linked workspace.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from ..engine import DuckDBEngine
from ..errors import StoreError
from ..store import StageResult, Store
from .cluster import cluster_records
from .features import (
    PERSON_FEATURES,
    alias_lookup,
    forename_lookup,
    person_clean_sql,
    person_features_sql,
    person_links_sql,
    phone_lookup,
    surname_lookup,
)
from .review import latest_decisions

__all__ = ["forget_source", "link_new", "partition_f1"]

log = logging.getLogger("clearpicture.linkage.incremental")

_NEW_RAW = "lk_new_raw"
_NEW_FEATURES = "lk_new_features"


def partition_f1(truth: Mapping[str, str], found: Mapping[str, str]) -> float:
    """Pairwise F1 of partition ``found`` against ``truth`` (record key → cluster), common keys only.

    Counts pairs of records put together: precision = pairs together in both / pairs together in
    ``found``, recall = the same over ``truth``. Two partitions with no pairs at all agree (1.0).
    """
    keys = [k for k in truth if k in found]

    def together(counts: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    t = together(Counter(truth[k] for k in keys))
    f = together(Counter(found[k] for k in keys))
    both = together(Counter((truth[k], found[k]) for k in keys))
    if t == 0 and f == 0:
        return 1.0
    precision = both / f if f else 0.0
    recall = both / t if t else 0.0
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def forget_source(store: Store, source: str, *, person_ids: Iterable[str] | None = None,
                  where: str | None = None, since: date | datetime | str | None = None) -> int:
    """Take ``source``'s person records out of the resolved tables, as if never linked; return how many.

    Without a filter every record of ``source`` goes. The filters narrow that (all given must hold):
    ``person_ids`` names the records; ``where`` is a SQL predicate over the source's ``raw_persons``
    rows (say ``"recorded_at >= DATE '2026-01-01'"``; the caller's own text, never user input);
    ``since`` keeps those whose ``recorded_at`` is at or after it (a force's latest extract).
    Entities that held them keep their other records (their ids are not recomputed). For tests and
    benchmarks of :func:`link_new`, which then links exactly the forgotten records again.
    """
    params: list[Any] = [source]
    conditions = ["e.source = ?"]
    if person_ids is not None:
        ids = sorted({str(i) for i in person_ids})
        conditions.append("list_contains(?, e.person_id)")
        params.append(ids)
    if where is not None or since is not None:
        raw = ["r.source = e.source", "r.person_id = e.person_id"]
        if where is not None:
            raw.append(f"({where})")
        if since is not None:
            raw.append("r.recorded_at >= CAST(? AS TIMESTAMP)")
            params.append(since)
        conditions.append(f"EXISTS (SELECT 1 FROM raw_persons r WHERE {' AND '.join(raw)})")
    with store.transaction():
        store.execute(f"""CREATE OR REPLACE TEMP TABLE lk_forget AS
            SELECT DISTINCT e.source, e.person_id FROM entity_persons e WHERE {' AND '.join(conditions)}""", params)
        n = store.count("lk_forget")
        store.execute("DELETE FROM entity_persons WHERE (source, person_id) IN (SELECT * FROM lk_forget)")
        store.execute(f"DELETE FROM {PERSON_FEATURES} WHERE (source, person_id) IN (SELECT * FROM lk_forget)")
        for t in ("entity_pairs", "entity_review"):
            if store.has_table(t):
                store.execute(f"""DELETE FROM {t} WHERE (source_l, person_id_l) IN (SELECT * FROM lk_forget)
                    OR (source_r, person_id_r) IN (SELECT * FROM lk_forget)""")
        store.execute("DROP TABLE lk_forget")
    return n


def _latest_model(store: Store) -> tuple[dict[str, Any], float]:
    if not store.has_table("entity_model") or not store.has_table("entity_persons"):
        raise StoreError("incremental linkage needs a full linkage run first: run `clearpicture link`")
    rows = store.sql("SELECT model, threshold FROM entity_model ORDER BY created_at DESC LIMIT 1")
    model = json.loads(rows[0][0]) if rows else {}
    if not model.get("comparisons"):
        raise StoreError("the last linkage run saved no trained model: run `clearpicture link` on more records")
    return model, float(rows[0][1])


def _build_new_features(engine: DuckDBEngine, store: Store, source: str | None) -> int:
    """``lk_new_features``: the full run's normalisation, over the unlinked records only."""
    where = "AND r.source = ?" if source is not None else ""
    store.execute(f"""CREATE OR REPLACE TEMP TABLE {_NEW_RAW} AS
        SELECT r.* FROM raw_persons r ANTI JOIN entity_persons e USING (source, person_id)
        WHERE true {where}""", [source] if source is not None else None)
    engine._scratch.append(_NEW_RAW)
    d = engine.dialect
    clean = person_clean_sql(d).replace("FROM raw_persons", f"FROM {_NEW_RAW}")
    engine.run_steps([("lk_person_clean", clean), ("lk_person_links", person_links_sql(d))])

    def distinct(col: str, where: str = "") -> list[str]:
        rows = engine.fetch(f"SELECT DISTINCT {col} FROM lk_person_clean WHERE {col} IS NOT NULL {where}")
        return sorted(str(r[0]) for r in rows)

    with engine.step("name lookups (python, new records' distinct values)"):
        engine.load_arrow("lk_forename", forename_lookup(distinct("forename_clean")))
        engine.load_arrow("lk_surname", surname_lookup(distinct("surname_clean")))
        engine.load_arrow("lk_aliases", alias_lookup(distinct("aliases")))
        engine.load_arrow("lk_phone", phone_lookup(distinct("phone_raw", "AND phone_fast IS NULL")))
    engine.run_steps([(_NEW_FEATURES, person_features_sql(d))])
    return store.count(_NEW_FEATURES)


def _tf_columns(model: dict[str, Any]) -> list[str]:
    return sorted({str(lv["tf_adjustment_column"]) for c in model["comparisons"] for lv in c["comparison_levels"]
                   if lv.get("tf_adjustment_column")})


def _equalities(sql: str) -> frozenset[tuple[str, ...]]:
    """A rule that is a conjunction of equalities, as a set of unordered equalities."""
    out = set()
    for part in re.split(r"\s+AND\s+", sql.strip()):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1]
        out.add(tuple(sorted(side.strip() for side in part.split(" = "))))
    return frozenset(out)


def rule_is_symmetric(sql: str) -> bool:
    """True when swapping ``l.`` and ``r.`` gives the same conjunction of equalities.

    Such a rule pairs the same records whichever side a new record is on, so the candidate search
    needs it in one direction only (the day-and-month-swapped rule is the one that is not).
    Anything that is not plainly a conjunction of equalities counts as asymmetric, the safe side.
    """
    if re.search(r"\b(OR|NOT)\b|[<>!]", sql, flags=re.IGNORECASE) or " = " not in sql:
        return False
    swapped = re.sub(r"\b([lr])\.", lambda m: "r." if m.group(1) == "l" else "l.", sql)
    return _equalities(sql) == _equalities(swapped)


def _candidates(store: Store, model: dict[str, Any]) -> int:
    """``lk_resolved_candidates``: resolved records that meet at least one blocking rule with a new record.

    Splink's link-only pairs are exactly those, so handing it only these records gives the same pairs
    without reading every resolved record. An asymmetric rule is tried in both directions; a
    symmetric one once (half the joins: 1.0 -> 0.6 s for a force's year of records at 1M).
    """
    selects = []
    for rule in model["blocking_rules_to_generate_predictions"]:
        sql = rule["blocking_rule"] if isinstance(rule, dict) else str(rule)
        selects.append(f"SELECT r.unique_id FROM {_NEW_FEATURES} l JOIN {PERSON_FEATURES} r ON {sql}")
        if not rule_is_symmetric(sql):
            selects.append(f"SELECT l.unique_id FROM {PERSON_FEATURES} l JOIN {_NEW_FEATURES} r ON {sql}")
    store.execute(f"""CREATE OR REPLACE TEMP TABLE lk_resolved_candidates AS
        SELECT * FROM {PERSON_FEATURES} SEMI JOIN ({' UNION '.join(selects)}) c USING (unique_id)""")
    return store.count("lk_resolved_candidates")


def _tf_tables(store: Store, columns: list[str]) -> None:
    """Term frequencies over every record (resolved and new), as Splink would compute them on the union."""
    for col in columns:
        store.execute(f"""CREATE OR REPLACE TEMP TABLE lk_tf_{col} AS
            WITH u AS (SELECT {col} FROM {PERSON_FEATURES} UNION ALL SELECT {col} FROM {_NEW_FEATURES})
            SELECT {col}, CAST(count(*) AS DOUBLE) / (SELECT count({col}) FROM u) AS tf_{col}
            FROM u WHERE {col} IS NOT NULL GROUP BY {col}""")


def _score(engine: DuckDBEngine, store: Store, model: dict[str, Any], min_weight: float,
           new_count: int) -> pa.Table:
    """New-vs-resolved (link only) and new-vs-new (dedupe) pairs from the saved model, no training.

    Splink sees only the resolved records some blocking rule pairs with a new record, and term
    frequencies computed over every record, so weights are those a full run's model gives.
    """
    from splink import Linker

    tf_cols = _tf_columns(model)
    with engine.step("candidate resolved records and term frequencies"):
        candidates = _candidates(store, model)
        _tf_tables(store, tf_cols)
    api = engine.splink_api()
    with engine.step("splink register"):
        new = engine.splink_input(api, _NEW_FEATURES, "new_records")
        tfs = {c: engine.splink_input(api, f"lk_tf_{c}", f"tf_lookup_{c}") for c in tf_cols}
        old = engine.splink_input(api, "lk_resolved_candidates", "resolved_records") if candidates else None
    keep = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    parts = []
    if old is not None:
        with engine.step("splink predict (new against resolved)"):
            linker = Linker([new, old], {**model, "link_type": "link_only"}, log_level=logging.WARNING)
            for c, tf in tfs.items():
                linker.table_management.register_term_frequency_lookup(tf, c)
            parts.append(engine.splink_to_arrow(linker.inference.predict(threshold_match_weight=min_weight)))
    if new_count >= 2:
        with engine.step("splink predict (new among themselves)"):
            linker = Linker(new, {**model, "link_type": "dedupe_only"}, log_level=logging.WARNING)
            for c, tf in tfs.items():
                linker.table_management.register_term_frequency_lookup(tf, c)
            parts.append(engine.splink_to_arrow(linker.inference.predict(threshold_match_weight=min_weight)))
    if not parts:
        return pa.table({c: pa.array([], pa.string() if c.startswith("unique") else pa.float64()) for c in keep})
    cols = [c for c in parts[0].column_names if c in keep or c.startswith("mw_")]
    tables = [p.select(cols).cast(parts[0].select(cols).schema) for p in parts if all(c in p.column_names for c in cols)]
    return pa.concat_tables(tables)


def _merge(store: Store, pairs: pa.Table, threshold: float) -> dict[str, int]:
    """Cluster new records with existing entities (one node each); return counts. Writes lk_new_entities."""
    store.con.register("_lk_inc_pairs", pairs)
    store.execute("CREATE OR REPLACE TEMP TABLE lk_inc_pairs AS SELECT * FROM _lk_inc_pairs")
    store.con.unregister("_lk_inc_pairs")
    # Each side of a pair as a node: a new record stands for itself, a resolved record for its entity,
    # named by that entity's smallest record key (so cluster_records' ids follow the full run's rule).
    store.execute(f"""CREATE OR REPLACE TEMP TABLE lk_inc_nodes AS
        WITH ids AS (SELECT unique_id_l AS uid FROM lk_inc_pairs UNION SELECT unique_id_r FROM lk_inc_pairs),
        touched AS (
            SELECT DISTINCT e.entity_id FROM ids JOIN entity_persons e ON e.source || '|' || e.person_id = ids.uid),
        smallest AS (
            SELECT e.entity_id, min(e.source || '|' || e.person_id) AS node FROM entity_persons e
            JOIN touched USING (entity_id) GROUP BY e.entity_id)
        SELECT e.source || '|' || e.person_id AS unique_id, s.node, e.entity_id AS old_entity
        FROM entity_persons e JOIN smallest s USING (entity_id)
        UNION ALL SELECT unique_id, unique_id, NULL FROM {_NEW_FEATURES}""")
    ordered = store.con.sql("""
        SELECT nl.node AS l, nr.node AS r, p.match_weight FROM lk_inc_pairs p
        JOIN lk_inc_nodes nl ON nl.unique_id = p.unique_id_l JOIN lk_inc_nodes nr ON nr.unique_id = p.unique_id_r
        WHERE p.match_weight >= ? ORDER BY p.match_weight DESC, l, r""", params=[threshold]).to_arrow_table()
    node_of = dict(store.sql("SELECT unique_id, node FROM lk_inc_nodes"))
    nodes = sorted(set(node_of.values()))
    decisions = [(node_of.get(a), node_of.get(b), d) for a, b, d in latest_decisions(store)]
    ids = cluster_records(
        nodes, ordered.column("l").to_pylist(), ordered.column("r").to_pylist(),
        ordered.column("match_weight").to_numpy().astype(float) if ordered.num_rows else np.array([]), threshold,
        confirmed=[(a, b) for a, b, d in decisions if d == "confirm" and a and b],
        rejected=[(a, b) for a, b, d in decisions if d == "reject" and a and b])
    store.con.register("_lk_node_ids", pa.table({"node": nodes, "entity_id": ids}))
    store.execute("""CREATE OR REPLACE TEMP TABLE lk_new_entities AS
        SELECT n.unique_id, n.old_entity, i.entity_id FROM lk_inc_nodes n JOIN _lk_node_ids i USING (node)""")
    store.con.unregister("_lk_node_ids")
    changed = int(store.sql("""SELECT count(DISTINCT old_entity) FROM lk_new_entities
        WHERE old_entity IS NOT NULL AND old_entity <> entity_id""")[0][0])
    return {"scored_pairs": pairs.num_rows, "pairs_at_threshold": ordered.num_rows,
            "entities_changed": changed}


def _write(store: Store, run_id: str, threshold: float, band: float) -> None:
    cols = {r[0] for r in store.sql("SELECT column_name FROM information_schema.columns "
                                    f"WHERE table_name = '{PERSON_FEATURES}'")}
    new_cols = [r[0] for r in store.sql("SELECT column_name FROM information_schema.columns "
                                        f"WHERE table_name = '{_NEW_FEATURES}' ORDER BY ordinal_position")]
    shared = ", ".join(c for c in new_cols if c in cols)
    store.execute(f"INSERT INTO {PERSON_FEATURES} ({shared}) SELECT {shared} FROM {_NEW_FEATURES}")
    store.execute("""UPDATE entity_persons SET entity_id = m.entity_id
        FROM (SELECT DISTINCT old_entity, entity_id FROM lk_new_entities
              WHERE old_entity IS NOT NULL AND old_entity <> entity_id) m
        WHERE entity_persons.entity_id = m.old_entity""")
    store.execute(f"""INSERT INTO entity_persons (source, person_id, entity_id, run_id)
        SELECT f.source, f.person_id, n.entity_id, '{run_id}' FROM {_NEW_FEATURES} f
        JOIN lk_new_entities n USING (unique_id)""")
    pair_cols = {r[0] for r in store.sql("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_name = 'entity_pairs'")}
    mw = [r[0] for r in store.sql("SELECT column_name FROM information_schema.columns "
                                  "WHERE table_name = 'lk_inc_pairs'") if r[0].startswith("mw_") and r[0] in pair_cols]
    store.execute(f"""CREATE OR REPLACE TEMP TABLE lk_inc_out AS
        SELECT split_part(ul, '|', 1) AS source_l, substr(ul, length(split_part(ul, '|', 1)) + 2) AS person_id_l,
               split_part(ur, '|', 1) AS source_r, substr(ur, length(split_part(ur, '|', 1)) + 2) AS person_id_r,
               round(CAST(match_weight AS DOUBLE), 9) AS match_weight,
               CAST(match_probability AS DOUBLE) AS match_probability {''.join(', ' + c for c in mw)},
               el.entity_id = er.entity_id AS same_entity, CAST(NULL AS VARCHAR) AS decision, '{run_id}' AS run_id
        FROM (SELECT least(unique_id_l, unique_id_r) AS ul, greatest(unique_id_l, unique_id_r) AS ur, *
              FROM lk_inc_pairs) p
        JOIN entity_persons el ON el.source || '|' || el.person_id = p.ul
        JOIN entity_persons er ON er.source || '|' || er.person_id = p.ur""")
    if store.has_table("entity_pairs"):
        store.execute("INSERT INTO entity_pairs BY NAME SELECT * FROM lk_inc_out")
    if store.has_table("entity_review"):
        store.execute(f"""INSERT INTO entity_review BY NAME
            SELECT source_l, person_id_l, source_r, person_id_r, match_weight, match_probability, same_entity,
                run_id FROM lk_inc_out WHERE abs(match_weight - {threshold!r}) <= {band!r}""")


def link_new(store: Store, source: str | None = None, review_band: float = 3.0,
             threads: int | None = None) -> StageResult:
    """Link the person records not yet in ``entity_persons`` (only ``source``'s if given) incrementally."""
    model, threshold = _latest_model(store)
    with store.run("link_incremental", {"source": source, "threshold_weight": threshold}) as result:
        engine = DuckDBEngine(store, threads=threads)
        try:
            n = _build_new_features(engine, store, source)
            result.counts["new_records"] = n
            result.counts["threshold_weight"] = round(threshold, 4)
            if n:
                pairs = _score(engine, store, model, min_weight=-2.0, new_count=n)
                with engine.step("cluster with existing entities"):
                    result.counts.update(_merge(store, pairs, threshold))
                with engine.step("write entity tables"):
                    _write(store, result.run_id, threshold, review_band)
            result.counts["person_entities"] = int(store.sql(
                "SELECT count(DISTINCT entity_id) FROM entity_persons")[0][0])
            result.counts["timings"] = {k: round(v, 2) for k, v in engine.timings.items()}
        finally:
            engine.close()
            for t in ("lk_inc_pairs", "lk_inc_nodes", "lk_new_entities", "lk_inc_out", "lk_resolved_candidates",
                      *(f"lk_tf_{c}" for c in _tf_columns(model))):
                store.execute(f"DROP TABLE IF EXISTS {t}")
    return result
