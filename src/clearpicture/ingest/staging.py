"""What every reader of an export produces, and the checks they share.

A reader stages one file as a temporary DuckDB table of text columns named as in the file, plus
``_row`` (the row's number in the file, header = 1), and a list of :class:`Reject` rows that could
not be read at all. Here: those two shapes, header checks, the repeated-header check, and quoting
helpers. This module reads no file itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from ..errors import InputError

__all__ = ["RAW_LIMIT", "Reject", "StagedFile", "check_header", "clip", "first_line", "lit", "q", "reject_repeated_headers",
           "shown_name"]


@dataclass(frozen=True)
class Reject:
    """A row that could not be read: where it is and why."""

    row: int
    column: str | None
    reason: str
    raw: str


@dataclass
class StagedFile:
    table: str  # staging table name
    columns: list[str]  # the file's columns, as named in the file
    rejects: list[Reject]
    rows: int  # rows read into staging (good rows)


#: How much of a row that cannot be read is kept in quarantine.
RAW_LIMIT = 10_000


def clip(text: str) -> str:
    """``text`` cut to RAW_LIMIT characters, saying so: a cut raw line must not pass for the whole."""
    if len(text) <= RAW_LIMIT:
        return text
    return f"{text[:RAW_LIMIT]} … [{len(text) - RAW_LIMIT:,} more characters not kept here: see the file at this row]"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def shown_name(name: str) -> str:
    """A column name quoted for a one-line message (a broken quote can put a line break in it)."""
    text = json.dumps(name, ensure_ascii=False)[1:-1]
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def check_header(names: list[str], display: str) -> list[str]:
    cleaned = [n.strip().lstrip("\ufeff").strip() for n in names]
    if not cleaned or all(not n for n in cleaned):
        raise InputError(f"{display}: line 1: no header row")
    # Keyed without case: DuckDB's column names ignore case, and so does matching to the standard.
    seen: dict[str, str] = {}
    for i, n in enumerate(cleaned, start=1):
        if not n:
            raise InputError(f"{display}: line 1: column {i} has no name")
        if n.lower() in seen:
            first = seen[n.lower()]
            twice = (f"column {shown_name(n)} appears twice" if first == n
                     else f"columns {shown_name(first)} and {shown_name(n)} are the same name")
            raise InputError(f"{display}: line 1: {twice}")
        if n.startswith("_"):
            raise InputError(f"{display}: line 1: column {shown_name(n)}: names starting with '_' are reserved")
        seen[n.lower()] = n
    return cleaned


def reject_repeated_headers(con: duckdb.DuckDBPyConnection, name: str, header: list[str]) -> list[Reject]:
    """Take out rows that repeat the header (exports joined end to end): they are not records.

    Left in, such a row loads as a record whose id is the word ``person_id``. A row counts as a
    header only when every column holds its own name (case and surrounding spaces aside).
    """
    if not header:
        return []
    # A joined-on export may bring its own byte-order mark: "\ufeffsource" still repeats the header.
    blanks = lit(" \t\ufeff")
    cond = " AND ".join(f"lower(trim({q(c)}, {blanks})) = {lit(c.lower())}" for c in header)
    found = con.execute(f"SELECT _row FROM {name} WHERE {cond} ORDER BY _row").fetchall()
    if not found:
        return []
    con.execute(f"DELETE FROM {name} WHERE {cond}")
    return [Reject(int(r), None, "the header row repeated (files joined together?): not a record", ",".join(header))
            for (r,) in found]


def first_line(exc: BaseException) -> str:
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
    return lines[0][:300] if lines else type(exc).__name__
