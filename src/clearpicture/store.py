"""The workspace store: one DuckDB file holding every table of every stage.

The store owns the connection, the schema (created and migrated by version), the ``runs`` table
that records every stage run, and transactions. Stages receive a ``Store`` and write their own
tables through it. It must not contain stage logic: no validation, linkage or scoring here.

Table shapes for the standard tables (``raw_*``) come from :mod:`clearpicture.standard`: a field
with a typed form (dates, codes, numbers) is stored twice, ``<name>`` typed (NULL when the value
failed validation) and ``<name>_raw`` as recorded; other fields once, as recorded.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from . import __version__, standard
from .errors import StoreError

__all__ = ["SCHEMA_VERSION", "StageResult", "Store", "open_store", "raw_columns"]

SCHEMA_VERSION = 1

#: DuckDB type for each Frictionless type of the standard.
_SQL_TYPES = {"string": "VARCHAR", "date": "DATE", "datetime": "TIMESTAMP", "number": "DOUBLE"}

#: Bookkeeping columns every raw table carries: content hash, the run that loaded the row,
#: and where it came from (file and 1-based data row), so any figure traces to a file row.
META_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_hash", "VARCHAR"),
    ("_run_id", "VARCHAR"),
    ("_file", "VARCHAR"),
    ("_row", "BIGINT"),
)


def raw_columns(table_name: str) -> list[tuple[str, str]]:
    """(column, DuckDB type) of ``raw_<table_name>``, data columns first, then bookkeeping."""
    cols: list[tuple[str, str]] = []
    for f in standard.table(table_name).fields:
        if f.validated:
            cols.append((f.name, _SQL_TYPES[f.type]))
            cols.append((f"{f.name}_raw", "VARCHAR"))
        else:
            cols.append((f.name, "VARCHAR"))
    return cols + list(META_COLUMNS)


def _ddl() -> list[str]:
    stmts = [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE TABLE IF NOT EXISTS runs (
            run_id VARCHAR PRIMARY KEY, stage VARCHAR NOT NULL, parameters VARCHAR,
            version VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR,
            counts VARCHAR)""",
        """CREATE TABLE IF NOT EXISTS ingest_runs (
            run_id VARCHAR, file VARCHAR, table_name VARCHAR, format VARCHAR,
            read BIGINT, loaded BIGINT, quarantined BIGINT, unchanged BIGINT, invalid_values BIGINT)""",
        """CREATE TABLE IF NOT EXISTS quarantine (
            run_id VARCHAR, table_name VARCHAR, file VARCHAR, row_number BIGINT,
            column_name VARCHAR, reason VARCHAR, raw VARCHAR)""",
        """CREATE TABLE IF NOT EXISTS field_issues (
            run_id VARCHAR, table_name VARCHAR, source VARCHAR, record_id VARCHAR, file VARCHAR,
            row_number BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR)""",
    ]
    for name in standard.TABLE_NAMES:
        cols = ", ".join(f'"{c}" {t}' for c, t in raw_columns(name))
        stmts.append(f"CREATE TABLE IF NOT EXISTS raw_{name} ({cols})")
        stmts.append(
            f"CREATE TABLE IF NOT EXISTS history_{name} ({cols}, _replaced_by VARCHAR, _replaced_at TIMESTAMP)"
        )
    return stmts


#: Migrations by target version; each is a list of statements run in one transaction.
MIGRATIONS: dict[int, list[str]] = {1: _ddl()}


@dataclass
class StageResult:
    """What a stage run read, wrote and counted; also the row written to ``runs``."""

    stage: str
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    parameters: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))
    finished_at: datetime | None = None
    status: str = "running"


