"""Clustering scored pairs: the fast connected-components path and the ordered path with rejections.

A reference implementation (plain union-find, strongest first, refusing joins that would unite a
rejected pair) is checked against ``cluster_records`` on random graphs, with and without
decisions, so the fast path can never change an entity.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clearpicture.linkage.cluster import cluster_records, entity_id_for


def _reference(keys: list[str], left: list[str], right: list[str], weights: list[float], threshold: float,
               confirmed: list[tuple[str, str]], rejected: list[tuple[str, str]]) -> list[str]:
    parent = {k: k for k in keys}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    def members(root: str) -> set[str]:
        return {k for k in keys if find(k) == root}

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        ma, mb = members(ra), members(rb)
        if any((x in ma and y in mb) or (x in mb and y in ma) for x, y in rejected):
            return
        parent[rb] = ra

    for a, b in confirmed:
        union(a, b)
    for i in sorted(range(len(weights)), key=lambda i: -weights[i]):
        if weights[i] >= threshold:
            union(left[i], right[i])
    return [entity_id_for(min(members(find(k)))) for k in keys]


graphs = st.integers(2, 12).flatmap(lambda n: st.tuples(
    st.just([f"S|{i:02d}" for i in range(n)]),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                       st.sampled_from([1.0, 3.0, 5.0, 7.5, 9.0, 12.0])), max_size=20),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3),
))


@settings(max_examples=200, deadline=None)
@given(graphs)
def test_clustering_matches_the_reference(graph: tuple[list[str], list[tuple[int, int, float]],
                                                       list[tuple[int, int]], list[tuple[int, int]]]) -> None:
    keys, edges, conf, rej = graph
    edges = [(a, b, w) for a, b, w in edges if a != b]
    left = [keys[a] for a, _, _ in edges]
    right = [keys[b] for _, b, _ in edges]
    weights = [w for _, _, w in edges]
    confirmed = [(keys[a], keys[b]) for a, b in conf]
    rejected = [(keys[a], keys[b]) for a, b in rej if a != b]
    shuffled = keys[::-1]  # the order keys are given in must not matter
    got = cluster_records(shuffled, left, right, np.array(weights), 4.0, confirmed, rejected)
    want = _reference(keys, left, right, weights, 4.0, confirmed, rejected)
    assert dict(zip(shuffled, got, strict=True)) == dict(zip(keys, want, strict=True))


def test_a_rejected_pair_never_ends_in_one_entity_even_through_a_chain() -> None:
    keys = ["A|1", "A|2", "A|3"]
    ids = cluster_records(keys, ["A|1", "A|2"], ["A|2", "A|3"], np.array([9.0, 8.0]), 4.0,
                          rejected=[("A|1", "A|3")])
    assert ids[0] == ids[1] != ids[2]  # the stronger pair joins, the chain to A|3 is refused


def test_unlinked_records_are_their_own_entities_named_by_their_key() -> None:
    ids = cluster_records(["B|2", "A|1"], ["A|1"], ["B|2"], np.array([1.0]), 4.0)
    assert ids == [entity_id_for("B|2"), entity_id_for("A|1")]
