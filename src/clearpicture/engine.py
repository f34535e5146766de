"""The narrow engine seam: where the SQL of a stage runs, on DuckDB (in the store) or on Apache Spark.

An :class:`Engine` owns what every engine shares: naming of scratch tables, logging of each step,
turning engine failures into one-line :class:`~clearpicture.errors.EngineError` messages, and the
store transaction the results land in. The two implementations supply the few operations that differ:
where a named SQL step is materialised, how an Arrow table gets in and out, and which Splink database
API they hand to the linkage model. Dialect differences that SQL builders need (regular expressions,
splitting text) live in :class:`Dialect`, so a builder takes a dialect and never an engine.

PySpark is imported lazily; when it (or Java) is missing the Spark engine fails with one sentence
naming ``pip install 'clearpicture[spark]'``. This module must not hold stage logic.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import re
import shutil
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from .errors import EngineError
from .store import Store

__all__ = ["ENGINES", "Dialect", "DuckDBEngine", "Engine", "SparkEngine", "encrypted_workspace", "get_engine",
           "spark_session"]

ENGINES = ("duckdb", "spark")
_SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INSTALL = "the Spark engine needs PySpark and Java 17: pip install 'clearpicture[spark]'"


@dataclass(frozen=True)
class Dialect:
    """The few SQL spellings that differ between DuckDB and Spark SQL."""

    name: str

    @property
    def text(self) -> str:
        """The name of the text type in CAST."""
        return "STRING" if self.name == "spark" else "VARCHAR"

    def full_match(self, expr: str, pattern: str) -> str:
        """True when the whole of ``expr`` matches ``pattern`` (a regular expression without anchors)."""
        if self.name == "spark":
            return f"({expr} RLIKE '^(?:{pattern})$')"
        return f"regexp_full_match({expr}, '{pattern}')"

    def split(self, expr: str, separator: str) -> str:
        """``expr`` split on a literal one-character separator, as an array of text."""
        if self.name == "spark":
            return f"split({expr}, '{re.escape(separator)}')"
        return f"string_split({expr}, '{separator}')"

    def replace_all(self, expr: str, pattern: str, replacement: str) -> str:
        """Every match of ``pattern`` in ``expr`` replaced (DuckDB replaces the first unless told)."""
        if self.name == "spark":
            return f"regexp_replace({expr}, '{pattern}', '{replacement}')"
        return f"regexp_replace({expr}, '{pattern}', '{replacement}', 'g')"

    def array_of(self, expr: str) -> str:
        """A one-element array."""
        return f"array({expr})" if self.name == "spark" else f"list_value({expr})"

    def array_concat(self, left: str, right: str) -> str:
        """Two arrays joined end to end."""
        return f"concat({left}, {right})" if self.name == "spark" else f"list_concat({left}, {right})"

    def hash_text(self, expr: str) -> str:
        """A hex digest of ``expr``, the same on both engines (ids must not depend on the engine)."""
        return f"md5({expr})"


def _check_name(name: str) -> str:
    if not _SAFE_NAME.match(name):
        raise EngineError(f"invalid table name {name!r}")
    return name


class Engine(ABC):
    """Runs named SQL steps and hands a Splink database API to the linkage model.

    Steps run in order; outputs named in ``keep`` end up as ordinary tables in the store, all other
    steps are scratch tables dropped by :meth:`cleanup`. Every step is logged with its time, and any
    engine failure is re-raised as an ``EngineError`` naming the step.
    """

    name = "engine"

    def __init__(self, store: Store) -> None:
        self.store = store
        self.dialect = Dialect(self.name)
        self.log = logging.getLogger(f"clearpicture.engine.{self.name}")
        self._scratch: list[str] = []
        self.timings: dict[str, float] = {}

    # -- shared behaviour ---------------------------------------------------------------------
    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Time and log one step; engine exceptions become one-line EngineErrors."""
        started = time.perf_counter()
        try:
            yield
        except EngineError:
            raise
        except Exception as exc:
            if _is_engine_exception(exc):
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                raise EngineError(f"{self.name}: step {label} failed: {first}") from exc
            raise
        finally:
            took = time.perf_counter() - started
            self.timings[label] = self.timings.get(label, 0.0) + took
            self.log.info("%s: %s took %.2fs", self.name, label, took)

    def run_steps(self, steps: Sequence[tuple[str, str]], keep: Sequence[str] = (),
                  inputs: Mapping[str, Sequence[str] | None] | None = None) -> dict[str, int]:
        """Run ``steps`` (name, SELECT) in order; copy ``keep`` into the store; return their row counts.

        ``inputs`` names the store tables the steps read (with the columns needed) so an engine
        outside the store can copy them in first.
        """
        for table, columns in (inputs or {}).items():
            with self.step(f"load {table}"):
                self.use_store_table(_check_name(table), columns)
        for name, sql in steps:
            with self.step(name):
                self.create(_check_name(name), sql, keep=name in keep)
        counts = {}
        for name in keep:
            with self.step(f"store {name}"):
                self.to_store(name)
            counts[name] = self.store.count(name)
        return counts

    def cleanup(self) -> None:
        """Drop the scratch tables this engine made."""
        for name in self._scratch:
            self.drop(name)
        self._scratch.clear()

    # -- what differs ---------------------------------------------------------------------------
    @abstractmethod
    def use_store_table(self, table: str, columns: Sequence[str] | None = None) -> None:
        """Make a store table readable by later steps under the same name."""

    @abstractmethod
    def create(self, name: str, sql: str, keep: bool = False) -> None:
        """Materialise ``sql`` as ``name`` inside the engine."""

    @abstractmethod
    def load_arrow(self, name: str, table: pa.Table) -> None:
        """Put an Arrow table into the engine as scratch table ``name`` (lookups built in Python)."""

    @abstractmethod
    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Run a query in the engine and return its rows."""

    @abstractmethod
    def to_store(self, name: str) -> None:
        """Write engine table ``name`` into the store (replacing it there)."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Drop an engine table if it exists."""

    @abstractmethod
    def splink_api(self) -> Any:
        """A Splink ``DatabaseAPI`` for this engine, its scratch tables kept out of the store."""

    @abstractmethod
    def splink_input(self, api: Any, table: str, display_name: str) -> Any:
        """Register engine or store table ``table`` with ``api`` for Splink."""

    @abstractmethod
    def splink_to_arrow(self, frame: Any) -> pa.Table:
        """Collect a SplinkDataFrame as an Arrow table."""

    def close(self) -> None:
        """Release engine resources (the store stays open)."""
        self.cleanup()


