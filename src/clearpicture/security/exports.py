"""Helpers for anything that leaves the system: marking, pseudonyms, safe cells, the disclosure row.

Every export or download is a disclosure (principles.md item 9): it is allowed or refused by
:func:`~.permissions.allowed`, logged with the recipient and justification, carries the
OFFICIAL-SENSITIVE marking, and can be pseudonymised. Exporters (entities, networks, profiles,
web downloads) call these helpers rather than re-implementing them:

* :func:`authorise_disclosure` checks permission and writes the one disclosure row;
* :func:`pseudonymise` replaces an identifier with a keyed HMAC-SHA256 pseudonym (key from
  ``CLEARPICTURE_PSEUDONYM_KEY``), stable across exports with the same key, so recipients can
  join their files without seeing identifiers;
* :func:`safe_cell` neutralises spreadsheet formula injection in CSV and XLSX cells;
* :func:`write_csv` writes a marked, safe (and optionally pseudonymised) CSV.

This module must not choose what is exported; it only makes an export safe and accountable.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import AccessDenied, ConfigError, InputError
from ..store import Store
from . import audit
from .permissions import Actor, Resource, allowed

__all__ = [
    "MARKING",
    "PSEUDONYM_KEY_ENV",
    "authorise_disclosure",
    "pseudonym_key",
    "pseudonymise",
    "pseudonymise_rows",
    "safe_cell",
    "write_csv",
]

MARKING = "OFFICIAL-SENSITIVE"
PSEUDONYM_KEY_ENV = "CLEARPICTURE_PSEUDONYM_KEY"
_MIN_KEY = 16
#: Characters that make a spreadsheet treat a cell as a formula (ASCII and full-width forms),
#: plus tab and carriage return that some programs use to start a new cell (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def pseudonym_key() -> bytes:
    """The pseudonymisation key from the environment; refuses a missing or short key."""
    key = os.environ.get(PSEUDONYM_KEY_ENV, "")
    if len(key) < _MIN_KEY:
        raise ConfigError(
            f"{PSEUDONYM_KEY_ENV}: set it to a secret of at least {_MIN_KEY} characters to pseudonymise exports"
        )
    return key.encode()


def pseudonymise(value: str | None, key: bytes | None = None, *, kind: str = "") -> str | None:
    """``ps_`` + the first 128 bits of HMAC-SHA256(key, kind + value), hex. None stays None.

    ``kind`` separates namespaces (a person id and an object id that happen to be equal get
    different pseudonyms). The same key gives the same pseudonym in every export.
    """
    if value is None:
        return None
    digest = hmac.new(key or pseudonym_key(), f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    return "ps_" + digest[:32]


def pseudonymise_rows(
    rows: Iterable[Mapping[str, Any]], columns: Mapping[str, str] | Sequence[str], key: bytes | None = None
) -> list[dict[str, Any]]:
    """Rows with the named columns pseudonymised. ``columns`` maps column -> kind, or lists columns.

    A person is identified by source *and* id, so for a ``person_id`` column the source is mixed in
    when the row has one: equal ids in two sources get different pseudonyms.
    """
    kinds = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    k = key or pseudonym_key()
    out: list[dict[str, Any]] = []
    for row in rows:
        new = dict(row)
        for column, kind in kinds.items():
            if column in new and new[column] is not None:
                scope = f"{kind}:{row.get('source', '')}" if column != "source" else kind
                new[column] = pseudonymise(str(new[column]), k, kind=scope)
        out.append(new)
    return out


def safe_cell(value: Any) -> Any:
    """A cell value that a spreadsheet will not run as a formula; non-text values pass unchanged.

    Text starting (after any spaces) with ``= + - @``, a tab or carriage return, or their
    full-width forms, gets a leading apostrophe, which spreadsheets show as text.
    """
    if not isinstance(value, str):
        return value
    if value.lstrip(" ").startswith(_FORMULA_START):
        return "'" + value
    return value


def authorise_disclosure(
    store: Store,
    actor: Actor,
    *,
    what: Mapping[str, Any],
    recipient: str,
    justification: str,
    sources: Sequence[str] | None = None,
    persons: Sequence[tuple[str, str]] | None = None,
) -> int:
    """Check and log one disclosure; returns its log row. Refusals are logged, then raised.

    A disclosure naming ``persons`` is checked per person's source (``export_person``, or
    ``export_bulk`` for more than one); otherwise it is a bulk export of ``sources`` (``["*"]``
    for all). The log row keeps the recipient, the justification, the sources and the persons by
    keyed reference, so a later erasure can name whom to tell.
    """
    recipient = " ".join(recipient.split())
    justification = " ".join(justification.split())
    if not recipient or not justification:
        raise InputError("disclosure: a recipient and a justification are required")
    doc: dict[str, Any] = dict(what)
    action = "export_bulk" if (persons is None or len(persons) > 1) else "export_person"
    if persons is not None:
        doc["persons"] = list(persons)
        scopes = sorted({s for s, _ in persons})
    else:
        scopes = sorted(sources or ["*"])
        doc["sources"] = scopes
    ok = all(allowed(actor, action, Resource("person", None if s == "*" else s)) for s in scopes or ["*"])
    seq = audit.record(store, actor, "disclosure", doc, justification=justification, recipient=recipient,
                       allowed=ok)
    if not ok:
        raise AccessDenied(f"disclosure: {actor.username} may not export this (role, scope or re-authentication)")
    return seq


def write_csv(
    path: str | os.PathLike[str],
    header: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    *,
    pseudonymise_columns: Mapping[str, str] | Sequence[str] = (),
    marking_row: bool = True,
) -> Path:
    """Write a CSV for disclosure: a marking row first (unless off), formula-safe cells, pseudonyms."""
    out = Path(path)
    data: Iterable[Mapping[str, Any]] = (
        pseudonymise_rows(rows, pseudonymise_columns) if pseudonymise_columns else rows
    )
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if marking_row:
            writer.writerow([MARKING])
        writer.writerow([safe_cell(h) for h in header])
        for row in data:
            writer.writerow([safe_cell(row.get(h)) for h in header])
    return out
