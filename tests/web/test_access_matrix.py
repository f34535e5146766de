"""Every role against every route and every source scope, guessed ids included.

Expected answers are worked out from the role table in interface.md, independently of the code:
admin sees everything; an analyst sees people only from their sources; national sees aggregates;
no session gets 401. Each attempt on personal data, allowed or refused, adds exactly one audit row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from trustworld import PASSWORD
from webworld import ACCOUNTS, audit_rows, login, make_store

from clearpicture.security import users as users_module
from clearpicture.web import create_app

#: Existing records per source, and a guessed id per source that does not exist.
EXISTING = {"PF1": "PF1-P-2", "LA1": "LA1-C-2", "NHS1": "NHS1-H-1"}
GUESSED = {"PF1": "PF1-P-4242", "LA1": "LA1-C-4242", "NHS1": "NHS1-H-4242", "XX9": "nobody"}
USERS = [None, *ACCOUNTS]


def may_read(user: str | None, source: str) -> bool:
    if user is None:
        return False
    role, sources = ACCOUNTS[user]
    return role == "admin" or (role == "analyst" and source in sources)


def expected_person_status(user: str | None, source: str, exists: bool) -> int:
    if user is None:
        return 401
    if not may_read(user, source):
        return 403
    return 200 if exists else 404


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """One app for the whole matrix (each test has its own client and counts audit rows relatively)."""
    original = users_module.PASSWORD_HASHER
    users_module.PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        application = create_app(make_store(Path(tmp_path_factory.mktemp("matrix")) / "ws.duckdb"))
        yield application
    finally:
        users_module.PASSWORD_HASHER = original
    application.state.db.close()


CASES = [(u, s, pid, True) for u in USERS for s, pid in EXISTING.items()] + [
    (u, s, pid, False) for u in USERS for s, pid in GUESSED.items()
]


@pytest.mark.parametrize(("user", "source", "person_id", "exists"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{'real' if c[3] else 'guess'}" for c in CASES])
def test_person_route_by_role_and_scope(app: FastAPI, client: TestClient, user: str | None, source: str,
                                        person_id: str, exists: bool) -> None:
    if user is not None:
        login(client, user)
    before = audit_rows(app)
    r = client.get(f"/api/v1/persons/{source}/{person_id}", params={"purpose": "matrix test"})
    want = expected_person_status(user, source, exists)
    assert r.status_code == want, r.text
    after = audit_rows(app)
    assert len(after) == len(before) + 1
    seq, actor, action, what, justification, allowed_ = after[-1]
    assert action == "consultation"
    assert allowed_ is (want in (200, 404))
    assert justification == "matrix test"
    assert (actor == user) if user else str(actor).startswith("anonymous")
    assert person_id not in str(what)  # named by keyed reference only
    if want == 200:
        body = r.json()
        assert (body["source"], body["person_id"]) == (source, person_id)
    if want == 403:
        assert person_id not in r.text  # a refusal says nothing about the record


@pytest.mark.parametrize("user", USERS)
def test_summary_route_by_role(client: TestClient, user: str | None) -> None:
    if user is not None:
        login(client, user)
    r = client.get("/api/v1/summary")
    assert r.status_code == (401 if user is None else 200)
    if user is not None:
        body = r.json()
        assert {s["source"] for s in body["sources"]} == {"PF1", "LA1", "NHS1"}
        assert "Zebedee" not in r.text
        if ACCOUNTS[user][0] == "national":  # outside the need-to-know circle: 5 records is too few
            assert body["tables"]["persons"] is None and body["disclosure_control"]
        else:
            assert body["tables"]["persons"] == 5 and body["disclosure_control"] is None


@pytest.mark.parametrize("user", USERS)
def test_session_route_and_overview_page_by_role(client: TestClient, user: str | None) -> None:
    if user is not None:
        login(client, user)
    r = client.get("/api/v1/session")
    assert r.status_code == (401 if user is None else 200)
    page = client.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    if user is None:
        assert page.status_code == 303 and page.headers["location"] == "/login"
    else:
        assert page.status_code == 200 and user in page.text


def test_missing_purpose_is_refused_and_logged(app: FastAPI, client: TestClient) -> None:
    login(client, "adm")
    before = len(audit_rows(app))
    r = client.get("/api/v1/persons/PF1/PF1-P-2")
    assert r.status_code == 400
    rows = audit_rows(app)
    assert len(rows) == before + 1 and rows[-1][5] is False
    ok = client.get("/api/v1/persons/PF1/PF1-P-2", headers={"X-Purpose": "header purpose"})
    assert ok.status_code == 200
    assert audit_rows(app)[-1][4] == "header purpose"


def test_protected_fields_are_shown_to_admin_only(client: TestClient) -> None:
    login(client, "ana_pf1")
    r = client.get("/api/v1/persons/PF1/PF1-P-9001", params={"purpose": "x"})
    assert r.status_code == 200
    assert "ethnicity_self" not in r.json()["fields"] and r.json()["protected_fields_shown"] is False
    login(client, "adm")
    r = client.get("/api/v1/persons/PF1/PF1-P-9001", params={"purpose": "x"})
    assert r.json()["fields"]["ethnicity_self"] == "W1"


def test_person_record_carries_its_links_and_entity(client: TestClient) -> None:
    login(client, "ana_pf1")
    body = client.get("/api/v1/persons/PF1/PF1-P-9001", params={"purpose": "x"}).json()
    assert body["entity_id"] == "ENT-1"
    assert sorted((link["role"], link["other_type"], link["other_id"]) for link in body["links"]) == [
        ("resident", "location", "PF1-L-1"), ("user", "object", "PF1-O-1"),
        ("victim", "event", "PF1-E-1"), ("visited", "location", "PF1-L-2")]
    assert json.dumps(body).count("PF1-P-2") == 0  # another person's links are not included


@pytest.mark.parametrize("user", USERS)
def test_reauth_route_by_role(app: FastAPI, user: str | None) -> None:
    client = TestClient(app)
    csrf = login(client, user) if user is not None else "none"
    r = client.post("/reauth", data={"password": PASSWORD}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == (401 if user is None else 204)


@pytest.mark.parametrize("user", ["ana_pf1", "ana_la1", "nat"])
def test_refusals_for_real_and_guessed_ids_look_the_same(app: FastAPI, user: str) -> None:
    client = TestClient(app)
    login(client, user)
    outside = "NHS1"  # in nobody's scope here
    real = client.get(f"/api/v1/persons/{outside}/{EXISTING[outside]}", params={"purpose": "p"})
    guess = client.get(f"/api/v1/persons/{outside}/{GUESSED[outside]}", params={"purpose": "p"})
    assert real.status_code == guess.status_code == 403
    assert real.json() == guess.json()


@pytest.mark.parametrize("user", USERS)
def test_audit_routes_are_for_admins_only(app: FastAPI, user: str | None) -> None:
    client = TestClient(app)
    if user is not None:
        login(client, user)
    rows = client.get("/api/v1/audit", params={"action": "administration"})
    check = client.get("/api/v1/audit/verify")
    want = 401 if user is None else 200 if user == "adm" else 403
    assert rows.status_code == check.status_code == want
    if want == 200:
        assert rows.json()["count"] == len(ACCOUNTS)  # one "user added" row each
        assert check.json()["ok"] is True


def test_audit_route_filters_by_time_in_utc(app: FastAPI) -> None:
    client = TestClient(app)
    login(client, "adm")
    early = client.get("/api/v1/audit", params={"until": "2000-01-01T00:00:00Z"}).json()
    assert early == {"rows": [], "count": 0}
    rows = client.get("/api/v1/audit", params={"since": "2000-01-01T01:00:00+01:00", "limit": 2}).json()
    assert rows["count"] == 2 and rows["rows"][0]["at_utc"].endswith("Z")
    assert client.get("/api/v1/audit", params={"since": "0.5"}).status_code == 422


@pytest.mark.parametrize("user", USERS)
def test_user_management_routes_are_for_admins_only(app: FastAPI, user: str | None) -> None:
    client = TestClient(app)
    csrf = login(client, user) if user is not None else "none"
    listed = client.get("/api/v1/users")
    added = client.post("/api/v1/users", headers={"X-CSRF-Token": csrf},
                        json={"username": f"new_{user}", "role": "national", "password": "x" * 12})
    want_list = 401 if user is None else 200 if user == "adm" else 403
    assert listed.status_code == want_list
    assert added.status_code == (201 if user == "adm" else want_list)
    if user == "adm":
        assert "password" not in listed.text and "argon2" not in listed.text


def test_admin_adds_and_disables_accounts_over_http(app: FastAPI) -> None:
    admin = TestClient(app)
    csrf = login(admin, "adm")
    no_token = admin.post("/api/v1/users", json={"username": "x", "role": "national", "password": "y" * 12})
    assert no_token.status_code == 403  # CSRF token required
    bad = admin.post("/api/v1/users", headers={"X-CSRF-Token": csrf},
                     json={"username": "a2", "role": "analyst", "password": "y" * 12})
    assert bad.status_code == 422  # an analyst without sources does not fit the document
    ok = admin.post("/api/v1/users", headers={"X-CSRF-Token": csrf},
                    json={"username": "a2", "role": "analyst", "sources": ["LA1"], "password": "y" * 12})
    assert ok.status_code == 201 and ok.json()["sources"] == ["LA1"]
    other = TestClient(app)
    login(other, "a2", "y" * 12)
    r = admin.post("/api/v1/users/a2/disable", headers={"X-CSRF-Token": csrf})
    assert r.json() == {"username": "a2", "sessions_ended": 1}
    assert other.get("/api/v1/summary").status_code == 401
    again = admin.post("/api/v1/users", headers={"X-CSRF-Token": csrf},
                       json={"username": "a2", "role": "national", "password": "y" * 12})
    assert again.status_code == 409
    assert admin.post("/api/v1/users/nobody/disable", headers={"X-CSRF-Token": csrf}).status_code == 404


def test_national_summary_hides_enough_that_a_small_source_cannot_be_worked_back() -> None:
    """The summary publishes each source's count and the total: one small source hidden alone beside
    the others and the total is given away by subtraction, so a second cell goes too."""
    from clearpicture.web.api import SourceSummary, Summary, protected_summary

    figures = Summary(tables={"persons": 1005, "events": 800},
                      sources=[SourceSummary(source="A", name=None, kind=None, persons=1000, events=500),
                               SourceSummary(source="B", name=None, kind=None, persons=5, events=300)])
    shown = protected_summary(figures)
    persons = {s.source: s.persons for s in shown.sources}
    assert persons["B"] is None
    assert persons["A"] is None or shown.tables["persons"] is None, (persons, shown.tables)


def test_a_purpose_naming_the_person_keeps_their_details_out_of_the_log(app: FastAPI, client: TestClient) -> None:
    """The log must outlive an erasure without holding the erased person's details: a purpose that
    names the person opened ('review of Zebedee Quillfeather, 07700900123') is kept with those
    details masked, the rest of it as written."""
    from trustworld import ERASED

    login(client, "ana_pf1")
    purpose = f"review of {ERASED['forename']} {ERASED['surname']} ({ERASED['phone']}) for the strategy meeting"
    r = client.get(f"/api/v1/persons/PF1/{ERASED['person_id']}", params={"purpose": purpose})
    assert r.status_code == 200
    logged = str(audit_rows(app)[-1][4])
    for secret in (ERASED["forename"], ERASED["surname"], ERASED["phone"]):
        assert secret not in logged, logged
    assert logged.startswith("review of ") and logged.endswith("for the strategy meeting") and "\u2588" in logged
