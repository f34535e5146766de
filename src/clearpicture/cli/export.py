"""``clearpicture export``: the group of export commands; ``export entities`` lives here.

Other stages add subcommands to :data:`export_group` (``export network``). Every export is a
disclosure, logged with its recipient and purpose. ``export entities`` writes exactly the columns
``source,person_id,entity_id`` (interface.md), one row per person record.
"""

from __future__ import annotations

import csv
from pathlib import Path

import click

from ..errors import InputError
from ..security import audit, local_operator
from ..store import Store
from ._common import db_option, echo_err
from ._existing import open_existing

__all__ = ["export_entities", "export_group"]

_DEFAULT_RECIPIENT = "not shared (exporting analyst's own use)"


@click.group("export")
def export_group() -> None:
    """Write results to files for other tools (each export is logged as a disclosure)."""


def export_entities(store: Store, out: Path, recipient: str, purpose: str) -> int:
    """Write entity_persons as CSV (source,person_id,entity_id); log the disclosure; return rows."""
    if not store.has_table("entity_persons"):
        raise InputError("no linkage results in this workspace: run `clearpicture link` first")
    rows = store.sql("SELECT source, person_id, entity_id FROM entity_persons ORDER BY source, person_id")
    # The full path and the sources covered: erasure looks for the person in every logged export
    # file by its path, and tells the recipients of exports from the erased record's source.
    audit.record(store, local_operator(), "disclosure",
                 {"command": "export entities", "rows": len(rows), "path": str(out.resolve()),
                  "sources": sorted({source for source, _, _ in rows})},
                 justification=purpose, recipient=recipient)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "person_id", "entity_id"])
        writer.writerows(rows)
    return len(rows)


@export_group.command("entities")
@db_option
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="CSV file to write.")
@click.option("--recipient", default=None, help="Who receives the file (logged).")
@click.option("--purpose", default="linked records", show_default=True, help="Why it is disclosed (logged).")
def export_entities_command(db: str, out: str, recipient: str | None, purpose: str) -> None:
    """Write source,person_id,entity_id for every person record."""
    path = Path(out)
    if not path.parent.exists():
        raise InputError(f"{out}: folder {path.parent} does not exist")
    with open_existing(db) as store:
        n = export_entities(store, path, recipient or _DEFAULT_RECIPIENT, purpose)
    echo_err(f"{n} person records -> {out}")


commands: list[click.Command] = [export_group]
