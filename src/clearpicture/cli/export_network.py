"""``clearpicture export network``: the groups' network for analysts' tools, as a logged disclosure.

Registers itself on the ``export`` group. Thin: parse, call
:func:`clearpicture.network.export_formats.export_network`, report what was written.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..network.export_formats import EXPORT_FORMATS, export_network
from ._common import db_option, echo_err, emit_json, json_option
from ._existing import open_existing
from .export import export_group

#: Used when a script calls the interface.md form without saying who receives the file.
_DEFAULT_RECIPIENT = "not shared (exporting analyst's own use)"
_DEFAULT_PURPOSE = "network analysis"


@export_group.command("network")
@db_option
@click.option("--format", "fmt", required=True, type=click.Choice(sorted(EXPORT_FORMATS)),
              help="graphml, gexf, anb-csv (folder), neo4j-csv (folder) or svg (one group).")
@click.option("--out", "out", required=True, type=click.Path(), help="File (or folder for the CSV formats).")
@click.option("--group", "group_id", default=None, help="Only this group (required for svg).")
@click.option("--recipient", default=None, help="Who receives the export (logged).")
@click.option("--purpose", default=None, help="Why it is disclosed (logged).")
@click.option("--pseudonymise", is_flag=True,
              help="Replace entity ids with keyed pseudonyms (key from CLEARPICTURE_PSEUDONYM_KEY).")
@json_option
def export_network_command(db: str, fmt: str, out: str, group_id: str | None, recipient: str | None,
                           purpose: str | None, pseudonymise: bool, as_json: bool) -> None:
    """Write the offender groups' network (OFFICIAL-SENSITIVE) and log the disclosure."""
    with open_existing(db) as store:
        done = export_network(store, fmt, Path(out), group_id, recipient=recipient or _DEFAULT_RECIPIENT,
                              purpose=purpose or _DEFAULT_PURPOSE, pseudonymise=pseudonymise)
    if recipient is None or purpose is None:  # after the export: a failure stays one line
        echo_err("note: pass --recipient and --purpose when the file leaves your hands; they are logged")
    if as_json:
        emit_json(done)
    else:
        echo_err(f"{done['marking']}: {done['nodes']} nodes, {done['edges']} edges -> {', '.join(done['paths'])}")


commands: list[click.Command] = []  # registered on the export group above
