"""Language review: victim-blaming and adultifying wording in notes, with reasons and alternatives.

The public face of the stage. ``review(text)`` returns the findings in one note (for the web page
that highlights a pasted note); ``run(store)`` reviews every note in ``raw_notes``. Findings are about
the writing, for supervision and training; they never change how a child is prioritised
(principles.md, item 7), and aggregates never name an author.
"""

from __future__ import annotations

from .matcher import Finding, Matcher, default_matcher
from .rules import CATEGORIES, RulesFile, load_rules
from .stage import partner_rates, run

__all__ = ["CATEGORIES", "Finding", "Matcher", "RulesFile", "load_rules", "partner_rates", "review", "run"]


def review(text: str) -> list[Finding]:
    """Findings in one note with the shipped rules, ordered by position (offsets in characters)."""
    return default_matcher().review(text)
