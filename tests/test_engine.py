"""The engine seam: named steps, scratch tables, dialect spellings and one-line engine errors."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from clearpicture import engine as eng
from clearpicture.errors import EngineError
from clearpicture.store import Store


def test_steps_keep_outputs_and_drop_scratch() -> None:
    store = Store()
    store.execute("CREATE TABLE src AS SELECT * FROM (VALUES ('a', 1), ('b', 2)) t(k, v)")
    e = eng.get_engine("duckdb", store)
    counts = e.run_steps([("step_one", "SELECT k, v * 10 AS v FROM src"), ("kept", "SELECT * FROM step_one WHERE v > 10")],
                         keep=["kept"])
    assert counts == {"kept": 1} and set(e.timings) >= {"step_one", "kept"}
    e.close()
    assert store.has_table("kept") and not store.has_table("step_one")


def test_arrow_lookup_tables_load_and_join() -> None:
    store = Store()
    e = eng.get_engine("duckdb", store)
    e.load_arrow("lk", pa.table({"k": ["a"], "groups": pa.array([["x", "y"]], pa.list_(pa.string()))}))
    assert e.fetch("SELECT len(groups) FROM lk") == [(2,)]
    e.close()


def test_engine_failure_is_one_line_naming_the_step() -> None:
    e = eng.get_engine("duckdb", Store())
    with pytest.raises(EngineError, match="step broken failed"):
        e.run_steps([("broken", "SELECT * FROM no_such_table")])


def test_unknown_engine_and_bad_table_names_are_refused() -> None:
    with pytest.raises(EngineError, match="unknown engine"):
        eng.get_engine("oracle", Store())
    with pytest.raises(EngineError, match="invalid table name"):
        eng.get_engine("duckdb", Store()).run_steps([("x; DROP TABLE runs", "SELECT 1")])


def test_missing_pyspark_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_spark(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyspark"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_spark)
    with pytest.raises(EngineError, match=r"pip install 'clearpicture\[spark\]'"):
        eng.get_engine("spark", Store())


@pytest.mark.parametrize(("expr", "expected"), [
    (eng.Dialect("duckdb").full_match("'AB12'", "[A-Z]+[0-9]+"), True),
    (eng.Dialect("duckdb").full_match("'AB12x'", "[A-Z]+[0-9]+"), False),
    (eng.Dialect("duckdb").replace_all("'a-b-c'", "-", ""), "abc"),
    (eng.Dialect("duckdb").split("'a|b'", "|"), ["a", "b"]),
    (eng.Dialect("duckdb").array_concat(eng.Dialect("duckdb").array_of("'a'"), "['b']"), ["a", "b"]),
])
def test_duckdb_dialect_spellings(expr: str, expected: object) -> None:
    assert Store().sql(f"SELECT {expr}")[0][0] == expected


def test_spark_dialect_uses_spark_spellings() -> None:
    d = eng.Dialect("spark")
    assert "RLIKE" in d.full_match("x", "a") and "'g'" not in d.replace_all("x", "a", "b")
    assert d.split("x", "|").startswith("split(") and d.array_of("x") == "array(x)"


def test_work_connection_shares_the_workspace_instance_and_puts_settings_back(tmp_path: Path) -> None:
    # Splink works beside the workspace: its spills land where the workspace spills (not in a
    # `.tmp` folder of whatever directory the command was started from), and the run's memory
    # limit holds only while the engine is open.
    with Store(tmp_path / "w.duckdb") as store:
        before = store.sql("SELECT current_setting('memory_limit')")[0][0]
        engine = eng.DuckDBEngine(store, memory_limit="500MB")
        work = engine.work()
        assert work.sql("SELECT current_setting('temp_directory')").fetchall()[0][0] == str(tmp_path / "w.duckdb") + ".tmp"
        assert store.sql("SELECT current_setting('memory_limit')")[0][0] != before
        engine.close()
        assert store.sql("SELECT current_setting('memory_limit')")[0][0] == before


def test_separate_steps_read_the_store_and_keep_outputs_in_its_transaction(tmp_path: Path) -> None:
    with Store(tmp_path / "w.duckdb") as store:
        store.execute("CREATE TABLE src AS SELECT * FROM (VALUES ('a', 1), ('b', 2)) t(k, v)")
        with store.transaction():
            store.execute("CREATE TABLE earlier AS SELECT 1 AS x")  # the transaction already wrote
            e = eng.DuckDBEngine(store, separate=True)
            first = e.run_steps([("step_one", "SELECT k, v * 10 AS v FROM src"),
                                 ("kept_one", "SELECT * FROM step_one WHERE v > 10")], keep=["kept_one"])
            # a second kept output after the transaction has read the first one's catalog
            second = e.run_steps([("kept_two", "SELECT k FROM src")], keep=["kept_two"])
            assert first == {"kept_one": 1} and second == {"kept_two": 2}
            assert e.fetch("SELECT count(*) FROM kept_one") == [(1,)]
            e.close()
        assert store.has_table("kept_one") and store.has_table("kept_two") and not store.has_table("step_one")
        assert store.sql("SELECT count(*) FROM duckdb_tables() WHERE database_name LIKE 'lk_work%'")[0][0] == 0


def test_splink_tables_stay_out_of_the_workspace(tmp_path: Path) -> None:
    with Store(tmp_path / "w.duckdb") as store:
        store.execute("CREATE TABLE feats AS SELECT 'r' || range AS unique_id, range % 3 AS x FROM range(10)")
        with store.transaction():
            e = eng.DuckDBEngine(store)
            api = e.splink_api()
            frame = e.splink_input(api, "feats", "people")  # a store table is copied in once
            frame2 = api._sql_to_splink_dataframe(
                f"SELECT x, count(*) AS n FROM {frame.physical_name} GROUP BY x", "__splink__counts",
                "__splink__counts_1")
            assert e.splink_to_arrow(frame2).num_rows == 3
            names = [r[0] for r in store.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                                             "current_database()")]
            assert "feats" in names and not [n for n in names if n.startswith("__splink__") or n == "people"]
            e.close()
        assert store.sql("SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '__splink__')")[0][0] == 0


def _spill_holds_plaintext(tmp_path: Path, key: str | None) -> tuple[bool, object]:
    """Spill a table with a marker through the engine's work connection; is the marker on disk?"""
    path = tmp_path / ("enc" if key else "plain") / "w.duckdb"
    path.parent.mkdir()
    spill = path.parent / "spill"
    with Store(path, key=key, temp_directory=str(spill)) as store:
        e = eng.DuckDBEngine(store, memory_limit="64MB")
        work = e.work()
        setting = work.sql("SELECT current_setting('temp_file_encryption')").fetchall()[0][0]
        work.execute("SET preserve_insertion_order = false")
        work.execute("CREATE TABLE spilt AS SELECT 'MARKERqzx' || range::VARCHAR || repeat('y', 24) AS s "
                     "FROM range(4000000)")
        files = [f for f in spill.rglob("*") if f.is_file()] if spill.exists() else []
        found = any(b"MARKERqzx" in f.read_bytes() for f in files)
        assert files, "nothing spilt: the test would prove nothing"
        e.close()
    return found, setting


def test_encrypted_workspace_spills_no_plaintext(tmp_path: Path) -> None:
    found, setting = _spill_holds_plaintext(tmp_path, key="correct horse")
    assert setting is True and not found
    # the same spill from a workspace without a key is plain text: the check above can fail
    found_plain, _ = _spill_holds_plaintext(tmp_path, key=None)
    assert found_plain
