"""The definitions stage: apply versioned definitions to the store and record who meets them.

``run(store, config)`` builds the working tables of :mod:`.criteria_sql`, evaluates every chosen
definition, and writes, in one recorded run:

* ``definition_cases(definition_id, version, source, event_id, meets, category, reasons, ...)``:
  every case considered (meeting, flagged, or a sexual offence) with the criteria that held and the
  records that made them hold;
* ``definition_victims(definition_id, source, person_id, entity_id, ...)``: child victims on
  meeting cases, any agency's record;
* ``definition_summary``: the scale under each definition side by side, with under-flagging.

It works on records before linkage and on entities once ``entity_persons`` exists; the network
variant needs ``group_members``. It must not decide anything from ethnicity, nationality or sex.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import progress
from ..errors import ConfigError
from ..store import StageResult, Store
from .criteria_sql import cases_sql, dialect_for, leaf_key, leaf_sql, victims_sql, working_tables_sql
from .model import Definition, load_definition, shipped_definitions

__all__ = ["DEFAULT_CSE", "DEFAULT_GROUP_BASED", "DefinitionsConfig", "resolve_definitions", "run", "summarise"]

DEFAULT_CSE = "cse-dfe-2017"
DEFAULT_GROUP_BASED = "gbcse-iicsa-2019"

_CASES_DDL = """CREATE TABLE IF NOT EXISTS definition_cases (definition_id VARCHAR, version VARCHAR,
    source VARCHAR, event_id VARCHAR, meets BOOLEAN, category VARCHAR, reasons VARCHAR, kind VARCHAR,
    flagged BOOLEAN, occurred_at TIMESTAMP, run_id VARCHAR)"""
_VICTIMS_DDL = """CREATE TABLE IF NOT EXISTS definition_victims (definition_id VARCHAR, source VARCHAR,
    person_id VARCHAR, entity_id VARCHAR, person_key VARCHAR, version VARCHAR, run_id VARCHAR)"""
_SUMMARY_DDL = """CREATE TABLE IF NOT EXISTS definition_summary (definition_id VARCHAR, version VARCHAR,
    title VARCHAR, citation VARCHAR, url VARCHAR, group_based BOOLEAN, crimes BIGINT, cases BIGINT,
    victims BIGINT, offenders BIGINT, unflagged BIGINT, flagged_not_meeting BIGINT, people_as VARCHAR,
    note VARCHAR, run_id VARCHAR)"""


@dataclass(frozen=True)
class DefinitionsConfig:
    """Which definitions to apply: shipped ids (all when None) plus local definition files."""

    definitions: tuple[str, ...] | None = None
    definition_files: tuple[str, ...] = ()
    dialect: str = "duckdb"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_any(cls, config: DefinitionsConfig | Mapping[str, Any] | None) -> DefinitionsConfig:
        if config is None:
            return cls()
        if isinstance(config, DefinitionsConfig):
            return config
        known = {"definitions", "definition_files", "dialect"}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConfigError(f"definitions config: {unknown[0]}: unknown key (expected {', '.join(sorted(known))})")
        ids = config.get("definitions")
        return cls(definitions=tuple(ids) if ids is not None else None,
                   definition_files=tuple(str(p) for p in config.get("definition_files") or ()),
                   dialect=str(config.get("dialect", "duckdb")))


def resolve_definitions(config: DefinitionsConfig) -> list[Definition]:
    """The definitions a run applies: the chosen ids (all shipped when none are chosen) plus every
    local file; a local file with a shipped id replaces the shipped one."""
    local = [load_definition(Path(p)) for p in config.definition_files]
    available = {**shipped_definitions(), **{d.id: d for d in local}}
    wanted = list(shipped_definitions()) if config.definitions is None else list(config.definitions)
    missing = [i for i in wanted if i not in available]
    if missing:
        raise ConfigError(f"--definition: {missing[0]}: unknown definition (known: {', '.join(available)})")
    ids = list(dict.fromkeys([*wanted, *(d.id for d in local)]))
    return [available[i] for i in ids]


def run(store: Store, config: DefinitionsConfig | Mapping[str, Any] | None = None) -> StageResult:
    """Apply the definitions and write definition_cases, definition_victims, definition_summary."""
    cfg = DefinitionsConfig.from_any(config)
    try:
        dialect = dialect_for(cfg.dialect)
    except ValueError as exc:
        raise ConfigError(f"definitions config: dialect: {exc}") from exc
    defs = resolve_definitions(cfg)
    linked = store.has_table("entity_persons")
    has_groups = store.has_table("group_members")
    params = {"definitions": [f"{d.id}@{d.version}" for d in defs], "linked": linked, "groups": has_groups}
    # Every working, leaf and case table is scratch built *before* the stage's transaction
    # (Store.scratch says why: inside it DuckDB estimates them at 0 rows; at 10M records the
    # definitions spilled tens of GB that way, and take about a minute built outside).
    for name, select in working_tables_sql(linked, dialect):
        _scratch(store, name, select, "working table")
    # every distinct leaf (of the definitions and their category rules) is evaluated once
    leaves = {leaf_key(c): c for d in defs
              for c in [*d.criteria.leaves(), *(x for cat in d.category_rules() for x in cat.when.leaves())]}
    tables: dict[str, str] = {}
    for i, (key, leaf) in enumerate(leaves.items()):
        tables[key] = f"def_leaf_{i}"
        _scratch(store, f"def_leaf_{i}", leaf_sql(leaf, dialect, has_groups), f"criterion {leaf.key}")
    cases = {d.id: f"def_cases_{i}" for i, d in enumerate(defs)}
    for d in defs:
        _scratch(store, cases[d.id], cases_sql(d, dialect, has_groups, tables), f"cases {d.id}")
    scratch = [name for name, _ in working_tables_sql(linked, dialect)] + [*tables.values(), *cases.values()]
    try:
        with store.run("definitions", params) as result:
            for ddl in (_CASES_DDL, _VICTIMS_DDL, _SUMMARY_DDL):
                store.execute(ddl)
            ids = [d.id for d in defs]
            marks = ", ".join("?" for _ in ids)
            for table in ("definition_cases", "definition_victims", "definition_summary"):
                store.execute(f"DELETE FROM {table} WHERE definition_id IN ({marks})", list(ids))
            for d in defs:
                publishing = progress.step("definitions", f"publish {d.id}")
                store.execute(
                    f"""INSERT INTO definition_cases SELECT definition_id, version, source, event_id, meets, category,
                    reasons, kind, flagged, occurred_at, ? FROM {cases[d.id]}""", [result.run_id])
                store.execute(
                    f"""INSERT INTO definition_victims SELECT definition_id, source, person_id, entity_id, person_key,
                    ?, ? FROM ({victims_sql(d, cases[d.id])})""", [d.version, result.run_id])
                row = _scale(store, d, cases[d.id])
                note = ""
                if any(leaf.key == "in_network_group" for leaf in d.criteria.leaves()) and not has_groups:
                    note = "network stage not run: no group_members, so no case can meet this definition yet"
                store.execute(
                    "INSERT INTO definition_summary VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [d.id, d.version, d.title, d.citation, d.url, d.group_based, row["crimes"], row["cases"],
                     row["victims"], row["offenders"], row["unflagged"], row["flagged_not_meeting"],
                     "entities" if linked else "records", note, result.run_id])
                result.counts[d.id] = row
                if progress.active() is not None:
                    publishing.done(store.count(cases[d.id]), meeting=row["cases"], victims=row["victims"])
    finally:
        for name in scratch:
            store.execute(f"DROP TABLE IF EXISTS {name}")
    return result


def _scratch(store: Store, name: str, select: str, what: str) -> None:
    """``store.scratch``, reported as a progress step with the rows the table holds."""
    with progress.step("definitions", f"{what} ({name})") as s:
        store.scratch(name, select)
        if progress.active() is not None:
            s.done(store.count(name))


def _scale(store: Store, d: Definition, table: str) -> dict[str, int]:
    """Crimes, cases, victims and offenders meeting ``d``, and the two flagging gaps (from the case table ``table``)."""
    (crimes, cases, unflagged, flagged_not) = store.sql(
        f"""SELECT count(*) FILTER (WHERE meets AND kind = 'crime'), count(*) FILTER (WHERE meets),
            count(*) FILTER (WHERE meets AND NOT flagged), count(*) FILTER (WHERE flagged AND NOT meets)
        FROM {table}""")[0]
    victims = store.sql("SELECT count(DISTINCT person_key) FROM definition_victims WHERE definition_id = ?",
                        [d.id])[0][0]
    offenders = store.sql(
        f"""SELECT count(DISTINCT ep.person_key) FROM {table} c
        JOIN def_event_people ep ON ep.source = c.source AND ep.event_id = c.event_id AND ep.side = 'suspect'
        WHERE c.meets""")[0][0]
    return {"crimes": int(crimes), "cases": int(cases), "victims": int(victims), "offenders": int(offenders),
            "unflagged": int(unflagged), "flagged_not_meeting": int(flagged_not)}


def summarise(store: Store, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The scale under each definition last applied, side by side (the ``--json`` rows)."""
    if not store.has_table("definition_summary"):
        return []
    rows = store.dicts(
        """SELECT definition_id AS id, version, title, citation, url, group_based, crimes, cases, victims,
            offenders, unflagged, flagged_not_meeting, people_as, note
        FROM definition_summary ORDER BY group_based, definition_id""")
    return [r for r in rows if ids is None or r["id"] in ids]
