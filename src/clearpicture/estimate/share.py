"""Estimates as partners and the public may see them: capture patterns under disclosure control.

The capture-pattern table (how many children each combination of agencies knows) is a table of
small counts about children; shown outside the need-to-know circle it passes through
:func:`clearpicture.disclosure.protect_table` (principles.md item 8): every one of the 2^k - 1
patterns is listed, zeros included (an absent row would say "0"), counts under the threshold are
suppressed, further cells are suppressed so that no hidden cell follows from a row or column total
(and so that the hidden cells of a line never add up to a small count themselves), and the rest are
rounded. With strata the grid is patterns by strata plus the ``all`` column, so
the stratum cells cannot be recovered from the all-strata counts either.

The rest of the estimate document is made safe alongside: the observed total is protected like
any count, modelled figures are rounded to the same base, AIC/BIC and per-model unobserved counts
(exact functions of the cells, enough to solve for them across many models) are dropped, and
warnings that quote small counts are replaced by the same warning without the number.

This module is pure: it takes documents and counts and returns new ones; it must not read the
store and must not change what internal users see.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..disclosure import DisclosureRule, ProtectedTable, protect_count, protect_table

__all__ = ["all_patterns", "partner_document", "partner_models", "partner_result_row", "partner_warnings",
           "protected_patterns"]

_RULE = DisclosureRule()
#: Warning texts that quote counts, and the same warning without them.
_GENERIC = (
    (re.compile(r"^only \d+ cases were observed"), "few cases were observed: any estimate of the "
                                                    "unseen number is very uncertain"),
    (re.compile(r"pair\(s\) of lists share no case"), "some pairs of lists share few or no cases: interactions "
                                                       "between them cannot be estimated"),
    (re.compile(r"observed patterns hold only 1 or 2 cases"), "most observed patterns hold very few cases: the fit "
                                                                "rests on a few people"),
    (re.compile(r"bootstrap replicates could not be fitted"), "some bootstrap replicates could not be fitted"),
    (re.compile(r"^the estimate [\d,.]+ lies outside the reported"), "the estimate lies outside the reported "
                                                                     "interval: the chosen model is not the one "
                                                                     "the interval's weights favour"),
    (re.compile(r"hold no case: they add nothing"), "some lists hold few or no cases: they add little to the "
                                                     "estimate"),
    (re.compile(r"models within 2 \w+ units of the chosen one give totals"), "models almost as good as the chosen "
                                                                            "one give quite different totals: the "
                                                                            "choice of model drives the answer"),
)


def all_patterns(n_lists: int) -> list[str]:
    """Every non-empty capture pattern over ``n_lists`` lists, in a fixed order (first list first)."""
    return ["".join(bits) for bits in itertools.product("10", repeat=n_lists) if "1" in bits]


def protected_patterns(lists: Sequence[str], counts: Mapping[str, Mapping[str, int]],
                       rule: DisclosureRule = _RULE) -> ProtectedTable:
    """The pattern grid for partners: one row per pattern, one count column per stratum.

    ``counts`` maps stratum name to {pattern: count}; ``"all"`` alone when unstratified. With
    strata, the ``all`` column is the row total and is protected together with the strata, so
    secondary suppression covers it. Rows: ``{"pattern": "1010", "lists": "police+health", <stratum>: n|None}``.
    """
    strata = sorted(s for s in counts if s != "all") or []
    columns = [*strata, "all"] if strata else ["all"]
    whole: dict[str, int] = {}
    for s in strata:
        for p, n in counts[s].items():
            whole[p] = whole.get(p, 0) + int(n)
    if not strata:
        whole = {p: int(n) for p, n in counts.get("all", {}).items()}
    rows: list[dict[str, Any]] = []
    for p in all_patterns(len(lists)):
        row: dict[str, Any] = {"pattern": p, "lists": "+".join(name for name, bit in zip(lists, p, strict=True)
                                                             if bit == "1")}
        for s in strata:
            row[s] = int(counts[s].get(p, 0))
        row["all"] = whole.get(p, 0)
        rows.append(row)
    table = protect_table(rows, columns, ["pattern", "lists"], rule)
    if rule.secondary:
        _protect_hidden_sums(rows, columns, table, rule)
    return table


def _protect_hidden_sums(rows: list[dict[str, Any]], columns: list[str], table: ProtectedTable,
                         rule: DisclosureRule) -> None:
    """Hide more cells until, in every row and column, the hidden cells add up to the threshold or more.

    Secondary suppression leaves at least two hidden cells per line, but when they are all small
    (zeros, typically) their sum, worked out from the line's total, is itself a small count: "these
    two patterns hold no child". The smallest visible cell of such a line is hidden too (and the
    two-per-line rule kept), as is common practice for groups of suppressed cells.
    """
    cells = {(i, c): int(r.get(c) or 0) for i, r in enumerate(rows) for c in columns}
    hidden = {(i, c) for i, c in table.suppressed}
    lines = [[(i, c) for c in columns] for i in range(len(rows))] if len(columns) > 1 else []
    lines += [[(i, c) for i in range(len(rows))] for c in columns]
    changed = True
    while changed:
        changed = False
        for line in lines:
            inside = [p for p in line if p in hidden]
            if not inside:
                continue
            if len(inside) == 1 or sum(cells[p] for p in inside) < rule.threshold:
                free = [p for p in line if p not in hidden]
                if free:
                    hidden.add(min(free, key=lambda p: (cells[p], str(p))))
                    changed = True
    for i, c in hidden - table.suppressed:
        table.rows[i][c] = None
    table.suppressed = hidden


def partner_warnings(warnings: Sequence[str]) -> list[str]:
    """Warnings without the small counts some of them quote (stratum prefixes kept)."""
    out: list[str] = []
    for w in warnings:
        prefix, _, text = w.partition(": ") if re.match(r"^[\w+ -]{1,40}: (only|\d)", w) else ("", "", w)
        for pattern, generic in _GENERIC:
            if pattern.search(text):
                text = generic
                break
        line = f"{prefix}: {text}" if prefix else text
        if line not in out:
            out.append(line)
    return out


def _round(x: Any, base: int) -> Any:
    if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
        return int(base * round(float(x) / base)) if base > 1 else round(float(x))
    return None if isinstance(x, float) else x


def _model_row(m: Mapping[str, Any], base: int) -> dict[str, Any]:
    keep = {k: m[k] for k in ("stratum", "model", "terms", "admissible", "reason", "k", "chosen") if k in m}
    return keep | {"estimate": _round(m.get("estimate"), base)}


def _one(doc: Mapping[str, Any], rule: DisclosureRule) -> dict[str, Any]:
    """One estimate (whole or stratum) as partners see it."""
    base = rule.rounding
    out: dict[str, Any] = {k: v for k, v in doc.items()
                           if k not in ("observed", "estimate", "lower", "upper", "unobserved", "models",
                                        "intervals", "warnings", "strata", "unstratified", "error", "steps")}
    observed = doc.get("observed")
    out["observed"] = protect_count(int(observed), rule) if isinstance(observed, int) else None
    for k in ("estimate", "lower", "upper"):
        out[k] = _round(doc.get(k), base)
    if out["estimate"] is not None and out["observed"] is not None:
        out["unobserved"] = max(out["estimate"] - out["observed"], 0)
    else:
        out["unobserved"] = None
    out["models"] = [_model_row(m, base) for m in doc.get("models", [])]
    if doc.get("steps"):  # which pair each step added; its statistics are functions of the cells
        out["steps"] = [{k: v for k, v in st.items() if k in ("step", "pair", "added", "stop")}
                        for st in doc["steps"]]
    if "intervals" in doc:
        out["intervals"] = {name: {"method": iv.get("method"), "level": iv.get("level"),
                                   "lower": _round(iv.get("lower"), base), "upper": _round(iv.get("upper"), base)}
                            for name, iv in doc["intervals"].items()}
    out["warnings"] = partner_warnings(doc.get("warnings", []))
    if "error" in doc:
        out["error"] = "this stratum could not be estimated"
    if "unstratified" in doc:
        out["unstratified"] = {k: _round(v, base) if k != "model" else v for k, v in doc["unstratified"].items()}
    return out


def partner_result_row(row: Mapping[str, Any], rule: DisclosureRule = _RULE) -> dict[str, Any]:
    """One ``estimate_results`` row for partners (report and dashboard): protected observed count,
    rounded modelled figures, warnings (a JSON list) without the small counts they quote."""
    import json  # noqa: PLC0415 - only this helper handles the stored JSON text

    out = dict(row)
    observed = row.get("observed")
    out["observed"] = protect_count(int(observed), rule) if observed is not None else None
    for k in ("estimate", "lower", "upper"):
        if k in row:
            out[k] = _round(row[k], rule.rounding)
    if "unobserved" in row:
        out["unobserved"] = (max(out["estimate"] - out["observed"], 0)
                             if out.get("estimate") is not None and out["observed"] is not None else None)
    if isinstance(row.get("warnings"), str):
        out["warnings"] = json.dumps(partner_warnings(json.loads(row["warnings"] or "[]")))
    return out


def partner_models(models: Sequence[Mapping[str, Any]], rule: DisclosureRule = _RULE) -> list[dict[str, Any]]:
    """Candidate models for partners: estimates rounded, fit statistics (functions of the cells) left out."""
    return [{k: v for k, v in m.items() if k not in ("aic", "bic", "unobserved", "deviance")}
            | {"estimate": _round(m.get("estimate"), rule.rounding), "aic": None, "bic": None} for m in models]


def partner_document(doc: Mapping[str, Any], counts: Mapping[str, Mapping[str, int]] | None = None,
                     rule: DisclosureRule = _RULE) -> dict[str, Any]:
    """The ``estimate`` document for a partner audience, with the protected pattern grid.

    ``counts``: pattern counts by stratum (as stored in ``estimate_patterns``); without them the
    document carries no pattern table. An estimate whose observed total is itself under the
    threshold is withheld (only the note and the reason are left): a model's output is a
    function of the cells and would give small numbers away.
    """
    out = _one(doc, rule)
    if "strata" in doc:
        out["strata"] = [_one(s, rule) for s in doc["strata"]]
    out["audience"] = "partner"
    out["note"] = rule.note() + " Modelled figures are rounded to the nearest " \
        f"{rule.rounding}; model fit statistics are not shown."
    observed = doc.get("observed")
    if isinstance(observed, int) and observed < rule.threshold:
        return {k: out[k] for k in ("audience", "note", "lists", "definition", "evidence") if k in out} | {
            "observed": None, "estimate": None, "lower": None, "upper": None, "models": [],
            "warnings": ["too few victims are recorded for an estimate to be shared"]}
    if counts is not None and doc.get("lists"):
        table = protected_patterns(list(doc["lists"]), counts, rule)
        out["patterns"] = table.rows
        out["pattern_totals"] = table.column_totals
    for s in out.get("strata", []):
        if s.get("observed") is None:  # a stratum under the threshold: no modelled figures for it
            s.update({"estimate": None, "lower": None, "upper": None, "unobserved": None, "models": [],
                      "intervals": {}})
    return out
