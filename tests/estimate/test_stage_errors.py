"""``estimate --db`` names what is wrong with the request, not a symptom of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.errors import InputError
from clearpicture.estimate import EstimateConfig, estimate_store
from world import World


def test_an_unknown_definition_is_named_with_those_applied(small_world: World) -> None:
    """It used to say "definition 'nope' has no victims to estimate from", as if it had been applied."""
    with small_world.open() as store, pytest.raises(InputError, match="'nope' has not been applied") as info:
        estimate_store(store, EstimateConfig(definition="nope"))
    assert "cse-dfe-2017" in str(info.value)  # the ones that can be used


def test_an_unknown_source_kind_is_named(small_world: World) -> None:
    """--kinds police,nope used to fail as 'fewer than 2 lists have any case'."""
    with small_world.open() as store, pytest.raises(InputError, match="unknown source kind 'nope'") as info:
        estimate_store(store, EstimateConfig(kinds=("police", "nope")))
    assert "police" in str(info.value)


def test_the_command_refuses_an_unknown_definition_in_one_line(small_world: World, tmp_path: Path) -> None:
    small_world.copy(tmp_path).close()
    result = CliRunner().invoke(main, ["estimate", "--db", str(tmp_path / "world.duckdb"), "--definition", "nope",
                                       "--json"])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "has not been applied" in result.stderr
