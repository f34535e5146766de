"""Aggregate queries behind the problem profile and the dashboard's overview.

One function per figure, each returning plain rows, so the report and the dashboard show the same
numbers. They read the store only; before linkage a person is a record, after linkage a resolved
entity; before the definitions stage the scope is "sexual offences against children or a CSE
flag", after it the cases meeting the CSE definition in force. Protected characteristics appear
here only as aggregate recording rates and counts.
"""

from __future__ import annotations

from typing import Any

from .. import standard
from ..definitions.criteria_sql import CSE_FLAGS, in_list, side_sql
from ..store import Store

__all__ = [
    "age_sex_profile",
    "cases_with_district",
    "cases_by_quarter",
    "ethnicity_recording",
    "geography",
    "overview",
    "scope_description",
    "sources",
]

CSE_DEFINITION = "cse-dfe-2017"
CHILD_AGE = 18


def _flagged(alias: str) -> str:
    """SQL: the record carries a CSE flag (CSE or GBCSE), as the definitions stage reads flags."""
    return f"list_has_any(string_split(coalesce({alias}.flags, ''), '|'), [{in_list(CSE_FLAGS)[1:-1]}])"


def _child_sexual_codes() -> str:
    codes = [c for c, (_, sexual, child) in standard.offence_codes().items() if sexual and child]
    return ", ".join(f"'{c}'" for c in codes)


def _has(store: Store, table: str) -> bool:
    return store.has_table(table) and store.count(table) > 0


def _defined(store: Store) -> bool:
    """The definition in force has been applied here (not just some other definition)."""
    return _has(store, "definition_cases") and bool(store.sql(
        "SELECT count(*) FROM definition_cases WHERE definition_id = ?", [CSE_DEFINITION])[0][0])


def scope_sql(store: Store) -> str:
    """SELECT source, event_id of the cases in scope (CSE under the definition, or a proxy)."""
    if _defined(store):
        return (
            "SELECT DISTINCT source, event_id FROM definition_cases "
            f"WHERE definition_id = '{CSE_DEFINITION}' AND meets"
        )
    return (
        "SELECT source, event_id FROM raw_events WHERE kind = 'crime' AND "
        f"(offence_code IN ({_child_sexual_codes()}) OR {_flagged('raw_events')})"
    )


def scope_description(store: Store) -> str:
    if _defined(store):
        return f"cases meeting definition {CSE_DEFINITION} (Department for Education 2017, operationalised)"
    why = (f"definition {CSE_DEFINITION} not applied" if _has(store, "definition_cases")
           else "definitions stage not run")
    return f"crimes that are sexual offences against children or carry a CSE flag ({why})"


def _person_key(store: Store, alias: str) -> str:
    if _has(store, "entity_persons"):
        return f"coalesce(ep.entity_id, {alias}.source || ':' || {alias}.person_id)"
    return f"{alias}.source || ':' || {alias}.person_id"


def _entity_join(store: Store, alias: str) -> str:
    if _has(store, "entity_persons"):
        return f"LEFT JOIN entity_persons ep ON ep.source = {alias}.source AND ep.person_id = {alias}.person_id"
    return ""


def _people_sql(store: Store, side: str) -> str:
    """Person records on ``side`` ("victim" or "suspect") of in-scope cases, with the case date and a key.

    Victims are children: once the definitions stage has run, exactly the records in
    ``definition_victims`` for the definition in force (crime victims and the children referrals and
    health contacts are about, under 18 at the time); before it, the victim side of the proxy cases
    with an age under 18 or not known.
    """
    age = "date_sub('year', p.date_of_birth, e.started_at::DATE)"
    if side == "victim" and _defined(store):
        child = f"""AND EXISTS (SELECT 1 FROM definition_victims dv WHERE dv.definition_id = '{CSE_DEFINITION}'
                    AND dv.source = p.source AND dv.person_id = p.person_id)"""
    elif side == "victim":
        child = f"AND ({age} IS NULL OR {age} < {CHILD_AGE})"
    else:
        child = ""
    return f"""
        SELECT p.*, {_person_key(store, 'p')} AS person_key, e.started_at AS case_at, e.event_id AS case_id
        FROM ({scope_sql(store)}) s
        JOIN raw_events e ON e.source = s.source AND e.event_id = s.event_id
        JOIN raw_links l ON l.source = e.source AND l.to_type = 'event' AND l.to_id = e.event_id
             AND l.from_type = 'person' AND {side_sql('l', 'e')} = '{side}'
        JOIN raw_persons p ON p.source = l.source AND p.person_id = l.from_id
        {_entity_join(store, 'p')}
        WHERE TRUE {child}"""


