"""Pure SQL builders that turn a definition's criteria into queries over the store's tables.

Every function here returns a string and never touches a connection (conventions.md item 3); the
stage runs them. Dialect differences (age in whole years, day differences, flag lists) live in
:class:`Dialect`. The builders read ``raw_events``, ``raw_links``, ``raw_persons``,
``raw_locations`` and, when the stage says they exist, ``entity_persons`` (linkage) and
``group_members`` (network). Before linkage a person is a record (``source/person_id``); after it,
a resolved entity. Protected characteristics (ethnicity, nationality, sex) appear in no builder:
they never decide whether a case meets a definition.

The working tables the builders assume (made by :func:`working_tables_sql`):
``def_persons`` (one row per person record with its key and date of birth), ``def_events`` (events
with offence attributes and flag list), ``def_event_people`` (person-event links with the person's
side: victim, suspect or other, and age at the time), ``def_family_pairs`` and
``def_assoc_pairs`` (person-person associations).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .. import standard
from .model import Criterion, Definition

__all__ = [
    "DUCKDB",
    "SPARK",
    "Dialect",
    "cases_sql",
    "criterion_expr",
    "dialect_for",
    "leaf_key",
    "leaf_sql",
    "side_sql",
    "victims_sql",
    "working_tables_sql",
]

#: Flags that mark a record as child sexual exploitation, for "involved" and "related" tests.
CSE_FLAGS: tuple[str, ...] = ("CSE", "GBCSE")
#: Event kinds on which a ``subject`` is the child the record is about (the victim side).
CHILD_SUBJECT_KINDS: tuple[str, ...] = ("referral", "health_contact", "missing_episode")
#: Event kinds on which a ``subject`` is a suspect (intelligence about, arrest of, order against).
SUSPECT_SUBJECT_KINDS: tuple[str, ...] = ("intelligence", "arrest", "disruption")


@dataclass(frozen=True)
class Dialect:
    """The few expressions that differ between engines."""

    name: str

    def years_between(self, start: str, end: str) -> str:
        """Whole years from ``start`` to ``end`` (age at a date)."""
        if self.name == "spark":
            return f"CAST(floor(months_between(CAST({end} AS DATE), CAST({start} AS DATE)) / 12) AS INT)"
        return f"date_sub('year', CAST({start} AS DATE), CAST({end} AS DATE))"

    def days_between(self, start: str, end: str) -> str:
        if self.name == "spark":
            return f"datediff(CAST({end} AS DATE), CAST({start} AS DATE))"
        return f"date_diff('day', CAST({start} AS DATE), CAST({end} AS DATE))"

    def flag_list(self, column: str) -> str:
        """The ``|``-separated flags of a record as an upper-case list."""
        if self.name == "spark":
            return f"transform(split(upper(coalesce({column}, '')), '[|]'), x -> trim(x))"
        return f"list_transform(string_split(upper(coalesce({column}, '')), '|'), lambda x: trim(x))"

    def has_any(self, list_expr: str, values: Iterable[str]) -> str:
        items = ", ".join(lit(v.upper()) for v in values)
        if self.name == "spark":
            return f"arrays_overlap({list_expr}, array({items}))"
        return f"list_has_any({list_expr}, [{items}])"

    def agg_text(self, expr: str) -> str:
        """Distinct values joined with '; ' in a stable order (the evidence of a criterion)."""
        if self.name == "spark":
            return f"array_join(array_sort(collect_set({expr})), '; ')"
        return f"string_agg(DISTINCT {expr}, '; ' ORDER BY {expr})"


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")


def dialect_for(name: str) -> Dialect:
    if name not in ("duckdb", "spark"):
        raise ValueError(f"unknown SQL dialect '{name}' (duckdb or spark)")
    return DUCKDB if name == "duckdb" else SPARK


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def side_sql(link: str, event: str) -> str:
    """SQL: the side of a case a person->event link puts the person on ('victim', 'suspect' or
    'other'). One rule for every stage that counts victims and suspects (definitions, the profile)."""
    return (f"CASE WHEN {link}.role = 'victim' THEN 'victim' "
            f"WHEN {link}.role = 'subject' AND {event}.kind IN {in_list(CHILD_SUBJECT_KINDS)} THEN 'victim' "
            f"WHEN {link}.role IN ('suspect', 'offender') THEN 'suspect' "
            f"WHEN {link}.role = 'subject' AND {event}.kind IN {in_list(SUSPECT_SUBJECT_KINDS)} THEN 'suspect' "
            "ELSE 'other' END")


def in_list(values: Iterable[str]) -> str:
    items = [lit(v) for v in values]
    return "(" + ", ".join(items) + ")" if items else "(NULL)"


def _offence_values() -> str:
    rows = [f"({lit(c)}, {str(sex).upper()}, {str(child).upper()})"
            for c, (_label, sex, child) in standard.offence_codes().items()]
    return "VALUES " + ", ".join(rows)


def working_tables_sql(linked: bool, d: Dialect = DUCKDB) -> list[tuple[str, str]]:
    """(table name, SELECT) for the working tables, in build order.

    ``linked``: ``entity_persons`` exists, so people are keyed by entity and a record without a date
    of birth takes the most common one among its entity's records.
    """
    if linked:
        persons = """
        WITH p AS (SELECT source, person_id, any_value(date_of_birth) AS date_of_birth
                   FROM raw_persons GROUP BY source, person_id),
        ent AS (SELECT ep.entity_id, mode(p.date_of_birth) AS dob
                FROM entity_persons ep JOIN p ON p.source = ep.source AND p.person_id = ep.person_id
                WHERE p.date_of_birth IS NOT NULL GROUP BY ep.entity_id)
        SELECT p.source, p.person_id, coalesce(ep.entity_id, p.source || '/' || p.person_id) AS person_key,
            ep.entity_id, coalesce(p.date_of_birth, ent.dob) AS date_of_birth
        FROM p LEFT JOIN entity_persons ep ON ep.source = p.source AND ep.person_id = p.person_id
        LEFT JOIN ent ON ent.entity_id = ep.entity_id"""
    else:
        persons = """
        SELECT source, person_id, source || '/' || person_id AS person_key, CAST(NULL AS VARCHAR) AS entity_id,
            any_value(date_of_birth) AS date_of_birth
        FROM raw_persons GROUP BY source, person_id"""
    events = f"""
        SELECT e.source, e.event_id, e.kind, e.offence_code, e.flags, e.location_id,
            coalesce(e.started_at, e.recorded_at) AS occurred_at, {d.flag_list('e.flags')} AS flag_list,
            coalesce(oc.sexual, FALSE) AS sexual, coalesce(oc.against_child, FALSE) AS against_child
        FROM raw_events e LEFT JOIN ({_offence_values()}) oc(code, sexual, against_child) ON oc.code = e.offence_code"""
    age = d.years_between("dp.date_of_birth", "e.occurred_at")
    people = f"""
        SELECT l.source, l.to_id AS event_id, l.from_id AS person_id,
            coalesce(dp.person_key, l.source || '/' || l.from_id) AS person_key, dp.entity_id, l.role,
            {side_sql("l", "e")} AS side,
            CASE WHEN {age} >= 0 THEN {age} END AS age
        FROM raw_links l
        JOIN def_events e ON e.source = l.source AND e.event_id = l.to_id
        LEFT JOIN def_persons dp ON dp.source = l.source AND dp.person_id = l.from_id
        WHERE l.from_type = 'person' AND l.to_type = 'event'"""

    def pairs(roles: Sequence[str]) -> str:
        return f"""
        WITH l AS (SELECT a.person_key AS key_a, b.person_key AS key_b, b.source AS source_b, b.person_id AS person_id_b
                   FROM raw_links r
                   JOIN def_persons a ON a.source = r.source AND a.person_id = r.from_id
                   JOIN def_persons b ON b.source = r.source AND b.person_id = r.to_id
                   WHERE r.from_type = 'person' AND r.to_type = 'person' AND r.role IN {in_list(roles)})
        SELECT DISTINCT key_a, key_b, source_b, person_id_b FROM l
        UNION
        SELECT DISTINCT l.key_b, l.key_a, a.source, a.person_id FROM l
        JOIN def_persons a ON a.person_key = l.key_a"""

    return [
        ("def_persons", persons),
        ("def_events", events),
        ("def_event_people", people),
        ("def_family_pairs", pairs(("family",))),
        ("def_assoc_pairs", pairs(("associate", "partner"))),
    ]


def leaf_sql(c: Criterion, d: Dialect = DUCKDB, has_groups: bool = False) -> str:
    """SELECT source, event_id, evidence: the events on which leaf criterion ``c`` holds.

    ``evidence`` names the records that make it hold (person records as ``source/person_id``).
    """
    key, v = c.key, c.value
    ev = d.agg_text
    if key == "victim_age_under":
        text = ("ep.source || '/' || ep.person_id || CASE WHEN ep.age IS NULL "
                "THEN ' (age unknown; offence against a child)' ELSE ' aged ' || CAST(ep.age AS VARCHAR) END")
        return f"""SELECT ep.source, ep.event_id, {ev(text)} AS evidence
        FROM def_event_people ep JOIN def_events e ON e.source = ep.source AND e.event_id = ep.event_id
        WHERE ep.side = 'victim' AND (ep.age < {int(v)} OR (ep.age IS NULL AND e.against_child))
        GROUP BY ep.source, ep.event_id"""
    if key in ("offence_sexual", "offence_sexual_against_child", "offence_codes_any"):
        cond = ("sexual" if key == "offence_sexual" else "against_child"
                if key == "offence_sexual_against_child" else f"offence_code IN {in_list(v)}")
        return f"SELECT source, event_id, 'offence ' || offence_code AS evidence FROM def_events WHERE {cond}"
    if key == "flags_any":
        return (f"SELECT source, event_id, 'flags ' || flags AS evidence FROM def_events "
                f"WHERE {d.has_any('flag_list', v)}")
    if key == "location_kinds_any":
        return f"""SELECT e.source, e.event_id, 'location ' || e.location_id || ' (' || l.kind || ')' AS evidence
        FROM def_events e JOIN (SELECT source, location_id, any_value(kind) AS kind FROM raw_locations
                                GROUP BY source, location_id) l
            ON l.source = e.source AND l.location_id = e.location_id
        WHERE l.kind IN {in_list(v)}"""
    if key == "familial":
        text = "s.source || '/' || s.person_id || ' family of ' || vi.source || '/' || vi.person_id"
        return f"""SELECT vi.source, vi.event_id, {ev(text)} AS evidence
        FROM def_event_people vi
        JOIN def_event_people s ON s.source = vi.source AND s.event_id = vi.event_id AND s.side = 'suspect'
        JOIN def_family_pairs f ON f.key_a = vi.person_key AND f.key_b = s.person_key
        WHERE vi.side = 'victim' GROUP BY vi.source, vi.event_id"""
    if key == "min_suspects_per_event":
        return f"""SELECT source, event_id, {ev("source || '/' || person_id")} AS evidence
        FROM def_event_people WHERE side = 'suspect' GROUP BY source, event_id
        HAVING count(DISTINCT person_key) >= {int(v)}"""
    if key == "min_offenders_per_victim_within_days":
        related = f"e.sexual OR {d.has_any('e.flag_list', CSE_FLAGS)}"
        gap = d.days_between("vi.occurred_at", "vs.occurred_at")
        return f"""WITH vi AS (
            SELECT ep.source, ep.event_id, ep.person_key, e.occurred_at FROM def_event_people ep
            JOIN def_events e ON e.source = ep.source AND e.event_id = ep.event_id WHERE ep.side = 'victim'
        ), vs AS (
            SELECT v2.person_key AS victim_key, s.person_key AS suspect_key, s.source, s.person_id, e.occurred_at
            FROM def_event_people v2
            JOIN def_events e ON e.source = v2.source AND e.event_id = v2.event_id AND ({related})
            JOIN def_event_people s ON s.source = v2.source AND s.event_id = v2.event_id AND s.side = 'suspect'
            WHERE v2.side = 'victim'
        )
        SELECT vi.source, vi.event_id, {ev("vs.source || '/' || vs.person_id")} AS evidence
        FROM vi JOIN vs ON vs.victim_key = vi.person_key AND abs({gap}) <= {int(v.days)}
        GROUP BY vi.source, vi.event_id HAVING count(DISTINCT vs.suspect_key) >= {int(v.offenders)}"""
    if key == "min_associated_individuals":
        involved = f"e.against_child OR {d.has_any('e.flag_list', CSE_FLAGS)}"
        return f"""WITH sus AS (
            SELECT source, event_id, person_key, person_id FROM def_event_people WHERE side = 'suspect'
        ), involved AS (
            SELECT DISTINCT ep.person_key FROM def_event_people ep
            JOIN def_events e ON e.source = ep.source AND e.event_id = ep.event_id
            WHERE ep.side = 'suspect' AND ({involved})
        ), co AS (
            SELECT DISTINCT a.person_key AS key_a, b.person_key AS key_b, b.source AS source_b, b.person_id AS person_id_b
            FROM def_event_people a JOIN def_event_people b
                ON a.source = b.source AND a.event_id = b.event_id AND a.person_key <> b.person_key
            WHERE a.side = 'suspect' AND b.side = 'suspect'
            UNION SELECT key_a, key_b, source_b, person_id_b FROM def_assoc_pairs
        ), net AS (
            SELECT source, event_id, person_key AS k, source || '/' || person_id AS rec FROM sus
            UNION
            SELECT s.source, s.event_id, co.key_b, co.source_b || '/' || co.person_id_b
            FROM sus s JOIN co ON co.key_a = s.person_key JOIN involved i ON i.person_key = co.key_b
        )
        SELECT source, event_id, {ev('rec')} AS evidence FROM net GROUP BY source, event_id
        HAVING count(DISTINCT k) >= {int(v)}"""
    if key == "in_network_group":
        if not has_groups:
            return "SELECT CAST(NULL AS VARCHAR) AS source, CAST(NULL AS VARCHAR) AS event_id, " \
                   "CAST(NULL AS VARCHAR) AS evidence WHERE FALSE"
        text = "ep.source || '/' || ep.person_id || ' ' || ep.side || ' in group ' || gm.group_id"
        return f"""SELECT ep.source, ep.event_id, {ev(text)} AS evidence
        FROM def_event_people ep JOIN group_members gm ON gm.entity_id = ep.entity_id
        WHERE (ep.side = 'suspect' AND gm.role <> 'victim') OR (ep.side = 'victim' AND gm.role = 'victim')
        GROUP BY ep.source, ep.event_id"""
    raise ValueError(f"not a leaf criterion: {key}")


def leaf_key(c: Criterion) -> str:
    """A stable identity for a leaf criterion (equal leaves in two definitions share it)."""
    return c.model_dump_json(by_alias=True, exclude_none=True)


_leaf_id = leaf_key


class _Leaves:
    """Numbers distinct leaves so a leaf used twice (or by a category) is evaluated once."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[int, Criterion]] = {}

    def alias(self, c: Criterion) -> str:
        k = _leaf_id(c)
        if k not in self.items:
            self.items[k] = (len(self.items), c)
        return f"l{self.items[k][0]}"


