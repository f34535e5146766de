"""``clearpicture link --new``: a source's new records linked into the existing people from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from clearpicture.cli import main
from clearpicture.linkage.incremental import forget_source
from world import World


def test_link_new_links_only_the_unlinked_records(small_world: World, tmp_path: Path) -> None:
    store = small_world.copy(tmp_path)
    source = str(store.sql("SELECT source FROM raw_persons GROUP BY 1 ORDER BY count(*), 1 LIMIT 1")[0][0])
    held = forget_source(store, source)
    linked_before = store.count("entity_persons")
    store.close()
    db = str(tmp_path / Path(store.path).name)
    runner = CliRunner()

    first = runner.invoke(main, ["link", "--db", db, "--new", "--source", source, "--json"])
    assert first.exit_code == 0, first.output
    counts = json.loads(first.stdout)
    assert counts["incremental"] is True and counts["new_records"] == held > 0

    again = runner.invoke(main, ["link", "--db", db, "--new", "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["new_records"] == 0

    from clearpicture.store import Store
    with Store(db) as s:
        assert s.count("entity_persons") == linked_before + held == s.count("raw_persons")
        assert s.sql("SELECT count(*) FROM runs WHERE stage = 'link_incremental'")[0][0] == 2


def test_link_new_refuses_options_of_a_full_run(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "w.duckdb")
    alone = runner.invoke(main, ["link", "--db", db, "--source", "EVP"])
    assert alone.exit_code == 2 and "--source is used with --new" in alone.output
    spark = runner.invoke(main, ["link", "--db", db, "--new", "--engine", "spark"])
    assert spark.exit_code == 2 and "--new reuses the last full run's model" in spark.output
