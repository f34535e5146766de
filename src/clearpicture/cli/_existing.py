"""Open a workspace that must already exist (for the trust commands).

``audit verify`` on a mistyped path must not create an empty workspace and report "ok"; erasing or
listing users in a new empty file is a mistake too. Only ``users add`` and ``serve`` may create one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import StoreError
from ..store import Store, open_store


def open_existing(db: str, **kwargs: Any) -> Store:
    if db != ":memory:" and not Path(db).is_file():
        raise StoreError(f"{db}: no such workspace")
    return open_store(db, **kwargs)
