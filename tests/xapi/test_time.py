"""Timestamps (Data 4.5) and durations (Data 4.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from lrs.errors import ValidationError
from lrs.xapi import format_stored, parse_iso8601_duration, parse_timestamp, parse_timestamp_param


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2013-05-18T05:32:34.804Z", datetime(2013, 5, 18, 5, 32, 34, 804000, UTC)),
        ("2013-05-18T07:32:34.804+02:00", datetime(2013, 5, 18, 5, 32, 34, 804000, UTC)),
        ("2013-05-18T00:32:34-0500", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T05:32:34+00", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("20130518T053234.5Z", datetime(2013, 5, 18, 5, 32, 34, 500000, UTC)),
        ("2013-05-18T05:32:34", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18t05:32:34,25z", datetime(2013, 5, 18, 5, 32, 34, 250000, UTC)),
        ("2013-05-18 05:32:34Z", datetime(2013, 5, 18, 5, 32, 34, tzinfo=UTC)),
        ("2013-05-18T05:32Z", datetime(2013, 5, 18, 5, 32, tzinfo=UTC)),
    ],
)
def test_timestamps_parse_to_the_instant(text: str, utc: datetime) -> None:
    assert parse_timestamp(text).utc == utc


@pytest.mark.parametrize(
    "text",
    [
        "",
        "should fail",
        "01/011/2015",
        "2013-05-18",
        "2013-05-18T05",
        "2013-13-18T05:32:34Z",
        "2013-02-29T05:32:34Z",
        "2013-05-18T05:60:00Z",
        "2013-05-18T05:32:34.Z",
        "2013-05-18T05:32:34+24:00",
        "2013-05-18T05:32:34-00:00",
        "2013-05-18T05:32:34-00",
        "2013-05-18T05:32:34 Z",
        "٢٠١٣-05-18T05:32:34Z",
        "2013-05-18T05:32:34Z\n",
        "2013-05-18T05:32:60Z",
    ],
)
def test_invalid_timestamps_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"timestamp|calendar|offset|-00:00"):
        parse_timestamp(text)


def test_utc_string_keeps_every_fraction_digit_and_crosses_midnight() -> None:
    assert parse_timestamp("2024-01-01T00:30:00.123456789+01:00").utc_string() == "2023-12-31T23:30:00.123456789Z"
    assert parse_timestamp("2024-01-01T00:30:00-05:30").utc_string() == "2024-01-01T06:00:00Z"


def test_millisecond_key_ignores_finer_precision_and_zone() -> None:
    left = parse_timestamp("2024-01-01T12:00:00.1239Z").millisecond_key()
    right = parse_timestamp("2024-01-01T14:00:00.123+02:00").millisecond_key()
    assert left == right


def test_format_stored_is_utc_with_milliseconds() -> None:
    moment = datetime(2024, 3, 4, 5, 6, 7, 891234, timezone(timedelta(hours=2)))
    assert format_stored(moment) == "2024-03-04T03:06:07.891Z"


def test_timestamp_param_returns_utc_and_names_the_parameter() -> None:
    assert parse_timestamp_param("2012-06-01T19:09:13.245Z", param="since") == datetime(
        2012, 6, 1, 19, 9, 13, 245000, UTC
    )
    for text in ("yesterday", "0001-01-01T00:00:00+01:00"):
        with pytest.raises(ValidationError) as info:
            parse_timestamp_param(text, param="until")
        assert info.value.path == "until"


@pytest.mark.parametrize(
    ("text", "seconds", "hours"),
    [
        ("PT4H35M59.14S", "59.14", "4"),
        ("PT16559.14S", "16559.14", "0"),
        ("P3Y1M29DT4H35M59.14S", "59.14", "4"),
        ("P3Y", "0", "0"),
        ("P4W", "0", "0"),
        ("PT1,5S", "1.5", "0"),
        ("PT1.5H", "0", "1.5"),
        ("P0D", "0", "0"),
    ],
)
def test_durations_parse(text: str, seconds: str, hours: str) -> None:
    parsed = parse_iso8601_duration(text)
    assert parsed.seconds == Decimal(seconds)
    assert parsed.hours == Decimal(hours)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P",
        "PT",
        "P1DT",
        "PA1H0M0S",
        "P4W1D",
        "P1W2Y",
        "PT1.5H30M",
        "P1.5Y2M",
        "-PT1S",
        "PT1S ",
        "1S",
        "PT1M1H",
        "P1Y1Y",
        "PT.5S",
        "PT5.S",
        "pt5s",
    ],
)
def test_invalid_durations_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|fraction"):
        parse_iso8601_duration(text)


def test_duration_comparison_is_at_hundredths_without_unit_conversion() -> None:
    def key(text: str) -> tuple[Decimal, ...]:
        return parse_iso8601_duration(text).comparison_key()

    assert key("PT1.234S") == key("PT1.23S") == key("PT1.2399S")
    assert key("PT1.20S") == key("PT1.2S")
    assert key("PT1.24S") != key("PT1.23S")
    assert key("PT60S") != key("PT1M")
    assert key("P1D") == key("P1DT0S")
