"""The pure xAPI layer: statement models, validation, formats and comparison. No I/O.

Typical write path::

    version = negotiate_version(request.headers.get("X-Experience-API-Version"))
    statements = parse_statements(body, version)               # ValidationError (400) with path
    stored = [prepare_for_storage(s, authority=..., stored=now, version=version, new_id=uuid4())
              for s in statements]
    rows = [index_entries(doc) for doc in stored]

A ``multipart/mixed`` request: `lrs.xapi.multipart.parse_multipart_mixed` (or the incremental
`MultipartMixedParser`) gives the statements part and the attachment parts; parse the statements
as above, then `lrs.xapi.multipart.check_attachment_parts(statements, parts)`, and for every part
whose attachment has usageType `SIGNATURE_USAGE_TYPE`, `verify_signature(received_json(s), data)`.

Read path: `present_for_version` for the reader's version, then `format_statement`.
"""

from lrs.xapi._activities import merge_activity_definition
from lrs.xapi._compare import statements_equivalent
from lrs.xapi._formats import FORMATS, best_language, format_statement, parse_accept_language
from lrs.xapi._identity import agent_ifi, normalise_mbox
from lrs.xapi._index import (
    ACTIVITY_FILTER_USAGES,
    AGENT_FILTER_USAGES,
    StatementIndex,
    index_entries,
)
from lrs.xapi._models import (
    VOIDED_VERB,
    Account,
    Activity,
    ActivityDefinition,
    Agent,
    Attachment,
    Context,
    ContextActivities,
    ContextAgent,
    ContextGroup,
    Group,
    InteractionComponent,
    Result,
    Score,
    Statement,
    StatementRef,
    SubStatement,
    Verb,
    received_json,
)
from lrs.xapi._parse import parse_agent_param, parse_statements
from lrs.xapi._prepare import prepare_for_storage, present_for_version
from lrs.xapi._signature import SIGNATURE_USAGE_TYPE, verify_signature
from lrs.xapi._syntax import validate_iri, validate_language_tag, validate_uuid
from lrs.xapi._time import (
    Duration,
    Timestamp,
    format_stored,
    parse_iso8601_duration,
    parse_timestamp,
    parse_timestamp_param,
)
from lrs.xapi._versions import SUPPORTED_VERSIONS, VERSION_HEADER, negotiate_version

__all__ = [
    "ACTIVITY_FILTER_USAGES",
    "AGENT_FILTER_USAGES",
    "FORMATS",
    "SIGNATURE_USAGE_TYPE",
    "SUPPORTED_VERSIONS",
    "VERSION_HEADER",
    "VOIDED_VERB",
    "Account",
    "Activity",
    "ActivityDefinition",
    "Agent",
    "Attachment",
    "Context",
    "ContextActivities",
    "ContextAgent",
    "ContextGroup",
    "Duration",
    "Group",
    "InteractionComponent",
    "Result",
    "Score",
    "Statement",
    "StatementIndex",
    "StatementRef",
    "SubStatement",
    "Timestamp",
    "Verb",
    "agent_ifi",
    "best_language",
    "format_statement",
    "format_stored",
    "index_entries",
    "merge_activity_definition",
    "negotiate_version",
    "normalise_mbox",
    "parse_accept_language",
    "parse_agent_param",
    "parse_iso8601_duration",
    "parse_statements",
    "parse_timestamp",
    "parse_timestamp_param",
    "prepare_for_storage",
    "present_for_version",
    "received_json",
    "statements_equivalent",
    "validate_iri",
    "validate_language_tag",
    "validate_uuid",
    "verify_signature",
]
