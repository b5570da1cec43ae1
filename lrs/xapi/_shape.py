"""The shape pass: what runs on the decoded JSON before typed conversion.

It does three things msgspec cannot express with Struct types alone:

- fills the default ``objectType`` where the spec lets the client omit it at a position that
  accepts several types (actor, instructor, authority: Agent; object: Activity), so that the
  tagged unions of `_models` can decode. The received object is never modified: changed branches
  are copied, so the LRS still stores exactly what the client sent;
- enforces the rules about which ``objectType`` may appear where (an Agent or Group used as the
  object must say so; team, contextGroup.group and context.statement must carry theirs; a
  SubStatement has no id, stored, version or authority and cannot nest);
- applies the request-version rules: 1.0.3 requests accept only 1.0.x statement versions, no
  ``contextAgents``/``contextGroups`` and no RFC 3339 space separator in timestamps.
"""

from __future__ import annotations

import re
from typing import Any

from lrs.errors import ValidationError

_IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
_SUBSTATEMENT_FORBIDDEN = ("id", "stored", "version", "authority")
_V1_STATEMENT_VERSION_RE = re.compile(r"^1\.0(?:\.[0-9]+)?\Z")


def shape_statement(raw: dict[str, Any], version: str, path: str) -> dict[str, Any]:
    """Return `raw`, or a copy with default objectTypes filled in; raise ValidationError on a rule."""
    legacy = version.startswith("1.")
    if legacy:
        statement_version = raw.get("version")
        if isinstance(statement_version, str) and not _V1_STATEMENT_VERSION_RE.match(statement_version):
            raise ValidationError(
                f"statement version {statement_version!r} is not 1.0.x, which a 1.0.3 request requires",
                path=f"{path}.version",
            )
        _check_separator(raw.get("stored"), f"{path}.stored")
    out = _shape_common(raw, legacy, path)
    obj = out.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        sub = _shape_substatement(obj, legacy, f"{path}.object")
        if sub is not obj:
            out = _put(out, raw, "object", sub)
    return _with_default_type(out, raw, "authority", "Agent")


def _shape_substatement(raw: dict[str, Any], legacy: bool, path: str) -> dict[str, Any]:
    for key in _SUBSTATEMENT_FORBIDDEN:
        if key in raw:
            raise ValidationError(f"a SubStatement must not have {key!r}", path=f"{path}.{key}")
    inner = raw.get("object")
    if isinstance(inner, dict) and inner.get("objectType") == "SubStatement":
        raise ValidationError("a SubStatement must not contain a SubStatement", path=f"{path}.object.objectType")
    return _shape_common(raw, legacy, path)


def _shape_common(raw: dict[str, Any], legacy: bool, path: str) -> dict[str, Any]:
    """Rules shared by statements and SubStatements: actor, object, context, timestamp."""
    if legacy:
        _check_separator(raw.get("timestamp"), f"{path}.timestamp")
    out = _with_default_type(raw, raw, "actor", "Agent")
    obj = out.get("object")
    if isinstance(obj, dict) and "objectType" not in obj:
        if "member" in obj or any(key in obj for key in _IFI_KEYS):
            raise ValidationError("an Agent or Group used as the object must have an objectType", path=f"{path}.object")
        out = _put(out, raw, "object", {**obj, "objectType": "Activity"})
    context = out.get("context")
    if isinstance(context, dict):
        shaped = _shape_context(context, legacy, f"{path}.context")
        if shaped is not context:
            out = _put(out, raw, "context", shaped)
    return out


def _shape_context(raw: dict[str, Any], legacy: bool, path: str) -> dict[str, Any]:
    if legacy:
        for key in ("contextAgents", "contextGroups"):
            if key in raw:
                raise ValidationError(f"{key} is an xAPI 2.0 property", path=f"{path}.{key}")
    _require_type(raw.get("team"), "Group", f"{path}.team")
    _require_type(raw.get("statement"), "StatementRef", f"{path}.statement")
    groups = raw.get("contextGroups")
    if isinstance(groups, list):
        for index, item in enumerate(groups):
            if isinstance(item, dict):
                _require_type(item.get("group"), "Group", f"{path}.contextGroups[{index}].group")
    return _with_default_type(raw, raw, "instructor", "Agent")


def _require_type(value: Any, expected: str, path: str) -> None:
    if isinstance(value, dict) and "objectType" not in value:
        raise ValidationError(f"objectType {expected!r} is required here", path=path)


def _check_separator(value: Any, path: str) -> None:
    if isinstance(value, str) and len(value) > 10 and value[10] == " ":
        raise ValidationError("a space between date and time is RFC 3339 syntax, accepted from xAPI 2.0 on", path=path)


def _with_default_type(current: dict[str, Any], original: dict[str, Any], key: str, default: str) -> dict[str, Any]:
    value = current.get(key)
    if isinstance(value, dict) and "objectType" not in value:
        return _put(current, original, key, {**value, "objectType": default})
    return current


def _put(current: dict[str, Any], original: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """Set `key` on `current`, copying it first if it is still the caller's `original`."""
    if current is original:
        current = dict(original)
    current[key] = value
    return current
