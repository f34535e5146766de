"""Many requests at once: reads run side by side, writes queue through the one writer, and the
audit chain stays whole with exactly one row per request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webworld import login

from clearpicture.security import audit


def test_concurrent_consultations_each_log_one_row_and_keep_the_chain(app: FastAPI) -> None:
    clients = []
    for user in ("adm", "ana_pf1", "ana_la1", "nat"):
        c = TestClient(app)
        login(c, user)
        clients.append(c)
    with app.state.db.reading() as store:
        before = store.count("audit_log")
    paths = ["/api/v1/persons/PF1/PF1-P-2", "/api/v1/persons/LA1/LA1-C-2", "/api/v1/summary"]

    def hammer(c: TestClient) -> list[int]:
        return [c.get(p, params={"purpose": "load test"}).status_code for _ in range(8) for p in paths]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(hammer, clients))
    assert all(code in (200, 403) for codes in results for code in codes)
    assert results[0].count(200) == 24  # admin: everything
    assert results[3].count(403) == 16  # national: no person records
    with app.state.db.reading() as store:
        assert store.count("audit_log") - before == 4 * 8 * 2  # person views only, one row each
        assert audit.verify(store).ok


def test_a_slow_password_check_does_not_hold_the_writer(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from clearpicture.security import users as users_module

    real = users_module.PASSWORD_HASHER
    checking = threading.Event()

    class SlowHasher:
        def verify(self, stored: str, password: str) -> bool:
            checking.set()
            time.sleep(1.0)
            return bool(real.verify(stored, password))

        def hash(self, password: str) -> str:
            return str(real.hash(password))

    monkeypatch.setattr(users_module, "PASSWORD_HASHER", SlowHasher())
    worker = threading.Thread(target=lambda: login(TestClient(app), "adm"))
    worker.start()
    assert checking.wait(5)
    started = time.perf_counter()
    with app.state.db.writing() as store:  # an audit row or session write meanwhile
        store.execute("SELECT 1")
    waited = time.perf_counter() - started
    worker.join()
    assert waited < 0.5


def test_reads_follow_an_attached_workspace(tmp_path: pytest.TempPathFactory) -> None:
    """An encrypted workspace is ATTACHed and selected with USE: read cursors must follow it."""
    import duckdb

    from clearpicture.store import Store
    from clearpicture.web.db import Database

    Store(f"{tmp_path}/ws.duckdb").close()
    store = Store.__new__(Store)
    store.__dict__.update({"path": f"{tmp_path}/ws.duckdb", "_depth": 0, "con": duckdb.connect()})
    store.con.execute(f"ATTACH '{tmp_path}/ws.duckdb' AS ws")
    store.con.execute("USE ws")
    db = Database(store)
    with db.reading() as reader:
        assert reader.count("raw_persons") == 0 and reader.has_table("audit_log")
    db.close()
