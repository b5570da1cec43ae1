-- The analytics engine's reads and writes (workers/). Times cross this boundary as Unix seconds (float8).

-- name: store_settings
SELECT settings::text FROM stores WHERE id = $1;

-- name: statement_seqs
-- The sequence number and voided flag of statements by id (the feed hands over payloads only).
SELECT id::text AS id, seq, voided FROM statements WHERE store_id = $1 AND id = ANY($2::uuid[]);

-- name: statements_by_id
SELECT seq, payload::text AS payload FROM statements WHERE store_id = $1 AND id = ANY($2::uuid[]);

-- name: insert_events
-- The feed delivers at least once: an event already stored stays as it is.
INSERT INTO analytics_events (store_id, course_id, statement_seq, learner, ts, family, action, activity,
                              activity_type, score, success, completion, duration, event)
SELECT $1, u.course_id, u.seq, u.learner, to_timestamp(u.ts), u.family, u.action, u.activity, u.activity_type,
       u.score, u.success, u.completion, u.duration, u.event
FROM unnest($2::text[], $3::bigint[], $4::text[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::text[],
            $10::float8[], $11::boolean[], $12::boolean[], $13::float8[], $14::bytea[])
     AS u(course_id, seq, learner, ts, family, action, activity, activity_type, score, success, completion,
          duration, event)
ON CONFLICT DO NOTHING;

-- name: delete_events
-- Events of voided statements: each statement's events lie only in its own courses, so the cross product of
-- the two lists matches exactly them.
DELETE FROM analytics_events
WHERE store_id = $1 AND course_id = ANY($2::text[]) AND statement_seq = ANY($3::bigint[]);

-- name: touch_courses
-- Courses with new (or voided) events need scoring: `changed_at` only grows, strictly, under the row lock, so a
-- scoring that read an older value sees the course as changed again. Rows are locked in course order.
INSERT INTO analytics_courses AS c (store_id, course_id, name, last_event_at, changed_at)
SELECT $1, u.course_id, u.name, to_timestamp(u.last_ts), clock_timestamp()
FROM unnest($2::text[], $3::text[], $4::float8[]) AS u(course_id, name, last_ts)
ORDER BY u.course_id
ON CONFLICT (store_id, course_id) DO UPDATE SET
    name = coalesce(c.name, EXCLUDED.name),
    last_event_at = greatest(c.last_event_at, EXCLUDED.last_event_at),
    changed_at = greatest(c.changed_at + interval '1 microsecond', clock_timestamp());

-- name: course_settings
SELECT course_id, settings::text FROM analytics_courses WHERE store_id = $1;

-- name: course_rows
SELECT course_id, name, settings::text,
       extract(epoch FROM start_at)::float8 AS start_at, extract(epoch FROM end_at)::float8 AS end_at,
       extract(epoch FROM inferred_start)::float8 AS inferred_start,
       extract(epoch FROM inferred_end)::float8 AS inferred_end,
       extract(epoch FROM last_event_at)::float8 AS last_event_at,
       changed_at, scored_through
FROM analytics_courses
WHERE store_id = $1 AND ($2::text[] IS NULL OR course_id = ANY($2::text[]))
ORDER BY course_id;

-- name: lock_course
-- Scorings of one course take turns, so two of them never both find a level change and both say so.
SELECT changed_at FROM analytics_courses WHERE store_id = $1 AND course_id = $2 FOR UPDATE;

-- name: changed_courses
SELECT course_id FROM analytics_courses
WHERE store_id = $1 AND changed_at IS NOT NULL AND (scored_through IS NULL OR changed_at > scored_through)
ORDER BY course_id;

-- name: course_events
SELECT event FROM analytics_events WHERE store_id = $1 AND course_id = $2 ORDER BY ts, statement_seq;

-- name: set_inferred_dates
UPDATE analytics_courses SET inferred_start = to_timestamp($3), inferred_end = to_timestamp($4)
WHERE store_id = $1 AND course_id = $2;

-- name: mark_scored
UPDATE analytics_courses
SET scored_at = now(), scored_through = greatest(scored_through, $3::timestamptz),
    inferred_start = to_timestamp($4), inferred_end = to_timestamp($5)
WHERE store_id = $1 AND course_id = $2;

-- name: active_models
SELECT id, cut_key, version FROM analytics_models WHERE store_id = $1 AND active ORDER BY cut_key;

-- name: model_artifacts
SELECT id, artifact FROM analytics_models WHERE store_id = $1 AND id = ANY($2::bigint[]);

-- name: find_model
SELECT id FROM analytics_models WHERE store_id = $1 AND cut_key = $2 AND version = $3 ORDER BY id DESC LIMIT 1;

-- name: insert_model
INSERT INTO analytics_models (store_id, kind, cut_key, version, trained_on, metrics, gate, feature_columns, artifact)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::text[], $9)
RETURNING id;

