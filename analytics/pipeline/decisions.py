"""What a scoring run writes: which insights become rows and statements, who gets which intervention, and
which detector findings are new.

Written only when it says something new: an insight statement when the level changed or a scoring period
passed (`needs_new_insight`); an insight row also when the risk moved by `min_risk_change`; automated
interventions with each new at-risk statement, except for the hold-out group, who get 'holdout' rows.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from analytics.courses import CourseCalendar
from analytics.detectors import (
    DUE_SOON_NO_ATTEMPT,
    Alert,
    due_soon_without_attempt,
    no_recent_access,
    no_teaching_activity,
)
from analytics.events import Event
from analytics.insights import Insight, needs_new_insight
from analytics.pipeline.config import EngineConfig
from analytics.pipeline.ids import in_holdout, insight_statement_id

AUTOMATED = "automated"
HOLDOUT = "holdout"


@dataclass(frozen=True)
class PreviousInsight:
    """What was last said about a learner: the latest insight row, and the latest one with a statement."""

    risk: float
    as_of: float
    stated_level: str | None = None
    stated_at: float | None = None


@dataclass(frozen=True)
class PlannedInsight:
    """An insight to record, its statement id (None: row only) and its interventions as (code, source)."""

    insight: Insight
    statement_id: str | None
    interventions: list[tuple[str, str]] = field(default_factory=list)


def plan_insights(
    insights: Sequence[Insight],
    previous: Mapping[str, PreviousInsight],
    *,
    store_id: int,
    config: EngineConfig,
) -> list[PlannedInsight]:
    """The insights worth recording, given what was last recorded per learner (of the same course)."""
    planned = []
    for insight in insights:
        before = previous.get(insight.learner)
        if before is not None and before.as_of >= insight.as_of:
            continue  # already scored at this moment or later (a re-run, or an older back-fill)
        stated_level = before.stated_level if before else None
        stated_at = before.stated_at if before else None
        state = needs_new_insight(stated_level, stated_at, insight.level, insight.as_of, config.scoring_period)
        moved = before is None or abs(insight.probability - before.risk) >= config.min_risk_change
        if not (state or moved):
            continue
        statement_id = None
        interventions: list[tuple[str, str]] = []
        if state:
            statement_id = insight_statement_id(
                store_id, insight.course, insight.learner, insight.as_of, insight.model_version
            )
            if insight.level != "low" and insight.interventions:
                source = HOLDOUT if in_holdout(insight.learner, insight.course, config.holdout_share) else AUTOMATED
                interventions = [(i.code, source) for i in insight.interventions]
        planned.append(PlannedInsight(insight, statement_id, interventions))
    return planned


def detect(events: Sequence[Event], calendar: CourseCalendar | None, as_of: float, config: EngineConfig) -> list[Alert]:
    """Every enabled detector's findings for one course as of `as_of`."""
    settings, vocabulary = config.detectors, config.vocabulary_mapping
    calendars = {calendar.course: calendar} if calendar is not None else None
    alerts: list[Alert] = []
    if settings.no_recent_access_days is not None:
        alerts += no_recent_access(events, as_of, settings.no_recent_access_days, calendars, vocabulary)
    if settings.no_teaching_days is not None:
        alerts += no_teaching_activity(events, as_of, settings.no_teaching_days, calendars, vocabulary)
    if settings.due_within_days is not None and calendars is not None:
        alerts += due_soon_without_attempt(events, calendars, as_of, settings.due_within_days, vocabulary)
    return alerts


def dedupe_key(alert: Alert, calendar: CourseCalendar | None, period: float) -> str:
    """One alert per finding: a due-date alert once per (learner, activity, due date); the others once per
    scoring period while the condition lasts."""
    if alert.kind == DUE_SOON_NO_ATTEMPT:
        due = calendar.due_dates.get(alert.activity or "") if calendar else None
        moment = f"due {due}"
    else:
        moment = f"period {math.floor(alert.as_of / period)}"
    text = "\n".join([alert.kind, alert.course, alert.learner or "", alert.activity or "", moment])
    return f"{alert.kind}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"
