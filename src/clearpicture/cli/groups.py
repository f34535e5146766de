"""``clearpicture groups``: build evidence edges and offender groups, then show them.

Thin: parse, call :func:`clearpicture.network.run` and :func:`clearpicture.network.groups_document`,
format. ``--json`` prints the interface.md document on stdout; progress goes to stderr. Showing the
groups is a consultation of personal data, so it is written to the audit log.
"""

from __future__ import annotations

import click

from .. import network
from ..security import audit, local_operator
from ._common import db_option, echo_err, emit_json, json_option, progress_option, stage_progress
from ._existing import open_existing


@click.command("groups")
@db_option
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Where the edge-building SQL runs.")
@click.option("--group", "group_id", default=None, help="Show only this group.")
@click.option("--no-run", "no_run", is_flag=True, help="Show the groups of the last run without re-running.")
@json_option
@progress_option
def groups_command(db: str, engine: str, group_id: str | None, no_run: bool, as_json: bool,
                   show_progress: bool | None) -> None:
    """Find offender groups from the evidence and explain each membership."""
    with open_existing(db) as store:
        if not no_run:
            with stage_progress(show_progress, "groups", store):
                result = network.run(store, engine=engine)
            c = result.counts
            changes = ", ".join(f"{n} {k}" for k, n in c.get("changes", {}).items()) or "none"
            echo_err(f"{c['edge_evidence']} evidence rows, {c['edge_entities']} entity pairs; "
                     f"{c['groups']} groups ({c['group_offenders']} offenders, {c['group_victims']} victims); "
                     f"changes: {changes}")
        doc = network.groups_document(store, group_id)
        audit.record(store, local_operator(), "consultation",
                     {"command": "groups", "group": group_id or "all", "groups": len(doc["groups"])},
                     justification="groups command")
    if as_json:
        emit_json(doc)
        return
    click.echo("group\toffenders\tvictims\tevents\tfirst\tlast\toffender entities")
    for g in doc["groups"]:
        s = g["summary"]
        click.echo("\t".join([g["group_id"], str(len(g["offenders"])), str(len(g["victims"])), str(s["events"]),
                              str(s["first_at"] or "")[:10], str(s["last_at"] or "")[:10],
                              ",".join(o["entity_id"] for o in g["offenders"])]))


commands: list[click.Command] = [groups_command]
