"""Masking an erased person's details inside other records' free text.

Erasure deletes the person's own records; but their name, phone or postcode can also sit in the
text of records that stay, because they concern others too: the notes about an event the person was
linked to, or the event's description. Here those values are masked in place, character for
character (``█``), so offsets into the text (language findings point into notes) stay right. Only
rows of the person's own source that are keyed to records linked to the person are touched.

This module must not delete rows (that is :mod:`.erasure`) nor decide who may erase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..store import Store

__all__ = ["MASK", "mask_text", "mask_values", "redact_sql", "redact_text_columns"]

MASK = "\u2588"
_MIN_LENGTH = 3
#: Free-text columns only: structured values (a shared phone object, another person's surname) are
#: other people's data too and are left alone.
_TEXT_COLUMNS = re.compile(
    r"(^|_)(text|description|comment|comments|summary|narrative|body|snippet|details?|reasons?|explanation|"
    r"evidence|facts)$")


def mask_values(values: Iterable[str | None]) -> list[str]:
    """The distinct values to mask (aliases split on ``|``), longest first, short ones left out."""
    out: set[str] = set()
    for value in values:
        for part in str(value or "").split("|"):
            part = part.strip()
            if len(part) >= _MIN_LENGTH:
                out.add(part)
    return sorted(out, key=lambda v: (-len(v), v))


def mask_text(text: str, values: Iterable[str | None]) -> str:
    """``text`` with each of ``values`` masked where it stands as a whole word (any case), character
    for character: for free text kept where the person's details must not be (a logged purpose)."""
    for value in mask_values(values):
        text = re.sub(r"(?<![^\W_])" + re.escape(value) + r"(?![^\W_])", lambda m: MASK * len(m.group(0)), text,
                      flags=re.IGNORECASE)
    return text


def _pattern(value: str) -> str:
    return r"(^|[^[:alnum:]])" + re.escape(value) + r"($|[^[:alnum:]])"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def redact_sql(table: str, column: str, key_column: str, n_ids: int) -> str:
    """UPDATE masking one value (parameters: pattern, replacement, source, ids..., pattern)."""
    q = _q
    marks = ", ".join("?" for _ in range(n_ids))
    return (f"UPDATE {q(table)} SET {q(column)} = regexp_replace({q(column)}, ?, ?, 'gi') "
            f"WHERE CAST(source AS VARCHAR) = ? AND CAST({q(key_column)} AS VARCHAR) IN ({marks}) "
            f"AND regexp_matches({q(column)}, ?, 'i')")


def redact_text_columns(
    store: Store,
    tables: dict[str, dict[str, str]],
    source: str,
    keys: dict[str, set[str]],
    values: Iterable[str],
) -> dict[str, int]:
    """Mask ``values`` in text columns of rows keyed ``(source, <kind>_id)`` for the given ids.

    Returns, per table, how many (cell, value) pairs were masked. A value next to itself ("Sam Sam") needs a
    second pass, since each match uses up the separator after it.
    """
    masked: dict[str, int] = {}
    targets = mask_values(values)
    for table, cols in tables.items():
        if "source" not in cols:
            continue
        for kind, ids in keys.items():
            key_column = f"{kind}_id"
            if key_column not in cols or not ids:
                continue
            wanted = sorted(ids)
            text_columns = [c for c, t in cols.items()
                            if t.upper() == "VARCHAR" and _TEXT_COLUMNS.search(c)]
            for column in text_columns:
                for value in targets:
                    pattern = _pattern(value)
                    replacement = r"\1" + MASK * len(value) + r"\2"
                    for attempt in range(2):
                        hits = int(store.sql(
                            f"SELECT count(*) FROM {_q(table)} WHERE CAST(source AS VARCHAR) = ? AND "
                            f"CAST({_q(key_column)} AS VARCHAR) IN ({', '.join('?' for _ in wanted)}) "
                            f"AND regexp_matches({_q(column)}, ?, 'i')", [source, *wanted, pattern])[0][0])
                        if not hits:
                            break
                        store.execute(redact_sql(table, column, key_column, len(wanted)),
                                      [pattern, replacement, source, *wanted, pattern])
                        if attempt == 0:
                            masked[table] = masked.get(table, 0) + hits
    return masked
