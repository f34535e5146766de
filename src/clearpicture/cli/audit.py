"""``clearpicture audit verify|show``: check and read the section 62 log."""

from __future__ import annotations

import json
from datetime import datetime

import click

from ..errors import InputError
from ..security import audit
from ._common import db_option, emit_json, json_option
from ._existing import open_existing


@click.group("audit")
def audit_group() -> None:
    """The audit log of who saw or changed personal data."""


@audit_group.command("verify")
@db_option
@json_option
@click.option("--expect-head", default=None, help="The last hash recorded earlier elsewhere.")
@click.option("--strict", is_flag=True,
              help="Also fail when an ingest or linkage run has no log row (it handled personal data unlogged).")
def verify_cmd(db: str, as_json: bool, expect_head: str | None, strict: bool) -> None:
    """Exit 0 only when the log is complete and untampered."""
    with open_existing(db) as store:
        result = audit.verify(store, expect_head=expect_head, strict=strict)
    if as_json:
        emit_json({"ok": result.ok, "rows": result.rows, "head": result.head, "problems": result.problems,
                   "missing": result.missing})
    else:
        for p in result.problems:
            click.echo(f"problem: {p}", err=True)
        if not strict:
            for m in result.missing:
                click.echo(f"warning: {m}", err=True)
        click.echo(f"{'ok' if result.ok else 'FAILED'}: {result.rows} rows, head {result.head}")
    if not result.ok:
        raise SystemExit(1)


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"--{name}: {value!r} is not an ISO date or date-time (UTC)") from exc


@audit_group.command("show")
@db_option
@click.option("--user", default=None, help="Only rows by this user.")
@click.option("--person", default=None, help="Only rows about SOURCE/ID.")
@click.option("--since", default=None, help="From this UTC date or date-time.")
@click.option("--until", default=None, help="Up to this UTC date or date-time.")
@click.option("--action", default=None, type=click.Choice(list(audit.AUDIT_ACTIONS)))
@json_option
def show_cmd(db: str, user: str | None, person: str | None, since: str | None, until: str | None,
             action: str | None, as_json: bool) -> None:
    """Print log rows, oldest first (with --json: one document, {"rows": [...], "count": n})."""
    who: tuple[str, str] | None = None
    if person is not None:
        if "/" not in person:
            raise InputError(f"--person: {person!r} should be SOURCE/ID")
        src, pid = person.split("/", 1)
        who = (src, pid)
    with open_existing(db) as store:
        rows = audit.show(store, user=user, person=who, since=_when(since, "since"),
                          until=_when(until, "until"), action=action)
    if as_json:
        emit_json({"rows": rows, "count": len(rows)})
        return
    for r in rows:
        fields = [str(r["seq"]), r["at_utc"].isoformat(timespec="seconds") + "Z", r["actor"], r["action"],
                  "allowed" if r["allowed"] else "REFUSED", json.dumps(r["what"], ensure_ascii=False),
                  "why: " + r["justification"] if r["justification"] else "",
                  "to: " + r["recipient"] if r["recipient"] else ""]
        click.echo("\t".join(audit.escape_text(f) for f in fields if f))


commands: list[click.Command] = [audit_group]
