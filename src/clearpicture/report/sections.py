"""The sections of the problem profile, in the order of a National Intelligence Model profile.

Each builder takes a :class:`Context` and returns a :class:`Section` made from stage query
functions. A section whose stage has not run says so plainly instead of showing an empty table:
an intelligence gap is itself a finding. Builders must not write to the store.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..disclosure import protect_count
from . import queries
from .charts import bar_chart_svg, line_chart_svg
from .model import Context, Section, SectionTable, register_section


def _pct(n: int | None, d: int | None, ctx: Context | None = None) -> str:
    """A share as a whole percentage; for partners, of the published (rounded) counts.

    A share of a small count, or one whose complement is small, discloses the count; a share of the
    true counts beside rounded ones undoes the rounding.
    """
    if not d or n is None:
        return "n/a"
    if ctx is not None and ctx.partner:
        if d < ctx.rule.threshold or n < ctx.rule.threshold or d - n < ctx.rule.threshold:
            return "suppressed (small numbers)"
        n, d = protect_count(n, ctx.rule) or 0, protect_count(d, ctx.rule) or 1
    return f"{100 * n / d:.0f}%"


def _when(value: Any, ctx: Context) -> str:
    """A date for the page: to the day inside, to the month for partners (one case's date is not shared)."""
    if value is None:
        return "n/a"
    return f"{value:%B %Y}" if ctx.partner else f"{value:%Y-%m-%d}"


def _stage_done(ctx: Context, stage: str) -> bool:
    return bool(ctx.store.sql("SELECT count(*) FROM runs WHERE stage = ? AND status = 'ok'", [stage])[0][0])


def _optional(module: str, name: str) -> Any:
    """A stage function, or None while that stage is not part of this installation."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


@register_section("face")
def face_sheet(ctx: Context) -> Section:
    o = queries.overview(ctx.store)
    ctx.facts["overview"] = o
    rec = queries.ethnicity_recording(ctx.store)
    ctx.facts["ethnicity_recording"] = rec
    srcs = queries.sources(ctx.store)
    kinds = sorted({s["kind"] for s in srcs if s["kind"]})
    paras = [
        f"Period covered: {_when(o['period_from'], ctx)} to {_when(o['period_to'], ctx)}. "
        f"Data refreshed: {'n/a' if o['refreshed'] is None else format(o['refreshed'], '%Y-%m-%d %H:%M')} (UTC).",
        f"Sources: {len(srcs)} agencies ({', '.join(kinds) or 'none'}). Scope: {o['scope']}.",
        "People are counted as " + ("resolved individuals (records linked across agencies)." if o["linked"]
                                    else "records: linkage has not been run, so one person may be counted more than once."),
    ]
    for r in rec:
        parts = []
        for column, label in (("self_defined_recorded", "self-defined ethnicity recorded for"),
                              ("officer_observed_recorded", "officer-observed for"),
                              ("nationality_recorded", "nationality for")):
            share = _pct(r[column], r["people"], ctx)
            parts.append(f"{label} {share}" if share.endswith("%") or share == "n/a"
                         else f"{label.removesuffix(' for')}: share {share}")
        paras.append(f"Completeness for {r['role']}: {', '.join(parts)}.")
    headline = SectionTable(
        "Headline figures",
        ["measure", "count"],
        [{"measure": "cases in scope", "count": o["cases"]},
         {"measure": "child victims (distinct people)", "count": o["victims"]},
         {"measure": "suspects and offenders (distinct people)", "count": o["suspects"]}],
        ["count"],
    )
    src_table = SectionTable("Sources", ["source", "name", "kind", "person_records", "events"], srcs,
                             ["person_records", "events"])
    return Section("face", "Summary", paras, [ctx.table(headline), ctx.table(src_table)])


@register_section("terms")
def terms_of_reference(ctx: Context) -> Section:
    return Section("terms", "Terms of reference", [
        "This problem profile assesses child sexual exploitation, and group-based child sexual exploitation in "
        "particular, from police and partner agency records, as HMICFRS recommended in December 2023 "
        "(recommendation 2: force problem profiles that assess group-based offending, include partner data and "
        "are updated at least annually).",
        "It describes the scale under each definition in use, how completely the records capture what matters, "
        "the offending groups the evidence shows, the language used about children in case notes, an estimate "
        "of victims not known to any agency, and the intelligence gaps that follow.",
        "It is about evidence, not profiling: protected characteristics appear only as recording rates and "
        "aggregate counts, never as a basis for linking, grouping or ranking anyone. No individual is scored.",
    ])


@register_section("scale")
def scale(ctx: Context) -> Section:
    summarise = _optional("clearpicture.definitions", "summarise")
    if summarise is None or not _stage_done(ctx, "definitions"):
        return Section("scale", "Scale under each definition", [
            "The definitions stage has not been run on this workspace, so scale is shown only as the proxy "
            "scope of the summary (sexual offences against children or a CSE flag)."])
    rows = [dict(r) for r in summarise(ctx.store)]
    table = SectionTable(
        "Cases, victims and offenders meeting each definition, and flagging",
        ["id", "version", "cases", "crimes", "victims", "offenders", "unflagged", "flagged_not_meeting"],
        rows, ["cases", "crimes", "victims", "offenders", "unflagged", "flagged_not_meeting"], row_totals=False,
    )
    shown = ctx.table(table)
    chart = bar_chart_svg(shown.rows, "id", "cases", title="Cases meeting each definition")
    return Section("scale", "Scale under each definition", [
        "Each definition is a versioned file with its citation; the same file is applied in every force. "
        "'cases' counts every record meeting a definition (crimes, referrals and other contacts), 'crimes' the "
        f"recorded crimes among them. The summary's cases in scope and child victims are those of {queries.CSE_DEFINITION}. "
        "'unflagged' counts cases meeting a definition whose record carries no CSE flag (under-flagging); "
        "'flagged_not_meeting' counts flagged records that do not meet it."], [shown], [chart],
        caveats=_definition_notes(rows))


def _definition_notes(rows: list[dict[str, Any]]) -> list[str]:
    """Each definition's title and citation, and the stage's note when a count cannot be trusted as it is.

    The table shows ids; a reader (an inspector checking which definition a force adopted) needs the
    source, and a definition that could not be met (network stage not run) must not read as a zero.
    """
    out = []
    for r in rows:
        title, citation = (str(r.get(k) or "").rstrip(". ") for k in ("title", "citation"))
        line = f"{r['id']} (version {r['version']}): {title}. Source: {citation or 'not given'}."
        if r.get("note"):
            line += f" Note: {str(r['note']).rstrip('. ')}."
        if r.get("people_as") == "records":
            line += " People are counted as records (linkage not run): one person may be counted more than once."
        out.append(line)
    return out


@register_section("trends")
def trends(ctx: Context) -> Section:
    rows = queries.cases_by_quarter(ctx.store)
    if ctx.partner:
        # Quarters split by flag are almost all under 10 in a force's cases, so the partner version
        # shows years and all cases: a trend some of which can be shown. The flag gap is in the scale table.
        years: dict[str, int] = {}
        for r in rows:
            years[r["quarter"][:4]] = years.get(r["quarter"][:4], 0) + r["flagged"] + r["not_flagged"]
        table = ctx.table(SectionTable("Cases in scope by year of occurrence", ["year", "cases"],
                                       [{"year": y, "cases": n} for y, n in years.items()], ["cases"]))
        charts = [line_chart_svg(table.rows, "year", ["cases"], "Cases by year")] if rows else []
        return Section("trends", "Trends by year", [
            "Year of occurrence (when the offence happened), not of recording. Recent years fill in as offences "
            f"are reported later. Shown by year in this version: most quarters hold fewer than {ctx.rule.threshold} "
            "cases."], [table], charts)
    table = ctx.table(SectionTable("Cases in scope by quarter of occurrence, by CSE flag",
                                   ["quarter", "flagged", "not_flagged"], rows, ["flagged", "not_flagged"]))
    charts = [line_chart_svg(table.rows, "quarter", ["flagged", "not_flagged"], "Cases by quarter")] if rows else []
    return Section("trends", "Trends by quarter", [
        "Quarter of occurrence (when the offence happened), not of recording. Recent quarters fill in as "
        "offences are reported later."], [table], charts)


_DISTRICTS = 20


@register_section("geography")
def geography(ctx: Context) -> Section:
    rows = queries.geography(ctx.store, limit=_DISTRICTS)
    placed, cases = queries.cases_with_district(ctx.store)
    table = ctx.table(SectionTable(f"Cases in scope by postcode district of the location (the {_DISTRICTS} "
                                   "districts with most cases)", ["district", "cases"], rows, ["cases"]))
    charts = [bar_chart_svg(table.rows, "district", "cases", title="Cases by postcode district",
                            horizontal=True)] if rows else []
    return Section("geography", "Geography", [
        "Districts are the outward part of the postcode of the place an offence happened, where recorded. "
        f"{_pct(placed, cases, ctx)} of the cases in scope have such a postcode; the others cannot be placed "
        "and are missing from this picture."], [table], charts)


@register_section("people")
def people(ctx: Context) -> Section:
    rows = queries.age_sex_profile(ctx.store)
    table = ctx.table(SectionTable("Victims and suspects by age band at their first case in scope and recorded sex "
                                   "(each person once per role)", ["role", "age_band", "sex", "people"], rows,
                                   ["people"], subtotals=["role"]))
    charts = [bar_chart_svg([r for r in table.rows if r["role"] == role], "age_band", "people", "sex",
                            title=f"{role.title()}s by age band") for role in ("victim", "suspect")] if rows else []
    return Section("people", "Victims and suspects", [
        "Victim and suspect are roles on evidence links, not labels on people: a person appears under each role "
        "they hold in a case."], [table], charts)


@register_section("ethnicity")
def ethnicity(ctx: Context) -> Section:
    rec = ctx.facts.get("ethnicity_recording") or queries.ethnicity_recording(ctx.store)
    rec_table = ctx.table(SectionTable(
        "Ethnicity and nationality recording (distinct people)",
        ["role", "people", "self_defined_recorded", "officer_observed_recorded", "nationality_recorded"],
        rec, ["people", "self_defined_recorded", "officer_observed_recorded", "nationality_recorded"],
        row_totals=False))
    agg = ctx.table(SectionTable("Self-defined ethnicity (2021 Census broad groups; each person once)",
                                 ["role", "ethnic_group", "people"], queries.ethnicity_aggregates(ctx.store), ["people"],
                                 subtotals=["role"]))
    return Section("ethnicity", "Ethnicity recording and aggregates", [
        "The national audit (2025) found suspect ethnicity unrecorded for about two-thirds of perpetrators and "
        "asked police to record ethnicity and nationality in every case. These figures measure that gap. "
        "Aggregates are descriptive only; they are not used anywhere in linking, grouping or prioritisation."],
        [rec_table, agg])


@register_section("quality")
def quality(ctx: Context) -> Section:
    scorecard = _optional("clearpicture.quality", "scorecard")
    if scorecard is None or not _stage_done(ctx, "quality"):
        return Section("quality", "Data quality", ["The quality stage has not been run on this workspace."])
    doc = scorecard(ctx.store)
    measures = [{k: m.get(k) for k in ("id", "source", "value", "numerator", "denominator")}
                for m in doc.get("measures", [])]
    table = SectionTable("Safeguarding data-quality measures", ["id", "source", "value", "numerator", "denominator"],
                         measures, ["numerator", "denominator"], subtotals=["id"],
                         rates={"value": ("numerator", "denominator", 1.0, 2)}, row_totals=False)
    fields = [{k: f.get(k) for k in ("source", "table", "field", "rows", "completeness", "validity")}
              for f in doc.get("fields", []) if f.get("field") in ("date_of_birth", "ethnicity_self",
                                                                   "ethnicity_officer", "postcode", "flags")]
    ftable = SectionTable("Completeness and validity of key fields", ["source", "table", "field", "rows",
                                                                      "completeness", "validity"], fields, ["rows"])
    return Section("quality", "Data quality", [
        "Completeness is the share of records where a field is filled; validity the share of filled values "
        "that pass the standard's checks.",
        "The recording measures (victim_ and suspect_ethnicity and nationality) count every victim and suspect "
        "record on any event of the agency, so they differ from the summary's completeness, which counts the "
        "people in scope once each (a person counts as recorded when any of their records holds a value)."],
        [ctx.table(table), ctx.table(ftable)])


@register_section("method", last=True)
def method(ctx: Context) -> Section:
    return Section("method", "Method and caveats", [
        "Records from each agency are brought into one exchange standard (POLE: person, object, location, "
        "event), validated without discarding any row, and, where linkage has been run, records about the same "
        "person are resolved probabilistically (Splink). Every figure traces to a recorded stage run.",
        "Counts describe recorded activity, which depends on what agencies notice and record; rises can reflect "
        "better recording as much as more offending.",
        "For the partner version (the one to share outside the need-to-know circle), statistical disclosure "
        "control is applied: counts under "
        f"{ctx.rule.threshold} are suppressed, further cells are suppressed so hidden counts cannot be worked out "
        f"from totals, and other counts are rounded to the nearest {ctx.rule.rounding}.",
    ])
