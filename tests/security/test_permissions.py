"""The permission rules: deny by default, scope by source, re-authentication for sensitive actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clearpicture.security.permissions import (
    ACTIONS,
    REAUTH_ACTIONS,
    Actor,
    Resource,
    allowed,
    sources_in_scope,
)

# Import time can be minutes before a test runs in a long suite: the re-authentication window is
# five minutes, so the "recent" admin below is made fresh by the autouse fixture for every test.
NOW = datetime.now(UTC).replace(tzinfo=None)
ADMIN = Actor("a", "admin", authenticated_at=NOW)
ANALYST = Actor("b", "analyst", frozenset({"PF1"}), authenticated_at=NOW)
NATIONAL = Actor("c", "national", authenticated_at=NOW)
PERSON_PF1 = Resource("person", "PF1", "x")


@pytest.fixture(autouse=True)
def _fresh_password_check() -> None:
    global ADMIN, NOW
    NOW = datetime.now(UTC).replace(tzinfo=None)
    ADMIN = Actor("a", "admin", authenticated_at=NOW)
PERSON_LA1 = Resource("person", "LA1", "x")


@pytest.mark.parametrize("action", ACTIONS)
def test_admin_may_do_every_known_action(action: str) -> None:
    assert allowed(ADMIN, action, PERSON_LA1)


def test_unknown_action_and_unknown_role_are_refused() -> None:
    assert not allowed(ADMIN, "drop_tables", PERSON_PF1)
    assert not allowed(Actor("x", "superuser", frozenset({"*"}), authenticated_at=NOW), "read_aggregate",
                       Resource("summary"))
    assert not allowed(None, "read_aggregate", Resource("summary"))


def test_disabled_actor_may_do_nothing() -> None:
    off = Actor("a", "admin", active=False, authenticated_at=NOW)
    assert not any(allowed(off, a, PERSON_PF1) for a in ACTIONS)


def test_analyst_reads_people_only_in_scope() -> None:
    assert allowed(ANALYST, "read_person", PERSON_PF1)
    assert not allowed(ANALYST, "read_person", PERSON_LA1)
    assert not allowed(ANALYST, "read_person", Resource("person"))  # no source: could be any
    assert allowed(ANALYST, "read_aggregate", Resource("summary"))
    assert not allowed(ANALYST, "erase", PERSON_PF1)
    assert not allowed(ANALYST, "manage_users", Resource("users"))
    assert not allowed(ANALYST, "read_audit", Resource("audit"))


def test_national_sees_aggregates_only() -> None:
    assert allowed(NATIONAL, "read_aggregate", Resource("summary"))
    assert [a for a in ACTIONS if allowed(NATIONAL, a, PERSON_PF1)] == ["read_aggregate"]


@pytest.mark.parametrize("action", sorted(REAUTH_ACTIONS))
def test_sensitive_actions_need_a_recent_password_check(action: str) -> None:
    stale = Actor("a", "admin", frozenset(), authenticated_at=NOW - timedelta(hours=1))
    never = Actor("a", "admin")
    assert not allowed(stale, action, PERSON_PF1)
    assert not allowed(never, action, PERSON_PF1)
    assert allowed(ADMIN, action, PERSON_PF1)
    assert allowed(stale, "read_person", PERSON_PF1)


def test_sources_in_scope_filters_by_role() -> None:
    codes = ["PF1", "LA1", "NHS1"]
    assert sources_in_scope(ADMIN, codes) == ["LA1", "NHS1", "PF1"]
    assert sources_in_scope(ANALYST, codes) == ["PF1"]
    assert sources_in_scope(NATIONAL, codes) == []
