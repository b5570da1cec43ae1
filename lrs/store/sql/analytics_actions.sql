-- Writes the insights API makes on behalf of admins and instructors. $1 is always the store.

-- name: upsert_course
-- Create or reconfigure a course: the calendar set by an admin and the course's settings; a name given wins, none
-- keeps the known one. `changed_at` tells the engine to score the course again; it only grows, strictly, as the
-- engine's own updates of it do.
INSERT INTO analytics_courses AS c (store_id, course_id, name, start_at, end_at, settings, changed_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, clock_timestamp())
ON CONFLICT (store_id, course_id) DO UPDATE
SET name = coalesce(excluded.name, c.name),
    start_at = excluded.start_at,
    end_at = excluded.end_at,
    settings = excluded.settings,
    changed_at = greatest(c.changed_at + interval '1 microsecond', clock_timestamp())
RETURNING (xmax = 0) AS created;

-- name: set_store_section
-- Replace one top-level key ($2) of the store's settings JSON.
UPDATE stores SET settings = jsonb_set(settings, ARRAY[$2::text], $3::jsonb, true) WHERE id = $1;

-- name: insert_feedback
-- Feedback on insight $2; no row when the insight is not this store's.
INSERT INTO analytics_feedback (store_id, insight_id, kind, note, author)
SELECT $1, i.id, $3, $4, $5
FROM analytics_insights AS i
WHERE i.store_id = $1 AND i.id = $2
RETURNING id, created;

-- name: insert_intervention
INSERT INTO analytics_interventions (store_id, course_id, learner, kind, source, insight_id, statement_id, details,
                                     created)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, coalesce($9, now()))
ON CONFLICT (store_id, statement_id) WHERE source = 'statement' DO NOTHING
RETURNING id, created;

-- name: unrecorded_intervention_statements
-- Statements with the intervention verb $2 about an Agent that are not voided and not yet recorded.
SELECT s.id, s.payload::text AS payload, s.object_agent_ifi, s."timestamp"
FROM statements AS s
WHERE s.store_id = $1 AND s.verb_id = $2 AND NOT s.voided AND s.object_agent_ifi IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM analytics_interventions AS i
      WHERE i.store_id = $1 AND i.source = 'statement' AND i.statement_id = s.id
  )
ORDER BY s.seq;

-- name: forget_voided_intervention_statements
-- A voided intervention statement no longer records an intervention.
DELETE FROM analytics_interventions AS i
USING statements AS s
WHERE i.store_id = $1 AND i.source = 'statement' AND s.store_id = $1 AND s.id = i.statement_id AND s.voided;

-- name: known_courses
SELECT course_id FROM analytics_courses WHERE store_id = $1 AND course_id = ANY($2::text[]);

-- name: insert_job
INSERT INTO analytics_jobs (store_id, id, kind, params) VALUES ($1, $2, $3, $4::jsonb)
RETURNING id, kind, params::text AS params, status, result::text AS result, error, created, started, finished;

-- name: fail_job
UPDATE analytics_jobs SET status = 'failed', error = $3, finished = now()
WHERE store_id = $1 AND id = $2 AND status = 'queued'
RETURNING id, kind, params::text AS params, status, result::text AS result, error, created, started, finished;

-- name: model_state
SELECT id, cut_key, gate::text AS gate, active FROM analytics_models WHERE store_id = $1 AND id = $2;

-- name: deactivate_model
-- The cut point's models are locked in id order first, as the engine's activation does, so the two cannot deadlock.
WITH locked AS (
    SELECT id FROM analytics_models WHERE store_id = $1 AND cut_key = $3 ORDER BY id FOR UPDATE
)
UPDATE analytics_models AS m SET active = false
FROM locked WHERE m.store_id = $1 AND m.id = locked.id AND m.id = $2;

-- name: save_summary
INSERT INTO analytics_course_summaries (store_id, course_id, fingerprint, computed_at, body)
VALUES ($1, $2, $3, $4, $5::jsonb)
ON CONFLICT (store_id, course_id) DO UPDATE
SET fingerprint = excluded.fingerprint, computed_at = excluded.computed_at, body = excluded.body;

-- name: try_summary_lock
-- One refresh of a course's summary at a time (per transaction); false when another one is running.
SELECT pg_try_advisory_xact_lock(hashtextextended('analytics_summary|' || $1::bigint || '|' || $2::text, 0));

-- name: summary_lock
-- The same lock, waiting for a running refresh to finish.
SELECT pg_advisory_xact_lock(hashtextextended('analytics_summary|' || $1::bigint || '|' || $2::text, 0));
