"""``clearpicture definitions``: apply versioned definitions, show the scale under each side by side,
and write the annual data return.

Thin: parse, call :func:`clearpicture.definitions.run` / :func:`~clearpicture.definitions.summarise`
/ :func:`~clearpicture.definitions.annual_return`, format. ``--json`` prints the interface.md
document on stdout; progress goes to stderr. The data return leaves the system, so it is
disclosure-controlled and written to the audit log as a disclosure.
"""

from __future__ import annotations

from pathlib import Path

import click

from .. import definitions
from ..security import audit, local_operator
from ._common import db_option, echo_err, emit_json, json_option, progress_option, stage_progress
from ._existing import open_existing

_KEYS = ("id", "version", "citation", "crimes", "victims", "offenders", "unflagged", "flagged_not_meeting")


@click.command("definitions")
@db_option
@click.option("--definition", "ids", multiple=True, metavar="ID",
              help="Apply only this shipped definition (repeatable); default: all shipped.")
@click.option("--definition-file", "files", multiple=True, type=click.Path(dir_okay=False),
              help="Also apply a local definition file (YAML; repeatable).")
@click.option("--return", "return_year", type=int, default=None, metavar="YEAR",
              help="Write the annual data return for offences occurring in YEAR (needs --out).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="Data return file: .csv or .xlsx (format from the extension).")
@click.option("--return-definition", "return_definition", default=definitions.DEFAULT_GROUP_BASED,
              show_default=True, help="Group-based definition the data return counts.")
@json_option
@progress_option
def definitions_command(db: str, ids: tuple[str, ...], files: tuple[str, ...], return_year: int | None,
                        out: str | None, return_definition: str, as_json: bool, show_progress: bool | None) -> None:
    """Apply definitions of CSE and group-based CSE; show crimes, victims and offenders under each,
    under-flagging (meeting, no flag) and flagged cases that do not meet it."""
    if (return_year is None) != (out is None):
        raise click.UsageError("--return YEAR and --out FILE go together")
    with open_existing(db) as store:
        chosen = list(ids) if ids else None
        if files and not ids:
            chosen = None  # all shipped plus the local files
        with stage_progress(show_progress, "definitions", store):
            result = definitions.run(store, {"definitions": chosen, "definition_files": list(files)})
        applied = [k for k in result.counts]
        rows = definitions.summarise(store, applied)
        written = None
        if return_year is not None and out is not None:
            ret = definitions.annual_return(store, return_year, return_definition)
            written = definitions.write_return(ret, Path(out))
            audit.record(store, local_operator(), "disclosure",
                         {"command": "definitions --return", "year": return_year, "file": str(written),
                          "definition": return_definition, "disclosure_control": True},
                         justification="annual data return on group-based child sexual exploitation",
                         recipient="Home Office (annual data return)")
    if written is not None:
        echo_err(f"data return for {return_year} written to {written} (disclosure control applied)")
    if as_json:
        emit_json({"definitions": [{k: r[k] for k in _KEYS} | {"cases": r["cases"], "people_as": r["people_as"],
                                                              "group_based": r["group_based"], "note": r["note"]}
                                   for r in rows]})
        return
    click.echo("definition\tversion\tcrimes\tvictims\toffenders\tunflagged\tflagged_not_meeting")
    for r in rows:
        click.echo("\t".join(str(r[k]) for k in ("id", "version", "crimes", "victims", "offenders", "unflagged",
                                                  "flagged_not_meeting")))
    people = rows[0]["people_as"] if rows else "records"
    echo_err(f"People counted as {people}. unflagged: cases meeting the definition with none of its flags; "
             "flagged_not_meeting: flagged cases that do not meet it.")
    for r in rows:
        if r["note"]:
            echo_err(f"{r['id']}: {r['note']}")


commands: list[click.Command] = [definitions_command]
