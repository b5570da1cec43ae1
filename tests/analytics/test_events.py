"""Extracting events from statements: identities, courses, families, results."""

from __future__ import annotations

import msgspec
import pytest

from analytics.events import agent_from_key, events_from_statement, ifi_key, parse_duration, parse_timestamp
from analytics.vocabulary import DEFAULT_VOCABULARY, Family, Vocabulary
from tests.analytics.helpers import COURSE, HOME, statement

ADL = "http://adlnet.gov/expapi/verbs/"
COURSE_ACTIVITY = {"id": COURSE, "definition": {"type": "http://adlnet.gov/expapi/activities/course"}}
VIDEO = {
    "id": "https://courses.example.com/c1/v1",
    "definition": {"type": "https://w3id.org/xapi/video/activity-type/video"},
}
ASSIGNMENT = {
    "id": "https://courses.example.com/c1/a1",
    "definition": {
        "type": "http://id.tincanapi.com/activitytype/school-assignment",
        "extensions": {"http://xapi.jisc.ac.uk/dueDate": "2026-01-10T23:59:00Z"},
    },
}
IN_COURSE = {"contextActivities": {"grouping": [COURSE_ACTIVITY]}}


@pytest.mark.parametrize(
    "agent",
    [
        {"account": {"homePage": HOME, "name": "u1"}},
        {"mbox": "mailto:ann@example.com"},
        {"mbox_sha1sum": "ab" * 20},
        {"openid": "https://openid.example.org/ann"},
    ],
)
def test_ifi_keys_round_trip(agent: dict[str, object]) -> None:
    key = ifi_key(agent)
    assert key is not None
    assert ifi_key(agent_from_key(key)) == key


def test_ifi_keys_match_the_store_index() -> None:
    assert ifi_key({"mbox": "mailto:Ann@Example.COM"}) == "mbox:mailto:Ann@example.com"
    assert ifi_key({"mbox_sha1sum": "AB" * 20}) == "mbox_sha1sum:" + "ab" * 20


def test_an_agent_without_ifi_has_no_key() -> None:
    assert ifi_key({"name": "nobody"}) is None
    with pytest.raises(ValueError):
        agent_from_key("nonsense")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT1H2M3.5S", 3723.5),
        ("P1D", 86400.0),
        ("PT0S", 0.0),
        ("P1W", 604800.0),
        ("P1DT1S", 86401.0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["P", "PT", "1H", "PT1H2", "P1DT"])
def test_invalid_durations_are_none(text: str) -> None:
    assert parse_duration(text) is None


def test_timestamps_with_offsets_and_without_zone() -> None:
    assert parse_timestamp("2026-01-01T01:00:00+01:00") == parse_timestamp("2026-01-01T00:00:00Z")
    assert parse_timestamp("2026-01-01T00:00:00") == parse_timestamp("2026-01-01T00:00:00.000Z")


def test_the_family_of_completed_follows_the_activity_type() -> None:
    video = events_from_statement(statement(ADL + "completed", VIDEO, context=IN_COURSE))
    work = events_from_statement(statement(ADL + "completed", ASSIGNMENT, context=IN_COURSE))
    course = events_from_statement(statement(ADL + "completed", COURSE_ACTIVITY))
    assert [e.family for e in video + work + course] == [Family.CONTENT, Family.SUBMISSION, Family.OUTCOME]


def test_passed_on_the_course_is_an_outcome_but_on_a_quiz_an_assessment() -> None:
    quiz = {
        "id": "https://courses.example.com/c1/q1",
        "definition": {"type": "http://adlnet.gov/expapi/activities/assessment"},
    }
    (on_quiz,) = events_from_statement(statement(ADL + "passed", quiz, context=IN_COURSE))
    (on_course,) = events_from_statement(statement(ADL + "passed", COURSE_ACTIVITY))
    assert (on_quiz.family, on_course.family) == (Family.ASSESSMENT, Family.OUTCOME)