class DuckDBEngine(Engine):
    """Steps run in the store's connection (or, ``separate``, a work catalog); Splink in the work catalog.

    The work catalog is an in-memory database attached to the store's DuckDB instance and used
    through a second connection of it, in autocommit: Splink's many scratch tables never reach the
    workspace file or its open transaction, and each is freed when dropped (inside the run's
    transaction nothing would be freed before the commit). With ``separate`` the steps run there
    too, reading the committed store tables, and kept outputs are copied into the store in SQL;
    Splink then reads a step's output where it is, with no copy through Arrow. Use it only when
    the run's transaction has not changed the tables the steps read. While the engine is open,
    ``threads`` and ``memory_limit`` hold for the whole DuckDB instance and are put back on
    :meth:`close`. An encrypted workspace's spill files are encrypted too (``temp_file_encryption``).
    """

    name = "duckdb"

    def __init__(self, store: Store, threads: int | None = None, memory_limit: str | None = None,
                 separate: bool = False) -> None:
        super().__init__(store)
        self.threads = threads
        self.memory_limit = memory_limit
        self.separate = separate
        self._work: duckdb.DuckDBPyConnection | None = None
        self._catalog = f"lk_work_{os.getpid()}_{id(self):x}"
        self._store_catalog = ""
        self._kept: dict[str, str] = {}  # kept output -> the catalog it was built in
        self._restore: dict[str, Any] = {}

    # -- the work catalog -------------------------------------------------------------------
    def _setting(self, name: str) -> Any:
        return self.store.con.sql("SELECT current_setting(?)", params=[name]).fetchall()[0][0]

    def _set(self, name: str, value: Any) -> None:
        """Set an instance-wide setting while the engine is open, remembering the value to put back."""
        self._restore.setdefault(name, self._setting(name))
        self.store.con.execute(f"SET {name} = ?", [value])

    def work(self) -> duckdb.DuckDBPyConnection:
        """The work connection (created on first use): a cursor of the store's instance, using the
        in-memory work catalog for new tables and the workspace's tables for reading."""
        if self._work is None:
            self._store_catalog = str(self.store.con.sql("SELECT current_database()").fetchall()[0][0])
            if self.threads:
                self._set("threads", int(self.threads))
            if self.memory_limit:
                # DuckDB spills to disk beyond this; keeps the run's working set bounded on big inputs.
                self._set("memory_limit", self.memory_limit)
            if encrypted_workspace(self.store.con):
                # DuckDB 1.5 leaves spill files in plaintext for a database ATTACHed with a key (as
                # the store does); with this they are encrypted under a key held only in memory.
                self.store.con.execute("SET temp_file_encryption = true")
            work = self.store.con.cursor()
            work.execute(f"ATTACH ':memory:' AS {self._catalog}")
            work.execute(f"USE {self._catalog}")
            work.execute("SET TimeZone = 'UTC'")
            self._work = work
            self._search_path()
        return self._work

    def _search_path(self) -> None:
        assert self._work is not None
        paths = [self._catalog, *self._kept.values(), f'"{self._store_catalog}"']
        self._work.execute("SET search_path = ?", [",".join(f"{c}.main" for c in paths)])

    def _kept_catalog(self, name: str) -> str:
        """A catalog of its own for each kept output: the store's transaction sees an attached
        database as it was when the transaction first read from it, so an output it copies must be
        in a database it has not read before."""
        if name not in self._kept:
            self._kept[name] = f"{self._catalog}_{name}"
            self.work().execute(f"ATTACH ':memory:' AS {self._kept[name]}")
            self._search_path()
        return self._kept[name]

    def _in_work(self, table: str) -> bool:
        return bool(self._work is not None and self._work.sql(
            "SELECT count(*) FROM duckdb_tables() WHERE list_contains(?, database_name) AND table_name = ?",
            params=[[self._catalog, *self._kept.values()], table]).fetchall()[0][0])

    # -- steps ---------------------------------------------------------------------------------
    def use_store_table(self, table: str, columns: Sequence[str] | None = None) -> None:
        return None  # readable where the steps run

    def create(self, name: str, sql: str, keep: bool = False) -> None:
        if self.separate:
            target = self._kept_catalog(name) if keep else self._catalog
            self.work().execute(f"CREATE OR REPLACE TABLE {target}.main.{name} AS {sql}")
            self._scratch.append(name)
        elif keep:
            self.store.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
        else:
            self.store.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
            self._scratch.append(name)

    def load_arrow(self, name: str, table: pa.Table) -> None:
        view = f"_arrow_{name}"
        con = self.work() if self.separate else self.store.con
        con.register(view, table)
        try:
            con.execute(f"CREATE OR REPLACE {'' if self.separate else 'TEMP '}TABLE {name} AS SELECT * FROM {view}")
        finally:
            con.unregister(view)
        self._scratch.append(name)

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        if self.separate:
            return self.work().sql(sql).fetchall()
        return self.store.sql(sql)

    def to_store(self, name: str) -> None:
        if self.separate:  # kept outputs are copied in SQL, inside the store's transaction
            self.store.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {self._kept[name]}.main.{name}")

    def drop(self, name: str) -> None:
        if self.separate:
            self.work().execute(f"DROP TABLE IF EXISTS {self._kept.get(name, self._catalog)}.main.{name}")
        else:
            self.store.execute(f"DROP TABLE IF EXISTS {name}")

    # -- Splink ----------------------------------------------------------------------------
    def splink_api(self) -> Any:
        from splink import DuckDBAPI

        return DuckDBAPI(connection=self.work())

    def splink_input(self, api: Any, table: str, display_name: str) -> Any:
        _check_name(table)
        if self._in_work(table):
            return api.register(table, dataset_display_name=display_name)
        # A store table (or a TEMP table of the store's connection, which the work connection
        # cannot see): copied in once.
        data = self.store.con.sql(f"SELECT * FROM {table}").to_arrow_table()
        work = self.work()
        work.register("_splink_in", data)
        work.execute(f"CREATE OR REPLACE TABLE {display_name} AS SELECT * FROM _splink_in")
        work.unregister("_splink_in")
        return api.register(display_name, dataset_display_name=display_name)

    def splink_to_arrow(self, frame: Any) -> pa.Table:
        return self.work().sql(f"SELECT * FROM {_check_name(frame.physical_name)}").to_arrow_table()

    def close(self) -> None:
        super().close()
        if self._work is not None:
            # Splink's tables too; then the catalog goes, unless the store's open transaction has
            # read from it (DuckDB then keeps it attached, empty, until the store closes).
            for catalog in [self._catalog, *self._kept.values()]:
                for (table,) in self._work.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = ?",
                                               params=[catalog]).fetchall():
                    self._work.execute(f'DROP TABLE IF EXISTS {catalog}.main."{table}"')
            self._work.execute(f'USE "{self._store_catalog}"')
            for catalog in [self._catalog, *self._kept.values()]:
                try:
                    self._work.execute(f"DETACH DATABASE IF EXISTS {catalog}")
                except duckdb.Error:
                    self.log.debug("%s stays attached (empty) until the store closes", catalog)
            self._kept.clear()
            self._work.close()
            self._work = None
        for name, value in self._restore.items():
            if value == _duckdb_default(name):
                self.store.con.execute(f"RESET {name}")  # DuckDB's default (it reports it rounded)
            else:
                self.store.con.execute(f"SET {name} = ?", [value])
        self._restore.clear()


