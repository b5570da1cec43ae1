"""Request bodies and parameters to validated Structs, with errors that name the JSON path.

Statements are decoded in two steps: JSON to builtins (kept untouched as what the client sent),
then the shape pass (`_shape`) and a typed ``msgspec.convert`` into `Statement`. Every failure,
malformed JSON included, becomes `lrs.errors.ValidationError` with ``path`` such as
``$[3].actor.mbox`` (``$`` is the body; a batch element is ``$[i]``).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from lrs.errors import ValidationError
from lrs.xapi._models import Agent, Group, Statement, attach_received_json
from lrs.xapi._shape import shape_statement
from lrs.xapi._syntax import PATTERN_DESCRIPTIONS

_DECODER = msgspec.json.Decoder()
_MSGSPEC_ERROR_RE = re.compile(
    r"^(?P<message>.*?)(?: - at `(?P<where>[^`]*)`(?: in `(?P<within>[^`]*)`)?)?\Z", re.DOTALL
)
_UNKNOWN_FIELD = "Object contains unknown field `"
_MISSING_FIELD = "Object missing required field `"


def decode_json(body: bytes | str, *, path: str = "$") -> Any:
    """Decode JSON to builtins; any malformation (or a NUL character) is a ValidationError."""
    try:
        data = _DECODER.decode(body)
    except msgspec.DecodeError as exc:
        raise ValidationError(f"malformed JSON: {exc}", path=path) from None
    except RecursionError:
        raise ValidationError("malformed JSON: nesting is too deep", path=path) from None
    escaped_nul = b"\\u0000" in body if isinstance(body, bytes) else "\\u0000" in body
    if escaped_nul and _contains_nul(data):
        # PostgreSQL cannot store U+0000 in text or jsonb; refuse it here rather than fail later.
        raise ValidationError("strings must not contain the NUL character (\\u0000)", path=path)
    return data


def _contains_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def translate_error(exc: msgspec.ValidationError, prefix: str) -> ValidationError:
    """Turn a msgspec error into ours, rebasing its ``$...`` path onto `prefix`."""
    match = _MSGSPEC_ERROR_RE.match(str(exc))
    assert match is not None  # the pattern matches any string
    message, where, within = match["message"], match["where"], match["within"]
    if where == "key" and within is not None:
        path, message = within, f"invalid property name: {message}"
    else:
        path = where or "$"
    if message.startswith("@"):
        sub_path, _, message = message[1:].partition(": ")
        path = f"{path}.{sub_path}"
    elif message.startswith(_UNKNOWN_FIELD):
        name = message[len(_UNKNOWN_FIELD) : -1]
        path, message = f"{path}.{name}", f"property {name!r} is not allowed here"
    elif message.startswith(_MISSING_FIELD):
        name = message[len(_MISSING_FIELD) : -1]
        path, message = f"{path}.{name}", f"required property {name!r} is missing"
    elif message.startswith("Invalid value ") and path.endswith(".objectType"):
        message = f"objectType {message[len('Invalid value ') :]} is not allowed here"
    if "matching regex" in message:
        for pattern, description in PATTERN_DESCRIPTIONS.items():
            message = message.replace(f"`str` matching regex {pattern!r}", description)
    return ValidationError(message, path=prefix + path[1:])


def parse_statement_object(raw: Any, version: str, path: str) -> Statement:
    """Validate one decoded statement object; the Statement remembers `raw` as received."""
    if not isinstance(raw, dict):
        raise ValidationError("expected a statement object", path=path)
    shaped = shape_statement(raw, version, path)
    try:
        statement = msgspec.convert(shaped, Statement)
    except msgspec.ValidationError as exc:
        raise translate_error(exc, path) from None
    attach_received_json(statement, raw)
    return statement


def parse_statements(body: bytes, version: str) -> list[Statement]:
    """Validate a POST/PUT body: one statement object or a non-empty array of them.

    `version` is the negotiated request version ("1.0.3" or "2.0.0"). Ids repeated within a
    batch are rejected (Communication 2.1.1/2.1.2).
    """
    data = decode_json(body)
    if isinstance(data, dict):
        statements = [parse_statement_object(data, version, "$")]
    elif isinstance(data, list):
        if not data:
            raise ValidationError("the array contains no statements", path="$")
        statements = [parse_statement_object(item, version, f"$[{i}]") for i, item in enumerate(data)]
        _check_unique_ids(statements)
    else:
        raise ValidationError("expected a statement object or an array of statements", path="$")
    return statements


def _check_unique_ids(statements: list[Statement]) -> None:
    seen: dict[str, int] = {}
    for index, statement in enumerate(statements):
        if isinstance(statement.id, str):
            key = statement.id.lower()
            if key in seen:
                raise ValidationError(
                    f"statement id {statement.id} is already used by $[{seen[key]}] in this batch",
                    path=f"$[{index}].id",
                )
            seen[key] = index


def parse_agent_param(text: str, version: str, param: str = "agent", *, allow_group: bool = True) -> Agent | Group:
    """Parse an ``agent`` query parameter: JSON for an Agent (or identified Group) with one IFI.

    Errors carry ``path`` = `param` (or `param` plus the property, e.g. ``agent.mbox``). Pass
    ``allow_group=False`` where the spec wants an Agent only (Agents and Agent Profile resources).
    The rules are the same for every supported `version`.
    """
    data = decode_json(text, path=param)
    if not isinstance(data, dict):
        raise ValidationError("expected a JSON object describing an Agent", path=param)
    shaped = data if "objectType" in data else {**data, "objectType": "Agent"}
    target: Any = Agent | Group if allow_group else Agent
    try:
        agent: Agent | Group = msgspec.convert(shaped, target)
    except msgspec.ValidationError as exc:
        raise translate_error(exc, param) from None
    if isinstance(agent, Group) and agent.is_anonymous:
        raise ValidationError("an anonymous Group cannot identify anyone; use an identified Group", path=param)
    return agent
