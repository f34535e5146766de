"""Options and output helpers shared by the commands."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db", "db", required=True, type=click.Path(dir_okay=False), help="Workspace DuckDB file."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")


def emit_json(doc: Any) -> None:
    """Print one JSON document on stdout (dates and other values as strings)."""
    sys.stdout.write(json.dumps(doc, default=str, ensure_ascii=False) + "\n")


def echo_err(message: str) -> None:
    """Human progress and summaries go to stderr when --json owns stdout."""
    click.echo(message, err=True)
