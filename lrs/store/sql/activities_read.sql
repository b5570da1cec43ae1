-- The canonical Activity, as the statements insert path keeps it in `activities`.

-- name: activity_definition
SELECT definition::text
FROM activities
WHERE store_id = $1 AND activity_id = $2;
