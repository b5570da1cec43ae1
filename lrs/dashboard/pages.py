"""The dashboard's pages as pure functions of the data the handlers read: easy to test, nothing to fetch here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lrs.api.analytics import CourseOverview, CourseTimeline
from lrs.api.analytics_models import FeatureImportance, ModelQuality
from lrs.dashboard import charts
from lrs.dashboard.html import day, esc, figures, hidden, notice, num, pct, table, url, when
from lrs.store.analytics_read import AtRiskRow, CourseRow, InsightRow, ModelRow
from lrs.store.stores import CredentialInfo

INTERVENTION_KINDS = ("message", "meeting", "tutoring", "extension", "referral", "other")
FEEDBACK = (("useful", "Useful"), ("not_useful", "Not useful"), ("incorrectly_flagged", "Incorrectly flagged"))


def login(error: str | None = None) -> str:
    message = f"<p class='error' role='alert'>{esc(error)}</p>" if error else ""
    return (
        f"{message}<form class='login' method='post' action='{url('/login')}'>"
        "<p>Sign in with a credential of your store that has the <code>analytics</code> scope.</p>"
        "<label for='key'>Key</label><input id='key' name='key' autocomplete='username' required>"
        "<label for='secret'>Secret</label>"
        "<input id='secret' name='secret' type='password' autocomplete='current-password' required>"
        "<button type='submit'>Sign in</button></form>"
    )


def courses(rows: Sequence[CourseRow], next_cursor: str | None) -> str:
    cells = [
        (
            f"<a href='{esc(url('/course', id=r.id))}'>{esc(r.name or r.id)}</a>",
            day(r.start),
            day(r.end),
            num(r.learners),
            num(r.active_last_7_days),
            num(r.risk.high),
            num(r.risk.moderate),
        )
        for r in rows
    ]
    more = f"<p><a href='{esc(url('/', cursor=next_cursor))}'>More courses</a></p>" if next_cursor else ""
    headers = ("Course", "Starts", "Ends", "Learners", "Active (7 days)", "High risk", "Moderate risk")
    return table(headers, cells, "Courses", "No course has activity yet.") + more


def _learner_link(course: str, learner: str) -> str:
    return f"<a href='{esc(url('/learner', id=learner, course=course))}'>{esc(learner)}</a>"


def _factors(factors: Sequence[dict[str, Any]], limit: int = 3) -> str:
    items = [
        f"<li>{esc(f.get('description') or f.get('feature'))}</li>"
        for f in factors[:limit]
        if isinstance(f, dict) and (f.get("contribution") or 0) > 0
    ]
    return f"<ul class='compact'>{''.join(items)}</ul>" if items else "\u2013"


def _actions(recommended: Sequence[dict[str, Any]]) -> str:
    items = [
        f"<li title='{esc(i.get('reason'))}'>{esc(i.get('title') or i.get('code'))}</li>"
        for i in recommended
        if isinstance(i, dict)
    ]
    return f"<ul class='compact'>{''.join(items)}</ul>" if items else "\u2013"


def intervention_form(
    course: str,
    learner: str,
    insight_id: int | None,
    csrf: str,
    back: str,
    recommended: Sequence[dict[str, Any]] = (),
) -> str:
    """Record what was done: the insight's recommended actions come first (by their codes), then generic kinds."""
    codes = [
        (str(i["code"]), str(i.get("title") or i["code"])) for i in recommended if isinstance(i, dict) and i.get("code")
    ]
    generic = [(k, k.capitalize()) for k in INTERVENTION_KINDS if k not in {c for c, _ in codes}]
    options = "".join(f"<option value='{esc(k)}'>{esc(label)}</option>" for k, label in codes + generic)
    ident = f"kind-{'new' if insight_id is None else insight_id}"
    return (
        f"<form class='inline' method='post' action='{url('/interventions')}'>"
        f"{hidden('csrf', csrf)}{hidden('course', course)}{hidden('learner', learner)}"
        f"{hidden('insight_id', '' if insight_id is None else insight_id)}{hidden('back', back)}"
        f"<label for='{ident}'>Intervention for {esc(learner)}</label>"
        f"<select id='{ident}' name='kind'>{options}</select>"
        f"<input name='note' aria-label='Note' placeholder='Note' maxlength='500'>"
        "<button type='submit'>Record</button></form>"
    )


