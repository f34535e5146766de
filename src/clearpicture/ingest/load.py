"""Validate staged rows and load them into ``raw_*`` tables without losing any.

For each (file, table) the rows go through four SQL steps, all on DuckDB inside the caller's
transaction:

1. *candidates*: the standard columns made from the file (mapping expressions), with the line;
2. *identity*: rows with an empty key column, later repeats of a key in the file, and keys another
   file of the same ingest gave other content, go to ``quarantine`` with the line, column and
   reason, the raw row kept as JSON;
3. *validation*: each field with a typed form gets it (NULL when the value fails), and a text field
   holding a control character is flagged; each failure becomes a ``field_issues`` row; the row
   itself still loads with its raw value;
4. *merge*: rows whose content hash matches the stored version are ``unchanged``; changed rows
   move the old version to ``history_*`` and replace it; new rows are inserted.

Accounting holds by construction: every candidate lands in exactly one of loaded, quarantined,
unchanged. Pure SQL builders are the ``*_sql`` functions; ``load_table`` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .. import standard
from ..standard import Field

__all__ = ["CONTROL_CHARACTERS", "TableCounts", "control_reason_sql", "forget_seen", "has_control_sql", "load_table",
           "typed_sql"]


@dataclass
class TableCounts:
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    unchanged: int = 0
    invalid_values: int = 0

    def add(self, other: TableCounts) -> None:
        for k in ("read", "loaded", "quarantined", "unchanged", "invalid_values"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("read", "loaded", "quarantined", "unchanged", "invalid_values")}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Dates before this are treated as impossible in these records (nobody in them was born earlier).
EARLIEST = "1900-01-01"

#: Control characters that have no place in a recorded value (RE2 class): C0 controls but tab,
#: line feed and carriage return, DEL, and C1 controls (cp1252 text decoded as Latin-1). Legacy
#: exports pad fields with NUL; a name holding one looks right on screen and matches nothing.
#: A text field holding one loads as recorded and gets a field_issues row; quality counts it invalid.
CONTROL_CHARACTERS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\x{80}-\x{9F}]"


def has_control_sql(expr: str) -> str:
    """SQL: text ``expr`` holds a control character (NULL for NULL).

    Written as "not wholly made of other characters": DuckDB runs a full match of the negated
    class about twice as fast as a search for the class, which matters on long note texts.
    """
    return f"NOT regexp_full_match({expr}, '[^{CONTROL_CHARACTERS[1:-1]}]*')"


def control_reason_sql(col: str) -> str:
    """The field_issues reason for a text value holding a control character (NULL when it holds none)."""
    c = _q(col)
    return (f"CASE WHEN {has_control_sql(c)} THEN 'contains a control character (U+' || "
            f"upper(lpad(to_hex(unicode(regexp_extract({c}, {_lit(CONTROL_CHARACTERS)}))), 4, '0')) || ')' END")


def typed_sql(f: Field, col: str) -> tuple[str, str]:
    """(typed expression, reason expression) for a validated field over raw text column ``col``.

    The reason is NULL when the value is empty or valid, otherwise a short sentence for the
    quality stage. Future means after the moment of loading (plus a day for time zones).
    """
    c = _q(col)
    if f.type == "date":
        parsed = f"try_strptime({c}, '%Y-%m-%d')::DATE"
        ok = f"({parsed} BETWEEN DATE '{EARLIEST}' AND current_date + 1)"
        reason = (
            f"CASE WHEN {c} IS NULL THEN NULL WHEN {parsed} IS NULL THEN 'not a date in the form YYYY-MM-DD' "
            f"WHEN {parsed} > current_date + 1 THEN 'date in the future' "
            f"WHEN {parsed} < DATE '{EARLIEST}' THEN 'date before {EARLIEST[:4]}' END"
        )
        return f"CASE WHEN {ok} THEN {parsed} END", reason
    if f.type == "datetime":
        parsed = f"timezone('UTC', try_cast({c} AS TIMESTAMPTZ))"
        ok = f"({parsed} BETWEEN TIMESTAMP '{EARLIEST}' AND now()::TIMESTAMP + INTERVAL 1 DAY)"
        reason = (
            f"CASE WHEN {c} IS NULL THEN NULL WHEN {parsed} IS NULL THEN 'not an ISO 8601 date or time' "
            f"WHEN {parsed} > now()::TIMESTAMP + INTERVAL 1 DAY THEN 'date in the future' "
            f"WHEN {parsed} < TIMESTAMP '{EARLIEST}' THEN 'date before {EARLIEST[:4]}' END"
        )
        return f"CASE WHEN {ok} THEN {parsed} END", reason
    if f.type == "number":
        parsed = f"try_cast({c} AS DOUBLE)"
        lo = f"{parsed} >= {f.minimum}" if f.minimum is not None else "true"
        hi = f"{parsed} <= {f.maximum}" if f.maximum is not None else "true"
        reason = (
            f"CASE WHEN {c} IS NULL THEN NULL WHEN {parsed} IS NULL THEN 'not a number' "
            f"WHEN NOT ({lo} AND {hi}) THEN 'out of range [{f.minimum}, {f.maximum}]' END"
        )
        return f"CASE WHEN {lo} AND {hi} THEN {parsed} END", reason
    if f.codelist:
        # A code written in other case ("Crime", "f") is that code: no two codes of a list differ
        # only by case, and refusing it would leave, say, every event kind of a file empty.
        whens = " ".join(f"WHEN {_lit(x.lower())} THEN {_lit(x)}" for x in sorted(standard.code_list(f.codelist)))
        canonical = f"(CASE lower({c}) {whens} END)"
        return (
            canonical,
            f"CASE WHEN {c} IS NOT NULL AND {canonical} IS NULL THEN 'unknown code for {f.name}' END",
        )
    if f.pattern:
        pat = _lit(f.pattern)
        return (
            f"CASE WHEN regexp_full_match({c}, {pat}) THEN {c} END",
            f"CASE WHEN {c} IS NOT NULL AND NOT regexp_full_match({c}, {pat}) THEN 'not in the expected form for {f.name}' END",
        )
    return c, "CAST(NULL AS VARCHAR)"


def _raw_json_sql(names: list[str], prefix: str) -> str:
    """The row as recorded, as JSON text, for quarantine (nothing is lost, even when it cannot load)."""
    return "to_json(struct_pack(" + ", ".join(f"{_q(n)} := {prefix}{_q(n)}" for n in names) + "))::VARCHAR"


def _hash_sql(names: list[str]) -> str:
    parts = ", ".join(f"coalesce({_q(n)}, chr(0))" for n in names)
    return f"md5(concat_ws(chr(31), {parts}))"


def load_table(
    con: duckdb.DuckDBPyConnection,
    *,
    table_name: str,
    staged: str,
    expressions: dict[str, str],
    run_id: str,
    display: str,
    repeats: str = "quarantine",
    several_files: bool = True,
) -> TableCounts:
    """Load the staged file ``staged`` into ``raw_<table_name>``; return its accounting.

    ``several_files`` says other files of this ingest feed the table too, so keys are checked
    across them (the usual single file per table skips that work)."""
    schema = standard.table(table_name)
    names = schema.names
    key = list(schema.primary_key)
    cand = f"{staged}_cand"
    select = ", ".join(f"{expr} AS {_q(n)}" for n, expr in expressions.items())
    con.execute(
        f"CREATE TEMP TABLE {cand} AS SELECT *, {_hash_sql(names)} AS _hash FROM (SELECT {select}, _row FROM {staged})"
    )
    counts = TableCounts()
    counts.read = int(con.execute(f"SELECT count(*) FROM {cand}").fetchall()[0][0])

    # -- identity: empty key columns, then repeats of a key within the file ------------------
    raw_json = _raw_json_sql(names, "")
    empty = " OR ".join(f"{_q(k)} IS NULL" for k in key)
    which = "CASE " + " ".join(f"WHEN {_q(k)} IS NULL THEN {_lit(k)}" for k in key) + " END"
    keycols = ", ".join(_q(k) for k in key)
    con.execute(
        f"""CREATE TEMP TABLE {cand}_q AS
            SELECT _row, {which} AS column_name, 'no identity: ' || {which} || ' is empty' AS reason, {raw_json} AS raw
            FROM {cand} WHERE {empty}"""
    )
    con.execute(f"DELETE FROM {cand} WHERE {empty}")
    # Repeats: the first occurrence of a key stays; later ones are quarantined, unless the mapping
    # says identical repeats are expected (one row per crime and person), which are then unchanged.
    con.execute(
        f"""CREATE TEMP TABLE {cand}_rank AS SELECT _row, _hash,
              row_number() OVER (PARTITION BY {keycols} ORDER BY _row) AS n,
              first_value(_row) OVER (PARTITION BY {keycols} ORDER BY _row) AS first_row,
              first_value(_hash) OVER (PARTITION BY {keycols} ORDER BY _row) AS first_hash
            FROM {cand}"""
    )
    repeat_cond = "r.n > 1" + (" AND r._hash <> r.first_hash" if repeats == "identical" else "")
    id_col = schema.id_column or key[-1]
    con.execute(
        f"""INSERT INTO {cand}_q SELECT c._row, {_lit(id_col)},
              'duplicate id: the same ' || {_lit(' + '.join(key))} || ' as line ' || r.first_row, {_raw_json_sql(names, "c.")}
            FROM {cand} c JOIN {cand}_rank r ON c._row = r._row WHERE {repeat_cond}"""
    )
    identical_repeats = 0
    if repeats == "identical":
        identical_repeats = int(
            con.execute(f"SELECT count(*) FROM {cand}_rank WHERE n > 1 AND _hash = first_hash").fetchall()[0][0]
        )
    con.execute(f"DELETE FROM {cand} WHERE _row IN (SELECT _row FROM {cand}_rank WHERE n > 1)")
    # Another file of this same ingest already gave this key other content: two versions of one
    # record in one delivery. Replacing the first reported both as loaded while one silently
    # disappeared; the later one is quarantined, as a repeat within a file is. ``seen`` holds every
    # key this ingest has read so far, loaded or unchanged: comparing with rows it loaded was not
    # enough, since a second run of the same delivery found the first version unchanged and let
    # the second replace it.
    target = f"raw_{table_name}"
    join = " AND ".join(f"t.{_q(k)} = c.{_q(k)}" for k in key)
    seen = f"seen_{table_name}"
    if several_files:
        con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {seen} AS SELECT {keycols}, _hash, _file, _row FROM {target} LIMIT 0")
        con.execute(
            f"""INSERT INTO {cand}_q SELECT c._row, {_lit(id_col)},
                  'duplicate id: the same ' || {_lit(' + '.join(key))} || ' as ' || t._file || ' line ' || t._row
                    || ' (read by this ingest)', {_raw_json_sql(names, "c.")}
                FROM {cand} c JOIN {seen} t ON {join} WHERE t._hash <> c._hash"""
        )
        con.execute(f"DELETE FROM {cand} c WHERE EXISTS (SELECT 1 FROM {seen} t WHERE {join} AND t._hash <> c._hash)")
        con.execute(
            f"""INSERT INTO {seen} SELECT {keycols}, _hash, {_lit(display)}, _row FROM {cand} c
                WHERE NOT EXISTS (SELECT 1 FROM {seen} t WHERE {join})"""
        )
    con.execute(
        f"""INSERT INTO quarantine SELECT {_lit(run_id)}, {_lit(table_name)}, {_lit(display)}, _row,
              column_name, reason, raw FROM {cand}_q"""
    )
    counts.quarantined = int(con.execute(f"SELECT count(*) FROM {cand}_q").fetchall()[0][0])

    # -- merge against the store: unchanged, replaced (old kept in history) or new ------------
    con.execute(
        f"""CREATE TEMP TABLE {cand}_state AS SELECT c._row,
              CASE WHEN t._hash IS NULL THEN 'new' WHEN t._hash = c._hash THEN 'same' ELSE 'changed' END AS state
            FROM {cand} c LEFT JOIN {target} t ON {join}"""
    )
    same = int(con.execute(f"SELECT count(*) FROM {cand}_state WHERE state = 'same'").fetchall()[0][0])
    counts.unchanged = same + identical_repeats
    changed = f"(SELECT c.* FROM {cand} c JOIN {cand}_state s USING (_row) WHERE s.state = 'changed')"
    raw_cols = [c for c, _ in _raw_layout(table_name)]
    col_list = ", ".join(_q(c) for c in raw_cols)
    con.execute(
        f"""INSERT INTO history_{table_name} SELECT t.*, {_lit(run_id)}, now()::TIMESTAMP
            FROM {target} t WHERE EXISTS (SELECT 1 FROM {changed} c WHERE {join})"""
    )
    con.execute(f"DELETE FROM {target} t WHERE EXISTS (SELECT 1 FROM {changed} c WHERE {join})")

    typed: list[str] = []
    issues: list[str] = []
    rid = _q(schema.id_column) if schema.id_column else "CAST(NULL AS VARCHAR)"
    text_fields = [f.name for f in schema.fields if not f.validated]
    for f in schema.fields:
        if f.validated:
            expr, reason = typed_sql(f, f.name)
            typed += [f"{expr} AS {_q(f.name)}", f"{_q(f.name)} AS {_q(f.name + '_raw')}"]
            issues.append(
                f"SELECT {_lit(f.name)} AS column_name, {_q(f.name)} AS value, {reason} AS reason, "
                f"source, {rid} AS record_id, _row FROM {cand}_load"
            )
        else:
            typed.append(_q(f.name))
            # Only rows holding a control character somewhere (few) are looked at field by field.
            issues.append(
                f"SELECT {_lit(f.name)} AS column_name, {_q(f.name)} AS value, {control_reason_sql(f.name)} AS reason, "
                f"source, {rid} AS record_id, _row FROM {cand}_ctrl"
            )
    con.execute(
        f"""CREATE TEMP TABLE {cand}_load AS SELECT c.* FROM {cand} c JOIN {cand}_state s USING (_row)
            WHERE s.state <> 'same'"""
    )
    everything = "concat_ws('', " + ", ".join(_q(n) for n in text_fields) + ")"
    con.execute(
        f"""CREATE TEMP TABLE {cand}_ctrl AS SELECT * FROM {cand}_load
            WHERE {has_control_sql(everything)}"""
    )
    con.execute(
        f"""INSERT INTO {target} ({col_list}) SELECT {', '.join(typed)}, _hash, {_lit(run_id)}, {_lit(display)}, _row
            FROM {cand}_load"""
    )
    counts.loaded = int(con.execute(f"SELECT count(*) FROM {cand}_load").fetchall()[0][0])
    if issues:
        union = " UNION ALL ".join(issues)
        con.execute(
            f"""INSERT INTO field_issues SELECT {_lit(run_id)}, {_lit(table_name)}, source, record_id, {_lit(display)},
                  _row, column_name, value, reason FROM ({union}) WHERE reason IS NOT NULL"""
        )
        counts.invalid_values = int(
            con.execute(
                "SELECT count(*) FROM field_issues WHERE run_id = ? AND table_name = ? AND file = ?",
                [run_id, table_name, display],
            ).fetchall()[0][0]
        )
    for suffix in ("", "_q", "_rank", "_state", "_load", "_ctrl"):
        con.execute(f"DROP TABLE IF EXISTS {cand}{suffix}")
    return counts


def forget_seen(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the keys one ingest has read (``seen_<table>``): the next ingest starts afresh."""
    for name in standard.TABLE_NAMES:
        con.execute(f"DROP TABLE IF EXISTS temp.seen_{name}")


def _raw_layout(table_name: str) -> list[tuple[str, str]]:
    from ..store import raw_columns

    return raw_columns(table_name)
