"""The analysts' dashboard over the small synthetic world: permissions, audit rows, figures, CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clearpicture.report import queries
from clearpicture.security.users import add_user
from clearpicture.web import create_app

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def dash_app(small_world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    store = small_world.copy(tmp_path_factory.mktemp("dash"))
    add_user(store, "adm", "admin", PASSWORD)
    add_user(store, "ana", "analyst", PASSWORD, ["*"])
    add_user(store, "nat", "national", PASSWORD)
    app = create_app(store)
    yield app
    app.state.db.close()


def client_as(app: FastAPI, name: str) -> tuple[TestClient, str]:
    c = TestClient(app, base_url="http://testserver")
    r = c.post("/login", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return c, r.json()["csrf_token"]


def audit(app: FastAPI, action: str) -> list[dict[str, Any]]:
    with app.state.db.reading() as store:
        return store.dicts("SELECT seq, actor, what, justification, allowed FROM audit_log WHERE action = ? "
                           "ORDER BY seq", [action])


def a_group(app: FastAPI) -> str:
    with app.state.db.reading() as store:
        return str(store.sql("SELECT group_id FROM group_summary ORDER BY attention_order LIMIT 1")[0][0])


def test_pages_need_a_session(dash_app: FastAPI) -> None:
    c = TestClient(dash_app, base_url="http://testserver")
    for path in ["/dashboard", "/dashboard/quality", "/dashboard/groups", "/dashboard/review"]:
        r = c.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", path


def test_overview_shows_the_report_figures_and_filters_by_facet(dash_app: FastAPI) -> None:
    c, _ = client_as(dash_app, "ana")
    with dash_app.state.db.reading() as store:
        figures = queries.overview(store)
        sources = [r["source"] for r in queries.sources(store)]
    page = c.get("/dashboard").text
    assert f"<dd>{figures['cases']}</dd>" in page and f"<dd>{figures['victims']}</dd>" in page
    picked = sources[0]
    filtered = c.get("/dashboard", params={"source": picked}).text
    table = filtered.split('id="sources-table"')[1].split("</table>")[0]
    assert f"<td>{picked}</td>" in table
    assert all(f"<td>{s}</td>" not in table for s in sources[1:])


def test_national_sees_protected_counts_and_no_people(dash_app: FastAPI) -> None:
    c, _ = client_as(dash_app, "nat")
    page = c.get("/dashboard").text
    assert "disclosure control" in page.lower()
    headline = page.split('id="headline"')[1].split("</dl>")[0]
    values = [v.split("</dd>")[0] for v in headline.split("<dd>")[1:]]
    assert values and all(v == "*" or int(v) % 5 == 0 for v in values)
    gid = a_group(dash_app)
    before = len(audit(dash_app, "consultation"))
    assert c.get(f"/dashboard/groups/{gid}", params={"purpose": "x"}).status_code == 403
    assert c.get(f"/dashboard/groups/{gid}/network.json", params={"purpose": "x"}).status_code == 403
    assert c.get("/dashboard/review", params={"purpose": "x"}).status_code == 403
    assert c.get("/dashboard/entities/anything", params={"purpose": "x"}).status_code == 403
    refused = audit(dash_app, "consultation")[before:]
    assert refused and not any(r["allowed"] for r in refused)


def test_csv_download_is_a_logged_disclosure(dash_app: FastAPI) -> None:
    c, _ = client_as(dash_app, "adm")
    assert c.get("/dashboard", params={"format": "csv", "table": "quarters"}).status_code == 400
    before = len(audit(dash_app, "disclosure"))
    r = c.get("/dashboard", params={"format": "csv", "table": "quarters", "purpose": "quarterly return"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert "OFFICIAL-SENSITIVE" in rows[0][0]
    assert rows[1] == ["quarter", "flagged", "not_flagged"]
    with dash_app.state.db.reading() as store:
        assert len(rows) - 2 == len(queries.cases_by_quarter(store))
    logged = audit(dash_app, "disclosure")[before:]
    assert len(logged) == 1 and logged[0]["justification"] == "quarterly return" and logged[0]["allowed"]


def test_aggregate_pages_render_their_stage_figures(dash_app: FastAPI) -> None:
    c, _ = client_as(dash_app, "ana")
    with dash_app.state.db.reading() as store:
        titles = [r[0] for r in store.sql("SELECT title FROM definition_summary")]
        measure = store.sql("SELECT id FROM quality_measures LIMIT 1")[0][0]
        estimate = store.sql("SELECT estimate FROM estimate_results LIMIT 1")[0][0]
    assert all(t in c.get("/dashboard/definitions").text for t in titles)
    assert measure in c.get("/dashboard/quality").text
    assert str(round(estimate)) in c.get("/dashboard/estimate").text
    assert 'id="team-rates"' in c.get("/dashboard/language").text


def test_language_review_highlights_findings_with_reasons(dash_app: FastAPI) -> None:
    c, token = client_as(dash_app, "ana")
    text = "She was putting herself at risk by going there."
    assert c.post("/dashboard/language/review", data={"text": text}).status_code == 403  # no CSRF token
    r = c.post("/dashboard/language/review", data={"text": text, "csrf_token": token},
               headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert '<mark class="finding' in r.text and "putting herself at risk" in r.text and "Why:" in r.text


def test_group_page_asks_for_a_purpose_and_logs_the_view(dash_app: FastAPI) -> None:
    c, _ = client_as(dash_app, "ana")
    gid = a_group(dash_app)
    before = len(audit(dash_app, "consultation"))
    assert 'id="purpose-form"' in c.get(f"/dashboard/groups/{gid}").text
    assert len(audit(dash_app, "consultation")) == before
    page = c.get(f"/dashboard/groups/{gid}", params={"purpose": "strategy meeting"})
    assert page.status_code == 200 and 'id="cy"' in page.text and 'id="timeline"' in page.text
    rows = audit(dash_app, "consultation")[before:]
    assert [json.loads(r["what"])["group_id"] for r in rows] == [gid]
    assert rows[0]["justification"] == "strategy meeting"


def test_network_has_typed_nodes_and_paths_follow_its_edges(dash_app: FastAPI) -> None:
    c, _ = client_as(dash_app, "ana")
    gid = a_group(dash_app)
    doc = c.get(f"/dashboard/groups/{gid}/network.json", params={"purpose": "analysis"}).json()
    nodes = {e["data"]["id"]: e for e in doc["elements"] if "source" not in e["data"]}
    edges = {frozenset((e["data"]["source"], e["data"]["target"])) for e in doc["elements"] if "source" in e["data"]}
    assert {n["data"]["kind"] for n in nodes.values()} >= {"person"}
    assert len({n["data"]["kind"] for n in nodes.values()}) > 1  # people and what connects them
    people = [r["id"] for r in doc["centrality"]]
    assert set(people) <= set(nodes) and all(0 <= r["betweenness"] <= 1 for r in doc["centrality"])
    a, reach = people[0], {people[0]}
    frontier = [a]
    while frontier:  # everything connected to a, to pick an end the path must reach
        x = frontier.pop()
        for e in edges:
            if x in e:
                (y,) = e - {x} or {x}
                if y not in reach:
                    reach.add(y)
                    frontier.append(y)
    b = next(p for p in reversed(people) if p in reach and p != a)
    path = c.get(f"/dashboard/groups/{gid}/path.json", params={"purpose": "analysis", "a": a, "b": b}).json()
    assert path["found"] and path["nodes"][0] == a and path["nodes"][-1] == b
    assert all(frozenset((x, y)) in edges for x, y in zip(path["nodes"], path["nodes"][1:], strict=False))
    missing = c.get(f"/dashboard/groups/{gid}/path.json", params={"purpose": "analysis", "a": a, "b": "nobody"})
    assert missing.status_code == 404


def test_entity_page_consults_every_linked_record(dash_app: FastAPI) -> None:
    c, _ = client_as(dash_app, "ana")
    with dash_app.state.db.reading() as store:
        entity, n = store.sql("SELECT entity_id, count(*) FROM entity_persons GROUP BY 1 ORDER BY 2 DESC LIMIT 1")[0]
    before = len(audit(dash_app, "consultation"))
    r = c.get(f"/dashboard/entities/{entity}", params={"purpose": "case review"})
    assert r.status_code == 200 and r.text.count('<section class="record">') == n
    rows = audit(dash_app, "consultation")[before:]
    assert all(r["allowed"] and r["justification"] == "case review" for r in rows)
    views = [json.loads(r["what"])["view"] for r in rows]
    assert views.count("person") == n and set(views) <= {"person", "entity_evidence"}


def test_review_decision_needs_reason_and_token_and_is_stored(dash_app: FastAPI) -> None:
    c, token = client_as(dash_app, "adm")
    page = c.get("/dashboard/review", params={"purpose": "weekly review"})
    assert page.status_code == 200
    with dash_app.state.db.reading() as store:
        queue = store.dicts("SELECT * FROM entity_review ORDER BY match_weight DESC LIMIT 1")
    if not queue:
        pytest.skip("review queue empty in this world")
    p = queue[0]
    assert f"{p['source_l']}/{p['person_id_l']}" in page.text
    form = {"sl": p["source_l"], "pl": p["person_id_l"], "sr": p["source_r"], "pr": p["person_id_r"],
            "decision": "confirm"}
    assert c.post("/dashboard/review/decide", data={**form, "reason": "same dob"}).status_code == 403
    assert c.post("/dashboard/review/decide", data={**form, "reason": " ", "csrf_token": token}).status_code == 400
    explain = c.get("/dashboard/review/explain", params={"sl": p["source_l"], "pl": p["person_id_l"],
                                                         "sr": p["source_r"], "pr": p["person_id_r"],
                                                         "purpose": "weekly review"})
    assert explain.status_code == 200 and "match weight" in explain.text.lower()
    r = c.post("/dashboard/review/decide", data={**form, "reason": "same dob and phone", "csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 303
    with dash_app.state.db.reading() as store:
        got = store.sql("SELECT decision, actor, reason FROM entity_decisions")
    assert ("confirm", "adm", "same dob and phone") in got


def test_aggregate_cache_is_refreshed_when_a_stage_runs(dash_app: FastAPI) -> None:
    from clearpicture.web.dashboard_common import cached_aggregate

    calls: list[int] = []

    def compute(store: Any) -> int:
        calls.append(1)
        return len(calls)

    with dash_app.state.db.reading() as store:
        first = cached_aggregate(store, "test-counter", compute)
        assert cached_aggregate(store, "test-counter", compute) == first and len(calls) == 1
    with dash_app.state.db.writing() as store, store.run("dashboard-test", {}) as result:
        result.counts["rows"] = 0
    with dash_app.state.db.reading() as store:
        assert cached_aggregate(store, "test-counter", compute) == first + 1


def test_entity_page_shows_only_records_in_an_analysts_scope(dash_app: FastAPI) -> None:
    with dash_app.state.db.reading() as store:
        entity, sources = store.sql("""SELECT entity_id, list(DISTINCT source ORDER BY source) FROM entity_persons
            GROUP BY 1 HAVING count(DISTINCT source) > 1 ORDER BY 1 LIMIT 1""")[0]
        mine = store.sql("SELECT count(*) FROM entity_persons WHERE entity_id = ? AND source = ?",
                         [entity, sources[0]])[0][0]
    with dash_app.state.db.writing() as store:
        add_user(store, "scoped", "analyst", PASSWORD, [sources[0]])
    c, _ = client_as(dash_app, "scoped")
    r = c.get(f"/dashboard/entities/{entity}", params={"purpose": "case review"})
    assert r.status_code == 200
    assert r.text.count('<section class="record">') == mine and "outside your scope" in r.text
    assert all(f"<h2>{s}/" not in r.text for s in sources[1:])
    # not even how many records other agencies hold about the person: that is their data too
    assert "more from sources outside your scope" not in r.text
    hidden = len(sources) - 1
    assert f">{mine} linked record" in r.text and f"{hidden} more" not in r.text


def test_national_csv_download_is_refused_and_logged(dash_app: FastAPI) -> None:
    c, _ = client_as(dash_app, "nat")
    before = len(audit(dash_app, "disclosure"))
    r = c.get("/dashboard/definitions", params={"format": "csv", "purpose": "national return"})
    assert r.status_code == 403
    logged = audit(dash_app, "disclosure")[before:]
    assert len(logged) == 1 and not logged[0]["allowed"]


def test_entity_page_names_groups_only_to_those_who_may_open_them(dash_app: FastAPI) -> None:
    """Group membership is worked out from every source's evidence (a police suspect, a victim of a
    group): an analyst scoped to one source, who may not open group pages, must not learn it from the
    person page either."""
    with dash_app.state.db.reading() as store:
        entity, group, source = store.sql("""SELECT m.entity_id, any_value(m.group_id), min(p.source)
            FROM group_members m JOIN entity_persons p USING (entity_id)
            GROUP BY 1 HAVING count(DISTINCT p.source) > 1 ORDER BY 1 LIMIT 1""")[0]
    with dash_app.state.db.writing() as store:
        add_user(store, "one_source", "analyst", PASSWORD, [source])
    everything, _ = client_as(dash_app, "ana")
    page = everything.get(f"/dashboard/entities/{entity}", params={"purpose": "case review"}).text
    assert f"/dashboard/groups/{group}" in page
    scoped, _ = client_as(dash_app, "one_source")
    r = scoped.get(f"/dashboard/entities/{entity}", params={"purpose": "case review"})
    assert r.status_code == 200 and '<section class="record">' in r.text
    assert "/dashboard/groups/" not in r.text and "Member of" not in r.text


def test_refused_person_and_review_pages_are_logged(dash_app: FastAPI) -> None:
    """Section 62 asks for refused consultations too: a national user on a person page or the review
    queue, and an analyst on a person with no record in their scope, each leave one refusal row naming
    the records by keyed reference only."""
    with dash_app.state.db.reading() as store:
        entity, source, n = store.sql("""SELECT entity_id, any_value(source), count(*) FROM entity_persons
            GROUP BY 1 HAVING count(DISTINCT source) = 1 ORDER BY 1 LIMIT 1""")[0]
        other = store.sql("SELECT min(source) FROM entity_persons WHERE source <> ?", [source])[0][0]
        person = store.sql("SELECT person_id FROM entity_persons WHERE entity_id = ? LIMIT 1", [entity])[0][0]
    with dash_app.state.db.writing() as store:
        add_user(store, "elsewhere", "analyst", PASSWORD, [other])
    nat, _ = client_as(dash_app, "nat")
    scoped, _ = client_as(dash_app, "elsewhere")
    cases = [(nat, f"/dashboard/entities/{entity}", 403, "nat"),
             (scoped, f"/dashboard/entities/{entity}", 404, "elsewhere"),
             (nat, "/dashboard/review", 403, "nat")]
    for c, path, status, who in cases:
        before = len(audit(dash_app, "consultation"))
        r = c.get(path, params={"purpose": "curious"})
        assert r.status_code == status, path
        rows = audit(dash_app, "consultation")[before:]
        assert len(rows) == 1, (path, rows)
        row = rows[0]
        assert row["actor"] == who and not row["allowed"] and row["justification"] == "curious"
        assert "refused" in json.loads(row["what"])
        assert entity not in row["what"] and person not in row["what"]


def _cells(page: str, table_id: str, columns: list[int]) -> list[str]:
    body = page.split(f'id="{table_id}"')[1].split("</table>")[0].split("<tbody>")[1]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S) for tr in body.split("<tr>")[1:]]
    return [row[i].strip() for row in rows for i in columns]


def test_national_data_quality_counts_pass_disclosure_control(dash_app: FastAPI) -> None:
    """Numerators such as CSE-flagged crimes per source are counts like any other: a national user
    gets them suppressed under 10 and rounded to 5, as the partner profile prints them."""
    with dash_app.state.db.reading() as store:
        small = store.sql("SELECT count(*) FROM quality_measures WHERE numerator < 10")[0][0]
    assert small, "the world should have small counts for this test to mean something"
    c, _ = client_as(dash_app, "nat")
    page = c.get("/dashboard/quality").text
    assert "disclosure control" in page.lower() or "suppressed" in page.lower()
    shown = (_cells(page, "measures", [3, 4]) + _cells(page, "timeliness", [2])
             + _cells(page, "fields", [3]))
    assert shown and all(v == "*" or (int(v) >= 10 and int(v) % 5 == 0) for v in shown), shown
    # a suppressed measure's rate would give its count away
    body = page.split('id="measures"')[1].split("</table>")[0].split("<tbody>")[1]
    for tr in body.split("<tr>")[1:]:
        value, numerator, denominator, rating = (
            c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)[2:6])
        if "*" in (numerator, denominator):
            assert value == "-" and rating == "-", tr
    analyst, _ = client_as(dash_app, "ana")
    assert any(v not in ("*",) and int(v) % 5 for v in _cells(analyst.get("/dashboard/quality").text,
                                                                "measures", [3, 4]))


def test_group_views_can_be_found_by_any_member_record(dash_app: FastAPI) -> None:
    """'Who has looked at this child's records?' (audit show --person) must find views of the group
    pages that showed the child, not only views of the child's own page."""
    from clearpicture.security import audit as audit_log

    c, _ = client_as(dash_app, "ana")
    gid = a_group(dash_app)
    with dash_app.state.db.reading() as store:
        member = store.sql("""SELECT p.source, p.person_id FROM group_members m JOIN entity_persons p
            USING (entity_id) WHERE m.group_id = ? AND m.role = 'victim' ORDER BY 1, 2 LIMIT 1""", [gid])[0]
    for path in (f"/dashboard/groups/{gid}", f"/dashboard/groups/{gid}/network.json"):
        assert c.get(path, params={"purpose": "strategy meeting"}).status_code == 200
    with dash_app.state.db.reading() as store:
        found = [r for r in audit_log.show(store, person=(str(member[0]), str(member[1])), action="consultation")
                 if r["what"].get("group_id") == gid]
        text = json.dumps([r["what"] for r in found])
    assert {r["what"]["view"] for r in found} >= {"group", "group_network"}
    assert str(member[1]) not in text


