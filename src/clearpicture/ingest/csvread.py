"""CSV exports into a staging table, every row numbered as a spreadsheet shows it.

DuckDB reads the rows (RFC 4180, UTF-8, comma, double quotes) for speed; this module reads the
header itself (byte-order mark, lone-CR lines, another separator, a trailing comma), reads a file
with mixed line endings through a normalised copy (see :mod:`lines`), gives good rows their row
numbers around rejected and blank rows, and keeps rejected rows as recorded. It interprets no value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb

from ..errors import InputError
from . import lines
from .discover import SourceFile
from .staging import (
    RAW_LIMIT,
    Reject,
    StagedFile,
    check_header,
    clip,
    first_line,
    lit,
    q,
    reject_repeated_headers,
)

__all__ = ["stage_csv"]


def _read_header(path: Path, display: str) -> tuple[list[str], int]:
    """The header's column names, and how many unnamed columns end it (a trailing comma)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
    except OSError as exc:
        raise InputError(f"{display}: cannot read ({exc})") from exc
    if not head.strip():
        raise InputError(f"{display}: the file is empty")
    # NUL bytes in the header line mean UTF-16 or a binary file. NUL bytes further down are data
    # (legacy exports pad fields with them): those rows go through the usual checks, one by one.
    if b"\x00" in re.split(rb"\r\n|\r|\n", head, maxsplit=1)[0]:
        raise InputError(f"{display}: this is not a text file (its header line contains NUL bytes): expected CSV")
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")  # a byte-order mark, then maybe a quote
    try:
        # Universal newlines: a file whose lines end in a lone CR (old Mac exports) has a header too.
        records = csv.reader(io.StringIO(text, newline=None))
        first = next(records)
    except (csv.Error, StopIteration) as exc:
        raise InputError(f"{display}: line 1: cannot read the header row ({exc})") from exc
    if len(first) == 1:
        # One column holding another separator: a European-locale (';') or tab-separated export
        # otherwise reads as one column and fails as "required column 'source' is missing".
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if sep in first[0]:
                raise InputError(f"{display}: line 1: the header is separated by {label}, not commas: "
                                 f"save the file as CSV with commas")
    # Some systems end every line with a comma: an unnamed last column, empty in every row. When
    # the first row has no such field, only the header has the stray comma: no unnamed column.
    width = len(first)
    while len(first) > 1 and not first[-1].strip():
        first.pop()
    unnamed = width - len(first)
    if unnamed and len(_first_record(records) or first) == len(first):
        unnamed = 0
    return check_header(first, display), unnamed


def _first_record(records: Iterator[list[str]]) -> list[str] | None:
    """The first non-blank record after the header, when the start of the file holds one whole."""
    try:
        return next((r for r in records if r), None)
    except csv.Error:
        return None


def stage_csv(con: duckdb.DuckDBPyConnection, src: SourceFile, name: str) -> StagedFile:
    header, unnamed = _read_header(src.path, src.display)
    found = lines.scan(src.path)
    copy = lines.normalised_copy(src.path) if found.mixed else None
    try:
        path = copy or src.path
        blanks = lines.blank_rows(path) if found.maybe_blank else []
        return _stage_csv_file(con, src, name, header, path, blanks, unnamed)
    finally:
        if copy is not None:
            copy.unlink(missing_ok=True)


