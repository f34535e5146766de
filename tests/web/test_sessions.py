"""Sessions, cookies, CSRF, re-authentication, timeouts and security headers."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from trustworld import PASSWORD
from webworld import login, make_store

from clearpicture.security import users as users_module
from clearpicture.security.users import disable_user
from clearpicture.web import create_app


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_the_session(client: TestClient) -> None:
    r = client.post("/login", data={"username": "adm", "password": PASSWORD})
    cookie = r.headers["set-cookie"]
    assert "cp_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http in tests
    token = client.cookies.get("cp_session")
    assert client.get("/api/v1/summary").status_code == 200
    assert client.post("/logout").status_code == 204
    client.cookies.set("cp_session", token)  # replaying the old cookie does not work
    assert client.get("/api/v1/summary").status_code == 401


def test_cookie_is_secure_over_https(app: FastAPI) -> None:
    c = TestClient(app, base_url="https://testserver")
    r = c.post("/login", data={"username": "adm", "password": PASSWORD})
    assert "Secure" in r.headers["set-cookie"]
    assert "max-age" in r.headers["strict-transport-security"]


def test_wrong_password_and_unknown_user_get_the_same_answer(client: TestClient) -> None:
    a = client.post("/login", data={"username": "adm", "password": "wrong wrong wrong"})
    b = client.post("/login", data={"username": "ghost", "password": "wrong wrong wrong"})
    assert a.status_code == b.status_code == 401 and a.json() == b.json()
    assert "cp_session" not in client.cookies


def test_login_is_throttled(client: TestClient) -> None:
    for _ in range(5):
        assert client.post("/login", data={"username": "nat", "password": "nope nope nope"}).status_code == 401
    r = client.post("/login", data={"username": "nat", "password": PASSWORD})
    assert r.status_code == 429 and r.headers["retry-after"]


def test_browser_sign_in_uses_a_form_token_and_redirects(client: TestClient) -> None:
    page = client.get("/login", headers={"accept": "text/html"})
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    form_token = client.cookies.get("cp_login_csrf")
    bad = client.post("/login", data={"username": "adm", "password": PASSWORD, "csrf_token": "forged"},
                      headers={"accept": "text/html"})
    assert bad.status_code == 403
    client.cookies.set("cp_login_csrf", form_token)
    ok = client.post("/login", data={"username": "adm", "password": PASSWORD, "csrf_token": form_token},
                     headers={"accept": "text/html"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"


def test_cross_site_posts_are_refused(client: TestClient) -> None:
    r = client.post("/login", data={"username": "adm", "password": PASSWORD},
                    headers={"origin": "https://evil.example"})
    assert r.status_code == 403 and "cp_session" not in client.cookies
    r = client.post("/login", data={"username": "adm", "password": PASSWORD},
                    headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    same = client.post("/login", data={"username": "adm", "password": PASSWORD},
                       headers={"origin": "http://testserver"})
    assert same.status_code == 200
    behind_tls_proxy = client.post("/login", data={"username": "adm", "password": PASSWORD},
                                   headers={"origin": "https://testserver"})
    assert behind_tls_proxy.status_code == 200
    lookalike = client.post("/login", data={"username": "adm", "password": PASSWORD},
                            headers={"origin": "http://testserver.evil.example"})
    assert lookalike.status_code == 403


def test_reauth_needs_csrf_token_and_password(client: TestClient) -> None:
    csrf = login(client, "adm")
    assert client.post("/reauth", data={"password": PASSWORD}).status_code == 403
    assert client.post("/reauth", data={"password": "wrong wrong", "csrf_token": csrf}).status_code == 401
    assert client.post("/reauth", data={"password": PASSWORD, "csrf_token": csrf}).status_code == 204
    assert client.post("/reauth", data={"password": PASSWORD}, headers={"X-CSRF-Token": csrf}).status_code == 204


def test_idle_and_absolute_timeouts_end_sessions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from clearpicture.security.sessions import SessionPolicy

    app = create_app(make_store(tmp_path / "ws.duckdb"), session_policy=SessionPolicy(idle=timedelta(0)))
    c = TestClient(app)
    login(c, "adm")
    assert c.get("/api/v1/summary").status_code == 401
    app.state.session_policy = SessionPolicy(absolute=timedelta(0))
    login(c, "adm")
    assert c.get("/api/v1/summary").status_code == 401
    app.state.db.close()


def test_disabling_a_user_ends_their_live_session(app: FastAPI, client: TestClient) -> None:
    login(client, "ana_pf1")
    assert client.get("/api/v1/summary").status_code == 200
    with app.state.db.writing() as store:
        disable_user(store, "ana_pf1")
    assert client.get("/api/v1/summary").status_code == 401


def test_security_headers_on_pages_api_and_errors(client: TestClient) -> None:
    for r in (client.get("/login", headers={"accept": "text/html"}), client.get("/api/v1/summary"),
              client.get("/no/such/page"), client.get("/openapi.json")):
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"


def test_pages_have_no_inline_script(client: TestClient) -> None:
    login(client, "adm")
    for path in ("/", "/login"):
        html = client.get(path, headers={"accept": "text/html"}).text
        assert "<script>" not in html and "onclick" not in html.lower() and "style=" not in html
    assert client.get("/static/app.css").status_code == 200


def test_openapi_document_lists_the_api(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert {"/api/v1/summary", "/api/v1/persons/{source}/{person_id}", "/login", "/logout"} <= set(doc["paths"])
    assert client.get("/docs").status_code == 404


def test_an_unexpected_error_still_carries_security_headers(app: FastAPI) -> None:
    from fastapi import APIRouter

    boom = APIRouter()

    @boom.get("/boom-test")
    def explode() -> None:
        raise RuntimeError("secret detail")

    app.include_router(boom)
    r = TestClient(app, raise_server_exceptions=False).get("/boom-test")
    assert r.status_code == 500 and "secret detail" not in r.text
    assert r.headers["content-security-policy"] and r.headers["x-content-type-options"] == "nosniff"


def test_opaque_origin_is_accepted_only_when_fetch_metadata_says_same_origin(client: TestClient) -> None:
    # Browsers send "Origin: null" for our own forms because every page says no-referrer.
    own_form = client.post("/login", data={"username": "adm", "password": PASSWORD},
                           headers={"origin": "null", "sec-fetch-site": "same-origin"})
    assert own_form.status_code == 200
    sandboxed = client.post("/login", data={"username": "adm", "password": PASSWORD}, headers={"origin": "null"})
    assert sandboxed.status_code == 403


def test_concurrent_guesses_cannot_outrun_the_throttle(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Password guesses sent at once must not all be checked before any is counted: only
    MAX_FAILURES of them get a password check in the window, the rest are refused (429)."""
    slow_hasher = users_module.PASSWORD_HASHER

    class Slow(type(slow_hasher)):  # type: ignore[misc]
        def verify(self, hash: str, password: str | bytes) -> bool:  # noqa: A002
            time.sleep(0.2)  # a real argon2id check takes this long; the race needs it
            return bool(super().verify(hash, password))

    monkeypatch.setattr(users_module, "PASSWORD_HASHER", Slow(time_cost=1, memory_cost=8, parallelism=1))

    def guess(i: int) -> int:
        c = TestClient(app, base_url="http://testserver")
        return c.post("/login", data={"username": "adm", "password": f"wrong guess {i}"}).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(guess, range(12)))
    assert codes.count(401) <= users_module.MAX_FAILURES, codes
    assert codes.count(429) >= 12 - users_module.MAX_FAILURES, codes
    ok = TestClient(app, base_url="http://testserver").post("/login", data={"username": "adm", "password": PASSWORD})
    assert ok.status_code == 429  # still throttled for the window