class Store:
    """An open workspace: a DuckDB connection plus schema, runs and transactions.

    ``key`` (or the environment variable ``CLEARPICTURE_DB_KEY``) encrypts the file at rest with
    DuckDB's database encryption; a file written with a key cannot be opened without it.
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:", *, key: str | None = None,
                 read_only: bool = False, memory_limit: str | None = None,
                 temp_directory: str | None = None) -> None:
        self.path = str(path)
        key = key if key is not None else os.environ.get("CLEARPICTURE_DB_KEY") or None
        try:
            if key and self.path != ":memory:":
                self.con = duckdb.connect()
                _load_crypto(self.con, self.path)
                quoted = self.path.replace("'", "''")
                mode = ", READ_ONLY" if read_only else ""
                safe_key = key.replace("'", "''")
                self.con.execute(f"ATTACH '{quoted}' AS ws (ENCRYPTION_KEY '{safe_key}'{mode})")
                self.con.execute("USE ws")
                # The encrypted file is ATTACHed to an in-memory instance, whose spill folder would
                # otherwise be `.tmp` in whatever directory the command started from: keep it beside
                # the workspace, as DuckDB does for a file it opens directly.
                temp_directory = temp_directory or f"{self.path}.tmp"
            else:
                self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open workspace ({_first_line(exc)})") from exc
        # Times are stored in UTC; a text time without an offset is read as UTC.
        self.con.execute("SET TimeZone = 'UTC'")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if temp_directory:
            self.con.execute("SET temp_directory = ?", [str(temp_directory)])
        self._depth = 0
        if not read_only:
            self.migrate()

    # -- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        exists = self.con.sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ).fetchall()[0][0]
        if not exists:
            return 0
        row = self.con.sql("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        return int(row[0][0]) if row else 0

    def migrate(self) -> None:
        """Bring the schema up to :data:`SCHEMA_VERSION`, one transaction per step."""
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: workspace schema v{current} is newer than this clearpicture (v{SCHEMA_VERSION})"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                for stmt in MIGRATIONS[version]:
                    self.con.execute(stmt)
                self.con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)]
                )

    # -- queries --------------------------------------------------------------------------
    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and fetch every row (a result is always consumed: DuckDB 2 needs it)."""
        return self.con.execute(query, params or []).fetchall()

    def execute(self, query: str, params: list[Any] | None = None) -> None:
        """Run a statement for its effect."""
        self.con.execute(query, params or [])

    def scratch(self, name: str, select: str, params: list[Any] | None = None) -> None:
        """Build a connection-local working table (TEMP) from ``select``, outside any transaction.

        DuckDB keeps no row counts for tables written inside an open transaction: until the commit
        it estimates them at 0 rows and may then choose join orders that are quadratic in the data
        (the definitions stage spilled tens of GB at 10M records this way). Working tables a later
        query joins are therefore built here, before ``run``; the stage's transaction only
        publishes results. Raises StoreError when called inside a transaction.
        """
        if self.transaction_depth:
            raise StoreError(f"scratch table {name}: build working tables before the stage's transaction, "
                             "where DuckDB knows their size")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}", params or [])

    def dicts(self, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return rows as dicts keyed by column name."""
        cur = self.con.execute(query, params or [])
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def has_table(self, name: str) -> bool:
        return bool(
            self.con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            ).fetchall()[0][0]
        )

    def count(self, table_name: str) -> int:
        return int(self.con.sql(f'SELECT count(*) FROM "{table_name}"').fetchall()[0][0])

    # -- transactions and runs ------------------------------------------------------------
    @property
    def transaction_depth(self) -> int:
        """How many :meth:`transaction` blocks are open (a stage run is one): 0 outside any."""
        return self._depth

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: a failure (or a kill) leaves the previous state intact. Nests."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.con.execute("ROLLBACK")
            raise
        self._depth = 0
        self.con.execute("COMMIT")

    def record_run(self, result: StageResult) -> None:
        """Write (or update) the ``runs`` row for a stage run."""
        self.con.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                result.run_id,
                result.stage,
                json.dumps(result.parameters, default=str, sort_keys=True),
                __version__,
                result.started_at,
                result.finished_at,
                result.status,
                json.dumps(result.counts, default=str, sort_keys=True),
            ],
        )

    @contextmanager
    def run(self, stage: str, parameters: Mapping[str, Any] | None = None) -> Iterator[StageResult]:
        """A stage run in one transaction, recorded in ``runs`` when it commits."""
        result = StageResult(stage=stage, parameters=dict(parameters or {}))
        with self.transaction():
            yield result
            result.finished_at = datetime.now(UTC).replace(tzinfo=None)
            result.status = "ok"
            self.record_run(result)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: str | os.PathLike[str], **kwargs: Any) -> Store:
    """Open (creating if needed) the workspace at ``path``."""
    p = Path(path)
    if str(path) != ":memory:" and p.parent and not p.parent.exists():
        raise StoreError(f"{path}: folder {p.parent} does not exist")
    return Store(path, **kwargs)


def _load_crypto(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """DuckDB writes encrypted files only with OpenSSL, which comes with its httpfs extension.

    The extension ships as a Python package (``duckdb-extension-httpfs``, a dependency) so nothing is
    downloaded at run time; it is loaded from that package's folder by path, and a DuckDB whose own
    extension folder already holds httpfs works too. Without it DuckDB can only read encrypted files;
    we refuse rather than fall back to its 'unsafe' mode, because a workspace that claims to be
    encrypted must really be.
    """
    for extension in [*_packaged_extensions("httpfs"), "httpfs"]:
        try:
            con.execute(f"LOAD '{extension}'" if extension != "httpfs" else "LOAD httpfs")
            return
        except duckdb.Error:
            continue
    raise StoreError(
        f"{path}: encryption at rest (CLEARPICTURE_DB_KEY) needs DuckDB's httpfs extension for DuckDB "
        f"{duckdb.__version__}, which is not installed here; install the package "
        f"duckdb-extension-httpfs=={duckdb.__version__} or unset CLEARPICTURE_DB_KEY"
    )


def _packaged_extensions(name: str) -> list[str]:
    """Paths of ``name`` built for this DuckDB inside the ``duckdb_extension_<name>`` package, if any."""
    import importlib.util

    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        return []
    found: list[str] = []
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
        if candidate.is_file():
            found.append(str(candidate).replace("'", "''"))
    return found


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
