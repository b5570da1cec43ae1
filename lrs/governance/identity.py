"""Who a learner is to the store: the IFI keys that name them and the strings that identify them anywhere.

An Agent is named by one IFI, but the same person's `mbox` may also reach the store as its `mbox_sha1sum`
(Data 2.4.2.1), so an mbox learner has both keys. `mentions` are the distinctive strings (addresses, hashes,
IRIs, IFI keys) that are replaced wherever they occur, in free text and extensions too. A bare account name
(`u123`) is not distinctive, so it is replaced only inside Agent objects that carry the learner's IFI.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from lrs.errors import ValidationError
from lrs.xapi import agent_ifi, normalise_mbox

MAILTO = "mailto:"


@dataclass(frozen=True, slots=True)
class Learner:
    """One learner: `key` is the IFI key given, `keys` every key that names the same person."""

    agent: dict[str, Any]
    key: str
    keys: tuple[str, ...]
    mentions: tuple[str, ...]
    """Longest first, so a key is replaced before the address inside it."""

    def names_agent(self, value: Any) -> bool:
        """Whether `value` is an Agent (or identified Group) object identified by one of the learner's keys."""
        return isinstance(value, dict) and agent_ifi(value) in self.keys


def learner_from_agent(agent: dict[str, Any]) -> Learner:
    """The Learner an Agent object (one IFI, as `parse_agent_param` accepts) identifies."""
    key = agent_ifi(agent)
    if key is None:
        raise ValidationError("the agent has no identifier (mbox, mbox_sha1sum, openid or account)", path="agent")
    keys = [key]
    mentions = [key]
    mbox = agent.get("mbox")
    if isinstance(mbox, str):
        mailto = normalise_mbox(mbox)
        sha1 = hashlib.sha1(mailto.encode()).hexdigest()
        keys.append(f"mbox_sha1sum:{sha1}")
        mentions += [f"mbox_sha1sum:{sha1}", mailto, mailto.removeprefix(MAILTO), sha1]
    sha1sum = agent.get("mbox_sha1sum")
    if isinstance(sha1sum, str):
        mentions.append(sha1sum.lower())
    openid = agent.get("openid")
    if isinstance(openid, str):
        mentions.append(openid)
    unique = sorted(set(mentions), key=lambda m: (-len(m), m))
    return Learner(agent=dict(agent), key=key, keys=tuple(keys), mentions=tuple(unique))
