"""Profile sections built on the later stages: groups, language, hidden victims, investigations,
and the intelligence gaps and recommendations that follow from every measured figure.

Each reads the stage's own query functions or tables; a stage that has not run is reported as a
gap, not hidden. Builders must not write to the store.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from ..disclosure import protect_count
from .model import Context, Section, SectionTable, register_section
from .sections import _optional, _pct, _stage_done


def _about(n: int, ctx: Context) -> str:
    """A free-standing count in running text: as it is inside, protected for partners."""
    if not ctx.partner:
        return f"{n:,}"
    shown = protect_count(n, ctx.rule)
    return f"fewer than {ctx.rule.threshold}" if shown is None else f"about {shown:,}"


def _group_picture(ctx: Context, group_id: str) -> str:
    export_graph = _optional("clearpicture.network.export_graph", "export_graph")
    write_svg = _optional("clearpicture.network.export_formats", "write_svg")
    if export_graph is None or write_svg is None:
        return ""
    graph = export_graph(ctx.store, group_id, pseudonymise=False)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "group.svg"
        write_svg(graph, out)
        return out.read_text(encoding="utf-8")


@register_section("groups")
def groups(ctx: Context) -> Section:
    if not _stage_done(ctx, "groups") or not ctx.store.has_table("group_summary"):
        return Section("groups", "Offending groups", ["The network stage has not been run on this workspace."])
    rows = ctx.store.dicts("""SELECT group_id, offenders, victims, events, first_at::DATE AS first_seen,
                                     last_at::DATE AS last_seen, locations, vehicles, phones
                              FROM group_summary ORDER BY attention_order, group_id""")
    ctx.facts["groups"] = len(rows)
    count = _about(len(rows), ctx)
    paras = [f"{count[0].upper() + count[1:]} offending groups meet the group-based definition in force: offenders joined by "
             "evidence (shared events, vehicles, phones, intelligence, presence at one place) and linked to at "
             "least one child victim. Groups are ordered for attention by the strength of evidence and number of "
             "victims; people are never scored. Places and objects used by many unrelated people are weighted "
             "down so that a hotel or a taxi firm's phone does not join unrelated groups."]
    if ctx.partner:
        # Partners get the scale, not the people: no member-level pictures or group rows.
        banded = [{"group_size": band, "groups": sum(1 for r in rows if lo <= r["offenders"] <= hi)}
                  for band, lo, hi in (("2-3 offenders", 2, 3), ("4-6 offenders", 4, 6), ("7 or more", 7, 10**6))]
        return Section("groups", "Offending groups", paras,
                       [ctx.table(SectionTable("Groups by size", ["group_size", "groups"], banded, ["groups"]))])
    table = SectionTable("Groups (operational: true counts)", list(rows[0].keys()) if rows else ["group_id"], rows,
                         ["offenders", "victims", "events", "locations", "vehicles", "phones"])
    pictures = [_group_picture(ctx, r["group_id"]) for r in rows[:3]]
    return Section("groups", "Offending groups", paras + ["Pictures of the first three groups follow (offenders "
                   "red, victims blue, vehicles and phones grey, places green)."], [table], pictures)


@register_section("language")
def language(ctx: Context) -> Section:
    if not _stage_done(ctx, "language") or not ctx.store.has_table("language_rates"):
        return Section("language", "Language about children in case notes",
                       ["The language review has not been run on this workspace."])
    rows = ctx.store.dicts("""SELECT source, team, notes, flagged_notes, round(flagged_per_1000, 1) AS per_1000
                              FROM language_rates WHERE level = 'source_team' AND category = 'all'
                              ORDER BY source, team""")
    table = SectionTable("Notes with victim-blaming or adultifying language, by team",
                         ["source", "team", "notes", "flagged_notes", "per_1000"], rows, ["notes", "flagged_notes"],
                         subtotals=["source"], rates={"per_1000": ("flagged_notes", "notes", 1000.0, 1)},
                         row_totals=False)
    shown = ctx.table(table)
    return Section("language", "Language about children in case notes", [
        "Notes are reviewed against published practitioners' guidance (The Children's Society and partners' "
        "appropriate-language guides, the Luxembourg Terminology Guidelines, NSPCC). Findings are about the "
        "writing, for supervision and training; they never change how a child is prioritised, and authors are "
        "never named or ranked."], [shown])


def _num(x: float | None) -> str:
    return "no finite limit" if x is None or x != x or x in (float("inf"), float("-inf")) else f"{x:,.0f}"


#: How the interval and the model were arrived at, in words (estimate.intervals, estimate.select).
_INTERVALS = {"averaged": "model-averaged over the candidate models", "profile": "profile likelihood",
              "parametric": "parametric bootstrap", "lognormal": "log-normal", "bca": "bias-corrected bootstrap"}
_METHODS = {"aic": "chosen by AIC", "bic": "chosen by BIC", "fixed": "fixed by the analyst",
            "stepwise_bhs": "chosen stepwise (stepwise_bhs)", "stepwise_csv": "chosen stepwise (stepwise_csv)"}

_LATEST_ESTIMATE = "(SELECT max_by(run_id, finished_at) FROM runs WHERE stage = 'estimate' AND status = 'ok')"


def _estimate_basis(ctx: Context, lists: list[str]) -> list[str]:
    """What the estimate stands on, in words: the victims counted, each list's size, the models left out.

    Read from the run's parameters, its capture patterns and its candidate models, so a reader can
    judge an interval that looks narrow: a list holding a handful of children, or most candidate
    models failing to fit, are reasons for caution the headline figure does not show.
    """
    out: list[str] = []
    params = ctx.store.sql(f"SELECT parameters FROM runs WHERE run_id = {_LATEST_ESTIMATE}")
    p = json.loads(params[0][0] or "{}") if params else {}
    rule_help = (_optional("clearpicture.estimate.lists", "EVIDENCE_HELP") or {}).get(p.get("evidence"))
    if p.get("definition"):
        out.append(f"The victims counted are the child victims under {p['definition']}"
                   + (f" with evidence meeting the '{p['evidence']}' rule ({rule_help})" if rule_help else "")
                   + "; they can be fewer than the summary's child victims, who include every record under the "
                     "definition.")
    patterns = ctx.store.sql(f"""SELECT pattern, count FROM estimate_patterns WHERE stratum = 'all'
                                 AND run_id = {_LATEST_ESTIMATE}""") if ctx.store.has_table("estimate_patterns") else []
    sizes = [sum(int(n) for pat, n in patterns if len(pat) == len(lists) and pat[i] == "1") for i in range(len(lists))]
    if patterns and sizes:
        out.append("Victims on each list: " + "; ".join(f"{name} {_about(n, ctx)}" for name, n in
                                                         zip(lists, sizes, strict=True)) + ".")
        few = [name for name, n in zip(lists, sizes, strict=True) if n < ctx.rule.threshold]
        if few:
            names = " and ".join([", ".join(few[:-1]), few[-1]] if len(few) > 1 else few)
            out.append(f"Warning: the {names} list{'s hold' if len(few) > 1 else ' holds'} fewer than "
                       f"{ctx.rule.threshold} of the victims: what the model learns about {'them' if len(few) > 1 else 'it'} "
                       "rests on a handful of children, and the interval does not show that uncertainty in full.")
    if len(lists) == 2:
        out.append("Warning: only two lists: the estimate has to assume that being known to one agency makes a child "
                   "neither more nor less likely to be known to the other (the lists are independent). With two lists "
                   "that cannot be tested; agencies that refer children to each other break it, and the estimate is "
                   "then too low.")
    if ctx.store.has_table("estimate_models"):
        fitted, tried = ctx.store.sql(f"""SELECT count(*) FILTER (WHERE admissible), count(*) FROM estimate_models
                                         WHERE run_id = {_LATEST_ESTIMATE}""")[0]
        if tried and fitted < tried:
            out.append(f"{tried - fitted} of {tried} candidate models could not be fitted to these data (no finite "
                       "estimate) and are left out of the comparison below.")
    return out


@register_section("estimate")
def estimate(ctx: Context) -> Section:
    if not _stage_done(ctx, "estimate") or not ctx.store.has_table("estimate_results"):
        return Section("estimate", "Victims not known to any agency", ["The estimate stage has not been run."])
    res = ctx.store.dicts("""SELECT stratum, lists, observed, estimate, lower, upper, level, model, method, interval_method,
                                    warnings FROM estimate_results WHERE stratum = 'all' AND run_id = """ + _LATEST_ESTIMATE)
    if not res:
        return Section("estimate", "Victims not known to any agency", ["No estimate was stored."])
    r = res[0]
    if ctx.partner and r["observed"] < ctx.rule.threshold:
        return Section("estimate", "Victims not known to any agency",
                       ["Too few victims are recorded for an estimate to be shared."])
    models = ctx.store.dicts("""SELECT model, aic, bic, CAST(round(estimate) AS BIGINT) AS estimate, chosen FROM estimate_models
                                WHERE admissible AND run_id = """ + _LATEST_ESTIMATE + """
                                ORDER BY CASE WHEN ? = 'aic' THEN aic ELSE bic END LIMIT 8""",
                             ["aic" if r["method"] in ("aic", "stepwise_bhs") else "bic"])
    columns = ["model", "aic", "bic", "estimate", "chosen"]
    if ctx.partner:  # observed count protected, modelled figures rounded, fit statistics (functions of the cells) left out
        share = _optional("clearpicture.estimate.share", "partner_result_row")
        r = share(r, ctx.rule) if share else r
        models = [{k: v for k, v in m.items() if k not in ("aic", "bic")} | {
            "estimate": None if m["estimate"] is None else int(ctx.rule.rounding * round(m["estimate"] / ctx.rule.rounding))}
            for m in models]
        columns = ["model", "estimate", "chosen"]
    ctx.facts["estimate"] = r
    paras = [f"Multiple systems estimation over {', '.join(json.loads(r['lists']))} lists: "
             f"{r['observed']:,} child victims are known to at least one agency; the estimated total is "
             f"{r['estimate']:,.0f} ({100 * float(r.get('level') or 0.95):.0f}% interval {_num(r['lower'])} to "
             f"{_num(r['upper'])}, {_INTERVALS.get(r['interval_method'], str(r['interval_method']))}; model "
             f"{r['model'] or 'main effects'}, {_METHODS.get(r['method'], 'chosen by ' + str(r['method']))}).",
             "The estimate rests on assumptions (lists overlap as the model says, every victim could appear on a "
             "list); the table of candidate models below shows how far model choice alone moves it.",
             *_estimate_basis(ctx, json.loads(r["lists"]))]
    for w in json.loads(r["warnings"] or "[]"):
        paras.append(f"Warning: {w}")
    for m in models:
        m["model"] = m["model"] or "main effects"
    return Section("estimate", "Victims not known to any agency", paras,
                   [SectionTable("Candidate models (sensitivity to model choice)", columns, models)])


@register_section("investigations")
def investigations(ctx: Context) -> Section:
    measures = _optional("clearpicture.investigations", "measures")
    if measures is None or not _stage_done(ctx, "investigations"):
        return Section("investigations", "How consistently cases are worked",
                       ["The investigations stage has not been run on this workspace."])
    rows, note = measures(ctx.store, "partner" if ctx.partner else "internal", ctx.rule, include_quarters=False)
    keep = [m for m in rows if m.team is None and m.population in ("cse", "gbcse") and m.value is not None]
    table_rows: list[dict[str, Any]] = [
        {"measure": m.id, "force": m.force, "value": round(m.value, 2),
         "interval": "" if m.lower is None else f"{m.lower:.2f}-{m.upper:.2f}", "cases": m.denominator}
        for m in keep]
    caveats = [note] if note else []
    return Section("investigations", "How consistently cases are worked", [
        "Rates by force for CSE and group-based CSE cases, with 95% Wilson intervals: evidential-difficulty "
        "outcomes (Home Office codes 14-16), no suspect identified (18), charge and arrest rates, median days to "
        "outcome, safeguarding referral within 7 days, and use of disruption orders. Teams, never officers."],
        [SectionTable("Consistency measures by force", ["measure", "force", "value", "interval", "cases"],
                      table_rows)], caveats=caveats)


@register_section("gaps")
def gaps(ctx: Context) -> Section:
    recs: list[str] = []
    # Every figure quoted here goes through the same protection as the tables it comes from.
    for r in ctx.facts.get("ethnicity_recording", []):
        if r["people"] and r["self_defined_recorded"] / r["people"] < 0.9:
            share = _pct(r["self_defined_recorded"], r["people"], ctx)
            now = f" (now {share} self-defined)" if share.endswith("%") else ""
            recs.append(f"Record self-defined ethnicity and nationality for {r['role']} in every case{now}: the "
                        "national audit's recommendation, and the only way aggregate statistics can be trusted.")
    scorecard = _optional("clearpicture.quality", "scorecard")
    if scorecard is not None and _stage_done(ctx, "quality"):
        for m in scorecard(ctx.store).get("measures", []):
            if m.get("id") == "cse_flag_share" and m.get("value") is not None and m["value"] < 0.9:
                where = "across all sources" if m.get("source") == "ALL" else f"in {m.get('source')}"
                share = _pct(m.get("numerator"), m.get("denominator"), ctx) if ctx.partner else f"{100 * m['value']:.0f}%"
                said = (f"{share} of sexual offences against children {where} carry a CSE flag" if share.endswith("%")
                        else f"fewer than 90% of sexual offences against children {where} carry a CSE flag (the exact "
                             "share is suppressed: small numbers)")
                recs.append(f"Flag child sexual exploitation consistently: {said}.")
    if ctx.facts.get("groups"):
        recs.append("Task the offending groups above for disruption and for re-examination of closed cases "
                    "involving their members.")
    est = ctx.facts.get("estimate")
    if est and est["estimate"] > est["observed"]:
        unseen = round(est["estimate"] - est["observed"])
        recs.append(f"By the estimate, {_about(unseen, ctx)} child victims are known to no agency: share information "
                    "between safeguarding partners and review referral routes.")
    for stage in ("link", "groups", "language", "estimate", "investigations"):
        if not _stage_done(ctx, stage):
            recs.append(f"Run the {stage} stage: this profile lacks its findings.")
    return Section("gaps", "Intelligence gaps and recommendations",
                   recs or ["No gap crossed the thresholds this profile checks."])
