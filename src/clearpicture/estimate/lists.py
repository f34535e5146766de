"""Which agency lists a child victim is on: the evidence rule behind every capture history.

Multiple systems estimation is only as good as its lists. A list must hold the children *that
agency* identified as victims, each child once, and nobody else: a wrongly included child
inflates the estimate (a false "singleton" looks like evidence of many unseen children), whereas
a victim an agency missed only lowers that list's capture rate, which the model allows for. So the
rule errs towards strictness. Three rules (``EstimateConfig.evidence``):

``substantiated`` (default)
    A child (a resolved entity) is on the list of source kind K when a K source holds a case that
    meets the definition in force with the child's record on the victim side, the case was not
    closed as unfounded (a non-crime outcome such as "no further action", "no concern",
    "unfounded"), and the case is more than a bare flag: a crime record (a recorded offence with
    the child as its victim, Home Office Counting Rules), or any other case (referral, health
    contact, ...) on which the agency recorded an account of the concern (a case note on the
    record). A referral that is only a ticked CSE box is a concern raised, not a child identified.
``definition``
    Every case meeting the definition with the child on the victim side, unless closed as unfounded.
``records``
    The rule used before 2026-11-29, kept for comparison: a victim of the definition (any agency)
    is on the list of every kind where any record of theirs appears, in any role.

The SQL reads ``definition_victims``, ``definition_cases``, ``raw_links``, ``raw_events``,
``raw_notes``, ``raw_sources``, ``raw_persons`` and, after linkage, ``entity_persons``. This
module only builds SQL strings; it must not run queries, fit models or read the truth of a
synthetic scenario. It never uses ethnicity, nationality or sex.
"""

from __future__ import annotations

__all__ = ["CLOSED_UNFOUNDED", "EVIDENCE", "EVIDENCE_HELP", "VICTIM_SIDE_KINDS", "records_cte_sql", "victim_records_sql"]

#: The evidence rules, default first.
EVIDENCE = ("substantiated", "definition", "records")
EVIDENCE_HELP = {
    "substantiated": "a meeting case with the child as victim, not closed as unfounded, and a recorded crime "
                     "or a case note (not a bare flag)",
    "definition": "any meeting case with the child as victim, not closed as unfounded",
    "records": "every kind where any record of a victim appears (the rule before 2026-11-29)",
}
#: Event kinds on which the ``subject`` of the record is the child it is about (as in definitions).
VICTIM_SIDE_KINDS = ("referral", "health_contact", "missing_episode")
#: A non-crime outcome matching this (lower case, regular expression) closes a case as unfounded.
CLOSED_UNFOUNDED = (r"no further action|\bnfa\b|no concerns?\b|unfounded|unsubstantiated|not substantiated"
                    r"|no evidence of|closed.{0,20}no (cse|exploitation)")


def _entity(linked: bool) -> tuple[str, str]:
    """(entity expression, join) for a victim record: its entity, else the record itself."""
    if linked:
        return ("coalesce(dv.entity_id, ep.entity_id, dv.source || '/' || dv.person_id)",
                "LEFT JOIN entity_persons ep ON ep.source = dv.source AND ep.person_id = dv.person_id")
    return "coalesce(dv.entity_id, dv.source || '/' || dv.person_id)", ""


def _tail() -> str:
    """Kind and area of each record's source, and the record's date of birth (for strata)."""
    return """,
        sources AS (
            SELECT source, any_value(coalesce(kind, 'other')) AS kind, any_value(area) AS area
            FROM raw_sources GROUP BY source
        ),
        persons AS (
            SELECT source, person_id, min(date_of_birth) AS date_of_birth
            FROM raw_persons GROUP BY source, person_id
        )
        SELECT r.entity_id, coalesce(s.kind, 'other') AS kind, s.area, p.date_of_birth
        FROM records r
        LEFT JOIN sources s ON s.source = r.source
        LEFT JOIN persons p ON p.source = r.source AND p.person_id = r.person_id
        ORDER BY r.entity_id, r.source, r.person_id"""


def victim_records_sql(linked: bool, evidence: str = "substantiated") -> str:
    """The person records that put each victim of definition ``?`` on a list, with kind, area and birth date.

    One row per (entity, record); ``linked``: ``entity_persons`` exists. Parameters: the definition
    id, once for ``records`` and twice otherwise (cases, then victims).
    """
    return records_cte_sql(linked, evidence) + _tail()


def records_cte_sql(linked: bool, evidence: str = "substantiated") -> str:
    """The ``WITH ...`` clause ending in ``records(entity_id, source, person_id)``, for further queries."""
    if evidence not in EVIDENCE:
        raise ValueError(f"unknown evidence rule {evidence!r} (choose from {', '.join(EVIDENCE)})")
    entity, join = _entity(linked)
    if evidence == "records":
        others = """
        UNION
        SELECT ep.entity_id, ep.source, ep.person_id
        FROM (SELECT DISTINCT entity_id FROM victims) e JOIN entity_persons ep USING (entity_id)""" if linked else ""
        return f"""
        WITH victims AS (
            SELECT DISTINCT {entity} AS entity_id, dv.source, dv.person_id
            FROM definition_victims dv {join}
            WHERE dv.definition_id = ?
        ),
        records AS (
            SELECT entity_id, source, person_id FROM victims{others}
        )"""
    kinds = ", ".join(f"'{k}'" for k in VICTIM_SIDE_KINDS)
    pattern = CLOSED_UNFOUNDED.replace("'", "''")
    note = "AND (c.kind = 'crime' OR c.noted)" if evidence == "substantiated" else ""
    return f"""
        WITH meeting AS (
            SELECT DISTINCT source, event_id FROM definition_cases WHERE definition_id = ? AND meets
        ),
        noted AS (
            SELECT DISTINCT source, about_id AS event_id FROM raw_notes
            WHERE about_type = 'event' AND trim(coalesce(text, '')) <> ''
        ),
        cases AS (
            SELECT e.source, e.event_id, any_value(e.kind) AS kind,
                bool_or(e.kind <> 'crime' AND regexp_matches(lower(coalesce(e.outcome, '')), '{pattern}')) AS closed,
                bool_or(n.event_id IS NOT NULL) AS noted
            FROM raw_events e
            JOIN meeting m ON m.source = e.source AND m.event_id = e.event_id
            LEFT JOIN noted n ON n.source = e.source AND n.event_id = e.event_id
            GROUP BY e.source, e.event_id
        ),
        victims AS (
            SELECT DISTINCT {entity} AS entity_id, dv.source, dv.person_id
            FROM definition_victims dv {join}
            WHERE dv.definition_id = ?
        ),
        records AS (
            SELECT DISTINCT v.entity_id, v.source, v.person_id
            FROM victims v
            JOIN raw_links l ON l.source = v.source AND l.from_type = 'person' AND l.from_id = v.person_id
                AND l.to_type = 'event'
            JOIN cases c ON c.source = l.source AND c.event_id = l.to_id
            WHERE (l.role = 'victim' OR (l.role = 'subject' AND c.kind IN ({kinds})))
                AND NOT c.closed {note}
        )"""
