"""Analytics: learning events extracted from statements, courses and their settings, labels, models,
insights, feedback, interventions, rule-based alerts and on-demand jobs. Every table leads with store_id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        -- One row per (statement, course): the compact event the features are computed from. Written by the
        -- worker from the durable statement feed; `event` is the whole analytics.events.Event (msgpack).
        CREATE TABLE analytics_events (
            store_id      bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            course_id     text NOT NULL,
            statement_seq bigint NOT NULL,
            learner       text NOT NULL,
            ts            timestamptz NOT NULL,
            family        text NOT NULL,
            action        text NOT NULL,
            activity      text NOT NULL,
            activity_type text,
            score         double precision,
            success       boolean,
            completion    boolean,
            duration      double precision,
            event         bytea NOT NULL,
            PRIMARY KEY (store_id, course_id, statement_seq, learner)
        );
        CREATE INDEX analytics_events_course_time ON analytics_events (store_id, course_id, ts);
        CREATE INDEX analytics_events_learner ON analytics_events (store_id, learner, course_id, ts);

        -- A course: an activity used as context parent/grouping (or the object of `registered`).
        -- start/end set by an admin win over the inferred ones; `settings` holds the target, risk cut points,
        -- due dates, vocabulary mapping and intervention hold-out share.
        CREATE TABLE analytics_courses (
            store_id        bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            course_id       text NOT NULL,
            name            text,
            start_at        timestamptz,
            end_at          timestamptz,
            inferred_start  timestamptz,
            inferred_end    timestamptz,
            settings        jsonb NOT NULL DEFAULT '{}'::jsonb,
            last_event_at   timestamptz,
            changed_at      timestamptz,
            scored_at       timestamptz,
            PRIMARY KEY (store_id, course_id)
        );

        -- Outcome labels per (course, learner); regenerated idempotently by the labelling step.
        CREATE TABLE analytics_labels (
            store_id   bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            course_id  text NOT NULL,
            learner    text NOT NULL,
            at_risk    boolean NOT NULL,
            reason     text NOT NULL,
            decided_at timestamptz NOT NULL,
            PRIMARY KEY (store_id, course_id, learner)
        );

        -- Trained predictors, one per cut point; only active models that passed the gate predict.
        CREATE TABLE analytics_models (
            store_id        bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            id              bigint GENERATED ALWAYS AS IDENTITY,
            kind            text NOT NULL,
            cut_key         text NOT NULL,
            version         text NOT NULL,
            created         timestamptz NOT NULL DEFAULT now(),
            trained_on      jsonb NOT NULL,
            metrics         jsonb NOT NULL,
            gate            jsonb NOT NULL,
            feature_columns text[] NOT NULL,
            artifact        bytea NOT NULL,
            active          boolean NOT NULL DEFAULT false,
            PRIMARY KEY (store_id, id)
        );
        CREATE INDEX analytics_models_active ON analytics_models (store_id, cut_key) WHERE active;

        -- Every prediction made about a learner in a course, with its reasons and recommendations.
        CREATE TABLE analytics_insights (
            store_id      bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            id            bigint GENERATED ALWAYS AS IDENTITY,
            course_id     text NOT NULL,
            learner       text NOT NULL,
            as_of         timestamptz NOT NULL,
            model_id      bigint,
            cut_key       text,
            risk          double precision NOT NULL,
            level         text NOT NULL,
            engagement    double precision,
            factors       jsonb NOT NULL DEFAULT '[]'::jsonb,
            interventions jsonb NOT NULL DEFAULT '[]'::jsonb,
            statement_id  uuid,
            created       timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (store_id, id)
        );
        CREATE INDEX analytics_insights_learner ON analytics_insights (store_id, course_id, learner, as_of DESC);
        CREATE INDEX analytics_insights_course ON analytics_insights (store_id, course_id, as_of DESC);

        -- Instructors' judgement of an insight (as in Moodle): useful, not useful, incorrectly flagged, fixed.
        CREATE TABLE analytics_feedback (
            store_id   bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            id         bigint GENERATED ALWAYS AS IDENTITY,
            insight_id bigint NOT NULL,
            kind       text NOT NULL CHECK (kind IN ('useful', 'not_useful', 'incorrectly_flagged', 'fixed')),
            note       text NOT NULL DEFAULT '',
            author     text,
            created    timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (store_id, id)
        );
        CREATE INDEX analytics_feedback_insight ON analytics_feedback (store_id, insight_id);

        -- Actions taken (or deliberately withheld for the hold-out group) for a learner.
        CREATE TABLE analytics_interventions (
            store_id     bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            id           bigint GENERATED ALWAYS AS IDENTITY,
            course_id    text NOT NULL,
            learner      text NOT NULL,
            kind         text NOT NULL,
            source       text NOT NULL CHECK (source IN ('automated', 'instructor', 'statement', 'holdout')),
            insight_id   bigint,
            statement_id uuid,
            details      jsonb NOT NULL DEFAULT '{}'::jsonb,
            created      timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (store_id, id)
        );
        CREATE INDEX analytics_interventions_learner ON analytics_interventions (store_id, course_id, learner, created);

        -- Rule-based detectors' findings (no model needed): no recent access, no teaching, due soon.
        CREATE TABLE analytics_alerts (
            store_id     bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            id           bigint GENERATED ALWAYS AS IDENTITY,
            course_id    text NOT NULL,
            learner      text,
            detector     text NOT NULL,
            dedupe_key   text NOT NULL,
            details      jsonb NOT NULL DEFAULT '{}'::jsonb,
            statement_id uuid,
            created      timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (store_id, id)
        );
        CREATE UNIQUE INDEX analytics_alerts_once ON analytics_alerts (store_id, dedupe_key);

        -- On-demand work (training, back-scoring) that an API caller polls.
        CREATE TABLE analytics_jobs (
            store_id  bigint NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
            id        uuid NOT NULL,
            kind      text NOT NULL,
            params    jsonb NOT NULL DEFAULT '{}'::jsonb,
            status    text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
            result    jsonb,
            error     text,
            created   timestamptz NOT NULL DEFAULT now(),
            started   timestamptz,
            finished  timestamptz,
            PRIMARY KEY (store_id, id)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE analytics_jobs;
        DROP TABLE analytics_alerts;
        DROP TABLE analytics_interventions;
        DROP TABLE analytics_feedback;
        DROP TABLE analytics_insights;
        DROP TABLE analytics_models;
        DROP TABLE analytics_labels;
        DROP TABLE analytics_courses;
        DROP TABLE analytics_events;
        """
    )
