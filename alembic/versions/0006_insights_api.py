"""Insights API: each learner's current insight kept by triggers, cached course summaries.

- `analytics_insights_current`: per (course, learner) the insight with the latest `as_of` (ties: the newest id),
  maintained by statement-level triggers on `analytics_insights`, whoever writes it. The at-risk list and the
  risk counts read ~one row per learner here instead of every learner's history.
- `analytics_course_summaries`: the event-based part of a course overview (weekly series, completion, scores,
  drop-off), computed by the API from `analytics_events` and recomputed when the course's events change.
- an intervention recorded from an xAPI statement is unique per statement.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE analytics_insights_current (
            store_id    bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            course_id   text NOT NULL,
            learner     text NOT NULL,
            insight_id  bigint NOT NULL,
            as_of       timestamptz NOT NULL,
            risk        double precision NOT NULL,
            level       text NOT NULL,
            engagement  double precision,
            PRIMARY KEY (store_id, course_id, learner)
        );
        CREATE INDEX analytics_insights_current_risk
            ON analytics_insights_current (store_id, course_id, risk DESC, learner);

        -- Recompute the current insight of every (store, course, learner) a statement touched.
        CREATE FUNCTION analytics_insights_current_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            WITH touched AS (
                SELECT DISTINCT store_id, course_id, learner FROM changed_rows
            ), latest AS (
                SELECT t.store_id, t.course_id, t.learner, i.id, i.as_of, i.risk, i.level, i.engagement
                FROM touched AS t
                LEFT JOIN LATERAL (
                    SELECT id, as_of, risk, level, engagement
                    FROM analytics_insights AS x
                    WHERE x.store_id = t.store_id AND x.course_id = t.course_id AND x.learner = t.learner
                    ORDER BY x.as_of DESC, x.id DESC
                    LIMIT 1
                ) AS i ON true
            ), gone AS (
                DELETE FROM analytics_insights_current AS c
                USING latest AS l
                WHERE l.id IS NULL
                  AND c.store_id = l.store_id AND c.course_id = l.course_id AND c.learner = l.learner
            )
            INSERT INTO analytics_insights_current AS c
                (store_id, course_id, learner, insight_id, as_of, risk, level, engagement)
            SELECT store_id, course_id, learner, id, as_of, risk, level, engagement
            FROM latest
            WHERE id IS NOT NULL
            ON CONFLICT (store_id, course_id, learner) DO UPDATE
            SET insight_id = excluded.insight_id, as_of = excluded.as_of, risk = excluded.risk,
                level = excluded.level, engagement = excluded.engagement
            WHERE (c.insight_id, c.as_of, c.risk, c.level, c.engagement)
                  IS DISTINCT FROM
                  (excluded.insight_id, excluded.as_of, excluded.risk, excluded.level, excluded.engagement)
              -- Two transactions inserting for one learner: the later commit must not undo a newer insight.
              AND (TG_OP <> 'INSERT' OR (excluded.as_of, excluded.insight_id) >= (c.as_of, c.insight_id));
            RETURN NULL;
        END
        $$;

        CREATE TRIGGER analytics_insights_current_insert AFTER INSERT ON analytics_insights
            REFERENCING NEW TABLE AS changed_rows
            FOR EACH STATEMENT EXECUTE FUNCTION analytics_insights_current_refresh();
        CREATE TRIGGER analytics_insights_current_update AFTER UPDATE ON analytics_insights
            REFERENCING NEW TABLE AS changed_rows
            FOR EACH STATEMENT EXECUTE FUNCTION analytics_insights_current_refresh();
        CREATE TRIGGER analytics_insights_current_delete AFTER DELETE ON analytics_insights
            REFERENCING OLD TABLE AS changed_rows
            FOR EACH STATEMENT EXECUTE FUNCTION analytics_insights_current_refresh();

        INSERT INTO analytics_insights_current
            (store_id, course_id, learner, insight_id, as_of, risk, level, engagement)
        SELECT DISTINCT ON (store_id, course_id, learner)
               store_id, course_id, learner, id, as_of, risk, level, engagement
        FROM analytics_insights
        ORDER BY store_id, course_id, learner, as_of DESC, id DESC;

        CREATE TABLE analytics_course_summaries (
            store_id     bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            course_id    text NOT NULL,
            fingerprint  text NOT NULL,
            computed_at  timestamptz NOT NULL,
            body         jsonb NOT NULL,
            PRIMARY KEY (store_id, course_id)
        );

        -- An intervention recorded by an xAPI statement is recorded once, whoever (API or engine) sees it first.
        CREATE UNIQUE INDEX analytics_interventions_statement ON analytics_interventions (store_id, statement_id)
            WHERE source = 'statement';
        -- Listing a course's interventions newest first; a model's insights (for its feedback).
        CREATE INDEX analytics_interventions_course ON analytics_interventions (store_id, course_id, id DESC);
        CREATE INDEX analytics_insights_model ON analytics_insights (store_id, model_id);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX analytics_insights_model;
        DROP INDEX analytics_interventions_course;
        DROP INDEX analytics_interventions_statement;
        DROP TABLE analytics_course_summaries;
        DROP TRIGGER analytics_insights_current_delete ON analytics_insights;
        DROP TRIGGER analytics_insights_current_update ON analytics_insights;
        DROP TRIGGER analytics_insights_current_insert ON analytics_insights;
        DROP FUNCTION analytics_insights_current_refresh();
        DROP TABLE analytics_insights_current;
        """
    )
