"""Initial schema: stores, credentials, statements with their agent/activity relations, attachments,
canonical activities and documents. Every table leads with store_id (the tenant).

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE stores (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name        text NOT NULL UNIQUE,
            created     timestamptz NOT NULL DEFAULT now(),
            settings    jsonb NOT NULL DEFAULT '{}'::jsonb
        );

        CREATE TABLE credentials (
            store_id    bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            id          bigint GENERATED ALWAYS AS IDENTITY,
            key         text NOT NULL,
            secret_hash text NOT NULL,
            scopes      text[] NOT NULL,
            authority   jsonb NOT NULL,
            label       text NOT NULL DEFAULT '',
            created     timestamptz NOT NULL DEFAULT now(),
            expires_at  timestamptz,
            revoked_at  timestamptz,
            PRIMARY KEY (store_id, id)
        );
        -- A Basic credential's key names its store, so keys are unique across stores.
        CREATE UNIQUE INDEX credentials_key ON credentials (key);

        CREATE TABLE statements (
            store_id            bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            seq                 bigint GENERATED ALWAYS AS IDENTITY,
            id                  uuid NOT NULL,
            payload             jsonb NOT NULL,
            verb_id             text NOT NULL,
            actor_ifi           text,
            object_type         text NOT NULL,
            object_activity_id  text,
            object_agent_ifi    text,
            object_statement_id uuid,
            registration        uuid,
            "timestamp"         timestamptz NOT NULL,
            stored              timestamptz NOT NULL,
            authority_ifi       text,
            version             text NOT NULL,
            voided              boolean NOT NULL DEFAULT false,
            is_voiding          boolean NOT NULL DEFAULT false,
            -- The inserting transaction: rows below pg_snapshot_xmin() are all committed, so a worker
            -- that reads by (tx, seq) never skips a row whose transaction commits late.
            tx                  bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
            PRIMARY KEY (store_id, id)
        );
        CREATE INDEX statements_store_tx ON statements (store_id, tx, seq);
        CREATE UNIQUE INDEX statements_store_seq ON statements (store_id, seq);
        CREATE INDEX statements_store_stored ON statements (store_id, stored, seq);
        CREATE INDEX statements_store_verb ON statements (store_id, verb_id, seq);
        CREATE INDEX statements_store_registration ON statements (store_id, registration, seq)
            WHERE registration IS NOT NULL;
        CREATE INDEX statements_store_target ON statements (store_id, object_statement_id)
            WHERE object_statement_id IS NOT NULL;
        CREATE INDEX statements_store_authority ON statements (store_id, authority_ifi, seq);

        -- One row per agent / identified group a statement mentions, with where it appears (usage).
        CREATE TABLE statement_agents (
            store_id      bigint NOT NULL,
            agent_ifi     text NOT NULL,
            statement_seq bigint NOT NULL,
            usage         text NOT NULL,
            PRIMARY KEY (store_id, agent_ifi, statement_seq, usage)
        );
        CREATE INDEX statement_agents_statement ON statement_agents (store_id, statement_seq);

        -- One row per activity a statement mentions, with where it appears (usage).
        CREATE TABLE statement_activities (
            store_id      bigint NOT NULL,
            activity_id   text NOT NULL,
            statement_seq bigint NOT NULL,
            usage         text NOT NULL,
            PRIMARY KEY (store_id, activity_id, statement_seq, usage)
        );
        CREATE INDEX statement_activities_statement ON statement_activities (store_id, statement_seq);

        CREATE TABLE attachments (
            store_id     bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            sha2         text NOT NULL,
            content_type text NOT NULL,
            content      bytea NOT NULL,
            PRIMARY KEY (store_id, sha2)
        );

        -- The canonical Activity: its definition merged from the statements that define it.
        CREATE TABLE activities (
            store_id    bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            activity_id text NOT NULL,
            definition  jsonb NOT NULL,
            updated     timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (store_id, activity_id)
        );

        -- State, Activity Profile and Agent Profile documents; '' where a key part does not apply.
        CREATE TABLE documents (
            store_id     bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            kind         text NOT NULL CHECK (kind IN ('state', 'activity_profile', 'agent_profile')),
            activity_id  text NOT NULL DEFAULT '',
            agent_ifi    text NOT NULL DEFAULT '',
            registration text NOT NULL DEFAULT '',
            document_id  text NOT NULL,
            content      bytea NOT NULL,
            content_type text NOT NULL,
            etag         text NOT NULL,
            updated      timestamptz NOT NULL,
            PRIMARY KEY (store_id, kind, activity_id, agent_ifi, registration, document_id)
        );
        -- Durable positions of background readers (analytics ingestion) in each store's statements.
        CREATE TABLE worker_cursors (
            store_id  bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            name      text NOT NULL,
            tx        bigint NOT NULL DEFAULT 0,
            seq       bigint NOT NULL DEFAULT 0,
            updated   timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (store_id, name)
        );

        CREATE INDEX documents_updated ON documents (store_id, kind, activity_id, agent_ifi, registration, updated);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE worker_cursors;
        DROP TABLE documents;
        DROP TABLE activities;
        DROP TABLE attachments;
        DROP TABLE statement_activities;
        DROP TABLE statement_agents;
        DROP TABLE statements;
        DROP TABLE credentials;
        DROP TABLE stores;
        """
    )
