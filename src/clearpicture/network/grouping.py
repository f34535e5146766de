"""Finding offender groups on the weighted suspect graph, and measuring members within their group.

Pure functions over plain values (entity ids, weighted pairs): components of the graph of
sufficiently strong non-victim evidence, split by Louvain communities (networkx, fixed seed) when a
component is too large to be one group, kept when they hold enough offenders and at least one of
them is on the suspect side of an event meeting the definition in force with a child victim.

This module must not read the store, must not score people (degree and betweenness describe a
member's place in the group's evidence, not how likely they are to offend) and never sees any
person attribute: only entity ids and evidence strengths.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass

import networkx as nx

from .config import NetworkConfig

__all__ = ["MemberMeasures", "find_clusters", "measure_members", "offender_graph", "qualifying_clusters"]


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
