"""Clustering scored pairs into entities, respecting analysts' decisions.

Pairs at or above the threshold are joined strongest first (single-link, like connected components),
except that a join is refused when it would put two records an analyst rejected into one entity.
Confirmed pairs are joined before anything else, whatever their score. Entity ids are a hash of the
smallest record key in the entity, so they stay put while that record stays in it and do not depend
on the engine. Pure: arrays in, arrays out; no store, no SQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["cluster_records", "entity_id_for"]


def entity_id_for(smallest_key: str) -> str:
    """The entity id of a cluster whose smallest record key (``source|person_id``) is given."""
    return "P" + hashlib.md5(smallest_key.encode("utf-8")).hexdigest()[:16]


class _Partition:
    def __init__(self, n: int, cannot: Iterable[tuple[int, int]]) -> None:
        self.parent = np.arange(n)
        self.cannot: dict[int, set[int]] = {}
        for a, b in cannot:
            self.cannot.setdefault(a, set()).add(b)
            self.cannot.setdefault(b, set()).add(a)
        # members carrying a constraint, per root (only those need checking on a merge)
        self.constrained: dict[int, set[int]] = {k: {k} for k in self.cannot}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return int(root)

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ca, cb = self.constrained.get(ra), self.constrained.get(rb)
        if ca and cb:
            small, other_root = (ca, rb) if len(ca) <= len(cb) else (cb, ra)
            for m in small:
                if any(self.find(x) == other_root for x in self.cannot[m]):
                    return False
        self.parent[rb] = ra
        if cb:
            self.constrained.setdefault(ra, set()).update(cb)
            del self.constrained[rb]
        return True


def cluster_records(keys: Sequence[str], left: Sequence[str], right: Sequence[str], weights: np.ndarray,
                    threshold: float, confirmed: Iterable[tuple[str, str]] = (),
                    rejected: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Entity id for each of ``keys`` (every record, linked or not).

    ``left``/``right``/``weights`` are the scored pairs; decisions naming unknown records are ignored.
    """
    index = {k: i for i, k in enumerate(keys)}
    cannot = [(index[a], index[b]) for a, b in rejected if a in index and b in index and a != b]
    part = _Partition(len(keys), cannot)
    for a, b in confirmed:
        if a in index and b in index:
            part.union(index[a], index[b])
    w = np.asarray(weights, dtype=float)
    keep = np.flatnonzero(w >= threshold)
    order = keep[np.argsort(-w[keep], kind="stable")]
    for i in order.tolist():
        part.union(index[left[i]], index[right[i]])
    roots = np.array([part.find(i) for i in range(len(keys))], dtype=np.int64)
    smallest: dict[int, str] = {}
    for k, r in zip(keys, roots.tolist(), strict=True):
        s = smallest.get(r)
        if s is None or k < s:
            smallest[r] = k
    ids = {r: entity_id_for(k) for r, k in smallest.items()}
    return [ids[r] for r in roots.tolist()]
