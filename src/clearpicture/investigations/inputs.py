"""What the investigations stage reads besides the standard tables, checked and resolved once.

Linkage (``entity_persons``) and definitions (``definition_cases``) are required; the network's
``group_members`` is optional (an empty stand-in, as a temporary table, when the network stage
has not run). The definition version in force is the newest present unless the config pins one.
This module must not compute measures.
"""

from __future__ import annotations

import re

from .. import standard
from ..errors import InputError
from ..store import Store
from .config import InvestigationsConfig

__all__ = ["check_inputs", "offence_code_sets", "resolve_versions"]

_STAND_INS = {"group_members": "group_id VARCHAR, entity_id VARCHAR, role VARCHAR"}


def check_inputs(store: Store, what: str = "investigations") -> list[str]:
    """Raise a one-line InputError for a missing required table; return the stand-ins created."""
    if not store.has_table("entity_persons"):
        raise InputError(f"{what}: table entity_persons is missing; run `clearpicture link` first")
    if not store.has_table("definition_cases"):
        raise InputError(f"{what}: table definition_cases is missing; run `clearpicture definitions` first")
    made = []
    for name, cols in _STAND_INS.items():
        if not store.has_table(name):
            store.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({cols})")
            made.append(name)
    return made


def _natural(version: str) -> tuple[tuple[int, object], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", version) if p)


def resolve_versions(store: Store, config: InvestigationsConfig) -> dict[str, str | None]:
    """Definition id -> the version whose cases are used (None when the definition has none)."""
    out: dict[str, str | None] = {}
    for definition in (config.cse_definition, config.group_definition):
        present = [str(r[0]) for r in store.sql(
            "SELECT DISTINCT version FROM definition_cases WHERE definition_id = ? AND version IS NOT NULL",
            [definition])]
        pinned = config.definition_versions.get(definition)
        if pinned is not None:
            if present and pinned not in present:
                raise InputError(f"investigations: definition {definition} has no cases at version {pinned} "
                                 f"(present: {', '.join(sorted(present))})")
            out[definition] = pinned
        else:
            out[definition] = max(present, key=_natural) if present else None
    return out


def offence_code_sets() -> tuple[list[str], list[str]]:
    """(sexual offences against children, all sexual offences) from the standard's code list."""
    codes = standard.offence_codes()
    child = sorted(c for c, (_label, sexual, against_child) in codes.items() if sexual and against_child)
    sexual = sorted(c for c, (_label, is_sexual, _child) in codes.items() if is_sexual)
    return child, sexual