def criterion_expr(c: Criterion, leaves: _Leaves) -> str:
    """A boolean SQL expression over the leaf joins (``lN.event_id IS NOT NULL`` per leaf)."""
    if c.key == "all":
        return "(" + " AND ".join(criterion_expr(x, leaves) for x in c.value) + ")"
    if c.key == "any":
        return "(" + " OR ".join(criterion_expr(x, leaves) for x in c.value) + ")"
    if c.key == "not":
        return f"(NOT {criterion_expr(c.value, leaves)})"
    alias = leaves.alias(c)
    held = f"({alias}.event_id IS NOT NULL)"
    if isinstance(c.value, bool) and c.value is False:
        return f"(NOT {held})"
    return held


def _leaf_label(c: Criterion) -> str:
    v = c.value
    if isinstance(v, bool):
        return c.key
    if isinstance(v, tuple):
        return f"{c.key}: {', '.join(v)}"
    if hasattr(v, "offenders"):
        return f"{c.key}: {v.offenders} in {v.days} days"
    return f"{c.key}: {v}"


def cases_sql(defn: Definition, d: Dialect = DUCKDB, has_groups: bool = False,
              leaf_tables: Mapping[str, str] | None = None) -> str:
    """One row per case considered under ``defn``: meets, category, flagged and reasons (JSON).

    A case is an event of one of the definition's ``case_kinds`` that meets it, carries one of its
    flags, or is a sexual offence, so both under-flagging and flagged cases not meeting it can be
    counted. ``reasons`` is ``{"held": [criteria that held], "evidence": {criterion: records}}``.
    ``leaf_tables`` maps :func:`leaf_key` to a table already holding that leaf's rows (so several
    definitions sharing a leaf evaluate it once); other leaves are computed inline.
    """
    tables = leaf_tables or {}
    leaves = _Leaves()
    meets = criterion_expr(defn.criteria, leaves)
    cats = [(cat.name, criterion_expr(cat.when, leaves)) for cat in defn.category_rules()]
    category = "CASE " + " ".join(f"WHEN {expr} THEN {lit(name)}" for name, expr in cats) + " ELSE 'unknown' END"
    ordered = sorted(leaves.items.values())
    ctes = ",\n".join(
        f"l{i} AS (SELECT * FROM {tables[leaf_key(c)]})" if leaf_key(c) in tables
        else f"l{i} AS ({leaf_sql(c, d, has_groups)})" for i, c in ordered)
    joins = "\n".join(f"LEFT JOIN l{i} ON l{i}.source = e.source AND l{i}.event_id = e.event_id"
                      for i, _ in ordered)
    # Only the criteria of the definition itself (not of the categories) are reported as reasons.
    own = {_leaf_id(c) for c in defn.criteria.leaves()}
    own_items = [(i, c) for i, c in ordered if _leaf_id(c) in own]
    held = ", ".join(f"CASE WHEN l{i}.event_id IS NOT NULL THEN {lit(_leaf_label(c))} END" for i, c in own_items)
    evidence = ", ".join(f"{lit(_leaf_label(c))}, l{i}.evidence" for i, c in own_items)
    flagged = d.has_any("e.flag_list", defn.flags)
    if d.name == "spark":
        reasons = (f"to_json(named_struct('held', filter(array({held}), x -> x IS NOT NULL), "
                   f"'evidence', map_filter(map({evidence}), (k, v) -> v IS NOT NULL)))")
    else:
        reasons = (f"CAST(json_object('held', list_filter([{held}], lambda x: x IS NOT NULL), "
                   f"'evidence', json_object({evidence})) AS VARCHAR)")
    return f"""WITH {ctes}
    SELECT {lit(defn.id)} AS definition_id, {lit(defn.version)} AS version, e.source, e.event_id, e.kind,
        e.occurred_at, coalesce({meets}, FALSE) AS meets, {flagged} AS flagged,
        CASE WHEN coalesce({meets}, FALSE) THEN {category} END AS category, {reasons} AS reasons
    FROM def_events e
    {joins}
    WHERE e.kind IN {in_list(defn.case_kinds)} AND (coalesce({meets}, FALSE) OR {flagged} OR e.sexual)"""


def victims_sql(defn: Definition, cases_table: str = "def_cases") -> str:
    """Child victims on the cases meeting ``defn`` (any agency's record: crime victims and the
    children referrals are about), one row per person record, with its entity when linked."""
    limit = defn.victim_age_limit
    age = f"AND (ep.age < {limit} OR (ep.age IS NULL AND e.against_child))" if limit else ""
    return f"""SELECT DISTINCT c.definition_id, ep.source, ep.person_id, ep.entity_id, ep.person_key
    FROM {cases_table} c
    JOIN def_event_people ep ON ep.source = c.source AND ep.event_id = c.event_id AND ep.side = 'victim'
    JOIN def_events e ON e.source = c.source AND e.event_id = c.event_id
    WHERE c.meets {age}"""
