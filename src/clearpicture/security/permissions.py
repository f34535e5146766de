"""Who may do what: the one permission function, ``allowed(actor, action, resource)``.

Deny by default (principles.md item 11). Every route, page, export and command-line read of
personal data asks :func:`allowed` before it reads, and writes the answer to the audit log. The
rules are a small table, not scattered ``if role == ...`` checks, so the matrix test can walk every
role against every action.

Roles:

* ``admin``: users and the audit log, and everything else;
* ``analyst``: aggregates everywhere; personal data only from the sources in its scope;
* ``national``: aggregates only, never a person's record.

This module must not touch the store or the web: it is pure, so it can be tested exhaustively.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = [
    "ACTIONS",
    "REAUTH_ACTIONS",
    "ROLES",
    "Actor",
    "Resource",
    "allowed",
    "sources_in_scope",
]

ROLES: tuple[str, ...] = ("admin", "analyst", "national")

#: Every action the product knows. An action not listed here is refused for everyone.
ACTIONS: tuple[str, ...] = (
    "read_aggregate",  # counts, rates, summaries: no person can be singled out
    "read_true_counts",  # aggregates without disclosure control (inside the need-to-know circle)
    "read_person",  # one person's record, links and notes (a consultation)
    "read_protected_fields",  # ethnicity, nationality of one record (field-level scope)
    "review_merge",  # accept or reject a suggested link
    "undo_merge",  # reverse an accepted link (needs re-authentication)
    "export_person",  # a disclosure of one person's data
    "export_bulk",  # a disclosure of many records (needs re-authentication)
    "erase",  # remove a person and every derived copy (needs re-authentication)
    "manage_users",
    "read_audit",
    "run_stage",  # run ingest, linkage and other stages
)

#: Actions that need a fresh password check (principles.md item 12).
REAUTH_ACTIONS: frozenset[str] = frozenset({"export_bulk", "erase", "undo_merge"})

#: Actions that touch personal data of a given source: an analyst needs that source in scope.
_PERSONAL: frozenset[str] = frozenset(
    {"read_person", "review_merge", "undo_merge", "export_person", "export_bulk"}
)

_RULES: dict[str, frozenset[str]] = {
    "admin": frozenset(ACTIONS),
    "analyst": frozenset(
        {"read_aggregate", "read_true_counts", "read_person", "review_merge", "undo_merge", "export_person", "export_bulk"}
    ),
    "national": frozenset({"read_aggregate"}),
}

#: How long a password check counts as fresh for the actions in REAUTH_ACTIONS.
REAUTH_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class Actor:
    """Someone acting: a signed-in user or the local operator of the command line.

    ``sources`` is the analyst's scope (source codes); ``"*"`` in it means every source.
    ``authenticated_at`` is when the password was last checked, for re-authentication.
    """

    username: str
    role: str
    sources: frozenset[str] = field(default_factory=frozenset)
    active: bool = True
    authenticated_at: datetime | None = None

    def recently_authenticated(self, now: datetime | None = None) -> bool:
        if self.authenticated_at is None:
            return False
        now = now or datetime.now(UTC).replace(tzinfo=None)
        return now - self.authenticated_at <= REAUTH_WINDOW


@dataclass(frozen=True)
class Resource:
    """What is acted on: a kind (``person``, ``summary``, ``users``, ``audit``...), and for
    personal data the source it comes from and its id."""

    kind: str
    source: str | None = None
    id: str | None = None


def _in_scope(actor: Actor, source: str | None) -> bool:
    if "*" in actor.sources:
        return True
    # Personal data without a named source could come from anywhere: only an all-source scope fits.
    return source is not None and source in actor.sources


def allowed(actor: Actor | None, action: str, resource: Resource) -> bool:
    """True only when ``actor`` may do ``action`` on ``resource``. Anything unknown is refused."""
    if actor is None or not actor.active or actor.role not in _RULES:
        return False
    if action not in _RULES[actor.role]:
        return False
    if action in REAUTH_ACTIONS and not actor.recently_authenticated():
        return False
    if actor.role == "admin":
        return True
    if action in _PERSONAL:
        return _in_scope(actor, resource.source)
    return True


def sources_in_scope(actor: Actor, all_sources: Iterable[str]) -> list[str]:
    """The sources whose personal data ``actor`` may read, for filtering lists."""
    if not allowed(actor, "read_aggregate", Resource("summary")):
        return []
    if actor.role == "admin" or "*" in actor.sources:
        return sorted(set(all_sources))
    if actor.role != "analyst":
        return []
    return sorted(set(all_sources) & actor.sources)
