"""Rows and checks the ingest tests share: a standard person row and the accounting rule."""

from __future__ import annotations

from clearpicture import standard

PERSON_COLS = standard.table("persons").names


def person_row(pid: str, **kw: str) -> list[str]:
    """A valid person record in the standard's column order, with ``kw`` overriding fields."""
    base = {"source": "NMP", "person_id": pid, "forename": "Asha", "surname": "Khan", "date_of_birth": "2008-03-04",
            "sex": "F"}
    base.update(kw)
    return [base.get(c, "") for c in PERSON_COLS]


def balanced(counts: dict[str, int]) -> bool:
    """The rule ingest must always keep: read = loaded + quarantined + unchanged."""
    return counts["read"] == counts["loaded"] + counts["quarantined"] + counts["unchanged"]
