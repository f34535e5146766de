"""The review queue in an analyst's scope: filtered before the limit, both records in scope."""

from __future__ import annotations

from clearpicture.linkage import review_queue
from clearpicture.store import Store


def test_scope_is_applied_before_the_limit() -> None:
    s = Store(":memory:")
    s.execute("CREATE TABLE entity_review (match_weight DOUBLE, source_l VARCHAR, person_id_l VARCHAR, "
              "source_r VARCHAR, person_id_r VARCHAR)")
    s.execute("INSERT INTO entity_review VALUES (9, 'PF1', 'a', 'PF1', 'b'), (8, 'PF1', 'c', 'LA1', 'd'), "
              "(2, 'LA1', 'e', 'LA1', 'f'), (1, 'LA1', 'g', 'NHS', 'h')")
    assert [r["person_id_l"] for r in review_queue(s, limit=1)] == ["a"]
    assert [r["person_id_l"] for r in review_queue(s, limit=1, sources={"LA1"})] == ["e"]
    assert [r["person_id_l"] for r in review_queue(s, sources={"LA1", "PF1"})] == ["a", "c", "e"]
    assert review_queue(s, sources=set()) == []
