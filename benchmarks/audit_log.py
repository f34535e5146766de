"""Cost of the section 62 log and of sign-in, against baselines measured in the same run.

* appending N hash-chained rows with ``audit.record`` versus N plain single-row INSERTs of the same
  values into an unchained table (the price of the chain, the head and the keyed references);
* ``audit.verify`` over the N rows (rows per second);
* one argon2id password check with the production parameters versus one SHA-256 (what sign-in costs).

Run: .venv/bin/python benchmarks/audit_log.py [N]
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher

from clearpicture.security import audit
from clearpicture.security.permissions import Actor
from clearpicture.store import Store


def main(n: int) -> None:
    actor = Actor("ana", "analyst", frozenset({"PF1"}))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "ws.duckdb")
        audit.ensure_audit_tables(store)
        store.execute("CREATE TABLE plain_log (seq BIGINT, at_utc TIMESTAMP, actor VARCHAR, role VARCHAR, "
                      "action VARCHAR, what VARCHAR, justification VARCHAR, recipient VARCHAR, allowed BOOLEAN)")
        t0 = time.perf_counter()
        for i in range(n):
            store.execute("INSERT INTO plain_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [i, datetime.now(UTC).replace(tzinfo=None), "ana", "analyst", "consultation",
                           f'{{"person": ["PF1", "P{i}"]}}', "case review", None, True])
        plain = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i in range(n):
            audit.record(store, actor, "consultation", {"person": ("PF1", f"P{i}")}, justification="case review")
        chained = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = audit.verify(store)
        verify = time.perf_counter() - t0
        assert result.ok and result.rows == n
        store.close()
    hasher = PasswordHasher()
    stored = hasher.hash("correct horse battery staple")
    t0 = time.perf_counter()
    for _ in range(5):
        hasher.verify(stored, "correct horse battery staple")
    argon = (time.perf_counter() - t0) / 5
    t0 = time.perf_counter()
    for _ in range(1000):
        hashlib.sha256(b"correct horse battery staple").hexdigest()
    sha = (time.perf_counter() - t0) / 1000
    print(f"rows: {n}")
    print(f"plain INSERT, one row each:      {n / plain:8.0f} rows/s")
    print(f"audit.record (chained, keyed):   {n / chained:8.0f} rows/s   ({chained / plain:.1f}x the plain insert)")
    print(f"audit.verify:                    {n / verify:8.0f} rows/s   ({verify * 1000:.0f} ms for {n} rows)")
    print(f"argon2id check (default params): {argon * 1000:8.1f} ms      ({argon / sha:,.0f}x one SHA-256)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
