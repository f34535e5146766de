"""Shared helpers of the analysts' dashboard pages (no router of its own; not in ``_ROUTER_MODULES``).

Every dashboard route asks :func:`need` (the one permission function, deny by default), passes count
tables through :func:`counts_for` (disclosure control for roles without ``read_true_counts``) and
serves ``?format=csv`` through :func:`csv_download`, which logs the download as a disclosure first.
Aggregates and page models come from the app's page cache (:func:`cached_aggregate`,
:func:`page_model`), recomputed after a stage run or an erasure. It must not read personal data
itself: person views go through ``api.consult_person``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from fastapi.responses import Response

from ..disclosure import DisclosureRule, protect_table
from ..errors import AccessDenied
from ..security import Actor, Resource, allowed, audit
from ..security.exports import authorise_disclosure, write_csv
from ..store import Store
from .db import Database

__all__ = ["RULE", "cached_aggregate", "counts_for", "csv_download", "need", "page_model"]

#: The default rule, as the partner problem profile applies it (``report.model.REPORT_RULE``), so a
#: role without true counts learns no more here than from the report.
RULE = DisclosureRule()

def cached_aggregate(store: Store, name: str, compute: Callable[[Store], Any]) -> Any:
    """``compute(store)`` from the app's page cache until the data changes (a stage run or an erasure).

    The overview's queries scan every case; with many users on one page they dominated latency,
    and their answer only changes when a stage runs or an erasure is logged. A store that is not
    one of the app's cursors (a script's own) just computes.
    """
    cached = getattr(store, "cached", None)
    if cached is None:
        return compute(store)
    return cached(("aggregate", name), compute)


def page_model(store: Store, key: tuple[Any, ...], compute: Callable[[Store], Any]) -> Any:
    """A page's model (personal data included) from the page cache, by data version.

    Callers must have checked permission and written the view's audit row (or be about to, before
    responding): the cache only saves recomputing, it never decides what may be shown.
    """
    cached = getattr(store, "cached", None)
    if cached is None:
        return compute(store)
    return cached(("page", *key), compute)


def need(actor: Actor, action: str, kind: str = "dashboard", source: str | None = None,
         item: str | None = None) -> None:
    """403 unless ``actor`` may do ``action`` on the resource (checked before any data is read)."""
    if not allowed(actor, action, Resource(kind, source, item)):
        raise HTTPException(status_code=403, detail="not allowed for your role or source scope")


def counts_for(actor: Actor, rows: Sequence[Mapping[str, Any]], count_columns: Sequence[str],
               group_columns: Sequence[str], subtotals: Sequence[str] = (), *,
               row_totals: bool = False) -> tuple[list[dict[str, Any]], str | None]:
    """The rows as ``actor`` may see them: true counts, or protected ones with the note to print.

    ``subtotals`` names label columns grouping rows whose sum is itself a row of the table (a
    team's 'all' row beside its categories), so a hidden cell cannot be worked back from it.
    ``row_totals`` says a row's counts are parts of one total (flagged and not flagged cases);
    most dashboard tables' are not (notes reviewed and flagged, cases and victims), and assuming
    they were hid counts for nothing, as the partner profile no longer does."""
    if allowed(actor, "read_true_counts", Resource("dashboard")):
        return [dict(r) for r in rows], None
    table = protect_table([{k: r.get(k) for k in (*group_columns, *count_columns)} for r in rows],
                          count_columns, group_columns, RULE, subtotals=subtotals, row_totals=row_totals)
    return table.rows, table.note


def csv_download(db: Database, actor: Actor, name: str, header: Sequence[str],
                 rows: Sequence[Mapping[str, Any]], purpose: str | None,
                 sources: Sequence[str] = ("*",), *, persons: Sequence[tuple[str, str]] | None = None,
                 what: Mapping[str, Any] | None = None) -> Response:
    """A table as a marked, formula-safe CSV, logged as a disclosure to the signed-in user.

    The disclosure row is written (and refusals raised as 403, or 400 without a purpose, each logged)
    before the file exists; the file is
    built in a temporary folder and removed once read, so no copy stays on the server. A table
    about people names their records in ``persons`` (logged by keyed reference, checked per
    source), so an erasure can later say who holds a copy; ``what`` adds context (a group's id).
    """
    if purpose is None:
        # Refused before any check of scope, but logged like every refused disclosure.
        doc: dict[str, Any] = {**(what or {}), "view": name, "format": "csv", "refused": "no purpose stated"}
        if persons is not None:
            doc["persons"] = list(persons)
        else:
            doc["sources"] = sorted(sources)
        db.audit(audit.Entry(actor, "disclosure", doc, recipient=f"{actor.username} (download)", allowed=False))
        raise HTTPException(status_code=400, detail="state a purpose (?purpose=) to download a table")
    try:
        with db.writing() as store:
            authorise_disclosure(store, actor, what={**(what or {}), "view": name, "format": "csv",
                                                     "rows": len(rows)},
                                 recipient=f"{actor.username} (download)", justification=purpose,
                                 sources=list(sources), persons=list(persons) if persons is not None else None)
    except AccessDenied as exc:
        raise HTTPException(status_code=403, detail=f"{exc} (re-authenticate with POST /reauth)") from exc
    with tempfile.TemporaryDirectory() as folder:
        path = write_csv(Path(folder) / f"{name}.csv", header, [{h: r.get(h) for h in header} for r in rows])
        body = path.read_bytes()
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
