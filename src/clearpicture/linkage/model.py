"""The person-matching model: Splink comparisons, blocking, seeded training and the threshold.

Comparisons use only SQL that DuckDB and Spark both have natively (exact, Levenshtein, array
overlap, plain SQL conditions), so the same model runs on either engine without Splink's Scala
jar. Ethnicity, nationality and sex are never compared nor blocked on: they are not even in the
features table. Training is unsupervised and seeded: u by random sampling with a seed, m by
expectation maximisation on deterministic (hash-sampled, capped) pair sets, so the same input gives
the same model. This module must not write to the store.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "COMPARISON_NAMES",
    "LinkageModelConfig",
    "blocking_rules",
    "choose_threshold",
    "em_rules",
    "settings",
    "train",
]

#: Output column names of the comparisons (``mw_<name>``/``gamma_<name>`` in predictions).
COMPARISON_NAMES = ("forename", "surname", "other_names", "dob", "postcode", "phone", "address", "identifier")


@dataclass(frozen=True)
class LinkageModelConfig:
    """Training and threshold settings. Defaults are what the benchmarks and evaluation used."""

    seed: int = 42
    u_max_pairs: float = 2e6
    em_max_pairs: float = 5e5
    prior_recall: float = 0.7
    pairs_min_weight: float = -2.0  # scored pairs below this weight are not kept
    threshold_weight: float | None = None  # fixed threshold; None = chosen from the model per run
    min_threshold_weight: float = 4.0  # never merge on a Bayes factor below 2^4 = 16
    max_threshold_weight: float = 12.0
    review_band: float = 3.0  # match weights within this of the threshold go to review


def comparisons() -> list[Any]:
    import splink.comparison_level_library as cll
    from splink import comparison_library as cl

    def null_both(col: str) -> Any:
        return cll.CustomLevel(f"{col}_l IS NULL AND {col}_r IS NULL", "both without other names"
                               ).configure(is_null_level=True)

    forename = cl.CustomComparison(output_column_name="forename", comparison_levels=[
        cll.NullLevel("forename"),
        cll.ExactMatchLevel("forename", term_frequency_adjustments=True),
        cll.ArrayIntersectLevel("forename_groups", 1).configure(label_for_charts="known variant or nickname"),
        cll.LevenshteinLevel("forename", 1),
        cll.ExactMatchLevel("forename_letters").configure(label_for_charts="same letters, two swapped"),
        cll.ExactMatchLevel("forename_phon").configure(label_for_charts="sounds alike"),
        cll.LevenshteinLevel("forename", 2),
        cll.ElseLevel(),
    ])
    surname = cl.CustomComparison(output_column_name="surname", comparison_levels=[
        cll.NullLevel("surname"),
        cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
        cll.CustomLevel('forename_l = surname_r AND surname_l = forename_r',
                        "forename and surname swapped"),
        cll.LevenshteinLevel("surname", 1),
        cll.ExactMatchLevel("surname_letters").configure(label_for_charts="same letters, two swapped"),
        cll.ArrayIntersectLevel("surname_groups", 1).configure(label_for_charts="known spelling variant"),
        cll.ArrayIntersectLevel("surname_parts", 1).configure(label_for_charts="one part of a double surname"),
        cll.ExactMatchLevel("surname_phon").configure(label_for_charts="sounds alike"),
        cll.LevenshteinLevel("surname", 2),
        cll.ElseLevel(),
    ])
    other_names = cl.CustomComparison(output_column_name="other_names", comparison_levels=[
        null_both("other_names"),
        cll.ArrayIntersectLevel("other_names", 1).configure(label_for_charts="a shared alias or street name"),
        cll.ArrayIntersectLevel("all_names", 1).configure(label_for_charts="alias of one is the other's name"),
        cll.ElseLevel(),
    ])
    # m for date of birth is set, not learnt: EM over name-blocked pairs learns "same household"
    # (parents and children share surname and postcode) rather than "same person", which leaves a
    # different date of birth almost free. These rates are how often one person's two records fall
    # in each level; they match published audits of date-of-birth quality in police records.
    dob = cl.CustomComparison(output_column_name="dob", comparison_levels=[
        cll.CustomLevel('dob_year_l IS NULL OR dob_year_r IS NULL', "date of birth unknown"
                        ).configure(is_null_level=True),
        cll.ExactMatchLevel("dob").configure(m_probability=0.90),
        cll.CustomLevel('dob_swapped_l = dob_r', "day and month swapped").configure(m_probability=0.015),
        cll.CustomLevel('dob_ym_l = dob_ym_r', "same year and month").configure(m_probability=0.015),
        cll.CustomLevel('dob_md_l = dob_md_r AND abs(dob_year_l - dob_year_r) = 1',
                        "same day and month, a year out").configure(m_probability=0.025),
        cll.CustomLevel('dob_year_l = dob_year_r', "same year").configure(m_probability=0.035),
        cll.ElseLevel().configure(m_probability=0.005),
    ])
    postcode = cl.CustomComparison(output_column_name="postcode", comparison_levels=[
        cll.NullLevel("postcode"),
        cll.ExactMatchLevel("postcode", term_frequency_adjustments=True),
        cll.ExactMatchLevel("pc_sector").configure(label_for_charts="same sector"),
        cll.ExactMatchLevel("pc_outward").configure(label_for_charts="same district"),
        cll.ElseLevel(),
    ])
    phone = cl.CustomComparison(output_column_name="phone", comparison_levels=[
        cll.NullLevel("phone"),
        cll.ExactMatchLevel("phone", term_frequency_adjustments=True),
        cll.ElseLevel(),
    ])
    # Home address and identity numbers come from records linked to the person (features.person_links_sql).
    address = cl.CustomComparison(output_column_name="address", comparison_levels=[
        cll.NullLevel("home_address"),
        cll.ExactMatchLevel("home_address").configure(label_for_charts="same home address"),
        # The house number first: edit distance over a whole address line is costly, and random
        # pairs (u sampling) almost never share the number, so it is rarely computed.
        cll.And(cll.ExactMatchLevel("address_number"), cll.LevenshteinLevel("home_address", 3)).configure(
            label_for_charts="same house number, address within 3 edits"),
        cll.ArrayIntersectLevel("address_words", 3).configure(label_for_charts="three words in common"),
        cll.ElseLevel(),
    ])
    identifier = cl.CustomComparison(output_column_name="identifier", comparison_levels=[
        cll.NullLevel("identifiers"),
        cll.ArrayIntersectLevel("identifiers", 1).configure(label_for_charts="a shared identity number"),
        cll.LevenshteinLevel("identifier", 1).configure(label_for_charts="identity number within 1 edit"),
        cll.LevenshteinLevel("identifier", 2).configure(label_for_charts="identity number within 2 edits"),
        cll.ElseLevel(),
    ])
    return [forename, surname, other_names, dob, postcode, phone, address, identifier]


def blocking_rules() -> list[Any]:
    """Candidate pairs: every rule includes a key whose number of values grows with the data.

    First name + surname alone is quadratic at scale (linkage-notes pitfall 1), so it is always
    combined with a date of birth or a postcode district. The rules that pair on names and a date
    but no place (a day out, a month out, a surname or forename that sounds alike, a year out) each
    carry one more narrow key: at 10M records the looser forms (forename + surname + year; surname
    sound + date; forename sound + date; both sounds + day and month; day and month swapped with a
    surname sound) gave 63M candidate pairs, mostly *different* people who share common names,
    68x the 1M figure for 10x the records; now 9.6M (21x), for 0.7 points of the true pairs (blocking
    recall 0.9725 -> 0.9654; docs/benchmarks.md, Scale, national blocking).
    """
    from splink import block_on

    return [
        # a day out, then a month out (forename + surname + year alone: 20.6M pairs at 10M)
        block_on("forename", "surname", "dob_ym"),
        block_on("forename", "surname", "dob_year", "substr(dob, 9, 2)"),
        # a surname spelt another way (same initial of the forename), a forename spelt another way
        # or a different surname (same initial of the surname)
        block_on("surname_phon", "dob", "substr(forename, 1, 1)"),
        block_on("forename_phon", "dob", "substr(surname, 1, 1)"),
        block_on("dob", "postcode"),
        block_on("forename", "surname", "pc_outward"),
        # A year of birth out, within the decade (the model rewards a year out only when it is one
        # year). Surname sound and day-month alone gave 9.6M candidate pairs on 1M records
        # (quadratic) for 0.6% of true pairs; with the forename sound still 8.3M on 10M.
        block_on("surname_phon", "dob_md", "forename_phon", "substr(dob, 1, 3)"),
        block_on("surname_phon", "dob_md", "pc_outward"),
        block_on("forename_phon", "postcode"),
        block_on("phone"),
        block_on("identifier"),
        block_on("home_address"),
        block_on("address_number", "postcode"),
        # forename and surname swapped, with a year or a district (alone: 197k pairs on 1M records)
        "l.forename = r.surname AND l.surname = r.forename AND l.dob_year = r.dob_year",
        "l.forename = r.surname AND l.surname = r.forename AND l.pc_outward = r.pc_outward",
        # day and month swapped, with the surname's sound and the forename's initial (without the
        # initial: 5.1M pairs at 10M records, for 0.01 points of the true pairs)
        "l.dob_swapped = r.dob AND l.surname_phon = r.surname_phon"
        " AND substr(l.forename, 1, 1) = substr(r.forename, 1, 1)",
    ]


def settings(link_type: str = "link_and_dedupe") -> Any:
    from splink import SettingsCreator

    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        additional_columns_to_retain=["source", "person_id"],
        max_iterations=20,
    )


#: Comparisons whose first (exact) level takes its u from the data: the chance that two random
#: records holding a value share it. Postcode too: at 10M records, 2M random pairs held no two
#: records with the same postcode, so sampling left its u untrained.
EXACT_U_COLUMNS = {"address": "home_address", "identifier": "identifier", "postcode": "postcode"}


#: The fewest pairs an EM session's blocking rule must give for the two-session training to be used.
MIN_EM_PAIRS = 1000

#: Pairs each two-session EM rule gives, as SQL over the feature table (see ``em_rules``).
EM_PAIR_COUNTS = {
    "district": ("dob", "pc_outward"),
    "name_and_date": ("forename", "surname", "dob"),
}


def em_pairs_sql(table: str) -> str:
    """One row: how many pairs of records each rule of EM_PAIR_COUNTS gives, in its order."""
    counts = [f"(SELECT coalesce(shared, 0) // 2 FROM ({shared_values_sql(cols, table)}) t(shared, holders))"
              for cols in EM_PAIR_COUNTS.values()]
    return "SELECT " + ", ".join(counts)


def em_rules(pairs: dict[str, int]) -> list[tuple[str, ...]]:
    """EM's blocking rules (the columns each blocks on): two sessions on pairs that are mostly one
    person, or the date of birth alone. ``pairs``: how many pairs each rule of EM_PAIR_COUNTS gives.

    The same date of birth and district trains names, other names, phone, address and identity
    number; the same name and date of birth then trains the postcode (and the rest again; Splink
    averages). EM blocked on the date of birth alone learnt well at 1M records, where about 1 pair
    in 120 sharing a birth date is one person, but not at 10M (1 in 1,100): the namesakes born the
    same day were enough for it to believe about 16% of one person's records carry a different surname
    (the truth: 1.1%), and 26-30% a different postcode district (13%). Inputs without districts (the
    FEBRL sets' postcodes have none) or with too few pairs on either rule keep the date of birth
    alone. The m of the date of birth is set, not learnt (``comparisons``), so no session needs it.
    """
    if all(pairs.get(k, 0) >= MIN_EM_PAIRS for k in EM_PAIR_COUNTS):
        return list(EM_PAIR_COUNTS.values())
    return [("dob",)]


def shared_values_sql(columns: Sequence[str], table: str) -> str:
    """Σ n(n−1) and Σ n over the groups of records sharing a value in every one of ``columns``
    (records missing any of them left out). Σ n(n−1) counts ordered pairs: half is the pairs.

    For one column, Σ n(n−1) / M(M−1) with M = Σ n is the chance that two distinct records holding
    it share its value, the u of its exact level (``EXACT_U_COLUMNS``). Households share an
    address, so this is far above one in the number of addresses; it is 0 when no two records
    share a value (the caller then uses 1 / M(M−1)).
    """
    present = " AND ".join(f"{c} IS NOT NULL" for c in columns)
    return f"""SELECT sum(n * (n - 1)), sum(n) FROM (
        SELECT count(*) AS n FROM {table} WHERE {present} GROUP BY {', '.join(columns)})"""


def train(linker: Any, cfg: LinkageModelConfig, phone_values: int, records: int,
          exact_u: dict[str, float] | None = None, u_chunks: int = 10,
          em_pairs: dict[str, int] | None = None) -> dict[str, Any]:
    """Estimate the model in place and return it as a settings dictionary (JSON-able).

    The u of an exact phone match is set from the data (one in the number of distinct numbers)
    rather than sampled: random pairs almost never share a phone, so sampling leaves it untrained
    on large inputs (linkage-notes pitfall 3). Likewise the u of the first level of each comparison
    named in ``exact_u`` (home address, identity number): sampling would leave it "not observed"
    (Splink then uses 1e-6) whenever few records carry one, which would make a shared family home
    near-conclusive. ``u_chunks`` is how many pieces Splink's u sampling runs in (one query each,
    plus a probe): 1 on Spark, where each query is a job of fixed cost and the sample is small.
    """
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("forename", "surname", "dob")], recall=cfg.prior_recall)
    settings_obj = getattr(linker, "_settings_obj", None)
    prior = getattr(settings_obj, "_probability_two_random_records_match", None)
    if settings_obj is not None and (prior is None or not 0 < prior < 1):
        # No exact duplicates at all (a tiny or very clean input): fall back to one match per record.
        settings_obj._probability_two_random_records_match = 1.0 / max(records, 2)
    linker.training.estimate_u_using_random_sampling(max_pairs=cfg.u_max_pairs, seed=cfg.seed, num_chunks=u_chunks)
    # Without term frequencies EM iterates over the counts of each agreement pattern rather than
    # over every sampled pair (0.5 s CPU per iteration on 1M pairs before); TF adjustments still
    # apply when scoring. Both engines (the Spark failure once blamed on it, "not enough memory to
    # build and broadcast the table", was the local JVM's 1 GB default heap).
    # ``em_pairs``: the pairs each rule of EM_PAIR_COUNTS gives (``em_rules`` says why).
    for columns in em_rules(em_pairs or {}):
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*columns), estimate_without_term_frequencies=True, max_pairs=cfg.em_max_pairs)
    model: dict[str, Any] = linker.misc.save_model_to_json()
    for comp in model["comparisons"]:
        name = comp["output_column_name"]
        if name == "phone":
            for level in comp["comparison_levels"]:
                if "=" in level["sql_condition"] and not level.get("is_null_level"):
                    level["u_probability"] = 1.0 / max(phone_values, 2)
        elif exact_u and name in exact_u:
            first = next(lv for lv in comp["comparison_levels"] if not lv.get("is_null_level"))
            first["u_probability"] = exact_u[name]
    return model


def level_weights(model: dict[str, Any]) -> dict[str, list[tuple[str, float]]]:
    """comparison → [(level label, match weight)] in the model's order; a null level weighs 0.

    Predictions carry each comparison's weight but not its level, so a level is recognised by its
    weight (levels of one comparison have distinct m/u, hence distinct weights).
    """
    out: dict[str, list[tuple[str, float]]] = {}
    for comp in model["comparisons"]:
        levels = []
        for lv in comp["comparison_levels"]:
            label = str(lv.get("label_for_charts") or lv["sql_condition"])
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if lv.get("is_null_level"):
                levels.append((label, 0.0))
            elif m and u:
                levels.append((label, math.log2(float(m) / float(u))))
        out[comp["output_column_name"]] = levels
    return out


def level_for_weight(levels: list[tuple[str, float]], weight: float) -> str | None:
    """The label of the level whose weight is ``weight`` (nearest, within rounding)."""
    best = min(levels, key=lambda lv: abs(lv[1] - weight), default=None)
    return best[0] if best is not None and abs(best[1] - weight) < 1e-6 else None


def choose_threshold(probabilities: np.ndarray, weights: np.ndarray, cfg: LinkageModelConfig) -> float:
    """The match weight that maximises the model's own expected F1 over the scored pairs.

    Taking each pair's match probability at its word, a threshold t expects
    TP = Σ p over pairs ≥ t, FP = Σ (1 − p) over them, FN = Σ p below t. The weight with the best
    expected F1 follows the data of this run (a fixed cut loses recall as volume grows: pitfall 4),
    clamped to a sane range. A configured ``threshold_weight`` overrides it.
    """
    if cfg.threshold_weight is not None:
        return float(cfg.threshold_weight)
    if len(weights) == 0:
        return float(cfg.min_threshold_weight)
    order = np.argsort(-weights, kind="stable")
    w = weights[order]
    p = probabilities[order]
    tp = np.cumsum(p)
    fp = np.cumsum(1.0 - p)
    fn = p.sum() - tp
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12)
    best = float(w[int(np.argmax(f1))])
    if not math.isfinite(best):
        best = cfg.min_threshold_weight
    return float(min(max(best, cfg.min_threshold_weight), cfg.max_threshold_weight))
