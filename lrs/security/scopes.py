"""Authorization scopes: the xAPI spec's (Communication 4.2) plus `analytics` and `admin`, and what each allows.

A credential holds scopes; a request needs a `Permission` (read or write of one resource). `POLICY` is the one
table that says which held scopes grant which permission:

    permission            granted by
    statements:write      statements/write, all
    statements:read       statements/read/mine (own statements only), statements/read, all/read, all
    statements:read-all   statements/read, all/read, all
    state:read            state, all/read, all
    state:write           state, all
    profile:read          profile, all/read, all          (activity and agent profiles)
    profile:write         profile, all
    activities:read       statements/read, all/read, all, define   (definitions come from statements)
    agents:read           statements/read, all/read, all
    define                define, all                     (stored statements update canonical definitions)
    analytics:read        analytics                       (insights API reads)
    analytics:write       analytics                       (course settings, training, feedback, interventions)
    admin                 admin                           (stores and credentials)

`all` is unrestricted xAPI access; analytics and administration are granted only by their own scopes.
A `Scope` may also be passed where a permission is expected: it is granted when held directly or implied
(`all` implies every xAPI scope, `all/read` the statement read scopes) — `state` and `profile` asked for as
scopes mean read *and* write, so `all/read` does not grant them; ask for `STATE_READ` / `PROFILE_READ` instead.
"""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    STATEMENTS_WRITE = "statements/write"
    STATEMENTS_READ = "statements/read"
    STATEMENTS_READ_MINE = "statements/read/mine"
    ALL_READ = "all/read"
    ALL = "all"
    STATE = "state"
    DEFINE = "define"
    PROFILE = "profile"
    ANALYTICS = "analytics"
    ADMIN = "admin"


class Permission(StrEnum):
    """What one request needs: read or write of one resource."""

    STATEMENTS_WRITE = "statements:write"
    STATEMENTS_READ = "statements:read"
    STATEMENTS_READ_ALL = "statements:read-all"
    STATE_READ = "state:read"
    STATE_WRITE = "state:write"
    PROFILE_READ = "profile:read"
    PROFILE_WRITE = "profile:write"
    ACTIVITIES_READ = "activities:read"
    AGENTS_READ = "agents:read"
    DEFINE = "define"
    ANALYTICS_READ = "analytics:read"
    ANALYTICS_WRITE = "analytics:write"
    ADMIN = "admin"


ALL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)

# The scopes a credential gets from the xAPI spec when none are named (Communication 4.2).
DEFAULT_SCOPES: frozenset[Scope] = frozenset({Scope.STATEMENTS_WRITE, Scope.STATEMENTS_READ_MINE})

_S = Scope
POLICY: dict[Permission, frozenset[Scope]] = {
    Permission.STATEMENTS_WRITE: frozenset({_S.STATEMENTS_WRITE, _S.ALL}),
    Permission.STATEMENTS_READ: frozenset({_S.STATEMENTS_READ_MINE, _S.STATEMENTS_READ, _S.ALL_READ, _S.ALL}),
    Permission.STATEMENTS_READ_ALL: frozenset({_S.STATEMENTS_READ, _S.ALL_READ, _S.ALL}),
    Permission.STATE_READ: frozenset({_S.STATE, _S.ALL_READ, _S.ALL}),
    Permission.STATE_WRITE: frozenset({_S.STATE, _S.ALL}),
    Permission.PROFILE_READ: frozenset({_S.PROFILE, _S.ALL_READ, _S.ALL}),
    Permission.PROFILE_WRITE: frozenset({_S.PROFILE, _S.ALL}),
    Permission.ACTIVITIES_READ: frozenset({_S.STATEMENTS_READ, _S.ALL_READ, _S.ALL, _S.DEFINE}),
    Permission.AGENTS_READ: frozenset({_S.STATEMENTS_READ, _S.ALL_READ, _S.ALL}),
    Permission.DEFINE: frozenset({_S.DEFINE, _S.ALL}),
    Permission.ANALYTICS_READ: frozenset({_S.ANALYTICS}),
    Permission.ANALYTICS_WRITE: frozenset({_S.ANALYTICS}),
    Permission.ADMIN: frozenset({_S.ADMIN}),
}

# What each held scope implies when a Scope (not a Permission) is asked for.
_IMPLIES: dict[Scope, frozenset[Scope]] = {
    Scope.ALL: frozenset(
        {
            Scope.STATEMENTS_WRITE,
            Scope.STATEMENTS_READ,
            Scope.STATEMENTS_READ_MINE,
            Scope.ALL_READ,
            Scope.STATE,
            Scope.DEFINE,
            Scope.PROFILE,
        }
    ),
    Scope.ALL_READ: frozenset({Scope.STATEMENTS_READ, Scope.STATEMENTS_READ_MINE}),
    Scope.STATEMENTS_READ: frozenset({Scope.STATEMENTS_READ_MINE}),
}


def parse_scopes(values: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    """Scope names to Scopes; an unknown name is a ValueError naming it."""
    result = set()
    for value in values:
        try:
            result.add(Scope(value))
        except ValueError:
            raise ValueError(f"unknown scope {value!r}; known scopes: {', '.join(ALL_SCOPES)}") from None
    return frozenset(result)


def known_scopes(values: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    """The xAPI scopes among `values`, ignoring the rest (identity providers add `openid`, `email`, ...)."""
    return frozenset(Scope(v) for v in values if v in _BY_NAME)


_BY_NAME = frozenset(ALL_SCOPES)


def expand(held: frozenset[Scope]) -> frozenset[Scope]:
    """Every scope that `held` grants, implied ones included."""
    result = set(held)
    for scope in held:
        result |= _IMPLIES.get(scope, frozenset())
    return frozenset(result)


def grants(held: frozenset[Scope], needed: Scope | Permission) -> bool:
    """Whether a credential holding `held` may do what `needed` names (a Permission, or a Scope held or implied)."""
    if isinstance(needed, Permission):
        return not held.isdisjoint(POLICY[needed])
    return needed in expand(held)


def granting_scopes(needed: Scope | Permission) -> frozenset[str]:
    """The scope names any one of which grants `needed` (for messages and documentation)."""
    if isinstance(needed, Permission):
        return frozenset(s.value for s in POLICY[needed])
    return frozenset(s.value for s in Scope if needed in expand(frozenset({s})))


def reads_all_statements(held: frozenset[Scope]) -> bool:
    """False when the credential may read only the statements it stored itself (`statements/read/mine`)."""
    return grants(held, Permission.STATEMENTS_READ_ALL)


def may_define(held: frozenset[Scope]) -> bool:
    """Whether statements stored with these scopes may update the canonical Activity and Agent definitions."""
    return grants(held, Permission.DEFINE)
