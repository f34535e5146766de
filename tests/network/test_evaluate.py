"""Group recovery figures against a truth folder (the evaluate command's groups section)."""

from __future__ import annotations

import csv
from pathlib import Path

from clearpicture.evaluate import SECTIONS, evaluate
from clearpicture.network.evaluate import evaluate_groups
from clearpicture.store import Store


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _truth(folder: Path, store: Store) -> Path:
    truth = folder / "truth"
    truth.mkdir()
    # Every record's true person is its entity id without the "E-" prefix.
    _write(truth / "persons.csv", ["source", "person_id", "true_person"],
           [[s, p, str(e)[2:]] for s, p, e in store.sql("SELECT source, person_id, entity_id FROM entity_persons")])
    _write(truth / "groups.csv", ["group_id", "true_person", "role"],
           [["T1", p, "offender"] for p in ("O1", "O2", "O3")] + [["T1", "V1", "victim"], ["T1", "V9", "victim"]]
           + [["T2", p, "offender"] for p in ("X1", "X2")] + [["T2", "V4", "victim"]])
    _write(truth / "crews.csv", ["crew_id", "true_person"], [["C1", p] for p in ("B1", "B2", "B3")])
    return truth


def test_figures_follow_the_definitions(grouped: Store, tmp_path: Path) -> None:
    figures = evaluate_groups(grouped, _truth(tmp_path, grouped))
    assert figures["true_groups"] == 2 and figures["reported_groups"] == 1
    assert figures["per_group"] == {"T1": 1.0, "T2": 0.0}  # X1 and X2 share only a victim
    assert figures["mean_best_jaccard"] == 0.5
    assert figures["reported_without_true_offender"] == 0 and figures["crews_reported"] == 0
    assert figures["victim_recall"] == round(1 / 3, 4)  # V1 found; V9 unrecorded; V4 belongs to no reported group


def test_burglary_crew_reported_as_a_group_is_counted(grouped: Store, tmp_path: Path) -> None:
    grouped.execute("INSERT INTO group_members (group_id, entity_id, role) VALUES "
                    "('G09999', 'E-B1', 'offender'), ('G09999', 'E-B2', 'offender')")
    figures = evaluate_groups(grouped, _truth(tmp_path, grouped))
    assert figures["crews_reported"] == 1
    assert figures["reported_without_true_offender"] == 1 and figures["reported_without_true_offender_share"] == 0.5


def test_groups_section_is_registered_with_evaluate(grouped: Store, tmp_path: Path) -> None:
    assert "groups" in SECTIONS
    doc = evaluate(grouped, _truth(tmp_path, grouped), sections=["groups"])
    assert doc["groups"]["per_group"]["T1"] == 1.0


def test_unrecorded_offenders_are_counted_apart_and_every_miss_has_a_cause(tmp_path: Path) -> None:
    import networld

    from clearpicture import network

    w = networld.story()
    w.person("H1")  # known only as the subject of a health contact naming nobody else
    w.event("HC1", kind="health_contact", source="WMP")
    w.on_event("HC1", "subject", "H1")
    with networld.build(tmp_path / "causes.duckdb", w) as store:
        network.run(store)
        truth = _truth(tmp_path, store)
        _write(truth / "groups.csv", ["group_id", "true_person", "role"],
               [["T1", p, "offender"] for p in ("O1", "O2", "NOBODY")]  # O3 is found too: an extra
               + [["T2", p, "offender"] for p in ("X1", "X2")]  # recorded and tied, never grouped
               + [["T3", p, "offender"] for p in ("L1", "H1", "GHOST")])
        figures = evaluate_groups(store, truth)
    assert figures["per_group"]["T1"] == 0.5  # {O1, O2} of {O1, O2, O3, NOBODY}
    # Counting only recorded offenders: T1 is {O1, O2} against {O1, O2, O3}; T3 has two recorded.
    assert figures["per_group_recorded_offenders"] == {"T1": round(2 / 3, 4), "T2": 0.0, "T3": 0.0}
    assert figures["recorded_offender_groups"] == 3
    assert figures["mean_best_jaccard_recorded_offenders"] == round((2 / 3) / 3, 4)
    assert figures["missed_offenders"] == {"no_record": 2, "record_ties_to_nothing": 1, "alone_in_records": 1,
                                           "group_not_reported": 2, "not_joined": 0, "extra": 1}
