"""Per-store governance settings (kept in `stores.settings`) and how erasure treats each statement.

Settings (top-level keys of `stores.settings`, other keys there belong to others and are left alone):
- `erasure`: `delete` (default) or `pseudonymise` — what happens to the erased learner's *own* statements,
  those where they are the actor or the object (of the statement or of its SubStatement);
- `erasure_shared`: `pseudonymise` (default) or `delete` — what happens to statements where the learner only
  takes part (group member, instructor, team, context agent or group, authority): by default the other
  learners' records stay and only the erased learner's part is replaced by their pseudonym;
- `retention_days`: statements stored more than this many days ago, and analytics older than that, are removed
  by the daily retention job (absent: kept forever);
- `analytics_opt_out`: the whole store is left out of prediction.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

import msgspec

from lrs.errors import ValidationError

OWN_USAGES = frozenset({"actor", "object", "sub_actor", "sub_object"})
"""Where a statement is about the agent rather than merely mentioning it."""

MAX_RETENTION_DAYS = 36_500


class Treatment(StrEnum):
    DELETE = "delete"
    PSEUDONYMISE = "pseudonymise"


class GovernanceSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    erasure: Treatment = Treatment.DELETE
    erasure_shared: Treatment = Treatment.PSEUDONYMISE
    retention_days: int | None = None
    analytics_opt_out: bool = False


SETTING_NAMES = tuple(GovernanceSettings.__struct_fields__)


def from_store_settings(settings: dict[str, Any]) -> GovernanceSettings:
    """The governance part of a store's settings; a malformed value there is a ValidationError."""
    mine = {name: settings[name] for name in SETTING_NAMES if name in settings and settings[name] is not None}
    try:
        result = msgspec.convert(mine, GovernanceSettings)
    except msgspec.ValidationError as exc:
        raise ValidationError(f"invalid governance setting: {exc}") from None
    check(result)
    return result


def check(settings: GovernanceSettings) -> None:
    days = settings.retention_days
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise ValidationError(f"retention_days must be between 1 and {MAX_RETENTION_DAYS}", path="retention_days")


def to_store_settings(settings: GovernanceSettings) -> dict[str, Any]:
    """The keys to merge into `stores.settings` (None removes `retention_days`)."""
    return {name: msgspec.to_builtins(getattr(settings, name)) for name in SETTING_NAMES}


def treatment(usages: Iterable[str], settings: GovernanceSettings) -> Treatment:
    """How erasure treats a statement in which the learner appears with these usages."""
    own = not OWN_USAGES.isdisjoint(usages)
    return settings.erasure if own else settings.erasure_shared
