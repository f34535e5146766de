"""Erasing a person removes them from every edge and group table (principles: removal removes)."""

from __future__ import annotations

from clearpicture.security import local_operator
from clearpicture.security.erasure import erase_person
from clearpicture.store import Store


def test_erasure_leaves_no_trace_in_edge_and_group_tables(grouped: Store) -> None:
    erase_person(grouped, local_operator(), "WMP", "O3", "out of scope")
    tables = [t for (t,) in grouped.sql("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_name LIKE 'edge\\_%' ESCAPE '\\' "
                                        "OR table_name LIKE 'group\\_%' ESCAPE '\\'")]
    assert {"edge_evidence", "edge_entities", "group_members", "group_evidence"} <= set(tables)
    for table in tables:
        cols = [c for (c,) in grouped.sql("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                          [table])]
        hit = " OR ".join(f"CAST(\"{c}\" AS VARCHAR) IN ('O3', 'E-O3')" for c in cols)
        assert grouped.sql(f"SELECT count(*) FROM {table} WHERE {hit}")[0][0] == 0, table
