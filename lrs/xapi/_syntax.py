"""String formats of the xAPI data model (Data 2.2, 4.2-4.4) as reusable msgspec constraints.

Every pattern is anchored with ``\\Z`` (not ``$``, which also matches before a trailing newline),
because msgspec checks constraints with ``re.search``. The same compiled patterns back the
``validate_*`` helpers used for request parameters, so a value is judged the same way in a
statement and in a query string (Data 2.2: "validate parameter values to the same standards").
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from msgspec import Meta

from lrs.errors import ValidationError

# An IRI needs a scheme (Data 2.2: reject IRIs "without a scheme") and no characters that RFC 3987
# excludes outright (space, controls, <>"{}|\^`); a '%' must start a percent-encoding. This is the
# spec's "best-effort validation" of IRIs and IRLs.
# Possessive quantifiers keep the check linear (it runs for every IRI of every statement).
IRI_PATTERN = r"^[A-Za-z][A-Za-z0-9+.\-]*+:(?:[^\s<>\"{}|\\^`%\x00-\x1f\x7f]++|%[0-9A-Fa-f]{2})++\Z"

# mbox: "mailto:" followed by an address with exactly one '@' and something on both sides.
MAILTO_PATTERN = r"^mailto:[^@\s<>\"]+@[^@\s<>\"]+\Z"

SHA1_HEX_PATTERN = r"^[0-9A-Fa-f]{40}\Z"

# SHA-2 digests in hex: SHA-224, SHA-256, SHA-384 or SHA-512.
SHA2_HEX_PATTERN = r"^(?:[0-9A-Fa-f]{56}|[0-9A-Fa-f]{64}|[0-9A-Fa-f]{96}|[0-9A-Fa-f]{128})\Z"

# Standard string form of a UUID (Data 4.4). Hex digits of either case; the variant is only
# recommended by the spec (its own examples use other variants), so it is not enforced.
UUID_PATTERN = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\Z"

# Statement "version" (Data 2.4.10): 1.0, 1.0.x, 2.0, 2.0.x. Which of these a request may use
# depends on the request version and is checked by the shape pass.
STATEMENT_VERSION_PATTERN = r"^[12]\.0(?:\.[0-9]+)?\Z"

# Internet media type (RFC 2046 / RFC 7231 syntax): type "/" subtype *( ";" parameter ).
_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~\-]+"
MEDIA_TYPE_PATTERN = rf"^{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|\"(?:[^\"\\]|\\.)*\"))*[ \t]*\Z"

# RFC 5646 "Language-Tag", case-insensitive: langtag / privateuse / grandfathered. The lookahead
# after an extension singleton rejects a second extension with the same singleton; it only runs
# for tags that have extensions, so common tags cost one linear match.
_GRANDFATHERED = (
    "en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|"
    "i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|"
    "zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"
)
LANGUAGE_TAG_PATTERN = (
    r"(?i)^(?:"
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language (+ up to 3 extlang)
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-([0-9a-wyz])(?!(?:(?!-x-).)*?-\1-)(?:-[a-z0-9]{2,8})+)*"  # extensions, singletons unique
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
    r"|x(?:-[a-z0-9]{1,8})+"
    rf"|{_GRANDFATHERED}"
    r")\Z"
)

# ISO 8601 combined date and time, extended or basic format, seconds and zone optional; the RFC
# 3339 space separator is allowed here and refused for 1.0.3 requests by the shape pass. Ranges
# are checked by the pattern, day-of-month against the month by `Statement.__post_init__`; the
# "unknown local offset" -00 / -0000 / -00:00 is refused, as the conformance suites require.
_DATE_EXTENDED = r"(?!0000)[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME_EXTENDED = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?"
_DATE_BASIC = r"(?!0000)[0-9]{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_TIME_BASIC = r"(?:[01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9](?:[.,][0-9]+)?)?"
_ZONE = r"(?:[Zz]|(?!-00(?::?00)?\Z)[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?"
TIMESTAMP_PATTERN = rf"^(?:{_DATE_EXTENDED}[Tt ]{_TIME_EXTENDED}|{_DATE_BASIC}[Tt]{_TIME_BASIC}){_ZONE}\Z"

# ISO 8601:2004 4.4.3.2 duration: designators in order, weeks alone, at least one component, and
# a decimal fraction only on the last component (the lookahead after the fraction).
_DURATION_NUMBER = r"([0-9]+(?:[.,][0-9]+(?=[YMWDHS]\Z))?)"
DURATION_PATTERN = (
    rf"^P(?:{_DURATION_NUMBER}W|(?!\Z)(?:{_DURATION_NUMBER}Y)?(?:{_DURATION_NUMBER}M)?"
    rf"(?:{_DURATION_NUMBER}D)?(?:T(?!\Z)(?:{_DURATION_NUMBER}H)?(?:{_DURATION_NUMBER}M)?"
    rf"(?:{_DURATION_NUMBER}S)?)?)\Z"
)

# Identifiers are indexed (btree keys hold about 2.7 kB), so an over-long one is a clear 400, never a 500.
MAX_IDENTIFIER_LENGTH = 2048
IRI = Annotated[str, Meta(pattern=IRI_PATTERN, max_length=MAX_IDENTIFIER_LENGTH)]
IRL = IRI
MailtoIRI = Annotated[str, Meta(pattern=MAILTO_PATTERN, max_length=MAX_IDENTIFIER_LENGTH)]
Sha1Hex = Annotated[str, Meta(pattern=SHA1_HEX_PATTERN)]
Sha2Hex = Annotated[str, Meta(pattern=SHA2_HEX_PATTERN)]
UUIDString = Annotated[str, Meta(pattern=UUID_PATTERN)]
LanguageTag = Annotated[str, Meta(pattern=LANGUAGE_TAG_PATTERN)]
MediaType = Annotated[str, Meta(pattern=MEDIA_TYPE_PATTERN)]
StatementVersion = Annotated[str, Meta(pattern=STATEMENT_VERSION_PATTERN)]
TimestampString = Annotated[str, Meta(pattern=TIMESTAMP_PATTERN)]
DurationString = Annotated[str, Meta(pattern=DURATION_PATTERN)]
LanguageMap = dict[LanguageTag, str]
# Extension keys are IRIs; values may be any JSON, null included (Data 2.2, 4.1).
Extensions = dict[IRI, Any]

# Human words for msgspec's "Expected `str` matching regex '...'" messages.
PATTERN_DESCRIPTIONS: dict[str, str] = {
    IRI_PATTERN: "an IRI with a scheme",
    MAILTO_PATTERN: 'a "mailto:" IRI with an e-mail address',
    SHA1_HEX_PATTERN: "a hex SHA-1 digest (40 hex digits)",
    SHA2_HEX_PATTERN: "a hex SHA-2 digest (56, 64, 96 or 128 hex digits)",
    UUID_PATTERN: "a UUID in standard string form",
    LANGUAGE_TAG_PATTERN: "an RFC 5646 language tag",
    MEDIA_TYPE_PATTERN: "an Internet media type",
    STATEMENT_VERSION_PATTERN: "a version 1.0.x or 2.0.x",
    TIMESTAMP_PATTERN: "an ISO 8601 timestamp (a zone, if any, other than -00:00)",
    DURATION_PATTERN: "an ISO 8601 duration such as PT1H30M or P4W",
}

_IRI_RE = re.compile(IRI_PATTERN)
_LANGUAGE_TAG_RE = re.compile(LANGUAGE_TAG_PATTERN)
_UUID_RE = re.compile(UUID_PATTERN)
_MEDIA_TYPE_RE = re.compile(MEDIA_TYPE_PATTERN)


def is_iri(value: str) -> bool:
    """True when `value` passes the statement IRI check."""
    return _IRI_RE.search(value) is not None


def is_language_tag(value: str) -> bool:
    """True when `value` is a well-formed RFC 5646 language tag."""
    return _LANGUAGE_TAG_RE.search(value) is not None


def is_uuid(value: str) -> bool:
    """True when `value` is a UUID in standard string form."""
    return _UUID_RE.search(value) is not None


def media_type_essence(value: str) -> str | None:
    """``type/subtype`` in lower case, or None when `value` is not a media type."""
    if _MEDIA_TYPE_RE.search(value) is None:
        return None
    return value.split(";", 1)[0].strip().lower()


def validate_iri(value: str, *, path: str = "$") -> str:
    """Return `value` if it is an IRI, else raise ValidationError naming `path`."""
    if not is_iri(value):
        raise ValidationError(f"{value!r} is not an IRI with a scheme", path=path)
    return value


def validate_language_tag(value: str, *, path: str = "$") -> str:
    """Return `value` if it is an RFC 5646 language tag, else raise ValidationError."""
    if not is_language_tag(value):
        raise ValidationError(f"{value!r} is not an RFC 5646 language tag", path=path)
    return value


def validate_uuid(value: str, *, path: str = "$") -> str:
    """Return `value` if it is a UUID in standard string form, else raise ValidationError."""
    if not is_uuid(value):
        raise ValidationError(f"{value!r} is not a UUID in standard string form", path=path)
    return value
