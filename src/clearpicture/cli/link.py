"""``clearpicture link``: recognise the same people, objects and places across every source.

Thin: parse, call :func:`clearpicture.linkage.run` (or, with ``--new``,
:func:`clearpicture.linkage.incremental.link_new`), report the counts (JSON on stdout with
``--json``, a summary on stderr otherwise).
"""

from __future__ import annotations

import click

from .. import linkage
from ..errors import InputError
from ..store import Store
from ._common import db_option, echo_err, emit_json, json_option, progress_option, stage_progress
from ._existing import open_existing


@click.command("link")
@db_option
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Where normalisation and the Splink model run (spark needs clearpicture[spark]).")
@click.option("--threshold", type=float, default=None,
              help="Fixed match-weight threshold (default: chosen from the model for this run).")
@click.option("--seed", type=int, default=None, help="Seed for training (default 42; same seed, same result).")
@click.option("--new", "new_only", is_flag=True,
              help="Incremental: link only person records not yet linked (e.g. a force's new extract) into "
                   "the existing entities with the last full run's model, without retraining.")
@click.option("--source", default=None, help="With --new: only this source's unlinked records.")
@json_option
@progress_option
def link_command(db: str, engine: str, threshold: float | None, seed: int | None, new_only: bool,
                 source: str | None, as_json: bool, show_progress: bool | None) -> None:
    """Link person, object and location records into entities (Splink)."""
    if new_only or source is not None:
        _link_new(db, engine, threshold, seed, new_only, source, as_json, show_progress)
        return
    config: dict[str, object] = {}
    if threshold is not None:
        config["threshold_weight"] = threshold
    if seed is not None:
        config["seed"] = seed
    with open_existing(db) as store, stage_progress(show_progress, "link", store):
        _require_records(store)
        result = linkage.run(store, config or None, engine=engine)
    c = result.counts
    if as_json:
        emit_json({"run_id": result.run_id, **c})
        return
    echo_err(f"{c['person_records']} person records -> {c['person_entities']} people "
             f"({c['records_merged']} merges at match weight {c['threshold_weight']}); "
             f"{c['review_pairs']} pairs for review; {c['object_entities']} objects, "
             f"{c['location_entities']} places")


def _require_records(store: Store) -> None:
    """Linkage of an empty workspace failed deep in DuckDB (a binder error, exit 5); say what is missing."""
    if not store.has_table("raw_persons") or not store.sql("SELECT 1 FROM raw_persons LIMIT 1"):
        raise InputError(f"{store.path}: no person records to link; run `clearpicture ingest` first")


def _link_new(db: str, engine: str, threshold: float | None, seed: int | None, new_only: bool,
              source: str | None, as_json: bool, show_progress: bool | None = None) -> None:
    """``--new``: score unlinked records with the saved model; options that only a full run uses are refused."""
    if not new_only:
        raise click.UsageError("--source is used with --new (incremental linkage of one source's new records)")
    if engine != "duckdb" or threshold is not None or seed is not None:
        raise click.UsageError("--new reuses the last full run's model and threshold on DuckDB: "
                               "--engine spark, --threshold and --seed belong to a full run")
    from ..linkage.incremental import link_new

    with open_existing(db) as store, stage_progress(show_progress, "link --new", store):
        result = link_new(store, source=source)
    c = result.counts
    if as_json:
        emit_json({"run_id": result.run_id, "incremental": True, **c})
        return
    echo_err(f"{c['new_records']} new person records linked at match weight {c['threshold_weight']}; "
             f"{c.get('entities_changed', 0)} existing people gained or merged records; "
             f"{c['person_entities']} people in all. Objects and places are unchanged: "
             "run `clearpicture link` in full for those.")


commands: list[click.Command] = [link_command]
