-- name: snapshot_xmin
-- Every transaction with an id below this has finished: rows it wrote are final.
SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint;

-- name: get_cursor
SELECT tx, seq FROM worker_cursors WHERE store_id = $1 AND name = $2;

-- name: lock_cursor
-- One reader per (store, name) at a time: the row lock serialises concurrent workers.
INSERT INTO worker_cursors (store_id, name) VALUES ($1, $2)
ON CONFLICT (store_id, name) DO UPDATE SET name = EXCLUDED.name
RETURNING tx, seq;

-- name: advance_cursor
UPDATE worker_cursors SET tx = $3, seq = $4, updated = now() WHERE store_id = $1 AND name = $2;

-- name: read_after
-- Statements after the cursor position, written by transactions that have all finished.
SELECT tx, seq, payload::text
FROM statements
WHERE store_id = $1 AND (tx, seq) > ($2, $3) AND tx < $4
ORDER BY tx, seq
LIMIT $5;

-- name: all_store_ids
SELECT id FROM stores ORDER BY id;
