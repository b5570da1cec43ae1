"""Small multi-request flows shared by many checks (store then read back, reject then verify)."""

from __future__ import annotations

import time
from typing import Any

from conformance_tests import expect
from conformance_tests.client import XAPIClient
from conformance_tests.compare import assert_preserved


def accepted(lrs: XAPIClient, statement: dict[str, Any]) -> str:
    """POST one statement that must be accepted with 200 and its own id; return the id."""
    response = expect.status(lrs.post_statements(statement), 200)
    ids = expect.json_body(response)
    assert isinstance(ids, list) and len(ids) == 1, f"POST must return an array of one id, got {ids!r}"
    if "id" in statement:
        assert ids[0] == statement["id"], f"POST returned id {ids[0]!r}, statement had {statement['id']!r}"
    return str(ids[0])


def preserved(lrs: XAPIClient, statement: dict[str, Any]) -> dict[str, Any]:
    """Store a valid statement, read it back and require it unchanged (Data 2.3.1 exceptions aside)."""
    statement_id = accepted(lrs, statement)
    got = lrs.fetch_json(statement_id)
    assert_preserved(statement, got)
    return got


def rejected_and_absent(lrs: XAPIClient, body: Any, ids: list[str]) -> None:
    """POST a body that must be rejected with 400, then require none of `ids` to be stored."""
    expect.rejected(lrs.post_statements(body))
    for statement_id in ids:
        response = lrs.get_statements({"statementId": statement_id})
        assert response.status_code == 404, (
            f"statement {statement_id} from a rejected request was stored: {expect.describe(response)}"
        )


def query_ids(lrs: XAPIClient, params: dict[str, Any], *, max_pages: int = 50) -> list[str]:
    """All statement ids a query returns, following `more` links (so small page sizes still work)."""
    response = expect.status(lrs.get_statements(params), 200)
    result = expect.json_body(response)
    ids = expect.statement_ids(result)
    pages = 1
    while result.get("more") and pages < max_pages:
        response = expect.status(lrs.more(result["more"]), 200)
        result = expect.json_body(response)
        ids.extend(expect.statement_ids(result))
        pages += 1
    return ids


def wait_consistent(lrs: XAPIClient, statement_ids: list[str], *, timeout: float = 10.0) -> None:
    """Wait until the LRS says every statement stored so far is available to queries.

    Reads each statement once (so their `stored` is known), then polls
    X-Experience-API-Consistent-Through until it is at or after the latest of them.
    """
    latest = max(expect.parse_timestamp(lrs.fetch_json(i)["stored"]) for i in statement_ids)
    deadline = time.monotonic() + timeout
    while True:
        response = expect.status(lrs.get_statements({"limit": 1}), 200)
        if expect.consistent_through(response) >= latest or time.monotonic() > deadline:
            return
        time.sleep(0.05)
