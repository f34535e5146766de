"""``clearpicture users add|list|disable``: accounts for the web application."""

from __future__ import annotations

import os
import sys

import click

from ..errors import InputError
from ..security import local_operator
from ..security.users import add_user, disable_user, enable_user, list_users, set_password
from ..store import open_store
from ._common import db_option, echo_err, emit_json, json_option
from ._existing import check_workspace, open_existing


@click.group("users")
def users() -> None:
    """Manage web accounts (roles: admin, analyst, national)."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "analyst", "national"]))
@click.option("--sources", default="", help="Analysts: comma-separated source codes they may see.")
@click.option("--force", "force_code", default=None,
              help="Analysts: one more source code for their scope (older form of --sources).")
@db_option
def add(name: str, role: str, sources: str, force_code: str | None, db: str) -> None:
    """Add a user. The password comes from CLEARPICTURE_PASSWORD, else a prompt."""
    password = _read_password()
    scope = [s for s in sources.split(",") if s.strip()]
    if force_code and role == "analyst":
        scope.append(force_code)
    elif force_code:
        echo_err(f"note: --force {force_code} ignored: only analysts have a source scope")
    check_workspace(db, allow_empty=True)
    with open_store(db) as store:
        actor = add_user(store, name, role, password, scope, by=local_operator())
    echo_err(f"added {actor.username} ({actor.role}{': ' + ','.join(sorted(actor.sources)) if actor.sources else ''})")


def _read_password(prompt: str = "Password") -> str:
    """CLEARPICTURE_PASSWORD, else a hidden prompt on a terminal, else two lines on stdin.

    Without a terminal (a script, a scheduler) getpass printed two echo warnings before the prompt
    and an empty stdin ended in "aborted": the password and its confirmation are read as lines.
    """
    env = os.environ.get("CLEARPICTURE_PASSWORD")
    if env:
        return env
    if sys.stdin.isatty():
        return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True))
    first, second = (sys.stdin.readline().rstrip("\r\n") for _ in range(2))
    if not first:
        raise InputError("no password: set CLEARPICTURE_PASSWORD, or give it twice on stdin (no terminal to prompt on)")
    if first != second:
        raise InputError("the two passwords given on stdin differ")
    return first


@users.command("list")
@db_option
@json_option
def list_(db: str, as_json: bool) -> None:
    """List users (never their passwords)."""
    with open_existing(db) as store:
        rows = list_users(store)
    if as_json:
        emit_json({"users": rows})
        return
    for r in rows:
        state = "active" if r["active"] else "disabled"
        click.echo(f"{r['username']}\t{r['role']}\t{','.join(r['sources']) or '-'}\t{state}")


@users.command("disable")
@click.argument("name")
@db_option
def disable(name: str, db: str) -> None:
    """Disable a user; their sessions end at once."""
    with open_existing(db) as store:
        ended = disable_user(store, name, by=local_operator())
    echo_err(f"disabled {name}; ended {ended} session(s)")


@users.command("enable")
@click.argument("name")
@db_option
def enable(name: str, db: str) -> None:
    """Re-enable a disabled user."""
    with open_existing(db) as store:
        enable_user(store, name, by=local_operator())
    echo_err(f"enabled {name}")


@users.command("password")
@click.argument("name")
@db_option
def password(name: str, db: str) -> None:
    """Set a new password (from CLEARPICTURE_PASSWORD, else a prompt); ends the user's sessions."""
    new = _read_password("New password")
    with open_existing(db) as store:
        ended = set_password(store, name, new, by=local_operator())
    echo_err(f"password set for {name}; ended {ended} session(s)")


commands: list[click.Command] = [users]
