"""Which verbs and activity types mean what to the feature pipeline.

xAPI lets every producer pick its own verbs, so the analytics never match verb IRIs directly. A
`Vocabulary` first turns a verb IRI into a short *action* name (`played`, `submitted`, `passed`),
then puts the event in one *family* (content, assessment, submission, ...) from the action, the
activity type and whether the object is the course itself. The defaults cover the ADL vocabulary,
cmi5, the ADL video profile and the common Tin Can / Activity Streams verbs; a store can replace any
part with its own mapping (the struct encodes to and decodes from JSON).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import msgspec


class Family(enum.StrEnum):
    """A feature family: what kind of learning behaviour an event shows."""

    INTERACTION = "interaction"
    CONTENT = "content"
    ASSESSMENT = "assessment"
    SUBMISSION = "submission"
    DISCUSSION = "discussion"
    SESSION = "session"
    ENROLMENT = "enrolment"
    OUTCOME = "outcome"


FAMILY_CODES: dict[Family, int] = {family: code for code, family in enumerate(Family)}
"""Small integer codes for the families, used in numpy arrays."""

ADL = "http://adlnet.gov/expapi/verbs/"
ADL_W3ID = "https://w3id.org/xapi/adl/verbs/"
VIDEO = "https://w3id.org/xapi/video/verbs/"
TINCAN = "http://id.tincanapi.com/verb/"
ACTIVITY_STREAMS = "http://activitystrea.ms/schema/1.0/"
ACROSSX = "https://w3id.org/xapi/acrossx/verbs/"

ACTIVITY_TYPE_COURSE = "http://adlnet.gov/expapi/activities/course"

_ADL_ACTIONS = (
    "answered",
    "asked",
    "attempted",
    "attended",
    "commented",
    "completed",
    "exited",
    "experienced",
    "failed",
    "imported",
    "initialized",
    "interacted",
    "launched",
    "mastered",
    "passed",
    "preferred",
    "progressed",
    "registered",
    "responded",
    "resumed",
    "scored",
    "shared",
    "suspended",
    "terminated",
    "voided",
    "logged-in",
    "logged-out",
)


def _default_verbs() -> dict[str, str]:
    verbs = {ADL + action: action for action in _ADL_ACTIONS}
    verbs.update({ADL_W3ID + a: a for a in ("abandoned", "waived", "satisfied", "logged-in", "logged-out")})
    verbs.update({VIDEO + a: a for a in ("played", "paused", "seeked")})
    verbs.update({TINCAN + a: a for a in ("viewed", "replied", "unregistered", "enrolled", "read", "watched")})
    verbs.update(
        {
            ACTIVITY_STREAMS + "submit": "submitted",
            ACTIVITY_STREAMS + "create": "created",
            ACTIVITY_STREAMS + "access": "accessed",
            ACTIVITY_STREAMS + "comment": "commented",
            ACTIVITY_STREAMS + "join": "registered",
            ACTIVITY_STREAMS + "leave": "unregistered",
            ACROSSX + "posted": "posted",
            ACROSSX + "watched": "watched",
        }
    )
    return verbs


_ACTION_FAMILIES: dict[Family, tuple[str, ...]] = {
    Family.CONTENT: (
        "experienced",
        "viewed",
        "played",
        "paused",
        "seeked",
        "watched",
        "read",
        "accessed",
        "downloaded",
        "progressed",
    ),
    Family.ASSESSMENT: ("scored", "answered", "passed", "failed", "attempted", "mastered", "responded"),
    Family.SUBMISSION: ("submitted", "completed"),
    Family.DISCUSSION: ("posted", "replied", "commented", "shared", "asked", "created"),
    Family.SESSION: (
        "launched",
        "initialized",
        "terminated",
        "logged-in",
        "logged-out",
        "exited",
        "suspended",
        "resumed",
    ),
    Family.ENROLMENT: ("registered", "unregistered", "abandoned", "enrolled", "waived"),
}


def _default_actions() -> dict[str, Family]:
    return {action: family for family, actions in _ACTION_FAMILIES.items() for action in actions}


def _default_activity_types() -> dict[str, Family]:
    adl = "http://adlnet.gov/expapi/activities/"
    tincan = "http://id.tincanapi.com/activitytype/"
    types: dict[str, Family] = {
        "https://w3id.org/xapi/video/activity-type/video": Family.CONTENT,
        "https://w3id.org/xapi/audio/activity-type/audio": Family.CONTENT,
        "https://w3id.org/xapi/acrossx/activities/message": Family.DISCUSSION,
        "http://xapi.jisc.ac.uk/forum-post": Family.DISCUSSION,
    }
    types.update({adl + t: Family.CONTENT for t in ("media", "lesson", "link", "file")})
    types.update({adl + t: Family.ASSESSMENT for t in ("assessment", "question", "interaction", "cmi.interaction")})
    types.update({tincan + t: Family.CONTENT for t in ("document", "resource", "chapter", "page", "webpage")})
    types.update({tincan + t: Family.DISCUSSION for t in ("discussion", "forum-topic", "forum-reply", "comment")})
    types.update({tincan + t: Family.SUBMISSION for t in ("school-assignment", "assignment")})
    return types


class Vocabulary(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The mapping from verbs and activity types to actions and families; one per store.

    - `verbs`: verb IRI -> action; an unknown IRI's action is its last path segment, lower-cased
      (so any `.../posted` is `posted`).
    - `actions`: action -> family; `activity_types`: type IRI -> family.
    - `type_led_actions`: generic actions (`completed`, `initialized`, ...) whose family follows the
      activity type when the type is known: `completed` a video is content, an assignment submission.
    - `course_types`: activity types that mark a course; `outcome_actions` on a course are outcomes.
    - `contribution_actions`: the learner produced something (a post, an answer, a submission).
    - `reply_actions`: a contribution aimed at someone else's post (the object is that post).
    - `withdrawal_actions`: the learner left the course.
    - `due_date_extensions`: activity definition extensions that carry an ISO 8601 due date.
    """

    verbs: dict[str, str] = msgspec.field(default_factory=_default_verbs)
    actions: dict[str, Family] = msgspec.field(default_factory=_default_actions)
    activity_types: dict[str, Family] = msgspec.field(default_factory=_default_activity_types)
    type_led_actions: frozenset[str] = frozenset(
        {
            "completed",
            "initialized",
            "terminated",
            "progressed",
            "attempted",
            "experienced",
            "viewed",
            "created",
            "interacted",
            "accessed",
            "read",
        }
    )
    course_types: frozenset[str] = frozenset(
        {
            ACTIVITY_TYPE_COURSE,
            "http://id.tincanapi.com/activitytype/lms/course",
            "https://w3id.org/xapi/cmi5/activitytype/course",
        }
    )
    outcome_actions: frozenset[str] = frozenset({"passed", "failed", "completed", "mastered", "satisfied"})
    contribution_actions: frozenset[str] = frozenset(
        {
            "posted",
            "replied",
            "commented",
            "created",
            "asked",
            "shared",
            "answered",
            "responded",
            "submitted",
            "attempted",
        }
    )
    reply_actions: frozenset[str] = frozenset({"replied", "commented"})
    withdrawal_actions: frozenset[str] = frozenset({"unregistered", "abandoned"})
    ignored_actions: frozenset[str] = frozenset({"voided"})
    due_date_extensions: tuple[str, ...] = ("http://xapi.jisc.ac.uk/dueDate",)

    def action_of(self, verb_iri: str) -> str:
        """The short action name of a verb IRI."""
        action = self.verbs.get(verb_iri)
        if action is not None:
            return action
        tail = verb_iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return tail.lower()

    def family_of(self, action: str, activity_type: str | None, on_course: bool) -> Family:
        """The family of an event: outcome and enrolment on a course first, then action or type."""
        action_family = self.actions.get(action)
        if on_course:
            if action in self.outcome_actions:
                return Family.OUTCOME
            if action_family is Family.ENROLMENT:
                return Family.ENROLMENT
        type_family = self.activity_types.get(activity_type) if activity_type else None
        if type_family is not None and (action_family is None or action in self.type_led_actions):
            return type_family
        return action_family if action_family is not None else Family.INTERACTION

    def with_overrides(
        self,
        *,
        verbs: Mapping[str, str] | None = None,
        actions: Mapping[str, Family] | None = None,
        activity_types: Mapping[str, Family] | None = None,
    ) -> Vocabulary:
        """A copy with extra or replaced entries, for a store's own vocabulary."""
        return msgspec.structs.replace(
            self,
            verbs={**self.verbs, **(verbs or {})},
            actions={**self.actions, **(actions or {})},
            activity_types={**self.activity_types, **(activity_types or {})},
        )


DEFAULT_VOCABULARY = Vocabulary()
"""The vocabulary used when a store configures none."""