def feedback_form(insight_id: int, csrf: str, back: str) -> str:
    buttons = "".join(f"<button type='submit' name='kind' value='{k}'>{esc(label)}</button>" for k, label in FEEDBACK)
    return (
        f"<form class='inline' method='post' action='{url('/feedback')}' aria-label='Feedback on insight {insight_id}'>"
        f"{hidden('csrf', csrf)}{hidden('insight_id', insight_id)}{hidden('back', back)}{buttons}</form>"
    )


def course(
    overview: CourseOverview, at_risk: Sequence[AtRiskRow], next_cursor: str | None, csrf: str, back: str
) -> str:
    o = overview
    head = figures(
        [
            ("Learners", num(o.learners)),
            ("Active in the last 7 days", num(o.active_last_7_days)),
            ("Events in the last 7 days", num(o.events_last_7_days)),
            ("Scored", num(o.risk.scored)),
            ("High risk", num(o.risk.high)),
            ("Moderate risk", num(o.risk.moderate)),
            ("Mean engagement", num(o.risk.mean_engagement)),
            ("Risk as of", esc(when(o.risk_as_of))),
        ]
    )
    weeks = charts.bars(
        "Weekly activity (events per course week)", [f"W{w.week}" for w in o.weeks], [w.events for w in o.weeks]
    )
    active = charts.bars(
        "Active learners per course week", [f"W{w.week}" for w in o.weeks], [w.learners for w in o.weeks]
    )
    s = o.scores
    scores = charts.bars(
        f"Score distribution (mean score per learner; median {pct(s.median)})",
        [f"{b.lower * 100:.0f}\u2013{b.upper * 100:.0f}" for b in s.bins],
        [b.learners for b in s.bins],
    )
    completion = table(
        ("Activity type", "Activities", "Accessed", "Completed"),
        [
            (esc(c.activity_type or c.family), num(c.activities), pct(c.accessed_rate), pct(c.completion_rate))
            for c in o.completion
        ],
        "Content completion by type",
    )
    drops = table(
        ("Last activity before stopping", "Type", "Learners", "Share of those who stopped"),
        [(esc(p.activity), esc(p.activity_type), num(p.learners), pct(p.share)) for p in o.drop_off.points[:10]],
        f"Drop-off points ({o.drop_off.stopped} stopped, {o.drop_off.withdrew} withdrew)",
        "No learner has stopped.",
    )
    rows = [
        (
            _learner_link(o.course, r.learner),
            f"<span class='risk {esc(r.level)}'>{pct(r.risk)}</span>",
            esc(r.level) + (" <small>(hold-out)</small>" if r.holdout else ""),
            _factors(r.factors),
            _actions(r.interventions),
            num(r.interventions_received),
            "<details class='act'><summary>Act</summary>"
            + intervention_form(o.course, r.learner, r.insight_id, csrf, back, r.interventions)
            + feedback_form(r.insight_id, csrf, back)
            + "</details>",
        )
        for r in at_risk
    ]
    more = ""
    if next_cursor:
        more = f"<p><a href='{esc(url('/course', id=o.course, cursor=next_cursor))}'>Next learners</a></p>"
    at_risk_table = table(
        ("Learner", "Risk", "Level", "Top factors", "Recommended actions", "Interventions", "Act"),
        rows,
        "Learners at risk, highest risk first",
        "No learner is at moderate or high risk.",
    )
    refreshing = "<p class='note'>The activity summary is being refreshed.</p>" if o.summary_refreshing else ""
    return (
        f"<p class='subtitle'>{esc(o.course)} · {esc(day(o.start))} to {esc(day(o.end))}</p>{head}{refreshing}"
        f"<section aria-labelledby='activity'><h2 id='activity'>Activity</h2>"
        f"<div class='grid'>{weeks}{active}</div></section>"
        f"<section aria-labelledby='results'><h2 id='results'>Results and completion</h2>"
        f"<div class='grid'>{scores}<div>{completion}</div></div>{drops}</section>"
        f"<section aria-labelledby='at-risk'><h2 id='at-risk'>At risk</h2>{at_risk_table}{more}</section>"
    )


@dataclass(frozen=True, slots=True)
class CourseAverage:
    """The anonymised course average per course week: events per active learner, and the overall mean score."""

    events_per_learner: dict[int, float]
    mean_score: float | None


