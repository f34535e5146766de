"""Erasure on the shared synthetic world (every stage that exists has run on it): afterwards no row
of the person's source, in any table, still names them, and every other record is still there."""

from __future__ import annotations

import re
from pathlib import Path

from clearpicture.security import audit, local_operator
from clearpicture.security.erasure import erase_person
from clearpicture.store import Store
from world import World


def _victim_with_most_around(store: Store) -> tuple[str, str, str, str]:
    """A victim record with a name, several links, preferably merged with other records."""
    merged = store.has_table("entity_persons")
    size = ("LEFT JOIN (SELECT ep.source, ep.person_id, count(*) OVER (PARTITION BY ep.entity_id) AS n "
            "FROM entity_persons ep) sz ON sz.source = p.source AND sz.person_id = p.person_id ")
    order = "max(sz.n) DESC, " if merged else ""
    row = store.sql(
        f"""SELECT p.source, p.person_id, p.forename, p.surname FROM raw_persons p {size if merged else ''}
            JOIN raw_links l ON l.source = p.source AND l.from_id = p.person_id AND l.role = 'victim'
            WHERE length(p.forename) >= 3 AND length(p.surname) >= 3
            GROUP BY p.source, p.person_id, p.forename, p.surname
            ORDER BY {order}count(*) DESC, p.person_id LIMIT 1""")
    return (str(row[0][0]), str(row[0][1]), str(row[0][2]), str(row[0][3]))


def test_erasure_on_the_synthetic_world_leaves_no_trace_in_the_source(small_world: World, tmp_path: Path) -> None:
    store = small_world.copy(tmp_path)
    source, person_id, forename, surname = _victim_with_most_around(store)
    others = store.sql("SELECT count(*) FROM raw_persons")[0][0] - 1
    result = erase_person(store, local_operator(), source, person_id, reason="out of scope at review")
    assert result.deleted["raw_persons"] >= 1
    assert result.residual == []
    word = r"(^|[^A-Za-z0-9_-])" + re.escape(person_id) + r"($|[^A-Za-z0-9_-])"
    full_name = f"{forename} {surname}"
    tables = store.sql("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'")
    for (table,) in tables:
        cols = dict(store.sql(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", [table]))
        text = [c for c, t in cols.items() if t.startswith("VARCHAR") and c != "source"]
        same = " AND CAST(source AS VARCHAR) = ?" if "source" in cols else ""
        for col in text:
            params = [word, source] if same else [word]
            hit = store.sql(f'SELECT 1 FROM "{table}" WHERE regexp_matches(CAST("{col}" AS VARCHAR), ?){same} LIMIT 1', params)
            assert not hit, f"{table}.{col} still names {person_id}"
            if same:
                hit = store.sql(f'SELECT 1 FROM "{table}" WHERE contains(CAST("{col}" AS VARCHAR), ?){same} LIMIT 1',
                                [full_name, source])
                assert not hit, f"{table}.{col} still holds the name"
    assert store.sql("SELECT count(*) FROM raw_persons")[0][0] == others
    assert audit.verify(store).ok
    assert person_id not in str(store.sql("SELECT * FROM audit_log"))
    store.close()
