"""Whole-statement fragments: top-level structure, ids, versions, stored and attachment objects."""

from __future__ import annotations

import copy
import hashlib
from typing import Any, Final

from conformance_tests.cases import Case
from conformance_tests.cases.values import INVALID_UUIDS
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import ONLY_1_0_3, ONLY_2_0

FORMAT: Final = "Data 2.2"
PROPERTIES: Final = "Data 2.4"
ID: Final = "Data 2.4.1"
VERSION: Final = "Data 2.4.10"
ATTACHMENTS: Final = "Data 2.4.11"
UUIDS: Final = "Data 4.4"

WRONG_TYPE = "The LRS MUST reject Statements where the wrong data type is used"
NULLS = "The LRS MUST reject Statements with any null values (except inside extensions)"
KEY_CASE = "The LRS MUST reject Statements where the case of a key does not match the spec"
REQUIRED = "A Statement MUST use 'actor', 'verb', and 'object'"


def _without(key: str) -> Any:
    def build(factory: Factory) -> JSON:
        statement = factory.statement()
        del statement[key]
        return statement

    return build


def _with(**changes: Any) -> Any:
    def build(factory: Factory) -> JSON:
        statement = factory.statement()
        statement.update(copy.deepcopy(changes))
        return statement

    return build


def _renamed(old: str, new: str) -> Any:
    def build(factory: Factory) -> JSON:
        statement = factory.statement()
        statement[new] = statement.pop(old)
        return statement

    return build


INVALID_STATEMENTS: Final = (
    Case("no-actor", PROPERTIES, REQUIRED, _without("actor")),
    Case("no-verb", PROPERTIES, REQUIRED, _without("verb")),
    Case("no-object", PROPERTIES, REQUIRED, _without("object")),
    Case("key-case-Actor", FORMAT, KEY_CASE, _renamed("actor", "Actor")),
    Case("key-case-VERB", FORMAT, KEY_CASE, _renamed("verb", "VERB")),
    Case("key-case-Object", FORMAT, KEY_CASE, _renamed("object", "Object")),
    Case(
        "unknown-property",
        FORMAT,
        "The LRS SHOULD* reject Statements containing additional properties",
        _with(comment="not an xAPI property"),
    ),
    *(
        Case(f"id-{name}", UUIDS, "A Statement id MUST be a UUID in standard string form", _with(id=value))
        for name, value in INVALID_UUIDS.items()
    ),
    Case("id-null", FORMAT, NULLS, _with(id=None)),
    Case("timestamp-null", FORMAT, NULLS, _with(timestamp=None)),
    Case("attachments-null", FORMAT, NULLS, _with(attachments=None)),
    Case("authority-null", FORMAT, NULLS, _with(authority=None)),
    Case("version-null", FORMAT, NULLS, _with(version=None)),
    Case("object-null", FORMAT, NULLS, _with(object=None)),
    Case(
        "voided-verb-with-activity-object",
        "Data 2.3.2",
        "A voiding Statement's Object MUST have objectType 'StatementRef'",
        lambda f: f.statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}),
    ),
)

# -- version -----------------------------------------------------------------------------------

VERSION_REJECT = "An LRS MUST reject all Statements with a version that does not start with 1.0. (or 2.0. in 2.0)"
VERSION_ACCEPT = "An LRS MUST accept all Statements whose version starts with 1.0. (or 2.0. in 2.0)"


def _versioned(value: Any) -> Any:
    return _with(version=value)


INVALID_VERSIONS: Final = (
    Case("0.9", VERSION, VERSION_REJECT, _versioned("0.9")),
    Case("0.95", VERSION, VERSION_REJECT, _versioned("0.95")),
    Case("1.1.0", VERSION, VERSION_REJECT, _versioned("1.1.0")),
    Case("3.0.0", VERSION, VERSION_REJECT, _versioned("3.0.0")),
    Case("words", VERSION, VERSION_REJECT, _versioned("version one")),
    Case("empty", VERSION, VERSION_REJECT, _versioned("")),
    Case("number", FORMAT, WRONG_TYPE, _versioned(1.0)),
    Case("2.0.0-in-1.0.3", VERSION, VERSION_REJECT, _versioned("2.0.0"), versions=ONLY_1_0_3),
    Case("2.1.0-in-2.0", VERSION, VERSION_REJECT, _versioned("2.1.0"), versions=ONLY_2_0),
)

