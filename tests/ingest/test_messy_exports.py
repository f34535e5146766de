"""Real exports are messy: each test here is a damage found by feeding files to ``clearpicture ingest``.

Every test failed before its fix. The rule they hold: nothing is silently dropped or invented;
rows that cannot load are quarantined with a reason; read = loaded + quarantined + unchanged.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from clearpicture import Store, ingest, standard

PERSON_COLS = standard.table("persons").names


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def _person(pid: str, **kw: str) -> list[str]:
    base = {"source": "NMP", "person_id": pid, "forename": "Asha", "surname": "Khan", "date_of_birth": "2008-03-04",
            "sex": "F"}
    base.update(kw)
    return [base.get(c, "") for c in PERSON_COLS]


def _balanced(counts: dict[str, int]) -> bool:
    return counts["read"] == counts["loaded"] + counts["quarantined"] + counts["unchanged"]


def test_a_header_repeated_mid_file_is_quarantined_not_loaded_as_a_person(tmp_path: Path) -> None:
    """Two exports joined with ``cat`` repeat the header; it used to load as person 'person_id'."""
    first = _csv_text(PERSON_COLS, [_person("1"), _person("2")])
    second = _csv_text(PERSON_COLS, [_person("3")])
    f = tmp_path / "persons.csv"
    f.write_text(first + second, encoding="utf-8")
    store = Store()
    counts = ingest.run(store, [f]).counts["tables"]["persons"]
    assert counts == {"read": 4, "loaded": 3, "quarantined": 1, "unchanged": 0, "invalid_values": 0}
    assert store.sql("SELECT count(*) FROM raw_persons WHERE person_id = 'person_id'") == [(0,)]
    ((row, reason),) = store.sql("SELECT row_number, reason FROM quarantine")
    assert row == 4 and "header row repeated" in reason
    assert store.sql("SELECT _row FROM raw_persons WHERE person_id = '3'") == [(5,)]  # later lines keep their numbers