def _stage_csv_file(con: duckdb.DuckDBPyConnection, src: SourceFile, name: str, header: list[str],
                    path: Path, blanks: list[int], unnamed: int = 0) -> StagedFile:
    # File names cannot start with "_", so these stand-ins for unnamed trailing columns are free.
    extra = [f"_unnamed_{len(header) + j + 1}" for j in range(unnamed)]
    columns = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in header + extra) + "}"
    rej = f"{name}_rej"
    try:
        con.execute(
            f"""CREATE TEMP TABLE {name}_tmp AS SELECT * FROM read_csv({lit(str(path))},
                header = true, auto_detect = false, columns = {columns}, delim = ',', quote = '"',
                escape = '"', ignore_errors = true, store_rejects = true, rejects_table = '{rej}',
                rejects_scan = '{rej}_scan', max_line_size = 10000000, strict_mode = true)"""
        )
        rejects_raw = con.execute(
            f"SELECT line, column_name, error_type, csv_line, error_message, line_byte_position FROM {rej} ORDER BY line"
        ).fetchall()
        con.execute(f"DROP TABLE IF EXISTS {rej}")
        con.execute(f"DROP TABLE IF EXISTS {rej}_scan")
    except duckdb.Error as exc:
        raise InputError(f"{src.display}: cannot read as CSV ({first_line(exc)})") from exc
    # Several errors can be reported for one line; the row is rejected once.
    rejects: list[Reject] = []
    seen: set[int] = set()
    for line, column, etype, raw, message, start in rejects_raw:
        if line in seen:
            continue
        seen.add(int(line))
        text = clip(str(raw or "").lstrip("\r\n"))
        if etype in ("INVALID ENCODING", "INVALID UNICODE") and start:
            text = _as_recorded(path, int(start) - 1, text.count("\n") + 1, "cp1252")
        elif len(text) >= RAW_LIMIT and start:  # DuckDB keeps 10,000 characters of a line, silently
            text = _as_recorded(path, int(start) - 1, text.count("\n") + 1, "utf-8")
        reason = {
            "TOO MANY COLUMNS": f"wrong field count: {message}",
            "MISSING COLUMNS": f"wrong field count: {message}",
            "INVALID ENCODING": "bytes that are not UTF-8",
            "INVALID UNICODE": "bytes that are not UTF-8",
            "UNQUOTED VALUE": f"broken quoting: {message}",
            "LINE SIZE OVER MAXIMUM": "a field is larger than 10 MB",
        }.get(str(etype), f"{str(etype).lower()}: {message}")
        column = None if str(column).startswith("_unnamed_") else column  # a stand-in, not a file column
        rejects.append(Reject(int(line), column, reason, text))
    # Row numbers of good rows: the k-th good row sits after k good rows, the header and every
    # rejected or blank row before it. Those are few, so an ASOF join maps them cheaply.
    skipped = sorted({r.row for r in rejects} | set(blanks))
    by_position: dict[int, int] = {}
    for i, row in enumerate(skipped):
        by_position[row - i - 2] = i + 1  # consecutive skipped rows share a position: keep the last
    gaps = sorted(by_position.items())
    con.execute(f"CREATE TEMP TABLE {name}_gaps (good_before BIGINT, skipped BIGINT)")
    if gaps:
        con.executemany(f"INSERT INTO {name}_gaps VALUES (?, ?)", gaps)
    cols = ", ".join(f"t.{q(c)}" for c in header + extra)
    con.execute(
        f"""CREATE TEMP TABLE {name} AS
            WITH t AS (SELECT *, rowid - (SELECT min(rowid) FROM {name}_tmp) AS _k FROM {name}_tmp)
            SELECT {cols}, t._k + 2 + coalesce(g.skipped, 0) AS _row
            FROM t ASOF LEFT JOIN {name}_gaps g ON t._k >= g.good_before ORDER BY t._k"""
    )
    con.execute(f"DROP TABLE {name}_tmp")
    con.execute(f"DROP TABLE {name}_gaps")
    rejects += _reject_unnamed_values(con, name, header, extra)
    rejects = sorted(rejects + reject_repeated_headers(con, name, header), key=lambda r: r.row)
    rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    return StagedFile(name, header, rejects, int(rows))


def _as_recorded(path: Path, offset: int, lines: int, encoding: str) -> str:
    """A rejected row read again from the file (clipped, saying so), for two gaps in DuckDB's copy:
    it shows each byte that is not UTF-8 as '?' ('Zoë' read 'Zo??'), so such a row is read as
    Windows-1252, what those exports mostly are; and it cuts a long line at 10,000 characters."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            data = fh.read((RAW_LIMIT + 1) * 4 * lines)  # enough bytes for RAW_LIMIT characters a line
    except OSError:
        return ""
    # DuckDB's position can fall on the line end before the row (the LF of a CRLF), as its own copy
    # of the line can start with one: skip it, or the row reads as empty.
    data = data.lstrip(b"\r\n")
    return clip(b"\n".join(re.split(rb"\r\n|\r|\n", data)[:lines]).decode(encoding, errors="replace"))


def _reject_unnamed_values(con: duckdb.DuckDBPyConnection, name: str, header: list[str],
                           extra: list[str]) -> list[Reject]:
    """Rows with a value in an unnamed trailing column are quarantined (the value belongs to no
    column, so loading the row would drop it); the unnamed columns then leave the staging table."""
    if not extra:
        return []
    cond = " OR ".join(f"{q(c)} IS NOT NULL" for c in extra)
    raw = "concat_ws(',', " + ", ".join(f"coalesce({q(c)}, '')" for c in header + extra) + ")"
    found = con.execute(f"SELECT _row, {raw} FROM {name} WHERE {cond} ORDER BY _row").fetchall()
    con.execute(f"DELETE FROM {name} WHERE {cond}")
    for c in extra:
        con.execute(f"ALTER TABLE {name} DROP COLUMN {q(c)}")
    first = len(header) + 1
    return [Reject(int(r), None, f"a value under column {first} or later, which has no name in the header",
                   clip(str(line))) for r, line in found]


