"""The public command-line shape of docs/interface.md exists, and docs/cli.md matches --help."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from clearpicture.cli import main

ROOT = Path(__file__).resolve().parent.parent
INTERFACE = ROOT / "docs" / "interface.md"


def _documented() -> list[tuple[list[str], list[str]]]:
    """(command words, long options) for every `clearpicture ...` line in the interface's code blocks."""
    text = INTERFACE.read_text()
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.S)
    found = []
    for block in blocks:
        for line in block.splitlines():
            line = line.strip()
            if not line.startswith("clearpicture "):
                continue
            words = line.split()[1:]
            cmd = []
            for w in words:
                if re.fullmatch(r"[a-z][a-z-]*", w):
                    cmd.append(w)
                else:
                    break
            options = sorted(set(re.findall(r"--[a-z][a-z-]*", line)))
            found.append((cmd, options))
    return found


def _resolve(words: list[str]) -> click.Command | None:
    cmd: click.Command = main
    for w in words:
        sub = cmd.get_command(click.Context(cmd), w) if isinstance(cmd, click.Group) else None
        if sub is None:
            return None
        cmd = sub
    return cmd


@pytest.mark.parametrize(("words", "options"), _documented(), ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_documented_command_exists_with_its_options(words: list[str], options: list[str]) -> None:
    # Positional words like NAME or FILE are upper case in the doc, so only real subcommands are kept.
    cmd = _resolve(words)
    while cmd is None and words:
        words = words[:-1]
        cmd = _resolve(words)
    assert cmd is not None and words, f"command missing: clearpicture {' '.join(words)}"
    have = {o for p in cmd.params for o in getattr(p, "opts", []) if o.startswith("--")}
    missing = [o for o in options if o not in have]
    assert not missing, f"clearpicture {' '.join(words)} lacks {missing}"


def test_cli_reference_is_generated_from_help() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_cli_docs.py"), "--check"], check=False)
    assert proc.returncode == 0, "docs/cli.md is out of date: run python scripts/gen_cli_docs.py"


@pytest.mark.parametrize("words", [[], ["quality"], ["export", "network"]])
def test_cli_reference_shows_what_help_prints(words: list[str]) -> None:
    """The reference is the real --help text (it once listed only --help where -h works too)."""
    from click.testing import CliRunner

    result = CliRunner().invoke(main, [*words, "--help"], prog_name="clearpicture")
    assert result.exit_code == 0
    options = result.output.split("Options:", 1)[1].split("\n\n", 1)[0]
    assert "-h, --help" in options
    flat = " ".join  # the reference may wrap at another width
    assert flat(options.split()) in flat((ROOT / "docs" / "cli.md").read_text().split())
