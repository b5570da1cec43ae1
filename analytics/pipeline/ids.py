"""Deterministic identities: the same insight or alert always gets the same statement id, and the hold-out
group is a pure function of learner and course.

A job that dies after writing but before recording its progress runs again and produces the very same
statements; the LRS takes an identical statement with a known id as already stored, so nothing is duplicated.
"""

from __future__ import annotations

import hashlib
import uuid

NAMESPACE = uuid.UUID("6f1d3c52-8a4e-5b7f-9c0d-2e4a6b8c0d1e")
"""The uuid5 namespace of every statement id the engine makes."""


def insight_statement_id(store_id: int, course: str, learner: str, as_of: float, model_version: str) -> str:
    """The id of the insight statement about `learner` in `course` made as of `as_of` by a model version."""
    return str(uuid.uuid5(NAMESPACE, f"insight\n{store_id}\n{course}\n{learner}\n{as_of:.6f}\n{model_version}"))


def alert_statement_id(store_id: int, dedupe_key: str) -> str:
    """The id of the alert statement of a detector finding (one per dedupe key)."""
    return str(uuid.uuid5(NAMESPACE, f"alert\n{store_id}\n{dedupe_key}"))


def unit_hash(*parts: str) -> float:
    """A stable number in [0, 1) from text (the same on every machine and Python run, unlike `hash`)."""
    digest = hashlib.sha256("\n".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def in_holdout(learner: str, course: str, share: float) -> bool:
    """Whether a learner belongs to the course's hold-out group, which gets no automated intervention."""
    return share > 0.0 and unit_hash("holdout", course, learner) < share
