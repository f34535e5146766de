"""Every table a dashboard page shows offers a CSV download, and the download holds that table's rows.

The test walks the pages an admin can open (person pages included, the review queue's match weights
too), finds each table and the download form that follows it, submits the form with a purpose the
way a browser would (the form's action, its hidden fields, the purpose typed in) and compares the
file with the table on the page, row by row. Each download must be logged as a disclosure.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clearpicture.security.users import add_user
from clearpicture.web import create_app

PASSWORD = "correct horse battery"


@dataclass
class Table:
    where: str
    rows: list[str] = field(default_factory=list)  # text of each body row (empty-state rows left out)
    form: dict[str, Any] | None = None  # the download form that follows it


class _Walker(HTMLParser):
    """Tables (and the group timeline list) in page order, each with the CSV form after it."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where, self.tables, self._open = where, [], None
        self._row: list[str] | None = None
        self._colspan = False
        self._head = False
        self._form: dict[str, Any] | None = None
        self.tables: list[Table]
        self._open: Table | None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" or (tag == "ol" and a.get("id") == "timeline"):
            self._open = Table(self.where)
            self.tables.append(self._open)
        elif tag in ("tr", "li") and self._open is not None and self._open.form is None:
            self._row, self._colspan = [], False
        elif tag == "thead":
            self._head = True
        elif tag == "td" and a.get("colspan"):
            self._colspan = True
        elif tag == "form" and "csv" in (a.get("class") or "").split():
            self._form = {"action": a.get("action") or "", "fields": {}}
        elif tag == "input" and self._form is not None and a.get("type") == "hidden":
            self._form["fields"][a["name"]] = a.get("value") or ""

    def handle_data(self, data: str) -> None:
        if self._row is not None:
            self._row.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("tr", "li") and self._row is not None and self._open is not None:
            text = " ".join("".join(self._row).split())
            if not self._colspan and not self._head:
                self._open.rows.append(text)
            self._row = None
        elif tag == "thead":
            self._head = False
        elif tag == "form" and self._form is not None:
            if self._open is not None and self._open.form is None:
                self._open.form = self._form
            self._form = None


def walk(html: str, where: str) -> list[Table]:
    w = _Walker(where)
    w.feed(html)
    return w.tables


@pytest.fixture(scope="module")
def app(small_world: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    store = small_world.copy(tmp_path_factory.mktemp("downloads"))
    add_user(store, "adm", "admin", PASSWORD)
    application = create_app(store)
    yield application
    application.state.db.close()


def pages(app: FastAPI, c: TestClient) -> list[tuple[str, str]]:
    """(address, html) of every dashboard page with tables, as an admin sees them."""
    with app.state.db.reading() as store:
        gid = str(store.sql("SELECT group_id FROM group_summary ORDER BY offenders + victims DESC LIMIT 1")[0][0])
        eid = str(store.sql("""SELECT m.entity_id FROM group_members m WHERE group_id = ?
            AND EXISTS (SELECT 1 FROM edge_evidence e WHERE e.entity_a = m.entity_id)
            ORDER BY degree DESC LIMIT 1""", [gid])[0][0])
    out = []
    for path in ["/dashboard", "/dashboard/quality", "/dashboard/definitions", "/dashboard/estimate",
                 "/dashboard/language", "/dashboard/language?category=all", "/dashboard/groups",
                 f"/dashboard/groups/{gid}?purpose=download+test", f"/dashboard/entities/{eid}?purpose=download+test"]:
        r = c.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 200, path
        out.append((path, r.text))
    review = c.get("/dashboard/review", params={"purpose": "download test"}).text
    explain = re.findall(r'hx-get="([^"]+)"', review)
    assert explain, "the small world has pairs to review"
    path = explain[0].replace("&amp;", "&")
    r = c.get(path)
    assert r.status_code == 200
    out.append((path, r.text))
    return out


def download(c: TestClient, page: str, form: dict[str, Any]) -> list[list[str]]:
    target = form["action"] or urlsplit(page).path
    r = c.get(target, params={**form["fields"], "purpose": "download test"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv"), (page, form, r.text[:200])
    rows = list(csv.reader(io.StringIO(r.text)))
    assert "OFFICIAL-SENSITIVE" in rows[0][0]
    return rows[1:]


def test_every_table_has_a_download_that_returns_its_rows(app: FastAPI) -> None:
    c = TestClient(app, base_url="http://testserver")
    assert c.post("/login", data={"username": "adm", "password": PASSWORD}).status_code == 200
    with app.state.db.reading() as store:
        before = store.count("audit_log")
    tables = [t for path, html in pages(app, c) for t in walk(html, path)]
    assert len(tables) >= 17  # overview 2, quality 3, definitions 1, estimate 3, language 2, groups 1,
    #                           group 3 (timeline included), entity 2 or more, match weights 1
    missing = [t.where for t in tables if t.form is None]
    assert not missing, f"tables without a CSV download on {missing}"
    checked_rows = 0
    for t in tables:
        assert t.form is not None and t.form["fields"].get("format") == "csv"
        header, *data = download(c, t.where, t.form)
        assert header and all(header), t.where
        assert len(data) == len(t.rows), (t.where, t.form["fields"], len(data), len(t.rows))
        for csv_row, text in zip(data, t.rows, strict=True):
            assert any(v and v.lstrip("'") in text for v in csv_row), (t.where, csv_row, text)
        checked_rows += len(data)
    assert checked_rows > 100
    with app.state.db.reading() as store:
        logged = store.dicts("SELECT what, justification, allowed FROM audit_log WHERE seq > ? AND "
                             "action = 'disclosure' ORDER BY seq", [before])
    assert len(logged) == len(tables) and all(r["allowed"] and r["justification"] == "download test" for r in logged)
    # Tables about people name them in the disclosure (by keyed reference), so an erasure finds the copy.
    people = [r for r in logged if '"entity_id"' in r["what"] or '"group_id"' in r["what"]]
    assert people and all('"person_refs": ["p:' in r["what"] for r in people)


def test_a_download_of_a_persons_table_needs_a_purpose_and_scope(app: FastAPI) -> None:
    with app.state.db.writing() as store:
        add_user(store, "nat2", "national", PASSWORD)
    c = TestClient(app, base_url="http://testserver")
    assert c.post("/login", data={"username": "nat2", "password": PASSWORD}).status_code == 200
    with app.state.db.reading() as store:
        gid = str(store.sql("SELECT group_id FROM group_summary LIMIT 1")[0][0])
        eid = str(store.sql("SELECT entity_id FROM group_members LIMIT 1")[0][0])
    for path in (f"/dashboard/groups/{gid}", f"/dashboard/entities/{eid}"):
        r = c.get(path, params={"format": "csv", "table": "evidence", "purpose": "national return"})
        assert r.status_code == 403 and not r.headers["content-type"].startswith("text/csv"), path
    a = TestClient(app, base_url="http://testserver")
    assert a.post("/login", data={"username": "adm", "password": PASSWORD}).status_code == 200
    assert a.get(f"/dashboard/entities/{eid}", params={"format": "csv", "table": "evidence"}).status_code == 400
