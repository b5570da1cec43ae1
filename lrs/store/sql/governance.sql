-- Learner data rights and governance (lrs.governance). Blocks with /*table*/, /*column*/, /*type*/ or
-- /*selection*/ markers are completed by lrs.store.governance with catalog-quoted names or named predicates.

-- name: lock_store_feed
-- Waits for the analytics feed's batch in flight (it holds its cursor row) and keeps the next one out until this
-- transaction ends, so no batch derives analytics from statements this transaction is erasing.
SELECT name FROM worker_cursors WHERE store_id = $1 ORDER BY name FOR UPDATE;

-- name: store_settings
SELECT settings::text FROM stores WHERE id = $1;

-- name: merge_store_settings
-- Sets the keys of $2 and removes the keys $3; other keys of the store's settings are left alone.
UPDATE stores SET settings = (settings - $3::text[]) || $2::jsonb WHERE id = $1 RETURNING settings::text;

-- name: stores_with_retention
SELECT id, name, (settings ->> 'retention_days')::integer AS days FROM stores
WHERE jsonb_typeof(settings -> 'retention_days') = 'number' ORDER BY id;

-- name: ensure_pseudonym_key
INSERT INTO pseudonym_keys (store_id, key) VALUES ($1, $2) ON CONFLICT (store_id) DO NOTHING;

-- name: pseudonym_key
SELECT key FROM pseudonym_keys WHERE store_id = $1;

-- name: learner_statements
-- A page of the statements in which any of the IFI keys $2 appears, in any usage, voided ones included, after
-- seq $3; with the usages under which the keys appear.
WITH hits AS (
    SELECT statement_seq AS seq, array_agg(DISTINCT usage) AS usages
    FROM statement_agents
    WHERE store_id = $1 AND agent_ifi = ANY($2::text[]) AND statement_seq > $3
    GROUP BY statement_seq
    ORDER BY statement_seq
    LIMIT $4
)
SELECT s.seq, s.id, s.payload::text AS payload, s.voided, h.usages
FROM hits h JOIN statements s ON s.store_id = $1 AND s.seq = h.seq
ORDER BY s.seq;

-- name: delete_statements
-- Statements by seq with their relation rows and the analytics events derived from them; returns the counts and
-- the attachment hashes the deleted statements referenced (see delete_orphan_attachments).
WITH gone AS (
    DELETE FROM statements WHERE store_id = $1 AND seq = ANY($2::bigint[])
    RETURNING voided, statement_attachment_sha2(payload) AS sha2
),
agents AS (
    DELETE FROM statement_agents WHERE store_id = $1 AND statement_seq = ANY($2::bigint[]) RETURNING 1
),
activities AS (
    DELETE FROM statement_activities WHERE store_id = $1 AND statement_seq = ANY($2::bigint[]) RETURNING 1
),
events AS (
    DELETE FROM analytics_events WHERE store_id = $1 AND statement_seq = ANY($2::bigint[]) RETURNING 1
)
SELECT (SELECT count(*) FROM gone) AS statements,
       (SELECT count(*) FROM gone WHERE voided) AS voided,
       (SELECT count(*) FROM agents) AS statement_agents,
       (SELECT count(*) FROM activities) AS statement_activities,
       (SELECT count(*) FROM events) AS analytics_events,
       ARRAY(SELECT DISTINCT unnest(sha2) FROM gone) AS sha2;

-- name: delete_orphan_attachments
-- Of the attachments $2, those no remaining statement of the store references.
DELETE FROM attachments a
WHERE a.store_id = $1 AND a.sha2 = ANY($2::text[])
  AND NOT EXISTS (
      SELECT 1 FROM statements s
      WHERE s.store_id = $1
        AND (s.payload ? 'attachments' OR s.payload -> 'object' ? 'attachments')
        AND statement_attachment_sha2(s.payload) @> ARRAY[a.sha2]
  )
RETURNING a.sha2;

