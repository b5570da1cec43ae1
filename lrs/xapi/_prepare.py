"""From a validated statement to the JSON the LRS stores, and back out to a reader's version.

Stored = what the client sent, plus only the changes the spec assigns to the LRS (Data 2.3.1):
``id`` when absent, ``stored``, ``timestamp`` when absent, ``authority`` (always the LRS's,
Data 2.4.9 "SHOULD overwrite ... based on the credentials"), ``version`` when absent (Data 2.4.10),
every contextActivities value as an array (Data 2.4.6.2), and timestamps with a zone rewritten in
UTC (Data 4.5 "SHOULD* return the Timestamp in UTC"; 2.0 converts every timestamp to UTC).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from lrs.xapi._models import Statement, received_json
from lrs.xapi._time import format_stored_cached, parse_timestamp

CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")
_V2_ONLY_CONTEXT_KEYS = ("contextAgents", "contextGroups")


def prepare_for_storage(
    stmt: Statement,
    *,
    authority: dict[str, Any],
    stored: datetime,
    version: str,
    new_id: uuid.UUID,
) -> dict[str, Any]:
    """The statement as the LRS stores and returns it (``format=exact``).

    `version` is the request version; `stored` an aware datetime; `new_id` is used only when the
    statement has no id. The JSON the statement was parsed from is not modified.
    """
    data = received_json(stmt)
    out: dict[str, Any] = dict(data) if data is not None else msgspec.to_builtins(stmt)
    is_v2 = version.startswith("2.")
    stored_text = format_stored_cached(stored)
    if "id" not in out:
        out["id"] = str(new_id)
    out["stored"] = stored_text
    if "timestamp" in out:
        out["timestamp"] = _utc_timestamp(out["timestamp"], assume_utc=is_v2)
    else:
        out["timestamp"] = stored_text
    out["authority"] = authority
    out.setdefault("version", "2.0.0" if is_v2 else "1.0.0")
    if isinstance(out.get("context"), dict):
        out["context"] = _normalise_context(out["context"])
    sub = out.get("object")
    if isinstance(sub, dict) and sub.get("objectType") == "SubStatement":
        out["object"] = _prepare_substatement(sub, is_v2)
    return out


def _prepare_substatement(sub: dict[str, Any], is_v2: bool) -> dict[str, Any]:
    out = dict(sub)
    if "timestamp" in out:
        out["timestamp"] = _utc_timestamp(out["timestamp"], assume_utc=is_v2)
    if isinstance(out.get("context"), dict):
        out["context"] = _normalise_context(out["context"])
    return out


def _utc_timestamp(value: str, *, assume_utc: bool) -> str:
    """`value` in UTC; a timestamp without zone is kept as written unless `assume_utc`."""
    if value[-1] == "Z" and value[10] == "T":
        return value
    parsed = parse_timestamp(value)
    if parsed.offset_minutes is None and not assume_utc:
        return value
    return parsed.utc_string()


def _normalise_context(context: dict[str, Any]) -> dict[str, Any]:
    activities = context.get("contextActivities")
    if not isinstance(activities, dict) or all(isinstance(value, list) for value in activities.values()):
        return context
    arrays = {key: value if isinstance(value, list) else [value] for key, value in activities.items()}
    return {**context, "contextActivities": arrays}


def present_for_version(stored: dict[str, Any], reader_version: str) -> dict[str, Any]:
    """A stored statement as a reader of `reader_version` may receive it.

    For a 1.0.3 reader, a 2.0 statement loses ``contextAgents``/``contextGroups`` (also in a
    SubStatement) and shows version "1.0.0" (2.0 delta item 8). Otherwise `stored` is returned.
    """
    if not reader_version.startswith("1."):
        return stored
    version = stored.get("version")
    out = stored
    if isinstance(version, str) and version.startswith("2."):
        out = {**out, "version": "1.0.0"}
    context = out.get("context")
    if isinstance(context, dict) and any(key in context for key in _V2_ONLY_CONTEXT_KEYS):
        out = {**out, "context": _without_v2_keys(context)}
    sub = out.get("object")
    if isinstance(sub, dict) and sub.get("objectType") == "SubStatement":
        sub_context = sub.get("context")
        if isinstance(sub_context, dict) and any(key in sub_context for key in _V2_ONLY_CONTEXT_KEYS):
            out = {**out, "object": {**sub, "context": _without_v2_keys(sub_context)}}
    return out


def _without_v2_keys(context: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in context.items() if key not in _V2_ONLY_CONTEXT_KEYS}
