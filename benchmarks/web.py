"""Web dashboard latency under concurrent users (loopback only, bounded request count).

Copies a built workspace (default: the medium world, seed 7, built by tests/world.py if absent),
adds one admin account, serves it with uvicorn in a child process on 127.0.0.1, signs in USERS
sessions with httpx, and sends REQUESTS requests per page from USERS concurrent clients. Prints p50
and p95 latency per page and the ratio to the baseline measured in the same run (GET
/api/v1/summary, the cheapest signed-in route). Target: p95 < 300 ms for overview, group and entity.

    .venv/bin/python benchmarks/web.py [--db WORKSPACE] [--users 20] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password 1"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workspace(db: Path | None) -> Path:
    if db is not None:
        return db
    sys.path.insert(0, str(ROOT / "tests"))
    from world import build_world  # type: ignore[import-not-found]

    return Path(build_world(ROOT / "bench-data", "medium", 7).db)


def _prepare(src: Path, folder: Path) -> tuple[Path, str, str]:
    from clearpicture.security.users import add_user
    from clearpicture.store import Store

    target = folder / "web.duckdb"
    shutil.copy(src, target)
    with Store(target) as store:
        add_user(store, "bench", "admin", PASSWORD)
        gid = store.sql("SELECT group_id FROM group_summary ORDER BY offenders + victims DESC LIMIT 1")[0][0]
        eid = store.sql("SELECT entity_id FROM group_members WHERE group_id = ? ORDER BY degree DESC LIMIT 1",
                        [gid])[0][0]
    return target, str(gid), str(eid)


async def _run(base: str, paths: dict[str, str], users: int, requests: int) -> dict[str, list[float]]:
    clients = []
    for _ in range(users):
        c = httpx.AsyncClient(base_url=base, timeout=60)
        r = await c.post("/login", data={"username": "bench", "password": PASSWORD})
        r.raise_for_status()
        clients.append(c)
    out: dict[str, list[float]] = {}
    for name, path in paths.items():
        times: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(requests):
            queue.put_nowait(i)

        async def worker(c: httpx.AsyncClient, path: str = path, times: list[float] = times,
                         queue: asyncio.Queue[int] = queue) -> None:
            while not queue.empty():
                queue.get_nowait()
                t = time.perf_counter()
                r = await c.get(path, headers={"Accept": "text/html"})
                times.append(time.perf_counter() - t)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {r.status_code}")

        await clients[0].get(path)  # warm caches once
        await asyncio.gather(*(worker(c) for c in clients))
        out[name] = times
    for c in clients:
        await c.aclose()
    return out


def _pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    src = _workspace(args.db)
    with tempfile.TemporaryDirectory() as tmp:
        db, gid, eid = _prepare(src, Path(tmp))
        port = _port()
        code = ("import uvicorn, sys; from clearpicture.web import create_app; "
                f"uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port={port}, log_level='warning')")
        server = subprocess.Popen([sys.executable, "-c", code, str(db)])
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    httpx.get(base + "/login", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            paths = {"baseline /api/v1/summary": "/api/v1/summary", "overview": "/dashboard",
                     "group": f"/dashboard/groups/{gid}?purpose=benchmark",
                     "entity": f"/dashboard/entities/{eid}?purpose=benchmark"}
            t0 = time.perf_counter()
            result = asyncio.run(_run(base, paths, args.users, args.requests))
            wall = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(timeout=10)
    base_p95 = _pct(result["baseline /api/v1/summary"], 95)
    print(f"workspace {src} ({args.users} concurrent users, {args.requests} requests per page, {wall:.1f} s)")
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'p95/baseline':>13}")
    for name, xs in result.items():
        p95 = _pct(xs, 95)
        print(f"{name:28} {_pct(xs, 50):8.1f} {p95:8.1f} {len(xs) / sum(xs) * args.users:7.1f} "
              f"{p95 / base_p95:13.2f}")


if __name__ == "__main__":
    main()
