"""``clearpicture investigations``: run the investigations stage and show measures and review list.

Thin: parse, call :func:`clearpicture.investigations.run`, :func:`~clearpicture.investigations.measures`
and :func:`~clearpicture.investigations.review_list`, format. ``--json`` prints the interface.md
document on stdout; progress goes to stderr. ``--audience partner`` applies disclosure control to
the measures and leaves the case-level review list out. ``investigations-decide`` records a
supervisor's accept/dismiss of one review item; ``investigations-case`` shows one crime's
timeline. Both are written to the audit log (alteration, consultation).
"""

from __future__ import annotations

from typing import Any

import click

from .. import investigations
from ..errors import InputError
from ..security import audit, local_operator
from ._common import db_option, echo_err, emit_json, json_option, progress_option, stage_progress
from ._existing import open_existing


@click.command("investigations")
@db_option
@click.option("--checklist", "checklist", type=click.Path(dir_okay=False), default=None,
              help="Case review checklist YAML (default: the shipped checklist).")
@click.option("--audience", type=click.Choice(["internal", "partner"]), default="internal", show_default=True,
              help="partner: disclosure control on the measures, no case-level review list.")
@click.option("--no-run", "no_run", is_flag=True, help="Show the results of the last run without re-running.")
@json_option
@progress_option
def investigations_command(db: str, checklist: str | None, audience: str, no_run: bool, as_json: bool,
                           show_progress: bool | None) -> None:
    """Measure how consistently cases are worked and list cases for review."""
    if checklist and no_run:
        raise InputError("--checklist applies the checklist in a run; drop --no-run")
    checks = investigations.load_checklist(checklist) if checklist else None
    with open_existing(db) as store:
        if not no_run:
            with stage_progress(show_progress, "investigations", store):
                result = investigations.run(store, {"checklist": checklist} if checklist else None,
                                            checklist=checks)
            c = result.counts
            echo_err(f"{c['cases']} cases ({c['cse']} CSE, {c['gbcse']} group-based, {c['sexual_child']} sexual "
                     f"offences against children); {c['measures']} measures; {c['review_cases']} cases for "
                     f"review; {c['reexamination_cases']} closed cases to re-examine")
        rows, note = investigations.measures(store, "partner" if audience == "partner" else "internal")
        review: list[dict[str, Any]] = []
        if audience == "internal":
            cases = investigations.review_list(store)
            review = [{"case": list(c.case), "reasons": [r.reason for r in c.reasons],
                       "checks": [r.check_id for r in c.reasons]} for c in cases]
            audit.record(store, local_operator(), "consultation",
                         {"command": "investigations", "review_cases": len(review)},
                         justification="investigations command")
    measures_doc = [{k: v for k, v in m.to_dict().items()} for m in rows]
    if as_json:
        doc: dict[str, Any] = {"measures": measures_doc, "review": review}
        if note:
            doc["note"] = note + " Case-level review items are not included in partner outputs."
        emit_json(doc)
        return
    if note:
        click.echo(note)
    click.echo("measure\tforce\tteam\tvalue\tnumerator\tdenominator\tlower\tupper")
    for m in rows:
        if m.quarter is not None:
            continue
        cells = [m.value, m.numerator, m.denominator, m.lower, m.upper]
        shown = [_fmt(v, applies) for v, applies in zip(cells, _applies(m.measure), strict=True)]
        click.echo("\t".join([m.id, m.force, m.team or "", *shown]))
    if review:
        click.echo("")
        click.echo("case\treasons")
        for item in review:
            click.echo(f"{item['case'][0]}/{item['case'][1]}\t" + "; ".join(item["reasons"]))


def _applies(measure: str) -> tuple[bool, bool, bool, bool, bool]:
    """Which of value, numerator, denominator, lower, upper a measure has (medians have no
    numerator; counts of orders have only a value and a numerator)."""
    if measure == "median_days_to_outcome":
        return (True, False, True, True, True)
    if measure.startswith("orders_"):
        return (True, True, False, False, False)
    return (True, True, True, True, True)


def _fmt(value: float | int | None, applies: bool = True) -> str:
    """'-' where a figure does not apply, '*' where it is withheld (suppressed or too few to bound)."""
    if not applies:
        return "-"
    if value is None:
        return "*"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


@click.command("investigations-decide")
@db_option
@click.option("--case", "case", required=True, help="The case as SOURCE/EVENT_ID.")
@click.option("--check", "check_id", required=True, help="The checklist check id of the review item.")
@click.option("--decision", type=click.Choice(["accept", "dismiss"]), required=True)
@click.option("--reason", required=True, help="Why (kept with the decision and in the audit log).")
def decide_command(db: str, case: str, check_id: str, decision: str, reason: str) -> None:
    """Accept or dismiss one case review item, with a reason."""
    source, event_id = _split_case(case)
    with open_existing(db) as store:
        investigations.decide_review(store, (source, event_id), check_id,
                                     "accept" if decision == "accept" else "dismiss", reason, local_operator())
    echo_err(f"{decision}: {source}/{event_id} {check_id}")


@click.command("investigations-case")
@db_option
@click.option("--case", "case", required=True, help="The crime as SOURCE/EVENT_ID.")
@json_option
def case_command(db: str, case: str, as_json: bool) -> None:
    """Show one crime's timeline from report to outcome, with the record behind each step."""
    source, event_id = _split_case(case)
    with open_existing(db) as store:
        timeline = investigations.case_timeline(store, source, event_id)
        audit.record(store, local_operator(), "consultation",
                     {"command": "investigations-case", "case": [source, event_id]},
                     justification="investigations-case command")
    if as_json:
        emit_json(timeline.to_dict())
        return
    pops = ", ".join(timeline.populations) or "none"
    click.echo(f"{source}/{event_id}  force {timeline.force}  team {timeline.team}  populations: {pops}")
    for step in timeline.steps:
        when = step.at.isoformat(sep=" ", timespec="minutes") if step.at else "(undated)"
        who = f" [{step.role}]" if step.role else ""
        click.echo(f"{when:17}  {step.label}{who}  {step.source}/{step.record_type}/{step.record_id}")


def _split_case(case: str) -> tuple[str, str]:
    source, sep, event_id = case.partition("/")
    if not sep or not source or not event_id:
        raise InputError(f"--case: expected SOURCE/EVENT_ID, got {case!r}")
    return source, event_id


commands: list[click.Command] = [investigations_command, decide_command, case_command]
