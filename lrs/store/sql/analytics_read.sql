-- Reads of the insights API. $1 is always the store; cursors arrive decoded, as typed parameters.

-- name: courses
-- Courses in id order after the cursor $2 (or only course $4), with their calendar, the cached summary's
-- counts and the live risk counts of each learner's current insight.
SELECT c.course_id, c.name,
       coalesce(c.start_at, c.inferred_start) AS start_at,
       coalesce(c.end_at, c.inferred_end) AS end_at,
       c.start_at AS set_start, c.end_at AS set_end, c.inferred_start, c.inferred_end,
       c.settings::text AS settings, c.last_event_at, c.scored_at,
       (s.body ->> 'learners')::bigint AS learners,
       (s.body ->> 'active_last_7_days')::bigint AS active_last_7_days,
       (s.body ->> 'events_last_7_days')::bigint AS events_last_7_days,
       s.computed_at AS summary_at,
       r.scored, r.high, r.moderate, r.low, r.engagement
FROM analytics_courses AS c
LEFT JOIN analytics_course_summaries AS s ON s.store_id = c.store_id AND s.course_id = c.course_id
LEFT JOIN LATERAL (
    SELECT count(*) AS scored,
           count(*) FILTER (WHERE i.level = 'high') AS high,
           count(*) FILTER (WHERE i.level = 'moderate') AS moderate,
           count(*) FILTER (WHERE i.level = 'low') AS low,
           avg(i.engagement) AS engagement
    FROM analytics_insights_current AS i
    WHERE i.store_id = c.store_id AND i.course_id = c.course_id
) AS r ON true
WHERE c.store_id = $1
  AND ($2::text IS NULL OR c.course_id > $2)
  AND ($4::text IS NULL OR c.course_id = $4)
ORDER BY c.course_id
LIMIT $3;

-- name: store_settings
SELECT settings::text AS settings FROM stores WHERE id = $1;

-- name: summary_cached
-- The cached summary and the fingerprint of the course's events and calendar now: they differ once either changed.
SELECT s.fingerprint, s.computed_at, s.body::text AS body,
       concat_ws('|',
           (SELECT max(e.statement_seq) FROM analytics_events AS e WHERE e.store_id = $1 AND e.course_id = $2),
           extract(epoch FROM coalesce(c.start_at, c.inferred_start)),
           extract(epoch FROM coalesce(c.end_at, c.inferred_end))
       ) AS current_fingerprint,
       extract(epoch FROM coalesce(c.start_at, c.inferred_start)) AS start_at,
       extract(epoch FROM coalesce(c.end_at, c.inferred_end)) AS end_at,
       (SELECT extract(epoch FROM min(e.ts)) FROM analytics_events AS e WHERE e.store_id = $1 AND e.course_id = $2)
           AS first_event
FROM (SELECT 1) AS one
LEFT JOIN analytics_course_summaries AS s ON s.store_id = $1 AND s.course_id = $2
LEFT JOIN analytics_courses AS c ON c.store_id = $1 AND c.course_id = $2;

-- name: summary_learners
-- One row per learner of course $2 up to $3: last event, events in the 7 days before $3, mean assessment score,
-- whether they withdrew ($4: withdrawal actions) or reached an outcome.
SELECT learner,
       extract(epoch FROM max(ts)) AS last_ts,
       count(*) FILTER (WHERE ts > $3::timestamptz - interval '7 days') AS recent,
       avg(score) FILTER (WHERE family = 'assessment' AND score IS NOT NULL) AS mean_score,
       coalesce(bool_or(action = ANY($4::text[])), false) AS withdrew,
       coalesce(bool_or(family = 'outcome'), false) AS finished
FROM analytics_events
WHERE store_id = $1 AND course_id = $2 AND ts <= $3::timestamptz
GROUP BY learner;

-- name: summary_last_activities
-- The last learning activity (not enrolment, not outcome) of each learner in $3, up to $4.
SELECT l.learner, a.activity, a.activity_type, extract(epoch FROM a.ts) AS ts
FROM unnest($3::text[]) AS l (learner)
CROSS JOIN LATERAL (
    SELECT e.activity, e.activity_type, e.ts
    FROM analytics_events AS e
    WHERE e.store_id = $1 AND e.learner = l.learner AND e.course_id = $2 AND e.ts <= $4::timestamptz
      AND e.family NOT IN ('enrolment', 'outcome')
    ORDER BY e.ts DESC
    LIMIT 1
) AS a;

-- name: summary_weeks
-- Events and active learners per course week (0 = the week starting at $3), up to $4.
SELECT week, sum(n)::bigint AS events, count(*) AS learners
FROM (
    SELECT floor(extract(epoch FROM ts - $3::timestamptz) / 604800)::int AS week, learner, count(*) AS n
    FROM analytics_events
    WHERE store_id = $1 AND course_id = $2 AND ts >= $3::timestamptz AND ts <= $4::timestamptz
    GROUP BY 1, 2
) AS per_learner
GROUP BY week
ORDER BY week;

