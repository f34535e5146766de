"""Network exports open in analysts' tools, carry the marking, leave out protected characteristics,
and are logged as disclosures."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from clearpicture.errors import InputError
from clearpicture.network.export_formats import (
    ANB_ENTITY_COLUMNS,
    ANB_LINK_COLUMNS,
    export_network,
)
from clearpicture.network.export_graph import MARKING, export_graph
from clearpicture.store import Store


def _export(store: Store, fmt: str, out: Path, group: str | None = None, **kw: object) -> dict[str, object]:
    return export_network(store, fmt, out, group, recipient="CSE team, Sandwell", purpose="strategy meeting",
                          **kw)  # type: ignore[arg-type]


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("fmt,reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graph_formats_parse_with_the_same_counts(grouped: Store, tmp_path: Path, fmt: str, reader) -> None:  # type: ignore[no-untyped-def]
    expected = export_graph(grouped)
    assert expected.number_of_nodes() == 7 and expected.number_of_edges() == 8
    out = tmp_path / f"net.{fmt}"
    _export(grouped, fmt, out)
    back = reader(out)
    assert (back.number_of_nodes(), back.number_of_edges()) == (7, 8)
    assert set(map(str, back.nodes)) == set(expected.nodes)
    text = out.read_text(encoding="utf-8")
    assert f"<!-- {MARKING}" in text
    if fmt == "graphml":
        assert back.graph["marking"] == MARKING
    roles = {str(n): a.get("role") for n, a in back.nodes(data=True)}
    assert roles["E-V1"] == "victim" and roles["E-O2"] == "suspect"


def test_neo4j_csvs_have_the_admin_import_headers(grouped: Store, tmp_path: Path) -> None:
    _export(grouped, "neo4j-csv", tmp_path / "neo")
    nodes = _rows(tmp_path / "neo" / "nodes.csv")
    rels = _rows(tmp_path / "neo" / "relationships.csv")
    assert nodes[0][:2] == ["entityId:ID", ":LABEL"]
    assert rels[0][:3] == [":START_ID", ":END_ID", ":TYPE"]
    ids = {r[0] for r in nodes[1:]}
    assert len(ids) == len(nodes) - 1 == 7
    assert all(r[0] in ids and r[1] in ids for r in rels[1:]) and len(rels) - 1 == 8
    assert all(r[-1] == MARKING for r in nodes[1:] + rels[1:])
    assert {"VICTIM_LINK", "EVIDENCE_LINK", "USES"} <= {r[2] for r in rels[1:]}
    assert (tmp_path / "neo" / "MARKING.txt").read_text().startswith(MARKING)


def test_anb_csvs_have_entities_and_links_with_types(grouped: Store, tmp_path: Path) -> None:
    _export(grouped, "anb-csv", tmp_path / "anb")
    entities = _rows(tmp_path / "anb" / "entities.csv")
    links = _rows(tmp_path / "anb" / "links.csv")
    assert entities[0] == ANB_ENTITY_COLUMNS and links[0] == ANB_LINK_COLUMNS
    types = {r[0]: r[1] for r in entities[1:]}
    assert types["EO-CAR1"] == "Vehicle" and types["E-O1"] == "Person"
    assert all(r[0] in types and r[3] in types for r in links[1:])
    assert all(r[-1] == MARKING for r in entities[1:] + links[1:])


def test_group_picture_is_an_svg_of_one_group(grouped: Store, tmp_path: Path) -> None:
    _export(grouped, "svg", tmp_path / "g.svg", "G00001")
    root = ET.parse(tmp_path / "g.svg").getroot()
    assert root.tag.endswith("svg")
    circles = [e for e in root.iter() if e.tag.endswith("circle")]
    assert len(circles) >= 7
    assert MARKING in (tmp_path / "g.svg").read_text()
    with pytest.raises(InputError, match="--group"):
        _export(grouped, "svg", tmp_path / "all.svg")


def test_exports_never_hold_ethnicity_or_nationality(grouped: Store, tmp_path: Path) -> None:
    grouped.execute("UPDATE raw_persons SET ethnicity_self = 'ZQ9', ethnicity_self_raw = 'ZQ9', "
                    "nationality = NULL, nationality_raw = 'QQQ', ethnicity_officer_raw = 'IC7X'")
    out = tmp_path / "exports"
    for fmt, name in (("graphml", "n.graphml"), ("gexf", "n.gexf"), ("neo4j-csv", "neo"), ("anb-csv", "anb")):
        _export(grouped, fmt, out / name)
    texts = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file()]
    assert len(texts) == 8
    for text in texts:
        for forbidden in ("ZQ9", "QQQ", "IC7X", "ethnicity", "nationality", "FO1", "SO1"):
            assert forbidden not in text


def test_every_export_is_a_logged_disclosure(grouped: Store, tmp_path: Path) -> None:
    _export(grouped, "graphml", tmp_path / "g.graphml", "G00001")
    rows = grouped.dicts("SELECT * FROM audit_log WHERE action = 'disclosure'")
    assert len(rows) == 1
    assert rows[0]["recipient"] == "CSE team, Sandwell" and rows[0]["justification"] == "strategy meeting"
    what = json.loads(rows[0]["what"])
    assert what["format"] == "graphml" and what["group"] == "G00001" and len(what["person_refs"]) == 6
    assert "O1" not in rows[0]["what"]  # persons by keyed reference only


def test_pseudonymised_export_hides_entity_ids(grouped: Store, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARPICTURE_PSEUDONYM_KEY", "a-test-key-of-enough-length")
    _export(grouped, "graphml", tmp_path / "p1.graphml", pseudonymise=True)
    _export(grouped, "graphml", tmp_path / "p2.graphml", pseudonymise=True)
    first, second = (nx.read_graphml(tmp_path / f"p{i}.graphml") for i in (1, 2))
    assert not any(str(n).startswith("E") for n in first.nodes)
    assert set(first.nodes) == set(second.nodes)  # stable with one key: recipients can join files


def test_unknown_format_or_group_is_a_clear_error(grouped: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown format"):
        _export(grouped, "pajek", tmp_path / "x")
    with pytest.raises(InputError, match="no group"):
        _export(grouped, "graphml", tmp_path / "x.graphml", "G12345")


def test_presence_edges_count_every_group_event_at_the_place(small_world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A member at one place for four group events is four pieces of evidence, first to last seen."""
    with small_world.open() as store:
        graph = export_graph(store)
        expected = {(r[0], r[1]): r[2:] for r in store.sql(
            """SELECT p.entity_id, el.entity_id, count(DISTINCT (ge.source, ge.event_id)), min(ge.occurred_at),
                      max(ge.occurred_at)
            FROM group_events ge
            JOIN entity_locations el ON el.source = ge.source AND el.location_id = ge.location_id
            JOIN edge_person_events p ON p.source = ge.source AND p.event_id = ge.event_id
            WHERE p.entity_id IN (SELECT entity_id FROM group_members) GROUP BY 1, 2""")}
    present = {(u, v) if graph.nodes[u]["type"] == "person" else (v, u): a
               for u, v, a in graph.edges(data=True) if a["type"] == "present_at"}
    assert present and set(present) == set(expected)
    assert any(n > 1 for n, _, _ in expected.values()), "the small world has repeat visits: the case at issue"
    for key, (n, first, last) in expected.items():
        a = present[key]
        assert a["evidence_count"] == n, (key, a)
        assert a["first_at"] == first.isoformat() and a.get("last_at") == last.isoformat(), (key, a)


def test_a_place_used_by_two_groups_keeps_both_groups() -> None:
    from clearpicture.network.export_graph import _add_place_or_object

    graph = nx.Graph()
    _add_place_or_object(graph, "L1", "location", "G2")
    _add_place_or_object(graph, "L1", "location", "G1")
    _add_place_or_object(graph, "L1", "location", "G2")
    assert graph.nodes["L1"]["group_id"] == "G1,G2" and graph.nodes["L1"]["type"] == "location"


def test_neo4j_dates_are_typed_local_datetimes(small_world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Typed as neo4j-admin reads them (Cypher temporal syntax), so queries can range over them."""
    import re

    with small_world.copy(tmp_path) as store:
        _export(store, "neo4j-csv", tmp_path / "neo")
    for name in ("nodes.csv", "relationships.csv"):
        rows = _rows(tmp_path / "neo" / name)
        typed = [i for i, h in enumerate(rows[0]) if h.endswith("_at:localdatetime")]
        assert len(typed) == 2, rows[0]
        values = [r[i] for r in rows[1:] for i in typed if r[i]]
        assert values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?", v) for v in values)