VALID_VERSIONS: Final = (
    Case("1.0.0", VERSION, VERSION_ACCEPT, _versioned("1.0.0")),
    Case("1.0.3", VERSION, VERSION_ACCEPT, _versioned("1.0.3")),
    Case("1.0.9", VERSION, VERSION_ACCEPT, _versioned("1.0.9")),
    Case("2.0.0", VERSION, VERSION_ACCEPT, _versioned("2.0.0"), versions=ONLY_2_0),
)

# -- attachment objects (sent as JSON with fileUrl, so no raw data part is needed) ------------

ATTACHMENT_PROPERTIES = "An Attachment MUST have usageType (IRI), display (Language Map), contentType, length and sha2"
CONTENT = b"conformance attachment\n"


def attachment_object(**changes: Any) -> JSON:
    """A valid attachment object that points at its data with fileUrl."""
    attachment: JSON = {
        "usageType": "http://conformance.example.org/attachment-usage/report",
        "display": {"en-US": "Report"},
        "description": {"en-US": "A report attached by the conformance suite"},
        "contentType": "text/plain",
        "length": len(CONTENT),
        "sha2": hashlib.sha256(CONTENT).hexdigest(),
        "fileUrl": "http://conformance.example.org/files/report.txt",
    }
    for key, value in changes.items():
        if value is _DROP:
            del attachment[key]
        else:
            attachment[key] = value
    return attachment


_DROP: Final = object()


def _attached(**changes: Any) -> Any:
    return _with(attachments=[attachment_object(**changes)])


INVALID_ATTACHMENTS: Final = (
    Case("no-usageType", ATTACHMENTS, ATTACHMENT_PROPERTIES, _attached(usageType=_DROP)),
    Case("usageType-not-iri", ATTACHMENTS, "usageType MUST be an IRI", _attached(usageType="report")),
    Case("no-display", ATTACHMENTS, ATTACHMENT_PROPERTIES, _attached(display=_DROP)),
    Case("display-string", ATTACHMENTS, "display MUST be a Language Map", _attached(display="Report")),
    Case("display-bad-tag", ATTACHMENTS, "display MUST be a Language Map", _attached(display={"en_US": "R"})),
    Case("description-string", ATTACHMENTS, "description MUST be a Language Map", _attached(description="R")),
    Case("no-contentType", ATTACHMENTS, ATTACHMENT_PROPERTIES, _attached(contentType=_DROP)),
    Case("contentType-number", FORMAT, WRONG_TYPE, _attached(contentType=1)),
    Case("no-length", ATTACHMENTS, ATTACHMENT_PROPERTIES, _attached(length=_DROP)),
    Case("length-string", FORMAT, "length MUST be an integer", _attached(length="23")),
    Case("length-fraction", FORMAT, "length MUST be an integer", _attached(length=2.5)),
    Case("no-sha2", ATTACHMENTS, ATTACHMENT_PROPERTIES, _attached(sha2=_DROP)),
    Case("sha2-number", FORMAT, WRONG_TYPE, _attached(sha2=1234)),
    Case("fileUrl-not-irl", ATTACHMENTS, "fileUrl MUST be an IRL", _attached(fileUrl="report.txt")),
    Case("fileUrl-number", FORMAT, WRONG_TYPE, _attached(fileUrl=3)),
    Case(
        "extra-property",
        ATTACHMENTS,
        "The LRS SHOULD* reject Statements containing additional properties",
        _attached(encoding="utf-8"),
    ),
    Case(
        "attachments-object",
        FORMAT,
        "attachments MUST be an array",
        _with(attachments=attachment_object()),
    ),
    Case("attachment-string", FORMAT, WRONG_TYPE, _with(attachments=["report.txt"])),
)
