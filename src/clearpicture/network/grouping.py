"""Finding offender groups on the weighted suspect graph, and measuring members within their group.

Pure functions over plain values (entity ids, weighted pairs): components of the graph of
sufficiently strong non-victim evidence, split by Louvain communities (networkx, fixed seed) when a
component is too large to be one group, kept when they hold enough offenders and at least one of
them is on the suspect side of an event meeting the definition in force with a child victim. A
suspect left outside every group whose weaker evidence with the members of one group adds up to the
threshold then joins that group (:func:`attach_members`).

This module must not read the store, must not score people (degree and betweenness describe a
member's place in the group's evidence, not how likely they are to offend) and never sees any
person attribute: only entity ids and evidence strengths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass

import networkx as nx

from .config import NetworkConfig

__all__ = ["Attachment", "MemberMeasures", "attach_members", "find_clusters", "measure_members", "offender_graph",
           "qualifying_clusters"]


def offender_graph(nodes: Iterable[str], edges: Iterable[tuple[str, str, float]],
                   min_strength: float) -> nx.Graph:
    """Offender entities joined where their summed non-victim evidence reaches ``min_strength``.

    Nodes must be entities on the suspect side of some event: a person who is only ever a victim
    is left out of suspect-network measures (principles, 3).
    """
    graph = nx.Graph()
    node_set = set(nodes)
    graph.add_nodes_from(sorted(node_set))
    for a, b, strength in edges:
        if a in node_set and b in node_set and a != b and strength >= min_strength:
            graph.add_edge(a, b, weight=float(strength))
    return graph


def _split(graph: nx.Graph, component: Set[str], config: NetworkConfig, depth: int = 0) -> list[frozenset[str]]:
    if len(component) <= config.max_component_size or depth >= 3:
        return [frozenset(component)]
    sub = graph.subgraph(sorted(component))
    communities = nx.community.louvain_communities(
        sub, weight="weight", resolution=config.community_resolution * (1.5**depth), seed=config.seed
    )
    if len(communities) <= 1:
        return [frozenset(component)]
    parts: list[frozenset[str]] = []
    for community in communities:
        # A community may be disconnected inside the component; keep its connected pieces.
        for piece in nx.connected_components(sub.subgraph(community)):
            parts.extend(_split(graph, piece, config, depth + 1))
    return parts


def find_clusters(graph: nx.Graph, config: NetworkConfig) -> list[frozenset[str]]:
    """Connected components, large ones split into communities; ordered by their smallest member."""
    clusters: list[frozenset[str]] = []
    for component in nx.connected_components(graph):
        if len(component) < config.min_offenders:
            continue
        for part in _split(graph, component, config):
            if len(part) >= config.min_offenders:
                clusters.append(part)
    return sorted(clusters, key=lambda c: min(c))


def qualifying_clusters(clusters: Iterable[frozenset[str]], cse_offenders: Set[str],
                        config: NetworkConfig) -> list[frozenset[str]]:
    """Clusters with enough offenders and a member on the suspect side of a qualifying event.

    A qualifying event meets the group-based definition in force and has a child victim; a crew
    whose co-offending never touches such an event (burglary) is not a group.
    """
    return [c for c in clusters if len(c) >= config.min_offenders and c & cse_offenders]


@dataclass(frozen=True)
class Attachment:
    """Why a suspect outside the strong core joined a group: its summed evidence with its members."""

    entity: str
    cluster: int  # index into the clusters passed to attach_members
    strength: float  # summed strength of its non-victim evidence with the cluster's members, each fact once
    links: tuple[tuple[str, float], ...]  # (member, summed strength of their distinct facts together)


def attach_members(clusters: Sequence[frozenset[str]], candidates: Iterable[str],
                   facts: Iterable[tuple[str, str, str, float]], min_strength: float
                   ) -> tuple[list[frozenset[str]], list[Attachment]]:
    """Let a suspect who is in no group join the one group its summed evidence ties it to.

    No single link of such a person reaches ``min_strength`` (else it would already be in the
    component), but an analyst reading several graded intelligence reports, each naming them beside
    a different member of one group, counts them in. ``facts`` are ``(entity, entity, fact_key,
    strength)`` of non-victim evidence. A candidate's evidence with a cluster is summed over
    distinct facts: one record naming them beside three members (a referral listing adults as
    associates, one intelligence report) counts once, not three times; on the small scenario the
    per-member sum let a parent named on one referral beside three offenders join their group.
    When the best sum reaches ``min_strength`` the candidate joins that cluster (ties: the earlier
    cluster). Only the clusters as given pull: a person attached here never pulls another in and
    evidence with people outside the clusters counts for nothing, so two groups are never merged and
    weak chains never grow a group.
    """
    member_of = {e: i for i, c in enumerate(clusters) for e in c}
    pending = {c for c in candidates if c not in member_of}
    # candidate -> cluster -> fact -> its strongest record; and the same per member, for the measures
    by_fact: dict[str, dict[int, dict[str, float]]] = {}
    by_member: dict[str, dict[int, dict[tuple[str, str], float]]] = {}
    for a, b, fact, strength in facts:
        if strength <= 0 or a == b:
            continue
        for node, other in ((a, b), (b, a)):
            if node in pending and other in member_of:
                i = member_of[other]
                per_fact = by_fact.setdefault(node, {}).setdefault(i, {})
                per_fact[fact] = max(per_fact.get(fact, 0.0), float(strength))
                per_member = by_member.setdefault(node, {}).setdefault(i, {})
                per_member[(other, fact)] = max(per_member.get((other, fact), 0.0), float(strength))
    attachments = []
    grown = [set(c) for c in clusters]
    for node in sorted(by_fact):
        sums = {i: sum(found.values()) for i, found in by_fact[node].items()}
        best = min(sums, key=lambda i: (-sums[i], i))
        if sums[best] >= min_strength - 1e-9:  # 0.4 + 0.4 must reach 0.8
            grown[best].add(node)
            with_member: dict[str, float] = {}
            for (member, _fact), v in by_member[node][best].items():
                with_member[member] = with_member.get(member, 0.0) + v
            links = tuple(sorted((m, round(v, 6)) for m, v in with_member.items()))
            attachments.append(Attachment(node, best, round(sums[best], 6), links))
    return [frozenset(c) for c in grown], attachments


@dataclass(frozen=True)
class MemberMeasures:
    """A member's place in the group's evidence graph (never a risk score)."""

    degree: int
    weighted_degree: float
    betweenness: float


def measure_members(graph: nx.Graph, members: Iterable[str]) -> dict[str, MemberMeasures]:
    """Degree, summed strength and betweenness of each member inside the group's own subgraph."""
    sub = graph.subgraph(sorted(set(members)))
    between = nx.betweenness_centrality(sub, normalized=True) if sub.number_of_nodes() > 2 else {}
    return {
        node: MemberMeasures(
            degree=int(sub.degree(node)),
            weighted_degree=round(float(sub.degree(node, weight="weight")), 6),
            betweenness=round(float(between.get(node, 0.0)), 6),
        )
        for node in sub.nodes
    }
