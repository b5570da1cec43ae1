"""msgspec Structs for every object of an xAPI statement (Data 2.4), version 1.0.3 and 2.0.

One Struct per concept. Shared options (see `_Plain`): unknown properties are rejected
(``forbid_unknown_fields``), optional properties default to ``UNSET`` so that an explicit JSON
``null`` is a type error (Data 2.2: reject null values except inside extensions), and string
formats are ``Annotated`` constraints from `_syntax`. Agents, Groups, Activities, StatementRefs
and SubStatements are tagged by ``objectType`` so that the positions that accept several of them
are msgspec tagged unions; `lrs.xapi._shape` fills the default tag (Agent / Activity) where the
spec lets the client omit it, before typed conversion.

Rules that involve more than one property live in ``__post_init__`` and raise ValueError, which
msgspec reports with the JSON path of the object. A message of the form ``"@sub.path: text"``
names a property below that object; `lrs.xapi._parse` moves it into the reported path.

    Statement
    ├── actor: Agent | Group                     Group: member: [Agent]
    ├── verb: Verb
    ├── object: Activity | Agent | Group | StatementRef | SubStatement
    │            Activity.definition: ActivityDefinition (interaction components)
    │            SubStatement: actor, verb, object (no SubStatement), result, context, ...
    ├── result: Result (score: Score)
    ├── context: Context (contextActivities, contextAgents / contextGroups (2.0), ...)
    ├── authority: Agent | Group (anonymous, two members)
    └── attachments: [Attachment]
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NoReturn

from msgspec import UNSET, Meta, Struct, UnsetType

from lrs.xapi._syntax import (
    IRI,
    IRL,
    MAX_IDENTIFIER_LENGTH,
    DurationString,
    Extensions,
    LanguageMap,
    LanguageTag,
    MailtoIRI,
    MediaType,
    Sha1Hex,
    Sha2Hex,
    StatementVersion,
    TimestampString,
    UUIDString,
)
from lrs.xapi._time import parse_timestamp

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

InteractionType = Literal[
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
]
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
# Data 2.4.4.1 "Interaction Components": which component lists each interaction type supports.
_SUPPORTED_LISTS: dict[str, tuple[str, ...]] = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}


def _fail(message: str, at: str | None = None) -> NoReturn:
    """Raise the ValueError msgspec turns into a ValidationError; `at` is a path below the object."""
    raise ValueError(f"@{at}: {message}" if at else message)


class _Plain(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True, gc=False):
    """Base of every xAPI object: strict, keyword-only, unset optionals omitted on encode.

    ``gc=False`` is safe because statements are trees (no reference cycles) and makes decoding
    cheaper.
    """


class _Typed(_Plain, tag_field="objectType"):
    """Base of the objects identified by an ``objectType`` tag."""


def _count_ifis(obj: Agent | Group) -> int:
    return (
        (obj.mbox is not UNSET)
        + (obj.mbox_sha1sum is not UNSET)
        + (obj.openid is not UNSET)
        + (obj.account is not UNSET)
    )


class Account(_Plain):
    """A user account on an existing system (Data 2.4.2.4)."""

    homePage: IRL
    name: Annotated[str, Meta(max_length=MAX_IDENTIFIER_LENGTH)]


class Agent(_Typed, tag="Agent"):
    """An individual, identified by exactly one inverse functional identifier (Data 2.4.2.1)."""

    name: str | UnsetType = UNSET
    mbox: MailtoIRI | UnsetType = UNSET
    mbox_sha1sum: Sha1Hex | UnsetType = UNSET
    openid: IRI | UnsetType = UNSET
    account: Account | UnsetType = UNSET

    def __post_init__(self) -> None:
        count = _count_ifis(self)
        if count != 1:
            _fail(f"an Agent must have exactly one of mbox, mbox_sha1sum, openid, account (has {count})")


class Group(_Typed, tag="Group"):
    """An anonymous Group (members only) or an identified Group (one IFI) (Data 2.4.2.2)."""

    name: str | UnsetType = UNSET
    mbox: MailtoIRI | UnsetType = UNSET
    mbox_sha1sum: Sha1Hex | UnsetType = UNSET
    openid: IRI | UnsetType = UNSET
    account: Account | UnsetType = UNSET
    member: list[Agent] | UnsetType = UNSET

    def __post_init__(self) -> None:
        count = _count_ifis(self)
        if count > 1:
            _fail(f"an identified Group must have exactly one of mbox, mbox_sha1sum, openid, account (has {count})")
        if count == 0 and not self.member:
            _fail("an anonymous Group must list its members in 'member'", "member")

    @property
    def is_anonymous(self) -> bool:
        """True when the Group has no inverse functional identifier."""
        return _count_ifis(self) == 0


class Verb(_Plain):
    """The action of a statement: an IRI and optional display names (Data 2.4.3)."""

    id: IRI
    display: LanguageMap | UnsetType = UNSET


class InteractionComponent(_Plain):
    """One choice, scale point, source, target or step of an interaction (Data 2.4.4.1)."""

    id: str
    description: LanguageMap | UnsetType = UNSET


class ActivityDefinition(_Plain):
    """Metadata of an Activity, including the interaction properties (Data 2.4.4.1)."""

    name: LanguageMap | UnsetType = UNSET
    description: LanguageMap | UnsetType = UNSET
    type: IRI | UnsetType = UNSET
    moreInfo: IRL | UnsetType = UNSET
    extensions: Extensions | UnsetType = UNSET
    interactionType: InteractionType | UnsetType = UNSET
    correctResponsesPattern: list[str] | UnsetType = UNSET
    choices: list[InteractionComponent] | UnsetType = UNSET
    scale: list[InteractionComponent] | UnsetType = UNSET
    source: list[InteractionComponent] | UnsetType = UNSET
    target: list[InteractionComponent] | UnsetType = UNSET
    steps: list[InteractionComponent] | UnsetType = UNSET

    def __post_init__(self) -> None:
        kind = self.interactionType
        lists = (
            ("choices", self.choices),
            ("scale", self.scale),
            ("source", self.source),
            ("target", self.target),
            ("steps", self.steps),
        )
        if kind is UNSET:
            if self.correctResponsesPattern is not UNSET:
                _fail("correctResponsesPattern is only used with an interactionType", "correctResponsesPattern")
            for list_name, components in lists:
                if components is not UNSET:
                    _fail(f"{list_name} is only used with an interactionType", list_name)
            return
        supported = _SUPPORTED_LISTS.get(kind, ())
        for list_name, components in lists:
            if components is UNSET:
                continue
            if list_name not in supported:
                _fail(f"{list_name} is not a component list of interactionType {kind!r}", list_name)
            ids = {component.id for component in components}
            if len(ids) != len(components):
                _fail("interaction component ids must be distinct within a list", list_name)


class Activity(_Typed, tag="Activity"):
    """A thing a statement is about, identified by an IRI (Data 2.4.4.1)."""

    id: IRI
    definition: ActivityDefinition | UnsetType = UNSET


class StatementRef(_Typed, tag="StatementRef"):
    """A pointer to another statement by id (Data 2.4.4.3)."""

    id: UUIDString


class Score(_Plain):
    """An outcome score: scaled in [-1, 1], min < max, raw between them (Data 2.4.5.1)."""

    scaled: Annotated[float, Meta(ge=-1, le=1)] | UnsetType = UNSET
    raw: float | UnsetType = UNSET
    min: float | UnsetType = UNSET
    max: float | UnsetType = UNSET

    def __post_init__(self) -> None:
        low, high, raw = self.min, self.max, self.raw
        if low is not UNSET and high is not UNSET and not low < high:
            _fail("min must be less than max", "min")
        if raw is not UNSET:
            if low is not UNSET and raw < low:
                _fail("raw must not be less than min", "raw")
            if high is not UNSET and raw > high:
                _fail("raw must not be greater than max", "raw")


class Result(_Plain):
    """A measured outcome (Data 2.4.5)."""

    score: Score | UnsetType = UNSET
    success: bool | UnsetType = UNSET
    completion: bool | UnsetType = UNSET
    response: str | UnsetType = UNSET
    duration: DurationString | UnsetType = UNSET
    extensions: Extensions | UnsetType = UNSET


class ContextActivities(_Plain):
    """Related activities by kind; each value is one Activity or an array (Data 2.4.6.2)."""

    parent: Activity | list[Activity] | UnsetType = UNSET
    grouping: Activity | list[Activity] | UnsetType = UNSET
    category: Activity | list[Activity] | UnsetType = UNSET
    other: Activity | list[Activity] | UnsetType = UNSET


RelevantTypes = Annotated[list[IRI], Meta(min_length=1)]


class ContextAgent(_Plain):
    """xAPI 2.0: an Agent relevant to the statement, with optional relevant activity types."""

    objectType: Literal["contextAgent"]
    agent: Agent
    relevantTypes: RelevantTypes | UnsetType = UNSET


class ContextGroup(_Plain):
    """xAPI 2.0: a Group relevant to the statement, with optional relevant activity types."""

    objectType: Literal["contextGroup"]
    group: Group
    relevantTypes: RelevantTypes | UnsetType = UNSET


class Context(_Plain):
    """Contextual information for a statement (Data 2.4.6; contextAgents/Groups are 2.0 only)."""

    registration: UUIDString | UnsetType = UNSET
    instructor: Agent | Group | UnsetType = UNSET
    team: Group | UnsetType = UNSET
    contextActivities: ContextActivities | UnsetType = UNSET
    revision: str | UnsetType = UNSET
    platform: str | UnsetType = UNSET
    language: LanguageTag | UnsetType = UNSET
    statement: StatementRef | UnsetType = UNSET
    extensions: Extensions | UnsetType = UNSET
    contextAgents: list[ContextAgent] | UnsetType = UNSET
    contextGroups: list[ContextGroup] | UnsetType = UNSET


class Attachment(_Plain):
    """Metadata of an attachment; the data travels in a multipart part or at fileUrl (Data 2.4.11)."""

    usageType: IRI
    display: LanguageMap
    contentType: MediaType
    length: Annotated[int, Meta(ge=0)]
    sha2: Sha2Hex
    description: LanguageMap | UnsetType = UNSET
    fileUrl: IRL | UnsetType = UNSET


def _check_context_for_object(context: Context | UnsetType, obj: object) -> None:
    """Data 2.4.6: revision and platform are only used when the object is an Activity."""
    if context is UNSET or isinstance(obj, Activity):
        return
    if context.revision is not UNSET:
        _fail("revision may only be used when the object is an Activity", "context.revision")
    if context.platform is not UNSET:
        _fail("platform may only be used when the object is an Activity", "context.platform")


def _check_timestamp(value: str | UnsetType, at: str) -> None:
    """The pattern checked the ranges; what it cannot see is checked by parsing.

    That is a day after the 28th (it must exist in its month) and the first and last year, where
    converting the zone offset to UTC could leave the representable range.
    """
    if value is UNSET:
        return
    day = value[8:10] if value[4] == "-" else value[6:8]
    if day > "28" or value[:4] in ("0001", "9999"):
        try:
            parse_timestamp(value).utc  # noqa: B018 - computing the instant is the check
        except (ValueError, OverflowError) as exc:
            _fail(str(exc) if isinstance(exc, ValueError) else f"{value!r} is out of range in UTC", at)


class SubStatement(_Typed, tag="SubStatement"):
    """A statement used as an object: no id, stored, version, authority, nesting (Data 2.4.4.3)."""

    actor: Agent | Group
    verb: Verb
    object: Activity | Agent | Group | StatementRef
    result: Result | UnsetType = UNSET
    context: Context | UnsetType = UNSET
    timestamp: TimestampString | UnsetType = UNSET
    attachments: list[Attachment] | UnsetType = UNSET

    def __post_init__(self) -> None:
        _check_context_for_object(self.context, self.object)
        _check_timestamp(self.timestamp, "timestamp")


class Statement(_Plain, dict=True, gc=True):
    """An xAPI statement (Data 2.4).

    ``dict=True`` lets `lrs.xapi.parse_statements` keep the JSON object exactly as received next to
    the typed view, so the LRS stores the client's serialization rather than a re-encoding.
    """

    actor: Agent | Group
    verb: Verb
    object: Activity | Agent | Group | StatementRef | SubStatement
    id: UUIDString | UnsetType = UNSET
    result: Result | UnsetType = UNSET
    context: Context | UnsetType = UNSET
    timestamp: TimestampString | UnsetType = UNSET
    stored: TimestampString | UnsetType = UNSET
    authority: Agent | Group | UnsetType = UNSET
    version: StatementVersion | UnsetType = UNSET
    attachments: list[Attachment] | UnsetType = UNSET

    def __post_init__(self) -> None:
        _check_context_for_object(self.context, self.object)
        _check_timestamp(self.timestamp, "timestamp")
        _check_timestamp(self.stored, "stored")
        authority = self.authority
        if isinstance(authority, Group) and (
            not authority.is_anonymous or authority.member is UNSET or len(authority.member) != 2
        ):
            _fail("a Group authority must be an anonymous Group of exactly two Agents", "authority")
        if self.verb.id == VOIDED_VERB and not isinstance(self.object, StatementRef):
            _fail("a voiding statement's object must be a StatementRef", "object")


_RECEIVED = "_received_json"


def attach_received_json(statement: Statement, data: dict[str, Any]) -> None:
    """Remember the JSON object `statement` was validated from."""
    statement.__dict__[_RECEIVED] = data


def received_json(statement: Statement) -> dict[str, Any] | None:
    """The JSON object `statement` was parsed from, or None for a Statement built in code."""
    data: dict[str, Any] | None = statement.__dict__.get(_RECEIVED)
    return data
