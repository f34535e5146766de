"""record_many: several rows in one commit, chained exactly as row-by-row record would chain them."""

from __future__ import annotations

import json

import pytest

from clearpicture.errors import InputError
from clearpicture.security import audit
from clearpicture.security.permissions import Actor
from clearpicture.store import Store

ANA = Actor("ana", "analyst", frozenset({"PF1"}))


def test_a_batch_appends_one_row_per_entry_in_order_and_verifies(store: Store) -> None:
    audit.record(store, "ingest", "collection", {"run_id": "r1"})
    seqs = audit.record_many(store, [
        audit.Entry(ANA, "consultation", {"person": ("PF1", "P-1")}, justification="case review"),
        audit.Entry(ANA, "consultation", {"person": ("PF1", "P-2")}, justification="case review", allowed=False),
        audit.Entry("linkage", "combination", {"persons": [("PF1", "P-1"), ("PF1", "P-2")]}),
    ])
    audit.record(store, ANA, "disclosure", {"export": "x"}, recipient="hub")
    assert seqs == [2, 3, 4]
    rows = audit.show(store)
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]
    assert [(r["actor"], r["action"], r["allowed"]) for r in rows[1:4]] == [
        ("ana", "consultation", True), ("ana", "consultation", False), ("linkage", "combination", True)]
    # People are named by their keyed reference only, as record() does.
    assert rows[1]["what"] == {"person_ref": audit.person_ref(store, "PF1", "P-1")}
    assert "P-2" not in json.dumps(rows[2]["what"]) and len(rows[3]["what"]["person_refs"]) == 2
    assert audit.verify(store).ok
    assert store.sql("SELECT seq FROM audit_head")[0][0] == 5


def test_a_batch_row_hashes_like_a_single_record(store: Store) -> None:
    """Each row's hash covers its content and the previous hash: verify recomputes them one by one,
    so an edit inside a batch is found at that row."""
    audit.record_many(store, [audit.Entry(ANA, "consultation", {"view": f"v{i}"}) for i in range(5)])
    store.execute("UPDATE audit_log SET justification = 'edited' WHERE seq = 3")
    result = audit.verify(store)
    assert not result.ok and any(p.startswith("row 3:") for p in result.problems)


def test_a_batch_with_an_unknown_action_writes_nothing(store: Store) -> None:
    audit.record(store, "ingest", "collection", {"run_id": "r1"})
    with pytest.raises(InputError, match="unknown action"):
        audit.record_many(store, [audit.Entry(ANA, "consultation", {"view": "a"}),
                                  audit.Entry(ANA, "peeking", {"view": "b"})])
    assert store.count("audit_log") == 1 and audit.verify(store).ok


def test_an_empty_batch_is_nothing(store: Store) -> None:
    assert audit.record_many(store, []) == []
