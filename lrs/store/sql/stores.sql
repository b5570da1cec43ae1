-- name: create_store
INSERT INTO stores (name, settings) VALUES ($1, $2::jsonb)
RETURNING id, name, created, settings::text;

-- name: get_store_by_name
SELECT id, name, created, settings::text FROM stores WHERE name = $1;

-- name: list_stores
SELECT s.id, s.name, s.created, s.settings::text,
       (SELECT count(*) FROM credentials c
        WHERE c.store_id = s.id AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()))
           AS credentials
FROM stores s
WHERE ($1::text IS NULL OR s.name = $1)
ORDER BY s.id;

-- name: create_credential
INSERT INTO credentials (store_id, key, secret_hash, scopes, authority, label, expires_at)
VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
RETURNING id, created;

-- name: credential_by_key
SELECT c.store_id, c.id, c.secret_hash, c.scopes, c.authority::text, c.expires_at, c.revoked_at, s.name
FROM credentials c JOIN stores s ON s.id = c.store_id
WHERE c.key = $1;

-- name: list_credentials
SELECT c.id, c.key, c.scopes, c.authority::text, c.label, c.created, c.expires_at, c.revoked_at
FROM credentials c
WHERE c.store_id = $1
ORDER BY c.id;

-- name: revoke_credential
UPDATE credentials SET revoked_at = now()
WHERE store_id = $1 AND key = $2 AND revoked_at IS NULL
RETURNING id;
