"""Timestamps (Data 4.5) and durations (Data 4.6).

Timestamps are kept as written unless a rule says otherwise, so this module parses them into a
`Timestamp` that remembers the wall-clock time, the offset and the exact fraction digits: a 2.0
statement can then be rewritten in UTC without losing precision, and two timestamps can be compared
as instants (Data 2.3.1: the serialization of a timestamp is not part of the immutable statement).

Accepted: ISO 8601 combined date and time in extended (``2013-05-18T05:32:34.804+00:00``) or basic
(``20130518T053234Z``) format, seconds and zone optional (the spec only says a zone SHOULD* be
present; a timestamp without one is read as UTC), plus the RFC 3339 space separator, which only
2.0 allows (the caller checks `Timestamp.separator`). An offset of ``-00``/``-0000``/``-00:00``
("unknown local offset") is rejected, as the conformance suites require.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from lrs.errors import ValidationError
from lrs.xapi._syntax import DURATION_PATTERN

_EXTENDED_RE = re.compile(
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})([Tt ])([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]+))?)?"
    r"([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?\Z"
)
_BASIC_RE = re.compile(
    r"^([0-9]{4})([0-9]{2})([0-9]{2})([Tt])([0-9]{2})([0-9]{2})"
    r"(?:([0-9]{2})(?:[.,]([0-9]+))?)?"
    r"([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?\Z"
)
_DURATION_RE = re.compile(DURATION_PATTERN)
_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A parsed timestamp: wall-clock time as written, its offset and its exact fraction digits."""

    local: datetime
    """Naive date and time as written, without the fraction."""
    offset_minutes: int | None
    """Zone offset east of UTC in minutes; None when the timestamp has no zone designator."""
    fraction: str
    """Digits after the decimal sign exactly as written ("" when there are none)."""
    separator: str
    """The character between date and time: "T", "t" or " " (RFC 3339 only)."""

    @property
    def utc(self) -> datetime:
        """The instant as an aware UTC datetime (microsecond precision)."""
        micro = int((self.fraction + "000000")[:6])
        moment = self.local - timedelta(minutes=self.offset_minutes or 0)
        return moment.replace(microsecond=micro, tzinfo=UTC)

    def utc_string(self) -> str:
        """The same instant written in UTC with ``Z``, keeping every fraction digit."""
        moment = self.local - timedelta(minutes=self.offset_minutes or 0)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if self.fraction:
            text += "." + self.fraction
        return text + "Z"

    def millisecond_key(self) -> datetime:
        """The instant truncated to milliseconds: what two equal timestamps must share."""
        moment = self.utc
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def parse_timestamp(value: str) -> Timestamp:
    """Parse an ISO 8601 / RFC 3339 timestamp; raise ValueError saying what is wrong."""
    match = _EXTENDED_RE.match(value) or _BASIC_RE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp")
    year, month, day, separator, hour, minute, second, fraction, zone = match.groups()
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        raise ValueError(f"{value!r} is not a valid calendar date and time") from None
    return Timestamp(local, _offset_minutes(value, zone), fraction or "", separator)


def _offset_minutes(value: str, zone: str | None) -> int | None:
    if zone is None:
        return None
    if zone in ("Z", "z"):
        return 0
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"{value!r} has an invalid zone offset")
    if zone[0] == "-" and hours == 0 and minutes == 0:
        raise ValueError(f"{value!r} uses the unknown-local-offset form -00:00")
    total = hours * 60 + minutes
    return -total if zone[0] == "-" else total


def timestamp_instant(value: str) -> datetime:
    """The instant of a validated timestamp as an aware UTC datetime (fast path for stored data)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return parse_timestamp(value).utc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_timestamp_param(value: str, *, param: str) -> datetime:
    """A ``since``/``until`` query parameter as an aware UTC datetime; errors name `param`."""
    try:
        return parse_timestamp(value).utc
    except (ValueError, OverflowError) as exc:
        raise ValidationError(f"{value!r} is not a usable timestamp: {exc}", path=param) from None


def format_stored(moment: datetime) -> str:
    """An aware datetime as the LRS writes ``stored``: UTC, milliseconds, ``Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@functools.lru_cache(maxsize=8)
def format_stored_cached(moment: datetime) -> str:
    """`format_stored`, memoised: every statement of a batch shares one ``stored`` instant."""
    return format_stored(moment)


@dataclass(frozen=True, slots=True)
class Duration:
    """An ISO 8601:2004 4.4.3.2 duration, one Decimal per designator (absent ones are 0)."""

    years: Decimal
    months: Decimal
    weeks: Decimal
    days: Decimal
    hours: Decimal
    minutes: Decimal
    seconds: Decimal

    def comparison_key(self) -> tuple[Decimal, ...]:
        """Components with seconds truncated to 0.01 s, the precision statements compare at.

        Units are never converted into each other (Data 2.3.1: a duration compares as written).
        """
        seconds = self.seconds.quantize(_HUNDREDTH, rounding=ROUND_DOWN)
        parts = (self.years, self.months, self.weeks, self.days, self.hours, self.minutes, seconds)
        return tuple(part.normalize() for part in parts)


def parse_iso8601_duration(value: str) -> Duration:
    """Parse a duration such as ``PT4H35M59.14S`` or ``P4W``; raise ValueError if invalid.

    Only the lowest-order component present may carry a decimal fraction, and weeks cannot be
    combined with other components (ISO 8601:2004 4.4.3.2).
    """
    match = _DURATION_RE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not an ISO 8601 duration")
    weeks, years, months, days, hours, minutes, seconds = match.groups()

    def number(part: str | None) -> Decimal:
        return Decimal(part.replace(",", ".")) if part else Decimal(0)

    return Duration(
        number(years),
        number(months),
        number(weeks),
        number(days),
        number(hours),
        number(minutes),
        number(seconds),
    )
