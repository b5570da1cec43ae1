"""Statement comparison as the spec defines it (Data 2.3.1): immutability exceptions are ignored.

An LRS may set id/authority/stored/version/timestamp, re-serialize timestamps in another zone,
return Group members in any order, return single contextActivities as arrays and truncate
durations to 0.01 s; every other difference in what it returns is a failure.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, Final

from conformance_tests.expect import parse_timestamp

LRS_SET: Final = ("authority", "stored", "version", "id")
_DURATION_SECONDS = re.compile(r"(\d+)\.(\d{2})\d*S$")
_DEFAULT_TYPES: Final = {"Activity", "Agent"}


def _timestamp_ms(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        instant: datetime = parse_timestamp(value)
    except ValueError:
        return value
    return round(instant.timestamp() * 1000)


def _normalize(value: Any, key: str | None = None) -> Any:
    if isinstance(value, list):
        items = [_normalize(v) for v in value]
        if key == "member":
            items.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return items
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for name, item in value.items():
        if name == "extensions":
            out[name] = item  # extension values are opaque and must come back as sent
        elif name == "contextActivities" and isinstance(item, dict):
            out[name] = {k: _normalize(v if isinstance(v, list) else [v]) for k, v in item.items()}
        elif name == "timestamp":
            out[name] = _timestamp_ms(item)
        elif name == "duration" and isinstance(item, str):
            out[name] = _DURATION_SECONDS.sub(r"\1.\2S", item)
        elif name == "objectType" and item in _DEFAULT_TYPES:
            continue  # the default type may be added or left out by the LRS
        else:
            out[name] = _normalize(item, name)
    return out


def normalize(statement: dict[str, Any], *, drop_timestamp: bool = False) -> Any:
    """The parts of a statement that must survive storage, in a comparable form.

    `drop_timestamp` also ignores the timestamp, for a statement sent without one (the LRS sets it).
    """
    ignored = (*LRS_SET, "timestamp") if drop_timestamp else LRS_SET
    trimmed = {k: v for k, v in statement.items() if k not in ignored}
    return _normalize(trimmed)


def differences(sent: Any, got: Any, path: str = "$") -> list[str]:
    """Human-readable differences between two normalized values."""
    if isinstance(sent, dict) and isinstance(got, dict):
        found: list[str] = []
        for name in sorted(set(sent) | set(got)):
            if name not in got:
                found.append(f"{path}.{name} missing from the returned statement")
            elif name not in sent:
                found.append(f"{path}.{name} added by the LRS: {json.dumps(got[name])[:120]}")
            else:
                found.extend(differences(sent[name], got[name], f"{path}.{name}"))
        return found
    if isinstance(sent, list) and isinstance(got, list) and len(sent) == len(got):
        found = []
        for index, (a, b) in enumerate(zip(sent, got, strict=True)):
            found.extend(differences(a, b, f"{path}[{index}]"))
        return found
    if sent != got or (type(sent) is bool) != (type(got) is bool):
        return [f"{path}: sent {json.dumps(sent)[:120]}, got {json.dumps(got)[:120]}"]
    return []


def assert_preserved(sent: dict[str, Any], got: dict[str, Any]) -> None:
    """Fail unless `got` is `sent` up to the immutability exceptions."""
    found = differences(normalize(sent), normalize(got, drop_timestamp="timestamp" not in sent))
    if found:
        raise AssertionError("returned statement differs from the one sent: " + "; ".join(found[:8]))
    if "id" in sent and got.get("id") != sent["id"]:
        raise AssertionError(f"returned id {got.get('id')!r} differs from the id sent {sent['id']!r}")
