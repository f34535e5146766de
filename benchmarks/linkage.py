"""Benchmark: person resolution at 100k, 300k and 1M records against a plain Splink baseline.

For each size, in fresh processes:
- clearpicture: ``linkage.run(store)`` on a workspace holding the raw person records: normalisation,
  training, prediction, clustering and writing every ``entity_*`` table;
- baseline: bare Splink (DuckDB) on the already-normalised features, with the same comparisons,
  blocking rules and training calls, clustering at the same match weight; no clearpicture code runs
  in that process (the settings come from a JSON file written beforehand).
Prints wall time and peak memory of each and the ratio. Inputs: the `large` scenario (1M person
records), cut down to 100k/300k by true person so duplicates stay together (truth is used only to
choose the subset). Usage: ``python benchmarks/linkage.py [N ...]``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from _util import DATA, measure, scenario

SIZES = [100_000, 300_000, 1_000_000]

CLEARPICTURE = """
from clearpicture.store import Store
from clearpicture import linkage
store = Store(sys.argv[1])
result = linkage.run(store)
extra = {'threshold': result.counts['threshold_weight'], 'pairs': result.counts['scored_pairs'],
         'timings': result.counts['timings']}
"""

BASELINE = """
import duckdb, json, logging
from splink import DuckDBAPI, Linker, block_on
con = duckdb.connect()
con.execute(f"CREATE TABLE pf AS SELECT * FROM read_parquet('{sys.argv[1]}')")
settings = json.loads(open(sys.argv[2]).read())
api = DuckDBAPI(connection=con)
frame = api.register('pf', dataset_display_name='pf')
linker = Linker(frame, settings, log_level=logging.WARNING)
linker.training.estimate_probability_two_random_records_match([block_on('forename', 'surname', 'dob')], recall=0.7)
linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=42)
linker.training.estimate_parameters_using_expectation_maximisation(block_on('dob'), max_pairs=1e6)
pred = linker.inference.predict(threshold_match_weight=-2)
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_weight=float(sys.argv[3]))
extra = {'clusters': con.sql(f'SELECT count(DISTINCT cluster_id) FROM {clusters.physical_name}').fetchall()[0][0]}
"""


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


def main(sizes: list[int]) -> None:
    from clearpicture.linkage import features
    from clearpicture.linkage.model import settings
    from clearpicture.store import Store

    settings_file = DATA / "linkage-settings.json"
    settings_file.write_text(json.dumps(settings("dedupe_only").create_settings_dict(sql_dialect_str="duckdb")))
    rows = []
    for n in sizes:
        db = prepare(n)
        work = DATA / f"linkage-{n}-run.duckdb"
        shutil.copy(db, work)
        ours = measure(CLEARPICTURE, str(work))
        records = Store(work, read_only=True).count("entity_persons")
        # the baseline gets the features ready-made (normalisation is ours, so it counts only for us)
        parquet = DATA / f"linkage-{n}-features.parquet"
        with Store(work, read_only=True) as store:
            store.execute(f"COPY {features.PERSON_FEATURES} TO '{parquet}' (FORMAT parquet)")
        base = measure(BASELINE, str(parquet), str(settings_file), str(ours["threshold"]))
        ratio = ours["seconds"] / base["seconds"]
        rows.append((records, ours, base, ratio))
        print(f"{records:>9,} records  clearpicture {ours['seconds']:6.1f} s {ours['peak_mb']:7.0f} MB  "
              f"baseline {base['seconds']:6.1f} s {base['peak_mb']:7.0f} MB  ratio {ratio:4.2f}  "
              f"pairs {ours['pairs']:,}  threshold {ours['threshold']}", flush=True)
        print("   stage timings: " + ", ".join(f"{k} {v}" for k, v in ours["timings"].items()), flush=True)
        work.unlink()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or SIZES)
