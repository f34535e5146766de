"""Rewriting a workspace file so that deleted rows do not survive in its free blocks.

DuckDB marks deleted rows and, at a checkpoint, frees the blocks that held them, but it does not
overwrite them: until they are reused, the bytes of an erased person's rows stay in the file,
readable by anyone holding it or a backup made afterwards (``strings ws.duckdb``). After an
erasure the workspace is therefore copied into a fresh file with ``COPY FROM DATABASE`` (DuckDB's
documented way to compact a database), which then replaces the old one, and the open
:class:`~clearpicture.store.Store` is reopened on it.

It must not change what the workspace holds: every table, constraint and row is copied as it is.
It cannot rewrite an in-memory store, nor an encrypted one whose key is not in
``CLEARPICTURE_DB_KEY`` (the fresh file must be encrypted with the same key); it then says why.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import StoreError
from ..store import Store

__all__ = ["rewrite_file"]

_ALIAS = "cp_rewrite"


def _quote(text: str) -> str:
    return text.replace("'", "''")


def rewrite_file(store: Store) -> str | None:
    """Rewrite ``store``'s file into a fresh one and reopen ``store`` on it.

    Returns None when done, or the reason it could not be done (the workspace is then unchanged).
    Must be called outside any transaction, with no other connection to the file and no cursor of
    this one in use by another thread (a web app's readers): the connection is closed and reopened.
    """
    if store.path == ":memory:":
        return "an in-memory workspace has no file"
    if store.transaction_depth:
        return "called inside a transaction"
    catalog, encrypted = store.sql("SELECT database_name, encrypted FROM duckdb_databases() "
                                   "WHERE database_name = current_database()")[0]
    key = os.environ.get("CLEARPICTURE_DB_KEY") or None
    if encrypted and not key:
        return "the workspace is encrypted and CLEARPICTURE_DB_KEY is not set, so a fresh copy cannot be made"
    memory_limit, temp_directory = store.sql("SELECT current_setting('memory_limit'), "
                                             "current_setting('temp_directory')")[0]
    path = Path(store.path)
    fresh = path.with_name(path.name + ".rewrite")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    store.execute("CHECKPOINT")
    options = f" (ENCRYPTION_KEY '{_quote(key)}')" if encrypted and key else ""
    store.execute(f"ATTACH '{_quote(str(fresh))}' AS {_ALIAS}{options}")
    try:
        store.execute(f'COPY FROM DATABASE "{str(catalog).replace(chr(34), chr(34) * 2)}" TO {_ALIAS}')
    except Exception:
        store.execute(f"DETACH {_ALIAS}")
        fresh.unlink(missing_ok=True)
        raise
    store.execute(f"DETACH {_ALIAS}")
    store.con.close()
    os.replace(fresh, path)
    try:
        # The same Store object, reopened on the fresh file with the settings it had.
        Store.__init__(store, path, key=key if encrypted else "", memory_limit=str(memory_limit),
                       temp_directory=str(temp_directory) if temp_directory else None)
    except StoreError as exc:
        raise StoreError(f"{path}: rewritten after erasure but could not be reopened ({exc})") from exc
    return None