def _next_steps(latest: InsightRow | None) -> str:
    if latest is None:
        return "<p>No insight yet: this learner has not been scored.</p>"
    intro = {
        "high": "This learner is at high risk of not succeeding.",
        "moderate": "This learner is at moderate risk of not succeeding.",
    }.get(latest.level, "This learner is currently on track.")
    reasons = [
        str(f.get("description") or f.get("feature"))
        for f in latest.factors[:3]
        if isinstance(f, dict) and (f.get("contribution") or 0) > 0
    ]
    why = f" The main reasons: {esc('; '.join(reasons))}." if reasons else ""
    steps = "".join(
        f"<li><strong>{esc(i.get('title') or i.get('code'))}</strong>: {esc(i.get('reason'))}</li>"
        for i in latest.interventions
        if isinstance(i, dict)
    )
    advice = f"<ol>{steps}</ol>" if steps else "<p>No particular action is recommended now.</p>"
    return f"<p>{esc(intro)}{why}</p><h3>Recommended next steps</h3>{advice}"


def learner(
    learner_id: str,
    timeline: CourseTimeline,
    average: CourseAverage,
    latest: InsightRow | None,
    csrf: str,
    back: str,
) -> str:
    t = timeline
    labels = [f"W{w.week}" for w in t.weeks]
    activity = charts.lines(
        "Events per week: this learner against the course average",
        labels,
        [
            ("This learner", [float(w.events) for w in t.weeks]),
            ("Course average (per active learner)", [average.events_per_learner.get(w.week) for w in t.weeks]),
        ],
    )
    engagement = charts.lines(
        "Engagement per week (0\u2013100)", labels, [("Engagement", [w.engagement for w in t.weeks])], top=100.0
    )
    risk = charts.lines("Risk history", [day(p.as_of) for p in t.risk], [("Risk", [p.risk for p in t.risk])], top=1.0)
    mean = sum(s.score for s in t.scores) / len(t.scores) if t.scores else None
    score_rows = [(esc(when(s.at)), esc(s.activity), esc(s.action), pct(s.score), _yes_no(s.success)) for s in t.scores]
    scores = table(("When", "Activity", "Action", "Score", "Success"), score_rows, "Scores", "No scores yet.")
    interventions = table(
        ("When", "Kind", "Source", "Details"),
        [
            (esc(when(i.created)), esc(i.kind), esc(i.source), esc(i.details.get("note") or ""))
            for i in reversed(t.interventions)
        ],
        "Interventions, newest first",
        "No intervention recorded.",
    )
    insight_id = latest.id if latest is not None else None
    feedback = feedback_form(latest.id, csrf, back) if latest is not None else ""
    head = figures(
        [
            ("Current risk", pct(latest.risk) if latest else "\u2013"),
            ("Level", esc(latest.level) if latest else "\u2013"),
            ("Mean score", pct(mean)),
            ("Course mean score", pct(average.mean_score)),
            ("Weeks active", num(sum(1 for w in t.weeks if w.events > 0))),
        ]
    )
    return (
        f"<p class='subtitle'>in <a href='{esc(url('/course', id=t.course))}'>{esc(t.course)}</a></p>{head}"
        f"<section aria-labelledby='steps'><h2 id='steps'>Where they stand</h2>{_next_steps(latest)}{feedback}"
        f"</section><section aria-labelledby='timeline'><h2 id='timeline'>Timeline</h2>"
        f"<div class='grid'>{activity}{engagement}{risk}</div>{scores}</section>"
        f"<section aria-labelledby='interventions'><h2 id='interventions'>Interventions</h2>"
        f"{intervention_form(t.course, learner_id, insight_id, csrf, back, latest.interventions if latest else [])}"
        f"{interventions}</section>"
    )


def _yes_no(value: bool | None) -> str:
    return "\u2013" if value is None else "yes" if value else "no"


def _metric(block: Any, name: str) -> str:
    """A metric of a hold-out block (`roc_auc`) or of the repeated splits' means (`roc_auc_mean`)."""
    if not isinstance(block, dict):
        return "\u2013"
    value = block.get(name, block.get(f"{name}_mean"))
    return num(value, 3) if isinstance(value, int | float) else "\u2013"


