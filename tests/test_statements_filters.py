"""GET /statements filters (Communication 2.1.3) and the StatementRef rule (2.1.3, 2.1.4)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import StoreContext
from tests.statement_factory import (
    ACTIVITY,
    OTHER_ACTIVITY,
    OTHER_VERB,
    Client,
    account,
    activity,
    agent,
    get_one,
    group,
    new_id,
    post_ok,
    query,
    query_ids,
    statement,
    statement_ref,
    voiding,
)

ANN = agent("ann")
BOB = agent("bob")


async def store_each(client: Client, store: StoreContext, *docs: dict[str, Any], version: str = "1.0.3") -> list[str]:
    """Store each statement in its own request (so each has its own `stored`), oldest first."""
    return [(await post_ok(client, store, doc, version))[0] for doc in docs]


# --- agent ------------------------------------------------------------------------------------------------------


async def test_agent_matches_actor_object_and_group_members_but_not_other_places(
    client: Client, store: StoreContext
) -> None:
    as_actor, as_object, as_member, as_instructor, unrelated = await store_each(
        client,
        store,
        statement(ANN),
        statement(BOB, obj=ANN),
        statement(group("team", ANN, BOB, identified=False)),
        statement(BOB, context={"instructor": ANN}),
        statement(BOB),
    )
    found = await query_ids(client, store, agent=ANN, ascending=True)
    assert found == [as_actor, as_object, as_member]
    assert as_instructor not in found and unrelated not in found


async def test_agent_matches_its_ifi_whatever_else_the_agent_object_says(client: Client, store: StoreContext) -> None:
    [statement_id] = await store_each(client, store, statement({**ANN, "name": "Ann"}))
    assert await query_ids(client, store, agent={"mbox": ANN["mbox"]}) == [statement_id]
    assert await query_ids(client, store, agent={**ANN, "name": "Someone else"}) == [statement_id]
    assert await query_ids(client, store, agent=account("ann")) == []


async def test_agent_may_be_an_identified_group(client: Client, store: StoreContext) -> None:
    team = group("team", ANN)
    [by_group, _] = await store_each(client, store, statement(team), statement(ANN))
    assert await query_ids(client, store, agent={"objectType": "Group", "mbox": team["mbox"]}) == [by_group]


async def test_related_agents_widens_to_authority_instructor_team_and_substatement(
    client: Client, store: StoreContext
) -> None:
    sub = {"objectType": "SubStatement", "actor": ANN, "verb": {"id": OTHER_VERB}, "object": activity()}
    ids = await store_each(
        client,
        store,
        statement(BOB, context={"instructor": ANN}),
        statement(BOB, context={"team": group("team", ANN, identified=False)}),
        statement(BOB, obj=sub),
        statement(BOB),
    )
    instructor, team, substatement, unrelated = ids
    assert await query_ids(client, store, agent=ANN) == []
    found = await query_ids(client, store, agent=ANN, related_agents=True, ascending=True)
    assert found == [instructor, team, substatement]
    assert unrelated not in found

    authority = store.credential.authority
    assert await query_ids(client, store, agent=authority) == []
    assert len(await query_ids(client, store, agent=authority, related_agents=True)) == 4


async def test_related_agents_includes_2_0_context_agents_and_groups(client: Client, store: StoreContext) -> None:
    ids = await store_each(
        client,
        store,
        statement(BOB, context={"contextAgents": [{"objectType": "contextAgent", "agent": ANN}]}),
        statement(
            BOB,
            context={
                "contextGroups": [
                    {"objectType": "contextGroup", "group": group("g", ANN, identified=False)},
                ]
            },
        ),
        statement(BOB),
        version="2.0.0",
    )
    found = await query_ids(client, store, "2.0.0", agent=ANN, related_agents=True, ascending=True)
    assert found == ids[:2]
    assert await query_ids(client, store, "2.0.0", agent=ANN) == []


# --- verb, activity, registration -------------------------------------------------------------------------------


async def test_verb_filter(client: Client, store: StoreContext) -> None:
    _, completed = await store_each(client, store, statement(), statement(verb=OTHER_VERB))
    assert await query_ids(client, store, verb=OTHER_VERB) == [completed]
    assert await query_ids(client, store, verb="http://example.com/verbs/never") == []


async def test_activity_matches_the_object_and_related_activities_the_context_and_substatement(
    client: Client, store: StoreContext
) -> None:
    sub = {"objectType": "SubStatement", "actor": ANN, "verb": {"id": OTHER_VERB}, "object": activity(ACTIVITY)}
    as_object, as_parent, as_category, in_substatement, _ = await store_each(
        client,
        store,
        statement(obj=activity(ACTIVITY)),
        statement(obj=activity(OTHER_ACTIVITY), context={"contextActivities": {"parent": activity(ACTIVITY)}}),
        statement(obj=activity(OTHER_ACTIVITY), context={"contextActivities": {"category": [activity(ACTIVITY)]}}),
        statement(obj=sub),
        statement(obj=activity(OTHER_ACTIVITY)),
    )
    assert await query_ids(client, store, activity=ACTIVITY) == [as_object]
    found = await query_ids(client, store, activity=ACTIVITY, related_activities=True, ascending=True)
    assert found == [as_object, as_parent, as_category, in_substatement]


async def test_registration_filter_combines_with_others(client: Client, store: StoreContext) -> None:
    registration = new_id()
    ids = await store_each(
        client,
        store,
        statement(ANN, context={"registration": registration}),
        statement(BOB, context={"registration": registration}),
        statement(ANN, context={"registration": new_id()}),
    )
    assert await query_ids(client, store, registration=registration, ascending=True) == ids[:2]
    assert await query_ids(client, store, registration=registration.upper(), agent=ANN) == [ids[0]]


# --- time, order and limit --------------------------------------------------------------------------------------


async def test_since_is_exclusive_and_until_inclusive_on_stored(client: Client, store: StoreContext) -> None:
    ids = []
    for doc in (statement(ANN), statement(BOB), statement(agent("cy"))):
        ids += await post_ok(client, store, doc)
        await asyncio.sleep(0.002)  # stored has millisecond precision: give each statement its own
    stored = [(await get_one(client, store, i))["stored"] for i in ids]
    assert len(set(stored)) == 3
    assert await query_ids(client, store, since=stored[0], ascending=True) == ids[1:]
    assert await query_ids(client, store, until=stored[1], ascending=True) == ids[:2]
    assert await query_ids(client, store, since=stored[0], until=stored[1]) == [ids[1]]
    assert await query_ids(client, store, since=stored[2]) == []


async def test_statements_come_newest_first_unless_ascending(client: Client, store: StoreContext) -> None:
    ids = await store_each(client, store, statement(ANN), statement(BOB), statement(agent("cy")))
    assert await query_ids(client, store) == ids[::-1]
    assert await query_ids(client, store, ascending=True) == ids
    assert await query_ids(client, store, ascending=False) == ids[::-1]


async def test_limit_caps_the_page_and_offers_more(client: Client, store: StoreContext) -> None:
    ids = await post_ok(client, store, [statement(agent(f"l{i}")) for i in range(5)])
    page = await query(client, store, limit=2, ascending=True)
    assert [s["id"] for s in page["statements"]] == ids[:2]
    assert page["more"]
    everything = await query(client, store, limit=5)
    assert len(everything["statements"]) == 5
    assert everything["more"] == ""


# --- StatementRef rule and voiding ------------------------------------------------------------------------------


async def test_statements_targeting_a_match_match_too_recursively(client: Client, store: StoreContext) -> None:
    ben = agent("ben")
    andrew = agent("andrew")
    passed, confirmed, noted, unrelated = await _chain(client, store, ben, andrew)
    expected = [passed, confirmed, noted]
    assert await query_ids(client, store, agent=ben, ascending=True) == expected
    assert await query_ids(client, store, activity="http://example.com/explosives", ascending=True) == expected
    assert await query_ids(client, store, verb="http://adlnet.gov/expapi/verbs/passed", ascending=True) == expected
    assert await query_ids(client, store, verb="http://example.com/verbs/confirmed", ascending=True) == [
        confirmed,
        noted,
    ]
    assert await query_ids(client, store, agent=andrew, ascending=True) == [confirmed, noted, unrelated]


async def _chain(client: Client, store: StoreContext, ben: dict[str, Any], andrew: dict[str, Any]) -> list[str]:
    """Ben passed explosives; Andrew confirmed that; Andrew noted the confirmation; Andrew did something else."""
    [passed] = await post_ok(
        client,
        store,
        statement(ben, "http://adlnet.gov/expapi/verbs/passed", activity("http://example.com/explosives")),
    )
    [confirmed] = await post_ok(
        client, store, statement(andrew, "http://example.com/verbs/confirmed", statement_ref(passed))
    )
    [noted] = await post_ok(
        client, store, statement(andrew, "http://example.com/verbs/noted", statement_ref(confirmed))
    )
    [unrelated] = await post_ok(client, store, statement(andrew, obj=activity(OTHER_ACTIVITY)))
    return [passed, confirmed, noted, unrelated]


async def test_time_filters_apply_to_the_targeting_statement(client: Client, store: StoreContext) -> None:
    ben, andrew = agent("ben"), agent("andrew")
    passed, confirmed, noted, _ = await _chain(client, store, ben, andrew)
    since = (await get_one(client, store, passed))["stored"]
    assert await query_ids(client, store, agent=ben, since=since, ascending=True) == [confirmed, noted]
    page = await query(client, store, agent=ben, limit=1)
    assert [s["id"] for s in page["statements"]] == [noted]


async def test_a_statement_ref_in_context_does_not_make_a_match(client: Client, store: StoreContext) -> None:
    [target] = await post_ok(client, store, statement(ANN))
    [_] = await post_ok(client, store, statement(BOB, context={"statement": statement_ref(target)}))
    assert await query_ids(client, store, agent=ANN) == [target]


async def test_voided_statements_are_never_listed_but_their_voiding_statement_is(
    client: Client, store: StoreContext
) -> None:
    [target, kept] = await store_each(client, store, statement(ANN), statement(ANN, OTHER_VERB))
    [voider] = await post_ok(client, store, voiding(target, BOB))
    assert await query_ids(client, store, ascending=True) == [kept, voider]
    assert await query_ids(client, store, agent=ANN, ascending=True) == [kept, voider]
    assert await query_ids(client, store, verb=statement()["verb"]["id"]) == [voider]
    assert await query_ids(client, store, agent=BOB) == [voider]


async def test_a_statement_targeting_a_voided_statement_still_matches_through_it(
    client: Client, store: StoreContext
) -> None:
    [target] = await post_ok(client, store, statement(ANN))
    [comment] = await post_ok(
        client, store, statement(BOB, "http://example.com/verbs/commented", statement_ref(target))
    )
    [voider] = await post_ok(client, store, voiding(target, BOB))
    assert await query_ids(client, store, agent=ANN, ascending=True) == [comment, voider]