@functools.cache
def _duckdb_default(name: str) -> Any:
    """DuckDB's own default for setting ``name`` on this machine (read once from a fresh instance)."""
    with duckdb.connect() as con:
        return con.sql("SELECT current_setting(?)", params=[name]).fetchall()[0][0]


def encrypted_workspace(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any database attached to ``con`` is encrypted (the workspace opened with a key)."""
    return bool(con.sql("SELECT count(*) FROM duckdb_databases() WHERE encrypted").fetchall()[0][0])


def spark_session(app_name: str = "clearpicture") -> Any:
    """The Spark session: the active one if any (``spark-submit``), else a local one; one sentence if unavailable.

    The local session (``local[2]`` unless ``CLEARPICTURE_SPARK_MASTER`` names another master) is
    configured by :func:`local_spark_conf`. On a cluster the driver script creates the session and
    this returns it unchanged, so ``spark-submit``'s configuration is never overridden here.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError(_INSTALL) from exc
    try:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        master = os.environ.get(SPARK_MASTER_ENV, "local[2]")
        builder = SparkSession.builder.master(master).appName(app_name)
        if master.startswith("local"):
            scratch = tempfile.mkdtemp(prefix="clearpicture-spark-")
            atexit.register(shutil.rmtree, scratch, True)
            for key, value in local_spark_conf(master, scratch).items():
                builder = builder.config(key, value)
        else:
            builder = builder.config("spark.sql.session.timeZone", "UTC")
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        if master.startswith("local") and not spark.sparkContext.getCheckpointDir():
            spark.sparkContext.setCheckpointDir(os.path.join(scratch, "checkpoints"))
        return spark
    except Exception as exc:  # noqa: BLE001 - Java missing or failing surfaces here
        first = (str(exc).strip().splitlines() or ["unknown"])[0][:200]
        raise EngineError(f"cannot start Spark ({first}); {_INSTALL}") from exc


class SparkEngine(Engine):
    """Store tables are copied into Spark (as Arrow); every step is a cached temporary view; kept outputs return.

    Splink's intermediate tables are written as Parquet under the session's checkpoint directory
    (``break_lineage_method="parquet"``), or cached when the session has none; :meth:`close` drops
    them and their files.
    """

    name = "spark"

    def __init__(self, store: Store, spark: Any = None) -> None:
        super().__init__(store)
        self.spark = spark if spark is not None else spark_session()
        self._splink_api: Any = None

    def use_store_table(self, table: str, columns: Sequence[str] | None = None) -> None:
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        data = self.store.con.sql(f"SELECT {cols} FROM {table}").to_arrow_table()
        self.load_arrow(table, data)

    def create(self, name: str, sql: str, keep: bool = False) -> None:
        frame = self.spark.sql(sql).cache()
        frame.createOrReplaceTempView(name)
        self._scratch.append(name)

    def load_arrow(self, name: str, table: pa.Table) -> None:
        schema = _spark_schema(table.schema)
        if table.num_rows == 0:
            frame = self.spark.createDataFrame([], schema=schema)
        else:
            # Arrow straight into the JVM (PySpark 4); through pandas only on older PySpark.
            data: Any = table if _spark_takes_arrow() else table.to_pandas()
            frame = self.spark.createDataFrame(data, schema=schema)
        frame.cache().createOrReplaceTempView(name)
        self._scratch.append(name)

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.spark.sql(sql).collect()]

    def to_store(self, name: str) -> None:
        data = self.spark.table(name).toArrow()
        self.store.con.register("_spark_result", data)
        try:
            self.store.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _spark_result")
        finally:
            self.store.con.unregister("_spark_result")

    def drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)  # also uncaches it

    def splink_api(self) -> Any:
        from splink.internals.spark.database_api import SparkAPI

        # Splink's intermediate tables (blocked pairs, comparison vectors, term frequencies...) are
        # written as Parquet under the session's checkpoint directory and read back, which cuts
        # each query's lineage: with "persist" (cached, lineage kept) every EM iteration planned and
        # compiled the whole chain again, hundreds of stages per query. Without a checkpoint
        # directory (a cluster that has none set) they are cached in memory instead.
        method = "parquet" if self.spark.sparkContext.getCheckpointDir() else "persist"
        # Only comparisons native to Spark SQL are used, so Splink's Scala UDF jar is not needed.
        self._splink_api = SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=self.spark, register_udfs_automatically=False, break_lineage_method=method)
        return self._splink_api

    def splink_input(self, api: Any, table: str, display_name: str) -> Any:
        if table not in {t.name for t in self.spark.catalog.listTables()}:
            self.use_store_table(table)
        return api.register(self.spark.table(table), dataset_display_name=display_name)

    def splink_to_arrow(self, frame: Any) -> pa.Table:
        return frame.as_spark_dataframe().toArrow()

    def close(self) -> None:
        super().close()
        if self._splink_api is not None:
            # Splink's intermediate tables would otherwise stay in the session (and on disk).
            created = list(self._splink_api._created_tables)
            self._splink_api.delete_tables_created_by_splink_from_db()
            folder = self.spark.sparkContext.getCheckpointDir()
            if folder and folder.startswith(("file:/", "/")) and self._splink_api.break_lineage_method == "parquet":
                local = folder.removeprefix("file:")
                for name in created:
                    shutil.rmtree(os.path.join(local, name), ignore_errors=True)
            self._splink_api = None


