"""The estimate page: the latest run only (the tables keep every run), and what partners get for
roles without true counts (observed protected, fit statistics left out, patterns protected)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clearpicture.security.users import add_user
from clearpicture.web import create_app

PASSWORD = "correct horse battery"


@pytest.fixture()
def app(small_world: Any, tmp_path: Path) -> Iterator[FastAPI]:
    store = small_world.copy(tmp_path)
    add_user(store, "adm", "admin", PASSWORD)
    add_user(store, "nat", "national", PASSWORD)
    # An older estimate run left in the tables, as a re-run leaves the previous one.
    store.execute("""INSERT INTO runs SELECT 'old-estimate', stage, parameters, version, started_at - INTERVAL 1 DAY,
                     finished_at - INTERVAL 1 DAY, status, counts FROM runs WHERE stage = 'estimate'""")
    store.execute("""INSERT INTO estimate_results SELECT * REPLACE ('old-estimate' AS run_id, 'OLD-MODEL' AS model)
                     FROM estimate_results""")
    store.execute("INSERT INTO estimate_models SELECT * REPLACE ('old-estimate' AS run_id, 'OLD-MODEL' AS model) "
                  "FROM estimate_models")
    application = create_app(store)
    yield application
    application.state.db.close()


def signed_in(app: FastAPI, name: str) -> TestClient:
    c = TestClient(app, base_url="http://testserver")
    assert c.post("/login", data={"username": name, "password": PASSWORD}).status_code == 200
    return c


def cells(html: str, table_id: str, column: int) -> list[str]:
    """Text of one column of the body of the table with ``id``."""
    tables = re.findall(r"(<table[^>]*>.*?)</table>", html, re.S)
    body = next(t for t in tables if f'id="{table_id}"' in t.split(">", 1)[0])
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[-1], re.S)
    return [re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)[column]).strip() for r in rows]


def test_the_page_shows_the_latest_run_only(app: FastAPI) -> None:
    c = signed_in(app, "adm")
    html = c.get("/dashboard/estimate").text
    assert "OLD-MODEL" not in html
    with app.state.db.reading() as store:
        strata = [r[0] for r in store.sql("SELECT stratum FROM estimate_results WHERE run_id <> 'old-estimate' "
                                          "ORDER BY stratum")]
    assert cells(html, "estimate", 0) == strata
    csv_rows = c.get("/dashboard/estimate", params={"format": "csv", "table": "models", "purpose": "t"}).text
    assert "OLD-MODEL" not in csv_rows and csv_rows.count("\n") > 2


def test_roles_without_true_counts_get_the_partner_figures(app: FastAPI) -> None:
    with app.state.db.reading() as store:
        observed = store.sql("SELECT observed FROM estimate_results WHERE run_id <> 'old-estimate' "
                             "AND stratum = 'all'")[0][0]
        aics = [f"{a:.1f}" for (a,) in store.sql("SELECT aic FROM estimate_models WHERE aic IS NOT NULL "
                                                 "AND run_id <> 'old-estimate'")]
    html = signed_in(app, "nat").get("/dashboard/estimate").text
    admin_html = signed_in(app, "adm").get("/dashboard/estimate").text
    assert aics and all(a in cells(admin_html, "models", 2) for a in aics[:3])
    assert set(cells(html, "models", 2)) == {"-"}  # no fit statistics: they are functions of the cells
    shown = cells(html, "estimate", 2)[0]
    assert shown == "*" if observed < 10 else int(shown) % 5 == 0
    counts = cells(html, "patterns", 3)
    assert counts and all(x == "*" or int(x) >= 10 for x in counts)
    assert "suppressed" in html  # the page says disclosure control was applied
