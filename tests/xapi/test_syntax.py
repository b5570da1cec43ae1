"""String formats: IRIs, language tags, UUIDs (Data 2.2, 4.2-4.4), and the public helpers."""

from __future__ import annotations

import pytest

from lrs.errors import ValidationError
from lrs.xapi import validate_iri, validate_language_tag, validate_uuid
from lrs.xapi._syntax import media_type_essence


@pytest.mark.parametrize(
    "value",
    [
        "http://example.com",
        "https://example.com/a?b=c#d",
        "urn:isbn:0451450523",
        "mailto:a@example.com",
        "tag:example.com,2024:x",
        "http://example.com/%C3%A9",
        "http://example.com/é",
        "x:y",
    ],
)
def test_iris_with_a_scheme_are_valid(value: str) -> None:
    assert validate_iri(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "example.com/path",
        "/relative",
        "#fragment",
        "ab=c://should.fail.com",
        "1http://x",
        "http://a b",
        "http://x/%zz",
        "http://x/<y>",
        "http:",
        "http://x\n",
        "http://x|y",
    ],
)
def test_invalid_iris_are_rejected_naming_the_parameter(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_iri(value, path="activity")
    assert info.value.path == "activity"


@pytest.mark.parametrize(
    "tag",
    [
        "de",
        "en-US",
        "EN-us",
        "tlh",
        "i-enochian",
        "zh-Hant",
        "zh-cmn-Hans-CN",
        "sr-Latn-RS",
        "sl-rozaj-biske",
        "de-CH-1901",
        "hy-Latn-IT-arevela",
        "az-Arab-x-AZE-derbend",
        "x-whatever",
        "es-419",
        "en-a-bbb-x-a-ccc",
        "zh-min-nan",
        "en-GB-oed",
        "qaa-Qaaa-QM-x-southern",
        "de-Latn-DE-1996-a-ext-x-private",
    ],
)
def test_well_formed_language_tags(tag: str) -> None:
    assert validate_language_tag(tag) == tag


@pytest.mark.parametrize(
    "tag",
    [
        "",
        "a-DE",
        "de-419-DE",
        "ar-a-aaa-b-bbb-a-ccc",
        "zh-z-aaa-z-bbb-c-ccc",
        "something",
        "supercalifragilisticexpialidociouswhatabouthhhhhhh",
        "en_US",
        "en-",
        "-en",
        "en--US",
        "x",
        "en-x",
        "en-US-",
        "1en",
        "en-US\n",
    ],
)
def test_malformed_language_tags(tag: str) -> None:
    with pytest.raises(ValidationError):
        validate_language_tag(tag)


@pytest.mark.parametrize("value", ["7c9e6679-7425-40de-944b-e07fc1f90ae7", "7C9E6679-7425-40DE-944B-E07FC1F90AE7"])
def test_uuids_in_standard_form(value: str) -> None:
    assert validate_uuid(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "7c9e6679742540de944be07fc1f90ae7",
        "{7c9e6679-7425-40de-944b-e07fc1f90ae7}",
        "urn:uuid:7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "7c9e6679-7425-40de-944b-e07fc1f90ae",
        "wrong",
        "7c9e6679-7425-40de-944b-e07fc1f90ae7\n",
    ],
)
def test_uuids_not_in_standard_form(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_uuid(value, path="registration")
    assert info.value.path == "registration"


@pytest.mark.parametrize(
    ("value", "essence"),
    [
        ("text/plain", "text/plain"),
        ("Text/Plain; charset=ascii", "text/plain"),
        ('application/json;charset="utf-8"', "application/json"),
        ("image/svg+xml", "image/svg+xml"),
        ("should fail", None),
        ("text", None),
        ("text/plain; charset", None),
        ("/plain", None),
    ],
)
def test_media_types(value: str, essence: str | None) -> None:
    assert media_type_essence(value) == essence
