"""Open a workspace that must already exist (every command that reads one), and never someone else's database.

A mistyped ``--db`` must not create an empty workspace and report zeros with exit 0 (``audit
verify`` would say "ok", ``quality`` would print an empty table, a scheduler would carry on), and a
failing command must not leave an empty file behind. Only ``ingest`` (which fills a workspace),
``users add``, ``serve`` and ``demo`` may create one; every other command opens it with
:func:`open_existing`.

Opening a workspace for writing brings its schema up to date, so a DuckDB file that is not a
workspace (another team's database given by mistake) would silently gain clearpicture's tables:
:func:`check_workspace` looks first, read-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import StoreError
from ..store import Store, open_store


def check_workspace(db: str, *, allow_empty: bool = False, **kwargs: Any) -> None:
    """StoreError unless ``db`` (an existing file) holds clearpicture's schema.

    ``allow_empty``: a DuckDB file with no tables at all may become a workspace (``ingest``,
    ``users add``); one with tables but without clearpicture's ``meta`` is never touched.
    """
    if db == ":memory:" or not Path(db).is_file() or Path(db).stat().st_size == 0:
        return
    opts = {k: v for k, v in kwargs.items() if k != "read_only"}
    with Store(db, read_only=True, **opts) as store:
        ours = store.schema_version() > 0
        tables = int(store.sql("SELECT count(*) FROM information_schema.tables")[0][0])
    if not ours and (tables or not allow_empty):
        what = f"a DuckDB database with {tables} other table(s)" if tables else "an empty DuckDB database"
        raise StoreError(f"{db}: not a clearpicture workspace ({what}); it is left unchanged")


def open_existing(db: str, **kwargs: Any) -> Store:
    """Open ``db``; StoreError (one line) when no such file exists or it is not a workspace."""
    if db != ":memory:" and not Path(db).is_file():
        raise StoreError(f"{db}: no such workspace (a workspace is made by `clearpicture ingest ... --db {db}`)")
    check_workspace(db, **kwargs)
    return open_store(db, **kwargs)
