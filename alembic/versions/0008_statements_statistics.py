"""Statements: store_id statistics back, and analysed more often.

0005 stopped collecting statistics on store_id so that the write path's id lookups would not trust statistics
that have not seen a new store. Reads paid for it: every store then looked like 0.5% of the table, and a common
verb's newest page was planned as "fetch all of them, then sort" (seconds on a million statements instead of
milliseconds). The statistics are restored, and the statements tables are analysed after 2% of their rows
changed rather than 10%, so that a new store's statistics arrive sooner (until they do, its plans may take it
for a one-row store).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("statements", "statement_agents", "statement_activities")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN store_id SET STATISTICS -1")
        op.execute(f"ALTER TABLE {table} SET (autovacuum_analyze_scale_factor = 0.02)")
        op.execute(f"ANALYZE {table} (store_id)")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (autovacuum_analyze_scale_factor)")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN store_id SET STATISTICS 0")