def overview(store: Store) -> dict[str, Any]:
    """Headline figures: records held, cases in scope, distinct victims and suspects."""
    victims = store.sql(f"SELECT count(DISTINCT person_key) FROM ({_people_sql(store, 'victim')})")[0][0]
    suspects = store.sql(
        f"SELECT count(DISTINCT person_key) FROM ({_people_sql(store, 'suspect')})"
    )[0][0]
    cases = store.sql(f"SELECT count(*) FROM ({scope_sql(store)})")[0][0]
    period = store.sql(f"""SELECT min(e.started_at)::DATE, max(e.started_at)::DATE FROM ({scope_sql(store)}) s
                          JOIN raw_events e USING (source, event_id)""")[0]
    refreshed = store.sql("SELECT max(finished_at) FROM runs WHERE stage = 'ingest' AND status = 'ok'")[0][0]
    groups = store.count("group_summary") if store.has_table("group_summary") else None
    return {
        "person_records": store.count("raw_persons"),
        "events": store.count("raw_events"),
        "sources": store.count("raw_sources"),
        "cases": int(cases),
        "victims": int(victims),
        "suspects": int(suspects),
        "groups": groups,
        "period_from": period[0],
        "period_to": period[1],
        "refreshed": refreshed,
        "scope": scope_description(store),
        "linked": _has(store, "entity_persons"),
    }


def sources(store: Store) -> list[dict[str, Any]]:
    """Each agency with how many person records and events it contributed."""
    return store.dicts("""
        SELECT s.source, s.name, s.kind,
               (SELECT count(*) FROM raw_persons p WHERE p.source = s.source) AS person_records,
               (SELECT count(*) FROM raw_events e WHERE e.source = s.source) AS events
        FROM raw_sources s ORDER BY s.kind, s.source""")


def cases_by_quarter(store: Store) -> list[dict[str, Any]]:
    """In-scope cases per quarter of occurrence, split by whether the record carries a CSE (or GBCSE) flag."""
    return store.dicts(f"""
        SELECT strftime(date_trunc('quarter', e.started_at), '%Y') || '-Q' ||
               CAST(quarter(e.started_at) AS VARCHAR) AS quarter,
               count(*) FILTER (WHERE {_flagged('e')}) AS flagged,
               count(*) FILTER (WHERE NOT {_flagged('e')}) AS not_flagged
        FROM ({scope_sql(store)}) s JOIN raw_events e USING (source, event_id)
        WHERE e.started_at IS NOT NULL GROUP BY 1 ORDER BY 1""")


def age_sex_profile(store: Store) -> list[dict[str, Any]]:
    """Victims and suspects by age band and recorded sex, each person counted once per role.

    The age is taken at the person's first case in scope (the youngest age recorded on one), the sex
    as most often recorded across the person's records, so each role's rows add up to that role's
    headline figure.
    """
    band = """CASE WHEN age IS NULL THEN 'not known' WHEN age < 13 THEN 'under 13' WHEN age < 16 THEN '13-15'
                   WHEN age < 18 THEN '16-17' WHEN age < 25 THEN '18-24' WHEN age < 40 THEN '25-39'
                   ELSE '40 and over' END"""
    parts = []
    for role in ("victim", "suspect"):
        parts.append(f"""
            SELECT '{role}' AS role, person_key, min(age) AS age,
                   coalesce(mode(sex) FILTER (WHERE sex IS NOT NULL), 'not recorded') AS sex
            FROM (SELECT *, date_sub('year', date_of_birth, case_at::DATE) AS age
                  FROM ({_people_sql(store, role)}))
            GROUP BY person_key""")
    return store.dicts(f"""
        SELECT role, {band} AS age_band, sex, count(*) AS people
        FROM ({' UNION ALL '.join(parts)}) GROUP BY ALL ORDER BY role, age_band, sex""")


