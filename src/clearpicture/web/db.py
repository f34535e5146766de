"""The web application's door to the workspace: one writer, many readers.

DuckDB allows one writing process per file, and one connection must not be used from two threads
at once. So the app holds a single :class:`~clearpicture.store.Store` whose connection is the only
writer, guarded by a lock (audit rows, sessions, review decisions all go through :meth:`Database.writing`),
and each read gets its own cursor on the same database (:meth:`Database.reading`), so reads run in
the thread pool, off the event loop, without waiting for each other.

Audit rows go through :meth:`Database.audit`, a group commit: a request's row is appended (and
committed) before the call returns, but rows of requests arriving together share one transaction,
so twenty users opening pages at once pay for one commit, not twenty queued behind the writer.
The hash chain is the same as row-by-row :func:`~clearpicture.security.audit.record`.

This module must not decide permissions or choose what to log; routes do that through
:mod:`clearpicture.security`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from ..errors import InputError
from ..security.audit import AUDIT_ACTIONS, Entry, ensure_audit_tables, record_many
from ..security.sessions import Session, SessionPolicy, load_session, token_hash
from ..security.users import ensure_user_tables
from ..store import Store, open_store
from .pagecache import DataVersion, PageCache

__all__ = ["Database"]

T = TypeVar("T")


class _CursorStore(Store):
    """A Store view over a cursor of the writer's database: same query helpers, own connection.

    It copies the writer's attributes (so settings added to Store later come along) and swaps the
    connection; it neither opens a file nor migrates.
    """

    def __init__(self, parent: Store, con: Any, db: Database) -> None:
        self.__dict__.update(parent.__dict__)
        self.con = con
        self._depth = 0
        self._db = db
        self._version: tuple[Any, ...] | None = None

    def has_table(self, name: str) -> bool:
        """Asked of the catalog once per table until the app next writes (see ``Database._has_table``)."""
        return self._db._has_table(self, name)

    def data_version(self) -> tuple[Any, ...]:
        """The workspace's data version, read once per cursor (see :class:`~.pagecache.DataVersion`)."""
        if self._version is None:
            self._version = self._db.data_version(self)
        return self._version

    def cached(self, key: Hashable, compute: Callable[[Store], T]) -> T:
        """``compute(self)`` from the app's page cache, recomputed when the data version changes."""
        return self._db.pages.get(self.data_version(), key, lambda: compute(self))


@dataclass
class _Pending:
    entry: Entry
    done: bool = False
    seq: int = 0
    error: BaseException | None = None


@dataclass
class _AuditQueue:
    cond: threading.Condition = field(default_factory=threading.Condition)
    pending: list[_Pending] = field(default_factory=list)
    flushing: bool = False
    batches: int = 0  # commits made (tests compare it with rows written)


