"""``clearpicture language``: review notes for victim-blaming and adultifying wording.

With FILE (CSV or JSON Lines with columns id,text; "-" or nothing reads stdin) it prints one result
per row; with --db it reviews every note in the workspace and stores findings and rates. Thin:
parse, call the language stage, format.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

import click

from ..errors import InputError
from ..language import load_rules
from ..language.matcher import Matcher, default_matcher
from ..language.notes_io import read_notes
from ._common import echo_err, emit_json, progress_option, stage_progress
from ._existing import open_existing


@click.command("language")
@click.argument("file", required=False)
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None,
              help="Workspace DuckDB file: review every note in raw_notes and store the findings.")
@click.option("--rules", "rules", type=click.Path(dir_okay=False), default=None,
              help="A rules YAML file to use instead of the shipped rules.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON line per input row on stdout (with --db: one JSON summary).")
@progress_option
def language(file: str | None, db: str | None, rules: str | None, as_json: bool, show_progress: bool | None) -> None:
    """Review notes for victim-blaming and adultifying language, with reasons and alternatives.

    FILE is CSV or JSON Lines with columns id,text (stdin when omitted or "-"). Findings are about
    the writing, for supervision and training; they never change how a child is prioritised.
    """
    if db and file:
        raise click.UsageError("give either FILE or --db, not both")
    if rules:
        load_rules(rules)  # a bad rules file fails here with its file and key
    if db:
        _review_store(db, rules, as_json, show_progress)
    else:
        _review_file(file, rules, as_json)


def _review_store(db: str, rules: str | None, as_json: bool, show_progress: bool | None = None) -> None:
    from ..language.stage import run

    with open_existing(db) as store, stage_progress(show_progress, "language", store):
        result = run(store, {"rules": rules} if rules else None)
    counts = result.counts
    if as_json:
        emit_json({"run_id": result.run_id, **counts})
        return
    click.echo(
        f"{counts['notes']} notes reviewed with rules v{counts['rules_version']}: "
        f"{counts['flagged_notes']} with findings, {counts['findings']} findings "
        "(tables language_findings, language_rates)"
    )


def _review_file(file: str | None, rules: str | None, as_json: bool) -> None:
    matcher = default_matcher(rules)
    if file in (None, "-"):
        _emit_all(read_notes(sys.stdin, "<stdin>"), matcher, as_json)
        return
    assert file is not None
    try:
        handle = open(file, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputError(f"{file}: cannot open ({exc.strerror})") from exc
    with handle:
        try:
            _emit_all(read_notes(handle, file), matcher, as_json)
        except UnicodeDecodeError as exc:
            raise InputError(f"{file}: not UTF-8 text") from exc


def _emit_all(rows: Iterable[tuple[str, str]], matcher: Matcher, as_json: bool) -> None:
    notes = flagged = 0
    out = sys.stdout
    for note_id, text in rows:
        findings = matcher.review(text)
        notes += 1
        flagged += bool(findings)
        if as_json:
            doc = {"id": note_id, "flagged": bool(findings), "findings": [f.as_dict() for f in findings]}
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        else:
            for f in findings:
                click.echo(f"{note_id}\t{f.start}-{f.end}\t{f.category}\t\"{f.text}\"\t{f.suggestion}")
    summary = f"{notes} notes reviewed, {flagged} with findings"
    if as_json:
        echo_err(summary)
    else:
        click.echo(summary)


commands = [language]
