"""The case review list, supervisor decisions (logged) and the closed-case re-examination view."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearpicture import investigations
from clearpicture.errors import InputError
from clearpicture.investigations import decide_review, load_checklist, reexamination, review_list
from clearpicture.security import audit
from clearpicture.store import Store


def _reasons(store: Store) -> dict[str, dict[str, str]]:
    return {c.case[1]: {r.check_id: r.reason for r in c.reasons} for c in review_list(store)}


def test_review_list_names_each_shortfall_with_a_reason(investigated: Store) -> None:
    reasons = _reasons(investigated)
    assert set(reasons) == {"C1", "C2"}
    assert set(reasons["C2"]) == {"victim-not-referred", "group-member-not-linked",
                                  "quick-victim-does-not-support", "missing-without-disruption"}
    assert set(reasons["C1"]) == {"group-member-not-linked"}  # referred in 3 days, charged, no missing
    assert "3 missing episode(s)" in reasons["C2"]["missing-without-disruption"]
    assert "outcome 16" in reasons["C2"]["quick-victim-does-not-support"]
    assert "10 days" in reasons["C2"]["quick-victim-does-not-support"]
    assert "G1" in reasons["C1"]["group-member-not-linked"]


def test_each_reason_carries_the_records_behind_it(investigated: Store) -> None:
    c2 = next(c for c in review_list(investigated) if c.case == ("WMP", "C2"))
    records = {r.check_id: {(x.source, x.record_type, x.record_id, x.role) for x in r.records} for r in c2.reasons}
    assert ("WMP", "event", "C2", "crime") in records["victim-not-referred"]
    assert ("WMP", "person", "V2", "victim") in records["victim-not-referred"]
    assert {("WMP", "event", m, "missing episode") for m in ("M1", "M2", "M3")} <= records["missing-without-disruption"]
    assert ("WMP", "person", "O4", "group member (G1)") in records["group-member-not-linked"]


def test_scope_this_case_lists_members_not_on_the_crime(case_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: '1'\nchecks:\n  - {id: g, kind: group_member_not_linked, scope: this_case}\n")
    investigations.run(case_store, checklist=load_checklist(path))
    c1 = next(c for c in review_list(case_store) if c.case == ("WMP", "C1"))
    assert "2 known member(s) not linked as a suspect to this crime" in c1.reasons[0].reason  # O3 and O4


def test_checklist_thresholds_change_the_list(case_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "strict.yaml"
    path.write_text("""version: "9"
checks:
  - {id: late, kind: victim_not_referred, within_days: 2, populations: [cse]}
  - {id: quick, kind: closed_victim_does_not_support, within_days: 5, populations: [cse]}
  - {id: no-disruption, kind: no_disruption_despite_missing, enabled: false}
""")
    result = investigations.run(case_store, {"checklist": str(path)})
    assert result.parameters["checklist_version"] == "9"
    reasons = _reasons(case_store)
    assert set(reasons["C1"]) == {"late"}  # referred after 3 days, window now 2
    assert "3 days after" in reasons["C1"]["late"]
    assert set(reasons["C2"]) == {"late"}  # closed after 10 days: not within 5


def test_decisions_are_logged_and_survive_a_rerun(investigated: Store) -> None:
    decide_review(investigated, ("WMP", "C2"), "victim-not-referred", "dismiss",
                  "referral made by phone, recorded in the MASH log", "sup1")
    investigations.run(investigated)
    c2 = next(c for c in review_list(investigated) if c.case == ("WMP", "C2"))
    item = next(r for r in c2.reasons if r.check_id == "victim-not-referred")
    assert (item.decision, item.decided_by) == ("dismiss", "sup1")
    assert item.decision_reason == "referral made by phone, recorded in the MASH log"
    assert item.decided_at is not None
    row = investigated.dicts("SELECT actor, action, what, justification FROM audit_log ORDER BY seq DESC LIMIT 1")[0]
    assert (row["actor"], row["action"]) == ("sup1", "alteration")
    assert "victim-not-referred" in row["what"] and row["justification"].startswith("referral made")
    assert audit.verify(investigated).ok
    pending = {c.case for c in review_list(investigated, pending_only=True)}
    assert ("WMP", "C2") in pending  # three other reasons still wait


def test_latest_decision_stands(investigated: Store) -> None:
    decide_review(investigated, ("WMP", "C1"), "group-member-not-linked", "dismiss", "O4 is a driver only", "a")
    decide_review(investigated, ("WMP", "C1"), "group-member-not-linked", "accept", "new intelligence", "b")
    c1 = next(c for c in review_list(investigated) if c.case == ("WMP", "C1"))
    assert (c1.reasons[0].decision, c1.reasons[0].decided_by) == ("accept", "b")
    assert not c1.pending
    assert ("WMP", "C1") not in {c.case for c in review_list(investigated, pending_only=True)}


@pytest.mark.parametrize(("case", "check", "decision", "reason", "message"), [
    (("WMP", "C2"), "victim-not-referred", "dismiss", "  ", "needs a reason"),
    (("WMP", "C2"), "victim-not-referred", "ignore", "x", "accept or dismiss"),
    (("WMP", "C3"), "victim-not-referred", "accept", "x", "no review item WMP/C3"),
])
def test_bad_decisions_are_refused(investigated: Store, case: tuple[str, str], check: str, decision: str,
                                   reason: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decide_review(investigated, case, check, decision, reason, "sup1")  # type: ignore[arg-type]
    assert investigated.count("investigation_review_decisions") == 0


def test_review_list_filters_by_force_and_team(investigated: Store) -> None:
    assert [c.case for c in review_list(investigated, team="CSE Team")] == [("WMP", "C1")]
    assert review_list(investigated, force="XYZ") == []


def test_reexamination_lists_closed_uncharged_cases_touching_a_group(investigated: Store) -> None:
    rows = reexamination(investigated)
    assert [r["case"] for r in rows] == [["WMP", "C2"]]  # C1 was charged; C3 is open; C5 no group
    vias = {(g["group_id"], g["via"], g["entity_id"]) for g in rows[0]["groups"]}
    assert vias == {("G1", "suspect", "E-O3"), ("G1", "victim", "E-V2")}


def test_without_the_network_stage_group_checks_find_nothing(tmp_path: Path) -> None:
    import caseworld

    store = caseworld.build(tmp_path / "nogroups.duckdb", with_groups=False)
    result = investigations.run(store)
    assert result.counts["missing_inputs"] == ["group_members"]
    assert all("group" not in r for c in review_list(store) for r in [x.check_id for x in c.reasons])
    assert reexamination(store) == []


def test_review_list_reads_a_read_only_workspace(_case_files: tuple[Path, Path]) -> None:
    with Store(_case_files[1], read_only=True) as store:
        assert {c.case for c in review_list(store)} == {("WMP", "C1"), ("WMP", "C2")}
        assert reexamination(store)


def test_erasing_a_victim_leaves_no_copy_in_the_investigation_tables(investigated: Store) -> None:
    from clearpicture.security import local_operator
    from clearpicture.security.erasure import erase_person

    result = erase_person(investigated, local_operator(), "WMP", "V2", "disposed of at review")
    assert result.residual == []
    assert result.deleted.get("investigation_cases") == 1
    assert investigated.sql("SELECT count(*) FROM investigation_review_evidence WHERE record_id = 'V2'")[0][0] == 0