def test_refused_review_decision_is_logged(dash_app: FastAPI) -> None:
    """A decision outside the user's role or scope is a refused attempt to combine people's records:
    it is logged (section 62) and changes nothing."""
    with dash_app.state.db.reading() as store:
        p = store.dicts("SELECT * FROM entity_review ORDER BY match_weight DESC LIMIT 1")
        decisions = store.count("entity_decisions") if store.has_table("entity_decisions") else 0
    if not p:
        pytest.skip("review queue empty in this world")
    form = {"sl": p[0]["source_l"], "pl": p[0]["person_id_l"], "sr": p[0]["source_r"], "pr": p[0]["person_id_r"],
            "decision": "reject", "reason": "looks different"}
    c, token = client_as(dash_app, "nat")
    before = len(audit(dash_app, "combination"))
    r = c.post("/dashboard/review/decide", data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    rows = audit(dash_app, "combination")[before:]
    assert len(rows) == 1 and rows[0]["actor"] == "nat" and not rows[0]["allowed"]
    assert p[0]["person_id_l"] not in rows[0]["what"] and "person_refs" in rows[0]["what"]
    with dash_app.state.db.reading() as store:
        assert (store.count("entity_decisions") if store.has_table("entity_decisions") else 0) == decisions


def test_review_decision_redirect_keeps_the_purpose_as_one_parameter(dash_app: FastAPI) -> None:
    with dash_app.state.db.reading() as store:
        queue = store.dicts("SELECT * FROM entity_review ORDER BY match_weight LIMIT 1")
    if not queue:
        pytest.skip("review queue empty in this world")
    p = queue[0]
    c, token = client_as(dash_app, "adm")
    purpose = "weekly review & done=confirm"
    r = c.post("/dashboard/review/decide", data={"sl": p["source_l"], "pl": p["person_id_l"], "sr": p["source_r"],
                                                 "pr": p["person_id_r"], "decision": "reject", "reason": "twins",
                                                 "purpose": purpose, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query == {"done": ["reject"], "purpose": [purpose]}


def test_other_people_named_by_a_persons_evidence_are_logged_as_seen_and_disclosed(dash_app: FastAPI) -> None:
    """The person page's evidence table names the other people the person is linked with (their
    resolved person and records): the view and its CSV download name those people too, so their own
    audit trail, and an erasure's list of whom to tell, include them."""
    from clearpicture.security import audit as audit_log

    with dash_app.state.db.reading() as store:
        entity, other_source, other_id = store.sql("""SELECT entity_a, source_b, person_id_b FROM edge_evidence
            WHERE entity_a <> entity_b ORDER BY evidence_id LIMIT 1""")[0]
    c, _ = client_as(dash_app, "ana")
    c.post("/reauth", data={"password": PASSWORD}, headers={"X-CSRF-Token": c.get("/api/v1/session").json()["csrf_token"]})
    assert c.get(f"/dashboard/entities/{entity}", params={"purpose": "case review"}).status_code == 200
    r = c.get(f"/dashboard/entities/{entity}", params={"purpose": "case review", "format": "csv",
                                                       "table": "evidence"})
    assert r.status_code == 200, r.text
    with dash_app.state.db.reading() as store:
        rows = audit_log.show(store, person=(str(other_source), str(other_id)))
    actions = {(row["action"], row["what"].get("view")) for row in rows if row["actor"] == "ana"}
    assert ("consultation", "entity_evidence") in actions
    assert ("disclosure", "person_evidence") in actions


def test_download_without_a_purpose_is_a_logged_refusal(dash_app: FastAPI) -> None:
    """A download of people's records asked for without a purpose is refused (400) and, like every
    refused disclosure, logged with who, what and the people it would have named."""
    with dash_app.state.db.reading() as store:
        entity, source, person = store.sql(
            "SELECT entity_id, source, person_id FROM entity_persons ORDER BY 1, 2, 3 LIMIT 1")[0]
    c, _ = client_as(dash_app, "ana")
    before = len(audit(dash_app, "disclosure"))
    r = c.get(f"/dashboard/entities/{entity}", params={"format": "csv", "table": "evidence"})
    assert r.status_code == 400
    rows = audit(dash_app, "disclosure")[before:]
    assert len(rows) == 1 and not rows[0]["allowed"] and rows[0]["actor"] == "ana"
    what = json.loads(rows[0]["what"])
    assert what["refused"] == "no purpose stated" and what["view"] == "person_evidence"
    assert person not in rows[0]["what"] and what["person_refs"]


def test_review_queue_shows_an_analysts_pairs_behind_many_out_of_scope_ones(
        small_world: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The queue is cut to its first 200 pairs after the analyst's scope is applied, not before:
    200 stronger pairs from other sources must not leave a scoped analyst an empty queue."""
    store = small_world.copy(tmp_path_factory.mktemp("queue"))
    pair = store.dicts("SELECT * FROM entity_review ORDER BY match_weight DESC LIMIT 1")
    if not pair:
        pytest.skip("review queue empty in this world")
    p = pair[0]
    columns = list(p)
    for i in range(250):
        row = {**p, "source_l": "ZZ1", "person_id_l": f"Z{i}", "source_r": "ZZ2", "person_id_r": f"Y{i}",
               "match_weight": float(p["match_weight"]) + 100}
        store.execute(f"INSERT INTO entity_review ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                      [row[c] for c in columns])
    add_user(store, "pairs", "analyst", PASSWORD, sorted({p["source_l"], p["source_r"]}))
    app = create_app(store)
    try:
        c, _ = client_as(app, "pairs")
        page = c.get("/dashboard/review", params={"purpose": "weekly review"})
        assert page.status_code == 200
        assert f"{p['source_l']}/{p['person_id_l']}" in page.text and "ZZ1/" not in page.text
    finally:
        app.state.db.close()


def test_a_one_source_analyst_never_sees_another_sources_records_anywhere(dash_app: FastAPI) -> None:
    """Crawl every dashboard page a one-source analyst can reach (aggregates, the review queue and
    person pages of people known to several sources) and look for any other source's record key."""
    with dash_app.state.db.reading() as store:
        source = store.sql("""SELECT source FROM entity_persons GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""")[0][0]
        entities = [r[0] for r in store.sql("""SELECT entity_id FROM entity_persons GROUP BY 1
            HAVING count(DISTINCT source) > 1 AND bool_or(source = ?) ORDER BY 1 LIMIT 15""", [source])]
        others = store.sql("SELECT source, person_id FROM entity_persons WHERE entity_id IN (SELECT unnest(?)) "
                           "AND source <> ?", [entities, source])
        gid = a_group(dash_app)
    assert entities and others
    with dash_app.state.db.writing() as store:
        add_user(store, "crawler", "analyst", PASSWORD, [source])
    c, _ = client_as(dash_app, "crawler")
    pages = [c.get(p, params={"purpose": "crawl"}) for p in (
        "/", "/dashboard", "/dashboard/quality", "/dashboard/definitions", "/dashboard/estimate",
        "/dashboard/language", "/dashboard/groups", "/dashboard/review")]
    pages += [c.get(f"/dashboard/entities/{e}", params={"purpose": "crawl"}) for e in entities]
    assert all(r.status_code == 200 for r in pages), [(r.url, r.status_code) for r in pages if r.status_code != 200]
    for denied in (f"/dashboard/groups/{gid}", f"/dashboard/groups/{gid}/network.json"):
        assert c.get(denied, params={"purpose": "crawl"}).status_code == 403
    text = "\n".join(r.text for r in pages)
    leaked = [f"{s}/{p}" for s, p in others if f"{s}/{p}" in text or f"{s}:person:{p}" in text]
    assert not leaked, leaked
    # nor what is worked out from other sources about these people: group membership, record counts
    assert not any("/dashboard/groups/" in r.text or "more from sources" in r.text for r in pages[8:])


def test_a_suppressed_source_count_cannot_be_recovered_from_the_all_sources_row() -> None:
    """Each quality measure is published per source and for ALL sources: hiding one source's small
    numerator is not enough when ALL minus the other source gives it back."""
    from clearpicture.security import Actor
    from clearpicture.web.dashboard_pages import quality_for

    def m(mid: str, source: str, n: int, d: int) -> dict[str, Any]:
        return {"id": mid, "source": source, "numerator": n, "denominator": d, "value": n / d, "rating": "amber"}

    card = {"measures": [m("m1", "ALL", 17, 100), m("m1", "A", 7, 50), m("m1", "B", 10, 50),
                         m("m2", "ALL", 5, 100), m("m2", "A", 2, 50), m("m2", "B", 3, 50)],
            "timeliness": [], "fields": []}
    shown, note = quality_for(Actor("nat", "national"), card)
    assert note is not None
    m1 = {r["source"]: r for r in shown["measures"] if r["id"] == "m1"}
    assert m1["A"]["numerator"] is None
    assert m1["ALL"]["numerator"] is None or m1["B"]["numerator"] is None, m1


def test_a_teams_hidden_category_count_cannot_be_worked_back_from_its_all_row() -> None:
    """On the language page a team's 'all' findings are the sum of its categories' findings: one
    hidden category must not be left alone beside the published 'all' and the other categories."""
    from clearpicture.security import Actor
    from clearpicture.web.dashboard_common import counts_for

    def r(team: str, category: str, notes: int, flagged: int, findings: int) -> dict[str, Any]:
        return {"source": "PF1", "team": team, "category": category, "notes": notes, "flagged_notes": flagged,
                "findings": findings}

    rows = [r("A", "all", 40, 14, 15), r("A", "blame", 40, 3, 3), r("A", "terminology", 40, 11, 12),
            r("B", "all", 30, 2, 2), r("B", "blame", 30, 1, 1), r("B", "terminology", 30, 1, 1)]
    shown, _ = counts_for(Actor("nat", "national"), rows, ["notes", "flagged_notes", "findings"],
                          ["source", "team", "category"], subtotals=["source", "team"])
    a = {x["category"]: x for x in shown if x["team"] == "A"}
    assert a["blame"]["findings"] is None
    assert a["all"]["findings"] is None or a["terminology"]["findings"] is None, a


def test_hidden_cells_do_not_add_up_to_a_small_count_beside_a_published_total() -> None:
    """Two sources of 3 and 4 records hidden beside a published total still say 'about 7 between
    them': the dashboard protects as the partner profile does (hidden cells must not sum to a small
    count), so a national user learns no more here than from the report."""
    from clearpicture.report.model import REPORT_RULE
    from clearpicture.security import Actor
    from clearpicture.web.dashboard_common import counts_for

    rows = [{"source": s, "person_records": n} for s, n in (("A", 3), ("B", 4), ("C", 50), ("D", 60))]
    shown, _ = counts_for(Actor("nat", "national"), rows, ["person_records"], ["source"])
    hidden = [r["source"] for r in shown if r["person_records"] is None]
    assert sum(n for s, n in (("A", 3), ("B", 4), ("C", 50), ("D", 60)) if s in hidden) >= REPORT_RULE.threshold


def test_a_person_linked_in_a_viewed_record_is_named_in_the_view_and_its_download(dash_app: FastAPI) -> None:
    """A record's links can name another person (a sibling, an associate): that person's id and the
    relationship are shown, so the view and the links download name them in the log too."""
    from clearpicture.security import audit as audit_log

    with dash_app.state.db.reading() as store:
        found = store.sql("""SELECT l.source, l.from_id, l.to_id, e.entity_id FROM raw_links l
            JOIN entity_persons e ON e.source = l.source AND e.person_id = l.from_id
            WHERE l.from_type = 'person' AND l.to_type = 'person' AND l.from_id <> l.to_id ORDER BY 1, 2, 3 LIMIT 1""")
    if not found:
        pytest.skip("no person-to-person links in this world")
    source, person, linked, entity = (str(v) for v in found[0])
    c, _ = client_as(dash_app, "ana")
    assert c.get(f"/api/v1/persons/{source}/{person}", params={"purpose": "case review"}).status_code == 200
    r = c.get(f"/dashboard/entities/{entity}", params={"purpose": "case review", "format": "csv", "table": "links",
                                                       "rs": source, "rp": person})
    assert r.status_code == 200 and linked in r.text
    with dash_app.state.db.reading() as store:
        rows = audit_log.show(store, person=(source, linked))
    kinds = {(row["action"], row["what"].get("view")) for row in rows if row["actor"] == "ana"}
    assert ("consultation", "person") in kinds and ("disclosure", "person_links") in kinds


def test_protection_does_not_assume_unrelated_counts_add_up(dash_app: FastAPI) -> None:
    """Notes reviewed, notes flagged and findings (or a headline's cases, suspects and groups) are
    not parts of one total: hiding a team's few flagged notes must not hide its notes reviewed, as
    the partner profile prints them (protect_table(row_totals=False))."""
    with dash_app.state.db.reading() as store:
        big = store.sql("""SELECT count(*) FROM language_rates WHERE level = 'source_team' AND category = 'all'
            AND notes >= 20""")[0][0]
    assert big, "the world should have teams with 20 or more notes"
    c, _ = client_as(dash_app, "nat")
    notes = _cells(c.get("/dashboard/language").text, "team-rates", [3])
    assert sum(v != "*" for v in notes) >= big / 2, notes
