"""Import progress: how far `lrs import` has come in each file, per store, so an interrupted import resumes.

A file is named by the SHA-256 of its bytes; `done_records` is advanced in the same transaction as each batch
of statements, so it never claims more than what is committed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE import_progress (
            store_id     bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            file_sha256  text NOT NULL,
            file_name    text NOT NULL,
            done_records bigint NOT NULL DEFAULT 0,
            last_line    bigint NOT NULL DEFAULT 0,
            inserted     bigint NOT NULL DEFAULT 0,
            rejected     bigint NOT NULL DEFAULT 0,
            started      timestamptz NOT NULL DEFAULT now(),
            updated      timestamptz NOT NULL DEFAULT now(),
            completed    timestamptz,
            PRIMARY KEY (store_id, file_sha256)
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE import_progress;")
