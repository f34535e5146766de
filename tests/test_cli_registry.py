"""The command registry: every command a module defines is reachable, and only its modules load."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import click

import clearpicture.cli as cli


def _defined_commands() -> dict[str, str]:
    """command name -> the cli module defining it, found by importing every command module."""
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(cli.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{cli.__name__}.{info.name}")
        for cmd in module.commands:
            assert cmd.name not in found, f"{cmd.name} defined twice"
            found[cmd.name] = info.name
    return found


def test_every_defined_command_is_registered_with_its_module() -> None:
    defined = _defined_commands()
    assert set(cli._COMMANDS) == set(defined)
    for name, module in defined.items():
        assert cli._COMMANDS[name][0] == module
        command = cli.load_command(name)
        assert isinstance(command, click.Command) and command.name == name


def test_export_network_is_a_subcommand_of_export() -> None:
    export = cli.load_command("export")
    assert isinstance(export, click.Group)
    assert {"entities", "network"} <= set(export.list_commands(click.Context(export)))


def test_unknown_command_is_refused_in_one_line() -> None:
    result = subprocess.run([sys.executable, "-c", "from clearpicture.cli import main; main()", "no-such-command"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "No such command 'no-such-command'" in result.stderr
    assert "Traceback" not in result.stderr


def test_one_command_loads_only_what_it_needs() -> None:
    """``link --help`` must not pay for the estimation stage's statsmodels or the web app."""
    probe = ("import sys\nfrom clearpicture.cli import main\n"
             "try:\n    main(['link', '--help'])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('statsmodels', 'fastapi', 'clearpicture.estimate') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "Usage: " in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"
