"""Primitive values, valid and invalid, for the special data types of Data 4 and Data 2.2.

Invalid values are chosen so that no reasonable reading of the spec could accept them (no
scheme, broken structure, wrong JSON type); valid ones include the edge cases the spec names.
"""

from __future__ import annotations

from typing import Final

# IRIs (Data 2.2: "containing IRL or IRI values without a scheme"; Data 4.3).
INVALID_IRIS: Final[dict[str, object]] = {
    "no-scheme-words": "not an iri",
    "no-scheme-host-path": "example.com/path",
    "empty": "",
    "relative-path": "/relative/path",
    "fragment-only": "#fragment",
    "number": 42,
}

# Valid IRIs of several schemes; the builders append run-unique parts where identity matters.
VALID_IRI_FORMS: Final[dict[str, str]] = {
    "http": "http://conformance.example.org/{run}/plain/{n}",
    "https-query-fragment": "https://conformance.example.org/{run}/q/{n}?a=b&c=d#frag",
    "unicode-iri": "http://conformance.example.org/{run}/فعل/خواندن/{n}",
    "percent-encoded": "http://conformance.example.org/{run}/%E2%9C%93/{n}",
    "urn": "urn:conformance:{run}:{n}",
    "tag": "tag:conformance.example.org,2024:{run}/{n}",
}

# RFC 5646 language tags.
INVALID_LANGUAGE_TAGS: Final[dict[str, str]] = {
    "empty": "",
    "underscore": "en_US",
    "single-letter": "e",
    "nine-letter-primary": "abcdefghi",
    "trailing-hyphen": "en-",
    "leading-hyphen": "-en",
    "double-hyphen": "en--US",
    "digits-primary": "123",
    "space": "en US",
    "lone-singleton": "en-a",
}

VALID_LANGUAGE_TAGS: Final[dict[str, str]] = {
    "language": "en",
    "language-region": "en-US",
    "three-letter": "tlh",
    "script-region": "zh-Hant-TW",
    "script": "sr-Latn",
    "un-m49-region": "es-419",
    "variant": "de-CH-1996",
    "private-use-suffix": "en-US-x-private",
    "private-use-only": "x-private",
    "grandfathered": "i-klingon",
    "mixed-case": "EN-us",
    "undetermined": "und",
}

# UUIDs (Data 4.4: standard string form).
INVALID_UUIDS: Final[dict[str, object]] = {
    "words": "not-a-uuid",
    "empty": "",
    "short": "1234",
    "no-hyphens": "c0ffee000000400080000000000000aa",
    "braces": "{c0ffee00-0000-4000-8000-0000000000aa}",
    "urn-prefix": "urn:uuid:c0ffee00-0000-4000-8000-0000000000aa",
    "non-hex": "zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz",
    "short-last-group": "c0ffee00-0000-4000-8000-0000000000a",
    "number": 12345,
}

# Timestamps (Data 4.5: ISO 8601).
INVALID_TIMESTAMPS: Final[dict[str, object]] = {
    "words": "not a timestamp",
    "empty": "",
    "month-13": "2024-13-01T00:00:00Z",
    "february-30": "2024-02-30T00:00:00Z",
    "hour-25": "2024-01-01T25:00:00Z",
    "minute-60": "2024-01-01T12:60:00Z",
    "us-date": "01/02/2024",
    "offset-minus-00": "2024-01-01T12:00:00.000-00",
    "offset-minus-0000": "2024-01-01T12:00:00.000-0000",
    "offset-minus-00:00": "2024-01-01T12:00:00.000-00:00",
    "number": 1704110400,
}

VALID_TIMESTAMPS: Final[dict[str, str]] = {
    "utc-z": "2024-01-01T12:00:00Z",
    "milliseconds": "2024-01-01T12:00:00.123Z",
    "microseconds": "2024-01-01T12:00:00.123456Z",
    "positive-offset": "2024-01-01T12:00:00+05:30",
    "negative-offset-fraction": "2024-01-01T12:00:00.1-07:00",
    "explicit-utc-offset": "2024-01-01T12:00:00.000+00:00",
    "future": "2999-12-31T23:59:59.999Z",
}

# Durations (Data 4.6: ISO 8601:2004 4.4.3.2 format).
INVALID_DURATIONS: Final[dict[str, object]] = {
    "words": "1 hour",
    "empty": "",
    "designator-only": "P",
    "time-designator-only": "PT",
    "weeks-combined": "P4W1D",
    "hours-without-T": "P1H",
    "days-in-time-part": "PT1D",
    "dangling-T": "P1Y2M3DT",
    "alternative-format": "P0003-06-04T12:30:05",
    "negative-component": "PT1H-5M",
    "number": 3600,
}

VALID_DURATIONS: Final[dict[str, str]] = {
    "hours-minutes-seconds": "PT4H35M59.14S",
    "seconds-only": "PT16559.14S",
    "all-components": "P3Y1M29DT4H35M59.14S",
    "years": "P3Y",
    "weeks": "P4W",
    "zero": "PT0S",
    "days": "P1D",
    "whole-seconds": "PT1234S",
}
