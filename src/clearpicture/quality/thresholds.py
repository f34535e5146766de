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

from .. import standard
from ..configfile import read_yaml
from ..errors import ConfigError
from .checks_sql import SKIPPED_FIELDS

__all__ = ["Band", "Thresholds", "load_thresholds", "shipped_thresholds"]

Rating = Literal["green", "amber", "red"]


class Band(BaseModel):
    """Limits for one figure; ``higher_is_better`` false for shares of something bad."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Every figure rated is a share: a limit written as a percentage (90) would never be reached.
    green: float = Field(ge=0, le=1)
    amber: float = Field(ge=0, le=1)
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
        if err["type"] in ("less_than_equal", "greater_than_equal"):
            msg = "must be a share from 0 to 1 (90% is 0.9)"
        loc = _loc(tuple(err["loc"]))
        if loc == "(top level)" and "." in msg.split(":")[0]:
            loc, _, msg = msg.partition(": ")
        raise ConfigError(f"{path}: {loc}: {msg}") from exc
    if known_measures is not None:
        unknown = sorted(set(t.measures) - known_measures - {"default"})
        if unknown:
            raise ConfigError(f"{path}: measures.{unknown[0]}: not a measure the quality stage computes")
    # A misspelt field key (persons.ethnicty_self) was accepted and never applied: the field was
    # rated on the default bands while the force believed its own were in force.
    unknown_fields = sorted(k for k in t.fields if k != "default" and k not in scored_fields())
    if unknown_fields:
        raise ConfigError(f"{path}: fields.{unknown_fields[0]}: not a field the scorecard rates "
                          "(write table.field, e.g. persons.ethnicity_self)")
    return t


def scored_fields() -> set[str]:
    """``table.field`` for every field the scorecard rates (identity columns are not rated)."""
    return {f"{t}.{f.name}" for t in standard.TABLE_NAMES for f in standard.table(t).fields
            if f.name not in SKIPPED_FIELDS}


def load_thresholds(path: str | Path, known_measures: set[str] | None = None) -> Thresholds:
    """Load a thresholds file; one-line ConfigError naming the key on any problem."""
    p = Path(path)
    return parse_thresholds(read_yaml(p, "thresholds file"), p, known_measures)


def shipped_thresholds() -> Thresholds:
    res = resources.files(__package__) / "data" / "thresholds.yaml"
    return parse_thresholds(yaml.safe_load(res.read_text(encoding="utf-8")), "thresholds.yaml")