def test_unknown_verbs_use_their_last_segment_and_otherwise_count_as_interaction() -> None:
    (posted,) = events_from_statement(
        statement("https://example.org/verbs/posted", VIDEO | {"definition": {}}, context=IN_COURSE)
    )
    (odd,) = events_from_statement(
        statement("https://example.org/verbs/juggled", {"id": "https://x.example/1"}, context=IN_COURSE)
    )
    assert (posted.action, posted.family) == ("posted", Family.DISCUSSION)
    assert (odd.action, odd.family) == ("juggled", Family.INTERACTION)


def test_a_store_can_map_its_own_verbs() -> None:
    vocabulary = DEFAULT_VOCABULARY.with_overrides(verbs={"https://example.org/verbs/juggled": "watched"})
    (event,) = events_from_statement(
        statement("https://example.org/verbs/juggled", {"id": "https://x.example/1"}, context=IN_COURSE), vocabulary
    )
    assert event.family is Family.CONTENT
    assert msgspec.json.decode(msgspec.json.encode(vocabulary), type=Vocabulary) == vocabulary


def test_courses_come_from_typed_context_the_enrolment_object_or_known_ids() -> None:
    (registered,) = events_from_statement(statement(ADL + "registered", {"id": COURSE}))
    assert (registered.course, registered.family) == (COURSE, Family.ENROLMENT)
    module = {"id": "https://courses.example.com/c1/m1"}
    untyped = {"contextActivities": {"parent": [module], "grouping": [{"id": COURSE}]}}
    (fallback,) = events_from_statement(statement(ADL + "experienced", VIDEO, context=untyped))
    assert fallback.course == COURSE
    only_parent = {"contextActivities": {"parent": [{"id": COURSE}, {"id": "https://x.example/other"}]}}
    known = events_from_statement(statement(ADL + "experienced", VIDEO, context=only_parent), known_courses={COURSE})
    assert [e.course for e in known] == [COURSE]
    assert events_from_statement(statement(ADL + "experienced", VIDEO)) == []


def test_results_are_flattened() -> None:
    result = {
        "score": {"raw": 7, "min": 0, "max": 10},
        "success": True,
        "completion": True,
        "duration": "PT5M",
        "response": "four words of text",
    }
    context = IN_COURSE | {
        "registration": "2c54873d-1d4a-42f1-b059-deabd26f4d5b",
        "instructor": {"mbox": "mailto:teacher@example.com"},
    }
    (e,) = events_from_statement(statement(ADL + "scored", ASSIGNMENT, context=context, result=result))
    assert e.score == pytest.approx(0.7)
    assert (e.raw, e.score_min, e.score_max, e.success, e.completion) == (7.0, 0.0, 10.0, True, True)
    assert (e.duration, e.response_length) == (300.0, 18)
    assert e.due == parse_timestamp("2026-01-10T23:59:00Z")
    assert e.instructor == "mbox:mailto:teacher@example.com"
    assert e.registration == "2c54873d-1d4a-42f1-b059-deabd26f4d5b"


def test_groups_non_activity_objects_and_voiding_give_no_event() -> None:
    group = statement(ADL + "experienced", VIDEO, context=IN_COURSE)
    group["actor"] = {"objectType": "Group", "member": []}
    about_agent = statement(
        ADL + "experienced", {"objectType": "Agent", "mbox": "mailto:x@example.com"}, context=IN_COURSE
    )
    voiding = statement(ADL + "voided", {"objectType": "StatementRef", "id": "2c54873d-1d4a-42f1-b059-deabd26f4d5b"})
    assert events_from_statement(group) == events_from_statement(about_agent) == events_from_statement(voiding) == []


def test_a_statement_in_two_courses_gives_two_events() -> None:
    other = {
        "id": "https://courses.example.com/c2",
        "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
    }
    context = {"contextActivities": {"grouping": [COURSE_ACTIVITY, other]}}
    events = events_from_statement(statement(ADL + "experienced", VIDEO, context=context))
    assert sorted(e.course for e in events) == [COURSE, other["id"]]
