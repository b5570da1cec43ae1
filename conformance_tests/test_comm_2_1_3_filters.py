"""Communication 2.1.3: GET statements filters, including the StatementRef rule.

One small graph of statements is stored once per run (every agent, verb and activity in it is
unique to the run), then each check asks one query and compares the exact set of ids returned.

    s1  A  v1 x1   registration r1, parent P, instructor C
    s2  B  v2 x2   registration r2, grouping GR, team G
    s3  G  v1 x2   (G = identified Group with members A and E)
    s4  D  v1 C    (object is Agent C)
    s5  N  v2 x1   (N = anonymous Group with members F and B)
    s6  A  v2 SubStatement(E v1 SO, category CAT)
    s7  B  v1 StatementRef(s1)
    s8  E  v2 x2   category CAT, other O
    s9  C  v2 StatementRef(s7)            (a chain: s9 -> s7 -> s1)
    s10 D  v2 x2   contextAgents K, contextGroups H   (xAPI 2.0 only)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from conformance_tests import expect, flows
from conformance_tests.client import XAPIClient
from conformance_tests.factory import JSON, Factory
from conformance_tests.requirements import ONLY_2_0, requirement
from conformance_tests.settings import Settings

FILTERS = "Communication 2.1.3 Filters"
REFS = "Communication 2.1.3 StatementRefs"


@dataclass
class Graph:
    """The stored statements (by name) and the objects they were built from."""

    ids: dict[str, str] = field(default_factory=dict)
    agents: dict[str, JSON] = field(default_factory=dict)
    verbs: dict[str, str] = field(default_factory=dict)
    activities: dict[str, str] = field(default_factory=dict)
    registrations: dict[str, str] = field(default_factory=dict)
    authority: JSON = field(default_factory=dict)

    def expect(self, *names: str) -> list[str]:
        """Ids of the named statements that exist in this run."""
        return [self.ids[n] for n in names if n in self.ids]


def _ifi(agent: JSON) -> JSON:
    keys = ("mbox", "mbox_sha1sum", "openid", "account")
    return {"objectType": agent.get("objectType", "Agent"), **{k: agent[k] for k in keys if k in agent}}


@pytest.fixture(scope="module")
def graph(lrs: XAPIClient, factory: Factory, settings: Settings) -> Graph:
    g = Graph()
    a, b, c, d, e, f = (factory.agent(kind) for kind in ("mbox", "account", "openid", "mbox_sha1sum", "mbox", "mbox"))
    group = {**factory.group(members=0), "member": [a, e]}
    anonymous = {"objectType": "Group", "member": [f, b]}
    g.agents = {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": group}
    v1, v2 = factory.verb("did"), factory.verb("redid")
    g.verbs = {"v1": v1["id"], "v2": v2["id"]}
    acts = {name: factory.activity() for name in ("x1", "x2", "P", "GR", "CAT", "O", "SO")}
    g.activities = {name: act["id"] for name, act in acts.items()}
    g.registrations = {"r1": factory.uuid(), "r2": factory.uuid()}
    sub = {
        "objectType": "SubStatement",
        "actor": e,
        "verb": v1,
        "object": acts["SO"],
        "context": {"contextActivities": {"category": [acts["CAT"]]}},
    }
    plan: list[tuple[str, JSON]] = [
        (
            "s1",
            factory.statement(
                actor=a,
                verb=v1,
                object=acts["x1"],
                context={
                    "registration": g.registrations["r1"],
                    "instructor": c,
                    "contextActivities": {"parent": [acts["P"]]},
                },
            ),
        ),
        (
            "s2",
            factory.statement(
                actor=b,
                verb=v2,
                object=acts["x2"],
                context={
                    "registration": g.registrations["r2"],
                    "team": group,
                    "contextActivities": {"grouping": [acts["GR"]]},
                },
            ),
        ),
        ("s3", factory.statement(actor=group, verb=v1, object=acts["x2"])),
        ("s4", factory.statement(actor=d, verb=v1, object=c)),
        ("s5", factory.statement(actor=anonymous, verb=v2, object=acts["x1"])),
        ("s6", factory.statement(actor=a, verb=v2, object=sub)),
    ]
    for name, statement in plan:
        g.ids[name] = lrs.store(statement)
    g.ids["s7"] = lrs.store(factory.statement(actor=b, verb=v1, object=factory.statement_ref(g.ids["s1"])))
    g.ids["s8"] = lrs.store(
        factory.statement(
            actor=e,
            verb=v2,
            object=acts["x2"],
            context={"contextActivities": {"category": [acts["CAT"]], "other": [acts["O"]]}},
        )
    )
    g.ids["s9"] = lrs.store(factory.statement(actor=c, verb=v2, object=factory.statement_ref(g.ids["s7"])))
    if settings.is_2_0:
        k = factory.agent()
        h = factory.group(members=1)
        g.agents.update({"K": k, "H": h})
        context = {
            "contextAgents": [{"objectType": "contextAgent", "agent": k}],
            "contextGroups": [{"objectType": "contextGroup", "group": h}],
        }
        g.ids["s10"] = lrs.store(factory.statement(actor=d, verb=v2, object=acts["x2"], context=context))
    flows.wait_consistent(lrs, list(g.ids.values()))
    g.authority = lrs.fetch_json(g.ids["s1"])["authority"]
    return g


def _check(lrs: XAPIClient, params: dict[str, Any], expected: list[str], what: str) -> None:
    found = flows.query_ids(lrs, params)
    assert len(found) == len(set(found)), f"{what}: a statement was returned twice: {found}"
    expect.same_set(found, expected, what)


AGENT_CASES = {
    "actor-mbox": ("A", False, ("s1", "s3", "s6", "s7", "s9")),
    "actor-account": ("B", False, ("s2", "s5", "s7", "s9")),
    "object-openid": ("C", False, ("s4", "s9")),
    "actor-mbox_sha1sum": ("D", False, ("s4", "s10")),
    "group-member": ("E", False, ("s3", "s8")),
    "anonymous-group-member": ("F", False, ("s5",)),
    "identified-group": ("G", False, ("s3",)),
    "related-instructor": ("C", True, ("s1", "s4", "s7", "s9")),
    "related-substatement-and-team": ("E", True, ("s2", "s3", "s6", "s8")),
    "related-team-group": ("G", True, ("s2", "s3")),
}


@pytest.mark.parametrize("case", list(AGENT_CASES), ids=list(AGENT_CASES))
@requirement(FILTERS, "agent filters by Actor or Object (Groups match by their members); related_agents widens it")
def test_agent_filter(lrs: XAPIClient, graph: Graph, case: str) -> None:
    name, related, expected = AGENT_CASES[case]
    params: dict[str, Any] = {"agent": _ifi(graph.agents[name])}
    if related:
        params["related_agents"] = True
    _check(lrs, params, graph.expect(*expected), f"agent={name} related_agents={related}")


@requirement(FILTERS, "Agents are equal when they share the same IFI: other properties of the agent param are ignored")
def test_agent_filter_ignores_name(lrs: XAPIClient, graph: Graph) -> None:
    agent = {**_ifi(graph.agents["A"]), "name": "A Different Display Name"}
    _check(lrs, {"agent": agent}, graph.expect("s1", "s3", "s6", "s7", "s9"), "agent=A with another name")


@requirement(FILTERS, "related_agents matches the Authority of a Statement")
def test_related_agents_authority(lrs: XAPIClient, graph: Graph) -> None:
    params = {"agent": graph.authority, "related_agents": True, "activity": graph.activities["x1"]}
    _check(lrs, params, graph.expect("s1", "s5", "s7", "s9"), "authority as related agent")


@requirement(FILTERS, "Without related_agents, the Authority is not matched by the agent filter")
def test_agent_filter_excludes_authority(lrs: XAPIClient, graph: Graph) -> None:
    if graph.authority.get("objectType") == "Group":
        pytest.skip("the authority is a Group (OAuth); the agent filter takes an Agent")
    _check(lrs, {"agent": graph.authority, "activity": graph.activities["x1"]}, [], "authority without related")


@requirement(FILTERS, "contextAgents count as related agents (related_agents=true)", versions=ONLY_2_0)
def test_related_context_agent(lrs: XAPIClient, graph: Graph) -> None:
    _check(lrs, {"agent": _ifi(graph.agents["K"]), "related_agents": True}, graph.expect("s10"), "contextAgent")


@requirement(FILTERS, "contextAgents are not matched by the plain agent filter", versions=ONLY_2_0)
def test_context_agent_not_plain_match(lrs: XAPIClient, graph: Graph) -> None:
    _check(lrs, {"agent": _ifi(graph.agents["K"])}, [], "contextAgent without related_agents")


@requirement(FILTERS, "contextGroups count as related agents (related_agents=true)", versions=ONLY_2_0)
def test_related_context_group(lrs: XAPIClient, graph: Graph) -> None:
    _check(lrs, {"agent": _ifi(graph.agents["H"]), "related_agents": True}, graph.expect("s10"), "contextGroup")


VERB_CASES = {"v1": ("s1", "s3", "s4", "s7", "s9"), "v2": ("s2", "s5", "s6", "s8", "s9", "s10")}


@pytest.mark.parametrize("verb", list(VERB_CASES))
@requirement(FILTERS, "verb filter returns only Statements matching the Verb id (and those targeting them)")
def test_verb_filter(lrs: XAPIClient, graph: Graph, verb: str) -> None:
    _check(lrs, {"verb": graph.verbs[verb]}, graph.expect(*VERB_CASES[verb]), f"verb={verb}")


ACTIVITY_CASES = {
    "object-x1": ("x1", False, ("s1", "s5", "s7", "s9")),
    "object-x2": ("x2", False, ("s2", "s3", "s8", "s10")),
    "parent-not-plain": ("P", False, ()),
    "substatement-object-not-plain": ("SO", False, ()),
    "related-parent": ("P", True, ("s1", "s7", "s9")),
    "related-grouping": ("GR", True, ("s2",)),
    "related-category": ("CAT", True, ("s6", "s8")),
    "related-other": ("O", True, ("s8",)),
    "related-substatement-object": ("SO", True, ("s6",)),
    "related-object": ("x1", True, ("s1", "s5", "s7", "s9")),
}


@pytest.mark.parametrize("case", list(ACTIVITY_CASES), ids=list(ACTIVITY_CASES))
@requirement(FILTERS, "activity filters by the Object; related_activities adds context and SubStatement Activities")
def test_activity_filter(lrs: XAPIClient, graph: Graph, case: str) -> None:
    name, related, expected = ACTIVITY_CASES[case]
    params: dict[str, Any] = {"activity": graph.activities[name]}
    if related:
        params["related_activities"] = True
    _check(lrs, params, graph.expect(*expected), f"activity={name} related_activities={related}")


@pytest.mark.parametrize(("registration", "expected"), [("r1", ("s1", "s7", "s9")), ("r2", ("s2",))])
@requirement(FILTERS, "registration filter returns only Statements with that registration (and those targeting them)")
def test_registration_filter(lrs: XAPIClient, graph: Graph, registration: str, expected: tuple[str, ...]) -> None:
    _check(lrs, {"registration": graph.registrations[registration]}, graph.expect(*expected), registration)


COMBINED: dict[str, tuple[Callable[[Graph], dict[str, Any]], tuple[str, ...]]] = {
    "registration-and-agent": (
        lambda g: {"registration": g.registrations["r2"], "agent": _ifi(g.agents["B"])},
        ("s2",),
    ),
    "activity-and-verb": (lambda g: {"activity": g.activities["x2"], "verb": g.verbs["v1"]}, ("s3",)),
    "agent-and-activity": (lambda g: {"agent": _ifi(g.agents["E"]), "activity": g.activities["x2"]}, ("s3", "s8")),
}


@pytest.mark.parametrize("case", list(COMBINED), ids=list(COMBINED))
@requirement(FILTERS, "Filters combine: a Statement is returned only if it meets every filter condition")
def test_combined_filters(lrs: XAPIClient, graph: Graph, case: str) -> None:
    build, expected = COMBINED[case]
    _check(lrs, build(graph), graph.expect(*expected), case)


@requirement(REFS, "Statements targeting a matching Statement by StatementRef meet the filter (s7 -> s1)")
def test_statement_ref_target_matches(lrs: XAPIClient, graph: Graph) -> None:
    found = flows.query_ids(lrs, {"activity": graph.activities["x1"]})
    assert graph.ids["s7"] in found, "s7 targets s1 (activity x1) and must be returned"


@requirement(REFS, "The StatementRef rule applies recursively (s9 -> s7 -> s1)")
def test_statement_ref_recursive(lrs: XAPIClient, graph: Graph) -> None:
    found = flows.query_ids(lrs, {"registration": graph.registrations["r1"]})
    assert graph.ids["s9"] in found, "s9 targets s7 which targets s1 (registration r1) and must be returned"


@requirement(REFS, "StatementRefs in context.statement do not affect filtering")
def test_context_statement_ref_does_not_match(lrs: XAPIClient, factory: Factory, graph: Graph) -> None:
    referring = factory.statement(context={"statement": factory.statement_ref(graph.ids["s2"])})
    lrs.store(referring)
    flows.wait_consistent(lrs, [referring["id"]])
    found = flows.query_ids(lrs, {"registration": graph.registrations["r2"]})
    assert referring["id"] not in found, "a context.statement reference made a statement match a filter"


@requirement(FILTERS, "In the event no Statements match, the LRS MUST return 200 and an empty 'statements' array")
def test_no_match_returns_empty_result(lrs: XAPIClient, factory: Factory) -> None:
    result = expect.json_body(expect.status(lrs.get_statements({"verb": factory.iri("unused-verb")}), 200))
    assert result.get("statements") == [], f"expected an empty StatementResult, got {result!r}"
    assert result.get("more", "") == "", f"'more' must be empty when there are no more results: {result!r}"
