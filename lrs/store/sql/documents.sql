-- State, Activity Profile and Agent Profile documents.
-- A document is addressed by ($1 store_id, $2 kind, $3 activity_id, $4 agent_ifi, $5 registration, $6 document_id);
-- key parts that do not apply to a kind are ''. Every write stamps `updated` with the clock (not the transaction
-- start) and never lets it go backwards, so Last-Modified moves forward with every write.

-- name: get_document
SELECT content, content_type, etag, updated
FROM documents
WHERE store_id = $1 AND kind = $2 AND activity_id = $3 AND agent_ifi = $4 AND registration = $5
  AND document_id = $6;

-- name: lock_document
SELECT content, content_type, etag, updated
FROM documents
WHERE store_id = $1 AND kind = $2 AND activity_id = $3 AND agent_ifi = $4 AND registration = $5
  AND document_id = $6
FOR UPDATE;

-- name: list_ids
-- Ids in one context; $5 NULL means every registration (State without `registration`), $6 is `since` (exclusive).
SELECT document_id, max(updated) AS updated
FROM documents
WHERE store_id = $1 AND kind = $2 AND activity_id = $3 AND agent_ifi = $4
  AND ($5::text IS NULL OR registration = $5)
  AND ($6::timestamptz IS NULL OR updated > $6)
GROUP BY document_id
ORDER BY document_id;

-- name: insert_document
-- Create only: no row when the document exists (the caller answers 409 or 412).
INSERT INTO documents (store_id, kind, activity_id, agent_ifi, registration, document_id,
                       content, content_type, etag, updated)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp())
ON CONFLICT (store_id, kind, activity_id, agent_ifi, registration, document_id) DO NOTHING
RETURNING updated;

-- name: upsert_document
-- Create or overwrite unconditionally (a State PUT without preconditions in xAPI 1.0.3).
INSERT INTO documents (store_id, kind, activity_id, agent_ifi, registration, document_id,
                       content, content_type, etag, updated)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp())
ON CONFLICT (store_id, kind, activity_id, agent_ifi, registration, document_id) DO UPDATE
SET content = EXCLUDED.content,
    content_type = EXCLUDED.content_type,
    etag = EXCLUDED.etag,
    updated = greatest(EXCLUDED.updated, documents.updated + interval '1 microsecond')
RETURNING updated;

-- name: update_document_if_match
-- If-Match as one statement: a concurrent writer holding the row makes this wait, then re-check the ETag
-- against the committed row, so of two writers with the same If-Match exactly one updates.
UPDATE documents
SET content = $7, content_type = $8, etag = $9,
    updated = greatest(clock_timestamp(), updated + interval '1 microsecond')
WHERE store_id = $1 AND kind = $2 AND activity_id = $3 AND agent_ifi = $4 AND registration = $5
  AND document_id = $6
  AND ('*' = ANY($10::text[]) OR etag = ANY($10::text[]))
RETURNING updated;

-- name: update_document
-- Overwrite a row the caller has locked with lock_document.
UPDATE documents
SET content = $7, content_type = $8, etag = $9,
    updated = greatest(clock_timestamp(), updated + interval '1 microsecond')
WHERE store_id = $1 AND kind = $2 AND activity_id = $3 AND agent_ifi = $4 AND registration = $5
  AND document_id = $6
RETURNING updated;

-- name: delete_document
DELETE FROM documents
WHERE store_id = $1 AND kind = $2 AND activity_id = $3 AND agent_ifi = $4 AND registration = $5
  AND document_id = $6
RETURNING etag;

-- name: delete_documents
-- Every document of one context; $5 NULL means every registration.
DELETE FROM documents
WHERE store_id = $1 AND kind = $2 AND activity_id = $3 AND agent_ifi = $4
  AND ($5::text IS NULL OR registration = $5);
