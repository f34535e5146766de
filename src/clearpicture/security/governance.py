"""Governance outputs for a force's ethics panel and data protection officer.

* a **model card**: what the definitions, linkage and grouping do and do not do, which inputs are
  excluded (protected characteristics), the runs behind the current results, human oversight;
* a **disparity report**: flag rates across recorded sex and ethnicity, for a person to review
  (principles.md item 2). Protected characteristics are only described here, in aggregate, with
  how complete their recording is; counts pass through statistical disclosure control;
* **DPIA material**: an inventory of the personal data in the workspace, who can reach it, what
  the audit log shows, disclosures and erasures, and the measures in place, for the DPO to
  complete a data protection impact assessment.

Each is Markdown, also rendered to HTML. This module reads the store and never writes it; it must
not compute anything about an individual: every figure is a count over groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__, standard
from ..disclosure import DisclosureRule, protect_table
from ..store import Store
from . import audit
from .exports import MARKING
from .markdown_html import markdown_to_html

__all__ = ["disparity_report", "disparity_rows", "dpia_material", "model_card", "write_governance"]

_DEFAULT_RULE = DisclosureRule()


def _cell(value: Any) -> str:
    return "*" if value is None else str(value).replace("|", "/").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    if not rows:
        return "_None._\n"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _stamp() -> str:
    return f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by clearpicture {__version__}. {MARKING}."


def _count(store: Store, table: str) -> int | None:
    return store.count(table) if store.has_table(table) else None


# -- disparity --------------------------------------------------------------------------------

def _labelled(codelist: str, column: str, broad: bool) -> str:
    labels = standard.code_labels(codelist)
    cases = " ".join(
        f"WHEN '{c.replace(chr(39), chr(39) * 2)}' THEN '{(lab.split(':')[0] if broad else lab).replace(chr(39), chr(39) * 2)}'"
        for c, lab in labels.items())
    value = f"coalesce({column}, {column}_raw)"
    return (f"coalesce(CASE {value} {cases} END, "
            f"CASE WHEN {value} IS NULL OR trim({value}) = '' THEN 'Not recorded' ELSE 'Other value' END)")


_DIMENSIONS = (
    ("Sex (as recorded)", "sex", "sex", False),
    ("Ethnicity, self-defined (2021 Census broad group)", "ethnicity_census_2021", "ethnicity_self", True),
    ("Ethnicity, officer-observed", "ethnicity_officer", "ethnicity_officer", False),
)


def _flags(store: Store) -> list[tuple[str, str]]:
    """(flag name, SQL selecting the distinct (source, person_id) records carrying it)."""
    flags: list[tuple[str, str]] = []
    if store.has_table("definition_victims"):
        for (definition,) in store.sql("SELECT DISTINCT definition_id FROM definition_victims ORDER BY 1"):
            d = str(definition).replace("'", "''")
            flags.append((f"victim under {definition}",
                          f"SELECT DISTINCT source, person_id FROM definition_victims WHERE definition_id = '{d}'"))
    if store.has_table("group_members") and store.has_table("entity_persons"):
        for (role,) in store.sql("SELECT DISTINCT role FROM group_members WHERE role IS NOT NULL ORDER BY 1"):
            r = str(role).replace("'", "''")
            flags.append((f"in a group as {role}",
                          "SELECT DISTINCT ep.source, ep.person_id FROM entity_persons ep JOIN group_members g "
                          f"ON g.entity_id = ep.entity_id WHERE g.role = '{r}'"))
    return flags


def disparity_rows(store: Store, codelist: str, column: str, broad: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """True counts per recorded group: records and records carrying each flag."""
    flags = _flags(store)
    joins = " ".join(f"LEFT JOIN ({sql}) f{i} ON f{i}.source = p.source AND f{i}.person_id = p.person_id"
                     for i, (_, sql) in enumerate(flags))
    counts = "".join(f", count(f{i}.person_id)" for i in range(len(flags)))
    rows = store.sql(f"SELECT {_labelled(codelist, 'p.' + column, broad)} AS grp, count(*){counts} "
                     f"FROM raw_persons p {joins} GROUP BY grp ORDER BY grp")
    names = [name for name, _ in flags]
    return ([{"group": r[0], "records": int(r[1]), **{n: int(v) for n, v in zip(names, r[2:], strict=True)}}
             for r in rows], names)


def _rate(num: int | None, den: int | None) -> str:
    if num is None or not den:
        return "*"
    return f"{100 * num / den:.1f}%"


def _completeness(rows: list[dict[str, Any]], rule: DisclosureRule) -> str:
    """How often the characteristic is recorded, to the nearest 5%, hidden when there are few records."""
    total = sum(x["records"] for x in rows)
    if total < max(rule.threshold, 1):
        return "Too few person records to say how completely this is recorded."
    recorded = sum(x["records"] for x in rows if x["group"] != "Not recorded")
    return f"Recorded for about {5 * round(20 * recorded / total)}% of person records."


def disparity_report(store: Store, rule: DisclosureRule = _DEFAULT_RULE) -> str:
    parts = [
        "# Disparity report: flag rates across recorded sex and ethnicity", "", _stamp(), "",
        "For a person to review before each release (principles.md item 2). Sex and ethnicity are never "
        "inputs to linking, grouping or flagging; this report checks whether outcomes differ across the "
        "groups as recorded, and how complete the recording is. Rates are per person record, computed from "
        "the protected counts below. A difference is a prompt for questions (about recording, referral "
        "routes, the definitions), not evidence of its cause.", "",
        rule.note(), "",
    ]
    if not store.count("raw_persons"):
        return "\n".join([*parts, "No person records in this workspace.", ""])
    for title, codelist, column, broad in _DIMENSIONS:
        rows, names = disparity_rows(store, codelist, column, broad)
        # records and flagged records are not additive across a row: no row total to recover a cell from
        protected = protect_table(rows, ["records", *names], ["group"], rule, row_totals=False)
        total = protected.column_totals.get("records")
        header = ["Group", "Records", "Share of records"] + [f"{n}: records / rate" for n in names]
        table_rows = []
        for r in protected.rows:
            table_rows.append([r["group"], r["records"], _rate(r["records"], total)]
                              + [f"{_cell(r[n])} / {_rate(r[n], r['records'])}" for n in names])
        totals = protected.column_totals
        table_rows.append(["**All records**", totals.get("records"), "100%" if total else "*"]
                          + [f"{_cell(totals.get(n))} / {_rate(totals.get(n), total)}" for n in names])
        parts += [f"## {title}", "", _completeness(rows, rule), "", _table(header, table_rows)]
    if not _flags(store):
        parts += ["No flags yet: the definitions and groups stages have not been run.", ""]
    parts += ["## Reviewer", "", "- Reviewed by (name, role):", "- Date:", "- Questions raised and actions:", ""]
    return "\n".join(parts)


# -- model card -------------------------------------------------------------------------------

def _latest_runs(store: Store) -> list[tuple[Any, ...]]:
    return store.sql(
        "SELECT stage, version, finished_at, status, parameters FROM runs r WHERE started_at = "
        "(SELECT max(started_at) FROM runs x WHERE x.stage = r.stage) ORDER BY stage")


def model_card(store: Store) -> str:
    protected = [f"{t}.{f.name}" for t in standard.TABLE_NAMES for f in standard.table(t).fields if f.protected]
    parts = [
        "# Model card: clearpicture definitions, linkage and groups", "", _stamp(), "",
        "## What it does", "",
        "- Flags crimes and referrals that meet a published, versioned definition of (group-based) child "
        "sexual exploitation, and shows the evidence for every flag.",
        "- Links records of the same person, object or place across agencies (probabilistic record linkage, "
        "with match weights shown for every merge and an uncertain band sent to a person for review).",
        "- Finds groups from evidence links between offenders and victims, and describes them.",
        "",
        "## What it does not do", "",
        "- No individual risk scores: people are never ranked or scored.",
        "- Nothing is shared onward automatically; every flag and merge is a suggestion a person accepts or rejects.",
        "- Protected characteristics are never an input to linking, grouping or flagging: "
        + ", ".join(f"`{p}`" for p in protected) + ".",
        "- Language review findings are about the writer and never change how a child is prioritised.",
        "",
        "## Definitions in force", "",
    ]
    if store.has_table("definition_cases"):
        rows = store.sql("SELECT definition_id, any_value(version), count(*), count(*) FILTER (WHERE meets) "
                         "FROM definition_cases GROUP BY definition_id ORDER BY 1")
        parts.append(_table(["Definition", "Version", "Cases assessed", "Cases meeting it"], rows))
    else:
        parts += ["The definitions stage has not been run in this workspace.", ""]
    parts += ["## Linkage and groups", ""]
    facts = [
        ("Person records", store.count("raw_persons")),
        ("Resolved people (entities)", store.sql("SELECT count(DISTINCT entity_id) FROM entity_persons")[0][0]
         if store.has_table("entity_persons") else None),
        ("Scored pairs", _count(store, "entity_pairs")),
        ("Pairs waiting for review", _count(store, "entity_review")),
        ("Review decisions by people", _count(store, "entity_decisions")),
        ("Groups", _count(store, "group_summary")),
    ]
    parts.append(_table(["Measure", "Value"], [(k, "not run" if v is None else v) for k, v in facts]))
    parts += ["## Runs behind these results", "",
              _table(["Stage", "Version", "Finished (UTC)", "Status", "Parameters"], _latest_runs(store)),
              "## Data", ""]
    sources = store.sql("SELECT s.source, s.name, s.kind, (SELECT count(*) FROM raw_persons p "
                        "WHERE p.source = s.source) FROM raw_sources s ORDER BY 1")
    parts.append(_table(["Source", "Name", "Kind", "Person records"], sources))
    parts += ["## Known limits", "",
              "- Results are only as complete as the records shared; agencies missing from the data are "
              "missing from the picture.",
              "- Linkage errs both ways: false merges join two people, missed links split one. The review "
              "queue and match weights let analysts check; the evaluation figures (`clearpicture evaluate`) "
              "measure it on synthetic data with known truth.",
              "- Definitions capture what was recorded, not what happened; unrecorded exploitation is not flagged.",
              ""]
    return "\n".join(parts)


# -- DPIA material ----------------------------------------------------------------------------

_CATEGORIES = (
    ("raw_", "Records as shared by agencies (personal data, including about children)"),
    ("history_", "Earlier versions of records, kept when a record is replaced"),
    ("entity_", "Resolved people, objects and places (derived personal data)"),
    ("definition_", "Case flags against definitions (derived)"),
    ("edge_", "Evidence links between people (derived)"),
    ("group_", "Groups and their members (derived)"),
    ("language_", "Language review findings about notes (derived)"),
    ("quality_", "Data quality scorecards (aggregate)"),
    ("estimate_", "Population estimates (aggregate)"),
    ("investigation_", "Investigation measures (derived)"),
    ("quarantine", "Rejected input rows, kept for correction (personal data)"),
    ("audit_", "Section 62 log (who did what, when and why)"),
    ("user", "Accounts, sessions and sign-in attempts (staff data)"),
)


def dpia_material(store: Store) -> str:
    tables = [str(r[0]) for r in store.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_schema = current_schema() AND table_catalog = current_database() ORDER BY 1")]
    inventory = []
    for prefix, meaning in _CATEGORIES:
        hits = [t for t in tables if t.startswith(prefix)]
        if hits:
            inventory.append((meaning, ", ".join(f"`{t}`" for t in hits), sum(store.count(t) for t in hits)))
    special = []
    for field_name in ("ethnicity_self", "ethnicity_officer", "nationality"):
        n = store.sql(f"SELECT count(*) FROM raw_persons WHERE coalesce({field_name}, {field_name}_raw) IS NOT NULL")
        special.append((field_name, n[0][0]))
    roles = store.sql("SELECT role, count(*) FILTER (WHERE active), count(*) FILTER (WHERE NOT active) "
                      "FROM users GROUP BY role ORDER BY role") if store.has_table("users") else []
    log = store.sql("SELECT action, count(*) FILTER (WHERE allowed), count(*) FILTER (WHERE NOT allowed) "
                    "FROM audit_log GROUP BY action ORDER BY action") if store.has_table("audit_log") else []
    chain = audit.verify(store)
    recipients = store.sql(
        "SELECT recipient, count(*), max(at_utc) FROM audit_log WHERE action = 'disclosure' AND allowed "
        "GROUP BY recipient ORDER BY recipient") if store.has_table("audit_log") else []
    parts = [
        "# Data protection impact assessment: material from the workspace", "", _stamp(), "",
        "Facts drawn from this workspace for the data protection officer. The assessment itself (necessity, "
        "proportionality, residual risk, sign-off) is a human judgement; the questions at the end are for that.",
        "",
        "## Nature and purpose", "",
        "Processing for law enforcement purposes (Data Protection Act 2018 Part 3) and safeguarding: "
        "understanding group-based child sexual exploitation from multi-agency records, to protect children "
        "and disrupt offenders. Sensitive processing: data about children, sexual offending, and (as recorded "
        "by agencies) ethnicity.", "",
        "## Personal data held", "",
        _table(["Category", "Tables", "Rows"], inventory),
        "Protected characteristics as recorded (used only for aggregate description):", "",
        _table(["Field", "Person records with a value"], special),
        "## Sources (controllers sharing data)", "",
        _table(["Source", "Name", "Kind"], store.sql("SELECT source, name, kind FROM raw_sources ORDER BY 1")),
        "## Access", "",
        "Deny by default; one permission function; analysts see personal data only from the sources in their "
        "scope; national users see aggregates only; no free SQL for ordinary roles.", "",
        _table(["Role", "Active accounts", "Disabled accounts"], roles),
        "## Logging (section 62)", "",
        f"Audit log: {chain.rows} rows; hash chain {'verified intact' if chain.ok else 'FAILED verification'}"
        f" (head `{chain.head[:16]}`).", "",
        _table(["Action", "Allowed", "Refused"], log),
        "## Disclosures", "",
        _table(["Recipient", "Exports", "Latest (UTC)"], recipients),
        "## Measures in place", "",
        "- Passwords stored as argon2id hashes; sign-in throttling; sessions with idle and absolute timeouts; "
        "re-authentication before bulk export, erasure and undoing a merge.",
        "- Security headers (no inline script, no framing), CSRF tokens, SameSite=Strict HttpOnly cookies.",
        "- Workspace encryption at rest available (`CLEARPICTURE_DB_KEY`); no network access at run time.",
        "- Exports marked OFFICIAL-SENSITIVE, optionally pseudonymised (keyed HMAC), formula-safe, logged with "
        "recipient and justification.",
        "- Partner and public outputs apply statistical disclosure control.",
        "- Erasure removes every derived copy and logs a content-free row naming recipients to notify.",
        "- No individual risk scores; protected characteristics excluded from all linking, grouping and flagging.",
        "",
        "## Questions for the assessment", "",
        "- Is each source's sharing covered by an information sharing agreement naming this purpose?",
        "- What retention and review periods (MoPI) apply, and who runs erasure at review?",
        "- Who reviews the disparity report each release, and what happens when it shows a difference?",
        "- Who may hold admin accounts, and how often are accounts and the audit log reviewed?",
        "",
    ]
    return "\n".join(parts)


def write_governance(store: Store, out_dir: str | Path, rule: DisclosureRule = _DEFAULT_RULE) -> list[Path]:
    """Write model-card, disparity-report and dpia-material as Markdown and HTML; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, title, text in (
        ("model-card", "Model card", model_card(store)),
        ("disparity-report", "Disparity report", disparity_report(store, rule)),
        ("dpia-material", "DPIA material", dpia_material(store)),
    ):
        md = out / f"{name}.md"
        md.write_text(text, encoding="utf-8")
        page = out / f"{name}.html"
        page.write_text(markdown_to_html(text, f"{title} - clearpicture"), encoding="utf-8")
        written += [md, page]
    return written
