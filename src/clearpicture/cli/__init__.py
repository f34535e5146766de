"""The ``clearpicture`` command: a thin shell over stage functions (parse, call, format).

Each command lives in its own module here and exposes ``commands`` (a list of click commands);
``_COMMAND_MODULES`` lists them, so adding a command touches one line. Errors: every
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
from ..errors import ClearPictureError

_COMMAND_MODULES = [
    "synth",
    "ingest",
    "demo",
    "language",
    "profile",
    "users",
    "audit",
    "estimate",
    "serve",
    "erase",
    "governance",
    "groups",
    "investigations",
    "link",
    "export",
    "export_network",
    "evaluate",
    "quality",
    "definitions",
]

#: Exit code for a failure that is not one of ours (a bug): still one line, never a traceback.
INTERNAL_ERROR = 70


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClearPictureError as exc:
            _fail(str(exc), exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            _fail("interrupted", 130)
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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clearpicture")
def main() -> None:
    """clearpicture: a clear picture of group-based child sexual exploitation."""


for _name in _COMMAND_MODULES:
    _module = importlib.import_module(f"{__name__}.{_name}")
    for _cmd in _module.commands:
        main.add_command(_cmd)
