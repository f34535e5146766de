"""Reading configuration files (mappings, definitions, rules, checklists, thresholds).

Every loader reads YAML the same way and reports an unreadable file or broken YAML in the same
one line, naming the file and the line. Validation of the content stays with each loader, which
knows its own keys. This module must not know about any particular configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

__all__ = ["parse_yaml", "read_yaml"]


def parse_yaml(text: str, path: str | Path) -> Any:
    """Parse YAML text; a ConfigError names the file and the line of the first problem."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        detail = f" ({problem})" if problem else ""
        raise ConfigError(f"{path}: not valid YAML{where}{detail}") from exc


def read_yaml(path: str | Path, what: str) -> Any:
    """Read and parse a YAML file; ``what`` names the kind of file in the error ("checklist")."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ConfigError(f"{p}: cannot read {what} ({reason})") from exc
    return parse_yaml(text, p)
