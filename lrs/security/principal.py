"""Who is calling, once authenticated: the store the request is confined to, its scopes and its authority."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lrs.security.scopes import Scope, may_define, reads_all_statements
from lrs.xapi import agent_ifi

# A credential of this store holding the `admin` scope administers every store (creates stores, manages
# any store's credentials); an `admin` credential of any other store manages only its own store.
OPERATOR_STORE = "default"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. Every read and write of the request is confined to `store_id`.

    `authority` is the Agent written into the statements this caller stores; `authority_ifi` is its identity key,
    the one `statements/read/mine` compares with a statement's authority.
    """

    store_id: int
    store_name: str
    credential_id: int | None
    key: str
    scopes: frozenset[Scope]
    authority: dict[str, Any]
    method: str = "basic"
    authority_ifi: str = field(init=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "authority_ifi", agent_ifi(self.authority) or "")

    @property
    def reads_all_statements(self) -> bool:
        """False when only statements whose authority is this caller's may be read (`statements/read/mine`)."""
        return reads_all_statements(self.scopes)

    @property
    def may_define(self) -> bool:
        """Whether statements this caller stores may update canonical Activity / Agent definitions."""
        return may_define(self.scopes)

    @property
    def is_operator(self) -> bool:
        """An administrator of every store: `admin` scope on a credential of the operator store."""
        return Scope.ADMIN in self.scopes and self.store_name == OPERATOR_STORE
