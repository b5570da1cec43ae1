"""The ``format`` parameter of GET /statements (Communication 2.1.3) and language choice.

- ``exact``: the statement as stored.
- ``ids``: Agents and identified Groups reduced to their IFI (and objectType when present),
  anonymous Groups to their reduced members, Activities to ``id``, Verbs to ``id``
  (the 2.0 conformance suite checks exactly these key counts).
- ``canonical``: Activities carry the LRS's canonical definition when one is given, and every
  language map of Activities and Verbs keeps one language, chosen per map from the request's
  ``Accept-Language`` (RFC 2616 14.4 matching, then RFC 4647 lookup-style truncation, then the
  map's first entry). Agents and Groups stay as in ``exact``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lrs.xapi._models import COMPONENT_LISTS
from lrs.xapi._prepare import CONTEXT_ACTIVITY_KINDS

FORMATS = ("exact", "ids", "canonical")
_IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
_LANGUAGE_RANGE_RE = re.compile(r"^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)\Z")


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges of an ``Accept-Language`` header, most preferred first (q=0 dropped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        language, *params = (part.strip() for part in item.split(";"))
        if not _LANGUAGE_RANGE_RE.match(language):
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, language))
    ranked.sort()
    return [language for _, _, language in ranked]


def best_language(available: list[str], preferences: list[str]) -> str | None:
    """The key of a language map to show a reader with `preferences`; None for an empty map."""
    if not available:
        return None
    for preference in preferences:
        if preference == "*":
            return available[0]
        found = _matching_key(available, preference.lower())
        if found is not None:
            return found
    for preference in preferences:
        subtags = preference.lower().split("-")
        while len(subtags) > 1:
            subtags.pop()
            found = _matching_key(available, "-".join(subtags))
            if found is not None:
                return found
    return available[0]


def _matching_key(available: list[str], language_range: str) -> str | None:
    """RFC 2616 14.4: a range matches a tag equal to it or starting with it followed by "-"."""
    for key in available:
        if key.lower() == language_range:
            return key
    for key in available:
        if key.lower().startswith(language_range + "-"):
            return key
    return None


def filter_language_map(value: Any, preferences: list[str]) -> Any:
    """A language map reduced to its single best entry (non-maps are returned unchanged)."""
    if not isinstance(value, dict) or len(value) <= 1:
        return value
    key = best_language(list(value), preferences)
    return {key: value[key]} if key is not None else value


def format_statement(
    stored: dict[str, Any],
    fmt: str,
    languages: list[str],
    activity_definitions: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """`stored` in format `fmt` ("exact", "ids" or "canonical").

    `languages` is `parse_accept_language` of the request. For "canonical", `activity_definitions`
    maps activity ids to the LRS's canonical definitions; activities not in it keep their own.
    """
    if fmt == "exact":
        return stored
    if fmt == "ids":
        return _ids_statement(stored)
    if fmt == "canonical":
        return _Canonical(languages, activity_definitions or {}).statement(stored)
    raise ValueError(f"unknown statement format {fmt!r}")


def _ids_agent(agent: Any) -> Any:
    if not isinstance(agent, dict):
        return agent
    out: dict[str, Any] = {}
    if "objectType" in agent:
        out["objectType"] = agent["objectType"]
    for key in _IFI_KEYS:
        if key in agent:
            out[key] = agent[key]
            return out
    out["member"] = [_ids_agent(member) for member in agent.get("member") or ()]
    return out


def _ids_activity(activity: Any) -> Any:
    return {"id": activity["id"]} if isinstance(activity, dict) and "id" in activity else activity


def _ids_object(obj: Any) -> Any:
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return _ids_activity(obj)
    if kind in ("Agent", "Group"):
        return _ids_agent(obj)
    if kind == "SubStatement":
        return _ids_statement(obj)
    return obj


def _ids_context(context: Any) -> Any:
    if not isinstance(context, dict):
        return context
    out = dict(context)
    for key in ("instructor", "team"):
        if key in out:
            out[key] = _ids_agent(out[key])
    activities = out.get("contextActivities")
    if isinstance(activities, dict):
        out["contextActivities"] = {
            kind: [_ids_activity(item) for item in value] if isinstance(value, list) else _ids_activity(value)
            for kind, value in activities.items()
        }
    for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
        if isinstance(out.get(key), list):
            out[key] = [
                {**item, inner: _ids_agent(item.get(inner))} if isinstance(item, dict) else item for item in out[key]
            ]
    return out


def _ids_statement(stmt: dict[str, Any]) -> dict[str, Any]:
    out = dict(stmt)
    out["actor"] = _ids_agent(stmt.get("actor"))
    if isinstance(stmt.get("verb"), dict):
        out["verb"] = {"id": stmt["verb"].get("id")}
    out["object"] = _ids_object(stmt.get("object"))
    if "context" in stmt:
        out["context"] = _ids_context(stmt["context"])
    if "authority" in stmt:
        out["authority"] = _ids_agent(stmt["authority"])
    return out


class _Canonical:
    """Applies canonical definitions and single-language maps to one statement."""

    def __init__(self, languages: list[str], definitions: Mapping[str, dict[str, Any]]) -> None:
        self.languages = languages
        self.definitions = definitions

    def statement(self, stmt: dict[str, Any]) -> dict[str, Any]:
        out = dict(stmt)
        verb = stmt.get("verb")
        if isinstance(verb, dict) and "display" in verb:
            out["verb"] = {**verb, "display": filter_language_map(verb["display"], self.languages)}
        obj = stmt.get("object")
        if isinstance(obj, dict):
            kind = obj.get("objectType", "Activity")
            if kind == "Activity":
                out["object"] = self.activity(obj)
            elif kind == "SubStatement":
                out["object"] = self.statement(obj)
        if isinstance(stmt.get("context"), dict):
            out["context"] = self.context(stmt["context"])
        return out

    def context(self, context: dict[str, Any]) -> dict[str, Any]:
        activities = context.get("contextActivities")
        if not isinstance(activities, dict):
            return context
        converted = {
            kind: [self.activity(item) for item in value] if isinstance(value, list) else self.activity(value)
            for kind, value in activities.items()
            if kind in CONTEXT_ACTIVITY_KINDS
        }
        return {**context, "contextActivities": converted}

    def activity(self, activity: Any) -> Any:
        if not isinstance(activity, dict):
            return activity
        definition = self.definitions.get(activity.get("id", ""), activity.get("definition"))
        if not isinstance(definition, dict):
            return activity
        filtered = dict(definition)
        for key in ("name", "description"):
            if key in filtered:
                filtered[key] = filter_language_map(filtered[key], self.languages)
        for list_name in COMPONENT_LISTS:
            components = filtered.get(list_name)
            if isinstance(components, list):
                filtered[list_name] = [
                    {**item, "description": filter_language_map(item["description"], self.languages)}
                    if isinstance(item, dict) and "description" in item
                    else item
                    for item in components
                ]
        return {**activity, "definition": filtered}
