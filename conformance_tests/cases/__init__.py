"""Tables of statement fragments (valid and invalid) and the places in a statement they go.

A `Case` is one fragment plus the requirement it exercises; a `Slot` puts a fragment somewhere in
an otherwise valid statement (the actor, a Group member, a SubStatement's object, ...). Crossing
the two gives one distinct check per (fragment, place): an LRS that validates an Agent as the actor
but not as the instructor fails exactly the instructor checks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance_tests.factory import Factory
from conformance_tests.requirements import ALL_VERSIONS, requirement

Builder = Callable[[Factory], Any]
Placer = Callable[[Factory, Any], dict[str, Any]]


def const(value: Any) -> Builder:
    """A builder that returns a fresh deep copy of a fixed JSON value."""
    return lambda _factory: copy.deepcopy(value)


@dataclass(frozen=True)
class Case:
    """One fragment and the requirement it exercises."""

    name: str
    section: str
    text: str
    build: Builder
    versions: frozenset[str] = ALL_VERSIONS
    level: str | None = None
    core: bool = False  # also crossed with the secondary slots

    def value(self, factory: Factory) -> Any:
        """A fresh instance of the fragment."""
        return self.build(factory)


@dataclass(frozen=True)
class Slot:
    """A place in a valid statement where a fragment can be put."""

    name: str
    place: Placer
    versions: frozenset[str] = field(default=ALL_VERSIONS)


def params(cases: Iterable[Case], slots: Iterable[Slot], *, core_only: bool = False) -> list[Any]:
    """pytest params crossing cases with slots; each carries its case's requirement mark."""
    out: list[Any] = []
    slot_list = list(slots)
    for case in cases:
        if core_only and not case.core:
            continue
        for slot in slot_list:
            versions = case.versions & slot.versions
            if not versions:
                continue
            mark = requirement(case.section, case.text, versions=versions, level=case.level)
            out.append(pytest.param(case, slot, id=f"{slot.name}:{case.name}", marks=mark))
    return out


def single(cases: Iterable[Case]) -> list[Any]:
    """pytest params of cases used on their own (the case builds the whole thing)."""
    return [
        pytest.param(
            case, id=case.name, marks=requirement(case.section, case.text, versions=case.versions, level=case.level)
        )
        for case in cases
    ]
