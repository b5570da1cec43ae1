"""Building blocks of simulated xAPI statements: vocabulary IRIs, formats and a statement writer.

The IRIs are real, published vocabulary (ADL verbs and activity types, the ADL video profile, cmi5,
Tin Can registry, Activity Streams, acrossX, the Jisc due-date extension); course content lives under
`example.com`-style IRIs chosen by the simulator.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

_ADL = "http://adlnet.gov/expapi/verbs/"
VERBS: dict[str, str] = {
    "registered": _ADL + "registered",
    "unregistered": "http://id.tincanapi.com/verb/unregistered",
    "launched": _ADL + "launched",
    "initialized": _ADL + "initialized",
    "terminated": _ADL + "terminated",
    "experienced": _ADL + "experienced",
    "completed": _ADL + "completed",
    "attempted": _ADL + "attempted",
    "answered": _ADL + "answered",
    "passed": _ADL + "passed",
    "failed": _ADL + "failed",
    "scored": _ADL + "scored",
    "played": "https://w3id.org/xapi/video/verbs/played",
    "paused": "https://w3id.org/xapi/video/verbs/paused",
    "submitted": "http://activitystrea.ms/schema/1.0/submit",
    "posted": "https://w3id.org/xapi/acrossx/verbs/posted",
    "replied": "http://id.tincanapi.com/verb/replied",
    "viewed": "http://id.tincanapi.com/verb/viewed",
}

TYPE_COURSE = "http://adlnet.gov/expapi/activities/course"
TYPE_MODULE = "http://adlnet.gov/expapi/activities/module"
TYPE_VIDEO = "https://w3id.org/xapi/video/activity-type/video"
TYPE_READING = "http://id.tincanapi.com/activitytype/document"
TYPE_QUIZ = "http://adlnet.gov/expapi/activities/assessment"
TYPE_QUESTION = "http://adlnet.gov/expapi/activities/question"
TYPE_ASSIGNMENT = "http://id.tincanapi.com/activitytype/school-assignment"
TYPE_DISCUSSION = "http://id.tincanapi.com/activitytype/discussion"
TYPE_MESSAGE = "https://w3id.org/xapi/acrossx/activities/message"
TYPE_PROFILE = "http://adlnet.gov/expapi/activities/profile"

EXT_DUE_DATE = "http://xapi.jisc.ac.uk/dueDate"
EXT_CMI5_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
EXT_VIDEO_SESSION = "https://w3id.org/xapi/video/extensions/session-id"
EXT_VIDEO_LENGTH = "https://w3id.org/xapi/video/extensions/length"
EXT_VIDEO_TIME = "https://w3id.org/xapi/video/extensions/time"
EXT_VIDEO_PROGRESS = "https://w3id.org/xapi/video/extensions/progress"
EXT_VIDEO_SEGMENTS = "https://w3id.org/xapi/video/extensions/played-segments"
VIDEO_PROFILE = "https://w3id.org/xapi/video"

_DATE_PREFIX: dict[int, str] = {}


def iso(ts: float) -> str:
    """An xAPI timestamp (UTC, milliseconds) for Unix seconds."""
    millis = round(ts * 1000)
    day, ms_of_day = divmod(millis, 86_400_000)
    prefix = _DATE_PREFIX.get(day)
    if prefix is None:
        prefix = _DATE_PREFIX[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
    seconds, ms = divmod(ms_of_day, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{prefix}{hour:02d}:{minute:02d}:{second:02d}.{ms:03d}Z"


_VERSION_4 = (0x4 << 76) | (0x2 << 62)
_VERSION_MASK = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng` (deterministic, unlike `uuid.uuid4`)."""
    h = f"{(rng.getrandbits(128) & _VERSION_MASK) | _VERSION_4:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def iso_duration(seconds: float) -> str:
    """An ISO 8601 duration with centisecond precision (`PT12M5.25S`)."""
    seconds = max(0.0, round(seconds, 2))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    return text + f"{round(secs, 2):g}S"


def activity(activity_id: str, kind: str, name: str, extensions: dict[str, Any] | None = None) -> dict[str, Any]:
    """An Activity object with a typed, named definition."""
    definition: dict[str, Any] = {"type": kind, "name": {"en-US": name}}
    if extensions:
        definition["extensions"] = extensions
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


class StatementWriter:
    """Builds the statements of one course offering and keeps those not after its cutoff.

    Every statement but those about the course itself carries the course as `grouping`; the id is
    drawn from the caller's generator even for dropped statements, so the cutoff never shifts ids.
    """

    def __init__(self, course: dict[str, Any], cutoff: float, instructor: dict[str, Any], platform: str) -> None:
        self.course = course
        self.cutoff = cutoff
        self.instructor = instructor
        self.platform = platform
        self.out: list[dict[str, Any]] = []

    def emit(
        self,
        rng: random.Random,
        actor: dict[str, Any],
        verb: str,
        obj: dict[str, Any],
        at: float,
        *,
        registration: str | None,
        parent: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
        extensions: dict[str, Any] | None = None,
        category: dict[str, Any] | None = None,
        instructor: bool = False,
    ) -> None:
        statement_id = random_uuid(rng)
        if at > self.cutoff:
            return
        context_activities: dict[str, Any] = {}
        if obj["id"] != self.course["id"]:
            context_activities["grouping"] = [self.course]
        if parent is not None:
            context_activities["parent"] = [parent]
        if category is not None:
            context_activities["category"] = [category]
        context: dict[str, Any] = {"platform": self.platform, "language": "en-US"}
        if registration is not None:
            context["registration"] = registration
        if context_activities:
            context["contextActivities"] = context_activities
        if instructor:
            context["instructor"] = self.instructor
        if extensions:
            context["extensions"] = extensions
        statement: dict[str, Any] = {
            "id": statement_id,
            "actor": actor,
            "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
            "object": obj,
            "timestamp": iso(at),
            "context": context,
        }
        if result is not None:
            statement["result"] = result
        self.out.append(statement)


def score_result(
    raw: float, maximum: float, *, success: bool | None = None, duration: float | None = None, completion: bool = True
) -> dict[str, Any]:
    """A result with a score out of `maximum` (min 0), completion, and optional success and duration."""
    result: dict[str, Any] = {
        "score": {"scaled": round(raw / maximum, 4), "raw": raw, "min": 0, "max": maximum},
        "completion": completion,
    }
    if success is not None:
        result["success"] = success
    if duration is not None:
        result["duration"] = iso_duration(duration)
    return result
