"""The case review checklist: typed checks loaded from YAML and validated with pydantic.

A checklist is data with a version (conventions.md, item 7): it says which shortfalls put a case
on the review list and with what thresholds. It becomes SQL only in :mod:`.review_sql`. An invalid
file is one ``ConfigError`` line naming the file and the key. This module must not read the store.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..configfile import read_yaml
from ..errors import ConfigError
from .config import pydantic_problem

__all__ = [
    "CHECK_KINDS",
    "Check",
    "Checklist",
    "ClosedVictimDoesNotSupport",
    "GroupMemberNotLinked",
    "NoDisruptionDespiteMissing",
    "VictimNotReferred",
    "default_checklist_path",
    "load_checklist",
]

Population = Literal["cse", "gbcse", "sexual_child"]  # config.POPULATIONS
_ID = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class _CheckBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID)
    description: str = ""
    enabled: bool = True
    populations: tuple[Population, ...] = ("cse", "gbcse")


class VictimNotReferred(_CheckBase):
    """No referral of the child to children's social care within ``within_days`` of recording."""

    kind: Literal["victim_not_referred"]
    within_days: int = Field(default=7, ge=0, le=365)


class GroupMemberNotLinked(_CheckBase):
    """The child is a victim of a detected group; a known member of it is not linked as a suspect.

    ``any_crime``: the member was never a suspect on any crime; ``this_case``: not a suspect here.
    """

    kind: Literal["group_member_not_linked"]
    scope: Literal["any_crime", "this_case"] = "any_crime"


class ClosedVictimDoesNotSupport(_CheckBase):
    """Closed with a victim-does-not-support outcome within ``within_days`` of recording."""

    kind: Literal["closed_victim_does_not_support"]
    outcomes: tuple[str, ...] = Field(default=("14", "16"), min_length=1)
    within_days: int = Field(default=30, ge=0, le=3650)


class NoDisruptionDespiteMissing(_CheckBase):
    """At least ``min_missing_episodes`` missing episodes around the crime and no disruption."""

    kind: Literal["no_disruption_despite_missing"]
    min_missing_episodes: int = Field(default=2, ge=1, le=100)


Check = Annotated[
    VictimNotReferred | GroupMemberNotLinked | ClosedVictimDoesNotSupport | NoDisruptionDespiteMissing,
    Field(discriminator="kind"),
]

CHECK_KINDS: frozenset[str] = frozenset(
    {"victim_not_referred", "group_member_not_linked", "closed_victim_does_not_support",
     "no_disruption_despite_missing"}
)


class Checklist(BaseModel):
    """A versioned list of checks; ids are unique so decisions can refer to them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    checks: tuple[Check, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Checklist:
        seen: set[str] = set()
        for i, check in enumerate(self.checks):
            if check.id in seen:
                raise ValueError(f"checks[{i}].id: duplicate check id {check.id!r}")
            seen.add(check.id)
        return self

    def active(self) -> list[VictimNotReferred | GroupMemberNotLinked | ClosedVictimDoesNotSupport
                         | NoDisruptionDespiteMissing]:
        return [c for c in self.checks if c.enabled]


def default_checklist_path() -> Path:
    """The shipped checklist (package data)."""
    return Path(str(resources.files("clearpicture.investigations") / "data" / "checklist.yaml"))


def load_checklist(path: str | Path | None = None) -> Checklist:
    """Read and validate a checklist YAML file (default: the shipped one)."""
    p = Path(path) if path is not None else default_checklist_path()
    doc = read_yaml(p, "checklist")
    if not isinstance(doc, dict):
        raise ConfigError(f"{p}: (top level): expected a mapping with keys version and checks")
    try:
        return Checklist.model_validate(doc)
    except ValidationError as exc:
        problem = pydantic_problem(exc, str(p), skip=CHECK_KINDS)
        msg = str(problem)
        # cross-check messages carry their own key ("checks[3].id: ...")
        prefix = f"{p}: (top level): "
        if msg.startswith(prefix):
            raise ConfigError(f"{p}: {msg[len(prefix):]}") from exc
        raise problem from exc
