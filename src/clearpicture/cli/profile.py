"""``clearpicture profile``: the problem profile as HTML and PDF."""

from __future__ import annotations

import click

from ..report import AUDIENCES, build_profile
from ._common import db_option
from ._existing import open_existing


@click.command("profile")
@db_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for the report.")
@click.option("--audience", type=click.Choice(AUDIENCES), default="operational", show_default=True,
              help="partner applies statistical disclosure control and says so on the page.")
@click.option("--no-pdf", is_flag=True, help="Write the HTML only.")
def profile_command(db: str, out_dir: str, audience: str, no_pdf: bool) -> None:
    """Write the problem profile (National Intelligence Model shape) for DB into OUT."""
    with open_existing(db) as store:
        prof = build_profile(store, out_dir, audience, pdf=not no_pdf)
    click.echo(str(prof.html))
    if prof.pdf:
        click.echo(str(prof.pdf))


commands: list[click.Command] = [profile_command]
