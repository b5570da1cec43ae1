-- name: begin_batch
-- Everything a write needs before it inserts, in one round trip: the batch's `stored` (its transaction's time, at
-- the millisecond precision statements show, so since/until given a statement's own `stored` compare with exactly
-- that value), the Consistent-Through bound (see consistent_through; taken at the start of this transaction it
-- is a valid, slightly earlier bound once this transaction has committed), `$3` fresh seqs, which of the ids `$2`
-- are stored already (with their payloads, for the conflict check), and which of them earlier voiding statements
-- target (they are stored as voided), each id looked up on its own (a primary-key probe). The store's row is
-- locked (key share) for the transaction: the statements' reference to their store, checked once per batch
-- rather than per row.
WITH sequence AS (SELECT pg_get_serial_sequence('statements', 'seq')::regclass AS name),
given AS (
    SELECT g.id,
           (SELECT s.payload::text FROM statements s WHERE s.store_id = $1 AND s.id = g.id) AS payload,
           (SELECT true FROM statements v
            WHERE v.store_id = $1 AND v.object_statement_id = g.id AND v.is_voiding LIMIT 1) AS targeted
    FROM unnest($2::uuid[]) AS g (id)
)
SELECT (SELECT true FROM stores WHERE id = $1 FOR KEY SHARE) AS store_exists,
       date_trunc('milliseconds', now()) AS stored,
       (SELECT coalesce(min(xact_start), now()) FROM pg_stat_activity
        WHERE datname = current_database() AND state <> 'idle' AND xact_start IS NOT NULL
          AND pid <> pg_backend_pid()) AS consistent_through,
       ARRAY(SELECT nextval(sequence.name) FROM sequence, generate_series(1, $3)) AS seqs,
       ARRAY(SELECT id::text FROM given WHERE payload IS NOT NULL) AS existing_ids,
       ARRAY(SELECT payload FROM given WHERE payload IS NOT NULL) AS existing_payloads,
       ARRAY(SELECT id::text FROM given WHERE targeted) AS voided_ids;

-- name: insert_batch
-- The new statements of a batch with their agent and activity rows (seqs reserved by begin_batch), and the
-- voiding of earlier statements, in one statement; returns the canonical definitions of the activities `$25`
-- as they were before it. A statement's `voided` is decided by the caller (targets stored earlier, or voided
-- within the batch). An id stored meanwhile by another transaction fails the primary key: retry the batch.
WITH new_statements AS (
    INSERT INTO statements (
        store_id, seq, id, payload, verb_id, actor_ifi, object_type, object_activity_id, object_agent_ifi,
        object_statement_id, registration, "timestamp", stored, authority_ifi, version, is_voiding, voided
    )
    SELECT $1, u.seq, u.id, u.payload::jsonb, u.verb_id, u.actor_ifi, u.object_type, u.object_activity_id,
           u.object_agent_ifi, u.object_statement_id, u.registration, u.ts, $13, $14, u.version, u.is_voiding,
           u.voided
    FROM unnest(
        $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
        $10::uuid[], $11::uuid[], $12::timestamptz[], $15::text[], $16::boolean[], $17::boolean[]
    ) AS u (seq, id, payload, verb_id, actor_ifi, object_type, object_activity_id, object_agent_ifi,
            object_statement_id, registration, ts, version, is_voiding, voided)
),
new_agents AS (
    INSERT INTO statement_agents (store_id, agent_ifi, statement_seq, usage)
    SELECT $1, a.ifi, a.seq, a.usage FROM unnest($18::text[], $19::bigint[], $20::text[]) AS a (ifi, seq, usage)
),
new_activities AS (
    INSERT INTO statement_activities (store_id, activity_id, statement_seq, usage)
    SELECT $1, a.id, a.seq, a.usage FROM unnest($21::text[], $22::bigint[], $23::text[]) AS a (id, seq, usage)
),
newly_voided AS (
    UPDATE statements SET voided = true
    WHERE cardinality($24::uuid[]) > 0
      AND store_id = $1 AND id = ANY($24::uuid[]) AND NOT is_voiding AND NOT voided
)
SELECT activity_id, definition::text FROM activities WHERE store_id = $1 AND activity_id = ANY($25::text[]);

