"""Definitions as typed, versioned data: the model, the loader and the shipped files.

A definition is a YAML file (one per definition and version) holding its citation, the official
wording it operationalises, and declarative criteria (``victim_age_under``, ``flags_any``,
``min_suspects_per_event`` ...) combined with ``all``/``any``/``not``. Loading validates it with
pydantic and turns any problem into one :class:`~clearpicture.errors.ConfigError` line naming the
file and the key. This module must not know about SQL or the store: compiling criteria is
:mod:`.criteria_sql`, evaluating them is :mod:`.stage`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import standard
from ..configfile import parse_yaml
from ..errors import ConfigError

__all__ = [
    "CATEGORIES",
    "Category",
    "Criterion",
    "Definition",
    "OffendersWithin",
    "default_categories",
    "load_definition",
    "shipped_definitions",
]

#: The categories of the national Complex and Organised Child Abuse Dataset (COCAD); ``unknown``
#: is what a case gets when no category rule holds.
CATEGORIES: tuple[str, ...] = ("familial", "cse", "institutional", "ritualistic", "other", "unknown")

#: Leaf criteria and the combinators; every criterion is exactly one of these keys.
LEAVES: tuple[str, ...] = (
    "victim_age_under", "offence_sexual", "offence_sexual_against_child", "offence_codes_any", "flags_any",
    "familial", "location_kinds_any", "min_suspects_per_event", "min_offenders_per_victim_within_days",
    "min_associated_individuals", "in_network_group",
)
COMBINATORS: tuple[str, ...] = ("all", "any", "not")


class OffendersWithin(BaseModel):
    """``min_offenders_per_victim_within_days``: distinct suspects linked to one victim in a window."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    offenders: int = Field(ge=2)
    days: int = Field(ge=1, le=36500)


class Criterion(BaseModel):
    """One criterion: exactly one leaf (a test on records) or one combinator of criteria."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    all: tuple[Criterion, ...] | None = None
    any: tuple[Criterion, ...] | None = None
    not_: Criterion | None = Field(default=None, alias="not")

    victim_age_under: int | None = Field(default=None, ge=1, le=120)
    offence_sexual: bool | None = None
    offence_sexual_against_child: bool | None = None
    offence_codes_any: tuple[str, ...] | None = None
    flags_any: tuple[str, ...] | None = None
    familial: bool | None = None
    location_kinds_any: tuple[str, ...] | None = None
    min_suspects_per_event: int | None = Field(default=None, ge=1)
    min_offenders_per_victim_within_days: OffendersWithin | None = None
    min_associated_individuals: int | None = Field(default=None, ge=2)
    in_network_group: bool | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Criterion:
        keys = self.keys_set()
        if len(keys) != 1:
            raise ValueError(
                f"a criterion needs exactly one of {', '.join((*COMBINATORS, *LEAVES))} (got {', '.join(keys) or 'none'})"
            )
        key = keys[0]
        if key in ("all", "any") and not getattr(self, key):
            raise ValueError(f"'{key}' needs at least one criterion")
        if key == "offence_codes_any":
            known = standard.offence_codes()
            unknown = [c for c in self.offence_codes_any or () if c not in known]
            if unknown:
                raise ValueError(f"offence_codes_any: unknown Home Office offence code(s) {', '.join(unknown)}")
        if key == "location_kinds_any":
            kinds = set(standard.code_list("location_kinds"))
            bad = [k for k in self.location_kinds_any or () if k not in kinds]
            if bad:
                raise ValueError(f"location_kinds_any: unknown location kind(s) {', '.join(bad)}")
        return self

    def keys_set(self) -> list[str]:
        names = [n for n in (*COMBINATORS, *LEAVES) if getattr(self, "not_" if n == "not" else n) is not None]
        return names

    @property
    def key(self) -> str:
        return self.keys_set()[0]

    @property
    def value(self) -> Any:
        return getattr(self, "not_" if self.key == "not" else self.key)

    def leaves(self) -> list[Criterion]:
        """Every leaf criterion, depth first (a leaf appears once per use)."""
        if self.key in ("all", "any"):
            return [leaf for c in self.value for leaf in c.leaves()]
        if self.key == "not":
            return self.value.leaves()  # type: ignore[no-any-return]
        return [self]


class Category(BaseModel):
    """A COCAD category and the criterion that puts a case in it (first match wins)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Literal["familial", "cse", "institutional", "ritualistic", "other"]
    when: Criterion


class Definition(BaseModel):
    """A versioned definition with its source and its operationalisation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    citation: str = Field(min_length=10)
    url: str | None = None
    wording: str = Field(min_length=10, description="the official wording, quoted from the source")
    operationalisation: str = Field(min_length=10, description="how the wording is read in records")
    group_based: bool = False
    case_kinds: tuple[str, ...] = ("crime", "referral", "health_contact")
    flags: tuple[str, ...] = Field(min_length=1, description="record flags that mark these cases")
    criteria: Criterion
    categories: tuple[Category, ...] | None = None

    @model_validator(mode="after")
    def _kinds(self) -> Definition:
        kinds = set(standard.code_list("event_kinds"))
        bad = [k for k in self.case_kinds if k not in kinds]
        if bad:
            raise ValueError(f"case_kinds: unknown event kind(s) {', '.join(bad)}")
        return self

    @property
    def victim_age_limit(self) -> int | None:
        """The age under which a victim counts (the largest ``victim_age_under`` used), if any."""
        ages = [leaf.victim_age_under for leaf in self.criteria.leaves() if leaf.victim_age_under is not None]
        return max(ages) if ages else None

    def category_rules(self) -> tuple[Category, ...]:
        return self.categories if self.categories is not None else default_categories()


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith("function-"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _read_yaml(path: Path | str, text: str) -> Any:
    return parse_yaml(text, path)


def parse_definition(data: Any, path: Path | str) -> Definition:
    """Validate a parsed YAML document as a definition; one-line ConfigError naming the key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping with id, version, citation, criteria ...")
    try:
        return Definition.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ConfigError(f"{path}: {_loc(tuple(err['loc']))}: {msg}{more}") from exc


def load_definition(path: str | Path) -> Definition:
    """Load and validate one definition file (a force's local definition, say)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read definition file ({exc.strerror})") from exc
    return parse_definition(_read_yaml(p, text), p)


@cache
def default_categories() -> tuple[Category, ...]:
    """The shipped COCAD category rules (``data/categories.yaml``)."""
    res = resources.files(__package__) / "data" / "categories.yaml"
    data = _read_yaml("categories.yaml", res.read_text(encoding="utf-8"))
    try:
        return tuple(Category.model_validate(c) for c in data["categories"])
    except (ValidationError, KeyError, TypeError) as exc:  # a packaging error, still one line
        raise ConfigError(f"categories.yaml: categories: {exc}".splitlines()[0]) from exc


@cache
def shipped_definitions() -> dict[str, Definition]:
    """The definitions shipped with clearpicture, by id, in file-name order."""
    out: dict[str, Definition] = {}
    folder = resources.files(__package__) / "data" / "definitions"
    for res in sorted(folder.iterdir(), key=lambda r: r.name):
        if res.name.endswith(".yaml"):
            d = parse_definition(_read_yaml(res.name, res.read_text(encoding="utf-8")), res.name)
            out[d.id] = d
    return out
