"""``clearpicture governance``: model card, disparity report and DPIA material for a workspace."""

from __future__ import annotations

import click

from ..disclosure import DisclosureRule
from ..security.governance import write_governance
from ._common import db_option, echo_err, emit_json, json_option
from ._existing import open_existing


@click.command("governance")
@db_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
@click.option("--true-counts", is_flag=True,
              help="Show true counts in the disparity report (for a panel inside the need-to-know circle).")
@json_option
def governance(db: str, out_dir: str, true_counts: bool, as_json: bool) -> None:
    """Write the model card, disparity report and DPIA material (Markdown and HTML)."""
    rule = DisclosureRule(threshold=0, rounding=1, secondary=False) if true_counts else DisclosureRule()
    with open_existing(db, read_only=True) as store:
        paths = write_governance(store, out_dir, rule)
    if as_json:
        emit_json({"files": [str(p) for p in paths]})
    else:
        for p in paths:
            echo_err(f"wrote {p}")


commands: list[click.Command] = [governance]
