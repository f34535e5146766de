"""Pages about individual people: the linkage review queue and the entity page.

Both show personal data, so every view asks ``allowed(..., "read_person", ...)`` per record and is
logged as a ``consultation`` with a stated purpose (refusals too); the records on the entity page
are opened with ``api.consult_people`` (one audited row per record, committed together before the
page is built; the page's model is kept per data version, its views never are). Its tables download
as CSV, a disclosure naming the records they come from. Review decisions need ``review_merge`` on
both records' sources, the CSRF token and a reason, and go to ``linkage.record_decision`` (which
logs the ``combination``; a refused decision is logged here). It must not change linkage results
directly: decisions apply on the next run.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from ..errors import InputError
from ..linkage import explain_pair, record_decision, review_queue
from ..security import Resource, allowed, audit
from ..security.sessions import Session
from ..store import Store
from .api import cached_person_record, consult_people, linked_persons
from .dashboard_common import csv_download, page_model
from .db import Database
from .deps import get_db, require_csrf, require_session, stated_purpose
from .templating import macro, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

SessionDep = Annotated[Session, Depends(require_session)]
DbDep = Annotated[Database, Depends(get_db)]
PurposeDep = Annotated[str | None, Depends(stated_purpose)]
Code = Annotated[str, Query(max_length=100)]


def _log(db: Database, session: Session, what: dict[str, Any], purpose: str | None, ok: bool) -> None:
    db.audit(audit.Entry(session.actor, "consultation", what, justification=purpose, allowed=ok))


@router.get("/dashboard/review")
def review(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep) -> Response:
    """Uncertain pairs in scope, strongest first; the pairs shown are logged with the purpose."""
    actor = session.actor
    if not (allowed(actor, "review_merge", Resource("person"))
            or any(allowed(actor, "review_merge", Resource("person", s)) for s in actor.sources)):
        _log(db, session, {"view": "review_queue", "refused": "role"}, purpose, False)
        raise HTTPException(status_code=403, detail="not allowed for your role")
    if purpose is None:
        return render(request, "dash/purpose.html", {"what": "the linkage review queue", "page": "review"},
                      session=session)
    # Scope first (in the query), then the first 200: others' pairs must not crowd out the analyst's.
    scope = None if allowed(actor, "review_merge", Resource("person")) else actor.sources
    with db.reading() as store:
        pairs = [p for p in review_queue(store, limit=200, sources=scope)
                 if allowed(session.actor, "review_merge", Resource("person", p["source_l"], p["person_id_l"]))
                 and allowed(session.actor, "review_merge", Resource("person", p["source_r"], p["person_id_r"]))]
    _log(db, session, {"view": "review_queue",
                       "persons": sorted({(p[f"source_{s}"], p[f"person_id_{s}"]) for p in pairs for s in "lr"})},
         purpose, True)
    return render(request, "dash/review.html", {"pairs": pairs, "purpose": purpose, "page": "review",
                                                "done": request.query_params.get("done")}, session=session)


@router.get("/dashboard/review/explain")
def explain(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep,
            sl: Code, pl: Code, sr: Code, pr: Code,
            format: Annotated[str | None, Query(pattern="^(html|csv)$")] = None) -> Response:
    """Match weights of one pair (an htmx fragment), logged as a consultation of both records."""
    ok = all(allowed(session.actor, "review_merge", Resource("person", s, p)) for s, p in ((sl, pl), (sr, pr)))
    _log(db, session, {"view": "explain_pair", "persons": [(sl, pl), (sr, pr)]}, purpose, ok and bool(purpose))
    if not ok:
        raise HTTPException(status_code=403, detail="not allowed for your role or source scope")
    if purpose is None:
        raise HTTPException(status_code=400, detail="state a purpose (?purpose=)")
    with db.reading() as store:
        try:
            doc = explain_pair(store, (sl, pl), (sr, pr))
        except InputError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
    if format == "csv":
        return csv_download(db, session.actor, "match_weights",
                            ["comparison", "level", "match_weight", "term_frequency_adjustment"],
                            list(doc["comparisons"]), purpose, persons=[(sl, pl), (sr, pr)])
    return render(request, "dash/_explain.html", {"doc": doc, "pair": {"sl": sl, "pl": pl, "sr": sr, "pr": pr}},
                  session=session)


@router.post("/dashboard/review/decide")
def decide(request: Request, session: Annotated[Session, Depends(require_csrf)], db: DbDep,
           sl: Annotated[str, Form(max_length=100)], pl: Annotated[str, Form(max_length=100)],
           sr: Annotated[str, Form(max_length=100)], pr: Annotated[str, Form(max_length=100)],
           decision: Annotated[str, Form(pattern="^(confirm|reject)$")],
           reason: Annotated[str, Form(max_length=1000)] = "",
           purpose: Annotated[str, Form(max_length=500)] = "") -> Response:
    if not all(allowed(session.actor, "review_merge", Resource("person", s, p)) for s, p in ((sl, pl), (sr, pr))):
        # A refused attempt to combine (or keep apart) people's records is logged like a decision.
        db.audit(audit.Entry(session.actor, "combination", {"persons": [(sl, pl), (sr, pr)], "decision": decision,
                                                            "refused": "role or source scope"},
                             justification=" ".join(reason.split()) or None, allowed=False))
        raise HTTPException(status_code=403, detail="not allowed for your role or source scope")
    if not reason.strip():
        raise HTTPException(status_code=400, detail="a decision needs a reason")
    with db.writing() as store:
        try:
            record_decision(store, (sl, pl), (sr, pr), decision, session.actor.username, reason)
        except InputError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from exc
    query = urlencode({"done": decision, "purpose": purpose or "linkage review"})
    return RedirectResponse(f"/dashboard/review?{query}", status_code=303)


_EVIDENCE_CSV = ["kind", "entity_a", "entity_b", "source_a", "record_a", "source_b", "record_b", "via_type", "via_id",
                 "at_a", "grading", "strength"]
_LINKS_CSV = ["role", "direction", "other_type", "other_id", "started_at", "ended_at"]


@router.get("/dashboard/entities/{entity_id}")
def entity(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep, entity_id: str,
           table: Annotated[str | None, Query(pattern="^(links|evidence)$")] = None,
           rs: Code | None = None, rp: Code | None = None,
           format: Annotated[str | None, Query(pattern="^(html|csv)$")] = None) -> Response:
    """Every record linked into one resolved person, each opened the audited way, with its evidence.

    An analyst whose scope covers some sources sees the records and evidence from those sources only;
    the page says it is limited to their scope (whether or not other sources hold records of the
    person). The groups the person belongs to are named only to those who may open group pages (every
    source in scope): membership is built from all sources. The evidence names other people (their
    resolved person and records), so the view and its download name their records in the log too.
    """
    actor = session.actor
    may_open = (allowed(actor, "read_person", Resource("person"))
                or any(allowed(actor, "read_person", Resource("person", s)) for s in actor.sources))
    if may_open and purpose is None and format != "csv":  # a download without a purpose is refused (400) below
        return render(request, "dash/purpose.html", {"what": f"person {entity_id}", "page": "groups"},
                      session=session)
    with db.reading() as store:
        m: dict[str, Any] = page_model(store, ("entity", entity_id), lambda st: entity_model(st, entity_id))
    keys = m["keys"]
    visible = [(s, p) for s, p in keys if allowed(actor, "read_person", Resource("person", s, p))]
    if not visible:
        # A refused consultation is logged too (section 62), naming the records by keyed reference;
        # the answer is the same whether the person exists or not.
        _log(db, session, {"view": "entity", "persons": keys, "found": bool(keys),
                           "refused": "role or source scope"}, purpose, False)
        if not may_open:
            raise HTTPException(status_code=403, detail="not allowed for your role")
        raise HTTPException(status_code=404, detail="no such person in your scope")
    evidence = [e for e in m["evidence"] if all(allowed(actor, "read_person", Resource("person", e[f"source_{x}"]))
                                               for x in "ab")]
    others = _others(entity_id, evidence, visible)
    if format == "csv":
        return _entity_csv(db, session, entity_id, visible, evidence, table, (rs, rp), purpose, others)
    records = consult_people(request, session, db, visible, purpose)
    if others:
        _log(db, session, {"view": "entity_evidence", "persons": others}, purpose, True)
    # Group membership comes from every source's evidence: named only to those who may open groups.
    # A scoped analyst is told that the page is limited to their scope, never how many records other
    # sources hold about the person (that other agencies know the person is their data, too).
    every_source = allowed(actor, "read_person", Resource("person"))
    groups = m["groups"] if every_source else []
    return render(request, "dash/entity.html", {"entity_id": entity_id, "records": records, "evidence": evidence,
                                                "scoped": not every_source, "groups": groups,
                                                "page": "groups"}, session=session)


def _others(entity_id: str, evidence: list[dict[str, Any]], visible: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The other people's records the evidence rows name (the far end of each association)."""
    far = {(str(e["source_b"]), str(e["person_id_b"])) if e["entity_a"] == entity_id
           else (str(e["source_a"]), str(e["person_id_a"])) for e in evidence}
    return sorted(k for k in far - set(visible) if k[1] != "None")


