"""The network package's public names are a decision: this pins them."""

from __future__ import annotations

from clearpicture import network


def test_network_facade_names_are_pinned() -> None:
    assert sorted(network.__all__) == ["DEFAULT_CONFIG", "GROUP_TABLES", "NetworkConfig", "groups_document",
                                       "load_config", "run"]
    for name in network.__all__:
        assert hasattr(network, name)
