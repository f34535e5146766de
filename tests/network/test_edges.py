"""Evidence edges: what supports them, how strong they are, and what must never make an edge."""

from __future__ import annotations

import duckdb
import networld
import pytest

from clearpicture import network
from clearpicture.network import edges_sql
from clearpicture.network.config import DEFAULT_CONFIG, load_config
from clearpicture.store import Store


def _pair(store: Store, a: str, b: str) -> dict[str, object] | None:
    lo, hi = sorted((a, b))
    rows = store.dicts("SELECT * FROM edge_entities WHERE entity_a = ? AND entity_b = ?", [lo, hi])
    return rows[0] if rows else None


def test_co_offending_edge_carries_its_event_records(grouped: Store) -> None:
    rows = grouped.dicts("SELECT * FROM edge_evidence WHERE kind = 'co_offending' AND entity_a = 'E-O1'")
    assert len(rows) == 1
    row = rows[0]
    assert (row["entity_b"], row["via_type"], row["via_source"], row["via_id"]) == ("E-O2", "event", "WMP", "C1")
    assert {(row["source_a"], row["person_id_a"], row["record_a"]), (row["source_b"], row["person_id_b"], row["record_b"])} \
        == {("WMP", "O1", "event:C1"), ("WMP", "O2", "event:C1")}
    assert row["at_a"] is not None and row["strength"] == pytest.approx(1.0)


def test_hub_place_makes_no_edge_and_is_listed(grouped: Store) -> None:
    assert _pair(grouped, "E-O1", "E-B1") is None
    hub = grouped.dicts("SELECT * FROM edge_hubs WHERE hub_entity = 'EL-H1'")[0]
    assert hub["people"] == 45 and hub["excluded"]


def test_shared_phone_weighted_down_by_people_it_connects(grouped: Store) -> None:
    pair = _pair(grouped, "E-O3", "E-B2")
    assert pair is not None
    # 10 distinct people share the phone: base x hub_scale / (10 - 1)
    expected = DEFAULT_CONFIG.weight("shared_object") * DEFAULT_CONFIG.hub_scale / 9
    assert pair["strength"] == pytest.approx(expected)
    assert pair["strength"] < DEFAULT_CONFIG.min_strength
    car = _pair(grouped, "E-O2", "E-O3")
    assert car is not None and "shared_object" in str(car["kinds"])


def test_intelligence_strength_follows_its_grading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    strengths = {}
    for grading in ("1AP", "3E"):
        w = networld.story()
        w.rows["events"] = [dict(e, grading=grading) if e["event_id"] == "I1" else e for e in w.rows["events"]]
        with networld.build(tmp_path / f"{grading}.duckdb", w) as store:
            network.run(store)
            strengths[grading] = store.sql(
                "SELECT strength FROM edge_evidence WHERE kind = 'intelligence'")[0][0]
    assert strengths["1AP"] == pytest.approx(DEFAULT_CONFIG.weight("intelligence"))
    assert strengths["3E"] < strengths["1AP"] / 4


def test_shared_victim_never_associates_offenders(grouped: Store) -> None:
    pair = _pair(grouped, "E-X1", "E-X2")
    assert pair is None or pair["offender_strength"] == 0
    victim_links = grouped.sql("SELECT count(*) FROM edge_evidence WHERE kind = 'victim_suspect' AND "
                               "'E-V4' IN (entity_a, entity_b)")[0][0]
    assert victim_links == 2


def test_one_person_with_two_agency_records_is_one_node(grouped: Store) -> None:
    rows = grouped.dicts("SELECT * FROM edge_entity_roles WHERE entity_id = 'E-O1'")
    assert len(rows) == 1
    assert rows[0]["records"] == 2  # the WMP suspect record and the SC referral record
    assert rows[0]["offending_events"] == 1


