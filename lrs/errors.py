"""The one error tree of the LRS; `lrs.api.errors` maps it to HTTP in one place.

Every error a client can cause is an `LRSError` carrying its HTTP status, a short
machine-readable `code`, a human `message` and, where it applies, the JSON `path`
(`$.actor.mbox`) or request parameter it is about.

    LRSError                      500  base; never raised directly
    ├── BadRequest                400  the request is malformed (headers, parameters, body framing)
    │   ├── ValidationError       400  a statement / document / parameter breaks an xAPI rule; has `path`
    │   └── UnsupportedVersion    400  X-Experience-API-Version missing or not 1.0.x / 2.0.x
    ├── Unauthorized              401  no credential, or one that is unknown, wrong, expired or revoked
    ├── Forbidden                 403  the credential is valid but lacks the scope
    ├── NotFound                  404  the addressed statement, document, course or learner does not exist
    ├── Conflict                  409  statement id reused with a different statement; document PUT without
    │                                  preconditions on an existing document
    ├── PreconditionFailed        412  If-Match / If-None-Match does not hold
    ├── PayloadTooLarge           413  body, batch or attachment exceeds a configured limit
    └── ServiceUnavailable        503  a dependency (PostgreSQL) cannot serve the request right now
"""

from __future__ import annotations

from typing import Any, ClassVar


class LRSError(Exception):
    """Base of every error the LRS turns into an HTTP response."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, path: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.headers = headers or {}

    def to_body(self) -> dict[str, Any]:
        """The JSON body sent to the client: what is wrong and where."""
        body: dict[str, Any] = {"error": self.code, "status": self.status, "message": self.message}
        if self.path is not None:
            body["path"] = self.path
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, path={self.path!r})"


class BadRequest(LRSError):
    """The request is malformed: headers, parameters or body framing."""

    status = 400
    code = "bad_request"


class ValidationError(BadRequest):
    """A statement, document or parameter breaks an xAPI rule; `path` says where (`$.actor.mbox`)."""

    code = "validation_error"


class UnsupportedVersion(BadRequest):
    """`X-Experience-API-Version` is missing or names a version this LRS does not serve."""

    code = "unsupported_version"


class Unauthorized(LRSError):
    """No credential, or an unknown, wrong, expired or revoked one."""

    status = 401
    code = "unauthorized"

    def __init__(self, message: str = "valid credentials are required", **kwargs: Any):
        headers = kwargs.pop("headers", None) or {"WWW-Authenticate": 'Basic realm="xAPI", charset="UTF-8"'}
        super().__init__(message, headers=headers, **kwargs)


class Forbidden(LRSError):
    """The credential is valid but its scopes do not allow this request."""

    status = 403
    code = "forbidden"


class NotFound(LRSError):
    """The addressed statement, document, course or learner does not exist in this store."""

    status = 404
    code = "not_found"


class Conflict(LRSError):
    """A statement id reused with a different statement, or a document PUT that would overwrite blindly."""

    status = 409
    code = "conflict"


class PreconditionFailed(LRSError):
    """An If-Match / If-None-Match precondition does not hold."""

    status = 412
    code = "precondition_failed"


class PayloadTooLarge(LRSError):
    """A body, batch or attachment exceeds a configured limit."""

    status = 413
    code = "payload_too_large"


class ServiceUnavailable(LRSError):
    """A dependency cannot serve the request right now; the client may retry."""

    status = 503
    code = "service_unavailable"
