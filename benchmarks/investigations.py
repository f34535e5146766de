"""Investigations stage speed and memory on a synthetic scenario, against a plain count over the
same inputs.

    python benchmarks/investigations.py [--scenario large] [--seed 1] [--pipeline]

The workspace is the scenario ingested once (cached under bench-data/). The stage needs linkage,
definitions and (optionally) groups. By default they are stand-ins, so the figure is this stage's
alone: ``entity_persons`` from the scenario's truth (perfect linkage), ``definition_cases`` from
the recorded CSE/GBCSE flags, ``group_members`` from the planted groups. With ``--pipeline`` every
stage in ``clearpicture.pipeline.STAGES`` before investigations (or, while that is empty,
definitions, linkage and network) runs instead (slow on large).

Both sides run in fresh processes on their own copy of the workspace. The baseline reads what the
stage reads in one pass and counts crimes by force, team and outcome (crimes joined to notes,
victim links and the victims' resolved persons' events): the ratio is what timelines, measures,
intervals, the review list and the re-examination view cost over that. Target (issue 10): under
60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import DATA, measure, scenario  # noqa: E402

STAGE = """
from clearpicture import Store, investigations
store = Store(sys.argv[1])
store.execute('SET threads = 2')
store.execute('SET enable_progress_bar = false')
r = investigations.run(store)
extra = {k: r.counts[k] for k in ('cases', 'cse', 'gbcse', 'sexual_child', 'measures', 'review_items',
                                   'review_cases', 'reexamination_cases')}
store.close()
"""

BASELINE = """
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute('SET threads = 2')
con.execute('SET enable_progress_bar = false')
rows = con.execute('''
    WITH teams AS (SELECT source, about_id AS event_id, min(team) AS team FROM raw_notes
                   WHERE about_type = 'event' GROUP BY ALL),
    victims AS (SELECT l.source, l.to_id AS event_id, ep.entity_id FROM raw_links l
                JOIN entity_persons ep ON ep.source = l.source AND ep.person_id = l.from_id
                WHERE l.from_type = 'person' AND l.to_type = 'event' AND l.role = 'victim'),
    their_events AS (SELECT ep.entity_id, count(*) AS n FROM entity_persons ep
                     JOIN raw_links l ON l.source = ep.source AND l.from_id = ep.person_id
                     WHERE l.from_type = 'person' GROUP BY ALL)
    SELECT e.source, t.team, e.outcome, count(*), sum(x.n)
    FROM raw_events e LEFT JOIN teams t USING (source, event_id)
    LEFT JOIN victims v USING (source, event_id) LEFT JOIN their_events x ON x.entity_id = v.entity_id
    WHERE e.kind = 'crime' GROUP BY ALL''').fetchall()
extra = {'groups': len(rows)}
con.close()
"""


def prepare(data: Path, name: str, pipeline: bool) -> Path:
    """The ingested workspace with the stage's inputs, built once and cached."""
    from clearpicture import Store, ingest

    db = DATA / f"investigations-{name}{'-pipeline' if pipeline else ''}.duckdb"
    if db.exists() and db.stat().st_mtime > (data / "datapackage.json").stat().st_mtime:
        return db  # built from these files (a regenerated scenario is newer, so it is rebuilt)
    tmp = db.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    db.unlink(missing_ok=True)
    t = time.perf_counter()
    with Store(tmp) as store:
        ingest.run(store, [data])
        if pipeline:
            import importlib

            from clearpicture.pipeline import STAGES

            upstream = [m for s, m in STAGES.items() if s != "investigations"] or [
                "clearpicture.definitions", "clearpicture.linkage", "clearpicture.network"]
            for module in upstream:
                importlib.import_module(module).run(store, None)
        else:
            truth = data / "truth"
            store.execute(f"""CREATE TABLE entity_persons AS SELECT source, person_id, true_person AS entity_id
                FROM read_csv('{truth / "persons.csv"}', all_varchar = true)""")
            store.execute("""CREATE TABLE definition_cases AS
                SELECT 'cse-dfe-2017' AS definition_id, '1' AS version, source, event_id, true AS meets,
                    'cse' AS category, '[]' AS reasons FROM raw_events WHERE kind = 'crime' AND flags LIKE '%CSE%'
                UNION ALL
                SELECT 'gbcse-iicsa-2019', '1', source, event_id, true, 'group', '[]' FROM raw_events
                WHERE kind = 'crime' AND flags LIKE '%GBCSE%'""")
            store.execute(f"""CREATE TABLE group_members AS SELECT group_id, true_person AS entity_id,
                CASE WHEN role = 'victim' THEN 'victim' ELSE 'suspect' END AS role
                FROM read_csv('{truth / "groups.csv"}', all_varchar = true)""")
    tmp.rename(db)
    print(f"prepared workspace in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return db


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="large")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pipeline", action="store_true", help="real upstream stages instead of stand-ins")
    ap.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    data = scenario(args.scenario, args.seed)
    if args.prepare_only:
        prepare(data, f"{args.scenario}-{args.seed}", args.pipeline)
        return
    # prepare in a child process: Linux keeps a process's peak memory across exec, so a large
    # parent would inflate the peaks reported by the measured children
    subprocess.run([sys.executable, __file__, "--prepare-only", "--scenario", args.scenario, "--seed",
                    str(args.seed), *(["--pipeline"] if args.pipeline else [])], check=True)
    db = prepare(data, f"{args.scenario}-{args.seed}", args.pipeline)
    with tempfile.TemporaryDirectory() as tmp:
        base_db, ours_db = Path(tmp) / "base.duckdb", Path(tmp) / "ours.duckdb"
        shutil.copy(db, base_db)
        shutil.copy(db, ours_db)
        base = measure(BASELINE, str(base_db))
        ours = measure(STAGE, str(ours_db))
    inputs = "upstream stages" if args.pipeline else "stand-ins (truth linkage, flag definitions, planted groups)"
    print(f"scenario {args.scenario} seed {args.seed}; inputs: {inputs}")
    print(f"cases {ours['cases']:,} (CSE {ours['cse']:,}, group-based {ours['gbcse']:,}, sexual offences "
          f"against children {ours['sexual_child']:,}); measures {ours['measures']:,}; review items "
          f"{ours['review_items']:,} on {ours['review_cases']:,} cases; re-examination {ours['reexamination_cases']:,}")
    print(f"baseline one-pass count   : {base['seconds']:7.1f} s  peak {base['peak_mb']:7.0f} MB")
    print(f"investigations stage      : {ours['seconds']:7.1f} s  peak {ours['peak_mb']:7.0f} MB")
    print(f"ratio stage / baseline    : {ours['seconds'] / base['seconds']:7.2f}x   (target: stage < 60 s on 2 cores)")


if __name__ == "__main__":
    main()
