"""The JSON API, version 1: aggregate figures and one person's record.

``GET /api/v1/summary`` gives counts any signed-in role may see (with disclosure control for roles
outside the need-to-know circle, such as national). ``GET /api/v1/persons/{source}/{id}``
gives one person record with its links, in this order of checks: 401 without a session; 403 when
the role or source scope does not allow it (checked on the source before looking the record up,
so guessing ids in another scope says nothing about whether they exist); 400 when no purpose is
stated; 404 when absent. Every allowed or refused attempt, anonymous ones included, writes one
consultation row to the audit log with who, what, and the stated purpose.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel

from .. import standard
from ..disclosure import DisclosureRule, protect_count, protect_table
from ..security import Actor, Resource, allowed, audit
from ..security.redaction import mask_text
from ..security.sessions import Session
from ..store import Store
from .auth import Problem
from .dashboard_common import RULE, cached_aggregate, page_model
from .db import Database
from .deps import client_id, get_db, optional_session, require_session, session_cookie, stated_purpose

__all__ = ["PersonRecord", "Summary", "cached_person_record", "consult_people", "consult_person", "linked_persons",
           "person_record", "protected_summary", "router", "summary_figures", "summary_for"]

router = APIRouter(prefix="/api/v1", tags=["api"])

_ID = Path(min_length=1, max_length=200)


class SourceSummary(BaseModel):
    source: str
    name: str | None
    kind: str | None
    persons: int | None
    events: int | None


class Summary(BaseModel):
    """Counts only: nothing that identifies a person. ``disclosure_control`` says when counts were
    protected (suppressed counts are null)."""

    tables: dict[str, int | None]
    sources: list[SourceSummary]
    entities: int | None = None
    groups: int | None = None
    disclosure_control: str | None = None


def protected_summary(figures: Summary, rule: DisclosureRule = RULE) -> Summary:
    """The same figures with disclosure control: for roles outside the need-to-know circle.

    The sources' counts are one table whose column totals are published (``tables``), so they get
    secondary suppression: a small source hidden alone could be worked back by subtraction.
    """
    def p(n: int | None) -> int | None:
        return None if n is None else protect_count(n, rule)

    table = protect_table([{"source": s.source, "persons": s.persons or 0, "events": s.events or 0}
                           for s in figures.sources], ["persons", "events"], ["source"], rule,
                          row_totals=False)  # a source's persons and events are not parts of one total
    return Summary(
        tables={k: p(v) for k, v in figures.tables.items()},
        sources=[s.model_copy(update={"persons": row["persons"], "events": row["events"]})
                 for s, row in zip(figures.sources, table.rows, strict=True)],
        entities=p(figures.entities), groups=p(figures.groups), disclosure_control=rule.note(),
    )


class PersonLink(BaseModel):
    role: str | None
    direction: str  # "from" when the person is the link's from end
    other_type: str | None
    other_id: str | None
    started_at: str | None = None
    ended_at: str | None = None


class PersonRecord(BaseModel):
    source: str
    person_id: str
    entity_id: str | None = None
    fields: dict[str, str | None]
    protected_fields_shown: bool
    links: list[PersonLink]


def summary_figures(store: Store) -> Summary:
    """Aggregate figures for the overview (pure read)."""
    tables: dict[str, int | None] = {name: store.count(f"raw_{name}") for name in standard.TABLE_NAMES}
    rows = store.sql(
        """WITH codes AS (SELECT source FROM raw_sources UNION SELECT source FROM raw_persons
                          UNION SELECT source FROM raw_events)
           SELECT c.source, any_value(s.name), any_value(s.kind),
                  (SELECT count(*) FROM raw_persons p WHERE p.source = c.source),
                  (SELECT count(*) FROM raw_events e WHERE e.source = c.source)
           FROM codes c LEFT JOIN raw_sources s USING (source) GROUP BY c.source ORDER BY c.source"""
    )
    sources = [SourceSummary(source=str(r[0]), name=r[1], kind=r[2], persons=int(r[3]), events=int(r[4]))
               for r in rows if r[0] is not None]
    entities = (int(store.sql("SELECT count(DISTINCT entity_id) FROM entity_persons")[0][0])
                if store.has_table("entity_persons") else None)
    groups = int(store.count("group_summary")) if store.has_table("group_summary") else None
    return Summary(tables=tables, sources=sources, entities=entities, groups=groups)


@router.get("/summary", response_model=Summary, responses={401: {"model": Problem}, 403: {"model": Problem}})
def summary(session: Annotated[Session, Depends(require_session)],
            db: Annotated[Database, Depends(get_db)]) -> Summary:
    """Aggregate figures for the workspace; any signed-in role."""
    if not allowed(session.actor, "read_aggregate", Resource("summary")):
        raise HTTPException(status_code=403, detail="not allowed")
    with db.reading() as store:
        return summary_for(session.actor, store)


def summary_for(actor: Actor, store: Store) -> Summary:
    """The summary as ``actor`` may see it: true counts, or protected ones (figures kept per data version)."""
    figures: Summary = cached_aggregate(store, "summary", summary_figures)
    if allowed(actor, "read_true_counts", Resource("summary")):
        return figures
    return protected_summary(figures)


def person_record(store: Store, source: str, person_id: str, *, protected: bool) -> PersonRecord | None:
    """One person record with its links, or None (pure read; callers check permission first)."""
    fields = [f for f in standard.table("persons").fields if f.name not in ("source", "person_id")]
    shown = [f for f in fields if protected or not f.protected]
    cols = ", ".join(f'coalesce("{f.name}_raw", CAST("{f.name}" AS VARCHAR))' if f.validated else f'"{f.name}"'
                     for f in shown)
    rows = store.sql(f"SELECT {cols} FROM raw_persons WHERE source = ? AND person_id = ? LIMIT 1",
                     [source, person_id])
    if not rows:
        return None
    values = {f.name: (None if v is None else str(v)) for f, v in zip(shown, rows[0], strict=True)}
    link_rows = store.sql(
        """WITH l AS (
               SELECT coalesce(role_raw, role) AS role, coalesce(from_type_raw, from_type) AS ft, from_id,
                      coalesce(to_type_raw, to_type) AS tt, to_id,
                      coalesce(started_at_raw, CAST(started_at AS VARCHAR)) AS s,
                      coalesce(ended_at_raw, CAST(ended_at AS VARCHAR)) AS e
               FROM raw_links WHERE source = ?)
           SELECT role, CASE WHEN ft = 'person' AND from_id = ? THEN 'from' ELSE 'to' END,
                  CASE WHEN ft = 'person' AND from_id = ? THEN tt ELSE ft END,
                  CASE WHEN ft = 'person' AND from_id = ? THEN to_id ELSE from_id END, s, e
           FROM l WHERE (ft = 'person' AND from_id = ?) OR (tt = 'person' AND to_id = ?)
           ORDER BY 1, 3, 4""",
        [source, person_id, person_id, person_id, person_id, person_id],
    )
    links = [PersonLink(role=r[0], direction=r[1], other_type=r[2], other_id=r[3], started_at=r[4],
                        ended_at=r[5]) for r in link_rows]
    entity = None
    if store.has_table("entity_persons"):
        found = store.sql("SELECT entity_id FROM entity_persons WHERE source = ? AND person_id = ? LIMIT 1",
                          [source, person_id])
        entity = None if not found else str(found[0][0])
    return PersonRecord(source=source, person_id=person_id, entity_id=entity, fields=values,
                        protected_fields_shown=protected, links=links)


#: Fields of a record whose values must not stay in the log through a purpose that quotes them.
_IDENTIFYING = ("forename", "middle_names", "surname", "aliases", "date_of_birth", "phone", "postcode")


def _purpose_for_log(purpose: str | None, record: PersonRecord | None) -> str | None:
    """The purpose as logged: the opened record's id, names, date of birth, phone and postcode
    masked, so the log keeps no details of a person who is later erased."""
    if record is None or purpose is None:
        return purpose
    return mask_text(purpose, [record.person_id, *(record.fields.get(k) for k in _IDENTIFYING)])


def linked_persons(record: PersonRecord | None) -> list[tuple[str, str]]:
    """Other people the record's links name (a sibling, an associate): shown with the record, so
    the log names them too (as keyed references)."""
    if record is None:
        return []
    return sorted({(record.source, str(link.other_id)) for link in record.links
                   if link.other_type == "person" and link.other_id and link.other_id != record.person_id})


def cached_person_record(db: Database, source: str, person_id: str, *, protected: bool) -> PersonRecord | None:
    """:func:`person_record` from the app's page cache (recomputed after a stage run or an erasure).

    Only for callers that have checked permission and log the view (``consult_person``).
    """
    with db.reading() as store:
        found: PersonRecord | None = page_model(
            store, ("person", source, person_id, protected),
            lambda s: person_record(s, source, person_id, protected=protected))
    return found


def consult_person(request: Request, session: Session | None, db: Database, source: str, person_id: str,
                   purpose: str | None) -> PersonRecord:
    """Open one person record the audited way; every page or route showing a person uses this.

    401 without a session, 403 outside role or scope (checked on the source before any lookup), 400
    without a purpose, 404 when absent. Each call writes exactly one consultation row, allowed or
    refused, with who, the keyed person reference and the purpose (the record's own details masked in
    it), and the people the record's links name, also by keyed reference.
    """
    return consult_people(request, session, db, [(source, person_id)], purpose)[0]


def consult_people(request: Request, session: Session | None, db: Database, keys: list[tuple[str, str]],
                   purpose: str | None) -> list[PersonRecord]:
    """:func:`consult_person` for each of ``keys`` (one page showing several records).

    Exactly one consultation row per record, allowed or refused, as ``consult_person`` writes; the
    rows are committed together (one wait for the writer, not one per record) before anything is
    returned. The first refusal or absence then answers for the whole request.
    """
    actor = session.actor if session else None
    who: Actor | str = actor if actor is not None else f"anonymous@{client_id(request)}"
    entries: list[audit.Entry] = []
    records: list[PersonRecord] = []
    error: HTTPException | None = None
    for source, person_id in keys:
        what: dict[str, Any] = {"view": "person", "person": (source, person_id)}
        refused, status, detail = None, 0, ""
        if actor is None:
            refused, status, detail = "not signed in", 401, "sign in first"
        elif not allowed(actor, "read_person", Resource("person", source, person_id)):
            refused, status, detail = "role or source scope", 403, "not allowed for your role or source scope"
        elif purpose is None:
            refused, status, detail = "no purpose stated", 400, "state a purpose (?purpose= or X-Purpose header)"
        if refused is not None or actor is None:
            entries.append(audit.Entry(who, "consultation", {**what, "refused": refused}, justification=purpose,
                                       allowed=False))
            error = error or HTTPException(status_code=status, detail=detail)
            continue
        protected = allowed(actor, "read_protected_fields", Resource("person", source, person_id))
        record = cached_person_record(db, source, person_id, protected=protected)
        linked = linked_persons(record)
        entries.append(audit.Entry(who, "consultation", {**what, "found": record is not None,
                                                         **({"persons": linked} if linked else {})},
                                   justification=_purpose_for_log(purpose, record), allowed=True))
        if record is None:
            error = error or HTTPException(status_code=404, detail="no such person record")
        else:
            records.append(record)
    db.audit_many(entries)
    if error is not None:
        raise error
    return records


@router.get(
    "/persons/{source}/{person_id}",
    response_model=PersonRecord,
    dependencies=[Depends(session_cookie)],
    responses={400: {"model": Problem}, 401: {"model": Problem}, 403: {"model": Problem},
               404: {"model": Problem}},
)
def get_person(
    request: Request,
    session: Annotated[Session | None, Depends(optional_session)],
    db: Annotated[Database, Depends(get_db)],
    source: Annotated[str, _ID],
    person_id: Annotated[str, _ID],
    purpose: Annotated[str | None, Depends(stated_purpose)],
) -> PersonRecord:
    """One person record with its links. State why with ``?purpose=`` or the X-Purpose header."""
    return consult_person(request, session, db, source, person_id, purpose)
