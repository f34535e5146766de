"""``clearpicture ingest``: load agency exports into a workspace."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .. import ingest as ingest_stage
from ..errors import InputError
from ..store import open_store
from ._common import db_option, emit_json, json_option, progress_option, stage_progress
from ._existing import check_workspace


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option("--mapping", type=click.Path(dir_okay=False), help="YAML column mapping for a non-standard export.")
@json_option
@progress_option
def ingest_command(paths: tuple[str, ...], db: str, mapping: str | None, as_json: bool,
                   show_progress: bool | None) -> None:
    """Ingest data packages, zips or files (CSV, XLSX, Parquet, JSON Lines) into the workspace DB.

    Rows that cannot load are quarantined with file, row, column and reason; values that fail
    validation keep their raw text. read = loaded + quarantined + unchanged, for every table.
    """
    missing = [p for p in paths if not Path(p).exists()]
    if missing:  # before the workspace is made: a mistyped export path must not leave an empty one
        raise InputError(f"{missing[0]}: no such file or folder")
    check_workspace(db, allow_empty=True)
    mapped = ingest_stage.load_mapping(mapping) if mapping else None
    with open_store(db) as store, stage_progress(show_progress, "ingest", store):
        result = ingest_stage.run(store, paths, mapped)
    tables = result.counts["tables"]
    errors: list[str] = result.counts["errors"]
    if as_json:
        emit_json({"run_id": result.run_id, "tables": tables, "errors": errors})
    elif tables:
        out = Table(title=f"ingest {result.run_id}")
        for col in ("table", "read", "loaded", "quarantined", "unchanged", "invalid values"):
            out.add_column(col, justify="left" if col == "table" else "right")
        for name, c in tables.items():
            out.add_row(name, *(f"{c[k]:,}" for k in ("read", "loaded", "quarantined", "unchanged", "invalid_values")))
        Console().print(out)
    for line in errors:
        click.echo(f"clearpicture: error: {line}", err=True)
    if errors:
        raise SystemExit(InputError.exit_code)


commands: list[click.Command] = [ingest_command]
