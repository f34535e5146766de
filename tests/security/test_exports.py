"""Disclosure helpers: one log row per export, pseudonyms, marking, formula-safe cells."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearpicture.errors import AccessDenied, ConfigError, InputError
from clearpicture.security import audit
from clearpicture.security.exports import (
    MARKING,
    authorise_disclosure,
    pseudonymise,
    pseudonymise_rows,
    safe_cell,
    write_csv,
)
from clearpicture.security.permissions import Actor
from clearpicture.store import Store

KEY = b"k" * 32
NOW = datetime.now(UTC).replace(tzinfo=None)
ANALYST = Actor("ana", "analyst", frozenset({"PF1"}), authenticated_at=NOW)


@pytest.fixture(autouse=True)
def _fresh_password_check() -> None:
    # Bulk export needs a password check within five minutes; import time can be older than that.
    global ANALYST, NOW
    NOW = datetime.now(UTC).replace(tzinfo=None)
    ANALYST = Actor("ana", "analyst", frozenset({"PF1"}), authenticated_at=NOW)


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=x", "\r=x", " =HYPERLINK(1)",
                                  "\uff1d1+1"])
def test_safe_cell_neutralises_formula_starts(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Robin", "07700 900123", "", "a=b", 42, -3.5, None])
def test_safe_cell_leaves_ordinary_values_alone(value: object) -> None:
    assert safe_cell(value) == value


@given(st.text())
def test_safe_cell_output_never_starts_a_formula(text: str) -> None:
    out = safe_cell(text)
    assert out == text or out == "'" + text
    assert not out.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "\n"))


def test_pseudonyms_are_keyed_stable_and_namespaced(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pseudonymise("P1", KEY) == pseudonymise("P1", KEY)
    assert pseudonymise("P1", KEY) != pseudonymise("P1", b"j" * 32)
    assert pseudonymise("P1", KEY, kind="person") != pseudonymise("P1", KEY, kind="object")
    assert pseudonymise(None, KEY) is None
    rows = pseudonymise_rows([{"source": "PF1", "person_id": "P1"}, {"source": "LA1", "person_id": "P1"}],
                             ["person_id"], KEY)
    assert rows[0]["person_id"] != rows[1]["person_id"]  # same id, different source
    assert rows[0]["source"] == "PF1"
    monkeypatch.delenv("CLEARPICTURE_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ConfigError):
        pseudonymise("P1")
    monkeypatch.setenv("CLEARPICTURE_PSEUDONYM_KEY", "x" * 20)
    assert pseudonymise("P1") == pseudonymise("P1", b"x" * 20)


def test_write_csv_marks_neutralises_and_pseudonymises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEARPICTURE_PSEUDONYM_KEY", "s" * 24)
    path = write_csv(tmp_path / "out.csv", ["source", "person_id", "note"],
                     [{"source": "PF1", "person_id": "PF1-P-1", "note": "=cmd|' /C calc'!A0"}],
                     pseudonymise_columns=["person_id"])
    rows = list(csv.reader(path.open()))
    assert rows[0] == [MARKING]
    assert rows[1] == ["source", "person_id", "note"]
    assert rows[2][0] == "PF1" and rows[2][1].startswith("ps_") and "PF1-P-1" not in path.read_text()
    assert rows[2][2].startswith("'=")


def test_each_disclosure_writes_exactly_one_row_with_recipient(store: Store) -> None:
    seq = authorise_disclosure(store, ANALYST, what={"export": "entities"}, recipient="LA1 hub",
                               justification="strategy meeting", sources=["PF1"])
    rows = audit.show(store)
    assert len(rows) == 1 and rows[0]["seq"] == seq
    assert (rows[0]["action"], rows[0]["recipient"], rows[0]["justification"], rows[0]["allowed"]) == (
        "disclosure", "LA1 hub", "strategy meeting", True)
    assert rows[0]["what"] == {"export": "entities", "sources": ["PF1"]}


def test_disclosure_outside_scope_is_refused_and_logged(store: Store) -> None:
    with pytest.raises(AccessDenied):
        authorise_disclosure(store, ANALYST, what={"export": "person"}, recipient="LA1 hub",
                             justification="x", persons=[("LA1", "LA1-C-1")])
    with pytest.raises(AccessDenied):  # bulk needs a recent password check
        authorise_disclosure(store, Actor("ana", "analyst", frozenset({"PF1"})), what={"export": "all"},
                             recipient="r", justification="j", sources=["PF1"])
    rows = audit.show(store)
    assert [r["allowed"] for r in rows] == [False, False]
    assert "LA1-C-1" not in str(rows[0]["what"]) and rows[0]["what"]["person_refs"]


def test_disclosure_needs_recipient_and_justification(store: Store) -> None:
    with pytest.raises(InputError):
        authorise_disclosure(store, ANALYST, what={}, recipient=" ", justification="j")
    assert audit.show(store) == []