-- name: activate_model
-- The one active model of its cut point; the store's models are locked first, in id order, so two trainings
-- activating at once cannot deadlock.
WITH locked AS (
    SELECT id FROM analytics_models WHERE store_id = $1 AND cut_key = $3 ORDER BY id FOR UPDATE
)
UPDATE analytics_models m SET active = (m.id = $2)
FROM locked WHERE m.store_id = $1 AND m.id = locked.id AND (m.active OR m.id = $2);

-- name: delete_labels
DELETE FROM analytics_labels WHERE store_id = $1 AND course_id = ANY($2::text[]);

-- name: insert_labels
INSERT INTO analytics_labels (store_id, course_id, learner, at_risk, reason, decided_at)
SELECT $1, u.course_id, u.learner, u.at_risk, u.reason, to_timestamp(u.decided_at)
FROM unnest($2::text[], $3::text[], $4::boolean[], $5::text[], $6::float8[])
     AS u(course_id, learner, at_risk, reason, decided_at);

-- name: previous_insights
-- Per learner: the latest insight up to the moment, and the latest that was also said as a statement.
SELECT l.learner, l.risk, extract(epoch FROM l.as_of)::float8 AS as_of,
       s.level AS stated_level, extract(epoch FROM s.as_of)::float8 AS stated_at
FROM (
    SELECT DISTINCT ON (learner) learner, risk, as_of
    FROM analytics_insights
    WHERE store_id = $1 AND course_id = $2 AND as_of <= to_timestamp($3)
    ORDER BY learner, as_of DESC
) l
LEFT JOIN (
    SELECT DISTINCT ON (learner) learner, level, as_of
    FROM analytics_insights
    WHERE store_id = $1 AND course_id = $2 AND as_of <= to_timestamp($3) AND statement_id IS NOT NULL
    ORDER BY learner, as_of DESC
) s USING (learner);

-- name: insert_insights
-- One insight per learner and moment: a re-run of the same scoring inserts nothing (and says nothing again).
INSERT INTO analytics_insights (store_id, course_id, learner, as_of, model_id, cut_key, risk, level, engagement,
                                factors, interventions, statement_id)
SELECT $1, $2, u.learner, to_timestamp($3), $4, $5, u.risk, u.level, u.engagement, u.factors::jsonb,
       u.interventions::jsonb, u.statement_id
FROM unnest($6::text[], $7::float8[], $8::text[], $9::float8[], $10::text[], $11::text[], $12::uuid[])
     AS u(learner, risk, level, engagement, factors, interventions, statement_id)
ON CONFLICT (store_id, course_id, learner, as_of) DO NOTHING
RETURNING id, learner;

-- name: insert_interventions
INSERT INTO analytics_interventions (store_id, course_id, learner, kind, source, insight_id, statement_id, details)
SELECT $1, $2, u.learner, u.kind, u.source, u.insight_id, u.statement_id, u.details::jsonb
FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::uuid[], $8::text[])
     AS u(learner, kind, source, insight_id, statement_id, details);

-- name: insert_alerts
-- A finding already alerted (same dedupe key) is not alerted again.
INSERT INTO analytics_alerts (store_id, course_id, learner, detector, dedupe_key, details, statement_id, created)
SELECT $1, $2, u.learner, u.detector, u.dedupe_key, u.details::jsonb, u.statement_id, to_timestamp($3)
FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[])
     AS u(learner, detector, dedupe_key, details, statement_id)
ON CONFLICT (store_id, dedupe_key) DO NOTHING
RETURNING dedupe_key;

-- name: start_job
-- A job the API queued (or one the workers start themselves) is running; its parameters are returned.
INSERT INTO analytics_jobs (store_id, id, kind, params, status, started)
VALUES ($1, $2, $3, $4::jsonb, 'running', now())
ON CONFLICT (store_id, id) DO UPDATE SET status = 'running', started = now(), error = NULL, finished = NULL
RETURNING params::text;

-- name: queue_job
INSERT INTO analytics_jobs (store_id, id, kind, params) VALUES ($1, $2, $3, $4::jsonb)
ON CONFLICT (store_id, id) DO NOTHING;

-- name: finish_job
UPDATE analytics_jobs SET status = $3, result = $4::jsonb, error = $5, finished = now()
WHERE store_id = $1 AND id = $2;

-- name: last_job
SELECT id, status, params::text, extract(epoch FROM created)::float8 AS created
FROM analytics_jobs WHERE store_id = $1 AND kind = $2
ORDER BY created DESC LIMIT 1;

-- name: store_ids
SELECT id FROM stores ORDER BY id;
