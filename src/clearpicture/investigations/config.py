"""Settings of the investigations stage: which definitions, which outcome codes, which windows.

Typed data validated on load (conventions.md, item 6): a mapping (from the pipeline YAML or a
caller) becomes an :class:`InvestigationsConfig`; an unknown key or a wrong type is one
``ConfigError`` naming the key. This module must not read the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigError

__all__ = ["OUTCOME_LABELS", "POPULATIONS", "InvestigationsConfig", "load_config", "pydantic_problem"]

#: The three populations compared: crimes meeting the CSE definition, the group-based definition,
#: and every sexual offence against a child (offence code or child victim).
POPULATIONS: tuple[str, ...] = ("cse", "gbcse", "sexual_child")

#: Home Office outcome codes (Crime Outcomes framework) with short labels for timelines and reasons.
OUTCOME_LABELS: dict[str, str] = {
    "1": "charged or summonsed",
    "1A": "charged or summonsed (alternative offence)",
    "2": "caution (youth)",
    "3": "caution (adult)",
    "4": "taken into consideration",
    "5": "offender died",
    "6": "penalty notice",
    "7": "cannabis or khat warning",
    "8": "community resolution",
    "9": "prosecution not in the public interest (CPS)",
    "10": "formal action not in the public interest (police)",
    "11": "prosecution prevented: suspect under age",
    "12": "prosecution prevented: suspect too ill",
    "13": "prosecution prevented: victim or key witness dead or too ill",
    "14": "evidential difficulties: suspect not identified, victim does not support",
    "15": "evidential difficulties: suspect identified, victim supports",
    "16": "evidential difficulties: victim does not support",
    "17": "prosecution time limit expired",
    "18": "investigation complete, no suspect identified",
    "20": "other body or agency has investigative primacy",
    "21": "further investigation not in the public interest (police)",
    "22": "diversionary, educational or intervention activity",
}


class InvestigationsConfig(BaseModel):
    """What the stage measures against. Defaults follow the working agreement and the issue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cse_definition: str = "cse-dfe-2017"
    group_definition: str = "gbcse-iicsa-2019"
    #: Pin a definition version (definition id -> version); default: the newest version present.
    definition_versions: dict[str, str] = Field(default_factory=dict)
    charge_outcomes: tuple[str, ...] = ("1", "1A")
    evidential_outcomes: tuple[str, ...] = ("14", "15", "16")
    no_suspect_outcomes: tuple[str, ...] = ("18",)
    #: A safeguarding referral counts as timely when made no later than this many days after the
    #: crime was first recorded (and not before the offence date).
    referral_days: int = Field(default=7, ge=0, le=365)
    #: Missing episodes of the victim this many days either side of the offence belong to the case.
    missing_window_days: int = Field(default=90, ge=0, le=3650)
    #: Disruption (and referrals, for the timeline) this many days before the offence still count.
    lookback_days: int = Field(default=30, ge=0, le=3650)
    #: Label for crimes with no team recorded (no note about the crime carries a team).
    team_not_recorded: str = "not recorded"
    #: A checklist YAML file for the case review list; default: the shipped checklist.
    checklist: str | None = None


def pydantic_problem(exc: ValidationError, where: str, skip: frozenset[str] = frozenset()) -> ConfigError:
    """One line naming the key of the first problem (and how many more), for a ConfigError.

    ``skip`` lists location parts that are not keys (the tag of a tagged union).
    """
    errors = exc.errors()
    err = errors[0]
    parts: list[str] = []
    for item in err["loc"]:
        if isinstance(item, str) and item in skip:
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    key = "".join(parts) or "(top level)"
    msg = str(err["msg"]).removeprefix("Value error, ")
    # a container that is short only because its item failed is not one more problem
    first = tuple(err["loc"])
    others = [e for e in errors[1:] if tuple(e["loc"]) != first[: len(tuple(e["loc"]))]]
    more = f" (and {len(others)} more)" if others else ""
    return ConfigError(f"{where}: {key}: {msg}{more}")


def load_config(config: InvestigationsConfig | Mapping[str, Any] | None) -> InvestigationsConfig:
    """Accept a ready config, a plain mapping (pipeline YAML) or None (defaults)."""
    if config is None:
        return InvestigationsConfig()
    if isinstance(config, InvestigationsConfig):
        return config
    if not isinstance(config, Mapping):
        raise ConfigError(f"investigations config: expected a mapping, got {type(config).__name__}")
    try:
        return InvestigationsConfig.model_validate(dict(config))
    except ValidationError as exc:
        raise pydantic_problem(exc, "investigations config") from exc
