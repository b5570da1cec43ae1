"""A thin httpx wrapper that speaks to one LRS: base endpoint, Basic credential, version header.

Every test goes through `XAPIClient.request`, so any header or parameter rule can be broken on
purpose (no auth, another version header, raw bodies) without reaching around the client.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from typing import Any, Final

import httpx

from conformance_tests.settings import Settings

VERSION_HEADER: Final = "X-Experience-API-Version"
CONSISTENT_THROUGH: Final = "X-Experience-API-Consistent-Through"


class _Default:
    """Marker type: "use the client's own value" for auth and version."""


DEFAULT: Final = _Default()

ParamValue = str | int | bool | Mapping[str, Any] | list[Any]
Params = Mapping[str, Any]  # values rendered by encode_param


def encode_param(value: ParamValue) -> str:
    """Render one query parameter the way xAPI expects (JSON objects, lowercase booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def basic_auth(key: str, secret: str) -> str:
    """The Authorization header value for HTTP Basic with this key and secret."""
    token = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
    return f"Basic {token}"


class XAPIClient:
    """One shared connection pool to the LRS under test."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.version = settings.version
        self.authorization = basic_auth(settings.key, settings.secret)
        self._http = httpx.Client(
            base_url=settings.endpoint,
            timeout=settings.timeout,
            transport=transport,
            # Identity encoding keeps the ETag rule (SHA-1 of the contents) applicable.
            headers={"Accept-Encoding": "identity", "Accept": "application/json"},
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def absolute(self, path: str) -> str:
        """Resolve a host-relative path (as in `more`) against the endpoint's scheme and host."""
        return str(httpx.URL(self.settings.endpoint).join(path))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = DEFAULT,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        auth: str | _Default | None = DEFAULT,
        version: str | _Default | None = DEFAULT,
    ) -> httpx.Response:
        """Send one request; `auth`/`version` None omit the header, a string replaces it."""
        all_headers: dict[str, str] = {}
        if isinstance(version, _Default):
            all_headers[VERSION_HEADER] = self.version
        elif version is not None:
            all_headers[VERSION_HEADER] = version
        if isinstance(auth, _Default):
            all_headers["Authorization"] = self.authorization
        elif auth is not None:
            all_headers["Authorization"] = auth
        body: bytes | str | None = content
        if not isinstance(json_body, _Default):
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        query = {name: encode_param(value) for name, value in (params or {}).items()}
        # An empty params mapping would make httpx drop a query already in `path` (e.g. a `more` IRL).
        return self._http.request(method, path, params=query or None, content=body, headers=all_headers)

    # -- Statement resource ------------------------------------------------------------------

    def post_statements(self, body: Any, **kwargs: Any) -> httpx.Response:
        """POST one statement or a batch as JSON."""
        return self.request("POST", "statements", json_body=body, **kwargs)

    def put_statement(self, statement: Any, statement_id: str, **kwargs: Any) -> httpx.Response:
        """PUT one statement under `statement_id`."""
        return self.request("PUT", "statements", params={"statementId": statement_id}, json_body=statement, **kwargs)

    def send_multipart(
        self, body: bytes, content_type: str, *, method: str = "POST", params: Params | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send a multipart/mixed statements request built with `conformance_tests.multipart`."""
        headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}
        return self.request(method, "statements", params=params, content=body, headers=headers, **kwargs)

    def get_statements(self, params: Params | None = None, **kwargs: Any) -> httpx.Response:
        """GET the Statement resource with these parameters."""
        return self.request("GET", "statements", params=params, **kwargs)

    def store(self, statement: Mapping[str, Any]) -> str:
        """POST one statement that must be accepted; return its id."""
        response = self.post_statements(statement)
        if response.status_code != 200:
            raise AssertionError(
                f"setup: LRS refused a valid statement ({response.status_code}): {response.text[:500]}"
            )
        ids = response.json()
        return str(ids[0])

    def store_batch(self, statements: list[dict[str, Any]]) -> list[str]:
        """POST a batch that must be accepted; return the ids in order."""
        response = self.post_statements(statements)
        if response.status_code != 200:
            raise AssertionError(f"setup: LRS refused a valid batch ({response.status_code}): {response.text[:500]}")
        return [str(i) for i in response.json()]

    def fetch(self, statement_id: str, *, voided: bool = False, **params: Any) -> httpx.Response:
        """GET one statement by id, waiting briefly if the LRS has not made it available yet.

        The spec lets an LRS answer a write before the statement is readable, so a 404 right after
        a write is retried for up to `settings.timeout / 10` seconds before it is believed.
        """
        name = "voidedStatementId" if voided else "statementId"
        deadline = time.monotonic() + self.settings.timeout / 10
        while True:
            response = self.get_statements({name: statement_id, **params})
            if response.status_code != 404 or time.monotonic() > deadline:
                return response
            time.sleep(0.05)

    def fetch_json(self, statement_id: str, **params: Any) -> dict[str, Any]:
        """The stored statement as JSON; fails the check if it cannot be read back."""
        response = self.fetch(statement_id, **params)
        if response.status_code != 200:
            raise AssertionError(
                f"statement {statement_id} stored with 200 but GET returned {response.status_code}: "
                f"{response.text[:300]}"
            )
        result: dict[str, Any] = response.json()
        if not isinstance(result, dict) or result.get("id") != statement_id:
            raise AssertionError(f"GET statementId={statement_id} returned another document: {str(result)[:300]}")
        return result

    def more(self, more: str, **kwargs: Any) -> httpx.Response:
        """Follow a StatementResult `more` IRL (a path relative to the LRS host)."""
        return self.request("GET", self.absolute(more), **kwargs)
