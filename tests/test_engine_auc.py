"""The engine's training path predicts a later course well at the 25 % cut point of simulated cohorts with known
outcomes: ROC AUC >= 0.80 on the most recent ended offering (the temporal hold-out), trained on the earlier ones."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from analytics.dataset import build_dataset, group_by_course
from analytics.pipeline.calendars import CourseDates, course_calendar, inferred_dates, typical_length
from analytics.pipeline.config import EngineConfig
from analytics.pipeline.ingest import extract
from analytics.pipeline.learning import label_courses, train_store
from analytics.predictors import TrainedModel
from analytics.simulator import SimulationConfig, plan_offerings, simulate_offering

START = datetime(2025, 1, 6, tzinfo=UTC)


@pytest.mark.parametrize("seed", [0])
def test_a_later_course_is_predicted_at_25_percent(seed: int) -> None:
    config = SimulationConfig(learners=300, courses=3, weeks=10, seed=seed, start=START, progress=1.0)
    offerings = plan_offerings(config)
    statements = []
    hidden = {}
    for offering in offerings:
        chunk, truth = simulate_offering(config, offering)
        statements.extend(chunk)
        hidden.update({(t.course_id, t.learner): t for t in truth})
    engine = EngineConfig()
    found = extract(list(enumerate(statements)), vocabulary=engine.vocabulary_mapping, engine_key="account:x|analytics")
    events = group_by_course(e for _, e in found.events)
    now = max(o.end for o in offerings) + 30 * 86400.0
    dates = {c: CourseDates(c, None, None, *inferred_dates(c, evs)) for c, evs in events.items()}
    typical = typical_length(dates.values(), now)
    calendars = {c: course_calendar(dates[c], evs, typical=typical) for c, evs in events.items()}
    assert all(calendars.values())
    usable = {c: cal for c, cal in calendars.items() if cal is not None}
    labels = label_courses(events, usable, now, engine)
    assert len(labels) == 3 * config.learners

    outcome = train_store(events, usable, labels, engine, now=now, cut_keys=("pct-25",))
    (record,) = outcome.records
    later = offerings[-1].course_id
    assert record.trained_on["holdout_courses"] == [later]
    holdout_auc = record.metrics["holdout"]["roc_auc"]
    assert holdout_auc >= 0.80, holdout_auc
    assert record.passed, record.gate  # the default quality gate

    # The stored artifact, trained on earlier courses only, ranks the later course's learners as the hold-out says.
    earlier = {c: events[c] for c in events if c != later}
    earlier_labels = [lb for lb in labels if lb.course != later]
    early = train_store(earlier, usable, earlier_labels, engine, now=now, cut_keys=("pct-25",)).records[0]
    model = TrainedModel.from_bytes(early.artifact)
    test = build_dataset({later: events[later]}, usable, labels, "pct-25")
    auc = roc_auc_score(test.y, model.predict_proba(test.X))
    assert auc == pytest.approx(holdout_auc, abs=1e-9)
    # ... and the labels agree with the simulator's hidden truth.
    failed = np.array([hidden[(c, k)].outcome != "passed" for c, k in zip(test.courses, test.learners, strict=True)])
    assert float(np.mean(failed == test.y.astype(bool))) > 0.95
