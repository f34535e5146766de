"""Read one file into a staging table of text columns, keeping every row accounted for.

Every reader produces the same thing: a temporary DuckDB table whose columns are the file's own
column names, all VARCHAR (values exactly as recorded, empty = NULL), plus ``_row``, the row's
line in the file (header = line 1), and a list of rows that could not be read at all (wrong field
count, undecodable bytes), each with its line, column and reason. Interpretation of the values
(mapping, validation) happens later, in SQL, on the staging table.

CSV is read by DuckDB itself for speed; JSON Lines and XLSX through Python, streamed in batches.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import InputError
from . import lines
from .discover import SourceFile

__all__ = ["Reject", "StagedFile", "shown_name", "stage_file"]

BATCH = 50_000


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


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def shown_name(name: str) -> str:
    """A column name quoted for a one-line message (a broken quote can put a line break in it)."""
    text = json.dumps(name, ensure_ascii=False)[1:-1]
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def _check_header(names: list[str], display: str) -> list[str]:
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
    return _check_header(first, display), unnamed


def _first_record(records: Iterator[list[str]]) -> list[str] | None:
    """The first non-blank record after the header, when the start of the file holds one whole."""
    try:
        return next((r for r in records if r), None)
    except csv.Error:
        return None


def _stage_csv(con: duckdb.DuckDBPyConnection, src: SourceFile, name: str) -> StagedFile:
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
    columns = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in header + extra) + "}"
    rej = f"{name}_rej"
    try:
        con.execute(
            f"""CREATE TEMP TABLE {name}_tmp AS SELECT * FROM read_csv({_lit(str(path))},
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
        raise InputError(f"{src.display}: cannot read as CSV ({_first_line(exc)})") from exc
    # Several errors can be reported for one line; the row is rejected once.
    rejects: list[Reject] = []
    seen: set[int] = set()
    for line, column, etype, raw, message, start in rejects_raw:
        if line in seen:
            continue
        seen.add(int(line))
        if etype in ("INVALID ENCODING", "INVALID UNICODE") and start:
            raw = _as_recorded(path, int(start) - 1, str(raw or "").count("\n") + 1)
        reason = {
            "TOO MANY COLUMNS": f"wrong field count: {message}",
            "MISSING COLUMNS": f"wrong field count: {message}",
            "INVALID ENCODING": "bytes that are not UTF-8",
            "INVALID UNICODE": "bytes that are not UTF-8",
            "UNQUOTED VALUE": f"broken quoting: {message}",
            "LINE SIZE OVER MAXIMUM": "a field is larger than 10 MB",
        }.get(str(etype), f"{str(etype).lower()}: {message}")
        column = None if str(column).startswith("_unnamed_") else column  # a stand-in, not a file column
        rejects.append(Reject(int(line), column, reason, str(raw or "").lstrip("\r\n")[:10_000]))
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
    cols = ", ".join(f"t.{_q(c)}" for c in header + extra)
    con.execute(
        f"""CREATE TEMP TABLE {name} AS
            WITH t AS (SELECT *, rowid - (SELECT min(rowid) FROM {name}_tmp) AS _k FROM {name}_tmp)
            SELECT {cols}, t._k + 2 + coalesce(g.skipped, 0) AS _row
            FROM t ASOF LEFT JOIN {name}_gaps g ON t._k >= g.good_before ORDER BY t._k"""
    )
    con.execute(f"DROP TABLE {name}_tmp")
    con.execute(f"DROP TABLE {name}_gaps")
    rejects += _reject_unnamed_values(con, name, header, extra)
    rejects = sorted(rejects + _reject_repeated_headers(con, name, header), key=lambda r: r.row)
    rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    return StagedFile(name, header, rejects, int(rows))


def _as_recorded(path: Path, offset: int, lines: int) -> str:
    """The bytes of a row that is not UTF-8, read again from the file as Windows-1252 (what such
    exports mostly are): DuckDB's copy shows each undecodable byte as '?', so 'Zoë' read 'Zo??'."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            data = fh.read(10_000 * lines)
    except OSError:
        return ""
    return b"\n".join(re.split(rb"\r\n|\r|\n", data)[:lines]).decode("cp1252", errors="replace")[:10_000]


def _reject_unnamed_values(con: duckdb.DuckDBPyConnection, name: str, header: list[str],
                           extra: list[str]) -> list[Reject]:
    """Rows with a value in an unnamed trailing column are quarantined (the value belongs to no
    column, so loading the row would drop it); the unnamed columns then leave the staging table."""
    if not extra:
        return []
    cond = " OR ".join(f"{_q(c)} IS NOT NULL" for c in extra)
    raw = "concat_ws(',', " + ", ".join(f"coalesce({_q(c)}, '')" for c in header + extra) + ")"
    found = con.execute(f"SELECT _row, {raw} FROM {name} WHERE {cond} ORDER BY _row").fetchall()
    con.execute(f"DELETE FROM {name} WHERE {cond}")
    for c in extra:
        con.execute(f"ALTER TABLE {name} DROP COLUMN {_q(c)}")
    first = len(header) + 1
    return [Reject(int(r), None, f"a value under column {first} or later, which has no name in the header",
                   str(line)[:10_000]) for r, line in found]


def _reject_repeated_headers(con: duckdb.DuckDBPyConnection, name: str, header: list[str]) -> list[Reject]:
    """Take out rows that repeat the header (exports joined end to end): they are not records.

    Left in, such a row loads as a record whose id is the word ``person_id``. A row counts as a
    header only when every column holds its own name (case and surrounding spaces aside).
    """
    if not header:
        return []
    cond = " AND ".join(f"lower(trim({_q(c)})) = {_lit(c.lower())}" for c in header)
    found = con.execute(f"SELECT _row FROM {name} WHERE {cond} ORDER BY _row").fetchall()
    if not found:
        return []
    con.execute(f"DELETE FROM {name} WHERE {cond}")
    return [Reject(int(r), None, "the header row repeated (files joined together?): not a record", ",".join(header))
            for (r,) in found]


def _parquet_text(column: str, sql_type: str) -> str:
    """A Parquet column as text. A list of values is the standard's ``|``-separated field:
    cast as such it read ``[CSE, GBCSE]``, a flag no measure recognised."""
    if sql_type.endswith("[]") and sql_type.count("[") == 1 and "STRUCT" not in sql_type and "MAP" not in sql_type:
        return f"array_to_string(list_transform({_q(column)}, lambda x: CAST(x AS VARCHAR)), '|')"
    return f"CAST({_q(column)} AS VARCHAR)"


def _stage_parquet(con: duckdb.DuckDBPyConnection, src: SourceFile, name: str) -> StagedFile:
    try:
        desc = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(str(src.path))})").fetchall()
    except duckdb.Error as exc:
        raise InputError(f"{src.display}: cannot read as Parquet ({_first_line(exc)})") from exc
    header = _check_header([d[0] for d in desc], src.display)
    cols = ", ".join(f"NULLIF({_parquet_text(d[0], str(d[1]))}, '') AS {_q(h)}" for d, h in zip(desc, header, strict=True))
    con.execute(
        f"""CREATE TEMP TABLE {name} AS SELECT {cols}, (file_row_number + 2)::BIGINT AS _row
            FROM read_parquet({_lit(str(src.path))}, file_row_number = true)"""
    )
    rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    return StagedFile(name, header, [], int(rows))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0) and value.tzinfo is None:
        # A spreadsheet date cell is a datetime at midnight: as a date it is what was recorded
        # (as ``1984-05-15T00:00:00`` every date of birth in a workbook failed validation).
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, list) and all(v is None or isinstance(v, str | int | float) for v in value):
        # A list of values is the standard's "|"-separated field (["CSE", "GBCSE"] -> CSE|GBCSE).
        return "|".join(t for v in value if (t := _text(v)) is not None) or None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text != "" else None


class _BatchWriter:
    """Collects rows of text into Arrow batches appended to the staging table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str, columns: list[str]) -> None:
        self.con, self.name, self.columns = con, name, columns
        self.buf: list[list[str | None]] = []
        self.count = 0
        cols = "".join(f"{_q(c)} VARCHAR, " for c in columns)
        con.execute(f"CREATE TEMP TABLE {name} ({cols}_row BIGINT)")

    def add(self, values: list[str | None], row: int) -> None:
        self.buf.append([*values, str(row)])
        if len(self.buf) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.buf:
            return
        arrays = [pa.array([r[i] for r in self.buf], pa.string()) for i in range(len(self.columns))]
        arrays.append(pa.array([int(r[-1] or 0) for r in self.buf], pa.int64()))
        batch = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
        self.con.register("_batch", batch)
        self.con.execute(f"INSERT INTO {self.name} SELECT * FROM _batch")
        self.con.unregister("_batch")
        self.count += len(self.buf)
        self.buf = []


