"""The problem profile renders every section to HTML and PDF; the partner version discloses nothing small."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from clearpicture.report import build_profile
from clearpicture.report.model import SECTIONS
from world import World


@pytest.fixture(scope="module")
def profiles(small_world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("profile")
    with small_world.open() as store:
        build_profile(store, out / "operational", "operational")
        build_profile(store, out / "partner", "partner")
    return {"operational": out / "operational", "partner": out / "partner"}


def test_pdf_holds_every_section_title(profiles: dict[str, Path], small_world: World) -> None:
    text = " ".join(page.extract_text() for page in PdfReader(profiles["operational"] / "profile.pdf").pages)
    html = (profiles["operational"] / "profile.html").read_text()
    titles = re.findall(r"<h2>(.*?)</h2>", html)
    assert len(titles) == len(SECTIONS)
    flat = re.sub(r"\s+", " ", text)
    for title in titles:
        assert title.replace("&amp;", "&") in flat, title
    assert "OFFICIAL-SENSITIVE" in flat


def _count_cells(html: str) -> list[str]:
    return re.findall(r'<td class="num">([^<]*)</td>', html)


def test_partner_profile_shows_no_count_under_ten(profiles: dict[str, Path]) -> None:
    html = (profiles["partner"] / "profile.html").read_text()
    cells = _count_cells(html)
    assert cells, "the partner profile has count tables"
    for cell in cells:
        if cell != "*":
            value = int(cell.replace(",", ""))
            assert value >= 10 and value % 5 == 0, cell
    assert "Statistical disclosure control applied" in html


def test_operational_profile_shows_true_counts(profiles: dict[str, Path]) -> None:
    cells = _count_cells((profiles["operational"] / "profile.html").read_text())
    assert "*" not in cells and any(int(c.replace(",", "")) % 5 for c in cells)
