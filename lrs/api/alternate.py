"""Alternate request syntax (Communication 1.3, xAPI 1.0.3 only): `POST ...?method=PUT` with a form body.

The request is rewritten into the ordinary one before routing, so every resource supports it for free:
form fields that are header parameters become headers, `content` becomes the body, the rest the query.
xAPI 2.0 removed this syntax: such requests are rejected with 400.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec

from lrs.errors import BadRequest, LRSError, PayloadTooLarge

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE"})
HEADER_FIELDS = {
    "authorization": b"authorization",
    "x-experience-api-version": b"x-experience-api-version",
    "content-type": b"content-type",
    "content-length": b"content-length",
    "if-match": b"if-match",
    "if-none-match": b"if-none-match",
}
FORM = "application/x-www-form-urlencoded"


def is_alternate(scope: Scope) -> bool:
    if scope.get("type") != "http" or scope.get("method") != "POST":
        return False
    return any(key == "method" for key, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1")))


def rewrite(scope: Scope, body: bytes) -> tuple[Scope, bytes]:
    """The ordinary request an alternate-syntax request stands for; BadRequest when it is malformed."""
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if len(query) != 1:
        raise BadRequest("with the alternate request syntax, method must be the only query parameter", path="method")
    method = query[0][1].upper()
    if method not in METHODS:
        raise BadRequest(f"method must be one of {', '.join(sorted(METHODS))}, not {query[0][1]!r}", path="method")
    headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers", [])}
    content_type = headers.get("content-type", b"").decode("latin-1").split(";")[0].strip().lower()
    if content_type != FORM:
        raise BadRequest(f"an alternate-syntax request must have Content-Type {FORM}", path="Content-Type")
    try:
        form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise BadRequest("the form body is not UTF-8") from None

    new_headers = {k: v for k, v in headers.items() if k not in ("content-type", "content-length")}
    params: list[tuple[str, str]] = []
    content: bytes | None = None
    for name, value in form:
        lowered = name.lower()
        if lowered == "content":
            content = value.encode("utf-8")
        elif lowered in HEADER_FIELDS:
            new_headers[lowered] = value.encode("latin-1", "replace")
        else:
            params.append((name, value))

    version = new_headers.get("x-experience-api-version", b"").decode("latin-1").strip()
    if version.startswith("2"):
        raise BadRequest("the alternate request syntax was removed in xAPI 2.0", path="method")
    body_out = content or b""
    if content is not None and "content-type" not in new_headers:
        new_headers["content-type"] = b"application/json"
    new_headers.pop("content-length", None)
    new_headers["content-length"] = str(len(body_out)).encode()
    new_scope = dict(scope)
    new_scope["method"] = method
    new_scope["query_string"] = urlencode(params).encode("latin-1")
    new_scope["headers"] = [(k.encode("latin-1"), v) for k, v in new_headers.items()]
    return new_scope, body_out


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def send_error(send: Send, error: LRSError, version: str) -> None:
    body = msgspec.json.encode(error.to_body())
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-experience-api-version", version.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
