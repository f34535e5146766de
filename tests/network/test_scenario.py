"""The network stage on the project's scenario worlds (built through every stage in pipeline.STAGES)."""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import pytest

from clearpicture import network
from clearpicture.evaluate import evaluate
from clearpicture.network.export_formats import export_network
from clearpicture.pipeline import stage_names
from world import World

# Skip before any world is built: a world without linkage and definitions cannot be grouped.
pytestmark = pytest.mark.skipif(
    not {"link", "definitions", "groups"} <= stage_names(),
    reason="the test world needs linkage, definitions and groups in pipeline.STAGES")


def _needs_groups(world: World) -> None:
    if "groups" not in world.stages:
        pytest.skip("the test world is not yet built through the groups stage (pipeline.STAGES)")


def test_small_world_groups_have_no_false_groups_and_no_crews(small_world: World) -> None:
    _needs_groups(small_world)
    with small_world.open() as store:
        figures = evaluate(store, small_world.truth, sections=["groups"])["groups"]
    assert figures["reported_groups"] >= 1
    assert figures["reported_without_true_offender_share"] <= 0.05
    assert figures["crews_reported"] == 0


@pytest.mark.slow
def test_medium_world_group_recovery(medium_world: World) -> None:
    _needs_groups(medium_world)
    with medium_world.open() as store:
        figures = evaluate(store, medium_world.truth, sections=["groups"])["groups"]
    assert figures["reported_without_true_offender_share"] <= 0.05
    assert figures["crews_reported"] == 0
    # The target 0.85 is met counting the offenders some agency records; over all planted offenders
    # it is not reachable (many appear in no record at all; see docs/network.md), so that figure is
    # pinned where the evidence allows, to show a regression.
    assert figures["mean_best_jaccard_recorded_offenders"] >= 0.85
    assert figures["mean_best_jaccard"] >= 0.72
    assert figures["missed_offenders"]["extra"] <= 2


def test_shuffling_ethnicity_in_the_small_world_leaves_groups_identical(small_world: World, tmp_path: Path) -> None:
    _needs_groups(small_world)
    with small_world.copy(tmp_path) as store:
        network.run(store)
        before = store.sql("SELECT group_id, entity_id, role FROM group_members ORDER BY ALL")
        rows = store.sql("SELECT rowid, ethnicity_self, ethnicity_officer, nationality FROM raw_persons")
        rng = random.Random(3)
        shuffled = [r[1:] for r in rows]
        rng.shuffle(shuffled)
        store.con.executemany(
            "UPDATE raw_persons SET ethnicity_self = ?, ethnicity_officer = ?, nationality = ? WHERE rowid = ?",
            [(*values, r[0]) for r, values in zip(rows, shuffled, strict=True)])
        network.run(store)
        after = store.sql("SELECT group_id, entity_id, role FROM group_members ORDER BY ALL")
    assert before and before == after


def test_small_world_exports_open(small_world: World, tmp_path: Path) -> None:
    _needs_groups(small_world)
    with small_world.copy(tmp_path) as store:
        done = export_network(store, "graphml", tmp_path / "all.graphml", recipient="test", purpose="test")
    graph = nx.read_graphml(tmp_path / "all.graphml")
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (done["nodes"], done["edges"]) != (0, 0)
