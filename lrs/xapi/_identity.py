"""Agent identity: one normalised text key per inverse functional identifier (IFI).

The key is what the store indexes and what the ``agent`` filter looks up:
``mbox:mailto:a@example.com`` (domain lower-cased, Data 2.3.1: it is case-insensitive),
``mbox_sha1sum:<lower-case hex>``, ``openid:<uri>``, ``account:<homePage>|<name>``
(an IRI cannot contain "|", so the key splits unambiguously). Anonymous Groups have no key.
"""

from __future__ import annotations

from typing import Any

import msgspec

from lrs.xapi._models import Agent, Group


def normalise_mbox(mbox: str) -> str:
    """A ``mailto:`` IRI with the domain part lower-cased."""
    local, at, domain = mbox.rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else mbox


def agent_ifi(agent: dict[str, Any] | Agent | Group) -> str | None:
    """The IFI key of an Agent or identified Group (dict or Struct); None for anonymous Groups."""
    data: dict[str, Any] = agent if isinstance(agent, dict) else msgspec.to_builtins(agent)
    mbox = data.get("mbox")
    if isinstance(mbox, str):
        return "mbox:" + normalise_mbox(mbox)
    sha1 = data.get("mbox_sha1sum")
    if isinstance(sha1, str):
        return "mbox_sha1sum:" + sha1.lower()
    openid = data.get("openid")
    if isinstance(openid, str):
        return "openid:" + openid
    account = data.get("account")
    if isinstance(account, dict):
        return f"account:{account.get('homePage')}|{account.get('name')}"
    return None
