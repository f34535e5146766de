"""Benchmark: person resolution at 100k, 300k and 1M records against a plain Splink baseline.

For each size, in fresh processes:
- clearpicture: ``linkage.run(store)`` on a workspace holding the raw person records: normalisation,
  training, prediction, clustering and writing every ``entity_*`` table;
- baseline: bare Splink (DuckDB) on the already-normalised features, with the same comparisons,
  blocking rules, training calls and caps, clustering at the same match weight; no clearpicture
  code runs in that process (the settings come from a JSON file written beforehand).
Prints wall time, CPU time (user + system of the child, every thread), peak memory and pairwise
F1 of each, the ratios, and the load average: on a shared machine wall time follows the neighbours,
so CPU is the figure to compare. Inputs: the `large` scenario (1M person records), cut down to
100k/300k by true person so duplicates stay together (truth is used only to choose the subset and
to score). Usage: ``python benchmarks/linkage.py [N ...]``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from _util import DATA, measure, scenario

SIZES = [100_000, 300_000, 1_000_000]

CPU = "ru = resource.getrusage(resource.RUSAGE_SELF); extra['cpu'] = ru.ru_utime + ru.ru_stime\n"

CLEARPICTURE = """
from clearpicture.store import Store
from clearpicture import linkage
store = Store(sys.argv[1])
result = linkage.run(store)
store.close()
extra = {'threshold': result.counts['threshold_weight'], 'pairs': result.counts['scored_pairs'],
         'phases': result.counts['phases']}
""" + CPU

BASELINE = """
import duckdb, json, logging
from splink import DuckDBAPI, Linker, block_on
con = duckdb.connect()
con.execute(f"CREATE TABLE pf AS SELECT * FROM read_parquet('{sys.argv[1]}')")
settings = json.loads(open(sys.argv[2]).read())
caps = json.loads(sys.argv[4])
api = DuckDBAPI(connection=con)
frame = api.register('pf', dataset_display_name='pf')
linker = Linker(frame, settings, log_level=logging.WARNING)
linker.training.estimate_probability_two_random_records_match([block_on('forename', 'surname', 'dob')],
                                                               recall=caps['prior_recall'])
linker.training.estimate_u_using_random_sampling(max_pairs=caps['u_max_pairs'], seed=caps['seed'])
for cols in caps['em_rules']:
    linker.training.estimate_parameters_using_expectation_maximisation(block_on(*cols), max_pairs=caps['em_max_pairs'])
pred = linker.inference.predict(threshold_match_weight=caps['pairs_min_weight'])
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_weight=float(sys.argv[3]))
con.execute(f"COPY (SELECT unique_id, cluster_id FROM {clusters.physical_name}) TO '{sys.argv[5]}' (FORMAT parquet)")
extra = {'clusters': con.sql(f'SELECT count(DISTINCT cluster_id) FROM {clusters.physical_name}').fetchall()[0][0]}
""" + CPU


def prepare(n: int) -> Path:
    """A workspace with ``n`` raw person records from the large scenario (made once, reused)."""
    from clearpicture import ingest
    from clearpicture.store import Store

    full = DATA / "linkage-full.duckdb"
    if not full.exists():
        data = scenario("large", 1)
        persons_only = DATA / "linkage-persons"
        persons_only.mkdir(parents=True, exist_ok=True)
        for name in ("persons.csv", "sources.csv"):
            shutil.copy(data / name, persons_only / name)
        dp = json.loads((data / "datapackage.json").read_text())
        dp["resources"] = [r for r in dp["resources"] if r.get("name") in ("persons", "sources")]
        (persons_only / "datapackage.json").write_text(json.dumps(dp))
        with Store(full) as store:
            ingest.run(store, [persons_only])
            store.execute(f"CREATE TABLE truth AS SELECT * FROM read_csv('{data / 'truth' / 'persons.csv'}', "
                          "all_varchar = true)")
    out = DATA / f"linkage-{n}.duckdb"
    if not out.exists():
        with Store(full, read_only=True) as src:
            total = src.count("raw_persons")
        shutil.copy(full, out)
        with Store(out) as store:
            if n < total:
                store.execute(f"""DELETE FROM raw_persons WHERE (source, person_id) NOT IN (
                    SELECT source, person_id FROM raw_persons JOIN truth USING (source, person_id)
                    WHERE hash(true_person) % 1000 < {int(1000 * n / total)})""")
            store.execute("DROP TABLE truth")
            store.execute("CHECKPOINT")
    return out


def f1(work: Path, clusters_sql: str) -> float:
    """Pairwise F1 of a partition (``unique_id``, cluster) against the large scenario's truth."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{DATA / 'linkage-full.duckdb'}' AS t (READ_ONLY)")
    con.execute(f"ATTACH '{work}' AS w (READ_ONLY)")
    con.execute(f"""CREATE TEMP TABLE j AS SELECT c.cluster, t.true_person FROM ({clusters_sql}) c
        JOIN t.truth t ON t.source || '|' || t.person_id = c.unique_id""")

    def pairs(by: str) -> int:
        return int(con.sql(f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM "
                           f"(SELECT count(*) AS n FROM j GROUP BY {by})").fetchall()[0][0])

    both, pred, true = pairs("cluster, true_person"), pairs("cluster"), pairs("true_person")
    p, r = both / max(pred, 1), both / max(true, 1)
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


