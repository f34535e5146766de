"""Aggregate dashboard pages: overview, data quality, definitions compared, estimate, language.

Every figure comes from the functions the problem profile report and the stages use
(``report.queries``, ``quality.scorecard``, ``definitions.summarise``, the ``estimate_*`` and
``language_rates`` tables), so report and dashboard agree. Counts pass disclosure control for roles
without ``read_true_counts`` (data-quality numerators too, with rates of suppressed cells left out);
every table downloads as CSV (``?format=csv&purpose=...``), logged as a disclosure. The language
review tool reviews pasted text and stores nothing. No personal data here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from ..definitions import summarise
from ..disclosure import protect_table
from ..language import review
from ..quality import scorecard
from ..report import queries
from ..security import Actor, Resource, allowed
from ..security.sessions import Session
from ..store import Store
from .dashboard_common import RULE, cached_aggregate, counts_for, csv_download, need
from .db import Database
from .deps import get_db, require_csrf, require_session, stated_purpose
from .templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

SessionDep = Annotated[Session, Depends(require_session)]
DbDep = Annotated[Database, Depends(get_db)]
PurposeDep = Annotated[str | None, Depends(stated_purpose)]


def _table(name: str, rows: list[dict[str, Any]], header: list[str]) -> dict[str, Any]:
    return {"name": name, "rows": rows, "header": header}


def overview_tables(store: Store, source: str | None, quarter: str | None) -> dict[str, Any]:
    """The overview's figures and tables, with facets applied as row filters on the shared queries."""
    figures, srcs, quarters = cached_aggregate(
        store, "overview", lambda s: (queries.overview(s), queries.sources(s), queries.cases_by_quarter(s)))
    facets = {"source": sorted(str(r["source"]) for r in srcs), "quarter": [str(r["quarter"]) for r in quarters]}
    if source:
        srcs = [r for r in srcs if r["source"] == source]
    if quarter:
        quarters = [r for r in quarters if r["quarter"] == quarter]
    return {"figures": figures, "sources": srcs, "quarters": quarters, "facets": facets}


@router.get("/dashboard")
def overview(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep,
             source: Annotated[str | None, Query(max_length=40)] = None,
             quarter: Annotated[str | None, Query(max_length=10)] = None,
             table: Annotated[str | None, Query(pattern="^(sources|quarters)$")] = None,
             format: Annotated[str | None, Query(pattern="^(html|csv)$")] = None) -> Response:
    actor = session.actor
    need(actor, "read_aggregate")
    with db.reading() as store:
        data = overview_tables(store, source or None, quarter or None)
    srcs, src_note = counts_for(actor, data["sources"], ["person_records", "events"], ["source", "name", "kind"])
    qtrs, q_note = counts_for(actor, data["quarters"], ["flagged", "not_flagged"], ["quarter"], row_totals=True)
    tables = {"sources": _table("sources", srcs, ["source", "name", "kind", "person_records", "events"]),
              "quarters": _table("cases_by_quarter", qtrs, ["quarter", "flagged", "not_flagged"])}
    if format == "csv":
        t = tables[table or "sources"]
        return csv_download(db, actor, t["name"], t["header"], t["rows"], purpose,
                            [source] if source else ["*"])
    figures = data["figures"]
    if src_note is not None:  # headline counts as the role may see them
        keys = ["person_records", "events", "cases", "victims", "suspects", "groups"]
        protected, _ = counts_for(actor, [{k: figures[k] or 0 for k in keys}], keys, [])
        figures = {**figures, **protected[0]}
    return render(request, "dash/overview.html", {
        "figures": figures, "tables": tables, "facets": data["facets"], "source": source or "",
        "quarter": quarter or "", "note": src_note or q_note, "page": "overview"}, session=session)


@router.get("/dashboard/quality")
def quality(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep,
            source: Annotated[str | None, Query(max_length=40)] = None,
            table: Annotated[str | None, Query(pattern="^(measures|timeliness|fields)$")] = None,
            format: Annotated[str | None, Query(pattern="^(html|csv)$")] = None) -> Response:
    need(session.actor, "read_aggregate")
    with db.reading() as store:
        card = cached_aggregate(store, "quality", scorecard)
    card, note = quality_for(session.actor, card)
    measures = [m for m in card["measures"] if not source or m["source"] == source]
    fields = [f for f in card["fields"] if not source or f["source"] == source]
    if format == "csv":
        name, header, rows = {
            "measures": ("quality_measures", ["id", "source", "quarter", "value", "numerator", "denominator",
                                              "rating"], measures),
            "timeliness": ("quality_timeliness", ["source", "kind", "events", "median_days", "p90_days"],
                           card["timeliness"]),
            "fields": ("quality_fields", ["source", "table", "field", "rows", "completeness", "validity",
                                          "completeness_rating", "validity_rating"], fields),
        }[table or "measures"]
        return csv_download(db, session.actor, name, header, rows, purpose, [source] if source else ["*"])
    return render(request, "dash/quality.html", {
        "measures": measures, "fields": fields, "timeliness": card["timeliness"], "source": source or "",
        "sources": sorted({str(m["source"]) for m in card["measures"]}), "note": note, "page": "quality"},
        session=session)