-- name: summary_completion
-- Per activity type of the families $3: activities, learner-activity pairs touched, and pairs completed
-- (result.completion true or one of the actions $4).
SELECT activity_type, count(DISTINCT activity) AS activities, count(*) AS touched,
       count(*) FILTER (WHERE done) AS completed, min(family) AS family
FROM (
    SELECT coalesce(activity_type, '') AS activity_type, activity, learner, min(family) AS family,
           bool_or(completion IS TRUE OR action = ANY($4::text[])) AS done
    FROM analytics_events
    WHERE store_id = $1 AND course_id = $2 AND family = ANY($3::text[])
    GROUP BY 1, 2, 3
) AS pairs
GROUP BY activity_type
ORDER BY activity_type;

-- name: risk_levels
-- Live counts of the current insights of course $2.
SELECT count(*) AS scored,
       count(*) FILTER (WHERE level = 'high') AS high,
       count(*) FILTER (WHERE level = 'moderate') AS moderate,
       count(*) FILTER (WHERE level = 'low') AS low,
       avg(engagement) AS engagement,
       extract(epoch FROM max(as_of)) AS as_of
FROM analytics_insights_current
WHERE store_id = $1 AND course_id = $2;

-- name: at_risk_page
-- Current insights of course $2 by risk (highest first, then learner), from the cursor ($5, $6) on, filtered by
-- the minimum risk $3 and levels $4; with the hold-out flag and the interventions received so far. The page is
-- cut first, so the insight details and intervention counts are read for its rows only.
WITH page AS (
    SELECT c.learner, c.risk, c.level, c.engagement, c.as_of, c.insight_id
    FROM analytics_insights_current AS c
    WHERE c.store_id = $1 AND c.course_id = $2
      AND c.risk >= $3
      AND ($4::text[] IS NULL OR c.level = ANY($4::text[]))
      AND ($5::float8 IS NULL OR c.risk < $5 OR (c.risk = $5 AND c.learner > $6))
    ORDER BY c.risk DESC, c.learner
    LIMIT $7
)
SELECT p.learner, p.risk, p.level, p.engagement, p.as_of, p.insight_id,
       i.model_id, i.cut_key, i.factors::text AS factors, i.interventions::text AS interventions,
       i.statement_id, coalesce(t.holdout, false) AS holdout, coalesce(t.received, 0) AS received
FROM page AS p
JOIN analytics_insights AS i ON i.store_id = $1 AND i.id = p.insight_id
LEFT JOIN LATERAL (
    SELECT bool_or(v.source = 'holdout') AS holdout, count(*) FILTER (WHERE v.source <> 'holdout') AS received
    FROM analytics_interventions AS v
    WHERE v.store_id = $1 AND v.course_id = $2 AND v.learner = p.learner
) AS t ON true
ORDER BY p.risk DESC, p.learner;

-- name: learner_courses
-- The courses learner $2 has events or insights in.
SELECT course_id FROM (
    SELECT DISTINCT course_id FROM analytics_events WHERE store_id = $1 AND learner = $2
    UNION
    SELECT course_id FROM analytics_insights_current WHERE store_id = $1 AND learner = $2
) AS known
ORDER BY course_id;

-- name: learner_weeks
-- Learner $2's events, active days and time spent per week of course $3 (weeks counted from $4).
SELECT greatest(0, floor(extract(epoch FROM ts - $4::timestamptz) / 604800))::int AS week,
       count(*) AS events,
       count(DISTINCT date_trunc('day', ts)) AS active_days,
       coalesce(sum(duration), 0) AS seconds
FROM analytics_events
WHERE store_id = $1 AND learner = $2 AND course_id = $3
GROUP BY 1
ORDER BY 1;

-- name: learner_scores
SELECT ts, activity, activity_type, action, score, success
FROM analytics_events
WHERE store_id = $1 AND learner = $2 AND course_id = $3 AND family = 'assessment' AND score IS NOT NULL
ORDER BY ts, statement_seq;

-- name: learner_risk
SELECT id, as_of, risk, level, engagement, model_id, cut_key, statement_id
FROM analytics_insights
WHERE store_id = $1 AND course_id = $2 AND learner = $3
ORDER BY as_of, id;

-- name: learner_first_event
SELECT min(ts) FROM analytics_events WHERE store_id = $1 AND learner = $2 AND course_id = $3;

-- name: interventions_page
-- Interventions newest first (by id) after the cursor $2, filtered by course, learner and source.
SELECT id, course_id, learner, kind, source, insight_id, statement_id, details::text AS details, created
FROM analytics_interventions
WHERE store_id = $1
  AND ($2::bigint IS NULL OR id < $2)
  AND ($3::text IS NULL OR course_id = $3)
  AND ($4::text IS NULL OR learner = $4)
  AND ($5::text IS NULL OR source = $5)
