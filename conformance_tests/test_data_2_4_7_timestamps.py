"""Data 2.4.7 and 2.4.8: timestamp (set by the client or the LRS) and stored (always set by the LRS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conformance_tests import expect, flows
from conformance_tests.cases import Case, Slot, const, params
from conformance_tests.cases import slots as s
from conformance_tests.cases.values import INVALID_TIMESTAMPS, VALID_TIMESTAMPS
from conformance_tests.client import XAPIClient
from conformance_tests.factory import Factory
from conformance_tests.requirements import requirement

TIMESTAMP = "Data 2.4.7"
STORED = "Data 2.4.8"
ISO = "Data 4.5"

INVALID = tuple(
    Case(name, ISO, "A Timestamp MUST be formatted according to ISO 8601", const(value))
    for name, value in INVALID_TIMESTAMPS.items()
)
VALID = tuple(
    Case(name, ISO, "The LRS MUST accept ISO 8601 timestamps with a time zone and keep their instant", const(value))
    for name, value in VALID_TIMESTAMPS.items()
)


@pytest.mark.parametrize(("case", "slot"), params(INVALID, s.TIMESTAMP_SLOTS))
def test_invalid_timestamp_rejected(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    expect.rejected(lrs.post_statements(slot.place(factory, case.value(factory))))


@pytest.mark.parametrize(("case", "slot"), params(VALID, s.TIMESTAMP_SLOTS))
def test_valid_timestamp_kept(lrs: XAPIClient, factory: Factory, case: Case, slot: Slot) -> None:
    flows.preserved(lrs, slot.place(factory, case.value(factory)))


@requirement(ISO, "A Timestamp MUST preserve precision to at least milliseconds")
def test_timestamp_millisecond_precision(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(timestamp="2024-03-04T05:06:07.891Z")
    flows.accepted(lrs, statement)
    got = expect.parse_timestamp(lrs.fetch_json(statement["id"])["timestamp"])
    assert got == datetime(2024, 3, 4, 5, 6, 7, 891000, tzinfo=UTC), f"timestamp came back as {got.isoformat()}"


@requirement(ISO, "The LRS SHOULD* return the Timestamp in UTC")
def test_timestamp_returned_in_utc(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(timestamp="2024-03-04T05:06:07.000+02:00")
    flows.accepted(lrs, statement)
    text = lrs.fetch_json(statement["id"])["timestamp"]
    assert text.endswith(("Z", "+00:00")), f"timestamp {text!r} is not expressed in UTC"
    assert expect.parse_timestamp(text) == datetime(2024, 3, 4, 3, 6, 7, tzinfo=UTC), f"instant changed: {text}"


@requirement(TIMESTAMP, "The 'timestamp' SHOULD* be set by the LRS to the value of 'stored' if not provided")
def test_timestamp_set_from_stored(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])
    assert "timestamp" in got, "the LRS did not set a timestamp"
    assert expect.parse_timestamp(got["timestamp"]) == expect.parse_timestamp(got["stored"]), (
        f"timestamp {got['timestamp']} differs from stored {got['stored']}"
    )


@requirement(TIMESTAMP, "An LRS SHOULD* NOT reject a timestamp for having a greater value than the current time")
def test_future_timestamp_accepted(lrs: XAPIClient, factory: Factory) -> None:
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    flows.preserved(lrs, factory.statement(timestamp=future))


@requirement(STORED, "The 'stored' property MUST be set by the LRS")
def test_stored_is_set(lrs: XAPIClient, factory: Factory) -> None:
    before = datetime.now(UTC) - timedelta(minutes=5)
    statement = factory.statement()
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])
    assert "stored" in got, "the returned statement has no 'stored'"
    stored = expect.parse_timestamp(got["stored"])
    assert stored > before, f"stored {got['stored']} is not a current time"


@requirement(STORED, "The LRS MUST overwrite any value currently in the 'stored' property")
def test_stored_overwritten(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement(stored="2001-01-01T00:00:00.000Z")
    flows.accepted(lrs, statement)
    got = lrs.fetch_json(statement["id"])
    assert expect.parse_timestamp(got["stored"]).year > 2001, f"stored kept the client's value {got['stored']}"


@requirement(STORED, "An LRS SHOULD validate the 'stored' property it receives")
def test_invalid_stored_rejected(lrs: XAPIClient, factory: Factory) -> None:
    expect.rejected(lrs.post_statements(factory.statement(stored="last tuesday")))


@requirement(STORED, "The 'stored' property SHOULD be the current or a past time")
def test_stored_not_in_future(lrs: XAPIClient, factory: Factory) -> None:
    statement = factory.statement()
    flows.accepted(lrs, statement)
    stored = expect.parse_timestamp(lrs.fetch_json(statement["id"])["stored"])
    assert stored <= datetime.now(UTC) + timedelta(seconds=60), f"stored {stored.isoformat()} is in the future"