-- name: rewrite_statements
UPDATE statements s
SET payload = u.payload::jsonb, actor_ifi = u.actor_ifi, object_agent_ifi = u.object_agent_ifi,
    authority_ifi = u.authority_ifi
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
    AS u (seq, payload, actor_ifi, object_agent_ifi, authority_ifi)
WHERE s.store_id = $1 AND s.seq = u.seq;

-- name: delete_relation_rows
-- The agent and activity rows of the statements $2 (before their rewritten rows are inserted).
WITH old_agents AS (
    DELETE FROM statement_agents WHERE store_id = $1 AND statement_seq = ANY($2::bigint[]) RETURNING 1
)
DELETE FROM statement_activities WHERE store_id = $1 AND statement_seq = ANY($2::bigint[]);

-- name: insert_statement_agents
INSERT INTO statement_agents (store_id, agent_ifi, statement_seq, usage)
SELECT $1, a.ifi, a.seq, a.usage FROM unnest($2::text[], $3::bigint[], $4::text[]) AS a (ifi, seq, usage)
ON CONFLICT DO NOTHING;

-- name: insert_statement_activities
INSERT INTO statement_activities (store_id, activity_id, statement_seq, usage)
SELECT $1, a.id, a.seq, a.usage FROM unnest($2::text[], $3::bigint[], $4::text[]) AS a (id, seq, usage)
ON CONFLICT DO NOTHING;

-- name: attachment_data
SELECT sha2, content_type, content FROM attachments WHERE store_id = $1 AND sha2 = ANY($2::text[]) ORDER BY sha2;

-- name: learner_documents
SELECT kind, activity_id, registration, document_id, content, content_type, etag, updated
FROM documents WHERE store_id = $1 AND agent_ifi = ANY($2::text[])
ORDER BY kind, activity_id, registration, document_id;

-- name: delete_learner_documents
DELETE FROM documents WHERE store_id = $1 AND agent_ifi = ANY($2::text[]) RETURNING kind;

-- name: credentials_of_store
SELECT id, key, authority::text FROM credentials WHERE store_id = $1 ORDER BY id;

-- name: set_credential_authorities
UPDATE credentials c SET authority = u.authority::jsonb
FROM unnest($2::bigint[], $3::text[]) AS u (id, authority)
WHERE c.store_id = $1 AND c.id = u.id;

-- name: learner_tables
-- Every table keyed by (store_id, learner): the analytics tables, today's and those added later.
SELECT c.table_name::text AS name
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND c.column_name = 'learner' AND t.table_type = 'BASE TABLE'
  AND EXISTS (
      SELECT 1 FROM information_schema.columns k
      WHERE k.table_schema = c.table_schema AND k.table_name = c.table_name AND k.column_name = 'store_id'
  )
ORDER BY c.table_name;

-- name: analytics_text_columns
-- The text and jsonb columns of the analytics tables, where another learner's row may mention this one (events
-- carry people only in their `event` data, rewritten separately; their text columns name courses and verbs).
SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, c.data_type::text AS data_type
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
  AND c.table_name LIKE 'analytics\_%' AND c.table_name NOT IN ('analytics_opt_outs', 'analytics_events')
  AND c.data_type IN ('text', 'jsonb') AND c.column_name <> 'learner'
  AND EXISTS (
      SELECT 1 FROM information_schema.columns k
      WHERE k.table_schema = c.table_schema AND k.table_name = c.table_name AND k.column_name = 'store_id'
  )
ORDER BY c.table_name, c.column_name;

-- name: learner_rows
SELECT to_jsonb(t)::text AS row FROM /*table*/ t WHERE t.store_id = $1 AND t.learner = ANY($2::text[]);

-- name: delete_learner_rows
DELETE FROM /*table*/ WHERE store_id = $1 AND learner = ANY($2::text[]);

-- name: replace_mention
UPDATE /*table*/ SET /*column*/ = replace(/*column*/::text, $2, $3)::/*type*/
WHERE store_id = $1 AND strpos(/*column*/::text, $2) > 0;