ORDER BY id DESC
LIMIT $6;

-- name: learner_interventions
SELECT id, course_id, learner, kind, source, insight_id, statement_id, details::text AS details, created
FROM analytics_interventions
WHERE store_id = $1 AND course_id = $2 AND learner = $3
ORDER BY created, id;

-- name: impact_rows
-- Per learner with an intervention or a hold-out row (in course $2, or every course): whether they were treated
-- (with kind $3, or any), held out (from kind $3, or any), and their outcome label (NULL while the course has none).
SELECT g.course_id, g.learner, g.treated, g.held_out, NOT l.at_risk AS succeeded
FROM (
    SELECT course_id, learner,
           bool_or(source <> 'holdout' AND ($3::text IS NULL OR kind = $3)) AS treated,
           bool_or(source = 'holdout' AND ($3::text IS NULL OR kind = $3)) AS held_out,
           bool_or(source <> 'holdout') AS any_treatment
    FROM analytics_interventions
    WHERE store_id = $1 AND ($2::text IS NULL OR course_id = $2)
    GROUP BY course_id, learner
) AS g
LEFT JOIN analytics_labels AS l ON l.store_id = $1 AND l.course_id = g.course_id AND l.learner = g.learner
WHERE g.treated OR (g.held_out AND NOT g.any_treatment);

-- name: models_page
-- Models newest first after the cursor $2, filtered by cut point and activity, with their insight count and the
-- feedback their insights received, by kind.
SELECT m.id, m.kind, m.cut_key, m.version, m.created, m.trained_on::text AS trained_on, m.metrics::text AS metrics,
       m.gate::text AS gate, m.feature_columns, m.active,
       (SELECT count(*) FROM analytics_insights AS i WHERE i.store_id = m.store_id AND i.model_id = m.id) AS insights,
       coalesce((
           SELECT jsonb_object_agg(k.kind, k.n)
           FROM (
               SELECT f.kind, count(*) AS n
               FROM analytics_feedback AS f
               JOIN analytics_insights AS i ON i.store_id = f.store_id AND i.id = f.insight_id
               WHERE f.store_id = m.store_id AND i.model_id = m.id
               GROUP BY f.kind
           ) AS k
       ), '{}'::jsonb)::text AS feedback
FROM analytics_models AS m
WHERE m.store_id = $1
  AND ($2::bigint IS NULL OR m.id < $2)
  AND ($3::text IS NULL OR m.cut_key = $3)
  AND ($4::boolean IS NULL OR m.active = $4)
  AND ($6::bigint IS NULL OR m.id = $6)
ORDER BY m.id DESC
LIMIT $5;

-- name: model_artifact
SELECT kind, artifact FROM analytics_models WHERE store_id = $1 AND id = $2;

-- name: insight_one
SELECT id, course_id, learner, as_of, model_id, cut_key, risk, level, engagement, factors::text AS factors,
       interventions::text AS interventions, statement_id, created
FROM analytics_insights
WHERE store_id = $1 AND id = $2;

-- name: feedback_page
-- Feedback newest first after the cursor $2, filtered by insight, model, course and kind.
SELECT f.id, f.insight_id, f.kind, f.note, f.author, f.created, i.course_id, i.learner, i.model_id
FROM analytics_feedback AS f
JOIN analytics_insights AS i ON i.store_id = f.store_id AND i.id = f.insight_id
WHERE f.store_id = $1
  AND ($2::bigint IS NULL OR f.id < $2)
  AND ($3::bigint IS NULL OR f.insight_id = $3)
  AND ($4::bigint IS NULL OR i.model_id = $4)
  AND ($5::text IS NULL OR i.course_id = $5)
  AND ($6::text IS NULL OR f.kind = $6)
ORDER BY f.id DESC
LIMIT $7;

-- name: job_one
SELECT id, kind, params::text AS params, status, result::text AS result, error, created, started, finished
FROM analytics_jobs
WHERE store_id = $1 AND id = $2;

-- name: learner_in_course
SELECT EXISTS (SELECT 1 FROM analytics_events WHERE store_id = $1 AND learner = $2 AND course_id = $3)
    OR EXISTS (SELECT 1 FROM analytics_insights_current WHERE store_id = $1 AND learner = $2 AND course_id = $3);

-- name: course_head
-- A course's name, effective calendar and settings, without any counts (cheap: for checks and headers).
SELECT course_id, name, coalesce(start_at, inferred_start) AS start_at, coalesce(end_at, inferred_end) AS end_at,
       settings::text AS settings
FROM analytics_courses
WHERE store_id = $1 AND course_id = $2;
