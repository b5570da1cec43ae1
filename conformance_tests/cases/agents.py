"""Agents and Groups (Data 2.4.2): invalid ones the LRS must reject, valid ones it must keep."""

from __future__ import annotations

from typing import Final

from conformance_tests.cases import Case, const
from conformance_tests.factory import JSON, Factory

AGENT: Final = "Data 2.4.2.1"
GROUP: Final = "Data 2.4.2.2"
IFI: Final = "Data 2.4.2.3"
ACCOUNT: Final = "Data 2.4.2.4"
FORMAT: Final = "Data 2.2"

ONE_IFI = "An Agent MUST be identified by one of the four Inverse Functional Identifiers"
NOT_TWO_IFIS = "An Agent MUST NOT include more than one Inverse Functional Identifier"
MBOX_MAILTO = "mbox MUST be a mailto IRI ('mailto:email address')"
SHA1_HEX = "mbox_sha1sum MUST be the hex-encoded SHA1 hash of a mailto IRI"
OPENID_URI = "openid MUST be a URI"
ACCOUNT_REQUIRED = "An Account MUST have 'homePage' (an IRL) and 'name' (a string)"
WRONG_TYPE = "The LRS MUST reject Statements where the wrong data type is used"
NULLS = "The LRS MUST reject Statements with any null values (except inside extensions)"
ENUM_CASE = "The LRS MUST reject enumerated values whose case does not match the spec exactly"
KEY_CASE = "The LRS MUST reject Statements where the case of a key does not match the spec"
NOT_ALLOWED = "The LRS MUST reject Statements where a key or value is not allowed by the spec"
EXTRA = "The LRS SHOULD* reject Statements containing additional properties"

MBOX = "mailto:someone@conformance.example.org"
OTHER_OPENID = "http://conformance.example.org/openid/someone"
SHA1 = "0123456789abcdef0123456789abcdef01234567"
ACCOUNT_VALUE = {"homePage": "http://conformance.example.org/lms", "name": "someone"}


def _agent(**fields: object) -> JSON:
    return {"objectType": "Agent", **fields}


def _two(ifi_a: str, ifi_b: str) -> Case:
    values = {"mbox": MBOX, "mbox_sha1sum": SHA1, "openid": OTHER_OPENID, "account": ACCOUNT_VALUE}
    return Case(
        f"two-ifis-{ifi_a}-{ifi_b}", AGENT, NOT_TWO_IFIS, const(_agent(**{ifi_a: values[ifi_a], ifi_b: values[ifi_b]}))
    )


INVALID_AGENTS: Final = (
    Case("no-ifi", AGENT, ONE_IFI, const(_agent(name="Nobody")), core=True),
    _two("mbox", "openid"),
    _two("mbox", "mbox_sha1sum"),
    _two("mbox", "account"),
    _two("openid", "account"),
    _two("mbox_sha1sum", "account"),
    Case("mbox-without-mailto", IFI, MBOX_MAILTO, const(_agent(mbox="someone@conformance.example.org")), core=True),
    Case("mbox-http", IFI, MBOX_MAILTO, const(_agent(mbox="http://conformance.example.org/someone"))),
    Case("mbox-empty-address", IFI, MBOX_MAILTO, const(_agent(mbox="mailto:"))),
    Case("mbox-no-at-sign", IFI, MBOX_MAILTO, const(_agent(mbox="mailto:someone"))),
    Case("mbox-number", FORMAT, WRONG_TYPE, const(_agent(mbox=42))),
    Case("mbox-null", FORMAT, NULLS, const(_agent(mbox=None))),
    Case("mbox_sha1sum-not-hex", IFI, SHA1_HEX, const(_agent(mbox_sha1sum="zz" * 20))),
    Case("mbox_sha1sum-39-chars", IFI, SHA1_HEX, const(_agent(mbox_sha1sum=SHA1[:39]))),
    Case("mbox_sha1sum-number", FORMAT, WRONG_TYPE, const(_agent(mbox_sha1sum=1234))),
    Case("openid-no-scheme", IFI, OPENID_URI, const(_agent(openid="not a uri"))),
    Case("openid-number", FORMAT, WRONG_TYPE, const(_agent(openid=7))),
    Case("account-no-homePage", ACCOUNT, ACCOUNT_REQUIRED, const(_agent(account={"name": "someone"})), core=True),
    Case(
        "account-no-name",
        ACCOUNT,
        ACCOUNT_REQUIRED,
        const(_agent(account={"homePage": "http://conformance.example.org/lms"})),
    ),
    Case(
        "account-homePage-not-IRL",
        ACCOUNT,
        "An Account's homePage MUST be an IRL",
        const(_agent(account={"homePage": "not a url", "name": "someone"})),
    ),
    Case(
        "account-name-number",
        FORMAT,
        WRONG_TYPE,
        const(_agent(account={"homePage": "http://conformance.example.org/lms", "name": 12})),
    ),
    Case("account-string", FORMAT, WRONG_TYPE, const(_agent(account="someone"))),
    Case("account-empty", ACCOUNT, ACCOUNT_REQUIRED, const(_agent(account={}))),
    Case(
        "account-homePage-null",
        FORMAT,
        NULLS,
        const(_agent(account={"homePage": None, "name": "someone"})),
    ),
    Case("account-extra-property", ACCOUNT, EXTRA, const(_agent(account={**ACCOUNT_VALUE, "email": "x"}))),
    Case("objectType-lowercase", FORMAT, ENUM_CASE, const({"objectType": "agent", "mbox": MBOX}), core=True),
    Case("objectType-unknown", FORMAT, NOT_ALLOWED, const({"objectType": "Person", "mbox": MBOX})),
    Case("objectType-number", FORMAT, WRONG_TYPE, const({"objectType": 1, "mbox": MBOX})),
    Case("name-number", FORMAT, WRONG_TYPE, const(_agent(mbox=MBOX, name=42))),
    Case("name-null", FORMAT, NULLS, const(_agent(mbox=MBOX, name=None))),
    Case("extra-property", AGENT, EXTRA, const(_agent(mbox=MBOX, age=30))),
    Case("key-case-MBOX", FORMAT, KEY_CASE, const(_agent(MBOX=MBOX))),
    Case("member-on-agent", FORMAT, NOT_ALLOWED, const(_agent(mbox=MBOX, member=[_agent(openid=OTHER_OPENID)]))),
    Case("string", FORMAT, WRONG_TYPE, const(MBOX)),
    Case("array", FORMAT, WRONG_TYPE, const([_agent(mbox=MBOX)])),
    Case("empty-object", AGENT, ONE_IFI, const({})),
    Case("null", FORMAT, NULLS, const(None)),
)


