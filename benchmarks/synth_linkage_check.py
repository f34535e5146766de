"""How hard the synthetic person records are to link: a bare Splink 5 model scored against truth.

Not the linkage stage: a fixed, deliberately plain model (name, surname, date of birth, postcode,
phone; no household handling, no nickname lists, no term frequencies) whose pairwise precision,
recall and F1 against ``truth/persons.csv`` show how much the planted noise costs. A tuned model
should do better. Usage: ``.venv/bin/python benchmarks/synth_linkage_check.py DIR`` where DIR is a
generated scenario (e.g. ``clearpicture synth --scenario medium --seed 7 --out DIR``).
"""
# ruff: noqa: E501
import sys
import time

import duckdb
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

folder = sys.argv[1]
con = duckdb.connect()
con.sql(f"""create table p as select source || ':' || person_id as unique_id,
 lower(regexp_replace(forename, '[^A-Za-z]', '', 'g')) as first_name,
 lower(regexp_replace(surname, '[^A-Za-z]', '', 'g')) as surname,
 case when regexp_matches(date_of_birth, '^\\d{{4}}-\\d{{2}}-\\d{{2}}$') and try_cast(date_of_birth as date) is not null then date_of_birth end as dob,
 upper(replace(postcode, ' ', '')) as postcode_raw,
 case when length(upper(replace(postcode,' ','')))>3 then substr(upper(replace(postcode,' ','')),1,length(upper(replace(postcode,' ','')))-3) || ' ' || right(upper(replace(postcode,' ','')),3) end as postcode,
 right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) as phone
 from read_csv('{folder}/persons.csv', all_varchar=true)""")
for col in ("first_name", "surname", "phone"):
    con.sql(f"update p set {col} = null where {col} = ''")
print(con.sql("select count(*) from p").fetchall())
db = DuckDBAPI(connection=con)
settings = SettingsCreator(
    link_type="dedupe_only",
    comparisons=[
        cl.NameComparison("first_name"),
        cl.NameComparison("surname"),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.PostcodeComparison("postcode"),
        cl.ExactMatch("phone"),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("first_name", "surname"),
        block_on("surname", "dob"),
        block_on("first_name", "dob"),
        block_on("phone"),
        block_on("postcode", "dob"),
    ],
    retain_intermediate_calculation_columns=False,
)
t = time.time()
reg = db.register("p")
linker = Linker(reg, settings)
linker.training.estimate_probability_two_random_records_match([block_on("first_name", "surname", "dob")], recall=0.7)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
for br in [block_on("dob"), block_on("first_name", "surname")]:
    linker.training.estimate_parameters_using_expectation_maximisation(br)
pred = linker.inference.predict(threshold_match_probability=0.5)
cl_ = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9)
clusters = cl_.as_pandas_dataframe()[["unique_id", "cluster_id"]]
print("splink secs", time.time() - t)
truth = pd.read_csv(f"{folder}/truth/persons.csv", dtype=str)
truth["unique_id"] = truth.source + ":" + truth.person_id
m = clusters.merge(truth, on="unique_id")
def pairs(df, key):
    g = df.groupby(key).unique_id.apply(list)
    s = set()
    for ids in g:
        ids = sorted(ids)
        for i in range(len(ids)):
            for j in range(i+1, len(ids)):
                s.add((ids[i], ids[j]))
    return s
P = pairs(m, "cluster_id")
T = pairs(m, "true_person")
tp = len(P & T)
prec = tp / len(P)
rec = tp / len(T)
print(f"pairs pred {len(P)} true {len(T)} precision {prec:.4f} recall {rec:.4f} F1 {2*prec*rec/(prec+rec):.4f}")
