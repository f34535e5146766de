"""Scorecard thresholds: typed data loaded from YAML (the shipped file or a force's own).

A threshold file gives green/amber limits for field completeness and validity (by
``table.field`` or ``default``) and for each safeguarding measure. Loading validates it with
pydantic and reports a problem as one ConfigError line naming the file and key. This module only
loads and applies thresholds; it must not compute any measure.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..configfile import read_yaml
from ..errors import ConfigError

__all__ = ["Band", "Thresholds", "load_thresholds", "shipped_thresholds"]

Rating = Literal["green", "amber", "red"]


class Band(BaseModel):
    """Limits for one figure; ``higher_is_better`` false for shares of something bad."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    green: float = Field(ge=0)
    amber: float = Field(ge=0)
    higher_is_better: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.higher_is_better and self.green < self.amber:
            raise ValueError("green must be at least amber when higher is better")
        if not self.higher_is_better and self.green > self.amber:
            raise ValueError("green must be at most amber when lower is better")
        return self

    def rate(self, value: float | None) -> Rating | None:
        if value is None:
            return None
        if self.higher_is_better:
            return "green" if value >= self.green else "amber" if value >= self.amber else "red"
        return "green" if value <= self.green else "amber" if value <= self.amber else "red"


class FieldBands(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    completeness: Band | None = None
    validity: Band | None = None


class Thresholds(BaseModel):
    """The whole file: field bands by ``table.field`` (or ``default``) and measure bands by id."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    fields: dict[str, FieldBands]
    measures: dict[str, Band]

    @model_validator(mode="after")
    def _defaults(self) -> Thresholds:
        d = self.fields.get("default")
        if d is None or d.completeness is None or d.validity is None:
            raise ValueError("fields.default: needs completeness and validity bands")
        if "default" not in self.measures:
            raise ValueError("measures.default: a default band is required")
        return self

    def field_rating(self, table: str, field: str, kind: str, value: float | None) -> Rating | None:
        own = self.fields.get(f"{table}.{field}")
        band = getattr(own, kind, None) if own else None
        return (band or getattr(self.fields["default"], kind)).rate(value)  # type: ignore[no-any-return]

    def measure_rating(self, measure_id: str, value: float | None) -> Rating | None:
        return self.measures.get(measure_id, self.measures["default"]).rate(value)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-")) or "(top level)"


def parse_thresholds(data: Any, path: str | Path, known_measures: set[str] | None = None) -> Thresholds:
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping with version, fields, measures")
    try:
        t = Thresholds.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        loc = _loc(tuple(err["loc"]))
        if loc == "(top level)" and "." in msg.split(":")[0]:
            loc, _, msg = msg.partition(": ")
        raise ConfigError(f"{path}: {loc}: {msg}") from exc
    if known_measures is not None:
        unknown = sorted(set(t.measures) - known_measures - {"default"})
        if unknown:
            raise ConfigError(f"{path}: measures.{unknown[0]}: not a measure the quality stage computes")
    return t


def load_thresholds(path: str | Path, known_measures: set[str] | None = None) -> Thresholds:
    """Load a thresholds file; one-line ConfigError naming the key on any problem."""
    p = Path(path)
    return parse_thresholds(read_yaml(p, "thresholds file"), p, known_measures)


def shipped_thresholds() -> Thresholds:
    res = resources.files(__package__) / "data" / "thresholds.yaml"
    return parse_thresholds(yaml.safe_load(res.read_text(encoding="utf-8")), "thresholds.yaml")
