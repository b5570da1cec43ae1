"""Pseudonyms and the in-place rewrite of a statement that mentions an erased learner.

A learner's pseudonym is an `account` on the LRS (`<base>/pseudonyms`) whose name is HMAC-SHA256 of the
learner's IFI key under a per-store secret: the same learner always gets the same pseudonym in one store (so
counts and sequences stay meaningful), and without the secret the pseudonym does not lead back to the person.
The same keyed hash is the "learner reference" in the audit log.

The rewrite replaces every Agent object carrying the learner's IFI (actor, object, authority, instructor,
team, context agents and groups, group members, SubStatement parts) by the pseudonymous Agent, then replaces
the learner's distinctive strings and names wherever they occur (results, extensions, descriptions, group
names). Identifiers of other things are left as they are: activity, verb and statement ids, and the IFIs of
other agents (an address differing from the learner's in the case of its local part names another agent). Attachments
whose content cannot be inspected go: every attachment of the learner's own statements, and the JWS
signature (which embeds the original statement) of any statement.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from lrs.governance.identity import Learner
from lrs.xapi import SIGNATURE_USAGE_TYPE, agent_ifi

PSEUDONYM_PATH = "/pseudonyms"
KEY_BYTES = 32
# Agent positions inside a context object, with whether the position holds a list of {"agent"/"group": ...}.
_CONTEXT_AGENTS = ("instructor", "team")
_CONTEXT_LISTS = (("contextAgents", "agent"), ("contextGroups", "group"))
# Values that identify something else (activities, verbs, statements, other agents): never rewritten as text.
_IDENTIFIER_KEYS = frozenset({"id", "mbox", "mbox_sha1sum", "openid"})


def new_key() -> bytes:
    """A fresh per-store pseudonym secret."""
    return secrets.token_bytes(KEY_BYTES)


def learner_ref(key: bytes, learner_key: str) -> str:
    """The keyed hash of an IFI key: the pseudonym's account name and the audit log's learner reference."""
    return hmac.new(key, learner_key.encode(), hashlib.sha256).hexdigest()


def pseudonym_agent(base_url: str, ref: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": base_url.rstrip("/") + PSEUDONYM_PATH, "name": ref}}


@dataclass
class Rewrite:
    """What rewriting one statement did: the new payload and the attachment hashes it dropped."""

    payload: dict[str, Any]
    dropped_sha2: set[str] = field(default_factory=set)


class Rewriter:
    """Rewrites statements for one learner. `names` are the display names the learner was given."""

    def __init__(self, learner: Learner, pseudonym: dict[str, Any], names: Collection[str] = ()) -> None:
        self.learner = learner
        self.pseudonym = pseudonym
        self.pseudonym_key = agent_ifi(pseudonym) or ""
        ref = pseudonym["account"]["name"]
        # IFI keys become the pseudonym's key; other mentions (addresses, hashes, IRIs) its account name.
        self.replacements = {m: (self.pseudonym_key if m in learner.keys else ref) for m in learner.mentions}
        """Each distinctive string of the learner and what replaces it, longest first."""
        self._mentions = _replacer(self.replacements, words=False)
        self._names = _replacer({n: ref for n in names if n.strip()}, words=True)

    def statement(self, payload: dict[str, Any], *, own: bool) -> Rewrite:
        """The statement with the learner replaced; `own` statements also lose every attachment."""
        result = Rewrite(copy.deepcopy(payload))
        doc = result.payload
        self._agents_in(doc)
        self._attachments(doc, own, result.dropped_sha2)
        obj = doc.get("object")
        if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
            self._agents_in(obj)
            self._attachments(obj, own, result.dropped_sha2)
        result.payload = self._strings(doc)
        return result

    def _agents_in(self, statement: dict[str, Any]) -> None:
        for position in ("actor", "object", "authority"):
            if position in statement:
                statement[position] = self.agent(statement[position])
        context = statement.get("context")
        if not isinstance(context, dict):
            return
        for position in _CONTEXT_AGENTS:
            if position in context:
                context[position] = self.agent(context[position])
        for list_name, item_key in _CONTEXT_LISTS:
            for item in context.get(list_name) or ():
                if isinstance(item, dict) and item_key in item:
                    item[item_key] = self.agent(item[item_key])

    def agent(self, value: Any) -> Any:
        """`value` with the learner replaced, if it is the learner's Agent or a Group with them as a member."""
        if not isinstance(value, dict) or value.get("objectType") not in (None, "Agent", "Group"):
            return value
        if self.learner.names_agent(value):
            return dict(self.pseudonym)
        members = value.get("member")
        if isinstance(members, list):
            value["member"] = [dict(self.pseudonym) if self.learner.names_agent(m) else m for m in members]
        return value

    @staticmethod
    def _attachments(statement: dict[str, Any], own: bool, dropped: set[str]) -> None:
        attachments = statement.get("attachments")
        if not isinstance(attachments, list):
            return
        kept = []
        for attachment in attachments:
            if own or (isinstance(attachment, dict) and attachment.get("usageType") == SIGNATURE_USAGE_TYPE):
                if isinstance(attachment, dict) and isinstance(attachment.get("sha2"), str):
                    dropped.add(attachment["sha2"].lower())
            else:
                kept.append(attachment)
        if kept:
            statement["attachments"] = kept
        else:
            del statement["attachments"]

    def _strings(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, str):
            return value if key in _IDENTIFIER_KEYS else self._text(value)
        if isinstance(value, list):
            return [self._strings(item) for item in value]
        if isinstance(value, dict):
            if key == "account":  # another agent's identifier (the learner's own was replaced whole)
                return value
            return {k: self._strings(v, k) for k, v in value.items()}
        return value

    def _text(self, text: str) -> str:
        if self._mentions is not None:
            text = self._mentions.sub(text)
        if self._names is not None:
            text = self._names.sub(text)
        return text


class _Replacer:
    """One regular expression replacing any of several strings (case-insensitively) by its own replacement;
    with `words`, only where the string is not part of a longer word."""

    def __init__(self, replacements: dict[str, str], *, words: bool) -> None:
        ordered = sorted(replacements, key=lambda s: (-len(s), s))
        body = "|".join(re.escape(s) for s in ordered)
        self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)" if words else body, re.IGNORECASE)
        self._by_folded = {s.casefold(): r for s, r in replacements.items()}
        self._fallback = replacements[ordered[0]]

    def sub(self, text: str) -> str:
        return self._pattern.sub(lambda m: self._by_folded.get(m.group(0).casefold(), self._fallback), text)


def _replacer(replacements: dict[str, str], *, words: bool) -> _Replacer | None:
    return _Replacer(replacements, words=words) if replacements else None
