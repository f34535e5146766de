"""Clustering scored pairs into entities, respecting analysts' decisions.

Pairs at or above the threshold are joined strongest first (single-link, like connected components),
except that a join is refused when it would put two records an analyst rejected into one entity.
Confirmed pairs are joined before anything else, whatever their score. Entity ids are a hash of the
smallest record key in the entity, so they stay put while that record stays in it and do not depend
on the engine. Without a rejection that bites, single-link clustering is connected components,
computed at once with scipy; the ordered join runs only when a rejected pair would otherwise end in
one entity. Pure: arrays in, arrays out; no store, no SQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["cluster_indices", "cluster_records", "entity_id_for"]


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


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """For each node, the smallest node of its connected component."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    _, first = np.unique(labels, return_index=True)  # nodes are in order: first seen = smallest
    return np.asarray(first[labels], dtype=np.int64)


def _ordered(n: int, left: np.ndarray, right: np.ndarray, weights: np.ndarray,
             confirmed: list[tuple[int, int]], cannot: list[tuple[int, int]]) -> np.ndarray:
    """Confirmed pairs first, then strongest first, refusing joins that unite a rejected pair."""
    part = _Partition(n, cannot)
    for a, b in confirmed:
        part.union(a, b)
    order = np.argsort(-weights, kind="stable")
    for i in order.tolist():
        part.union(int(left[i]), int(right[i]))
    roots = np.array([part.find(i) for i in range(n)], dtype=np.int64)
    _, first = np.unique(roots, return_index=True)
    smallest = {int(roots[i]): int(i) for i in first}
    return np.array([smallest[r] for r in roots.tolist()], dtype=np.int64)


def cluster_indices(n: int, left: np.ndarray, right: np.ndarray, weights: np.ndarray, threshold: float,
                    confirmed: Iterable[tuple[int, int]] = (),
                    rejected: Iterable[tuple[int, int]] = ()) -> np.ndarray:
    """For records ``0..n-1`` (in key order), the smallest record index of each one's entity.

    ``left``/``right``/``weights`` are the scored pairs as record indices; pairs at or above
    ``threshold`` join, confirmed pairs always, never into one entity with a rejected pair.
    """
    w = np.asarray(weights, dtype=float)
    keep = w >= threshold
    lft, rgt, w = np.asarray(left, dtype=np.int64)[keep], np.asarray(right, dtype=np.int64)[keep], w[keep]
    conf = [(a, b) for a, b in confirmed if a != b]
    cannot = [(a, b) for a, b in rejected if a != b]
    edges_l = np.concatenate([lft, np.array([a for a, _ in conf], dtype=np.int64)])
    edges_r = np.concatenate([rgt, np.array([b for _, b in conf], dtype=np.int64)])
    smallest = _components(n, edges_l, edges_r)
    if any(smallest[a] == smallest[b] for a, b in cannot):
        return _ordered(n, lft, rgt, w, conf, cannot)
    return smallest


def cluster_records(keys: Sequence[str], left: Sequence[str], right: Sequence[str], weights: np.ndarray,
                    threshold: float, confirmed: Iterable[tuple[str, str]] = (),
                    rejected: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Entity id for each of ``keys`` (every record, linked or not; sorted or not).

    ``left``/``right``/``weights`` are the scored pairs; decisions naming unknown records are ignored.
    """
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    rank = {keys[i]: r for r, i in enumerate(order)}

    def pairs(items: Iterable[tuple[str, str]]) -> list[tuple[int, int]]:
        return [(rank[a], rank[b]) for a, b in items if a in rank and b in rank]

    smallest = cluster_indices(len(keys), np.array([rank[k] for k in left], dtype=np.int64),
                               np.array([rank[k] for k in right], dtype=np.int64), weights, threshold,
                               pairs(confirmed), pairs(rejected))
    ids = {int(s): entity_id_for(keys[order[int(s)]]) for s in np.unique(smallest)}
    return [ids[int(smallest[rank[k]])] for k in keys]
