"""Web dashboard latency under concurrent users (loopback only, bounded request count).

Copies a built workspace (default: the medium world, seed 7, built by tests/world.py if absent),
adds one admin account, serves it with uvicorn in a child process on 127.0.0.1, signs in USERS
sessions with httpx, and sends REQUESTS requests per page from USERS concurrent clients with no
think time (a closed loop: each client sends its next request as soon as the last one answers).
Prints p50/p95/p99 latency per page, throughput, the server's and the load generator's CPU seconds
per page, and the ratio to the baseline measured in the same run (GET /static/app.css, a file
served without session, database or template). Target: p95 < 300 ms for overview, group and
entity with 20 users on the medium world.

"first ms" is the first request to each page after start-up (its page model computed, not
cached). "entity (distinct)" cycles through every member of the twenty largest groups, so most of
its requests are a person's first view. After the run the copy's audit log is verified and the
consultation rows counted against the person-page views sent: every view must have its row.

    .venv/bin/python benchmarks/web.py [--db WORKSPACE] [--users 20] [--requests 200] [--think 0]

``--think S`` makes each user pause a random 0.5 S to 1.5 S (seeded) after each answer before the
next request, as an analyst reading a page would; the default 0 is the closed loop the target is
stated for.

To compare with an earlier version under the same machine load, run it again with that version's
source first on the path (``git archive COMMIT src | tar -x -C DIR``, then ``PYTHONPATH=DIR/src``):
the server child inherits the environment, and the first line printed names the code measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password 1"
TARGET_MS = 300.0
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Page:
    paths: list[str]
    logged_rows_per_view: int = 0  # consultation rows each view must write
    times: list[float] = field(default_factory=list)
    first_ms: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    wall: float = 0.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _workspace(db: Path | None) -> Path:
    if db is not None:
        return db
    sys.path.insert(0, str(ROOT / "tests"))
    from world import build_world  # type: ignore[import-not-found]

    return Path(build_world(ROOT / "bench-data", "medium", 7).db)


def _prepare(src: Path, folder: Path) -> tuple[Path, str, str, list[str]]:
    from clearpicture.security.users import add_user
    from clearpicture.store import Store

    target = folder / "web.duckdb"
    shutil.copy(src, target)
    with Store(target) as store:
        add_user(store, "bench", "admin", PASSWORD)
        gid = store.sql("SELECT group_id FROM group_summary ORDER BY offenders + victims DESC LIMIT 1")[0][0]
        eid = store.sql("SELECT entity_id FROM group_members WHERE group_id = ? ORDER BY degree DESC LIMIT 1",
                        [gid])[0][0]
        many = [str(r[0]) for r in store.sql(
            """SELECT DISTINCT entity_id FROM group_members WHERE group_id IN (
                   SELECT group_id FROM group_summary ORDER BY offenders + victims DESC LIMIT 20)
               ORDER BY entity_id""")]
    return target, str(gid), str(eid), many


def _records_per_entity(db: Path, entities: list[str]) -> dict[str, int]:
    from clearpicture.store import Store

    with Store(db, read_only=True) as store:
        return {str(e): int(n) for e, n in store.sql(
            "SELECT entity_id, count(*) FROM entity_persons WHERE entity_id IN (SELECT unnest(?)) GROUP BY 1",
            [entities])}


async def _run(base: str, pages: dict[str, Page], users: int, requests: int, server_pid: int,
               think: float = 0.0) -> None:
    clients = []
    for _ in range(users):
        c = httpx.AsyncClient(base_url=base, timeout=120)
        r = await c.post("/login", data={"username": "bench", "password": PASSWORD})
        r.raise_for_status()
        clients.append(c)
    for page in pages.values():
        t = time.perf_counter()
        r = await clients[0].get(page.paths[0], headers={"Accept": "text/html"})
        page.first_ms = (time.perf_counter() - t) * 1000
        r.raise_for_status()
        queue: asyncio.Queue[int] = asyncio.Queue()
        pause = random.Random(7)
        for i in range(requests):
            queue.put_nowait(i)

        async def worker(c: httpx.AsyncClient, page: Page = page, queue: asyncio.Queue[int] = queue,
                         pause: random.Random = pause) -> None:
            while not queue.empty():
                i = queue.get_nowait()
                path = page.paths[i % len(page.paths)]
                t = time.perf_counter()
                r = await c.get(path, headers={"Accept": "text/html"})
                page.times.append(time.perf_counter() - t)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {r.status_code}")
                if think:
                    await asyncio.sleep(think * (0.5 + pause.random()))

        s0, c0, w0 = _cpu_seconds(server_pid), time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(c) for c in clients))
        page.wall = time.perf_counter() - w0
        page.server_cpu, page.client_cpu = _cpu_seconds(server_pid) - s0, time.process_time() - c0
    for c in clients:
        await c.aclose()


def _pct(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1] * 1000


def _audit_check(db: Path) -> tuple[bool, int, int]:
    """(chain verified, consultation rows, rows naming a person) in the copy after the run."""
    from clearpicture.security import audit
    from clearpicture.store import Store

    with Store(db, read_only=True) as store:
        result = audit.verify(store)
        consultations, person_rows = store.sql(
            """SELECT count(*), count(*) FILTER (WHERE what LIKE '%person_ref%') FROM audit_log
               WHERE action = 'consultation' AND allowed""")[0]
    return result.ok, int(consultations), int(person_rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--think", type=float, default=0.0, help="mean pause in seconds after each answer")
    args = ap.parse_args()
    src = _workspace(args.db)
    with tempfile.TemporaryDirectory() as tmp:
        db, gid, eid, many = _prepare(src, Path(tmp))
        records = _records_per_entity(db, [eid, *many])
        pages = {
            "baseline /static/app.css": Page(["/static/app.css"]),
            "overview": Page(["/dashboard"]),
            "group": Page([f"/dashboard/groups/{gid}?purpose=benchmark"]),
            "entity": Page([f"/dashboard/entities/{eid}?purpose=benchmark"]),
            f"entity (distinct, {len(many)})": Page([f"/dashboard/entities/{e}?purpose=benchmark" for e in many]),
        }
        port = _port()
        code = ("import uvicorn, sys; from clearpicture.web import create_app; "
                f"uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port={port}, log_level='warning')")
        server = subprocess.Popen([sys.executable, "-c", code, str(db)])
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    httpx.get(base + "/login", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            t0 = time.perf_counter()
            asyncio.run(_run(base, pages, args.users, args.requests, server.pid, args.think))
            wall = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(timeout=30)
        chain_ok, consultations, person_rows = _audit_check(db)
    n = len(many)
    person_views = (args.requests + 1) * records.get(eid, 0) + records.get(many[0], 0) + sum(
        records.get(many[i % n], 0) for i in range(args.requests))
    group_views = args.requests + 1
    base_p95 = _pct(pages["baseline /static/app.css"].times, 95)
    import clearpicture

    print(f"code {Path(clearpicture.__file__).parent}")
    print(f"workspace {src}: {args.users} concurrent users, {args.requests} requests per page, "
          f"{'think time ' + str(args.think) + ' s' if args.think else 'no think time'}, "
          f"{wall:.1f} s; CPU count {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'page':28} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} "
          f"{'server CPU s':>13} {'client CPU s':>13} {'p95/baseline':>13}")
    for name, page in pages.items():
        p95 = _pct(page.times, 95)
        mark = "" if name.startswith("baseline") else ("  < target" if p95 < TARGET_MS else "  OVER target")
        print(f"{name:28} {page.first_ms:9.1f} {_pct(page.times, 50):8.1f} {p95:8.1f} {_pct(page.times, 99):8.1f} "
              f"{len(page.times) / page.wall:7.1f} {page.server_cpu:13.2f} {page.client_cpu:13.2f} "
              f"{p95 / base_p95:13.2f}{mark}")
    print(f"audit log after the run: chain verified {chain_ok}; allowed consultation rows {consultations} "
          f"(group views sent {group_views} + person-record views sent {person_views} = "
          f"{group_views + person_views}); rows naming a person {person_rows}")

if __name__ == "__main__":
    main()
