"""How a CSV file's lines end and where its blank rows are, so every row keeps its number.

DuckDB reads CSV fast but takes one line ending for the whole file and does not say where blank
rows were: a file joined from a Windows and a Unix export glued rows together, and a blank row
shifted the row number of every good row after it (rejected rows, counted by DuckDB, kept theirs,
so a row number in ``raw_*`` pointed at another record). This module finds both with byte counts,
and reads the file with Python's csv module only when it may hold a blank row. It never changes
a file in place: a file with mixed endings is read through a normalised temporary copy.
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LineScan", "blank_rows", "normalised_copy", "scan"]

CHUNK = 1 << 26
#: DuckDB's max_line_size for CSV; Python's csv must accept fields as long when counting rows.
FIELD_LIMIT = 10_000_000


@dataclass(frozen=True)
class LineScan:
    mixed: bool  # lines end in more than one way (CRLF, LF, lone CR)
    maybe_blank: bool  # two line ends in a row somewhere: a blank row, or a blank line in a quoted value


def scan(path: Path) -> LineScan:
    """One pass of byte counts over ``path`` (files without CR skip most of them)."""
    crlf = cr = lf = 0
    blank = False
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            joined = last + chunk  # a pattern may straddle two chunks
            lf += chunk.count(b"\n")
            if b"\r" in joined:
                crlf += joined.count(b"\r\n") - last.count(b"\r\n")
                cr += chunk.count(b"\r")
                # Two line ends in a row, of any kinds: CR CR, LF CR (LF then CR or CRLF); CRLF CRLF has LF CR.
                blank = blank or b"\r\r" in joined or b"\n\r" in joined
            blank = blank or b"\n\n" in joined
            last = chunk[-3:]
    lone_cr, lone_lf = cr - crlf, lf - crlf
    return LineScan(mixed=sum(n > 0 for n in (crlf, lone_cr, lone_lf)) > 1, maybe_blank=blank)


def normalised_copy(path: Path) -> Path:
    """A temporary copy of ``path`` with every CRLF and lone CR made LF (the caller deletes it)."""
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="clearpicture-lines-")
    with path.open("rb") as src, os.fdopen(fd, "wb") as out:
        carry = b""
        while chunk := src.read(CHUNK):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""  # its LF may start the next chunk
            if carry:
                chunk = chunk[:-1]
            out.write(chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
        out.write(carry.replace(b"\r", b"\n"))
    return Path(tmp)


def blank_rows(path: Path) -> list[int]:
    """Row numbers (header = 1) of blank rows, counted as DuckDB counts rows for its rejects:
    a blank line is a row, a line break inside a quoted value is not."""
    previous = csv.field_size_limit(FIELD_LIMIT)
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            return [n for n, record in enumerate(csv.reader(fh), start=1) if not record]
    except csv.Error:
        return []  # DuckDB reads what Python cannot: numbers stay as DuckDB gives them
    finally:
        csv.field_size_limit(previous)
