"""Human review of merges: the uncertain-band queue, analysts' decisions, and why a pair matched.

An analyst confirms or rejects a suggested pair with a reason; the decision is kept in
``entity_decisions`` (who, when, why) and every later linkage run respects it: a confirmed pair is
always merged, a rejected pair never ends in one entity. :func:`explain_pair` shows, for any two
person records, each comparison's level and its Splink match weight, so a merge always shows its
evidence. This module must not run the model; it reads what the last run stored.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from ..errors import InputError
from ..store import Store
from .model import COMPARISON_NAMES, level_for_weight, level_weights

__all__ = ["DECISIONS", "ensure_decision_table", "explain_pair", "pair_key", "record_decision", "review_queue"]

DECISIONS = ("confirm", "reject")
Record = tuple[str, str]


def ensure_decision_table(store: Store) -> None:
    """``entity_decisions`` outlives runs: it is created once and only ever appended to."""
    store.execute("""CREATE TABLE IF NOT EXISTS entity_decisions (
        source_l VARCHAR, person_id_l VARCHAR, source_r VARCHAR, person_id_r VARCHAR,
        decision VARCHAR, actor VARCHAR, decided_at TIMESTAMP, reason VARCHAR)""")


def pair_key(a: Record, b: Record) -> tuple[Record, Record]:
    """The two records in a fixed order (by ``source|person_id``), as pairs are stored."""
    ka, kb = f"{a[0]}|{a[1]}", f"{b[0]}|{b[1]}"
    return (a, b) if ka <= kb else (b, a)


def record_decision(store: Store, a: Record, b: Record, decision: str, actor: str, reason: str) -> None:
    """Store an analyst's confirm/reject of a pair; it takes effect on the next linkage run.

    The latest decision on a pair wins. A reason is required: a merge or a split must be explicable.
    """
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    if not reason or not reason.strip():
        raise InputError("a decision needs a reason")
    if tuple(a) == tuple(b):
        raise InputError("a decision needs two different records")
    ensure_decision_table(store)
    (sl, pl), (sr, pr) = pair_key(a, b)
    with store.transaction():
        store.execute("INSERT INTO entity_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      [sl, pl, sr, pr, decision, actor, datetime.now(UTC).replace(tzinfo=None), reason.strip()])
        _audit(store, actor, {"persons": [(sl, pl), (sr, pr)], "decision": decision}, reason.strip())


def _audit(store: Store, actor: str, what: dict[str, Any], justification: str) -> None:
    try:
        from ..security.audit import record
    except ImportError:  # the audit log is optional for linkage to work
        return
    record(store, actor, "combination", what, justification=justification)


def latest_decisions(store: Store) -> list[tuple[str, str, str]]:
    """(key_l, key_r, decision) for every pair, the latest decision only."""
    if not store.has_table("entity_decisions"):
        return []
    rows = store.sql("""
        SELECT source_l || '|' || person_id_l, source_r || '|' || person_id_r, decision FROM (
            SELECT *, row_number() OVER (PARTITION BY source_l, person_id_l, source_r, person_id_r
                                         ORDER BY decided_at DESC) AS rn
            FROM entity_decisions) WHERE rn = 1 ORDER BY ALL""")
    return [(str(a), str(b), str(d)) for a, b, d in rows]


def review_queue(store: Store, limit: int | None = None,
                 sources: Collection[str] | None = None) -> list[dict[str, Any]]:
    """The uncertain pairs awaiting a decision, strongest first; with ``sources``, only pairs whose
    two records both come from those sources (an analyst's scope, applied before the limit so other
    sources' stronger pairs do not crowd theirs out)."""
    if not store.has_table("entity_review"):
        return []
    where, params = "", list(sources or [])
    if sources is not None:
        marks = ", ".join("?" for _ in params) or "NULL"
        where = f" WHERE source_l IN ({marks}) AND source_r IN ({marks})"
        params = params + params
    q = f"SELECT * FROM entity_review{where} ORDER BY match_weight DESC, source_l, person_id_l, source_r, person_id_r"
    return store.dicts(q + (f" LIMIT {int(limit)}" if limit else ""), params)


def explain_pair(store: Store, a: Record, b: Record) -> dict[str, Any]:
    """Why two person records were (or were not) merged: each comparison's level and match weight.

    Returns ``{"records", "scored", "match_weight", "match_probability", "threshold", "same_entity",
    "decision", "comparisons": [{"comparison", "level", "match_weight", "term_frequency_adjustment"}]}``. A pair the
    blocking rules never brought together has ``scored`` False and no comparisons: the model never
    weighed it, which is itself the explanation.
    """
    if not store.has_table("entity_pairs"):
        raise InputError("no linkage results in this workspace: run `clearpicture link` first")
    (sl, pl), (sr, pr) = pair_key(a, b)
    model_rows = store.sql("SELECT threshold, model FROM entity_model ORDER BY created_at DESC LIMIT 1")
    threshold, model = (float(model_rows[0][0]), json.loads(model_rows[0][1])) if model_rows else (None, None)
    rows = store.dicts("SELECT * FROM entity_pairs WHERE source_l = ? AND person_id_l = ? AND source_r = ? "
                       "AND person_id_r = ?", [sl, pl, sr, pr])
    ents = dict(((s, p), e) for s, p, e in store.sql(
        "SELECT source, person_id, entity_id FROM entity_persons WHERE (source = ? AND person_id = ?) "
        "OR (source = ? AND person_id = ?)", [sl, pl, sr, pr]))
    if (sl, pl) not in ents or (sr, pr) not in ents:
        missing = (sl, pl) if (sl, pl) not in ents else (sr, pr)
        raise InputError(f"no person record {missing[0]}/{missing[1]} in the linkage results")
    decision = [d for kl, kr, d in latest_decisions(store) if kl == f"{sl}|{pl}" and kr == f"{sr}|{pr}"]
    out: dict[str, Any] = {
        "records": [[sl, pl], [sr, pr]], "scored": bool(rows), "threshold": threshold,
        "same_entity": ents[(sl, pl)] == ents[(sr, pr)], "decision": decision[0] if decision else None,
        "match_weight": None, "match_probability": None, "comparisons": [],
    }
    if not rows:
        return out
    row = rows[0]
    levels = level_weights(model) if model else {}
    out["match_weight"] = float(row["match_weight"])
    out["match_probability"] = float(row["match_probability"])
    for name in COMPARISON_NAMES:
        weight = row.get(f"mw_{name}")
        tf = row.get(f"mw_tf_adj_{name}")
        out["comparisons"].append({
            "comparison": name,
            "level": level_for_weight(levels.get(name, []), float(weight)) if weight is not None else None,
            "match_weight": None if weight is None else float(weight),
            "term_frequency_adjustment": None if tf is None else float(tf),
        })
    return out
