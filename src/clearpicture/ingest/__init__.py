"""Ingest: agency exports into the store, losing nothing and saying exactly what is wrong.

``run(store, paths, mapping=None)`` reads every file under ``paths`` (data packages, zips, loose
files in CSV, XLSX, Parquet or JSON Lines), brings each into the exchange standard (directly or
through a column mapping), and loads it in one transaction: killed at any moment, the store holds
all of it or none. For every table, read = loaded + quarantined + unchanged.

A file that cannot be read as a whole (missing required column, not a CSV, empty) stops that
file's tables with a one-line error naming the file and column; other files still load, and the
errors are returned for the caller to report.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from .. import progress
from ..errors import InputError
from ..security import Actor, local_operator
from ..security.audit import record
from ..store import StageResult, Store
from .discover import SourceFile, discover
from .load import TableCounts, forget_seen, load_table
from .mapping import Mapping, column_expressions_sql, load_mapping, unused_columns
from .readers import shown_name, stage_file

__all__ = ["IngestReport", "Mapping", "load_mapping", "run"]

IngestReport = dict[str, Any]


def _quarantine_rejects(store: Store, run_id: str, table: str, src: SourceFile, rejects: list[Any]) -> None:
    if rejects:
        store.con.executemany(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(run_id, table, src.display, r.row, r.column, r.reason, r.raw) for r in rejects],
        )


def _rows_known(src: SourceFile) -> int | None:
    """Rows in the file when its format says so cheaply (Parquet metadata), for the progress total."""
    if src.format != "parquet":
        return None
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(src.path).metadata.num_rows)


def run(
    store: Store,
    paths: Iterable[str | Path],
    mapping: Mapping | str | Path | None = None,
    *,
    on_file: Callable[[str, str], None] | None = None,
    actor: Actor | None = None,
    justification: str | None = None,
) -> StageResult:
    """Ingest ``paths`` into ``store``. ``result.counts`` holds ``tables`` (per-table accounting)
    and ``errors`` (one line each for files that could not be read). ``on_file(phase, name)`` is
    called as each file is read (phase ``reading``) and loaded (``loading``), for progress."""
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    names = [str(p) for p in paths]
    params = {"paths": names, "mapping": mapping.name if mapping else None}
    workdir = Path(tempfile.mkdtemp(prefix="clearpicture-ingest-"))
    try:
        files = discover(names, workdir, mapped=mapping is not None)
        if not files:
            raise InputError(f"{', '.join(names)}: no files of the standard found (expected persons.csv, events.csv ...)")
        totals: dict[str, TableCounts] = {}
        errors: list[str] = []
        # Stage every file first, outside the transaction: a file DuckDB cannot read must not
        # abort the transaction that loads the others.
        staged_files = []
        for i, src in enumerate(files):
            if src.format == "unread":  # a zip or other export found in a folder, never read there
                errors.append(f"{src.display}: {src.unread}: not read")
                continue
            targets = mapping.tables_for(src.path.name) if mapping else ([src.table] if src.table else [])
            if not targets:
                # Found beside the files that are read, so the user expects it read: say it is not.
                why = (f"matches no table's file pattern in the mapping '{mapping.name}'" if mapping
                       else src.unread or "not a table of the standard")
                errors.append(f"{src.display}: {why}: not read")
                continue
            if on_file:
                on_file("reading", src.display)
            staged_name = f"stg_{i}"
            reading = progress.step("ingest", f"read {src.display}", total=partial(_rows_known, src))
            try:
                staged = stage_file(store.con, src, staged_name)
                reading.done(staged.rows + len(staged.rejects),
                             **({"rejected": len(staged.rejects)} if staged.rejects else {}))
                plans = [
                    (t, column_expressions_sql(t, staged.columns, src.display,
                                               mapping.tables.get(t) if mapping else None))
                    for t in targets
                ]
            except InputError as exc:
                reading.done()
                errors.append(str(exc))
                store.con.execute(f"DROP TABLE IF EXISTS {staged_name}")
                continue
            if not mapping and src.table and (unused := unused_columns(src.table, staged.columns)):
                # A mapping names what it takes from an export; a standard file's other columns
                # would be dropped without a word. The rows load; the columns are reported.
                shown = ", ".join(shown_name(c) for c in unused)
                errors.append(f"{src.display}: {shown} {'is not a column' if len(unused) == 1 else 'are not columns'}"
                              f" of {src.table}: not read (rename, or give --mapping)")
            staged_files.append((src, staged, plans))
        feeds = [t for _src, _staged, plans in staged_files for t, _exprs in plans]
        forget_seen(store.con)
        try:
            with store.run("ingest", params) as result:
                for src, staged, plans in staged_files:
                    if on_file:
                        on_file("loading", src.display)
                    for t, exprs in plans:
                        loading = progress.step("ingest", f"load {t} from {src.display}",
                                                total=staged.rows + len(staged.rejects))
                        counts = load_table(
                            store.con, table_name=t, staged=staged.table, expressions=exprs,
                            run_id=result.run_id, display=src.display,
                            repeats=mapping.tables[t].repeats if mapping else "quarantine",
                            several_files=feeds.count(t) > 1,
                        )
                        # Rows that could not be read at all count against every table the file feeds.
                        counts.read += len(staged.rejects)
                        counts.quarantined += len(staged.rejects)
                        _quarantine_rejects(store, result.run_id, t, src, staged.rejects)
                        loading.done(counts.read, loaded=counts.loaded, quarantined=counts.quarantined,
                                     unchanged=counts.unchanged)
                        store.con.execute(
                            "INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [result.run_id, src.display, t, src.format, counts.read, counts.loaded,
                             counts.quarantined, counts.unchanged, counts.invalid_values],
                        )
                        totals.setdefault(t, TableCounts()).add(counts)
                result.counts = {"tables": {t: c.as_dict() for t, c in totals.items()}, "errors": errors}
                # Section 62: collection is logged in the same transaction as the load itself.
                record(store, actor or local_operator(), "collection",
                       {"stage": "ingest", "run_id": result.run_id, "files": [f.display for f, _s, _p in staged_files],
                        "loaded": {t: c.loaded for t, c in totals.items()}},
                       justification=justification or "ingest of agency records")
        finally:
            forget_seen(store.con)
            for _src, staged, _plans in staged_files:
                store.con.execute(f"DROP TABLE IF EXISTS {staged.table}")
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
