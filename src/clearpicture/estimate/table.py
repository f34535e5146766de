"""Capture-history tables and model terms: parse and check the input of multiple systems estimation.

A table is the number of cases seen on each combination of lists (a *pattern*: one ``0``/``1``
character per list). Every one of the 2^t - 1 observable patterns is a cell; a pattern absent from
the input is a cell with count 0, never a missing value (METHOD.md pitfall 1). This module only
parses and validates: it must not fit models or choose between them.

Every problem a user can cause becomes a one-line :class:`~clearpicture.errors.InputError` naming
the row or the term at fault.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InputError

__all__ = ["MAX_COUNT", "MAX_LISTS", "CountTable", "Term", "format_model", "load_counts", "parse_model", "hierarchical_closure"]

#: The estimator handles 2 to 8 lists (255 cells); more lists leave almost every cell empty.
MAX_LISTS = 8

#: Counts are held as floating point; beyond 2^53 a whole number is no longer held exactly.
MAX_COUNT = 2**53

#: An interaction term: sorted indices of the lists it joins (two or more).
Term = tuple[int, ...]


@dataclass(frozen=True)
class CountTable:
    """Counts for every non-empty capture pattern of ``lists``, in canonical cell order.

    ``patterns`` is an (cells x lists) 0/1 matrix, one row per observable pattern (the all-zero
    pattern, the dark figure, is not a cell); ``counts`` is aligned with it.
    """

    lists: tuple[str, ...]
    patterns: npt.NDArray[np.int_]
    counts: npt.NDArray[np.float64]

    @property
    def observed(self) -> int:
        """Number of distinct cases seen on at least one list."""
        return int(round(float(self.counts.sum())))

    @property
    def n_lists(self) -> int:
        return len(self.lists)

    def pattern_strings(self) -> list[str]:
        return ["".join(str(int(v)) for v in row) for row in self.patterns]

    def rows(self) -> list[dict[str, Any]]:
        """The non-zero cells in the input shape ``{"pattern": "1010", "count": n}``."""
        return [
            {"pattern": p, "count": int(c)}
            for p, c in zip(self.pattern_strings(), self.counts, strict=True)
            if c > 0
        ]

    def on_all(self, term: Iterable[int]) -> npt.NDArray[np.bool_]:
        """Mask of cells whose pattern includes every list of ``term``."""
        idx = list(term)
        return np.asarray(self.patterns[:, idx].all(axis=1), dtype=bool)

    def overlap(self, term: Iterable[int]) -> int:
        """Cases on every list of ``term`` (whatever else they are on): the statistic n*_term."""
        return int(round(float(self.counts[self.on_all(term)].sum())))

    def with_counts(self, counts: npt.NDArray[np.float64]) -> CountTable:
        """The same lists and cells with other counts (a bootstrap replicate)."""
        return CountTable(self.lists, self.patterns, np.asarray(counts, dtype=float))


def all_patterns(t: int) -> npt.NDArray[np.int_]:
    """The 2^t - 1 non-zero patterns, in the order of the binary numbers 1 .. 2^t - 1 read left to right."""
    rows = [p for p in itertools.product((0, 1), repeat=t) if any(p)]
    return np.array(rows, dtype=int)


def build_table(lists: Sequence[str], counts_by_pattern: Mapping[str, int | float]) -> CountTable:
    """A table from a mapping pattern -> count (already validated); absent patterns are zeros.

    A pattern that is not one of the table's (another number of lists) is a programming error,
    never silently dropped."""
    pats = all_patterns(len(lists))
    keys = ["".join(str(v) for v in row) for row in pats]
    stray = set(counts_by_pattern) - set(keys)
    if stray:
        raise ValueError(f"pattern(s) {', '.join(sorted(stray)[:3])} do not fit {len(lists)} lists")
    counts = np.array([float(counts_by_pattern.get(k, 0)) for k in keys], dtype=float)
    return CountTable(tuple(lists), pats, counts)


def load_counts(lists: Any, rows: Any, *, where: str = "counts") -> CountTable:
    """Validate the ``estimate --counts`` input shape and build the table.

    Raises InputError (one line, naming ``where`` and the row) for: fewer than 2 or more than
    :data:`MAX_LISTS` lists, duplicate or empty list names, a pattern whose length differs from the
    number of lists or that is not 0/1, the all-zero pattern, a negative or non-integer count or one
    above :data:`MAX_COUNT`, a pattern given twice, or a table with no cases.
    """
    if not isinstance(lists, list) or not all(isinstance(x, str) for x in lists):
        raise InputError(f"{where}: 'lists' must be a list of list names")
    if len(lists) < 2:
        raise InputError(f"{where}: 'lists' names {len(lists)} list(s); estimation needs at least 2")
    if len(lists) > MAX_LISTS:
        raise InputError(f"{where}: 'lists' names {len(lists)} lists; at most {MAX_LISTS} are supported")
    if any(not name.strip() for name in lists):
        raise InputError(f"{where}: 'lists' has an empty name")
    if any(":" in name or "," in name for name in lists):
        raise InputError(f"{where}: list names may not contain ':' or ','")
    if len(set(lists)) != len(lists):
        raise InputError(f"{where}: 'lists' has a duplicate name")
    if not isinstance(rows, list):
        raise InputError(f"{where}: 'rows' must be a list of {{\"pattern\": ..., \"count\": ...}}")
    t = len(lists)
    seen: dict[str, float] = {}
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or "pattern" not in row or "count" not in row:
            raise InputError(f"{where}: rows[{i}] must have 'pattern' and 'count'")
        pattern, count = row["pattern"], row["count"]
        if not isinstance(pattern, str) or set(pattern) - {"0", "1"}:
            raise InputError(f"{where}: rows[{i}]: pattern {pattern!r} must be a string of 0 and 1")
        if len(pattern) != t:
            raise InputError(
                f"{where}: rows[{i}]: pattern {pattern!r} has {len(pattern)} characters but there are {t} lists"
            )
        if "1" not in pattern:
            raise InputError(
                f"{where}: rows[{i}]: the all-zero pattern {pattern!r} is the unknown to estimate, not an input"
            )
        if isinstance(count, bool) or not isinstance(count, int | float) or not math.isfinite(count):
            raise InputError(f"{where}: rows[{i}]: count {count!r} is not a number")
        if count < 0:
            raise InputError(f"{where}: rows[{i}]: count {count} is negative")
        if count > MAX_COUNT:
            raise InputError(f"{where}: rows[{i}]: count {count} is too large (at most {MAX_COUNT:,})")
        if float(count) != int(count):
            raise InputError(f"{where}: rows[{i}]: count {count} is not a whole number")
        if pattern in seen:
            raise InputError(f"{where}: rows[{i}]: pattern {pattern} appears twice")
        seen[pattern] = float(count)
    table = build_table(lists, seen)
    if table.observed == 0:
        raise InputError(f"{where}: the table has no cases")
    return table


def read_counts_file(path: str | Path) -> CountTable:
    """Read an ``estimate --counts`` JSON file; anything unreadable is a one-line InputError."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(doc, dict) or "lists" not in doc or "rows" not in doc:
        raise InputError(f"{p}: expected a JSON object with 'lists' and 'rows'")
    return load_counts(doc["lists"], doc["rows"], where=str(p))


