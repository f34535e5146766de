"""The matcher: finds harmful wording in a note with exact character spans, fast.

Speed comes from one combined prefilter: a single regular expression built as a trie of every
rule's literal trigger terms. A note with no trigger costs one regex search and nothing else.
Only rules whose terms occurred run their own patterns, and context checks (context.py) run only
around their matches. Offsets are Unicode code points of the original text. This module must not
read files other than through :func:`clearpicture.language.rules.load_rules`, and must not touch
the store: findings are about the writing, never a score for the child.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .context import NoteContext, normalise
from .rules import Rule, RulesFile, load_rules

__all__ = ["Finding", "Matcher", "baseline_regex", "default_matcher", "trie_regex"]


@dataclass(frozen=True)
class Finding:
    """One phrase in a note: where it is, what kind of wording it is, why it harms, what to write."""

    start: int
    end: int
    text: str
    category: str
    why: str
    suggestion: str
    rule_id: str

    def as_dict(self) -> dict[str, object]:
        """The public JSON shape (interface.md, ``language --json``)."""
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "category": self.category,
            "why": self.why,
            "suggestion": self.suggestion,
        }


_Trie = dict[str, "_Trie"]


def trie_regex(terms: Iterable[str]) -> str:
    """One alternation of literal terms, factored as a trie so each position costs O(term length).

    A plain ``a|b|c`` alternation tries every branch at every position; the trie tries one
    character class per depth. Spaces in terms match any run of whitespace.
    """
    trie: _Trie = {}
    for term in sorted(set(terms)):
        node = trie
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        ends = "" in node
        branches = []
        for ch in sorted(k for k in node if k):
            piece = r"\s+" if ch == " " else re.escape(ch)
            branches.append(piece + emit(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if ends else body

    return emit(trie)


def baseline_regex(rules: RulesFile) -> re.Pattern[str]:
    """The naive detector the benchmark compares against: every literal term, no context."""
    terms = {t for r in rules.rules for t in r.terms}
    return re.compile(r"\b(?:" + trie_regex(terms) + ")", re.IGNORECASE)


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    patterns: tuple[re.Pattern[str], ...]
    why: str
    suggestion: str


class Matcher:
    """Compiled rules: call :meth:`review` on a note to get its findings."""

    def __init__(self, rules: RulesFile) -> None:
        self.rules = rules
        self.version = rules.version
        self._compiled = [
            _CompiledRule(r, (_combine(rules.compiled_patterns(r)),), " ".join(r.why.split()),
                          " ".join(r.suggestion.split()))
            for r in rules.rules
        ]
        by_term: dict[str, set[int]] = {}
        for i, r in enumerate(rules.rules):
            for term in r.terms:
                by_term.setdefault(term, set()).add(i)
        # a hit is the longest term at a position; every shorter term that prefixes it counts too
        self._rules_for_hit: dict[str, tuple[int, ...]] = {}
        for term in by_term:
            idx: set[int] = set()
            for other, rule_ids in by_term.items():
                if term.startswith(other):
                    idx |= rule_ids
            self._rules_for_hit[term] = tuple(sorted(idx))
        self.prefilter = re.compile(r"\b" + trie_regex(by_term))

    def candidate_rules(self, low: str) -> list[int]:
        """Indexes of rules whose trigger terms occur in the normalised note."""
        found: set[int] = set()
        for m in self.prefilter.finditer(low):
            found.update(self._rules_for_hit.get(" ".join(m.group(0).split()), ()))
        return sorted(found)

    def review(self, text: str) -> list[Finding]:
        """Findings in ``text``, ordered by position; one per phrase and category."""
        low = normalise(text)
        hits = self.prefilter.finditer(low)
        first = next(hits, None)
        if first is None:  # the common case: one regex pass and done
            return []
        ctx = NoteContext(low)
        # each candidate rule runs only over the sentences where one of its terms occurred
        windows: dict[int, set[tuple[int, int]]] = {}
        for m in (first, *hits):
            span = ctx.sentence(m.start(), m.end())
            for i in self._rules_for_hit.get(" ".join(m.group(0).split()), ()):
                windows.setdefault(i, set()).add(span)
        raw: list[Finding] = []
        seen: set[tuple[int, int, int]] = set()
        for i in sorted(windows):
            cr = self._compiled[i]
            for ws, we in sorted(windows[i]):
                for pattern in cr.patterns:
                    for m in pattern.finditer(low, ws, we):
                        key = (i, m.start(), m.end())
                        if key in seen:
                            continue
                        seen.add(key)
                        start, end = _highlight(m)
                        if self._cancelled(cr.rule, ctx, m.start(), m.end(), start):
                            continue
                        raw.append(
                            Finding(start, end, text[start:end], cr.rule.category, cr.why, cr.suggestion, cr.rule.id)
                        )
        return _dedupe(raw)

    @staticmethod
    def _cancelled(rule: Rule, ctx: NoteContext, mstart: int, mend: int, hstart: int) -> bool:
        c = rule.context
        # cheapest and most often decisive first; every check is needed only until one cancels
        if c.older_party and not ctx.older_party(mstart, mend):
            return True
        if c.negation and ctx.negated(mstart):
            return True
        if c.adult_subject and ctx.adult_subject(mstart, hstart):
            return True
        if c.attribution and (ctx.attributed(mstart, mend) or ctx.quoted(mstart, mend)):
            return True
        if c.correction and ctx.correcting(mstart, mend):
            return True
        return bool(c.adult_age and ctx.adult_ages_only(mstart, mend))


def _combine(patterns: list[str]) -> re.Pattern[str]:
    """One regex for all of a rule's patterns: one scan of a sentence instead of one per pattern.

    Each pattern's ``hit`` group is renamed ``hit<i>`` (a name may appear only once in a regex).
    """
    parts = [p.replace("(?P<hit>", f"(?P<hit{i}>") for i, p in enumerate(patterns)]
    return re.compile("|".join(f"(?:{p})" for p in parts))


def _highlight(m: re.Match[str]) -> tuple[int, int]:
    """The span to highlight: the matched pattern's ``hit`` group when it has one, else the match."""
    for name, value in m.groupdict().items():
        if value is not None and name.startswith("hit"):
            return m.span(name)
    return m.span()


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Keep one finding per overlapping phrase within a category (the longest, then the first)."""
    findings.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for f in findings:
        if any(k.category == f.category and k.start < f.end and f.start < k.end for k in kept):
            continue
        kept.append(f)
    return kept


@lru_cache(maxsize=4)
def _matcher_for(path: str | None) -> Matcher:
    return Matcher(load_rules(path))


def default_matcher(path: str | Path | None = None) -> Matcher:
    """The matcher for the shipped rules (or a given rules file), compiled once per process."""
    return _matcher_for(str(path) if path is not None else None)
