"""``clearpicture synth``: write a synthetic multi-agency scenario (data package plus truth/)."""

from __future__ import annotations

from pathlib import Path

import click

from ..synth import SCENARIOS, generate
from ._common import echo_err


@click.command("synth")
@click.option("--scenario", type=click.Choice(list(SCENARIOS)), default="small", show_default=True,
              help="Scenario size: small ~5k person records, medium ~100k, large ~1M, national ~10M (Parquet).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed; the same seed gives identical files.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write (replaced if it holds a scenario).")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
def synth_command(scenario: str, seed: int, out: Path, quiet: bool) -> None:
    """Write a synthetic scenario: exchange-v1 tables, datapackage.json and truth/ (never ingested)."""
    path = generate(scenario, seed, out, progress=not quiet)
    if not quiet:
        echo_err(f"wrote {scenario} scenario (seed {seed}) to {path}")


commands: list[click.Command] = [synth_command]
