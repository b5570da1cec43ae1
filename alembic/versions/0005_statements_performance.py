"""Statements: plans that do not depend on per-store statistics, and no per-row foreign key check.

- `store_id` of statements, statement_agents and statement_activities gets no column statistics. A store created
  after the last ANALYZE is missing from them, so the planner believed it had one row and answered an id lookup
  by scanning the whole store through any index that starts with store_id (seen: every batch's existing-id
  check read the store end to end). Without statistics every store looks alike and the other conditions choose
  the index. Statistics collected earlier are cleared where the server can (PostgreSQL 18).
- statements.store_id no longer references stores: the check ran once per inserted row and made every
  concurrent writer lock the same stores row. A write now locks its store row once per batch
  (lrs/store/sql/statements.sql, begin_batch), and deleting a store still deletes its statements and their
  agent and activity rows, through a trigger.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("statements", "statement_agents", "statement_activities")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN store_id SET STATISTICS 0")
    op.execute(
        """
        DO $$
        BEGIN
            IF to_regprocedure('pg_clear_attribute_stats(text,text,text,boolean)') IS NOT NULL THEN
                PERFORM pg_clear_attribute_stats(current_schema(), t, 'store_id', false)
                FROM unnest(ARRAY['statements', 'statement_agents', 'statement_activities']) AS t;
            END IF;
        END
        $$;
        """
    )
    op.execute(
        """
        ALTER TABLE statements DROP CONSTRAINT statements_store_id_fkey;

        CREATE FUNCTION delete_store_statements() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM statement_agents WHERE store_id IN (SELECT id FROM gone);
            DELETE FROM statement_activities WHERE store_id IN (SELECT id FROM gone);
            DELETE FROM statements WHERE store_id IN (SELECT id FROM gone);
            RETURN NULL;
        END
        $$;

        CREATE TRIGGER stores_delete_statements AFTER DELETE ON stores
            REFERENCING OLD TABLE AS gone
            FOR EACH STATEMENT EXECUTE FUNCTION delete_store_statements();
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER stores_delete_statements ON stores;
        DROP FUNCTION delete_store_statements();
        DELETE FROM statements s WHERE NOT EXISTS (SELECT 1 FROM stores WHERE id = s.store_id);
        ALTER TABLE statements
            ADD CONSTRAINT statements_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores (id) ON DELETE CASCADE;
        """
    )
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN store_id SET STATISTICS -1")
