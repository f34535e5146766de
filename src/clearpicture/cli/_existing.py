"""Open a workspace that must already exist (every command that reads one).

A mistyped ``--db`` must not create an empty workspace and report zeros with exit 0 (``audit
verify`` would say "ok", ``quality`` would print an empty table, a scheduler would carry on), and a
failing command must not leave an empty file behind. Only ``ingest`` (which fills a workspace),
``users add``, ``serve`` and ``demo`` may create one; every other command opens it with
:func:`open_existing`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import StoreError
from ..store import Store, open_store


def open_existing(db: str, **kwargs: Any) -> Store:
    """Open ``db``; StoreError (one line) when no such file exists (or it is not a file)."""
    if db != ":memory:" and not Path(db).is_file():
        raise StoreError(f"{db}: no such workspace (a workspace is made by `clearpicture ingest ... --db {db}`)")
    return open_store(db, **kwargs)
