"""``clearpicture demo``: the whole pipeline on a small synthetic scenario, in ./clearpicture-demo."""

from __future__ import annotations

from pathlib import Path

import click

from .. import progress
from ..demo import run_demo
from ._common import progress_option


@click.command("demo")
@click.option("--folder", type=click.Path(file_okay=False), default="clearpicture-demo", show_default=True,
              help="Where the scenario, workspace and report are written.")
@progress_option
def demo_command(folder: str, show_progress: bool | None) -> None:
    """Make a small synthetic scenario, run every stage on it and write an HTML report."""
    current: list[progress.Step] = []

    def on_step(stage: str) -> None:
        # each stage is one "whole stage" step; its own steps (and engine steps) show beneath it
        for running in current:
            running.done()
        current[:] = [progress.step(stage, "whole stage")]

    with progress.rendering(show_progress):
        page = run_demo(Path(folder), on_step=on_step)
        for running in current:
            running.done()
    click.echo(str(page.resolve()))


commands: list[click.Command] = [demo_command]
