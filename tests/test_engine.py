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


def test_splink_connection_spills_beside_the_workspace(tmp_path: Path) -> None:
    # Splink's private DuckDB spills (memory-limited) must land where the workspace spills, not in
    # a `.tmp` folder of the directory the command happened to be started from.
    with Store(tmp_path / "w.duckdb") as store:
        engine = eng.DuckDBEngine(store, memory_limit="500MB")
        engine.splink_api()
        assert engine._splink_con is not None
        spill = engine._splink_con.sql("SELECT current_setting('temp_directory')").fetchall()[0][0]
        engine.close()
    assert spill == str(tmp_path / "w.duckdb") + ".tmp"