def model_card(model: ModelRow, quality: ModelQuality, found: Sequence[FeatureImportance]) -> str:
    gate = {True: "passed", False: "failed", None: "not evaluated"}[quality.gate_passed]
    holdout, splits = quality.holdout or {}, quality.splits or {}
    metrics = table(
        ("Evaluation", "ROC AUC", "PR AUC", "Brier", "F1 (weighted)", "MCC"),
        [
            (label, *(_metric(block, m) for m in ("roc_auc", "pr_auc", "brier", "f1_weighted", "mcc")))
            for label, block in (
                ("Hold-out courses", holdout),
                (f"Repeated splits (mean of {splits.get('count', 0)})", splits),
            )
        ],
        f"Metrics of model {model.id}",
    )
    bins = [
        (float(b["mean_predicted"]), float(b["observed"]), int(b.get("count", 0)))
        for b in quality.calibration
        if isinstance(b, dict) and "mean_predicted" in b and "observed" in b
    ]
    top = list(found[:10])
    importance = charts.bars("Feature importances", [f.feature for f in top], [f.importance for f in top]) + table(
        ("Feature", "Importance", "Direction", "Meaning"),
        [(esc(f.feature), num(f.importance, 3), esc(f.direction or "\u2013"), esc(f.description or "")) for f in top],
        "Feature importances, largest first",
        "This kind of model has no intrinsic feature importance.",
    )
    state = "active" if model.active else "inactive"
    reason = model.gate.get("reason") if isinstance(model.gate, dict) else None
    why = f" ({esc(reason)})" if reason and quality.gate_passed is False else ""
    return (
        f"<article class='model' aria-labelledby='m{model.id}'><h3 id='m{model.id}'>Model {model.id}: "
        f"{esc(model.kind)}, {esc(state)}</h3>"
        f"<p>Trained {esc(when(model.created))} · quality gate <strong class='gate {gate.split()[0]}'>{esc(gate)}"
        f"</strong>{why} · {num(quality.insights)} insights · feedback: useful {pct(quality.useful_share)}, "
        f"incorrectly flagged {pct(quality.incorrectly_flagged_share)}</p>"
        f"{metrics}<div class='grid'>{charts.calibration(f'Calibration of model {model.id}', bins)}"
        f"<div>{importance}</div></div></article>"
    )


def models(cards: dict[str, list[str]], csrf: str, notice_text: str | None) -> str:
    retrain = (
        f"<form method='post' action='{url('/models/train')}'>{hidden('csrf', csrf)}"
        "<button type='submit'>Retrain models</button></form>"
    )
    sections = "".join(
        f"<section aria-labelledby='cut-{esc(cut)}'><h2 id='cut-{esc(cut)}'>Cut point {esc(cut)}</h2>"
        f"{''.join(items)}</section>"
        for cut, items in sorted(cards.items())
    )
    return notice(notice_text) + retrain + (sections or "<p class='empty'>No model has been trained yet.</p>")


def store(
    name: str,
    volume: Sequence[tuple[str, int]],
    verbs: Sequence[tuple[str, int]],
    activities: Sequence[tuple[str, int]],
    credentials: Sequence[CredentialInfo],
    days: int,
) -> str:
    chart = charts.bars(
        f"Statements stored per day (last {days} days)", [d[5:] for d, _ in volume], [n for _, n in volume]
    )
    top_verbs = table(("Verb", "Statements"), [(esc(v), num(n)) for v, n in verbs], f"Top verbs ({days} days)")
    top_activities = table(
        ("Activity", "Statements"), [(esc(a), num(n)) for a, n in activities], f"Top activities ({days} days)"
    )
    creds = table(
        ("Key", "Label", "Scopes", "Created", "Expires", "State"),
        [
            (
                f"<code>{esc(c.key)}</code>",
                esc(c.label),
                esc(", ".join(c.scopes)),
                esc(day(c.created)),
                esc(day(c.expires_at)),
                "revoked" if c.revoked_at else "active",
            )
            for c in credentials
        ],
        "Credentials (secrets are never shown)",
    )
    return (
        f"<p class='subtitle'>Store {esc(name)}</p><section aria-labelledby='volume'><h2 id='volume'>Volume</h2>"
        f"{chart}</section><section aria-labelledby='top'><h2 id='top'>Top verbs and activities</h2>"
        f"<div class='grid'><div>{top_verbs}</div><div>{top_activities}</div></div></section>"
        f"<section aria-labelledby='creds'><h2 id='creds'>Credentials</h2>{creds}</section>"
    )
