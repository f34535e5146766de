"""What a report section is: titled prose, tables and charts, with disclosure control on tables.

Sections are built by functions in :mod:`sections` from stage query functions, never from raw SQL
scattered in templates, so the report and the dashboard show the same figures. A table declares
which of its columns are counts; for partner audiences those pass through
:func:`clearpicture.disclosure.protect_table` before anything is drawn or printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..disclosure import DisclosureRule, protect_table
from ..store import Store

__all__ = ["REPORT_RULE", "Context", "Section", "SectionTable", "register_section", "SECTIONS"]

#: The profile's default rule: principles.md item 8 (hidden cells never add up to a small count).
REPORT_RULE = DisclosureRule()


@dataclass
class SectionTable:
    """A table of a section. ``count_columns`` are protected for partner audiences."""

    caption: str
    columns: list[str]
    rows: list[dict[str, Any]]
    count_columns: list[str] = field(default_factory=list)
    protected_note: str | None = None
    #: label columns grouping rows into totals published elsewhere (secondary suppression per group)
    subtotals: list[str] = field(default_factory=list)
    #: rate column -> (numerator, denominator, scale, decimals): recomputed from the protected counts
    rates: dict[str, tuple[str, str, float, int]] = field(default_factory=dict)
    #: False when the count columns do not add up across a row (reviewed and flagged, people and
    #: recorded): rows then need no secondary suppression of their own
    row_totals: bool = True

    def protect(self, rule: DisclosureRule) -> SectionTable:
        """The table with counts protected and every rate worked out again from what is shown.

        A rate left as computed from the true counts would give back a suppressed count (0.00 beside
        a hidden numerator says it is 0) or undo the rounding, so rates follow the protected cells.
        """
        if not self.count_columns or not self.rows:
            return self
        labels = [c for c in self.columns if c not in self.count_columns]
        out = protect_table(self.rows, self.count_columns, labels, rule, subtotals=self.subtotals,
                            row_totals=self.row_totals)
        for row in out.rows:
            for rate, (num, den, scale, decimals) in self.rates.items():
                n, d = row.get(num), row.get(den)
                row[rate] = None if n is None or not d else round(scale * n / d, decimals)
        return SectionTable(self.caption, self.columns, out.rows, self.count_columns, out.note, self.subtotals,
                            self.rates, self.row_totals)


@dataclass
class Section:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[SectionTable] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # inline SVG
    caveats: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What every section builder receives."""

    store: Store
    audience: str  # "operational" (true counts, need-to-know) or "partner" (disclosure control)
    rule: DisclosureRule = REPORT_RULE
    facts: dict[str, Any] = field(default_factory=dict)  # figures later sections reuse

    @property
    def partner(self) -> bool:
        return self.audience == "partner"

    def table(self, t: SectionTable) -> SectionTable:
        """The table as this audience may see it."""
        return t.protect(self.rule) if self.partner else t


SectionBuilder = Callable[[Context], Section]

#: Report sections in order. A force's local section registers the same way.
SECTIONS: list[tuple[str, SectionBuilder]] = []


def register_section(section_id: str, last: bool = False) -> Callable[[SectionBuilder], SectionBuilder]:
    """Add a section; ``last`` sections (method and caveats) stay after every other one."""

    def deco(fn: SectionBuilder) -> SectionBuilder:
        SECTIONS.append((section_id, fn))
        SECTIONS.sort(key=lambda item: item[0] in _LAST)
        if last:
            _LAST.add(section_id)
            SECTIONS.sort(key=lambda item: item[0] in _LAST)
        return fn

    return deco


_LAST: set[str] = set()