-- name: learner_feedback
-- Instructors' feedback on the learner's insights (it has no learner column of its own).
SELECT to_jsonb(f)::text AS row FROM analytics_feedback f
WHERE f.store_id = $1
  AND f.insight_id IN (SELECT i.id FROM analytics_insights i WHERE i.store_id = $1 AND i.learner = ANY($2::text[]));

-- name: delete_learner_feedback
DELETE FROM analytics_feedback f
WHERE f.store_id = $1
  AND f.insight_id IN (SELECT i.id FROM analytics_insights i WHERE i.store_id = $1 AND i.learner = ANY($2::text[]));

-- name: delete_course_summaries_of_learner
-- Cached course summaries (the insights API's) that counted the learner's events; recomputed on the next read.
DELETE FROM analytics_course_summaries
WHERE store_id = $1 AND course_id IN (
    SELECT DISTINCT course_id FROM analytics_events WHERE store_id = $1 AND learner = ANY($2::text[])
);

-- name: other_learners_events
-- Events of other learners derived from the statements $2 (where the erased learner was e.g. the instructor).
SELECT course_id, statement_seq, learner, event FROM analytics_events
WHERE store_id = $1 AND statement_seq = ANY($2::bigint[]) AND learner <> ALL($3::text[]);

-- name: update_event_blobs
UPDATE analytics_events e SET event = u.event
FROM unnest($2::text[], $3::bigint[], $4::text[], $5::bytea[]) AS u (course_id, seq, learner, event)
WHERE e.store_id = $1 AND e.course_id = u.course_id AND e.statement_seq = u.seq AND e.learner = u.learner;

-- name: opted_out_learners
-- The analytics exclusions of store $1: whether the whole store opted out, and the learners (IFI keys) who did.
SELECT coalesce((SELECT settings -> 'analytics_opt_out' = 'true'::jsonb FROM stores WHERE id = $1), false)
           AS store_wide,
       ARRAY(SELECT learner FROM analytics_opt_outs WHERE store_id = $1 ORDER BY learner) AS learners;

-- name: add_opt_out
INSERT INTO analytics_opt_outs (store_id, learner) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING learner;

-- name: remove_opt_out
DELETE FROM analytics_opt_outs WHERE store_id = $1 AND learner = ANY($2::text[]) RETURNING learner;

-- name: selection
-- The statements a deletion selects: by ids ($2), and/or stored after $3 (exclusive) and before $4 (exclusive).
    ($2::uuid[] IS NULL OR s.id = ANY($2::uuid[]))
    AND ($3::timestamptz IS NULL OR s.stored > $3)
    AND ($4::timestamptz IS NULL OR s.stored < $4)

-- name: next_selected
-- The next batch of selected statements, oldest stored first (the deleted ones are gone by the next call).
SELECT s.seq FROM statements s WHERE s.store_id = $1 AND /*selection*/ ORDER BY s.stored, s.seq LIMIT $5;

-- name: count_selection
-- What deleting the selection would remove, counted without removing it (the dry run).
WITH selected AS (
    SELECT s.seq, s.voided,
           CASE WHEN s.payload ? 'attachments' OR s.payload -> 'object' ? 'attachments'
                THEN statement_attachment_sha2(s.payload) END AS sha2
    FROM statements s WHERE s.store_id = $1 AND /*selection*/
),
candidates AS (SELECT DISTINCT unnest(sha2) AS sha2 FROM selected WHERE sha2 IS NOT NULL)
SELECT (SELECT count(*) FROM selected) AS statements,
       (SELECT count(*) FROM selected WHERE voided) AS voided,
       (SELECT count(*) FROM statement_agents a
        WHERE a.store_id = $1 AND a.statement_seq IN (SELECT seq FROM selected)) AS statement_agents,
       (SELECT count(*) FROM statement_activities a
        WHERE a.store_id = $1 AND a.statement_seq IN (SELECT seq FROM selected)) AS statement_activities,
       (SELECT count(*) FROM analytics_events e
        WHERE e.store_id = $1 AND e.statement_seq IN (SELECT seq FROM selected)) AS analytics_events,
       (SELECT count(*) FROM candidates c JOIN attachments a ON a.store_id = $1 AND a.sha2 = c.sha2
        WHERE NOT EXISTS (
            SELECT 1 FROM statements s
            WHERE s.store_id = $1
              AND (s.payload ? 'attachments' OR s.payload -> 'object' ? 'attachments')
              AND statement_attachment_sha2(s.payload) @> ARRAY[c.sha2]
              AND NOT (/*selection*/)
        )) AS attachments;

-- name: count_expired_analytics
-- Analytics rows older than $2 (retention), counted: the dry run of delete_expired_analytics. Events of
-- statements stored before $2 are left out: the retention run deletes them with their statements, first.
SELECT (SELECT count(*) FROM analytics_events e
        WHERE e.store_id = $1 AND e.ts < $2 AND NOT EXISTS (
            SELECT 1 FROM statements s WHERE s.store_id = $1 AND s.seq = e.statement_seq AND s.stored < $2))
           AS analytics_events,
       (SELECT count(*) FROM analytics_labels WHERE store_id = $1 AND decided_at < $2) AS analytics_labels,
       (SELECT count(*) FROM analytics_insights WHERE store_id = $1 AND as_of < $2) AS analytics_insights,
       (SELECT count(*) FROM analytics_feedback f WHERE f.store_id = $1 AND (f.created < $2 OR f.insight_id IN (
            SELECT i.id FROM analytics_insights i WHERE i.store_id = $1 AND i.as_of < $2))) AS analytics_feedback,
       (SELECT count(*) FROM analytics_interventions WHERE store_id = $1 AND created < $2)
           AS analytics_interventions,
       (SELECT count(*) FROM analytics_alerts WHERE store_id = $1 AND created < $2) AS analytics_alerts,
       (SELECT count(*) FROM analytics_jobs WHERE store_id = $1 AND finished < $2) AS analytics_jobs;

-- name: delete_expired_analytics
-- Analytics rows older than $2: events by their time, labels by when decided, insights by their as-of time
-- (with the feedback on them), interventions, alerts and feedback by creation, jobs by when they finished.
WITH events AS (DELETE FROM analytics_events WHERE store_id = $1 AND ts < $2 RETURNING 1),
labels AS (DELETE FROM analytics_labels WHERE store_id = $1 AND decided_at < $2 RETURNING 1),
feedback AS (
    DELETE FROM analytics_feedback f WHERE f.store_id = $1 AND (f.created < $2 OR f.insight_id IN (
        SELECT i.id FROM analytics_insights i WHERE i.store_id = $1 AND i.as_of < $2))
    RETURNING 1
),
insights AS (DELETE FROM analytics_insights WHERE store_id = $1 AND as_of < $2 RETURNING 1),
interventions AS (DELETE FROM analytics_interventions WHERE store_id = $1 AND created < $2 RETURNING 1),
alerts AS (DELETE FROM analytics_alerts WHERE store_id = $1 AND created < $2 RETURNING 1),
jobs AS (DELETE FROM analytics_jobs WHERE store_id = $1 AND finished < $2 RETURNING 1)
SELECT (SELECT count(*) FROM events) AS analytics_events,
       (SELECT count(*) FROM labels) AS analytics_labels,
       (SELECT count(*) FROM insights) AS analytics_insights,
       (SELECT count(*) FROM feedback) AS analytics_feedback,
       (SELECT count(*) FROM interventions) AS analytics_interventions,
       (SELECT count(*) FROM alerts) AS analytics_alerts,
       (SELECT count(*) FROM jobs) AS analytics_jobs;

-- name: insert_audit
INSERT INTO audit_log (store_id, actor, action, target, details) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)
RETURNING id, at;

-- name: audit_page
-- Entries of store $1 after id $2 (oldest first), at most $3; $4 / $5 bound `at` (inclusive / exclusive).
SELECT id, at, actor, action, target::text AS target, details::text AS details FROM audit_log
WHERE store_id = $1 AND id > $2
  AND ($4::timestamptz IS NULL OR at >= $4) AND ($5::timestamptz IS NULL OR at < $5)
ORDER BY id LIMIT $3;
