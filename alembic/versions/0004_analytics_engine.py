"""Analytics engine bookkeeping: which changes a course's last scoring covered, one insight per learner and
moment (so a re-run job writes nothing twice), and lookups the workers make on every run.

`scored_through` holds the `changed_at` value the last scoring of a course had seen when it began; the
course needs scoring again while `changed_at > scored_through`. A timestamp taken when scoring ends could
hide a batch whose transaction started earlier but committed during the scoring.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE analytics_courses ADD COLUMN scored_through timestamptz;
        CREATE UNIQUE INDEX analytics_insights_once ON analytics_insights (store_id, course_id, learner, as_of);
        CREATE INDEX analytics_models_version ON analytics_models (store_id, cut_key, version);
        CREATE INDEX analytics_jobs_kind ON analytics_jobs (store_id, kind, created);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX analytics_jobs_kind;
        DROP INDEX analytics_models_version;
        DROP INDEX analytics_insights_once;
        ALTER TABLE analytics_courses DROP COLUMN scored_through;
        """
    )
