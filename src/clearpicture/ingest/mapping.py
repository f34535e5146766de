"""Column mappings: how one agency's export is brought into the exchange standard.

A mapping is a small YAML file, validated on load (every problem reported at once, each naming
the key), that says for each standard table which file feeds it and how each standard column is
made from the export: renamed from a column, a constant, values translated (``Female -> F``),
dates re-read from a local format, a full name split. The mapping becomes SQL expressions over the
staged file; it never edits the export. See ``docs/ingest.md`` and the examples in ``mappings/``.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from .. import standard
from ..configfile import read_yaml
from ..errors import ConfigError, InputError, MissingColumnError
from .staging import shown_name

__all__ = ["ColumnSpec", "Mapping", "TableMapping", "column_expressions_sql", "load_mapping", "unused_columns"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    """How one standard column is made: from a column or a constant, then optionally transformed."""

    from_: str | None = None
    constant: str | None = None
    values: dict[str, str | None] | None = None  # translate recorded values; others kept as they are
    date_format: str | None = None  # strptime format of the export, e.g. "%d/%m/%Y"
    case: Literal["upper", "lower"] | None = None
    # A multi-valued field recorded with another separator ("CSE; Missing"): split on it, trim each
    # element, translate each through ``values``, and join with the standard's "|".
    list_separator: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _rename_from(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"from_": data}
        if isinstance(data, dict) and "from" in data:
            data = dict(data)
            data["from_"] = data.pop("from")
        return data

    @model_validator(mode="after")
    def _one_origin(self) -> ColumnSpec:
        if (self.from_ is None) == (self.constant is None):
            raise ValueError("give exactly one of 'from' (a column of the export) or 'constant'")
        return self

    @field_validator("date_format")
    @classmethod
    def _valid_format(cls, v: str | None) -> str | None:
        if v is not None:
            if "%" not in v:
                raise ValueError(f"'{v}' is not a strptime format (e.g. %d/%m/%Y)")
            # Checked by the engine that applies it: Python lets through directives DuckDB refuses
            # (%Q, %e), which then failed mid-ingest as an internal error.
            try:
                duckdb.execute("SELECT try_strptime('2000-01-01', ?)", [v])
            except duckdb.Error as exc:
                detail = str(exc).split("\n")[0].split(": ", 1)[-1].rstrip(": ")
                raise ValueError(f"'{v}' is not a valid strptime format ({detail})") from exc
        return v

    @field_validator("list_separator")
    @classmethod
    def _separator_not_empty(cls, v: str | None) -> str | None:
        if v == "":
            raise ValueError("must not be empty (it would split every letter): give the separator, e.g. ';'")
        return v

    @field_validator("values", mode="before")
    @classmethod
    def _stringify(cls, v: Any) -> Any:
        if isinstance(v, dict):
            # YAML reads unquoted Yes/No/On/Off/True/False as booleans: `{Yes: CSE}` became the key
            # "True", which no recorded "Yes" matches, so the value passed untranslated without a word.
            bools = [x for x in (*v.keys(), *v.values()) if isinstance(x, bool)]
            if bools:
                raise ValueError(f"an unquoted Yes, No, On, Off, True or False is read by YAML as {bools[0]!s}: "
                                 "quote it, e.g. 'Yes': CSE")
            return {str(k): (None if val is None else str(val)) for k, val in v.items()}
        return v


class SplitName(_Strict):
    """Split one full-name column into forename, middle names and surname."""

    from_: str
    surname_first: bool = False  # "SMITH, John Paul" or "Smith John"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _rename_from(cls, data: Any) -> Any:
        if isinstance(data, dict) and "from" in data:
            data = dict(data)
            data["from_"] = data.pop("from")
        return data


class TableMapping(_Strict):
    """Which file feeds a standard table, and how its columns are made."""

    file: str = "*"  # glob on the file name
    columns: dict[str, ColumnSpec] = {}
    split_name: SplitName | None = None
    # One row per crime *and person* repeats the crime: identical repeats of an id are expected and
    # counted as unchanged rather than quarantined as duplicates.
    repeats: Literal["quarantine", "identical"] = "quarantine"


class Mapping(_Strict):
    """A whole mapping file."""

    mapping_version: Literal[1] = 1
    name: str
    description: str = ""
    tables: dict[str, TableMapping]

    @model_validator(mode="after")
    def _known_tables_and_columns(self) -> Mapping:
        problems = _name_problems({"tables": {t: {"columns": dict(tm.columns), "split_name": tm.split_name}
                                              for t, tm in self.tables.items()}})
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def tables_for(self, file_name: str) -> list[str]:
        """The standard tables that a file of this name feeds, in load order."""
        return [t for t in standard.TABLE_NAMES if t in self.tables and fnmatch.fnmatch(file_name, self.tables[t].file)]


def _name_problems(doc: dict[str, Any]) -> list[str]:
    """Tables and columns a mapping names that the standard does not have, each naming its key.

    Checked on the document as written, so they are reported together with every other problem
    (a validator on the model runs only when everything else is valid, and stopped at the first).
    """
    tables = doc.get("tables")
    if not isinstance(tables, dict):
        return []
    problems = []
    for tname, tm in tables.items():
        if tname not in standard.TABLE_NAMES:
            problems.append(f"tables.{tname}: not a table of the standard ({', '.join(standard.TABLE_NAMES)})")
            continue
        if not isinstance(tm, dict):
            continue
        names = set(standard.table(tname).names)
        columns = tm.get("columns")
        for col in columns if isinstance(columns, dict) else ():
            if col not in names:
                problems.append(f"tables.{tname}.columns.{col}: not a column of {tname}")
        if tm.get("split_name") and tname != "persons":
            problems.append(f"tables.{tname}.split_name: only persons have names to split")
    return problems


def _loc(err: Any) -> str:
    return ".".join(str(p) for p in err.get("loc", ()) if p not in ("from_",))


def _message(err: Any) -> str:
    if err.get("type") == "extra_forbidden":
        return "unknown key"
    return str(err.get("msg", "")).removeprefix("Value error, ")


def load_mapping(path: str | Path) -> Mapping:
    """Load and validate a mapping file; a ConfigError lists every problem, each naming its key."""
    p = Path(path)
    doc = read_yaml(p, "mapping")
    if not isinstance(doc, dict):
        raise ConfigError(f"{p}: a mapping must be a YAML mapping with keys name and tables")
    problems = _name_problems(doc)
    try:
        mapping = Mapping.model_validate(doc)
    except ValidationError as exc:
        # Model-level errors (no key) are the name problems already listed.
        problems += [f"{_loc(err)}: {_message(err)}" for err in exc.errors() if _loc(err)]
        problems = problems or [_message(err) for err in exc.errors()]
        raise ConfigError(f"{p}: " + "; ".join(problems)) from exc
    return mapping


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


#: Blank characters around a value that are not part of it: spaces, tabs, and the no-break and
#: narrow spaces spreadsheets leave (an id "P1" + U+00A0 was another record than "P1", whose links
#: then pointed at nothing).
BLANKS = " \t\u00a0\u2007\u202f\ufeff"


def trim_sql(expr: str) -> str:
    """SQL: ``expr`` without the blank characters around it."""
    return f"trim({expr}, {_lit(BLANKS)})"


def _spec_sql(spec: ColumnSpec, file_columns: set[str], display: str, target: str) -> str:
    if spec.constant is not None:
        expr = _lit(spec.constant)
    else:
        assert spec.from_ is not None
        if spec.from_ not in file_columns:
            near = [c for c in file_columns if _normal_name(c) == _normal_name(spec.from_)]
            hint = f" (the file has {shown_name(near[0])}: 'from' names a column exactly)" if near else ""
            raise MissingColumnError(f"{display}: column '{spec.from_}' (mapped to {target}) is missing{hint}")
        expr = f"NULLIF({trim_sql(_q(spec.from_))}, '')"
    if spec.case == "upper":
        expr = f"upper({expr})"
    elif spec.case == "lower":
        expr = f"lower({expr})"
    cases = " ".join(
        f"WHEN {_lit(k)} THEN {'NULL' if v is None else _lit(v)}" for k, v in (spec.values or {}).items()
    )
    if spec.list_separator:
        element = f"(CASE {trim_sql('e')} {cases} ELSE {trim_sql('e')} END)" if cases else trim_sql("e")
        parts = f"list_transform(string_split({expr}, {_lit(spec.list_separator)}), lambda e: {element})"
        expr = f"NULLIF(array_to_string(list_filter({parts}, lambda e: e IS NOT NULL AND e <> ''), '|'), '')"
    elif cases:
        expr = f"(CASE {expr} {cases} ELSE {expr} END)"
    if spec.date_format:
        # Keep the recorded text when it does not parse, so validation reports it instead of losing it.
        out = "%Y-%m-%dT%H:%M:%S" if "%H" in spec.date_format else "%Y-%m-%d"
        expr = f"coalesce(strftime(try_strptime({expr}, {_lit(spec.date_format)}), '{out}'), {expr})"
    return expr


def _split_sql(split: SplitName, part: str) -> str:
    col = _q(split.from_)
    if split.surname_first:
        # "SMITH, John Paul": surname before the comma; without a comma, the first word.
        norm = f"regexp_replace(trim({col}), '\\s+', ' ', 'g')"
        surname = f"NULLIF(trim(CASE WHEN contains({norm}, ',') THEN split_part({norm}, ',', 1) ELSE split_part({norm}, ' ', 1) END), '')"
        rest = f"trim(CASE WHEN contains({norm}, ',') THEN substr({norm}, strpos({norm}, ',') + 1) ELSE substr({norm}, length(split_part({norm}, ' ', 1)) + 2) END)"
        words = f"string_split({rest}, ' ')"
        fore = f"NULLIF({words}[1], '')"
        middle = f"NULLIF(array_to_string({words}[2:], ' '), '')"
        return {"surname": surname, "forename": fore, "middle_names": middle}[part]
    words = f"string_split(regexp_replace(trim({col}), '\\s+', ' ', 'g'), ' ')"
    return {
        "forename": f"NULLIF({words}[1], '')",
        "surname": f"CASE WHEN len({words}) > 1 THEN {words}[-1] END",
        "middle_names": f"CASE WHEN len({words}) > 2 THEN array_to_string({words}[2:len({words}) - 1], ' ') END",
    }[part]


def _some(names: list[str], n: int = 8) -> str:
    """The first ``n`` names, for a message that shows what the file does have."""
    shown = ", ".join(shown_name(c) for c in names[:n])
    return (shown + f" and {len(names) - n} more") if len(names) > n else shown or "none"


def _normal_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _same_name_column(standard_column: str, file_columns: list[str], display: str) -> str | None:
    """The file column that names ``standard_column``: exactly, else ignoring case and spacing.

    ``Date of Birth``, ``DATE_OF_BIRTH`` and ``date-of-birth`` all name ``date_of_birth``; a file
    column such as ``Forename`` used to be passed over and the forenames left empty without a word.
    Two columns naming the same standard column (``Date of Birth`` and ``date_of_birth``) are an
    error: either choice would silently drop the other.
    """
    found = [c for c in file_columns if _normal_name(c) == standard_column]
    if len(found) > 1:
        names = " and ".join(shown_name(c) for c in found)
        raise InputError(f"{display}: line 1: columns {names} both name {standard_column}: keep one")
    return found[0] if found else None


def unused_columns(table_name: str, file_columns: list[str]) -> list[str]:
    """The file's columns that name no column of ``table_name`` (case and spacing aside).

    Without a mapping these are values no table receives: ``DOB`` beside ``date_of_birth``'s
    place was passed over without a word. The caller reports them; the rows still load.
    """
    names = set(standard.table(table_name).names)
    return [c for c in file_columns if _normal_name(c) not in names]


def column_expressions_sql(
    table_name: str, file_columns: list[str], display: str, tm: TableMapping | None = None
) -> dict[str, str]:
    """Standard column → SQL expression over the staged file.

    Without a mapping (or for columns it does not mention) a standard column is read from the file
    column of the same name. A required column with no source raises MissingColumnError naming the
    file and the column.
    """
    schema = standard.table(table_name)
    have = set(file_columns)
    out: dict[str, str] = {}
    for f in schema.fields:
        spec = tm.columns.get(f.name) if tm else None
        if spec is not None:
            out[f.name] = _spec_sql(spec, have, display, f.name)
        elif tm and tm.split_name and f.name in ("forename", "middle_names", "surname"):
            if tm.split_name.from_ not in have:
                raise MissingColumnError(f"{display}: column '{tm.split_name.from_}' (split into names) is missing")
            out[f.name] = _split_sql(tm.split_name, f.name)
        elif (col := _same_name_column(f.name, file_columns, display)) is not None:
            out[f.name] = f"NULLIF({trim_sql(_q(col))}, '')" if f.name != "text" else f"NULLIF({_q(col)}, '')"
        elif f.required:
            raise MissingColumnError(f"{display}: required column '{f.name}' of {table_name} is missing "
                                     f"(the file's columns: {_some(file_columns)})")
        else:
            out[f.name] = "CAST(NULL AS VARCHAR)"
    return out
