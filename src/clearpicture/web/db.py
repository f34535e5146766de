"""The web application's door to the workspace: one writer, many readers.

DuckDB allows one writing process per file, and one connection must not be used from two threads
at once. So the app holds a single :class:`~clearpicture.store.Store` whose connection is the only
writer, guarded by a lock (audit rows, sessions, review decisions all go through :meth:`Database.writing`),
and each read gets its own cursor on the same database (:meth:`Database.reading`), so reads run in
the thread pool, off the event loop, without waiting for each other.

This module must not decide permissions or write audit rows itself; routes do that through
:mod:`clearpicture.security`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..security.audit import ensure_audit_tables
from ..security.users import ensure_user_tables
from ..store import Store, open_store

__all__ = ["Database"]


class _CursorStore(Store):
    """A Store view over a cursor of the writer's database: same query helpers, own connection.

    It copies the writer's attributes (so settings added to Store later come along) and swaps the
    connection; it neither opens a file nor migrates.
    """

    def __init__(self, parent: Store, con: Any) -> None:
        self.__dict__.update(parent.__dict__)
        self.con = con
        self._depth = 0


class Database:
    """One workspace opened for the web application."""

    def __init__(self, path: str | os.PathLike[str] | Store) -> None:
        self.store = path if isinstance(path, Store) else open_store(path)
        self._lock = threading.RLock()
        # An encrypted workspace is ATTACHed and selected with USE; a new cursor starts in the
        # default catalog, so each one is pointed at the workspace's catalog and schema.
        catalog, schema = self.store.con.execute("SELECT current_database(), current_schema()").fetchall()[0]
        self._use = f'USE "{str(catalog).replace(chr(34), chr(34) * 2)}"."{str(schema).replace(chr(34), chr(34) * 2)}"'

        with self.writing() as store:
            ensure_user_tables(store)
            ensure_audit_tables(store)

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """The single writer, held by one thread at a time."""
        with self._lock:
            yield self.store

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A fresh cursor for reads; closed afterwards."""
        with self._lock:
            cursor = self.store.con.cursor()
        try:
            cursor.execute(self._use)
            yield _CursorStore(self.store, cursor)
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            self.store.close()
