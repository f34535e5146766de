"""The dashboard driven in Chromium (Playwright): sign in, filter, network, path, review, language.

Runs uvicorn on loopback against a copy of the small world and saves a screenshot of each page to
docs/screenshots/. Skipped when /usr/bin/chromium or Playwright is absent. Never downloads browsers.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(small_world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from clearpicture.security.users import add_user
    from clearpicture.web import create_app

    store = small_world.copy(tmp_path_factory.mktemp("browser"))
    add_user(store, "admin", "admin", PASSWORD)
    path = store.path
    store.close()
    app = create_app(path)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    app.state.db.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(pg)
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def sign_in(pg: Page) -> None:
    """Sign in as a person does: type into the form's fields and press its button.

    A wrong password first: the form answers with its message and no session; then the right one,
    which lands on the overview with an HttpOnly session cookie.
    """
    pg.goto("/login")
    expect(pg.locator("h1")).to_have_text("Sign in")
    pg.fill("#username", "admin")
    pg.fill("#password", "not the password")
    with pg.expect_navigation():
        pg.click("form.login button[type=submit]")
    expect(pg.locator("p.error[role=alert]")).to_be_visible()
    assert not [c for c in pg.context.cookies() if c["name"] == "cp_session"]
    pg.goto("/login")  # a fresh form (new sign-in token), for the screenshot too
    pg.fill("#username", "admin")
    pg.fill("#password", PASSWORD)
    shot(pg, "login")
    with pg.expect_navigation():
        pg.click("form.login button[type=submit]")
    assert not pg.url.endswith("/login"), pg.url
    expect(pg.locator("header.site .who")).to_contain_text("admin")
    cookie = [c for c in pg.context.cookies() if c["name"] == "cp_session"]
    assert cookie and cookie[0]["httpOnly"] and cookie[0]["sameSite"] == "Strict"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_overview_and_facet_filter(page: Page) -> None:
    page.goto("/")  # where signing in lands
    page.click("#open-dashboard")
    expect(page.locator("h1")).to_have_text("Overview")
    rows = page.locator("#sources-table tbody tr")
    total = rows.count()
    assert total > 1
    first = rows.first.locator("td").first.inner_text()
    page.select_option("#facets select[name=source]", first)
    page.wait_for_url(f"**source={first}**")
    expect(page.locator("#sources-table tbody tr")).to_have_count(1)
    shot(page, "overview")


def test_group_network_timeline_and_path(page: Page) -> None:
    page.goto("/dashboard/groups")
    shot(page, "groups")
    page.locator("#groups tbody a").first.click()
    page.fill("#purpose", "browser test: strategy meeting")
    page.click("#purpose-form button")
    page.wait_for_selector("#network-section.ready")
    assert page.evaluate("window.cpDash.cy.nodes().length") > 1
    assert page.evaluate("window.cpDash.cy.nodes('.object, .location, .event').length") > 0
    expect(page.locator("#timeline li").first).to_be_visible()
    page.locator("#centrality tbody tr").first.click()
    assert page.evaluate("window.cpDash.cy.nodes('.highlight').length") == 1
    # a path between the first suspect and the first other entity it can reach
    target = page.evaluate("""() => { const cy = window.cpDash.cy; const a = document.getElementById('path-a').value;
        const reach = cy.elements().bfs({roots: cy.getElementById(a)}).path.nodes('.person');
        const b = reach.filter(n => n.id() !== a).last(); return b.empty() ? null : b.id(); }""")
    assert target is not None
    page.select_option("#path-b", target)
    page.click("#path-form button")
    expect(page.locator("#path-result")).to_contain_text("Path (")
    assert page.evaluate("window.cpDash.cy.nodes('.highlight').length") >= 2
    page.evaluate("document.getElementById('network-section').scrollIntoView()")
    shot(page, "group")
    page.fill("#time-from", "2000-01-01")
    page.fill("#time-to", "2000-12-31")
    page.click("#time-apply")
    assert page.evaluate("window.cpDash.cy.edges('.hidden').length") > 0
    expect(page.locator("#timeline li:visible")).to_have_count(0)
    # Cytoscape's own injected stylesheet is refused by style-src 'self' (harmless: dash.css sets the
    # container style); no script may be refused.
    assert not [e for e in page.errors if "script-src" in e], page.errors  # type: ignore[attr-defined]


def test_review_pair_confirmed(page: Page) -> None:
    page.goto("/dashboard/review?purpose=browser+test")
    if page.locator("#queue-empty").count():
        shot(page, "review")
        pytest.skip("review queue empty")
    pair = page.locator("li.pair").first
    pair.locator("button.explain").click()
    expect(pair.locator(".explain-box table")).to_be_visible()
    shot(page, "review")
    pair.locator("input[name=reason]").fill("same date of birth and phone")
    pair.locator("button[value=confirm]").click()
    expect(page.locator(".done")).to_contain_text("confirm")


def test_language_note_finding(page: Page) -> None:
    page.goto("/dashboard/language")
    page.fill("#note", "Officers noted she was putting herself at risk by going to the flat.")
    page.click("#review-form button")
    expect(page.locator("mark.finding").first).to_contain_text("putting herself at risk")
    expect(page.locator("ol.findings li").first).to_contain_text("Why:")
    shot(page, "language")


def test_other_pages_render(page: Page) -> None:
    for path, name in [("/dashboard/quality", "quality"), ("/dashboard/definitions", "definitions"),
                       ("/dashboard/estimate", "estimate")]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        shot(page, name)
