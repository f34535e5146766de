"""``clearpicture erase``: remove a person record and every derived copy, with a log row."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..security import local_operator
from ..security.erasure import erase_person
from ._common import db_option, echo_err, emit_json, json_option
from ._existing import open_existing


@click.command("erase")
@db_option
@click.option("--person", required=True, help="The record to erase, as SOURCE/ID.")
@click.option("--reason", required=True, help="Why (out of scope, MoPI review...). No personal details.")
@click.option("--remove-exports", is_flag=True, help="Also delete earlier export files that still hold the person.")
@json_option
def erase(db: str, person: str, reason: str, remove_exports: bool, as_json: bool) -> None:
    """Erase a person from every table, cache and derived result of the workspace."""
    if "/" not in person:
        raise InputError(f"--person: {person!r} should be SOURCE/ID")
    source, person_id = person.split("/", 1)
    with open_existing(db) as store:
        result = erase_person(store, local_operator(), source, person_id, reason)
    removed: list[str] = []
    if remove_exports:
        for path in result.exports_holding_person:
            Path(path).unlink(missing_ok=True)
            removed.append(path)
    doc = {"person_ref": result.person_ref, "rows_removed": sum(result.deleted.values()), "masked": result.masked,
           "tables": result.deleted, "notify": result.notify, "stale_stages": result.stale_stages,
           "residual": result.residual, "exports_holding_person": result.exports_holding_person,
           "exports_removed": removed, "audit_seq": result.audit_seq,
           "file_rewritten": result.file_rewritten, "file_not_rewritten": result.file_not_rewritten}
    if as_json:
        emit_json(doc)
    else:
        echo_err(f"erased {sum(result.deleted.values())} rows from {len(result.deleted)} tables "
                 f"(log row {result.audit_seq})")
        for who in result.notify:
            echo_err(f"notify earlier recipient: {who}")
        if result.stale_stages:
            echo_err(f"re-run: {', '.join(result.stale_stages)} (results built on the erased record were removed)")
        for where in result.residual:
            echo_err(f"warning: the record's id still appears in {where}; review it")
        for path in result.exports_holding_person:
            echo_err(f"{'removed' if path in removed else 'warning: still holds the person'}: {path}")
        if result.file_not_rewritten:
            echo_err(f"warning: the workspace file was not rewritten ({result.file_not_rewritten}); "
                     "the erased details may remain in its free space until it is")


commands: list[click.Command] = [erase]