#: Environment variables that override the local Spark session's defaults (cluster runs get their
#: configuration from ``spark-submit`` instead: an active session is used as it is).
SPARK_MASTER_ENV = "CLEARPICTURE_SPARK_MASTER"
SPARK_MEMORY_ENV = "CLEARPICTURE_SPARK_MEMORY"


def _local_cores(master: str) -> int:
    """The number of worker threads of a ``local[N]`` / ``local[*]`` / ``local`` master."""
    found = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\s*\d+)?\])?", master.strip())
    if not found:
        return max(os.cpu_count() or 2, 1)
    if found.group(1) is None:
        return 1
    if found.group(1) == "*":
        return max(os.cpu_count() or 2, 1)
    return max(int(found.group(1)), 1)


def _machine_memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):  # not POSIX: assume a small machine
        return 8.0


def local_spark_conf(master: str, scratch: str) -> dict[str, str]:
    """The configuration of a local-mode session, sized from the machine.

    In local mode the driver JVM is also the executor, so its heap is the whole of Spark's memory:
    the JVM default (1 GB) made training thrash in garbage collection and then fail with "not enough
    memory to build and broadcast the table"; a sixth of the machine, between 1 and 4 GB, is used
    unless ``CLEARPICTURE_SPARK_MEMORY`` says otherwise. Shuffles get two partitions per core:
    Spark's default of 200 means hundreds of tiny tasks per Splink step. Spill and shuffle files
    go to ``scratch`` (removed when the process ends).
    """
    cores = _local_cores(master)
    memory_gb = min(max(round(_machine_memory_gb() / 6), 1), 4)
    memory = os.environ.get(SPARK_MEMORY_ENV) or f"{memory_gb}g"
    return {
        "spark.driver.memory": memory,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(2 * cores),
        "spark.default.parallelism": str(2 * cores),
        # Adaptive execution re-plans every query stage by stage; on one machine's few partitions it
        # has little to adapt, and the small test ran 20% faster without it (predict 39 s, not 66 s).
        "spark.sql.adaptive.enabled": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Plans are described for the (disabled) UI at every adaptive re-plan; Splink's long plans
        # made the "formatted" description a good share of the driver's time.
        "spark.sql.ui.explainMode": "simple",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.local.dir": scratch,
        "spark.driver.extraJavaOptions": f"-Djava.io.tmpdir={scratch}",
    }


