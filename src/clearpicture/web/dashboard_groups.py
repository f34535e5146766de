"""Groups: the list (aggregates), one group's network, timeline, centrality and shortest paths.

The list of groups is aggregate (any role with ``read_aggregate``; counts protected for roles
without true counts). A group page names resolved people, so it needs ``read_person`` across
sources and a stated purpose, and writes one ``consultation`` row per view (allowed or refused; an
allowed one names the group's people by keyed reference, so the log can say who saw a person).
The network is built from ``network.groups_document`` evidence: people (offender/victim roles) and
the objects, locations and events that connect them (POLE). Centrality and shortest paths are
computed here with networkx, once per group and data version (``group_model`` in the page cache);
the view is still checked and logged each time. Each table downloads as CSV, a disclosure naming
the group's people (logged before the file is built). It must not add, score or rank individuals beyond what the network
stage already explains: centrality is shown as structure of the evidence, not as risk.
"""

from __future__ import annotations

from typing import Annotated, Any

import networkx as nx
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from ..errors import InputError
from ..network import groups_document
from ..security import Actor, Resource, allowed, audit
from ..security.sessions import Session
from ..store import Store
from .dashboard_common import counts_for, csv_download, need, page_model
from .db import Database
from .deps import get_db, require_session, stated_purpose
from .templating import render, render_fragment

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

SessionDep = Annotated[Session, Depends(require_session)]
DbDep = Annotated[Database, Depends(get_db)]
PurposeDep = Annotated[str | None, Depends(stated_purpose)]
GROUP_ID = r"^[A-Za-z0-9_.:-]{1,64}$"

_SUMMARY_COUNTS = ["offenders", "victims", "events", "sources", "locations", "vehicles", "phones", "links"]


@router.get("/dashboard/groups")
def groups(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep,
           format: Annotated[str | None, Query(pattern="^(html|csv)$")] = None) -> Response:
    need(session.actor, "read_aggregate")
    with db.reading() as store:
        rows = (store.dicts("SELECT * FROM group_summary ORDER BY attention_order, group_id")
                if store.has_table("group_summary") else [])
    shown, note = counts_for(session.actor, rows, _SUMMARY_COUNTS, ["group_id", "definition_id"])
    for row, full in zip(shown, rows, strict=True):
        row.update({k: full.get(k) for k in ("first_at", "last_at", "density")})
    if format == "csv":
        return csv_download(db, session.actor, "groups", ["group_id", *_SUMMARY_COUNTS, "first_at", "last_at"],
                            shown, purpose)
    return render(request, "dash/groups.html", {"rows": shown, "note": note, "counts": _SUMMARY_COUNTS,
                                                "page": "groups",
                                                "may_open": allowed(session.actor, "read_person",
                                                                    Resource("person"))}, session=session)


def _consult_group(request: Request, session: Session, db: Database, group_id: str,
                   purpose: str | None, view: str) -> dict[str, Any]:
    """Check and log one view of a group's people and return the group's model; raises 403/400/404
    after logging the attempt.

    An allowed view names the records of every person in the group (by keyed reference, as
    ``persons``), so asking the log who has seen a person finds the group pages that showed them.
    """
    actor: Actor = session.actor
    ok = allowed(actor, "read_person", Resource("person"))
    refused = None if ok else "role or source scope"
    if ok and purpose is None:
        refused = "no purpose stated"
    what: dict[str, Any] = {"view": view, "group_id": group_id}
    if refused:
        db.audit(audit.Entry(actor, "consultation", {**what, "refused": refused}, justification=purpose,
                             allowed=False))
        if refused == "no purpose stated":
            raise HTTPException(status_code=400, detail="state a purpose (?purpose=) to open a group")
        raise HTTPException(status_code=403, detail="not allowed for your role or source scope")
    try:
        m = _model(db, group_id)
    except HTTPException:
        db.audit(audit.Entry(actor, "consultation", {**what, "found": False}, justification=purpose))
        raise
    db.audit(audit.Entry(actor, "consultation", {**what, "persons": m["person_keys"]}, justification=purpose))
    return m


def _document(store: Store, group_id: str) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = groups_document(store, group_id)["groups"][0]
    except InputError as exc:
        raise HTTPException(status_code=404, detail="no such group") from exc
    return doc


