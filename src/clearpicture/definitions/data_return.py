"""The annual data return on group-based child sexual exploitation, as CSV or XLSX.

HMICFRS (2023, recommendation 6) asked for an annual Home Office data requirement on group-based
exploitation. This module counts, for one calendar year of occurrence and the group-based
definition in force, offences by category and victims and suspects by category, age band, sex,
and whether ethnicity (self-defined, officer-observed) and nationality were recorded. It is a
partner output: every table passes through :func:`clearpicture.disclosure.protect_table` and the
file carries its note and the OFFICIAL-SENSITIVE marking; every text cell is formula-safe.
Ethnicity and nationality appear only as "recorded or not". This module must not write the store.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..disclosure import DisclosureRule, protect_table
from ..errors import InputError
from ..security.exports import MARKING, safe_cell
from ..store import Store
from .model import CATEGORIES
from .stage import DEFAULT_GROUP_BASED

__all__ = ["AGE_BANDS", "DataReturn", "annual_return", "write_return"]

AGE_BANDS: tuple[str, ...] = ("0-12", "13-15", "16-17", "18-24", "25-34", "35-44", "45+", "unknown")
SEXES: tuple[str, ...] = ("F", "M", "X", "unknown")
YES_NO: tuple[str, ...] = ("recorded", "not recorded")
COLUMNS: tuple[str, ...] = ("section", "value", "offences", "victims", "suspects")


@dataclass
class DataReturn:
    """The protected rows of the return, with what a reader needs printed above them."""

    year: int
    definition_id: str
    version: str
    citation: str
    rows: list[dict[str, Any]]
    note: str
    people_as: str


def _people_sql(linked: bool) -> str:
    key = ("coalesce(ep.entity_id, p.source || '/' || p.person_id)" if linked
           else "p.source || '/' || p.person_id")
    join = "LEFT JOIN entity_persons ep ON ep.source = p.source AND ep.person_id = p.person_id" if linked else ""
    return f"""
    WITH cases AS (
        SELECT c.source, c.event_id, c.category, coalesce(e.started_at, e.recorded_at) AS occurred_at
        FROM definition_cases c JOIN raw_events e ON e.source = c.source AND e.event_id = c.event_id
        WHERE c.definition_id = ? AND c.meets AND c.kind = 'crime'
            AND year(coalesce(e.started_at, e.recorded_at)) = ?
    ), people AS (
        SELECT CASE WHEN l.role = 'victim' THEN 'victims' ELSE 'suspects' END AS side, {key} AS person_key,
            c.category, c.occurred_at, p.date_of_birth, p.sex, p.ethnicity_self, p.ethnicity_officer, p.nationality
        FROM cases c
        JOIN raw_links l ON l.source = c.source AND l.to_type = 'event' AND l.to_id = c.event_id
            AND l.from_type = 'person' AND l.role IN ('victim', 'suspect', 'offender')
        JOIN raw_persons p ON p.source = l.source AND p.person_id = l.from_id
        {join}
    )
    SELECT side, person_key, list(DISTINCT category) AS categories,
        min(date_sub('year', CAST(date_of_birth AS DATE), CAST(occurred_at AS DATE))) AS age,
        CASE WHEN count(DISTINCT sex) = 1 THEN any_value(sex) END AS sex,
        bool_or(ethnicity_self IS NOT NULL AND ethnicity_self <> 'NS') AS eth_self,
        bool_or(ethnicity_officer IS NOT NULL AND ethnicity_officer <> 'IC9') AS eth_officer,
        bool_or(nationality IS NOT NULL) AS nationality
    FROM people GROUP BY side, person_key"""


def _band(age: int | None) -> str:
    if age is None or age < 0:
        return "unknown"
    for limit, band in ((13, "0-12"), (16, "13-15"), (18, "16-17"), (25, "18-24"), (35, "25-34"), (45, "35-44")):
        if age < limit:
            return band
    return "45+"


def annual_return(store: Store, year: int, definition_id: str = DEFAULT_GROUP_BASED,
                  rule: DisclosureRule | None = None) -> DataReturn:
    """Count, protect and return the rows of the annual return for ``year``."""
    rule = rule or DisclosureRule()
    if not store.has_table("definition_summary"):
        raise InputError("data return: run `clearpicture definitions` first (no definition_summary table)")
    meta = store.sql("SELECT version, citation, people_as FROM definition_summary WHERE definition_id = ?",
                     [definition_id])
    if not meta:
        raise InputError(f"data return: definition {definition_id} has not been applied to this workspace")
    version, citation, people_as = meta[0]
    offences = dict(store.sql(
        """SELECT category, count(*) FROM definition_cases c
        JOIN raw_events e ON e.source = c.source AND e.event_id = c.event_id
        WHERE c.definition_id = ? AND c.meets AND c.kind = 'crime' AND year(coalesce(e.started_at, e.recorded_at)) = ?
        GROUP BY category""", [definition_id, year]))
    people = store.dicts(_people_sql(store.has_table("entity_persons")), [definition_id, year])
    sections: list[tuple[str, list[dict[str, Any]], Sequence[str]]] = [
        ("offences by category", [{"value": c, "offences": offences.get(c, 0)} for c in CATEGORIES], ["offences"])]

    def grid(name: str, values: Sequence[str], pick: Any) -> None:
        rows = []
        for v in values:
            row: dict[str, Any] = {"value": v}
            for side in ("victims", "suspects"):
                row[side] = sum(1 for p in people if p["side"] == side and pick(p, v))
            rows.append(row)
        sections.append((name, rows, ["victims", "suspects"]))

    grid("people by category", CATEGORIES, lambda p, v: v in (p["categories"] or []))
    grid("people by age band at the time", AGE_BANDS, lambda p, v: _band(p["age"]) == v)
    grid("people by recorded sex", SEXES, lambda p, v: (p["sex"] or "unknown") == v)
    for label, col in (("self-defined ethnicity", "eth_self"), ("officer-observed ethnicity", "eth_officer"),
                       ("nationality", "nationality")):
        grid(label, YES_NO, lambda p, v, c=col: bool(p[c]) == (v == "recorded"))
    out: list[dict[str, Any]] = []
    note = rule.note()
    for name, rows, counts in sections:
        prot = protect_table(rows, counts, ["value"], rule)
        for r in prot.rows:
            out.append({"section": name, **r})
        out.append({"section": name, "value": "total", **prot.column_totals})
        note = prot.note
    return DataReturn(year, definition_id, str(version), str(citation), out, note, str(people_as))


def _cell(v: Any) -> Any:
    return "*" if v is None else safe_cell(v)


def _header_lines(ret: DataReturn) -> list[str]:
    return [
        MARKING,
        f"Annual data return: group-based child sexual exploitation, offences occurring in {ret.year}",
        f"Definition: {ret.definition_id} version {ret.version}. {ret.citation}",
        f"People counted as {ret.people_as}; a person appears once per section (in each category they fall in).",
        "Ethnicity and nationality are shown only as recorded or not, to measure recording.",
        ret.note,
    ]


def write_return(ret: DataReturn, out: str | Path) -> Path:
    """Write the return as CSV or XLSX (chosen by the file extension)."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"{path}: the data return is written as .csv or .xlsx")
    if not path.parent.exists():
        raise InputError(f"{path}: folder {path.parent} does not exist")
    lines = _header_lines(ret)
    table = [[_cell(r.get(c)) if c in r else "" for c in COLUMNS] for r in ret.rows]
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            for line in lines:
                w.writerow([safe_cell(line)])
            w.writerow([])
            w.writerow(list(COLUMNS))
            w.writerows(table)
        return path
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Return"
    for line in lines:
        ws.append([safe_cell(line)])
    ws.append([])
    ws.append(list(COLUMNS))
    for row in table:
        ws.append(row)
    wb.save(path)
    return path
