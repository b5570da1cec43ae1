"""Every check names the spec requirement it verifies, so a failure says exactly what to fix.

A check carries one `Requirement` (section id, short MUST/SHOULD text, level, the xAPI versions it
applies to) as the `requirement` pytest marker, set with `@requirement(...)` on a test or with
`marks=requirement(...)` on one parametrized case. Section ids follow the 1.0.3 document layout
("Data 2.4.2.1", "Communication 2.3"); rules that only exist in 2.0 use "xAPI 2.0 ...".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import pytest

from conformance_tests.settings import SUPPORTED_VERSIONS

MARKER: Final = "requirement"
ALL_VERSIONS: Final = frozenset(SUPPORTED_VERSIONS)
ONLY_1_0_3: Final = frozenset({"1.0.3"})
ONLY_2_0: Final = frozenset({"2.0.0"})

SECTION_TITLES: Final[dict[str, str]] = {
    "Data 2.2": "Formatting requirements",
    "Data 2.3.1": "Statement immutability and comparison",
    "Data 2.3.2": "Voiding",
    "Data 2.4": "Statement properties",
    "Data 2.4.1": "Statement id",
    "Data 2.4.2.1": "Actor: Agent",
    "Data 2.4.2.2": "Actor: Group",
    "Data 2.4.2.3": "Inverse Functional Identifiers",
    "Data 2.4.2.4": "Account object",
    "Data 2.4.3": "Verb",
    "Data 2.4.4": "Object",
    "Data 2.4.4.1": "Object: Activity",
    "Data 2.4.4.1 Interactions": "Object: interaction activities",
    "Data 2.4.4.2": "Object: Agent or Group",
    "Data 2.4.4.3": "Object: StatementRef",
    "Data 2.4.4.3 SubStatement": "Object: SubStatement",
    "Data 2.4.5": "Result",
    "Data 2.4.5.1": "Result: score",
    "Data 2.4.6": "Context",
    "Data 2.4.6.2": "Context: contextActivities",
    "Data 2.4.7": "Timestamp",
    "Data 2.4.8": "Stored",
    "Data 2.4.9": "Authority",
    "Data 2.4.10": "Version",
    "Data 2.4.11": "Attachments",
    "Data 2.5": "Retrieval of statements (StatementResult, more)",
    "Data 2.6": "Signed statements",
    "Data 4.1": "Extensions",
    "Data 4.2": "Language maps",
    "Data 4.3": "IRIs",
    "Data 4.4": "UUIDs",
    "Data 4.5": "ISO 8601 timestamps",
    "Data 4.6": "ISO 8601 durations",
    "Communication 1.1": "HEAD requests",
    "Communication 1.3": "Alternate request syntax",
    "Communication 1.4": "Encoding",
    "Communication 1.5.1": "Content type application/json",
    "Communication 1.5.2": "Content type multipart/mixed",
    "Communication 2.1.1": "PUT statements",
    "Communication 2.1.2": "POST statements",
    "Communication 2.1.3": "GET statements",
    "Communication 2.1.3 Filters": "GET statements: filters",
    "Communication 2.1.3 Formats": "GET statements: format and attachments",
    "Communication 2.1.3 StatementRefs": "GET statements: StatementRef filter rule",
    "Communication 2.1.4": "Voided statements",
    "Communication 2.2": "Document resources",
    "Communication 2.3": "State resource",
    "Communication 2.4": "Agents resource",
    "Communication 2.5": "Activities resource",
    "Communication 2.6": "Agent Profile resource",
    "Communication 2.7": "Activity Profile resource",
    "Communication 2.8": "About resource",
    "Communication 3.1": "Concurrency",
    "Communication 3.2": "Error codes",
    "Communication 3.3": "Versioning",
    "Communication 4.0": "Authentication",
    "xAPI 2.0 Versions": "2.0: version header and about",
    "xAPI 2.0 Context": "2.0: contextAgents and contextGroups",
    "xAPI 2.0 Timestamps": "2.0: RFC 3339 timestamps",
    "xAPI 2.0 Last-Modified": "2.0: Last-Modified",
    "xAPI 2.0 Mixed versions": "2.0: 2.0 statements read with 1.0.3",
}

_LEVEL_RE: Final = re.compile(r"\b(MUST NOT|MUST|SHOULD\*? NOT|SHOULD\*?|MAY)\b")


@dataclass(frozen=True)
class Requirement:
    """One normative statement of the spec that a check verifies."""

    section: str
    text: str
    level: str
    versions: frozenset[str]

    @property
    def title(self) -> str:
        """Human title of the section (the id itself when unknown)."""
        return SECTION_TITLES.get(self.section, self.section)

    def describe(self) -> str:
        """`[Data 2.4.2.1 MUST] An Agent MUST ...` — how a failure names its requirement."""
        return f"[{self.section} {self.level}] {self.text}"


def level_of(text: str) -> str:
    """MUST, SHOULD or MAY, from the first keyword in the requirement text."""
    match = _LEVEL_RE.search(text)
    if match is None:
        return "MUST"
    word = match.group(1)
    if word.startswith("SHOULD"):
        return "SHOULD"
    return "MAY" if word == "MAY" else "MUST"


def requirement(
    section: str,
    text: str,
    *,
    versions: Iterable[str] = ALL_VERSIONS,
    level: str | None = None,
) -> pytest.MarkDecorator:
    """Mark a check with the requirement it verifies (and the versions it applies to)."""
    if section not in SECTION_TITLES:
        raise ValueError(f"unknown spec section {section!r}; add it to SECTION_TITLES")
    chosen = frozenset(versions)
    if not chosen <= ALL_VERSIONS or not chosen:
        raise ValueError(f"versions must be a non-empty subset of {sorted(ALL_VERSIONS)}")
    return pytest.mark.requirement(Requirement(section, text, level or level_of(text), chosen))


def requirement_of(item: pytest.Item) -> Requirement | None:
    """The requirement of one collected check; a parametrized case's own mark wins."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        for mark in callspec.marks:
            if mark.name == MARKER:
                found: Requirement = mark.args[0]
                return found
    mark = item.get_closest_marker(MARKER)
    if mark is None:
        return None
    closest: Requirement = mark.args[0]
    return closest


def section_sort_key(section: str) -> tuple[int, list[int], str]:
    """Order sections as the spec does: Data, Communication, then xAPI 2.0; numbers numerically."""
    part, _, rest = section.partition(" ")
    order = {"Data": 0, "Communication": 1, "xAPI": 2}.get(part, 3)
    numbers = [int(n) for n in re.findall(r"\d+", rest.split(" ")[0])] if part != "xAPI" else []
    return order, numbers, rest