-- name: insert_statement_agents
INSERT INTO statement_agents (store_id, agent_ifi, statement_seq, usage)
SELECT $1, a.ifi, a.seq, a.usage FROM unnest($2::text[], $3::bigint[], $4::text[]) AS a (ifi, seq, usage)
ON CONFLICT DO NOTHING;

-- name: insert_statement_activities
INSERT INTO statement_activities (store_id, activity_id, statement_seq, usage)
SELECT $1, a.id, a.seq, a.usage FROM unnest($2::text[], $3::bigint[], $4::text[]) AS a (id, seq, usage)
ON CONFLICT DO NOTHING;

-- name: apply_voiding
-- A statement is voided iff it is not itself voiding and a voiding statement targets it.
UPDATE statements SET voided = true
WHERE store_id = $1 AND id = ANY($2::uuid[]) AND NOT is_voiding AND NOT voided;

-- name: activity_definitions
SELECT activity_id, definition::text FROM activities WHERE store_id = $1 AND activity_id = ANY($2::text[]);

-- name: lock_activity_definitions
-- Locks the rows to merge into, in activity-id order (so concurrent batches cannot deadlock), and returns their
-- latest committed definitions. A row that does not exist yet is created empty ('{}', replaced before this
-- transaction commits) so that it is locked too: a concurrent first definition then waits and merges instead
-- of overwriting this one.
INSERT INTO activities (store_id, activity_id, definition, updated)
SELECT $1, a.id, '{}'::jsonb, now() FROM unnest($2::text[]) AS a (id)
ORDER BY a.id
ON CONFLICT (store_id, activity_id) DO UPDATE SET updated = activities.updated
RETURNING activity_id, definition::text;

-- name: upsert_activity_definitions
INSERT INTO activities (store_id, activity_id, definition, updated)
SELECT $1, a.id, a.definition::jsonb, now() FROM unnest($2::text[], $3::text[]) AS a (id, definition)
ORDER BY a.id
ON CONFLICT (store_id, activity_id) DO UPDATE SET definition = EXCLUDED.definition, updated = now();

-- name: insert_attachments
INSERT INTO attachments (store_id, sha2, content_type, content)
SELECT $1, a.sha2, a.content_type, a.content
FROM unnest($2::text[], $3::text[], $4::bytea[]) AS a (sha2, content_type, content)
ORDER BY a.sha2
ON CONFLICT (store_id, sha2) DO NOTHING;

-- name: attachments_by_sha2
SELECT sha2, content_type, content FROM attachments WHERE store_id = $1 AND sha2 = ANY($2::text[]);

-- name: get_statement
-- One statement by id: `$3` false reads a statement that is not voided, true one that is.
SELECT seq, payload::text, stored FROM statements
WHERE store_id = $1 AND id = $2 AND voided = $3 AND ($4::text IS NULL OR authority_ifi = $4);

-- name: store_has_references
SELECT EXISTS (SELECT 1 FROM statements WHERE store_id = $1 AND object_statement_id IS NOT NULL);

-- name: filter_predicate
-- Shared by the direct and the StatementRef queries over alias `s`; folded per call (plan_cache_mode). The agent
-- and activity conditions are put in by the caller: a sub-select when the filter is given (which the planner can
-- drive the query from, e.g. a learner's few statements instead of every statement with the verb; it cannot
-- under `$2 IS NULL OR EXISTS (...)`), else a condition that only names the unused parameters.
    /*agent*/
    AND ($4::text IS NULL OR s.verb_id = $4)
    AND /*activity*/
    AND ($7::uuid IS NULL OR s.registration = $7)

-- name: agent_filter
s.seq IN (
    SELECT sa.statement_seq FROM statement_agents sa
    WHERE sa.store_id = $1 AND sa.agent_ifi = $2 AND ($3::text[] IS NULL OR sa.usage = ANY($3::text[]))
)

-- name: no_agent_filter
($2::text IS NULL AND $3::text[] IS NULL)

-- name: activity_filter
s.seq IN (
    SELECT sc.statement_seq FROM statement_activities sc
    WHERE sc.store_id = $1 AND sc.activity_id = $5 AND ($6::text[] IS NULL OR sc.usage = ANY($6::text[]))
)