def _entity_csv(db: Database, session: Session, entity_id: str, visible: list[tuple[str, str]],
                evidence: list[dict[str, Any]], table: str | None, record: tuple[str | None, str | None],
                purpose: str | None, others: list[tuple[str, str]]) -> Response:
    """One table of the entity page as CSV: a disclosure naming the records it comes from."""
    if table == "links":
        key = (str(record[0]), str(record[1]))
        if key not in visible:
            raise HTTPException(status_code=404, detail="no such record of this person in your scope")
        protected = allowed(session.actor, "read_protected_fields", Resource("person", *key))
        found = cached_person_record(db, *key, protected=protected)
        rows = [link.model_dump() for link in found.links] if found is not None else []
        return csv_download(db, session.actor, "person_links", _LINKS_CSV, rows, purpose,
                            persons=[key, *linked_persons(found)], what={"entity_id": entity_id})
    return csv_download(db, session.actor, "person_evidence", _EVIDENCE_CSV, evidence, purpose,
                        persons=[*visible, *others], what={"entity_id": entity_id})


_EVIDENCE_COLUMNS = ("kind, entity_a, entity_b, role_a, role_b, source_a, person_id_a, record_a, source_b, "
                     "person_id_b, record_b, via_type, via_id, at_a, grading, strength")


