"""Write docs/cli.md from the command line's own --help, so the reference cannot drift from code.

    python scripts/gen_cli_docs.py          # rewrite docs/cli.md
    python scripts/gen_cli_docs.py --check  # exit 1 when docs/cli.md is out of date (used by tests)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clearpicture.cli import main

OUT = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _walk(ctx: click.Context) -> list[click.Context]:
    """Every command's context, each a child of its group's (so it inherits -h as a help option)."""
    out = [ctx]
    cmd = ctx.command
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):  # a lazy group loads each command only when asked
            sub = cmd.get_command(ctx, name)
            if sub is not None:
                out += _walk(click.Context(sub, info_name=name, parent=ctx, **sub.context_settings))
    return out


def render() -> str:
    parts = ["# Command-line reference\n", "Generated from `--help` by `scripts/gen_cli_docs.py`; do not edit.\n"]
    for ctx in _walk(click.Context(main, info_name="clearpicture", **main.context_settings)):
        parts.append(f"## `{ctx.command_path}`\n\n```\n{ctx.command.get_help(ctx).strip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.exists() and OUT.read_text() == text else 1)
    OUT.write_text(text)
    print(f"wrote {OUT}")
