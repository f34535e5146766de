"""The profile's figures agree with each other and with the tables they come from; the partner
version quotes no small count anywhere (tables, rates, running text)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from clearpicture.report import build_sections
from clearpicture.report.model import Section
from clearpicture.store import Store
from world import World


@pytest.fixture(scope="module")
def store(small_world: World) -> Iterator[Store]:
    with small_world.open() as s:
        yield s


@pytest.fixture(scope="module")
def partner(store: Store) -> dict[str, Section]:
    return {s.id: s for s in build_sections(store, "partner")}


@pytest.fixture(scope="module")
def inside(store: Store) -> dict[str, Section]:
    return {s.id: s for s in build_sections(store, "operational")}


def _number_before(text: str, nouns: str) -> list[int]:
    return [int(n.replace(",", "")) for n in re.findall(rf"(\d[\d,]*) (?:{nouns})", text)]


def test_partner_text_states_no_small_count(partner: dict[str, Section], store: Store) -> None:
    groups = store.count("group_summary")
    assert groups < 10, "the small world has few groups: the case this test is about"
    text = " ".join(p for s in partner.values() for p in [*s.paragraphs, *s.caveats])
    assert f"{groups} offending groups" not in text
    for n in _number_before(text, "offending groups|child victims|victims|groups"):
        assert n >= 10 and n % 5 == 0, n
    assert "fewer than 10 offending groups" in text.lower()


def test_partner_rates_follow_the_published_counts(partner: dict[str, Section]) -> None:
    """0.00 beside a hidden numerator would say it is 0; a rate of true counts undoes the rounding."""
    measures = partner["quality"].tables[0]
    assert any(r["numerator"] is None for r in measures.rows)
    for r in measures.rows:
        if r["numerator"] is None or r["denominator"] is None:
            assert r["value"] is None, r
        elif r["denominator"]:
            assert r["value"] == round(r["numerator"] / r["denominator"], 2), r
    language = partner["language"].tables[0]
    for r in language.rows:
        assert (r["per_1000"] is None) == (r["notes"] is None or r["flagged_notes"] is None or not r["notes"])


def test_partner_shares_in_the_text_are_shares_of_published_counts(partner: dict[str, Section]) -> None:
    recording = {r["role"]: r for r in partner["ethnicity"].tables[0].rows}
    shares = [p for p in partner["face"].paragraphs if p.startswith("Completeness for")]
    assert shares
    for para in shares:
        row = recording[para.split()[2].rstrip(":")]
        for column, label in (("self_defined_recorded", "self-defined ethnicity recorded for"),
                              ("officer_observed_recorded", "officer-observed for"),
                              ("nationality_recorded", "nationality for")):
            found = re.search(rf"{label} (\d+)%", para)
            if found:
                assert row[column] is not None and row["people"]
                assert int(found.group(1)) == round(100 * row[column] / row["people"]), (para, row)