class _GrowingWriter(_BatchWriter):
    """A batch writer whose columns grow as new keys appear (JSON Lines name them line by line), so
    a file is staged in one streamed pass: holding every parsed line first took memory in
    proportion to the file (about 1.5 kB a record, 15 GB for ten million)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, name: str, display: str) -> None:
        super().__init__(con, name, [])
        self.display = display
        self.rows: list[tuple[dict[str, str | None], int]] = []

    def add_record(self, obj: dict[str, Any], row: int) -> None:
        for k in obj:
            if str(k) not in self.columns:
                _check_header([*self.columns, str(k)], self.display)
                self.con.execute(f"ALTER TABLE {self.name} ADD COLUMN {_q(str(k))} VARCHAR")
                self.columns.append(str(k))
        self.rows.append(({str(k): _text(v) for k, v in obj.items()}, row))
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        arrays = [pa.array([r.get(c) for r, _ in self.rows], pa.string()) for c in self.columns]
        arrays.append(pa.array([n for _, n in self.rows], pa.int64()))
        batch = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
        cols = ", ".join(_q(c) for c in [*self.columns, "_row"])
        self.con.register("_batch", batch)
        self.con.execute(f"INSERT INTO {self.name} ({cols}) SELECT * FROM _batch")
        self.con.unregister("_batch")
        self.count += len(self.rows)
        self.rows = []


def _stage_jsonl(con: duckdb.DuckDBPyConnection, src: SourceFile, name: str) -> StagedFile:
    rejects: list[Reject] = []
    try:
        fh = src.path.open("rb")
    except OSError as exc:
        raise InputError(f"{src.display}: cannot read ({exc})") from exc
    writer = _GrowingWriter(con, name, src.display)
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                # utf-8-sig on line 1: Windows tools start the file with a byte-order mark.
                obj = json.loads(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))
            except UnicodeDecodeError:
                rejects.append(Reject(lineno, None, "bytes that are not UTF-8", raw[:10_000].decode("utf-8", "replace")))
                continue
            except ValueError as exc:
                rejects.append(Reject(lineno, None, f"not a JSON object ({exc})", raw[:10_000].decode("utf-8", "replace")))
                continue
            if not isinstance(obj, dict):
                rejects.append(Reject(lineno, None, "not a JSON object", raw[:10_000].decode("utf-8", "replace")))
                continue
            writer.add_record(obj, lineno)
    writer.flush()
    if not writer.count and not rejects:
        raise InputError(f"{src.display}: the file is empty")
    if not writer.count:
        # No line is an object, so there are no columns to stage the file by (this made an empty
        # CREATE TABLE, an internal error): a JSON array or a pretty-printed document, most often.
        first = rejects[0]
        hint = ("it looks like one JSON document (an array or a pretty-printed object)"
                if first.raw.lstrip()[:1] in ("[", "{") else f"line {first.row}: {first.reason}")
        raise InputError(f"{src.display}: no line is a JSON object: {hint}; expected JSON Lines, one object per line")
    return StagedFile(name, list(writer.columns), rejects, writer.count)


def _pick_sheet(book: Any, src: SourceFile) -> Any:
    """The sheet holding the records: the one named after the table, else the only one with data.

    A workbook with a sheet per quarter had every sheet but the first dropped without a word; now
    several sheets with data and none named after the table is an error naming them.
    """
    named = [ws for ws in book.worksheets if src.table and ws.title.strip().lower() == src.table]
    if named:
        return named[0]
    sheet = book.worksheets[0]
    others = [ws.title for ws in book.worksheets[1:]
              if any(v is not None for row in ws.iter_rows(values_only=True) for v in row)]
    if others:
        names = ", ".join(f"'{t}'" for t in others)
        hint = f", or name the records' sheet '{src.table}'" if src.table else ""
        raise InputError(f"{src.display}: the first sheet '{sheet.title}' is read, but {names} hold data too: "
                         f"put the records on one sheet{hint}")
    return sheet


def _stage_xlsx(con: duckdb.DuckDBPyConnection, src: SourceFile, name: str) -> StagedFile:
    import openpyxl

    try:
        book = openpyxl.load_workbook(src.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InputError(f"{src.display}: cannot read as XLSX ({_first_line(exc)})") from exc
    sheet = _pick_sheet(book, src)
    rows = sheet.iter_rows(values_only=True)
    try:
        first = next(rows)
    except StopIteration as exc:
        raise InputError(f"{src.display}: the sheet is empty") from exc
    names = [str(v) if v is not None else "" for v in first]
    while names and not names[-1].strip():
        names.pop()  # formatted but empty cells right of the header; values under them are extra fields
    header = _check_header(names, src.display)
    writer = _BatchWriter(con, name, header)
    rejects: list[Reject] = []
    width = len(header)
    for lineno, values in enumerate(rows, start=2):
        cells = [_text(v) for v in values]
        if all(c is None for c in cells):
            continue
        extra = [c for c in cells[width:] if c is not None]
        if extra:
            rejects.append(Reject(lineno, None, f"wrong field count: {width + len(extra)} values for {width} columns",
                                  "\t".join(c or "" for c in cells)[:10_000]))
            continue
        writer.add((cells + [None] * width)[:width], lineno)
    writer.flush()
    book.close()
    repeated = _reject_repeated_headers(con, name, header)
    return StagedFile(name, header, sorted(rejects + repeated, key=lambda r: r.row), writer.count - len(repeated))


def stage_file(con: duckdb.DuckDBPyConnection, src: SourceFile, name: str) -> StagedFile:
    """Read ``src`` into temporary table ``name``; raise InputError when the file as a whole is unreadable."""
    reader = {"csv": _stage_csv, "parquet": _stage_parquet, "jsonl": _stage_jsonl, "xlsx": _stage_xlsx}.get(src.format)
    if reader is None:
        raise InputError(f"{src.display}: unsupported format '{src.format}'")
    return reader(con, src, name)


def _first_line(exc: BaseException) -> str:
    lines = [ln for ln in str(exc).strip().splitlines() if ln.strip()]
    return lines[0][:300] if lines else type(exc).__name__
