"""The scope policy as a table: each scope alone grants exactly the permissions written here, nothing else.

The expected table is written out independently of `lrs.security.scopes.POLICY`, so a change to the policy
must change this file too (xAPI Communication 4.2, plus `analytics` and `admin`).
"""

from __future__ import annotations

import pytest

from lrs.security.principal import Principal
from lrs.security.scopes import (
    ALL_SCOPES,
    DEFAULT_SCOPES,
    Permission,
    Scope,
    granting_scopes,
    grants,
    known_scopes,
    may_define,
    parse_scopes,
    reads_all_statements,
)

P = Permission
XAPI_READ = {P.STATEMENTS_READ, P.STATEMENTS_READ_ALL, P.STATE_READ, P.PROFILE_READ, P.ACTIVITIES_READ, P.AGENTS_READ}

EXPECTED: dict[str, set[Permission]] = {
    "statements/write": {P.STATEMENTS_WRITE},
    "statements/read/mine": {P.STATEMENTS_READ},
    "statements/read": {P.STATEMENTS_READ, P.STATEMENTS_READ_ALL, P.ACTIVITIES_READ, P.AGENTS_READ},
    "all/read": XAPI_READ,
    "all": XAPI_READ | {P.STATEMENTS_WRITE, P.STATE_WRITE, P.PROFILE_WRITE, P.DEFINE},
    "state": {P.STATE_READ, P.STATE_WRITE},
    "profile": {P.PROFILE_READ, P.PROFILE_WRITE},
    "define": {P.DEFINE, P.ACTIVITIES_READ},
    "analytics": {P.ANALYTICS_READ, P.ANALYTICS_WRITE},
    "admin": {P.ADMIN},
}


def test_the_table_covers_every_scope() -> None:
    assert set(EXPECTED) == set(ALL_SCOPES)


@pytest.mark.parametrize("scope", ALL_SCOPES)
@pytest.mark.parametrize("permission", list(Permission))
def test_each_scope_alone_grants_exactly_its_permissions(scope: str, permission: Permission) -> None:
    assert grants(frozenset({Scope(scope)}), permission) is (permission in EXPECTED[scope])


def test_no_scopes_grant_nothing() -> None:
    assert not any(grants(frozenset(), p) for p in Permission)


def test_scopes_add_up() -> None:
    held = frozenset({Scope.STATEMENTS_WRITE, Scope.STATE})
    assert {p for p in Permission if grants(held, p)} == {P.STATEMENTS_WRITE, P.STATE_READ, P.STATE_WRITE}


def test_asking_for_a_scope_means_held_or_implied() -> None:
    assert grants(frozenset({Scope.ALL}), Scope.STATE)
    assert grants(frozenset({Scope.ALL_READ}), Scope.STATEMENTS_READ_MINE)
    assert not grants(frozenset({Scope.ALL_READ}), Scope.STATE)  # a scope asked for as such means read and write
    assert not grants(frozenset({Scope.ALL}), Scope.ADMIN)
    assert not grants(frozenset({Scope.ALL}), Scope.ANALYTICS)
    assert not grants(frozenset({Scope.STATEMENTS_READ_MINE}), Scope.STATEMENTS_READ)


def test_read_mine_is_the_only_restricted_reader() -> None:
    assert not reads_all_statements(frozenset({Scope.STATEMENTS_READ_MINE}))
    for scope in (Scope.STATEMENTS_READ, Scope.ALL_READ, Scope.ALL):
        assert reads_all_statements(frozenset({scope, Scope.STATEMENTS_READ_MINE}))


def test_define_comes_from_define_or_all() -> None:
    assert may_define(frozenset({Scope.DEFINE}))
    assert may_define(frozenset({Scope.ALL}))
    assert not may_define(frozenset({Scope.STATEMENTS_WRITE, Scope.ALL_READ}))


def test_granting_scopes_name_what_would_do() -> None:
    assert granting_scopes(P.STATE_WRITE) == {"state", "all"}
    assert granting_scopes(Scope.STATEMENTS_READ_MINE) == {"statements/read/mine", "statements/read", "all/read", "all"}


def test_parse_scopes_refuses_unknown_names() -> None:
    assert parse_scopes(["all", "state"]) == {Scope.ALL, Scope.STATE}
    with pytest.raises(ValueError, match="statements/writ"):
        parse_scopes(["statements/writ"])


def test_known_scopes_ignore_foreign_ones() -> None:
    assert known_scopes(["openid", "email", "statements/write"]) == {Scope.STATEMENTS_WRITE}


def test_the_spec_default_scopes() -> None:
    assert {Scope.STATEMENTS_WRITE, Scope.STATEMENTS_READ_MINE} == DEFAULT_SCOPES


def _principal(store: str, *scopes: Scope) -> Principal:
    authority = {"objectType": "Agent", "account": {"homePage": "http://lrs.test", "name": "k"}}
    return Principal(1, store, 1, "k", frozenset(scopes), authority)


def test_principal_carries_its_authority_identity() -> None:
    assert _principal("s", Scope.ALL).authority_ifi == "account:http://lrs.test|k"


def test_operators_are_admins_of_the_default_store_only() -> None:
    assert _principal("default", Scope.ADMIN).is_operator
    assert not _principal("default", Scope.ALL).is_operator
    assert not _principal("acme", Scope.ADMIN).is_operator
