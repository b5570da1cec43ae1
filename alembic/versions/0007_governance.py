"""Learner data rights and governance: the audit log, analytics opt-outs, the per-store pseudonym key, and the
lookups that erasure, retention and statement deletion make.

- `audit_log`: who did what administrative action, when; `target` and `details` never hold personal data
  (counts, statement ids, a keyed hash of a learner's identifier).
- `analytics_opt_outs`: learners (IFI keys) the analytics must not train on, score or write insights about;
  `analytics_excluded(store_id, learner)` also honours the store-wide flag `stores.settings.analytics_opt_out`.
- `pseudonym_keys`: the secret that turns a learner's IFI key into a stable pseudonym (HMAC-SHA256).
- `statement_attachment_sha2(payload)` with a partial GIN index: which statements still reference an attachment,
  so deleting statements can delete the attachments nothing else references without scanning every payload.
- `analytics_events (store_id, statement_seq)`: the events derived from a deleted statement.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE audit_log (
            store_id  bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            id        bigint GENERATED ALWAYS AS IDENTITY,
            at        timestamptz NOT NULL DEFAULT now(),
            actor     text NOT NULL,
            action    text NOT NULL,
            target    jsonb NOT NULL DEFAULT '{}'::jsonb,
            details   jsonb NOT NULL DEFAULT '{}'::jsonb,
            PRIMARY KEY (store_id, id)
        );
        CREATE INDEX audit_log_at ON audit_log (store_id, at);

        CREATE TABLE analytics_opt_outs (
            store_id  bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            learner   text NOT NULL,
            created   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (store_id, learner)
        );

        CREATE TABLE pseudonym_keys (
            store_id  bigint PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
            key       bytea NOT NULL,
            created   timestamptz NOT NULL DEFAULT now()
        );

        -- True when the analytics must leave this learner out: the whole store opted out, or the learner did.
        CREATE FUNCTION analytics_excluded(p_store_id bigint, p_learner text) RETURNS boolean
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
            SELECT coalesce(
                       (SELECT s.settings -> 'analytics_opt_out' = 'true'::jsonb FROM stores s WHERE s.id = p_store_id),
                       false)
                OR EXISTS (SELECT 1 FROM analytics_opt_outs o WHERE o.store_id = p_store_id AND o.learner = p_learner)
        $$;

        -- Lower-case SHA-2 of every attachment of a stored statement and of its SubStatement.
        CREATE FUNCTION statement_attachment_sha2(payload jsonb) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT coalesce(array_agg(DISTINCT lower(a ->> 'sha2')), '{}'::text[])
            FROM jsonb_array_elements(
                CASE WHEN jsonb_typeof(payload -> 'attachments') = 'array'
                     THEN payload -> 'attachments' ELSE '[]'::jsonb END
                || CASE WHEN jsonb_typeof(payload -> 'object' -> 'attachments') = 'array'
                        THEN payload -> 'object' -> 'attachments' ELSE '[]'::jsonb END
            ) AS a
            WHERE jsonb_typeof(a -> 'sha2') = 'string'
        $$;
        CREATE INDEX statements_attachment_sha2 ON statements USING gin (statement_attachment_sha2(payload))
            WHERE payload ? 'attachments' OR payload -> 'object' ? 'attachments';

        CREATE INDEX IF NOT EXISTS analytics_events_statement ON analytics_events (store_id, statement_seq);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX IF EXISTS analytics_events_statement;
        DROP INDEX statements_attachment_sha2;
        DROP FUNCTION statement_attachment_sha2(jsonb);
        DROP FUNCTION analytics_excluded(bigint, text);
        DROP TABLE pseudonym_keys;
        DROP TABLE analytics_opt_outs;
        DROP TABLE audit_log;
        """
    )
