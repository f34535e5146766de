"""``clearpicture link``: recognise the same people, objects and places across every source.

Thin: parse, call :func:`clearpicture.linkage.run`, report the counts (JSON on stdout with
``--json``, a summary on stderr otherwise).
"""

from __future__ import annotations

import click

from .. import linkage
from ..store import open_store
from ._common import db_option, echo_err, emit_json, json_option


@click.command("link")
@db_option
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="Where normalisation and the Splink model run (spark needs clearpicture[spark]).")
@click.option("--threshold", type=float, default=None,
              help="Fixed match-weight threshold (default: chosen from the model for this run).")
@click.option("--seed", type=int, default=None, help="Seed for training (default 42; same seed, same result).")
@json_option
def link_command(db: str, engine: str, threshold: float | None, seed: int | None, as_json: bool) -> None:
    """Link person, object and location records into entities (Splink)."""
    config: dict[str, object] = {}
    if threshold is not None:
        config["threshold_weight"] = threshold
    if seed is not None:
        config["seed"] = seed
    with open_store(db) as store:
        result = linkage.run(store, config or None, engine=engine)
    c = result.counts
    if as_json:
        emit_json({"run_id": result.run_id, **c})
        return
    echo_err(f"{c['person_records']} person records -> {c['person_entities']} people "
             f"({c['records_merged']} merges at match weight {c['threshold_weight']}); "
             f"{c['review_pairs']} pairs for review; {c['object_entities']} objects, "
             f"{c['location_entities']} places")


commands: list[click.Command] = [link_command]