def ethnicity_recording(store: Store) -> list[dict[str, Any]]:
    """How often ethnicity is recorded for victims and suspects: self-defined and officer-observed.

    A person counts as recorded when any of their records holds a code other than "not
    stated"/"unknown". This is the gap the national audit measured; it is reported, never used to
    decide anything.
    """
    rows = []
    for role, side in (("victims", "victim"), ("suspects", "suspect")):
        r = store.sql(f"""
            SELECT count(DISTINCT person_key),
                   count(DISTINCT person_key) FILTER (WHERE ethnicity_self IS NOT NULL AND ethnicity_self <> 'NS'),
                   count(DISTINCT person_key) FILTER (WHERE ethnicity_officer IS NOT NULL AND ethnicity_officer <> 'IC9'),
                   count(DISTINCT person_key) FILTER (WHERE nationality IS NOT NULL)
            FROM ({_people_sql(store, side)})""")[0]
        rows.append({"role": role, "people": r[0], "self_defined_recorded": r[1], "officer_observed_recorded": r[2],
                     "nationality_recorded": r[3]})
    return rows


def ethnicity_aggregates(store: Store) -> list[dict[str, Any]]:
    """Self-defined ethnicity (2021 Census broad group) of victims and suspects, each person once.

    A person whose records disagree is counted under the group most often recorded; "Not stated"
    only when no record states one, "Not recorded" when no record holds a code at all.
    """
    parts = [f"""
        SELECT '{role}' AS role, person_key,
               coalesce(mode(left(ethnicity_self, 1)) FILTER (WHERE ethnicity_self IS NOT NULL AND ethnicity_self <> 'NS'),
                        CASE WHEN bool_or(ethnicity_self = 'NS') THEN 'N' END, '-') AS group_code
        FROM ({_people_sql(store, side)}) GROUP BY person_key""" for role, side in (("victims", "victim"),
                                                                                ("suspects", "suspect"))]
    rows = store.dicts(f"""SELECT role, group_code, count(*) AS people FROM ({' UNION ALL '.join(parts)})
                           GROUP BY ALL ORDER BY role, group_code""")
    broad = {"W": "White", "M": "Mixed or multiple", "A": "Asian", "B": "Black", "O": "Other", "N": "Not stated",
             "-": "Not recorded"}
    for r in rows:
        r["ethnic_group"] = broad.get(r.pop("group_code"), "Other")
    return rows


def geography(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """In-scope cases by postcode district (outward code) of where they happened."""
    return store.dicts(f"""
        SELECT upper(left(replace(l.postcode, ' ', ''), length(replace(l.postcode, ' ', '')) - 3)) AS district,
               count(*) AS cases
        FROM ({scope_sql(store)}) s JOIN raw_events e USING (source, event_id)
        JOIN raw_locations l ON l.source = e.source AND l.location_id = e.location_id
        WHERE length(replace(l.postcode, ' ', '')) >= 5 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(limit)}""")


def cases_with_district(store: Store) -> tuple[int, int]:
    """(in-scope cases whose location has a postcode district, all in-scope cases): what the map leaves out."""
    placed, cases = store.sql(f"""
        SELECT count(*) FILTER (WHERE length(replace(l.postcode, ' ', '')) >= 5), count(*)
        FROM ({scope_sql(store)}) s JOIN raw_events e USING (source, event_id)
        LEFT JOIN raw_locations l ON l.source = e.source AND l.location_id = e.location_id""")[0]
    return int(placed), int(cases)
