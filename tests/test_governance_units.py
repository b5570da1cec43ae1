"""The pure parts of learner data rights: identities, pseudonyms and the statement rewrite, the erasure policy, the
opt-out rule, and the SQL blocks."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from lrs.errors import ValidationError
from lrs.governance.identity import learner_from_agent
from lrs.governance.opt_out import OptOuts
from lrs.governance.policy import GovernanceSettings, Treatment, from_store_settings, to_store_settings, treatment
from lrs.governance.pseudonym import Rewriter, learner_ref, new_key, pseudonym_agent
from lrs.store.sql import queries
from lrs.xapi import SIGNATURE_USAGE_TYPE, index_entries

ANN = {"objectType": "Agent", "name": "Ann Lee", "mbox": "mailto:ann@Example.COM"}
KEY = b"k" * 32
PSEUDONYM = pseudonym_agent("https://lrs.example.org/", learner_ref(KEY, "mbox:mailto:ann@example.com"))


def test_an_mbox_learner_is_also_known_by_the_hash_of_the_address() -> None:
    learner = learner_from_agent(ANN)
    sha1 = hashlib.sha1(b"mailto:ann@example.com").hexdigest()
    assert learner.keys == ("mbox:mailto:ann@example.com", f"mbox_sha1sum:{sha1}")
    assert {"ann@example.com", "mailto:ann@example.com", sha1} <= set(learner.mentions)
    assert list(learner.mentions) == sorted(learner.mentions, key=len, reverse=True)
    assert learner.names_agent({"mbox_sha1sum": sha1.upper()})


def test_an_account_name_alone_is_not_a_mention() -> None:
    learner = learner_from_agent({"account": {"homePage": "https://lms.example.org", "name": "u1"}})
    assert learner.mentions == ("account:https://lms.example.org|u1",)
    with pytest.raises(ValidationError):
        learner_from_agent({"name": "nobody"})


def test_pseudonyms_are_keyed_and_stable() -> None:
    assert learner_ref(KEY, "mbox:mailto:a@b.c") == learner_ref(KEY, "mbox:mailto:a@b.c")
    assert learner_ref(KEY, "mbox:mailto:a@b.c") != learner_ref(new_key(), "mbox:mailto:a@b.c")
    assert PSEUDONYM["account"]["homePage"] == "https://lrs.example.org/pseudonyms"
    assert len(PSEUDONYM["account"]["name"]) == 64


def stored(**parts: Any) -> dict[str, Any]:
    return {
        "id": "6f1b7a4e-1d0c-4a6f-9d39-5f3b1c3f8f7a",
        "actor": ANN,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"objectType": "Activity", "id": "http://example.com/q/ann@example.com"},
        "timestamp": "2026-01-01T00:00:00.000Z",
        "stored": "2026-01-01T00:00:00.000Z",
        "authority": {"objectType": "Agent", "account": {"homePage": "https://lrs.example.org", "name": "lms"}},
        **parts,
    }


def test_the_rewrite_replaces_the_learner_everywhere_but_in_ids() -> None:
    bob = {"objectType": "Agent", "mbox": "mailto:bob@example.com"}
    doc = stored(
        context={"instructor": {"name": "Ann Lee", "mbox": "mailto:ann@EXAMPLE.com"},
                 "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:ANN@example.com"}}],
                 "team": {"objectType": "Group", "member": [bob, ANN]},
                 "extensions": {"http://example.com/ext": {"who": "mbox:mailto:ann@example.com"}}},
        result={"response": "Ann Lee wrote to ann@example.com; Annabel Leeds did not"},
    )  # fmt: skip
    rewriter = Rewriter(learner_from_agent(ANN), PSEUDONYM, ["Ann Lee"])
    result = rewriter.statement(doc, own=True).payload
    ref = PSEUDONYM["account"]["name"]
    assert result["actor"] == PSEUDONYM and result["context"]["instructor"] == PSEUDONYM
    assert result["context"]["team"]["member"] == [bob, PSEUDONYM]
    # Another agent's identifier (local parts are case-sensitive) stays a valid, unchanged identifier.
    assert result["context"]["contextAgents"][0]["agent"] == {"mbox": "mailto:ANN@example.com"}
    assert (
        result["context"]["extensions"]["http://example.com/ext"]["who"]
        == f"account:{PSEUDONYM['account']['homePage']}|{ref}"
    )
    assert result["result"]["response"] == f"{ref} wrote to {ref}; Annabel Leeds did not"
    assert result["object"]["id"] == doc["object"]["id"]  # an activity's id is another thing's identifier
    assert doc["actor"] == ANN  # the input is left alone
    index = index_entries(result)
    assert {ifi for ifi, _ in index.agents} == {
        "mbox:mailto:bob@example.com",
        "mbox:mailto:ANN@example.com",
        "account:https://lrs.example.org|lms",
        str(index.actor_ifi),
    }


def test_the_rewrite_drops_attachments_it_cannot_inspect() -> None:
    notes = {"usageType": "http://example.com/notes", "display": {"en": "n"}, "contentType": "text/plain",
             "length": 1, "sha2": "AA"}  # fmt: skip
    signature = {**notes, "usageType": SIGNATURE_USAGE_TYPE, "sha2": "bb"}
    rewriter = Rewriter(learner_from_agent(ANN), PSEUDONYM)
    shared = rewriter.statement(stored(actor={"mbox": "mailto:bob@example.com"}, attachments=[notes, signature]),
                                own=False)  # fmt: skip
    assert shared.payload["attachments"] == [notes] and shared.dropped_sha2 == {"bb"}
    own = rewriter.statement(stored(attachments=[notes, signature]), own=True)
    assert "attachments" not in own.payload and own.dropped_sha2 == {"aa", "bb"}


def test_a_substatement_is_rewritten_too() -> None:
    sub = {"objectType": "SubStatement", "actor": ANN, "verb": {"id": "http://example.com/v"},
           "object": {"objectType": "Agent", "mbox": "mailto:ann@example.com"}}  # fmt: skip
    result = Rewriter(learner_from_agent(ANN), PSEUDONYM).statement(stored(object=sub), own=True).payload
    assert result["object"]["actor"] == PSEUDONYM and result["object"]["object"] == PSEUDONYM


@pytest.mark.parametrize(
    ("usages", "settings", "expected"),
    [
        ({"actor"}, GovernanceSettings(), Treatment.DELETE),
        ({"sub_object", "authority"}, GovernanceSettings(), Treatment.DELETE),
        ({"context_instructor"}, GovernanceSettings(), Treatment.PSEUDONYMISE),
        ({"actor_member"}, GovernanceSettings(), Treatment.PSEUDONYMISE),
        ({"actor"}, GovernanceSettings(erasure=Treatment.PSEUDONYMISE), Treatment.PSEUDONYMISE),
        ({"team_member"}, GovernanceSettings(erasure_shared=Treatment.DELETE), Treatment.DELETE),
    ],
)
def test_own_statements_follow_erasure_and_shared_ones_erasure_shared(
    usages: set[str], settings: GovernanceSettings, expected: Treatment
) -> None:
    assert treatment(usages, settings) is expected


def test_store_settings_are_read_and_written_by_key() -> None:
    settings = from_store_settings({"analytics": {"x": 1}, "retention_days": 30, "erasure": "pseudonymise"})
    assert settings == GovernanceSettings(erasure=Treatment.PSEUDONYMISE, retention_days=30)
    assert to_store_settings(settings)["retention_days"] == 30
    for bad in ({"retention_days": 0}, {"erasure": "burn"}, {"analytics_opt_out": "yes"}):
        with pytest.raises(ValidationError):
            from_store_settings(bad)


def test_opt_outs() -> None:
    opt_outs = OptOuts(store_wide=False, learners=frozenset({"a"}))
    assert opt_outs.excludes("a") and not opt_outs.excludes("b") and opt_outs.keep(["a", "b"]) == ["b"]
    everyone = OptOuts(store_wide=True, learners=frozenset())
    assert everyone.excludes("b") and everyone.keep(["b"]) == []


def test_every_governance_sql_block_loads() -> None:
    blocks = queries("governance")
    assert {"learner_statements", "opted_out_learners", "count_selection", "insert_audit"} <= set(blocks)