-- name: no_activity_filter
($5::text IS NULL AND $6::text[] IS NULL)

-- name: direct_matches
-- Statements matching the filters themselves, after the cursor, within the stored window; every row also
-- carries whether the store has StatementRefs at all and the Consistent-Through bound (each computed once), so
-- a page usually takes one round trip.
SELECT s.seq, s.payload::text, s.stored,
       (/*store_has_references*/) AS store_has_references,
       (/*consistent_through*/) AS consistent_through
FROM statements s
WHERE s.store_id = $1 AND NOT s.voided
  AND ($8::timestamptz IS NULL OR s.stored > $8)
  AND ($9::timestamptz IS NULL OR s.stored <= $9)
  AND ($10::text IS NULL OR s.authority_ifi = $10)
  AND ($11::bigint IS NULL OR s.seq /*after*/ $11)
  AND /*filters*/
ORDER BY s.seq /*direction*/
LIMIT $12;

-- name: direct_matches_by_activity
-- direct_matches when the activity is the only relation filter: walk that activity's statements in seq order and
-- stop at the limit (at most its own statements are read). Left to the planner, the activity's statements were
-- matched while walking every statement of the store by seq, which read most of a million-statement store when
-- they were old (related_activities of a past course: seconds instead of milliseconds).
SELECT s.seq, s.payload::text, s.stored,
       (/*store_has_references*/) AS store_has_references,
       (/*consistent_through*/) AS consistent_through
FROM (
    SELECT DISTINCT sc.statement_seq FROM statement_activities sc
    WHERE sc.store_id = $1 AND sc.activity_id = $5 AND ($6::text[] IS NULL OR sc.usage = ANY($6::text[]))
      AND ($11::bigint IS NULL OR sc.statement_seq /*after*/ $11)
    ORDER BY sc.statement_seq /*direction*/
) AS r
JOIN statements s ON s.store_id = $1 AND s.seq = r.statement_seq
WHERE NOT s.voided
  AND ($8::timestamptz IS NULL OR s.stored > $8)
  AND ($9::timestamptz IS NULL OR s.stored <= $9)
  AND ($10::text IS NULL OR s.authority_ifi = $10)
  AND $2::text IS NULL AND $3::text[] IS NULL
  AND ($4::text IS NULL OR s.verb_id = $4)
  AND ($7::uuid IS NULL OR s.registration = $7)
ORDER BY r.statement_seq /*direction*/
LIMIT $12;

-- name: referring_matches
-- Statements whose StatementRef target (recursively) matches the filters (Communication 2.1.3,
-- "Filter Conditions for StatementRefs"); time, cursor and visibility apply to the referring statement.
WITH RECURSIVE chain (origin, target, depth) AS (
    SELECT r.seq, r.object_statement_id, 1 FROM statements r
    WHERE r.store_id = $1 AND r.object_statement_id IS NOT NULL AND NOT r.voided
      AND ($8::timestamptz IS NULL OR r.stored > $8)
      AND ($9::timestamptz IS NULL OR r.stored <= $9)
      AND ($10::text IS NULL OR r.authority_ifi = $10)
      AND ($11::bigint IS NULL OR r.seq /*after*/ $11)
    UNION ALL
    SELECT c.origin, t.object_statement_id, c.depth + 1 FROM chain c
    JOIN statements t ON t.store_id = $1 AND t.id = c.target
    WHERE t.object_statement_id IS NOT NULL AND c.depth < 32
)
SELECT r.seq, r.payload::text, r.stored FROM statements r
WHERE r.store_id = $1 AND r.seq IN (
    SELECT c.origin FROM chain c JOIN statements s ON s.store_id = $1 AND s.id = c.target WHERE /*filters*/
)
ORDER BY r.seq /*direction*/
LIMIT $12;

-- name: consistent_through
-- Statements take their `stored` time from their transaction's start, so every statement stored before
-- the start of the oldest transaction still running is visible now.
SELECT coalesce(min(xact_start), now()) FROM pg_stat_activity
WHERE datname = current_database() AND state <> 'idle' AND xact_start IS NOT NULL AND pid <> pg_backend_pid();

