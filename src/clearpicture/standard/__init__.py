"""The exchange standard v1 as code: table shapes and code lists.

This module is the single source of truth for what a table of the standard holds. Ingest, the
synthetic generator, exports and tests read it; none of them restates a column list. The shapes
live as Frictionless table schemas in ``data/schemas/`` and the code lists as CSV files in
``data/codes/``; this module only loads and serves them. It must not know about the store.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "TABLE_NAMES",
    "Field",
    "TableSchema",
    "code_list",
    "code_labels",
    "datapackage_profile",
    "offence_codes",
    "table",
]

#: Tables of exchange format v1, in load order (referenced tables first).
TABLE_NAMES: tuple[str, ...] = ("sources", "persons", "objects", "locations", "events", "links", "notes")

VERSION = "1.0"


@dataclass(frozen=True)
class Field:
    """One column of a standard table."""

    name: str
    type: str  # frictionless type: string, date, datetime, number
    required: bool = False
    codelist: str | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    protected: bool = False  # a protected characteristic: never a linkage/grouping/scoring input
    description: str = ""

    @property
    def validated(self) -> bool:
        """True when the field has a typed form beside its raw value (see ingest)."""
        return (
            self.type != "string"
            or self.codelist is not None
            or self.pattern is not None
        )


@dataclass(frozen=True)
class TableSchema:
    """A standard table: its fields and identity (primary key)."""

    name: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    @property
    def id_column(self) -> str | None:
        """The record id column (``person_id`` …), or None for tables identified by all key columns."""
        ids = [k for k in self.primary_key if k.endswith("_id") and k != "source"]
        return ids[0] if len(self.primary_key) == 2 and ids else None

    def get(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


def _data(*parts: str) -> Any:
    return resources.files(__package__).joinpath("data", *parts)


@cache
def table(name: str) -> TableSchema:
    """Return the schema of a standard table by name (``persons``, ``events`` …)."""
    if name not in TABLE_NAMES:
        raise KeyError(f"not a table of exchange format v1: {name}")
    raw = json.loads(_data("schemas", f"{name}.json").read_text(encoding="utf-8"))
    fields = []
    for f in raw["fields"]:
        c = f.get("constraints", {})
        fields.append(
            Field(
                name=f["name"],
                type=f.get("type", "string"),
                required=bool(c.get("required", False)),
                codelist=f.get("codelist"),
                pattern=c.get("pattern"),
                minimum=c.get("minimum"),
                maximum=c.get("maximum"),
                protected=bool(f.get("protected", False)),
                description=f.get("description", ""),
            )
        )
    return TableSchema(name, tuple(fields), tuple(raw["primaryKey"]), raw)


@cache
def _code_rows(name: str) -> tuple[dict[str, str], ...]:
    text = _data("codes", f"{name}.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def code_list(name: str) -> frozenset[str]:
    """The valid codes of a code list (``sex``, ``event_kinds``, ``ethnicity_census_2021`` …)."""
    return frozenset(r["code"] for r in _code_rows(name))


def code_labels(name: str) -> dict[str, str]:
    """Code → human label for a code list."""
    return {r["code"]: r.get("label", r["code"]) for r in _code_rows(name)}


def offence_codes() -> dict[str, tuple[str, bool, bool]]:
    """Home Office offence code → (label, is a sexual offence, is an offence against a child)."""
    return {
        r["code"]: (r["label"], r["sexual"] == "true", r["against_child"] == "true")
        for r in _code_rows("offence_codes")
    }


def link_roles() -> list[tuple[str, str, str]]:
    """(role, from_type, to_type) triples allowed by the standard; ``*`` matches any type."""
    return [(r["code"], r["from_type"], r["to_type"]) for r in _code_rows("link_roles")]


def datapackage_profile(formats: dict[str, str] | None = None) -> dict[str, Any]:
    """A Frictionless ``datapackage.json`` describing every table of the standard.

    ``formats`` maps table name to file format (``csv`` default); tables not named are included.
    """
    formats = formats or {}
    resources_ = []
    for name in TABLE_NAMES:
        fmt = formats.get(name, "csv")
        resources_.append(
            {
                "name": name,
                "path": f"{name}.{fmt}",
                "format": fmt,
                "profile": "tabular-data-resource",
                "schema": table(name).raw,
            }
        )
    return {
        "name": "clearpicture-exchange",
        "profile": "tabular-data-package",
        "version": VERSION,
        "resources": resources_,
    }
