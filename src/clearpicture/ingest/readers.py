"""Read one file into a staging table of text columns, keeping every row accounted for.

Every reader produces the same thing: a temporary DuckDB table whose columns are the file's own
column names, all VARCHAR (values exactly as recorded, empty = NULL), plus ``_row``, the row's
line in the file (header = line 1), and a list of rows that could not be read at all (wrong field
count, undecodable bytes), each with its line, column and reason. Interpretation of the values
(mapping, validation) happens later, in SQL, on the staging table.

CSV is read by DuckDB itself for speed (:mod:`csvread`); Parquet by DuckDB; JSON Lines and XLSX
through Python, streamed in batches. The shapes and shared checks are in :mod:`staging`.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import InputError
from .csvread import stage_csv
from .discover import SourceFile
from .staging import (
    Reject,
    StagedFile,
    check_header,
    clip,
    first_line,
    lit,
    q,
    reject_repeated_headers,
    shown_name,
)

__all__ = ["Reject", "StagedFile", "shown_name", "stage_file"]

BATCH = 50_000


def _parquet_text(column: str, sql_type: str) -> str:
    """A Parquet column as text. A list of values is the standard's ``|``-separated field:
    cast as such it read ``[CSE, GBCSE]``, a flag no measure recognised."""
    if sql_type.endswith("[]") and sql_type.count("[") == 1 and "STRUCT" not in sql_type and "MAP" not in sql_type:
        return f"array_to_string(list_transform({q(column)}, lambda x: CAST(x AS VARCHAR)), '|')"
    return f"CAST({q(column)} AS VARCHAR)"


def _stage_parquet(con: duckdb.DuckDBPyConnection, src: SourceFile, name: str) -> StagedFile:
    try:
        desc = con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(str(src.path))})").fetchall()
    except duckdb.Error as exc:
        raise InputError(f"{src.display}: cannot read as Parquet ({first_line(exc)})") from exc
    header = check_header([d[0] for d in desc], src.display)
    cols = ", ".join(f"NULLIF({_parquet_text(d[0], str(d[1]))}, '') AS {q(h)}" for d, h in zip(desc, header, strict=True))
    con.execute(
        f"""CREATE TEMP TABLE {name} AS SELECT {cols}, (file_row_number + 2)::BIGINT AS _row
            FROM read_parquet({lit(str(src.path))}, file_row_number = true)"""
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
        cols = "".join(f"{q(c)} VARCHAR, " for c in columns)
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
                check_header([*self.columns, str(k)], self.display)
                self.con.execute(f"ALTER TABLE {self.name} ADD COLUMN {q(str(k))} VARCHAR")
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
        cols = ", ".join(q(c) for c in [*self.columns, "_row"])
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
                # utf-8-sig: Windows tools start a file with a byte-order mark, and files joined
                # end to end carry theirs into the middle.
                obj = json.loads(raw.decode("utf-8-sig"))
            except UnicodeDecodeError:
                rejects.append(Reject(lineno, None, "bytes that are not UTF-8", clip(raw.decode("utf-8", "replace").rstrip("\r\n"))))
                continue
            except ValueError as exc:
                rejects.append(Reject(lineno, None, f"not a JSON object ({exc})", clip(raw.decode("utf-8", "replace").rstrip("\r\n"))))
                continue
            if not isinstance(obj, dict):
                rejects.append(Reject(lineno, None, "not a JSON object", clip(raw.decode("utf-8", "replace").rstrip("\r\n"))))
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
        raise InputError(f"{src.display}: cannot read as XLSX ({first_line(exc)})") from exc
    sheet = _pick_sheet(book, src)
    rows = sheet.iter_rows(values_only=True)
    try:
        first = next(rows)
    except StopIteration as exc:
        raise InputError(f"{src.display}: the sheet is empty") from exc
    names = [str(v) if v is not None else "" for v in first]
    while names and not names[-1].strip():
        names.pop()  # formatted but empty cells right of the header; values under them are extra fields
    header = check_header(names, src.display)
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
                                  clip("\t".join(c or "" for c in cells))))
            continue
        writer.add((cells + [None] * width)[:width], lineno)
    writer.flush()
    book.close()
    repeated = reject_repeated_headers(con, name, header)
    return StagedFile(name, header, sorted(rejects + repeated, key=lambda r: r.row), writer.count - len(repeated))


def stage_file(con: duckdb.DuckDBPyConnection, src: SourceFile, name: str) -> StagedFile:
    """Read ``src`` into temporary table ``name``; raise InputError when the file as a whole is unreadable."""
    reader = {"csv": stage_csv, "parquet": _stage_parquet, "jsonl": _stage_jsonl, "xlsx": _stage_xlsx}.get(src.format)
    if reader is None:
        raise InputError(f"{src.display}: unsupported format '{src.format}'")
    return reader(con, src, name)


