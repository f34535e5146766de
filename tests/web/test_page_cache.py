"""Page models cached per data version: computed once, every view still logged, fresh after a run
or an erasure; audit rows of concurrent views share commits without losing or reordering any."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from clearpicture.security import audit, local_operator
from clearpicture.security.erasure import erase_person
from clearpicture.security.users import add_user
from clearpicture.web import create_app
from clearpicture.web import db as db_module

PASSWORD = "correct horse battery"


@pytest.fixture()
def world_app(small_world: Any, tmp_path: Path) -> Iterator[FastAPI]:
    store = small_world.copy(tmp_path)
    add_user(store, "adm", "admin", PASSWORD)
    app = create_app(store)
    yield app
    app.state.db.close()


def signed_in(app: FastAPI) -> TestClient:
    c = TestClient(app, base_url="http://testserver")
    assert c.post("/login", data={"username": "adm", "password": PASSWORD}).status_code == 200
    return c


def consultations(app: FastAPI) -> list[dict[str, Any]]:
    with app.state.db.reading() as store:
        return store.dicts("SELECT seq, actor, what, justification, allowed FROM audit_log "
                           "WHERE action = 'consultation' ORDER BY seq")


def largest_group(app: FastAPI) -> str:
    with app.state.db.reading() as store:
        return str(store.sql("SELECT group_id FROM group_summary ORDER BY offenders + victims DESC LIMIT 1")[0][0])


def test_a_group_model_is_computed_once_but_every_view_is_logged(world_app: FastAPI) -> None:
    c, gid, pages = signed_in(world_app), largest_group(world_app), world_app.state.db.pages
    before, computed = len(consultations(world_app)), pages.computed
    bodies = [c.get(f"/dashboard/groups/{gid}", params={"purpose": f"review {i}"}).text for i in range(3)]
    assert c.get(f"/dashboard/groups/{gid}/network.json", params={"purpose": "review"}).status_code == 200
    assert pages.computed == computed + 1
    assert bodies[0].replace("review%200", "") == bodies[2].replace("review%202", "")  # same tables each time
    rows = consultations(world_app)[before:]
    assert [(r["justification"], r["allowed"]) for r in rows] == [
        ("review 0", True), ("review 1", True), ("review 2", True), ("review", True)]
    assert all(f'"group_id": "{gid}"' in r["what"] for r in rows)


def test_a_stage_run_makes_the_next_view_recompute(world_app: FastAPI) -> None:
    c, gid, pages = signed_in(world_app), largest_group(world_app), world_app.state.db.pages
    c.get(f"/dashboard/groups/{gid}", params={"purpose": "p"})
    computed = pages.computed
    c.get(f"/dashboard/groups/{gid}", params={"purpose": "p"})
    assert pages.computed == computed
    with world_app.state.db.writing() as store, store.run("cache-test", {}) as result:
        result.counts["rows"] = 0
    c.get(f"/dashboard/groups/{gid}", params={"purpose": "p"})
    assert pages.computed == computed + 1


def test_an_erased_person_is_gone_from_cached_pages_at_the_next_request(world_app: FastAPI) -> None:
    c = signed_in(world_app)
    with world_app.state.db.reading() as store:
        entity, source, person = store.sql("""SELECT m.entity_id, any_value(p.source), any_value(p.person_id)
            FROM group_members m JOIN entity_persons p USING (entity_id) GROUP BY 1 HAVING count(*) = 1
            ORDER BY 1 LIMIT 1""")[0]
    page = c.get(f"/dashboard/entities/{entity}", params={"purpose": "check"})
    api = c.get(f"/api/v1/persons/{source}/{person}", params={"purpose": "check"})
    assert page.status_code == 200 and f"{source}/{person}" in page.text and api.status_code == 200
    with world_app.state.db.writing() as store:
        erase_person(store, local_operator(), str(source), str(person), "test of the page cache")
    assert c.get(f"/dashboard/entities/{entity}", params={"purpose": "check"}).status_code == 404
    assert c.get(f"/api/v1/persons/{source}/{person}", params={"purpose": "check"}).status_code == 404


def test_concurrent_audit_rows_share_commits_and_each_is_written_once(world_app: FastAPI,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    db = world_app.state.db
    slow = db_module.record_many

    def slow_commit(store: Any, entries: Any) -> list[int]:
        time.sleep(0.05)  # the first commit is still running while the other requests queue
        return slow(store, entries)

    monkeypatch.setattr(db_module, "record_many", slow_commit)
    with db.reading() as store:
        before = store.count("audit_log")
    batches = db._audit.batches
    results: dict[int, list[int]] = {}

    def view(i: int) -> None:
        results[i] = db.audit_many([audit.Entry("tester", "consultation", {"view": f"t{i}", "part": k})
                                    for k in range(2)])

    threads = [threading.Thread(target=view, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.reading() as store:
        rows = store.sql("SELECT seq, what FROM audit_log WHERE seq > ? ORDER BY seq", [before])
        assert audit.verify(store).ok
    assert len(rows) == 24 and db._audit.batches - batches < 12  # fewer commits than requests
    by_seq = dict(rows)
    for i, seqs in results.items():  # each request got back its own rows, in its order, contiguous
        assert [by_seq[s] for s in seqs] == [f'{{"part": {k}, "view": "t{i}"}}' for k in range(2)]
        assert seqs[1] == seqs[0] + 1


def test_a_failed_commit_fails_every_request_in_it_and_writes_nothing(world_app: FastAPI,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = world_app.state.db

    def broken(store: Any, entries: Any) -> list[int]:
        raise OSError("disk full")

    with db.reading() as store:
        before = store.count("audit_log")
    monkeypatch.setattr(db_module, "record_many", broken)
    with pytest.raises(OSError, match="disk full"):
        db.audit(audit.Entry("tester", "consultation", {"view": "x"}))
    c = signed_in(world_app)
    with pytest.raises(OSError):  # the page is not served without its row
        c.get(f"/dashboard/groups/{largest_group(world_app)}", params={"purpose": "p"})
    monkeypatch.undo()
    assert db.audit(audit.Entry("tester", "consultation", {"view": "y"})) > 0
    with db.reading() as store:  # nothing from the failed commits; then "y"
        assert store.sql("SELECT what FROM audit_log WHERE seq > ?", [before]) == [('{"view": "y"}',)]


def test_a_session_is_read_again_after_any_write_and_not_past_its_timeout(world_app: FastAPI,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    from clearpicture.security.sessions import SessionPolicy

    loads: list[str] = []
    real = db_module.load_session

    def counting(*args: Any, **kwargs: Any) -> Any:
        loads.append("x")
        return real(*args, **kwargs)

    monkeypatch.setattr(db_module, "load_session", counting)
    c = signed_in(world_app)
    token = c.cookies["cp_session"]
    db, policy = world_app.state.db, SessionPolicy()
    now = datetime.now(UTC).replace(tzinfo=None)
    first = db.session(token, policy, now)
    assert first is not None and db.session(token, policy, now) is first and len(loads) == 1
    with db.writing():  # any write (here: none at all) makes the next request read it again
        pass
    assert db.session(token, policy, now) is not None and len(loads) == 2
    assert first.expires_at is not None
    assert db.session(token, policy, first.expires_at + timedelta(seconds=1)) is None  # timed out: asked again
    assert len(loads) == 3
    with db.writing() as store:
        store.execute("UPDATE users SET active = false WHERE username = 'adm'")
    assert db.session(token, policy, now) is None
