"""``clearpicture demo``: the whole pipeline on a small synthetic scenario, in ./clearpicture-demo."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from ..demo import run_demo


@click.command("demo")
@click.option("--folder", type=click.Path(file_okay=False), default="clearpicture-demo", show_default=True,
              help="Where the scenario, workspace and report are written.")
def demo_command(folder: str) -> None:
    """Make a small synthetic scenario, run every stage on it and write an HTML report."""
    err = Console(stderr=True)
    with err.status("demo") as status:
        page = run_demo(Path(folder), on_step=lambda step: status.update(f"demo: {step}"))
    click.echo(str(page.resolve()))


commands: list[click.Command] = [demo_command]
