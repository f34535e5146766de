"""Benchmark: evidence edges and offender groups on a scenario, against a networkx baseline run alike.

    .venv/bin/python benchmarks/network.py --scenario large --seed 7 --work /tmp/net_large [--engine duckdb]

Prepares once under --work: the scenario (``data/``) and a workspace after ingest, linkage and
definitions (``base.duckdb``). When the linkage or definitions stage is not available (or with
``--oracle``) the entity and definition tables are made from the scenario's truth instead, and the
output says so. Then, each in its own process so peak memory is its own:

* clearpicture: ``network.run`` (edge-building SQL on the engine, then grouping) on a copy;
* baseline: the same inputs read into Python, the same evidence rules applied by walking a
  networkx bipartite graph (person entities to events, objects and places), the same suspect graph
  thresholded and its connected components found with networkx.

It prints wall time and peak RSS of each, the ratio, and whether the two suspect graphs have the
same components (they must: the baseline is a check as well as a yardstick).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import networkx as nx

from clearpicture import Store, ingest, network
from clearpicture.network.config import BYSTANDER_ROLES, DEFAULT_CONFIG, NetworkConfig

HERE = Path(__file__).resolve()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _oracle(store: Store, truth: Path) -> None:
    """Entity and definition tables from the scenario truth (only when the real stages are absent)."""
    c = store.con
    c.execute(f"""CREATE OR REPLACE TABLE entity_persons AS SELECT source, person_id, true_person AS entity_id
        FROM read_csv('{truth}/persons.csv', all_varchar=true)""")
    c.execute(f"""CREATE OR REPLACE TABLE entity_objects AS SELECT t.source, t.object_id, t.true_object AS entity_id,
        o.kind, o.value AS canonical FROM read_csv('{truth}/objects.csv', all_varchar=true) t
        JOIN raw_objects o USING (source, object_id)""")
    c.execute(f"""CREATE OR REPLACE TABLE entity_locations AS SELECT source, location_id, true_location AS entity_id
        FROM read_csv('{truth}/locations.csv', all_varchar=true)""")
    c.execute(f"""CREATE OR REPLACE TABLE definition_cases AS
        SELECT 'gbcse-iicsa-2019' AS definition_id, '1' AS version, source, event_id,
            is_group_based = 'true' AS meets, 'cse' AS category, '[]' AS reasons
        FROM read_csv('{truth}/cases.csv', all_varchar=true)
        UNION ALL SELECT 'cse-dfe-2017', '1', source, event_id, is_cse = 'true', 'cse', '[]'
        FROM read_csv('{truth}/cases.csv', all_varchar=true)""")
    c.execute("""CREATE OR REPLACE TABLE definition_victims AS
        SELECT DISTINCT dc.definition_id, l.source, l.from_id AS person_id, ep.entity_id
        FROM definition_cases dc JOIN raw_links l ON l.source = dc.source AND l.to_id = dc.event_id
            AND l.to_type = 'event' AND l.from_type = 'person'
        JOIN entity_persons ep ON ep.source = l.source AND ep.person_id = l.from_id
        WHERE dc.meets AND l.role IN ('victim', 'subject')""")


def prepare(work: Path, scenario: str, seed: int, oracle: bool) -> tuple[Path, str]:
    data, base = work / "data", work / "base.duckdb"
    note_file = work / "base.json"
    if not (data / "datapackage.json").exists():
        from clearpicture import synth

        t = time.perf_counter()
        synth.generate(scenario, seed, data)
        print(f"generated {scenario} (seed {seed}) in {time.perf_counter() - t:.1f} s", flush=True)
    if not base.exists():
        from clearpicture.pipeline import STAGES

        tmp = work / "base.tmp.duckdb"
        tmp.unlink(missing_ok=True)
        with Store(tmp) as store:
            t = time.perf_counter()
            ingest.run(store, [data])
            print(f"ingested in {time.perf_counter() - t:.1f} s", flush=True)
            modules = dict(STAGES)  # stage name -> module, run in the pipeline's order
            stages = [s for s in ("quality", "definitions", "link") if s in modules]
            if oracle or not {"definitions", "link"} <= set(stages):
                _oracle(store, data / "truth")
                how = "entities and definitions from the scenario truth (linkage/definitions not run)"
            else:
                import importlib

                for name in stages:
                    t = time.perf_counter()
                    importlib.import_module(modules[name]).run(store, None)
                    print(f"{name} in {time.perf_counter() - t:.1f} s", flush=True)
                how = "after the linkage and definitions stages"
        tmp.rename(base)
        note_file.write_text(json.dumps({"how": how}))
    return base, json.loads(note_file.read_text())["how"]


def _components_of_store(store: Store, cfg: NetworkConfig) -> list[list[str]]:
    nodes = {r[0] for r in store.sql("SELECT entity_id FROM edge_entity_roles WHERE offending_events > 0")}
    graph = nx.Graph()
    for a, b, _s in store.sql("SELECT entity_a, entity_b, offender_strength FROM edge_entities "
                              "WHERE offender_strength >= ?", [cfg.min_strength]):
        if a in nodes and b in nodes:
            graph.add_edge(a, b)
    return sorted(sorted(c) for c in nx.connected_components(graph))


def run_ours(db: Path, engine: str) -> dict[str, Any]:
    t = time.perf_counter()
    with Store(db) as store:
        result = network.run(store, engine=engine)
        seconds = time.perf_counter() - t
        components = _components_of_store(store, DEFAULT_CONFIG)
    return {"seconds": seconds, "peak_rss_mb": _rss_mb(), "counts": result.counts, "components": components}


# -- the networkx baseline: same rules, applied in Python over a networkx bipartite graph ----------
def _side(role: str, kind: str, cfg: NetworkConfig) -> str:
    for sides, name in ((cfg.suspect_side, "suspect"), (cfg.victim_side, "victim")):
        if role in sides.get("*", ()) or role in sides.get(kind, ()):
            return name
    return "other"


def _grading(grading: str | None, cfg: NetworkConfig) -> float:
    g = (grading or "").upper()
    src = next((ch for ch in g if ch in "123"), "")
    info = next((ch for ch in g if ch in "ABCDE"), "")
    if not grading or (not src and not info):
        return cfg.ungraded_factor
    return {"1": 1.0, "2": 0.7, "3": 0.4}.get(src, 0.7) * {"A": 1.0, "B": 0.9, "C": 0.7, "D": 0.5,
                                                            "E": 0.2}.get(info, 0.7)


def run_baseline(db: Path) -> dict[str, Any]:
    cfg = DEFAULT_CONFIG
    t = time.perf_counter()
    con = duckdb.connect(str(db), read_only=True)
    ents = {(s, p): e for s, p, e in con.execute("SELECT source, person_id, entity_id FROM entity_persons").fetchall()}
    objs = {(s, o): (e, k) for s, o, e, k in con.execute(
        "SELECT source, object_id, entity_id, kind FROM entity_objects").fetchall()}
    locs = {(s, loc): e for s, loc, e in con.execute(
        "SELECT source, location_id, entity_id FROM entity_locations").fetchall()}
    events = {(s, e): (k, at, g, loc) for s, e, k, at, g, loc in con.execute(
        "SELECT source, event_id, kind, COALESCE(started_at, recorded_at), grading, location_id FROM raw_events"
    ).fetchall()}
    links = con.execute("SELECT source, from_type, from_id, to_type, to_id, role, started_at FROM raw_links "
                        "WHERE role IS NOT NULL").fetchall()
    con.close()
    bip = nx.Graph()  # person entities on one side; events, objects, places on the other
    # place -> (person, when, role, side, event or None, the record that puts them there)
    presence: dict[str, list[tuple[str, datetime | None, str, str, tuple[str, str] | None, tuple[str, ...]]]] = \
        defaultdict(list)
    for s, ft, fid, tt, tid, role, at in links:
        if ft != "person":
            ft, fid, tt, tid = tt, tid, ft, fid
        if ft != "person" or (s, fid) not in ents:
            continue
        ent = ents[(s, fid)]
        if tt == "event" and (s, tid) in events:
            kind, when, _g, loc = events[(s, tid)]
            side = _side(role, kind, cfg)
            bip.add_edge(("p", ent), ("e", s, tid), role=role, side=side)
            bip.nodes[("p", ent)]["suspect"] = bip.nodes[("p", ent)].get("suspect", False) or side == "suspect"
            if loc is not None and (s, loc) in locs and role not in BYSTANDER_ROLES:
                presence[locs[(s, loc)]].append((ent, when or at, role, side, (s, tid), (s, "event", tid)))
        elif tt == "object" and (s, tid) in objs and objs[(s, tid)][1] in cfg.shared_object_kinds:
            bip.add_edge(("p", ent), ("o", objs[(s, tid)][0]))
        elif tt == "location" and (s, tid) in locs:
            presence[locs[(s, tid)]].append((ent, at, role, "other", None, (s, "location", tid)))
    facts: dict[tuple[str, str, str, Any], float] = {}

    def add(a: str, b: str, kind: str, key: Any, strength: float) -> None:
        if a == b:
            return
        k = (min(a, b), max(a, b), kind, key)
        facts[k] = max(facts.get(k, 0.0), strength)

    for node in bip.nodes:
        if node[0] == "e":
            kind, _w, grading, _l = events[(node[1], node[2])]
            people = [(n[1], d["side"], d["role"]) for n, d in bip[node].items()
                      if d["role"] not in BYSTANDER_ROLES]
            for i, (a, sa, _ra) in enumerate(people):
                for b, sb, _rb in people[i + 1:]:
                    if a == b or (sa == "victim" and sb == "victim") or "victim" in (sa, sb):
                        continue  # victim evidence never joins offenders
                    both = sa == sb == "suspect"  # intelligence naming both as its subjects
                    ev = ("intelligence" if kind == "intelligence" else "co_offending") if both else "co_involved"
                    w = cfg.weight(ev) * (_grading(grading, cfg) if kind == "intelligence" else 1.0)
                    add(a, b, ev, node, w)
        elif node[0] == "o":
            people = sorted({n[1] for n in bip[node]})
            if 2 <= len(people) <= cfg.max_hub_people:
                w = cfg.weight("shared_object") * min(1.0, cfg.hub_scale / (len(people) - 1))
                for i, a in enumerate(people):
                    for b in people[i + 1:]:
                        add(a, b, "shared_object", node, w)
    for place, seen in presence.items():
        people = {p for p, *_ in seen}
        if len(people) < 2 or len(people) > cfg.max_hub_people:
            continue
        hub = min(1.0, cfg.hub_scale / (len(people) - 1))
        for i, (a, ta, ra, sa, ea, reca) in enumerate(seen):
            for b, tb, rb, sb, eb, recb in seen[i + 1:]:
                if a == b or "victim" in (sa, sb) or (ea is not None and ea == eb):
                    continue
                if ra == rb == "resident":
                    add(a, b, "co_residence", place, cfg.weight("co_residence") * hub)
                elif "resident" in (ra, rb):  # one at the other's home: one fact per record of the visit
                    add(a, b, "at_residence", (place, recb if ra == "resident" else reca),
                        cfg.weight("at_residence") * hub)
                elif ta and tb:
                    if abs((ta - tb).total_seconds()) / 86400 <= cfg.presence_window_days:
                        add(a, b, "co_presence", (place, min(ta, tb).date()), cfg.weight("co_presence") * hub)
                else:  # a visit without a date
                    add(a, b, "co_visit", place, cfg.weight("co_visit") * hub)
    for s, ft, fid, tt, tid, role, _at in links:
        if ft == tt == "person" and role in ("associate", "partner", "family") \
                and (s, fid) in ents and (s, tid) in ents:
            add(ents[(s, fid)], ents[(s, tid)], role, (s, min(fid, tid), max(fid, tid), role), cfg.weight(role))
    strength: dict[tuple[str, str], float] = defaultdict(float)
    for (a, b, _k, _key), w in facts.items():
        strength[(a, b)] += w
    suspects = {n[1] for n, d in bip.nodes(data=True) if n[0] == "p" and d.get("suspect")}
    graph = nx.Graph()
    graph.add_edges_from((a, b) for (a, b), w in strength.items()
                         if w >= cfg.min_strength - 1e-9 and a in suspects and b in suspects)
    components = sorted(sorted(c) for c in nx.connected_components(graph))
    return {"seconds": time.perf_counter() - t, "peak_rss_mb": _rss_mb(), "components": components}


def _child(kind: str, db: Path, engine: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(HERE), f"_{kind}", str(db), engine],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] in ("_ours", "_baseline"):
        db = Path(sys.argv[2])
        doc = run_ours(db, sys.argv[3]) if sys.argv[1] == "_ours" else run_baseline(db)
        print(json.dumps(doc, default=str))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="large")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    ap.add_argument("--oracle", action="store_true", help="Entities and definitions from the truth.")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    fresh = not (args.work / "base.duckdb").exists()
    base, how = prepare(args.work, args.scenario, args.seed, args.oracle)
    if fresh:
        # On Linux a child started after this process grew (generating and ingesting in-process)
        # reports this process's peak as its own ru_maxrss; start again lean, on the prepared base.
        print("prepared; restarting to measure from a lean parent", flush=True)
        os.execv(sys.executable, [sys.executable, *sys.argv])
    ours_db, base_db = args.work / "ours.duckdb", args.work / "baseline.duckdb"
    shutil.copy(base, ours_db)
    shutil.copy(base, base_db)
    with Store(base, read_only=True) as store:
        sizes = {t: store.count(t) for t in ("raw_persons", "raw_events", "raw_links", "entity_persons")}
    ours = _child("ours", ours_db, args.engine)
    baseline = _child("baseline", base_db, args.engine)
    same = ours["components"] == baseline["components"]
    c = ours["counts"]
    print(f"scenario {args.scenario} seed {args.seed}: {sizes['raw_persons']:,} person records, "
          f"{sizes['raw_events']:,} events, {sizes['raw_links']:,} links; {how}")
    print(f"clearpicture network ({args.engine}): {ours['seconds']:8.1f} s  peak {ours['peak_rss_mb']:7.0f} MB  "
          f"({c['edge_evidence']:,} evidence rows, {c['edge_entities']:,} pairs, {c['groups']} groups)")
    print(f"networkx baseline            : {baseline['seconds']:8.1f} s  peak {baseline['peak_rss_mb']:7.0f} MB")
    print(f"ratio baseline / clearpicture: {baseline['seconds'] / ours['seconds']:8.2f}x time, "
          f"{baseline['peak_rss_mb'] / ours['peak_rss_mb']:.2f}x memory")
    print(f"suspect-graph components     : {len(ours['components'])} vs {len(baseline['components'])} "
          f"-> {'identical' if same else 'DIFFERENT'}")
    print(f"target: under 300 s on 2 cores -> {'met' if ours['seconds'] < 300 else 'NOT met'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
