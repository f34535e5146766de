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


def _walk(cmd: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    out = [(path, cmd)]
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd)
        for name in cmd.list_commands(ctx):  # a lazy group loads each command only when asked
            sub = cmd.get_command(ctx, name)
            if sub is not None:
                out += _walk(sub, [*path, name])
    return out


def render() -> str:
    parts = ["# Command-line reference\n", "Generated from `--help` by `scripts/gen_cli_docs.py`; do not edit.\n"]
    for path, cmd in _walk(main, ["clearpicture"]):
        ctx = click.Context(cmd, info_name=" ".join(path))
        parts.append(f"## `{' '.join(path)}`\n\n```\n{cmd.get_help(ctx).strip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.exists() and OUT.read_text() == text else 1)
    OUT.write_text(text)
    print(f"wrote {OUT}")