def network_of(doc: dict[str, Any]) -> nx.Graph:
    """People and the things that connect them, from the group's association evidence (POLE)."""
    g: nx.Graph = nx.Graph()
    for m in doc["offenders"]:
        g.add_node(m["entity_id"], kind="person", role=m["role"] or "offender", label=m["entity_id"])
    for v in doc["victims"]:
        g.add_node(v["entity_id"], kind="person", role="victim", label=v["entity_id"])
    for ev in doc["evidence"]:
        if ev["basis"] != "association":
            _role_on_event(g, ev)
            continue
        a, b = ev["entities"]
        for e in (a, b):
            if e not in g:
                g.add_node(e, kind="person", role="other", label=e)
        via_type, via_source, via_id = ev["via"]
        at = next((t for t in ev["at"] if t), None)
        attrs = {"kind": ev["kind"], "at": at, "grading": ev["grading"], "evidence_id": ev["evidence_id"]}
        if via_type and via_id:
            node = f"{via_type}:{via_source}:{via_id}"
            if node not in g:
                pole = via_type if via_type in ("event", "location") else "object"
                g.add_node(node, kind=pole, role=via_type, label=f"{via_type} {via_id}")
            g.add_edge(a, node, **attrs)
            g.add_edge(node, b, **attrs)
        else:
            g.add_edge(a, b, **attrs)
    return g


def _role_on_event(g: nx.Graph, ev: dict[str, Any]) -> None:
    """A person's role on an event (victim, suspect...) as a person-event edge of the network."""
    (entity,), ((source, _person, record),) = ev["entities"], ev["records"]
    if not str(record).startswith("event:") or entity not in g:
        return
    event_id = str(record).split(":", 1)[1]
    node = f"event:{source}:{event_id}"
    if node not in g:
        g.add_node(node, kind="event", role="event", label=f"event {event_id}")
    g.add_edge(entity, node, kind=ev["kind"], at=next((t for t in ev["at"] if t), None), grading=ev["grading"],
               evidence_id=None)


def centrality(g: nx.Graph) -> list[dict[str, Any]]:
    """Degree, betweenness, closeness and eigenvector centrality of each person in the network."""
    if g.number_of_nodes() == 0:
        return []
    deg = nx.degree_centrality(g)
    btw = nx.betweenness_centrality(g)
    clo = nx.closeness_centrality(g)
    try:
        eig: dict[Any, float] = nx.eigenvector_centrality(g, max_iter=500, tol=1e-6)
    except (nx.PowerIterationFailedConvergence, nx.NetworkXException):
        eig = {}
    rows = [{"id": n, "role": d["role"], "degree": round(deg[n], 3), "betweenness": round(btw[n], 3),
             "closeness": round(clo[n], 3), "eigenvector": round(eig[n], 3) if n in eig else None}
            for n, d in g.nodes(data=True) if d["kind"] == "person"]
    return sorted(rows, key=lambda r: (-r["betweenness"], -r["degree"], r["id"]))


def elements(g: nx.Graph) -> list[dict[str, Any]]:
    """Cytoscape.js elements: typed nodes (class = POLE kind and role) and dated edges."""
    out: list[dict[str, Any]] = [
        {"data": {"id": n, "label": d["label"], "kind": d["kind"], "role": d["role"]},
         "classes": f"{d['kind']} {d['role']}"} for n, d in g.nodes(data=True)]
    for i, (a, b, d) in enumerate(g.edges(data=True)):
        out.append({"data": {"id": f"e{i}", "source": a, "target": b, "kind": d["kind"], "at": d["at"],
                             "grading": d["grading"]}, "classes": d["kind"]})
    return out


def timeline(store: Store, group_id: str) -> list[dict[str, Any]]:
    """The group's events in date order (from ``group_events``)."""
    if not store.has_table("group_events"):
        return []
    return store.dicts("""SELECT occurred_at, kind, source, event_id, offence_code, grading, meets_definition
        FROM group_events WHERE group_id = ? ORDER BY occurred_at NULLS LAST, source, event_id""", [group_id])


