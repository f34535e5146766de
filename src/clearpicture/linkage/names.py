"""The shipped table of forename and surname variants (nicknames, spellings, transliterations).

``data/name_variants.csv`` lists groups: a canonical name and the variants people are recorded
under (Mohammed/Muhammad/Mo, Katarzyna/Kasia, Elizabeth/Beth). A name may sit in several groups
("Sam" is Samuel and Samantha), so a name maps to the *set* of groups it belongs to and two names
are variants when their sets meet; groups are never chained into one another. This module loads and
checks the table; it must not decide what a match is.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from ..errors import ConfigError
from .normalise import clean_name, forename_key, surname_key

__all__ = ["VARIANTS_FILE", "name_groups", "variant_table"]

VARIANTS_FILE = "name_variants.csv"
_KINDS = ("forename", "surname")


@lru_cache(maxsize=1)
def variant_table() -> dict[str, dict[str, tuple[str, ...]]]:
    """kind → name key → sorted group ids (``kind:canonical``) the name belongs to."""
    path = resources.files("clearpicture.linkage") / "data" / VARIANTS_FILE
    out: dict[str, dict[str, set[str]]] = {k: {} for k in _KINDS}
    problems: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            kind = (row.get("kind") or "").strip()
            if kind not in _KINDS:
                problems.append(f"row {i}: kind must be forename or surname, got {kind!r}")
                continue
            key = forename_key if kind == "forename" else surname_key
            canonical = key(row.get("canonical"))
            if not canonical:
                problems.append(f"row {i}: canonical is empty")
                continue
            group = f"{kind}:{canonical}"
            names = [canonical, *(key(v) for v in (row.get("variants") or "").split("|") if clean_name(v))]
            for n in names:
                if n:
                    out[kind].setdefault(n, set()).add(group)
    if problems:
        raise ConfigError(f"{VARIANTS_FILE}: " + "; ".join(problems))
    return {k: {n: tuple(sorted(g)) for n, g in v.items()} for k, v in out.items()}


def name_groups(kind: str, key: str | None) -> tuple[str, ...]:
    """The variant groups a normalised name belongs to; a name outside the table is its own group."""
    if not key:
        return ()
    groups = variant_table()[kind].get(key)
    return groups if groups else (f"{kind}:{key}",)


def are_variants(kind: str, a: str | None, b: str | None) -> bool:
    """Whether two normalised names share a variant group."""
    return bool(set(name_groups(kind, a)) & set(name_groups(kind, b)))


def lookup_rows(kind: str, keys: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(name key, groups) for each distinct key: the lookup table joined to records in SQL."""
    return [(k, list(name_groups(kind, k))) for k in sorted(set(keys))]
