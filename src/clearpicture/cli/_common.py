"""Options and output helpers shared by the commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from .. import progress
from ..store import Store

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db", "db", required=True, type=click.Path(dir_okay=False), help="Workspace DuckDB file."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
progress_option = click.option(
    "--progress/--no-progress", "show_progress", default=None,
    help="Show each step with rows done, rows per second and elapsed time on stderr "
         "(default: when stderr is a terminal, or CLEARPICTURE_PROGRESS=1).")


@contextmanager
def stage_progress(show: bool | None, stage: str, store: Store | None = None) -> Iterator[None]:
    """Show ``stage``'s progress on stderr while the block runs (stdout is untouched), with a line
    for the whole stage at the end; engine steps it logs are shown as steps of ``stage``. With the
    workspace ``store``, a terminal also shows how far DuckDB has got with the running statement."""
    with progress.rendering(show, con=store.con if store is not None else None), \
            progress.step(stage, "whole stage"):
        yield


def emit_json(doc: Any) -> None:
    """Print one JSON document on stdout (dates and other values as strings)."""
    sys.stdout.write(json.dumps(doc, default=str, ensure_ascii=False) + "\n")


def echo_err(message: str) -> None:
    """Human progress and summaries go to stderr when --json owns stdout."""
    click.echo(message, err=True)