def group_model(store: Store, group_id: str) -> dict[str, Any]:
    """Everything the group's pages show: evidence document, timeline, network, centrality.

    Computed once per data version and group (``page_model``); a view is still checked and logged
    by the route each time.
    """
    doc = _document(store, group_id)
    g = network_of(doc)
    people = sorted(n for n, d in g.nodes(data=True) if d["kind"] == "person")
    keys = ([(str(a), str(b)) for a, b in store.sql(
        "SELECT source, person_id FROM entity_persons WHERE entity_id IN (SELECT unnest(?)) ORDER BY 1, 2",
        [people])] if people and store.has_table("entity_persons") else [])
    model = {"group": doc, "events": timeline(store, group_id), "graph": g, "centrality": centrality(g),
             "elements": elements(g), "people": people, "person_keys": keys,
             "evidence": [evidence_row(ev) for ev in doc["evidence"]]}
    # The long tables are the same for every viewer allowed to open the group, so they are
    # rendered (autoescaped) once here rather than on every view.
    model["tables"] = render_fragment("dash/_group_tables.html", model)
    return model


def evidence_row(ev: dict[str, Any]) -> dict[str, Any]:
    """One line of the group's evidence table, as shown and as downloaded."""
    return {"basis": ev["basis"], "kind": ev["kind"], "entities": " - ".join(str(e) for e in ev["entities"]),
            "via": " ".join(str(v) for v in ev["via"] if v) if ev.get("via") else (ev.get("explanation") or ""),
            "date": str(next((t for t in ev["at"] if t), "") or "")[:10], "grading": ev.get("grading") or ""}


_GROUP_TABLES = {
    "centrality": ["id", "role", "degree", "betweenness", "closeness", "eigenvector"],
    "timeline": ["occurred_at", "kind", "source", "event_id", "offence_code", "grading", "meets_definition"],
    "evidence": ["basis", "kind", "entities", "via", "date", "grading"],
}


def _model(db: Database, group_id: str) -> dict[str, Any]:
    with db.reading() as store:
        model: dict[str, Any] = page_model(store, ("group", group_id), lambda s: group_model(s, group_id))
    return model


@router.get("/dashboard/groups/{group_id}")
def group_page(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep, group_id: str,
               table: Annotated[str | None, Query(pattern="^(centrality|timeline|evidence)$")] = None,
               format: Annotated[str | None, Query(pattern="^(html|csv)$")] = None) -> Response:
    if not allowed(session.actor, "read_person", Resource("person")):
        _consult_group(request, session, db, group_id, purpose, "group")
    if format == "csv":  # a disclosure naming the group's people, logged (allowed or refused) before the file
        m = _model(db, group_id)
        name = table or "evidence"
        return csv_download(db, session.actor, f"group_{group_id}_{name}", _GROUP_TABLES[name],
                            m["events"] if name == "timeline" else m[name], purpose,
                            persons=m["person_keys"], what={"group_id": group_id})
    if purpose is None:  # ask why before anything about the group's people is read or logged as seen
        return render(request, "dash/purpose.html", {"what": f"group {group_id}", "page": "groups"},
                      session=session)
    m = _consult_group(request, session, db, group_id, purpose, "group")
    return render(request, "dash/group.html", {
        "group": m["group"], "summary": m["group"]["summary"], "tables": m["tables"], "purpose": purpose,
        "people": m["people"], "page": "groups"},
        session=session)


@router.get("/dashboard/groups/{group_id}/network.json")
def group_network(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep,
                  group_id: str) -> JSONResponse:
    m = _consult_group(request, session, db, group_id, purpose, "group_network")
    return JSONResponse({"elements": m["elements"], "centrality": m["centrality"]})


@router.get("/dashboard/groups/{group_id}/path.json")
def group_path(request: Request, session: SessionDep, db: DbDep, purpose: PurposeDep, group_id: str,
               a: Annotated[str, Query(max_length=200)], b: Annotated[str, Query(max_length=200)]) -> JSONResponse:
    """The shortest chain of evidence between two entities of the group (server-side, networkx)."""
    g: nx.Graph = _consult_group(request, session, db, group_id, purpose, "group_path")["graph"]  # only read
    if a not in g or b not in g:
        raise HTTPException(status_code=404, detail="both entities must be in this group's network")
    try:
        nodes = nx.shortest_path(g, a, b)
    except nx.NetworkXNoPath:
        return JSONResponse({"found": False, "nodes": [], "edges": []})
    edges = [{"source": x, "target": y, **{k: g.edges[x, y][k] for k in ("kind", "at", "grading")}}
             for x, y in zip(nodes, nodes[1:], strict=False)]
    return JSONResponse({"found": True, "nodes": nodes, "edges": edges})