def main(sizes: list[int]) -> None:
    import dataclasses

    from clearpicture.linkage import features
    from clearpicture.linkage.model import (
        EM_PAIR_COUNTS,
        LinkageModelConfig,
        em_pairs_sql,
        em_rules,
        settings,
    )
    from clearpicture.store import Store

    settings_file = DATA / "linkage-settings.json"
    settings_file.write_text(json.dumps(settings("dedupe_only").create_settings_dict(sql_dialect_str="duckdb")))
    caps_base = dataclasses.asdict(LinkageModelConfig())
    print(f"{os.cpu_count()} cores; load average at start {os.getloadavg()}", flush=True)
    for n in sizes:
        db = prepare(n)
        work = DATA / f"linkage-{n}-run.duckdb"
        shutil.copy(db, work)
        load = os.getloadavg()
        ours = measure(CLEARPICTURE, str(work))
        with Store(work, read_only=True) as store:
            records = store.count("entity_persons")
        ours_f1 = f1(work, "SELECT source || '|' || person_id AS unique_id, entity_id AS cluster FROM w.entity_persons")
        # the baseline gets the features ready-made (normalisation is ours, so it counts only for us)
        parquet = DATA / f"linkage-{n}-features.parquet"
        clusters = DATA / f"linkage-{n}-baseline-clusters.parquet"
        with Store(work, read_only=True) as store:
            store.execute(f"COPY {features.PERSON_FEATURES} TO '{parquet}' (FORMAT parquet)")
            em_pairs = dict(zip(EM_PAIR_COUNTS, map(int, store.sql(em_pairs_sql(features.PERSON_FEATURES))[0]),
                                strict=True))
        # the same EM sessions as ours (chosen here, outside the measured child)
        caps = json.dumps({**caps_base, "em_rules": em_rules(em_pairs)})
        base = measure(BASELINE, str(parquet), str(settings_file), str(ours["threshold"]), caps, str(clusters))
        base_f1 = f1(work, f"SELECT unique_id, cluster_id AS cluster FROM read_parquet('{clusters}')")
        load = tuple(round(max(a, b), 1) for a, b in zip(load, os.getloadavg(), strict=True))
        print(f"{records:>9,} records  clearpicture {ours['seconds']:6.1f} s wall {ours['cpu']:6.1f} s CPU "
              f"{ours['peak_mb']:6.0f} MB F1 {ours_f1:.4f} | baseline {base['seconds']:6.1f} s wall "
              f"{base['cpu']:6.1f} s CPU {base['peak_mb']:6.0f} MB F1 {base_f1:.4f} | ratio wall "
              f"{ours['seconds'] / base['seconds']:4.2f} CPU {ours['cpu'] / base['cpu']:4.2f} | "
              f"pairs {ours['pairs']:,} threshold {ours['threshold']} | load average up to {load}", flush=True)
        print("   clearpicture phases (wall/CPU s): " + ", ".join(
            f"{k} {v['wall']}/{v['cpu']}" for k, v in ours["phases"].items()), flush=True)
        work.unlink()
        parquet.unlink()
        clusters.unlink()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or SIZES)