def hierarchical_closure(terms: Iterable[Term]) -> tuple[Term, ...]:
    """The terms plus every sub-term of order >= 2 (a three-way term implies its two-way margins)."""
    out: set[Term] = set()
    for term in terms:
        for size in range(2, len(term) + 1):
            out.update(itertools.combinations(term, size))
    return canonical(out)


def canonical(terms: Iterable[Term]) -> tuple[Term, ...]:
    """Canonical order: by order (size), then by list position. Design columns follow this order."""
    return tuple(sorted({tuple(sorted(t)) for t in terms}, key=lambda t: (len(t), t)))


def parse_model(spec: str | Sequence[Sequence[str]] | None, lists: Sequence[str]) -> tuple[Term, ...] | None:
    """Parse ``--model`` (``"LA:NG,PFNCA:GP"``; ``""`` = main effects only) or a list of name lists.

    Returns None when ``spec`` is None (search for a model). Sub-terms of higher-order terms are
    added (hierarchy). Unknown names, single-list terms and repeated names are InputErrors.
    """
    if spec is None:
        return None
    index = {name: i for i, name in enumerate(lists)}
    raw_terms: list[list[str]]
    if isinstance(spec, str):
        raw_terms = [part.strip().split(":") for part in spec.split(",") if part.strip()]
    else:
        raw_terms = [list(t) for t in spec]
    terms: list[Term] = []
    for names in raw_terms:
        names = [n.strip() for n in names]
        label = ":".join(names)
        unknown = [n for n in names if n not in index]
        if unknown:
            raise InputError(f"model term {label!r}: unknown list {unknown[0]!r} (lists: {', '.join(lists)})")
        if len(names) < 2:
            raise InputError(f"model term {label!r}: a term joins two or more lists (main effects are always in)")
        if len(set(names)) != len(names):
            raise InputError(f"model term {label!r} names a list twice")
        terms.append(tuple(sorted(index[n] for n in names)))
    return hierarchical_closure(terms)


def format_term(term: Term, lists: Sequence[str]) -> str:
    return ":".join(lists[i] for i in term)


def format_model(terms: Iterable[Term], lists: Sequence[str]) -> str:
    """The ``--model`` form of a model: ``"LA:NG,PFNCA:GP"``; ``""`` for main effects only."""
    return ",".join(format_term(t, lists) for t in canonical(terms))
