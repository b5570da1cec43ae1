"""The one place where errors become HTTP responses: a JSON body saying what is wrong and where."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from lrs.errors import LRSError

log = logging.getLogger("lrs.api")


def _json(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(content=body, status_code=status, media_type=MediaType.JSON, headers=headers or {})


def lrs_error_handler(_: Request[Any, Any, Any], exc: LRSError) -> Response[Any]:
    return _json(exc.to_body(), exc.status, exc.headers)


def validation_exception_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Litestar's own parameter checks (a missing or mistyped query parameter) in our error shape."""
    body: dict[str, Any] = {"error": "bad_request", "status": 400, "message": str(exc.detail)}
    extra = exc.extra if isinstance(exc.extra, list) else []
    if extra and isinstance(extra[0], dict):
        key = extra[0].get("key")
        if key:
            body["path"] = str(key)
        message = extra[0].get("message")
        if message:
            body["message"] = f"{key}: {message}" if key else str(message)
    return _json(body, 400)


def http_exception_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(exc.status_code, "http_error")
    return _json({"error": code, "status": exc.status_code, "message": str(exc.detail)}, exc.status_code, exc.headers)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug, never a client's fault: logged with its traceback, answered without internals."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json({"error": "internal_error", "status": 500, "message": "internal server error"}, 500)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    LRSError: lrs_error_handler,
    ValidationException: validation_exception_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
