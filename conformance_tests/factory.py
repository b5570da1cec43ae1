"""Builders of valid xAPI objects whose identifiers are unique to one run.

An LRS is append-only, so the suite never cleans up: every agent, activity, verb, registration
and statement id it creates carries this run's random prefix and a counter, and two runs (or two
checks) never see each other's data.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from typing import Any, Final

JSON = dict[str, Any]

BASE: Final = "http://conformance.example.org"
VOIDED: Final = "http://adlnet.gov/expapi/verbs/voided"


def sha1_of_mbox(mbox: str) -> str:
    """The mbox_sha1sum of a mailto IRI."""
    return hashlib.sha1(mbox.encode("utf-8")).hexdigest()


class Factory:
    """Fresh, valid objects; every call returns a new dict the caller may mutate."""

    def __init__(self, run_id: str | None = None) -> None:
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self._counter = itertools.count(1)

    def _n(self) -> int:
        return next(self._counter)

    # -- identifiers -------------------------------------------------------------------------

    def iri(self, kind: str = "activity") -> str:
        """A fresh http IRI in this run's namespace."""
        return f"{BASE}/{self.run_id}/{kind}/{self._n()}"

    def uuid(self) -> str:
        """A fresh statement id / registration."""
        return str(uuid.uuid4())

    def mbox(self) -> str:
        """A fresh mailto IRI."""
        return f"mailto:learner-{self.run_id}-{self._n()}@conformance.example.org"

    # -- agents and groups -------------------------------------------------------------------

    def agent(self, ifi: str = "mbox", *, name: str | None = "Conformance Learner", typed: bool = True) -> JSON:
        """A valid Agent identified by the chosen IFI kind."""
        agent: JSON = {"objectType": "Agent"} if typed else {}
        if name is not None:
            agent["name"] = name
        agent.update(self.ifi(ifi))
        return agent

    def ifi(self, kind: str) -> JSON:
        """One fresh inverse functional identifier of the given kind."""
        if kind == "mbox":
            return {"mbox": self.mbox()}
        if kind == "mbox_sha1sum":
            return {"mbox_sha1sum": sha1_of_mbox(self.mbox())}
        if kind == "openid":
            return {"openid": f"{BASE}/{self.run_id}/openid/{self._n()}"}
        if kind == "account":
            return {"account": {"homePage": f"{BASE}/{self.run_id}/lms", "name": f"user-{self._n()}"}}
        raise ValueError(f"unknown IFI kind {kind!r}")

    def group(self, *, identified: bool = True, members: int = 2, ifi: str = "mbox") -> JSON:
        """A valid Group: identified (with an IFI) or anonymous (members only)."""
        group: JSON = {"objectType": "Group", "name": "Conformance Team"}
        if identified:
            group.update(self.ifi(ifi))
        count = members if identified else max(members, 1)
        if count:
            group["member"] = [self.agent() for _ in range(count)]
        return group

    # -- verbs and activities ----------------------------------------------------------------

    def verb(self, display: str = "experienced") -> JSON:
        """A fresh verb with an en-US display."""
        return {"id": self.iri("verb"), "display": {"en-US": display}}

    def activity(self, *, definition: bool = True, activity_id: str | None = None) -> JSON:
        """A fresh Activity, with a small definition by default."""
        activity: JSON = {"objectType": "Activity", "id": activity_id or self.iri("activity")}
        if definition:
            activity["definition"] = {
                "name": {"en-US": "Conformance activity"},
                "description": {"en-US": "An activity created by the conformance suite"},
                "type": "http://adlnet.gov/expapi/activities/assessment",
            }
        return activity

    def statement_ref(self, statement_id: str | None = None) -> JSON:
        """A StatementRef object."""
        return {"objectType": "StatementRef", "id": statement_id or self.uuid()}

    def substatement(self) -> JSON:
        """A valid SubStatement object."""
        return {
            "objectType": "SubStatement",
            "actor": self.agent(),
            "verb": self.verb("planned"),
            "object": self.activity(),
        }

    # -- statements --------------------------------------------------------------------------

    def statement(self, *, with_id: bool = True, **overrides: Any) -> JSON:
        """A minimal valid statement (actor, verb, object, id); overrides replace top-level keys."""
        statement: JSON = {"actor": self.agent(), "verb": self.verb(), "object": self.activity()}
        if with_id:
            statement["id"] = self.uuid()
        statement.update(overrides)
        return statement

    def full_statement(self) -> JSON:
        """A valid statement using most optional properties (result, context, timestamp)."""
        statement = self.statement()
        statement["result"] = {
            "score": {"scaled": 0.5, "raw": 50, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "response": "a response",
            "duration": "PT1H2M3.45S",
            "extensions": {f"{BASE}/ext/result": {"any": ["json", 1, None, True]}},
        }
        statement["context"] = {
            "registration": self.uuid(),
            "instructor": self.agent(),
            "team": self.group(),
            "contextActivities": {
                "parent": [self.activity(definition=False)],
                "grouping": [self.activity(definition=False)],
                "category": [self.activity(definition=False)],
                "other": [self.activity(definition=False)],
            },
            "revision": "r1",
            "platform": "conformance",
            "language": "en-US",
            "statement": self.statement_ref(),
            "extensions": {f"{BASE}/ext/context": 42},
        }
        statement["timestamp"] = "2024-05-06T07:08:09.123Z"
        return statement

    def voiding(self, target_id: str) -> JSON:
        """A statement that voids `target_id`."""
        return self.statement(
            verb={"id": VOIDED, "display": {"en-US": "voided"}},
            object={"objectType": "StatementRef", "id": target_id},
        )