def entity_model(store: Store, entity_id: str) -> dict[str, Any]:
    """The linked record keys, association evidence (each row pre-rendered) and groups of one person.

    Kept per data version in the page cache; the route filters it by the viewer's scope and logs
    every record shown. Evidence is read with two single-column filters (an ``OR`` across both
    columns defeats DuckDB's filter pushdown and cost ~30 ms on the medium world).
    """
    keys = ([(str(s), str(p)) for s, p in store.sql(
        "SELECT source, person_id FROM entity_persons WHERE entity_id = ? ORDER BY 1, 2", [entity_id])]
        if store.has_table("entity_persons") else [])
    rows = (store.dicts(f"""SELECT * FROM (SELECT {_EVIDENCE_COLUMNS} FROM edge_evidence WHERE entity_a = ?
                UNION ALL SELECT {_EVIDENCE_COLUMNS} FROM edge_evidence WHERE entity_b = ? AND entity_a IS DISTINCT FROM ?)
                ORDER BY at_a NULLS LAST, kind LIMIT 500""", [entity_id, entity_id, entity_id])
            if keys and store.has_table("edge_evidence") else [])
    row_html = macro("dash/_entity_evidence_row.html", "row")
    for row in rows:
        row["html"] = row_html(row, entity_id)
    groups = (store.dicts("SELECT group_id, role, events, explanation FROM group_members WHERE entity_id = ?",
                          [entity_id]) if keys and store.has_table("group_members") else [])
    return {"keys": keys, "evidence": rows, "groups": groups}