def test_co_presence_within_window_counts_and_outside_does_not(tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = networld.WorldBuilder()
    for p in ("A", "B", "C"):
        w.person(p)
    w.place("FLAT", kind="flat")
    w.link("person", "A", "location", "FLAT", "visited", at="2023-05-01 22:00:00")
    w.link("person", "B", "location", "FLAT", "visited", at="2023-05-02 10:00:00")
    w.link("person", "C", "location", "FLAT", "visited", at="2023-06-20 10:00:00")
    with networld.build(tmp_path / "p.duckdb", w) as store:
        network.run(store)
        pairs = {(a, b) for a, b in store.sql("SELECT entity_a, entity_b FROM edge_evidence WHERE kind = 'co_presence'")}
    assert pairs == {("E-A", "E-B")}


def test_undated_visits_to_one_place_and_being_at_anothers_home_are_evidence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = networld.WorldBuilder()
    for p in ("A", "B", "D", "R", "S"):
        w.person(p)
    w.place("FLAT", kind="flat")
    w.link("person", "A", "location", "FLAT", "visited", at="2023-05-01 22:00:00")
    w.link("person", "B", "location", "FLAT", "visited", at="2023-08-01 22:00:00")  # dated, months apart
    w.link("person", "D", "location", "FLAT", "visited")  # no date recorded
    w.place("HOME", kind="home")
    w.link("person", "R", "location", "HOME", "resident")
    for i, at in enumerate(("2023-02-01 20:00:00", "2023-03-01 20:00:00")):  # two crimes at R's home
        w.event(f"C{i}", at=at, location="HOME", offence="19/7")
        w.on_event(f"C{i}", "suspect", "S")
    with networld.build(tmp_path / "v.duckdb", w) as store:
        network.run(store)
        kinds = {(a, b): k for a, b, k in store.sql("SELECT entity_a, entity_b, kinds FROM edge_entities")}
        home = _pair(store, "E-R", "E-S")
        visit = _pair(store, "E-A", "E-D")
    assert kinds == {("E-A", "E-D"): "co_visit", ("E-B", "E-D"): "co_visit", ("E-R", "E-S"): "at_residence"}
    # three people at the flat (hub factor 1); the home: one fact per crime there
    assert visit is not None and visit["strength"] == pytest.approx(DEFAULT_CONFIG.weight("co_visit"))
    assert home is not None and home["facts"] == 2
    assert home["offender_strength"] == pytest.approx(2 * DEFAULT_CONFIG.weight("at_residence"))


def test_spark_and_duckdb_sql_differ_only_in_dialect_helpers() -> None:
    cfg = load_config(None)
    duck = dict(edges_sql.edge_steps(cfg, "duckdb"))
    spark = dict(edges_sql.edge_steps(cfg, "spark"))
    assert duck.keys() == spark.keys()
    assert "epoch(" in duck["net_presence_pairs"] and "unix_timestamp(" in spark["net_presence_pairs"]
    assert "string_agg" not in spark["edge_entities"]
    with pytest.raises(ValueError):
        edges_sql.edge_steps(cfg, "oracle")


def test_edge_sql_never_reads_person_attributes() -> None:
    text = " ".join(sql for _, sql in edges_sql.edge_steps(DEFAULT_CONFIG)).lower()
    for column in ("ethnicity", "nationality", "raw_persons", "forename", "surname", "date_of_birth", "sex"):
        assert column not in text


def test_edge_steps_run_on_an_in_memory_duckdb() -> None:
    con = duckdb.connect()
    store = Store(":memory:")
    store.con.close()
    store.con = con
    store.migrate()
    networld.WorldBuilder().write(store)
    for name, sql in edges_sql.edge_steps(DEFAULT_CONFIG):
        con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
    assert con.execute("SELECT count(*) FROM edge_evidence").fetchall() == [(0,)]


def test_person_named_in_passing_on_intelligence_is_not_named_as_its_subject(tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = networld.story()
    w.person("P9")
    w.link("person", "P9", "event", "I1", "associate")
    with networld.build(tmp_path / "passing.duckdb", w) as store:
        network.run(store)
        kinds = dict(store.sql("SELECT entity_b, kind FROM edge_evidence WHERE via_id = 'I1' AND entity_a = 'E-O2'"))
        passing = store.sql("SELECT strength FROM edge_evidence WHERE via_id = 'I1' AND entity_b = 'E-P9'")
    assert kinds == {"E-O3": "intelligence", "E-P9": "co_involved"}
    # graded 1AP: full grading factor, the co-involvement base weight
    assert {round(s, 6) for (s,) in passing} == {DEFAULT_CONFIG.weight("co_involved")}
