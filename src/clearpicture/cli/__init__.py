"""The ``clearpicture`` command: a thin shell over stage functions (parse, call, format).

Each command lives in its own module here and exposes ``commands`` (a list of click commands);
``_COMMANDS`` maps each command's name to the modules that make it, so adding a command touches one
line. A module is imported only when its command runs (or ``--help`` lists every command): the
stages behind the commands import Splink, statsmodels, scipy and FastAPI, about two seconds that a
``clearpicture link`` had paid for every other command before it could start. Errors: every
``ClearPictureError`` becomes its family's exit code and a one-line reason on stderr; anything
unexpected becomes one line too (set ``CLEARPICTURE_DEBUG=1`` for the traceback). Output meant for
machines (``--json``) goes to stdout, progress and logs to stderr.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from .. import __version__
from ..errors import ClearPictureError, InputError

#: command name -> the modules under ``clearpicture.cli`` to import for it (the first defines it;
#: ``export_network`` adds ``export network`` to the ``export`` group).
_COMMANDS: dict[str, tuple[str, ...]] = {
    "synth": ("synth",),
    "ingest": ("ingest",),
    "demo": ("demo",),
    "language": ("language",),
    "profile": ("profile",),
    "users": ("users",),
    "audit": ("audit",),
    "estimate": ("estimate",),
    "serve": ("serve",),
    "erase": ("erase",),
    "governance": ("governance",),
    "groups": ("groups",),
    "investigations": ("investigations",),
    "investigations-decide": ("investigations",),
    "investigations-case": ("investigations",),
    "link": ("link",),
    "export": ("export", "export_network"),
    "evaluate": ("evaluate",),
    "quality": ("quality",),
    "definitions": ("definitions",),
}

#: Exit code for a failure that is not one of ours (a bug): still one line, never a traceback.
INTERNAL_ERROR = 70


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """Click's main, except that its own errors (usage, bad option values) are one line too.

        Click prints a usage error as four lines (usage, hint, blank line, error); a scheduler
        reading stderr gets one: ``clearpicture: error: <reason> (see 'clearpicture CMD --help')``,
        exit 2 as click has it.
        """
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            rv = super().main(args, prog_name or "clearpicture", complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()  # `clearpicture` alone: the list of commands, as click has it
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path if exc.ctx is not None else 'clearpicture'} --help')"
            _fail(f"{_one_line(Exception(exc.format_message()))}{hint}", exc.exit_code)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.exceptions.Abort:
            _fail("aborted", 1)
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClearPictureError as exc:
            _fail(str(exc), exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except OSError as exc:
            # A path the system refuses (no such folder, read-only, disk full) is the user's to fix,
            # not a bug: the file and the system's reason, with InputError's exit code.
            if os.environ.get("CLEARPICTURE_DEBUG"):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or _one_line(exc)}", InputError.exit_code)
        except Exception as exc:  # noqa: BLE001 - the last line of defence for users
            if os.environ.get("CLEARPICTURE_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {_one_line(exc)}", INTERNAL_ERROR)


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:500] if lines else ""


def _fail(message: str, code: int) -> None:
    click.echo(f"clearpicture: error: {_one_line(Exception(message))}", err=True)
    sys.exit(code)


@click.group("clearpicture", cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clearpicture")
def main() -> None:
    """clearpicture: a clear picture of group-based child sexual exploitation.

    Every failure prints one line on stderr (clearpicture: error: ...) and exits with its
    family's code: 1 error, 2 usage or configuration, 3 input (a file or path, or an earlier stage
    not run), 4 workspace (missing, locked or not a workspace), 5 engine, 6 access denied, 70
    internal error (a bug). --json output goes to stdout, progress and logs to stderr.
    """


def load_command(name: str) -> click.Command | None:
    """Import the modules behind command ``name`` and return it (None for a name we do not have)."""
    modules = [importlib.import_module(f"{__name__}.{module}") for module in _COMMANDS.get(name, ())]
    return next((cmd for module in modules for cmd in module.commands if cmd.name == name), None)
