"""What the store indexes for one stored statement, to answer the GET /statements filters.

Usages (the second element of every ``agents`` / ``activities`` pair) name where the agent or
activity occurs. The ``agent`` filter matches the actor and the object, and Groups whose members
match (Communication 2.1.3), i.e. `AGENT_FILTER_USAGES`; ``related_agents`` widens it to every
usage (authority, instructor, team, 2.0 context agents and groups, and all of these inside a
SubStatement). The ``activity`` filter matches the object only (`ACTIVITY_FILTER_USAGES`);
``related_activities`` widens it to context activities and the SubStatement's.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from msgspec import Struct

from lrs.xapi._identity import agent_ifi
from lrs.xapi._models import VOIDED_VERB
from lrs.xapi._prepare import CONTEXT_ACTIVITY_KINDS
from lrs.xapi._time import timestamp_instant

AGENT_FILTER_USAGES = frozenset({"actor", "actor_member", "object", "object_member"})
ACTIVITY_FILTER_USAGES = frozenset({"object"})


class StatementIndex(Struct, frozen=True, kw_only=True):
    """Columns and relation rows extracted from one stored statement."""

    statement_id: uuid.UUID
    verb_id: str
    actor_ifi: str | None
    """None when the actor is an anonymous Group."""
    object_type: str
    object_activity_id: str | None
    object_agent_ifi: str | None
    object_statement_id: uuid.UUID | None
    """The target of a StatementRef object (voiding, and the StatementRef filter rule)."""
    registration: uuid.UUID | None
    timestamp: datetime
    stored: datetime
    is_voiding: bool
    agents: list[tuple[str, str]]
    """(IFI key, usage), unique pairs; group members appear with usage ``<usage>_member``."""
    activities: list[tuple[str, str]]
    """(activity id, usage), unique pairs."""
    activity_definitions: list[tuple[str, dict[str, Any]]]
    """(activity id, definition) for every Activity in the statement that carries a definition."""
    attachment_sha2: list[str]
    """Lower-case SHA-2 of every attachment of the statement and its SubStatement."""


class _Collector:
    def __init__(self) -> None:
        self.agents: dict[tuple[str, str], None] = {}
        self.activities: dict[tuple[str, str], None] = {}
        self.definitions: list[tuple[str, dict[str, Any]]] = []
        self.sha2: dict[str, None] = {}

    def agent(self, value: Any, usage: str) -> None:
        if not isinstance(value, dict):
            return
        ifi = agent_ifi(value)
        if ifi is not None:
            self.agents[(ifi, usage)] = None
        members = value.get("member")
        if isinstance(members, list):
            for member in members:
                member_ifi = agent_ifi(member) if isinstance(member, dict) else None
                if member_ifi is not None:
                    self.agents[(member_ifi, f"{usage}_member")] = None

    def activity(self, value: Any, usage: str) -> None:
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            self.activities[(value["id"], usage)] = None
            definition = value.get("definition")
            if isinstance(definition, dict):
                self.definitions.append((value["id"], definition))

    def object(self, value: Any, usage: str) -> None:
        if not isinstance(value, dict):
            return
        kind = value.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(value, usage)
        elif kind in ("Agent", "Group"):
            self.agent(value, usage)

    def context(self, context: Any, prefix: str) -> None:
        if not isinstance(context, dict):
            return
        self.agent(context.get("instructor"), f"{prefix}instructor")
        self.agent(context.get("team"), f"{prefix}team")
        for item in context.get("contextAgents") or ():
            if isinstance(item, dict):
                self.agent(item.get("agent"), f"{prefix}context_agent")
        for item in context.get("contextGroups") or ():
            if isinstance(item, dict):
                self.agent(item.get("group"), f"{prefix}context_group")
        activities = context.get("contextActivities")
        if isinstance(activities, dict):
            for kind in CONTEXT_ACTIVITY_KINDS:
                value = activities.get(kind)
                for activity in value if isinstance(value, list) else [value]:
                    self.activity(activity, f"{prefix}{kind}")

    def attachments(self, value: Any) -> None:
        for attachment in value or ():
            if isinstance(attachment, dict) and isinstance(attachment.get("sha2"), str):
                self.sha2[attachment["sha2"].lower()] = None


def _optional_uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(value) if isinstance(value, str) else None


def index_entries(stored: dict[str, Any]) -> StatementIndex:
    """Index rows for a statement as returned by `prepare_for_storage` (id, timestamp, stored set)."""
    collect = _Collector()
    collect.agent(stored["actor"], "actor")
    collect.agent(stored.get("authority"), "authority")
    obj: dict[str, Any] = stored["object"]
    object_type: str = obj.get("objectType", "Activity")
    collect.object(obj, "object")
    collect.context(stored.get("context"), "")
    collect.attachments(stored.get("attachments"))
    if object_type == "SubStatement":
        collect.agent(obj.get("actor"), "sub_actor")
        collect.object(obj.get("object"), "sub_object")
        collect.context(obj.get("context"), "sub_")
        collect.attachments(obj.get("attachments"))
    context = stored.get("context")
    verb_id: str = stored["verb"]["id"]
    return StatementIndex(
        statement_id=uuid.UUID(stored["id"]),
        verb_id=verb_id,
        actor_ifi=agent_ifi(stored["actor"]),
        object_type=object_type,
        object_activity_id=obj["id"] if object_type == "Activity" else None,
        object_agent_ifi=agent_ifi(obj) if object_type in ("Agent", "Group") else None,
        object_statement_id=_optional_uuid(obj.get("id")) if object_type == "StatementRef" else None,
        registration=_optional_uuid(context.get("registration")) if isinstance(context, dict) else None,
        timestamp=timestamp_instant(stored["timestamp"]),
        stored=timestamp_instant(stored["stored"]),
        is_voiding=verb_id == VOIDED_VERB and object_type == "StatementRef",
        agents=list(collect.agents),
        activities=list(collect.activities),
        activity_definitions=collect.definitions,
        attachment_sha2=list(collect.sha2),
    )
