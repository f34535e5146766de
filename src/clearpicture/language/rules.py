"""Language rules as data: the versioned YAML rules file, its pydantic model and its loader.

A rule says which words harm (patterns over word forms plus the literal trigger terms the fast
prefilter looks for), why, what a child-centred writer would put instead, where the guidance comes
from, and which context checks apply. This module only loads and validates; it must not match text
(that is :mod:`clearpicture.language.matcher`) and it must not read the store.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..configfile import read_yaml
from ..errors import ConfigError

__all__ = ["CATEGORIES", "Context", "Rule", "RulesFile", "default_rules_path", "load_rules"]

#: The detector categories (language-guidance.md, "Terms and constructions"). A rules file may
#: describe them but not invent others: aggregates and the evaluation are keyed by these names.
CATEGORIES: tuple[str, ...] = (
    "choice_consent",
    "putting_self_at_risk",
    "sexualised_label",
    "transactional_prostitution",
    "relationship_framing",
    "adultification",
    "blame_behaviour",
    "credibility_attitude",
    "minimising",
    "terminology",
)

_MACRO = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Context(_Strict):
    """Which context checks can cancel a match of this rule (see context.py for each)."""

    negation: bool = True  # "there is no suggestion she consented"
    attribution: bool = True  # "he claims it was consensual"; quotation marks
    correction: bool = True  # "the earlier note said 'promiscuous'; this has been amended"
    adult_subject: bool = True  # "the 34-year-old woman is a sex worker"
    adult_age: bool = False  # exempt when the sentence gives only adult ages ("young woman, 22")
    older_party: bool = False  # needs an adult or markedly older other party in the sentence


class Source(_Strict):
    title: str = Field(min_length=3)
    url: str = ""


class Category(_Strict):
    label: str = Field(min_length=3)
    description: str = Field(min_length=3)


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")
    category: str
    terms: list[str] = Field(min_length=1)
    patterns: list[str] = Field(min_length=1)
    why: str = Field(min_length=20)
    suggestion: str = Field(min_length=20)
    sources: list[str] = Field(min_length=1)
    context: Context = Context()
    examples: list[str] = Field(default_factory=list)
    counter_examples: list[str] = Field(default_factory=list)

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}; expected one of {', '.join(CATEGORIES)}")
        return value

    @field_validator("terms")
    @classmethod
    def _lower_terms(cls, value: list[str]) -> list[str]:
        for term in value:
            if not term.strip() or term != term.lower() or term != " ".join(term.split()):
                raise ValueError(f"term {term!r} must be lower case, non-empty, single-spaced")
        return value


class RulesFile(_Strict):
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str
    sources: dict[str, Source]
    categories: dict[str, Category]
    macros: dict[str, str] = Field(default_factory=dict)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self) -> RulesFile:
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            if rule.id in seen:
                raise ValueError(f"rules[{i}].id: duplicate rule id {rule.id!r}")
            seen.add(rule.id)
            for src in rule.sources:
                if src not in self.sources:
                    raise ValueError(f"rules[{i}].sources: {src!r} is not listed under sources")
            for j, pattern in enumerate(rule.patterns):
                try:
                    re.compile(expand_macros(pattern, self.macros))
                except (re.error, KeyError) as exc:
                    raise ValueError(f"rules[{i}].patterns[{j}]: {exc}") from exc
        missing = [c for c in CATEGORIES if c not in self.categories]
        if missing:
            raise ValueError(f"categories: missing {', '.join(missing)}")
        return self

    def compiled_patterns(self, rule: Rule) -> list[str]:
        """The rule's patterns with macros expanded (still engine-free strings)."""
        return [expand_macros(p, self.macros) for p in rule.patterns]


def expand_macros(pattern: str, macros: dict[str, str]) -> str:
    """Replace ``{NAME}`` by the macro's text; an unknown name raises KeyError."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            raise KeyError(f"unknown macro {{{name}}}")
        return macros[name]

    return _MACRO.sub(sub, pattern)


def default_rules_path() -> Path:
    """The rules file shipped inside the package."""
    return Path(str(resources.files("clearpicture.language") / "data" / "rules.yaml"))


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_rules(path: str | Path | None = None) -> RulesFile:
    """Load and validate a rules file; any problem is one ConfigError naming file and key."""
    return _load_cached(str(path) if path is not None else str(default_rules_path()))


@lru_cache(maxsize=8)
def _load_cached(path: str) -> RulesFile:
    data = read_yaml(path, "rules file")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping of version, sources, categories, rules")
    try:
        return RulesFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        loc = _loc(tuple(err["loc"]))
        # cross-check messages carry their own key ("rules[3].patterns[0]: ...")
        if loc == "(top level)" and re.match(r"^[a-z_]+[\[.]", msg):
            loc, _, msg = msg.partition(": ")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ConfigError(f"{path}: {loc}: {msg}{more}") from exc
