"""Statement comparison (Data 2.3.1 "Statement Comparison Requirements").

Two statements match when they differ only in ways the immutability exceptions allow:

- properties the LRS assigns: ``stored``, ``authority``, ``version``; ``id`` and ``timestamp``
  when only one side has them (when both have them: ids compare case-insensitively, timestamps
  as instants to the millisecond, the precision the spec guarantees);
- Activity definitions and Verb display (not part of the statement itself);
- serialization: default ``objectType`` present or not, a single context Activity versus an array
  of one, the order of group members and of context activity / agent / group lists;
- case-insensitive values: e-mail domains, hex digests, UUIDs, language tags;
- durations beyond 0.01 s (Data 4.6; compared component by component, never converted).

Everything else, extensions included, must be equal.
"""

from __future__ import annotations

from typing import Any

import msgspec

from lrs.xapi._identity import normalise_mbox
from lrs.xapi._prepare import CONTEXT_ACTIVITY_KINDS
from lrs.xapi._time import parse_iso8601_duration, parse_timestamp

_ASSIGNED_BY_LRS = frozenset({"stored", "authority", "version", "id", "timestamp"})


def statements_equivalent(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when `a` and `b` are the same statement under the spec's comparison rules."""
    if not _optional_equal(a.get("id"), b.get("id"), _lower):
        return False
    if not _optional_equal(a.get("timestamp"), b.get("timestamp"), _instant):
        return False
    return bool(_canonical_statement(a, top=True) == _canonical_statement(b, top=True))


def _optional_equal(left: Any, right: Any, key: Any) -> bool:
    if left is None or right is None:
        return True
    return bool(key(left) == key(right))


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _instant(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_timestamp(value).millisecond_key()
        except ValueError:
            return value
    return value


def _sort_key(value: Any) -> bytes:
    return msgspec.json.encode(value, order="sorted")


def _unordered(items: list[Any]) -> list[Any]:
    return sorted(items, key=_sort_key)


def _canonical_statement(stmt: Any, *, top: bool) -> Any:
    if not isinstance(stmt, dict):
        return stmt
    out: dict[str, Any] = {}
    for key, value in stmt.items():
        if top and key in _ASSIGNED_BY_LRS:
            continue
        if key == "actor":
            out[key] = _canonical_agent(value)
        elif key == "verb":
            out[key] = {"id": value.get("id")} if isinstance(value, dict) else value
        elif key == "object":
            out[key] = _canonical_object(value)
        elif key == "context":
            out[key] = _canonical_context(value)
        elif key == "result":
            out[key] = _canonical_result(value)
        elif key == "attachments":
            out[key] = [_canonical_attachment(item) for item in value] if isinstance(value, list) else value
        elif key == "timestamp":
            out[key] = _instant(value)
        else:
            out[key] = value
    return out


def _canonical_agent(agent: Any, default_type: str = "Agent") -> Any:
    if not isinstance(agent, dict):
        return agent
    out = dict(agent)
    out.setdefault("objectType", default_type)
    if isinstance(out.get("mbox"), str):
        out["mbox"] = normalise_mbox(out["mbox"])
    out["mbox_sha1sum"] = _lower(out.get("mbox_sha1sum"))
    members = out.get("member")
    if isinstance(members, list):
        out["member"] = _unordered([_canonical_agent(member) for member in members])
    return out


def _canonical_activity(activity: Any) -> Any:
    if not isinstance(activity, dict):
        return activity
    return {"objectType": activity.get("objectType", "Activity"), "id": activity.get("id")}


def _canonical_object(obj: Any) -> Any:
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return _canonical_activity(obj)
    if kind in ("Agent", "Group"):
        return _canonical_agent(obj)
    if kind == "StatementRef":
        return {"objectType": kind, "id": _lower(obj.get("id"))}
    return _canonical_statement(obj, top=False)


def _canonical_context(context: Any) -> Any:
    if not isinstance(context, dict):
        return context
    out = dict(context)
    for key in ("instructor", "team"):
        if key in out:
            out[key] = _canonical_agent(out[key])
    out["registration"] = _lower(out.get("registration"))
    out["language"] = _lower(out.get("language"))
    if isinstance(out.get("statement"), dict):
        out["statement"] = _canonical_object(out["statement"])
    activities = out.get("contextActivities")
    if isinstance(activities, dict):
        out["contextActivities"] = {
            kind: _unordered([_canonical_activity(item) for item in (value if isinstance(value, list) else [value])])
            for kind, value in activities.items()
            if kind in CONTEXT_ACTIVITY_KINDS
        }
    for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
        items = out.get(key)
        if isinstance(items, list):
            out[key] = _unordered(
                [
                    {**item, inner: _canonical_agent(item.get(inner))} if isinstance(item, dict) else item
                    for item in items
                ]
            )
    return out


def _canonical_result(result: Any) -> Any:
    if not isinstance(result, dict) or not isinstance(result.get("duration"), str):
        return result
    try:
        key = parse_iso8601_duration(result["duration"]).comparison_key()
    except ValueError:
        return result
    return {**result, "duration": [str(part) for part in key]}


def _canonical_language_map(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {str(key).lower(): text for key, text in value.items()}


def _canonical_attachment(attachment: Any) -> Any:
    if not isinstance(attachment, dict):
        return attachment
    out = dict(attachment)
    out["sha2"] = _lower(out.get("sha2"))
    for key in ("display", "description"):
        if key in out:
            out[key] = _canonical_language_map(out[key])
    return out