def _spark_takes_arrow() -> bool:
    import pyspark

    return int(pyspark.__version__.split(".")[0]) >= 4


def _spark_schema(schema: pa.Schema) -> str:
    def typ(t: pa.DataType) -> str:
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            return f"ARRAY<{typ(t.value_type)}>"
        if pa.types.is_integer(t):
            return "BIGINT"
        if pa.types.is_floating(t):
            return "DOUBLE"
        if pa.types.is_boolean(t):
            return "BOOLEAN"
        if pa.types.is_timestamp(t):
            return "TIMESTAMP"
        if pa.types.is_date(t):
            return "DATE"
        return "STRING"

    return ", ".join(f"`{f.name}` {typ(f.type)}" for f in schema)


def _is_engine_exception(exc: BaseException) -> bool:
    module = type(exc).__module__
    return isinstance(exc, duckdb.Error) or module.startswith(("pyspark", "py4j", "splink", "_duckdb"))


def get_engine(name: str, store: Store, **kwargs: Any) -> Engine:
    """The engine called ``name`` over ``store``; an unknown name is an EngineError."""
    if name == "duckdb":
        return DuckDBEngine(store, **kwargs)
    if name == "spark":
        return SparkEngine(store, **kwargs)
    raise EngineError(f"unknown engine {name!r} (one of {', '.join(ENGINES)})")