def _protected(rows: list[dict[str, Any]], counts: list[str], labels: list[str], derived: list[str],
               subtotals: Sequence[str] = ()) -> tuple[list[dict[str, Any]], str]:
    """Disclosure control keeping the rows' other columns; ``derived`` ones (rates, medians:
    functions of the counts) are blanked wherever one of the row's counts is suppressed.
    ``subtotals`` names label columns grouping rows whose sum is published as another row."""
    table = protect_table([{k: r.get(k) for k in (*labels, *counts)} for r in rows], counts, labels, RULE,
                          subtotals=subtotals, row_totals=False)  # a numerator and its denominator do not add up
    out = []
    for new, full in zip(table.rows, rows, strict=True):
        row = {**full, **new}
        if any(row[c] is None for c in counts):
            row.update(dict.fromkeys(derived))
        out.append(row)
    return out, table.note


def quality_for(actor: Actor, card: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The scorecard as ``actor`` may see it: for roles without true counts, numerators, denominators,
    events and rows pass disclosure control (as the partner profile prints them), each measure's
    value is worked out again from the protected counts, and rates, ratings or medians of suppressed
    cells are left out (they would give the count away: a green "0 expected" rating says 0)."""
    if allowed(actor, "read_true_counts", Resource("dashboard")):
        return card, None
    # A measure's ALL row is the sum of its source rows: each measure is a subtotal group, so one
    # hidden source count cannot be worked out as ALL minus the other sources.
    measures, note = _protected(card["measures"], ["numerator", "denominator"], ["id", "source"],
                                ["value", "rating"], subtotals=["id"])
    for m in measures:
        if m["value"] is not None:
            m["value"] = m["numerator"] / m["denominator"] if m["denominator"] else None
    timeliness, _ = _protected(card["timeliness"], ["events"], ["source", "kind"],
                               ["median_days", "p90_days"])
    fields, _ = _protected(card["fields"], ["rows"], ["source", "table", "field"],
                           ["completeness", "validity", "completeness_rating", "validity_rating"])
    return {**card, "measures": measures, "timeliness": timeliness, "fields": fields}, note


@router.get("/dashboard/definitions")
def definitions(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep,
                format: Annotated[str | None, Query(pattern="^(html|csv)$")] = None) -> Response:
    need(session.actor, "read_aggregate")
    with db.reading() as store:
        rows = summarise(store)
    counts = ["crimes", "cases", "victims", "offenders", "unflagged", "flagged_not_meeting"]
    shown, note = counts_for(session.actor, rows, counts, ["id", "version", "title", "group_based"])
    for row, full in zip(shown, rows, strict=True):
        row.update({k: full[k] for k in ("citation", "url", "note", "people_as")})
    if format == "csv":
        return csv_download(db, session.actor, "definitions", ["id", "version", "title", *counts], shown, purpose)
    return render(request, "dash/definitions.html", {"rows": shown, "counts": counts, "note": note,
                                                     "page": "definitions"}, session=session)


@router.get("/dashboard/estimate")
def estimate(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep,
             table: Annotated[str | None, Query(pattern="^(results|models|patterns)$")] = None,
             format: Annotated[str | None, Query(pattern="^(html|csv)$")] = None) -> Response:
    need(session.actor, "read_aggregate")
    true_counts = allowed(session.actor, "read_true_counts", Resource("dashboard"))
    with db.reading() as store:
        results, models, patterns, note = latest_estimate(store, partner=not true_counts)
    header = ["stratum", "observed", "estimate", "lower", "upper", "level", "model", "method"]
    if format == "csv":
        name, columns, rows = {
            "results": ("estimate", header, results),
            "models": ("estimate_models", ["stratum", "model", "k", "aic", "bic", "estimate", "admissible", "reason",
                                           "chosen"], models),
            "patterns": ("estimate_patterns", ["stratum", "lists", "pattern", "count"], patterns),
        }[table or "results"]
        return csv_download(db, session.actor, name, columns, rows, purpose)
    return render(request, "dash/estimate.html", {"results": results, "models": models, "patterns": patterns,
                                                  "note": note, "page": "estimate"}, session=session)


def latest_estimate(store: Store, partner: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                         list[dict[str, Any]], str | None]:
    """Results, candidate models and capture patterns of the latest estimate run, and the note.

    The estimate tables keep every run; the page shows the latest, as the report does. Roles without
    true counts get what partners get (``estimate.share``): observed counts protected, modelled
    figures rounded, fit statistics left out (they are functions of the pattern cells), patterns
    under the estimate stage's own protection.
    """
    # The estimate package brings statsmodels: imported at the first estimate view, not at start-up.
    from ..estimate.share import partner_models, partner_result_row  # noqa: PLC0415
    from ..estimate.stage import pattern_rows  # noqa: PLC0415

    if not store.has_table("estimate_results"):
        return [], [], [], None
    latest = "(SELECT max_by(run_id, finished_at) FROM runs WHERE stage = 'estimate' AND status = 'ok')"
    results = store.dicts(f"SELECT * FROM estimate_results WHERE run_id = {latest} ORDER BY stratum")
    models = (store.dicts(f"""SELECT stratum, model, k, aic, bic, estimate, admissible, reason, chosen
                              FROM estimate_models WHERE run_id = {latest} ORDER BY stratum, aic""")
              if store.has_table("estimate_models") else [])
    patterns, note = pattern_rows(store, partner)
    if partner:
        results = [partner_result_row(r) for r in results]
        models = partner_models(models)
        note = note or RULE.note()
    return results, models, patterns, note


#: A team's 'all' row holds the sum of its categories' findings: the team's rows are a subtotal group.
_TEAM = ("source", "team")


def language_team_rates(store: Store) -> list[dict[str, Any]]:
    """Findings per team over the whole period (the ``source_team`` level of ``language_rates``)."""
    if not store.has_table("language_rates"):
        return []
    return store.dicts("""SELECT source, team, category, notes, flagged_notes, findings, flagged_per_1000
        FROM language_rates WHERE level = 'source_team' ORDER BY source, team, category""")


@router.get("/dashboard/language")
def language(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep,
             category: Annotated[str, Query(max_length=60)] = "all",
             format: Annotated[str | None, Query(pattern="^(html|csv)$")] = None) -> Response:
    need(session.actor, "read_aggregate")
    with db.reading() as store:
        every = language_team_rates(store)
    categories = sorted({str(r["category"]) for r in every} | {"all"}, key=lambda c: (c != "all", c))
    # Disclosure control over every category at once (as before the facet), then the facet's rows.
    rows, note = counts_for(session.actor, every, ["notes", "flagged_notes", "findings"],
                            ["source", "team", "category"], subtotals=_TEAM)
    rows = [r for r in rows if r["category"] == category]
    if note is not None:
        for r in rows:
            n, f = r.get("notes"), r.get("flagged_notes")
            r["flagged_per_1000"] = None if not n or f is None else round(1000 * f / n, 1)
    if format == "csv":
        header = ["source", "team", "category", "notes", "flagged_notes", "findings", "flagged_per_1000"]
        return csv_download(db, session.actor, "language_by_team", header, rows, purpose)
    return render(request, "dash/language.html", {"rows": rows, "note": note, "text": "", "segments": None,
                                                  "findings": [], "page": "language", "category": category,
                                                  "categories": categories}, session=session)


def highlight(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The note cut into plain and flagged segments (autoescaped in the template), and the findings."""
    findings = [f.as_dict() for f in review(text)]
    segments: list[dict[str, Any]] = []
    at = 0
    for i, f in enumerate(findings):
        start, end = int(str(f["start"])), int(str(f["end"]))
        if start < at:  # overlapping finding: listed, not highlighted twice
            continue
        segments.append({"text": text[at:start], "finding": None})
        segments.append({"text": text[start:end], "finding": i + 1, "category": f["category"]})
        at = end
    segments.append({"text": text[at:], "finding": None})
    return segments, findings


@router.post("/dashboard/language/review")
def language_review(request: Request, session: Annotated[Session, Depends(require_csrf)], db: DbDep,
                    text: Annotated[str, Form(max_length=20_000)] = "") -> Response:
    need(session.actor, "read_aggregate")
    segments, findings = highlight(text)
    ctx = {"text": text, "segments": segments, "findings": findings, "page": "language"}
    if request.headers.get("HX-Request"):
        return render(request, "dash/_findings.html", ctx, session=session)
    with db.reading() as store:
        every = language_team_rates(store)
    rows, note = counts_for(session.actor, every, ["notes", "flagged_notes", "findings"],
                            ["source", "team", "category"], subtotals=_TEAM)
    rows = [r for r in rows if r["category"] == "all"]
    categories = sorted({str(r["category"]) for r in every} | {"all"}, key=lambda c: (c != "all", c))
    return render(request, "dash/language.html", {**ctx, "rows": rows, "note": note, "category": "all",
                                                  "categories": categories}, session=session)
