"""Typed settings of the network stage: evidence weights, hub handling, grouping thresholds.

Everything a force may want to tune lives here as data with defaults, validated on load, so the SQL
builders and the grouping code never carry literals of their own. This module must not read the store
or build SQL; and it must never offer a weight for a protected characteristic (there is none to set).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..errors import ConfigError

__all__ = ["DEFAULT_CONFIG", "NetworkConfig", "load_config"]

#: Roles that say nothing about association between the people named (ignored for edges).
BYSTANDER_ROLES: tuple[str, ...] = ("witness", "reporter")


@dataclass(frozen=True)
class NetworkConfig:
    """Weights and thresholds. Strength of one evidence row = base weight x grading x hub factor."""

    #: Base weight of each evidence kind (one supporting record pair).
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "co_offending": 1.0,  # suspects/offenders on the same event
            "victim_suspect": 1.0,  # a victim and a suspect on the same event
            "intelligence": 0.8,  # an intelligence report naming both (times its grading)
            "co_involved": 0.4,  # both linked to one event in other roles (associate, subject)
            "shared_object": 0.8,  # both linked to one vehicle/phone/... (times the hub factor)
            "co_presence": 0.4,  # at one place within the window (times the hub factor)
            "co_residence": 0.4,  # both resident at one place (times the hub factor)
            "at_residence": 0.6,  # one at the other's home, on an event there or visiting (times the hub factor)
            "co_visit": 0.3,  # both recorded at one place, at least one of them undated (times the hub factor)
            "associate": 0.6,  # a recorded person-to-person association
            "partner": 0.6,
            "family": 0.3,
        }
    )
    #: Which link roles put a person on the suspect side of an event, by event kind ("*" = any kind):
    #: a suspect or offender anywhere, the subject of intelligence, a disruption or an arrest. (An
    #: associate on a referral is not: parents are recorded that way as often as a person of concern.)
    suspect_side: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {"*": ("suspect", "offender"), "intelligence": ("subject",),
                                 "disruption": ("subject",), "arrest": ("subject",)}
    )
    #: Which link roles put a person on the victim side: a victim anywhere, the child who is the
    #: subject of a referral or a missing episode.
    victim_side: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {"*": ("victim",), "referral": ("subject",), "missing_episode": ("subject",)}
    )
    #: Object kinds whose sharing is evidence of association.
    shared_object_kinds: tuple[str, ...] = ("vehicle", "phone", "email", "social_media", "bank_account")
    #: Two presences at one place count when at most this many days apart.
    presence_window_days: float = 2.0
    #: Hub factor = min(1, hub_scale / (people - 1)): shared by 2..hub_scale+1 people counts fully,
    #: beyond that it fades with the number of distinct people the place or object connects.
    hub_scale: float = 2.0
    #: A place or object connecting more distinct people than this is a hub and makes no pair
    #: evidence at all (it is listed in edge_hubs instead): a hotel or a taxi firm's phone.
    max_hub_people: int = 40
    #: Intelligence with no readable grading counts as this grading factor.
    ungraded_factor: float = 0.5
    #: Two offenders are joined for grouping when their summed non-victim evidence reaches this.
    min_strength: float = 0.8
    #: Components larger than this are split into communities (Louvain, fixed seed).
    max_component_size: int = 25
    community_resolution: float = 1.0
    seed: int = 7
    #: The group-based definition in force: a group needs a child victim on an event meeting it.
    definition: str = "gbcse-iicsa-2019"
    #: Definitions whose meeting events attach victims and events to a group.
    victim_definitions: tuple[str, ...] = ("gbcse-iicsa-2019", "cse-dfe-2017")
    #: Fewest offenders in a group (IICSA: two or more individuals).
    min_offenders: int = 2
    #: A new group keeps an earlier group's id when it holds at least this share of its offenders.
    min_identity_overlap: float = 0.5

    def weight(self, kind: str) -> float:
        return float(self.weights.get(kind, 0.0))


DEFAULT_CONFIG = NetworkConfig()


def load_config(config: NetworkConfig | Mapping[str, Any] | None) -> NetworkConfig:
    """Accept nothing, a NetworkConfig or a plain mapping (from YAML); report every problem at once."""
    if config is None:
        return DEFAULT_CONFIG
    if isinstance(config, NetworkConfig):
        return config
    if not isinstance(config, Mapping):
        raise ConfigError(f"network config: expected a mapping, got {type(config).__name__}")
    known = {f.name: f for f in fields(NetworkConfig)}
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in config.items():
        if key not in known:
            problems.append(f"unknown key {key!r}")
            continue
        default = getattr(DEFAULT_CONFIG, key)
        if key in ("suspect_side", "victim_side"):
            if not isinstance(value, Mapping) or not all(
                    isinstance(k, str) and isinstance(v, list | tuple) and all(isinstance(r, str) for r in v)
                    for k, v in value.items()):
                problems.append(f"{key}: expected a mapping of event kind to a list of roles")
            else:
                values[key] = {k: tuple(v) for k, v in value.items()}
            continue
        if key == "weights":
            if not isinstance(value, Mapping):
                problems.append("weights: expected a mapping of kind to number")
                continue
            merged = dict(DEFAULT_CONFIG.weights)
            for kind, w in value.items():
                if kind not in merged:
                    problems.append(f"weights.{kind}: unknown evidence kind")
                elif not isinstance(w, int | float) or isinstance(w, bool) or w < 0:
                    problems.append(f"weights.{kind}: expected a number >= 0")
                else:
                    merged[kind] = float(w)
            values[key] = merged
        elif isinstance(default, tuple):
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                problems.append(f"{key}: expected a list of strings")
            else:
                values[key] = tuple(value)
        elif isinstance(default, bool) or isinstance(value, bool):
            problems.append(f"{key}: expected {type(default).__name__}")
        elif isinstance(default, int) and not isinstance(value, int):
            problems.append(f"{key}: expected an integer")
        elif isinstance(default, float) and not isinstance(value, int | float):
            problems.append(f"{key}: expected a number")
        elif isinstance(default, str) and not isinstance(value, str):
            problems.append(f"{key}: expected a string")
        else:
            values[key] = float(value) if isinstance(default, float) else value
    if problems:
        raise ConfigError("network config: " + "; ".join(problems))
    return replace(DEFAULT_CONFIG, **values)
