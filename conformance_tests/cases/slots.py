"""Places in an otherwise valid statement where an Agent, Group, Activity or part can be put."""

from __future__ import annotations

from typing import Any

from conformance_tests.cases import Slot
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import ONLY_2_0


def typed(value: Any, object_type: str) -> Any:
    """Give an object the objectType it needs as a statement object, unless it states one."""
    if isinstance(value, dict) and "objectType" not in value:
        return {"objectType": object_type, **value}
    return value


def _with_context(factory: Factory, context: JSON, **overrides: Any) -> JSON:
    statement = factory.statement(**overrides)
    statement["context"] = context
    return statement


def _sub(factory: Factory, **parts: Any) -> JSON:
    sub = factory.substatement()
    sub.update(parts)
    return factory.statement(object=sub)


# -- Agents ------------------------------------------------------------------------------------

AGENT_ACTOR = Slot("actor", lambda f, v: f.statement(actor=v))
AGENT_OBJECT = Slot("object", lambda f, v: f.statement(object=typed(v, "Agent")))
AGENT_INSTRUCTOR = Slot("instructor", lambda f, v: _with_context(f, {"instructor": v}))
AGENT_MEMBER = Slot("member", lambda f, v: f.statement(actor={**f.group(members=1), "member": [f.agent(), v]}))
AGENT_SUB_ACTOR = Slot("sub-actor", lambda f, v: _sub(f, actor=v))
AGENT_SUB_OBJECT = Slot("sub-object", lambda f, v: _sub(f, object=typed(v, "Agent")))
AGENT_SUB_INSTRUCTOR = Slot("sub-instructor", lambda f, v: _sub(f, context={"instructor": v}))
AGENT_CONTEXT_AGENT = Slot(
    "contextAgent",
    lambda f, v: _with_context(f, {"contextAgents": [{"objectType": "contextAgent", "agent": v}]}),
    versions=ONLY_2_0,
)
AGENT_AUTHORITY = Slot("authority", lambda f, v: f.statement(authority=v))

AGENT_SLOTS = (
    AGENT_ACTOR,
    AGENT_OBJECT,
    AGENT_INSTRUCTOR,
    AGENT_MEMBER,
    AGENT_SUB_ACTOR,
    AGENT_SUB_OBJECT,
    AGENT_CONTEXT_AGENT,
)
AGENT_SECONDARY_SLOTS = (AGENT_SUB_INSTRUCTOR, AGENT_AUTHORITY)

# -- Groups ------------------------------------------------------------------------------------

GROUP_ACTOR = Slot("actor", lambda f, v: f.statement(actor=v))
GROUP_OBJECT = Slot("object", lambda f, v: f.statement(object=typed(v, "Group")))
GROUP_TEAM = Slot("team", lambda f, v: _with_context(f, {"team": v}))
GROUP_INSTRUCTOR = Slot("instructor", lambda f, v: _with_context(f, {"instructor": v}))
GROUP_SUB_ACTOR = Slot("sub-actor", lambda f, v: _sub(f, actor=v))
GROUP_SUB_OBJECT = Slot("sub-object", lambda f, v: _sub(f, object=typed(v, "Group")))
GROUP_SUB_TEAM = Slot("sub-team", lambda f, v: _sub(f, context={"team": v}))
GROUP_CONTEXT_GROUP = Slot(
    "contextGroup",
    lambda f, v: _with_context(f, {"contextGroups": [{"objectType": "contextGroup", "group": v}]}),
    versions=ONLY_2_0,
)

GROUP_SLOTS = (
    GROUP_ACTOR,
    GROUP_OBJECT,
    GROUP_TEAM,
    GROUP_INSTRUCTOR,
    GROUP_SUB_ACTOR,
    GROUP_SUB_OBJECT,
    GROUP_SUB_TEAM,
    GROUP_CONTEXT_GROUP,
)

# -- Activities --------------------------------------------------------------------------------


def _context_activity(key: str) -> Slot:
    return Slot(key, lambda f, v: _with_context(f, {"contextActivities": {key: [v]}}))


ACTIVITY_OBJECT = Slot("object", lambda f, v: f.statement(object=v))
ACTIVITY_SUB_OBJECT = Slot("sub-object", lambda f, v: _sub(f, object=v))
ACTIVITY_SUB_PARENT = Slot("sub-parent", lambda f, v: _sub(f, context={"contextActivities": {"parent": [v]}}))
ACTIVITY_PARENT = _context_activity("parent")
ACTIVITY_GROUPING = _context_activity("grouping")
ACTIVITY_CATEGORY = _context_activity("category")
ACTIVITY_OTHER = _context_activity("other")

ACTIVITY_CONTEXT_SLOTS = (
    ACTIVITY_PARENT,
    ACTIVITY_GROUPING,
    ACTIVITY_CATEGORY,
    ACTIVITY_OTHER,
    ACTIVITY_SUB_OBJECT,
    ACTIVITY_SUB_PARENT,
)

# -- Verbs, results, contexts, timestamps --------------------------------------------------------

VERB_STATEMENT = Slot("statement", lambda f, v: f.statement(verb=v))
VERB_SUB = Slot("substatement", lambda f, v: _sub(f, verb=v))
VERB_SLOTS = (VERB_STATEMENT, VERB_SUB)

RESULT_STATEMENT = Slot("statement", lambda f, v: f.statement(result=v))
RESULT_SUB = Slot("substatement", lambda f, v: _sub(f, result=v))
RESULT_SLOTS = (RESULT_STATEMENT, RESULT_SUB)

CONTEXT_STATEMENT = Slot("statement", lambda f, v: f.statement(context=v))
CONTEXT_SUB = Slot("substatement", lambda f, v: _sub(f, context=v))
CONTEXT_SLOTS = (CONTEXT_STATEMENT, CONTEXT_SUB)

TIMESTAMP_STATEMENT = Slot("statement", lambda f, v: f.statement(timestamp=v))
TIMESTAMP_SUB = Slot("substatement", lambda f, v: _sub(f, timestamp=v))
TIMESTAMP_SLOTS = (TIMESTAMP_STATEMENT, TIMESTAMP_SUB)

# -- StatementRefs -----------------------------------------------------------------------------

REF_OBJECT = Slot("object", lambda f, v: f.statement(object=v))
REF_CONTEXT = Slot("context.statement", lambda f, v: _with_context(f, {"statement": v}))
REF_SUB_OBJECT = Slot("sub-object", lambda f, v: _sub(f, object=v))
REF_SLOTS = (REF_OBJECT, REF_CONTEXT, REF_SUB_OBJECT)
