"""``clearpicture quality``: the data-quality scorecard by source, table, field and quarter.

Thin: parse, call :func:`clearpicture.quality.run` and :func:`clearpicture.quality.scorecard`,
format. ``--json`` prints the interface.md document (fields, measures; plus trends by quarter and
timeliness) on stdout; the table view goes to stdout, notes to stderr.
"""

from __future__ import annotations

import click

from .. import quality
from ._common import db_option, echo_err, emit_json, json_option, progress_option, stage_progress
from ._existing import open_existing


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


@click.command("quality")
@db_option
@click.option("--thresholds", type=click.Path(dir_okay=False), default=None,
              help="Green/amber/red thresholds YAML (default: the shipped file).")
@click.option("--all-fields", is_flag=True, help="Show every field, not only those below green.")
@json_option
@progress_option
def quality_command(db: str, thresholds: str | None, all_fields: bool, as_json: bool,
                    show_progress: bool | None) -> None:
    """Measure completeness, validity, consistency, timeliness and duplicates, and the safeguarding
    measures (CSE flagging, ethnicity recording, crimes with a location, graded intelligence)."""
    with open_existing(db) as store, stage_progress(show_progress, "quality", store):
        result = quality.run(store, {"thresholds": thresholds} if thresholds else None)
        doc = quality.scorecard(store)
    if as_json:
        emit_json(doc)
        return
    click.echo("Safeguarding and consistency measures (whole period)")
    click.echo("measure\tsource\tvalue\tnumerator\tdenominator\trating")
    for m in doc["measures"]:
        click.echo(f"{m['id']}\t{m['source']}\t{_pct(m['value'])}\t{m['numerator']}\t{m['denominator']}\t"
                   f"{m['rating'] or ''}")
    click.echo("")
    click.echo("Fields" + ("" if all_fields else " below green"))
    click.echo("source\ttable\tfield\trows\tcompleteness\tvalidity")
    for f in doc["fields"]:
        if all_fields or f["completeness_rating"] != "green" or f["validity_rating"] != "green":
            click.echo(f"{f['source']}\t{f['table']}\t{f['field']}\t{f['rows']}\t"
                       f"{_pct(f['completeness'])} {f['completeness_rating']}\t{_pct(f['validity'])} {f['validity_rating']}")
    echo_err(f"{result.counts['fields']} field rows, {result.counts['measures']} measure rows "
             f"({result.counts['red']} red); trends by quarter in --json under 'trends'.")


commands: list[click.Command] = [quality_command]
