"""Authorization scopes: the xAPI spec's (Communication 4.2) plus `analytics` and `admin`.

A request names the one scope it needs; `grants` says whether a credential's scopes cover it.
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


ALL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)

# What each held scope also grants. `all` covers every xAPI resource, not analytics or administration.
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


def expand(held: frozenset[Scope]) -> frozenset[Scope]:
    """Every scope that `held` grants, implied ones included."""
    result = set(held)
    for scope in held:
        result |= _IMPLIES.get(scope, frozenset())
    return frozenset(result)


def grants(held: frozenset[Scope], needed: Scope) -> bool:
    return needed in expand(held)


def reads_all_statements(held: frozenset[Scope]) -> bool:
    """False when the credential may read only the statements it stored itself (`statements/read/mine`)."""
    return Scope.STATEMENTS_READ in expand(held)
