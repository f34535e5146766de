"""Page models kept in memory per data version, so busy pages are computed once per stage run.

A dashboard page is a pure function of the workspace's stage outputs. Those only change when a
stage run commits (a row in ``runs``) or a person is erased (an ``erasure`` row in the audit log),
so :class:`DataVersion` names the current state by those two facts and :class:`PageCache` keeps
each computed model under the version it was computed for. A model computed under an older
version is never served: each read asks the version first (one small query) and recomputes on a
mismatch, so an erased person disappears from every cached page at the next request.

What this module must not do: decide who may see a model, or log views. Routes check permission
and write the audit row for every view, cached or not, before a model reaches the page. The cache
holds what the workspace already holds, in the same process; it is bounded (least recently used
models are dropped) and emptied when the app closes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["DataVersion", "PageCache"]

T = TypeVar("T")


class DataVersion:
    """The workspace's data version: (stage runs, last run's finish, erasures so far).

    Erasures are counted incrementally from the last audit row already looked at (``seq`` is the
    log's primary key, in append order), so the check stays one cheap query however long the log
    grows. The version is read before any page data, so a model stored under a version always
    reflects at least every change that version counts.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen_seq = 0
        self._erasures = 0

    def read(self, sql: Callable[[str, list[Any]], list[tuple[Any, ...]]], has_audit: bool) -> tuple[Any, ...]:
        with self._lock:
            if has_audit:
                runs, finished, top, erased = sql(
                    """SELECT (SELECT count(*) FROM runs), (SELECT max(finished_at) FROM runs),
                              (SELECT max(seq) FROM audit_log),
                              (SELECT count(*) FROM audit_log WHERE seq > ? AND action = 'erasure')""",
                    [self._seen_seq])[0]
                self._erasures += int(erased)
                self._seen_seq = max(self._seen_seq, int(top or 0))
            else:
                runs, finished = sql("SELECT count(*), max(finished_at) FROM runs", [])[0]
            return (int(runs), finished, self._erasures)


class PageCache:
    """Models by key, each stored with the data version it was computed under (bounded, LRU).

    Concurrent requests for the same missing model wait for one computation instead of each
    running it: with twenty users on one group page, the first computes and the rest reuse.
    """

    def __init__(self, max_entries: int = 2048) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.computed = 0  # models computed (tests and the benchmark read it)

    def get(self, version: tuple[Any, ...], key: Hashable, compute: Callable[[], T]) -> T:
        hit = self._lookup(version, key)
        if hit is not None:
            return hit[0]  # type: ignore[no-any-return]
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            hit = self._lookup(version, key)  # computed by another request while this one waited
            if hit is not None:
                return hit[0]  # type: ignore[no-any-return]
            value = compute()
            with self._lock:
                self._entries[key] = (version, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
                self._computing.pop(key, None)
                self.computed += 1
            return value

    def _lookup(self, version: tuple[Any, ...], key: Hashable) -> tuple[Any] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[0] != version:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return (found[1],)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