def _group(**fields: object) -> JSON:
    return {"objectType": "Group", **fields}


def _member() -> JSON:
    return _agent(mbox="mailto:member@conformance.example.org")


ANON_MEMBER = "An Anonymous Group MUST include a 'member' property listing constituent Agents"
NO_GROUP_MEMBERS = "A Group MUST NOT contain Group Objects in the 'member' property"
GROUP_ONE_IFI = "An Identified Group MUST include exactly one Inverse Functional Identifier"

INVALID_GROUPS: Final = (
    Case("anonymous-without-member", GROUP, ANON_MEMBER, const(_group(name="Nobody")), core=True),
    Case("member-object-not-array", FORMAT, WRONG_TYPE, const(_group(member=_member()))),
    Case("member-string", FORMAT, WRONG_TYPE, const(_group(member="mailto:member@conformance.example.org"))),
    Case("member-null", FORMAT, NULLS, const(_group(member=None))),
    Case(
        "anonymous-with-group-member",
        GROUP,
        NO_GROUP_MEMBERS,
        const(_group(member=[_member(), _group(member=[_member()])])),
        core=True,
    ),
    Case(
        "identified-with-group-member",
        GROUP,
        NO_GROUP_MEMBERS,
        const(_group(mbox=MBOX, member=[_group(openid=OTHER_OPENID)])),
    ),
    Case("identified-two-ifis", GROUP, GROUP_ONE_IFI, const(_group(mbox=MBOX, openid=OTHER_OPENID))),
    Case("identified-bad-mbox", IFI, MBOX_MAILTO, const(_group(mbox="group@conformance.example.org"))),
    Case(
        "member-without-ifi",
        AGENT,
        ONE_IFI,
        const(_group(member=[_member(), _agent(name="Nobody")])),
        core=True,
    ),
    Case(
        "member-with-two-ifis",
        AGENT,
        NOT_TWO_IFIS,
        const(_group(member=[_agent(mbox=MBOX, openid=OTHER_OPENID)])),
    ),
    Case("objectType-lowercase", FORMAT, ENUM_CASE, const({"objectType": "group", "member": [_member()]})),
    Case("name-number", FORMAT, WRONG_TYPE, const(_group(name=7, member=[_member()]))),
    Case("extra-property", GROUP, EXTRA, const(_group(member=[_member()], size=1))),
)


# -- valid -------------------------------------------------------------------------------------


def _fresh_agent(ifi: str, *, typed: bool = True, name: str | None = "Conformance Learner") -> Case:
    label = f"{ifi}{'' if typed else '-no-objectType'}{'' if name else '-no-name'}"
    return Case(
        label,
        IFI,
        f"The LRS MUST accept and keep an Agent identified by {ifi}",
        lambda f: f.agent(ifi, typed=typed, name=name),
    )


def _unicode_agent(factory: Factory) -> JSON:
    return factory.agent(name="Zoë Ñandú 李小龍 مرحبا 🎓")


VALID_AGENTS: Final = (
    _fresh_agent("mbox"),
    _fresh_agent("mbox_sha1sum"),
    _fresh_agent("openid"),
    _fresh_agent("account"),
    _fresh_agent("mbox", typed=False),
    _fresh_agent("account", name=None),
    Case("unicode-name", AGENT, "The LRS MUST accept and keep an Agent's name in any script", _unicode_agent),
)


def _valid_group(identified: bool, ifi: str = "mbox", members: int = 2) -> Case:
    kind = f"identified-{ifi}" if identified else "anonymous"
    label = f"{kind}-{members}-members"
    section_text = (
        "The LRS MUST accept and keep an Identified Group (one IFI, optional members)"
        if identified
        else "The LRS MUST accept and keep an Anonymous Group with its members"
    )
    return Case(label, GROUP, section_text, lambda f: f.group(identified=identified, ifi=ifi, members=members))


VALID_GROUPS: Final = (
    _valid_group(False, members=1),
    _valid_group(False, members=3),
    _valid_group(True, "mbox", 0),
    _valid_group(True, "mbox_sha1sum", 2),
    _valid_group(True, "openid", 1),
    _valid_group(True, "account", 2),
)