class Database:
    """One workspace opened for the web application."""

    def __init__(self, path: str | os.PathLike[str] | Store) -> None:
        self.store = path if isinstance(path, Store) else open_store(path)
        self._lock = threading.RLock()
        # An encrypted workspace is ATTACHed and selected with USE; a new cursor starts in the
        # default catalog, so each one is pointed at the workspace's catalog and schema.
        catalog, schema = self.store.con.execute("SELECT current_database(), current_schema()").fetchall()[0]
        self._use = f'USE "{str(catalog).replace(chr(34), chr(34) * 2)}"."{str(schema).replace(chr(34), chr(34) * 2)}"'

        self._audit = _AuditQueue()
        self.versions = DataVersion()
        self.pages = PageCache()
        self._known_tables: tuple[int, set[str]] = (0, set())  # (writes when learnt, table names)
        self._writes = 0  # bumped after each writing() block: the data may have changed
        self._sessions: dict[tuple[str, Hashable], tuple[int, Session]] = {}
        self._version_at: tuple[int, tuple[Any, ...]] | None = None
        with self.writing() as store:
            ensure_user_tables(store)
            ensure_audit_tables(store)

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """The single writer, held by one thread at a time.

        Every write of the app goes through here (or :meth:`audit_many`): the workspace file is
        locked to this process, so after a writing block the data version is read again, and
        while nothing was written it is known without a query.
        """
        with self._lock:
            try:
                yield self.store
            finally:
                self._writes += 1

    def session(self, token: str, policy: SessionPolicy, now: datetime) -> Session | None:
        """The live session for ``token``, as :func:`~clearpicture.security.sessions.load_session` says.

        A session loaded since the app's last write is reused while ``now`` is within its timeout:
        sign-out, disabling a user, re-authentication and activity all write through
        :meth:`writing`, after which every session is read again.
        """
        key = (token_hash(token), policy)
        writes = self._writes
        hit = self._sessions.get(key)
        if hit is not None and hit[0] == writes and hit[1].expires_at is not None and now <= hit[1].expires_at:
            return hit[1]
        with self.reading() as store:
            session = load_session(store, token, policy, now)
        if session is None:
            self._sessions.pop(key, None)
        else:
            if len(self._sessions) > 10_000:  # stale entries of old writes; all re-read anyway
                self._sessions.clear()
            self._sessions[key] = (writes, session)
        return session

    def data_version(self, store: Store) -> tuple[Any, ...]:
        """The data version (see :class:`~.pagecache.DataVersion`), queried again only after a write."""
        writes, known = self._writes, self._version_at
        if known is not None and known[0] == writes:
            return known[1]
        version = self.versions.read(store.sql, self._has_table(store, "audit_log"))
        self._version_at = (writes, version)
        return version

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A fresh cursor for reads; closed afterwards."""
        with self._lock:
            cursor = self.store.con.cursor()
        try:
            cursor.execute(self._use)
            yield _CursorStore(self.store, cursor, self)
        finally:
            cursor.close()

    def audit(self, entry: Entry) -> int:
        """Append ``entry`` to the audit log; returns its sequence number once committed."""
        return self.audit_many([entry])[0]

    def audit_many(self, entries: list[Entry]) -> list[int]:
        """Append ``entries`` (in order, in the same commit); returns their sequence numbers.

        The first caller to find no flush under way becomes the leader: it takes every row queued
        so far and writes them with one ``record_many`` through the writer; the others wait for
        that commit, or lead the next one. A failed commit raises in every request whose rows were
        in it, so no page is served without its rows.
        """
        for entry in entries:
            if entry.action not in AUDIT_ACTIONS:  # refused here, so one bad row cannot fail a batch
                raise InputError(f"audit: unknown action {entry.action!r}")
        q = self._audit
        mine = [_Pending(entry) for entry in entries]
        if not mine:
            return []
        with q.cond:
            q.pending.extend(mine)
            while not mine[-1].done and q.flushing:
                q.cond.wait()
            if mine[-1].done:
                return [self._result(p) for p in mine]
            q.flushing = True
            batch, q.pending = q.pending, []
        try:
            with self._lock:
                seqs = record_many(self.store, [p.entry for p in batch])
                # Consultation rows change no page; an erasure row (never written this way by the
                # app today) would, so it counts as a write like any other.
                if any(p.entry.action == "erasure" for p in batch):
                    self._writes += 1
            for p, seq in zip(batch, seqs, strict=True):
                p.seq = seq
        except BaseException as exc:
            for p in batch:
                p.error = exc
        finally:
            with q.cond:
                for p in batch:
                    p.done = True
                q.flushing = False
                q.batches += 1
                q.cond.notify_all()
        return [self._result(p) for p in mine]

    @staticmethod
    def _result(p: _Pending) -> int:
        if p.error is not None:
            raise p.error
        return p.seq

    def _has_table(self, store: Store, name: str) -> bool:
        """Tables known to exist are remembered until the app next writes (nothing else can: the
        file is locked to this process); absent ones are asked again each time."""
        writes, known = self._known_tables
        if writes != self._writes:
            known = set()
            self._known_tables = (self._writes, known)
        if name in known:
            return True
        found = Store.has_table(store, name)
        if found:
            known.add(name)
        return found

    def close(self) -> None:
        self.pages.clear()
        with self._lock:
            self.store.close()
