"""``clearpicture evaluate``: a workspace's results against a synthetic scenario's truth folder.

Thin: parse, call :func:`clearpicture.evaluate.evaluate`, format one section per stage.
"""

from __future__ import annotations

import click

from .. import estimate  # noqa: F401 - registers the estimate-versus-truth section
from ..evaluate import evaluate
from ._common import db_option, emit_json, json_option
from ._existing import open_existing


@click.command("evaluate")
@db_option
@click.option("--truth", "truth", required=True, type=click.Path(file_okay=False),
              help="The scenario's truth/ folder.")
@json_option
def evaluate_command(db: str, truth: str, as_json: bool) -> None:
    """Score linkage (and other stages) against the truth of a synthetic scenario."""
    with open_existing(db) as store:
        doc = evaluate(store, truth)
    if as_json:
        emit_json(doc)
        return
    for section, figures in doc.items():
        click.echo(f"[{section}]")
        for name, value in figures.items():
            if isinstance(value, dict):
                click.echo(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
            else:
                click.echo(f"  {name}: {value}")


commands: list[click.Command] = [evaluate_command]
