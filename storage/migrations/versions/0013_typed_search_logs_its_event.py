"""saved_searches.logged: a typed search's "search" event is written by the database as
the saved search goes in (a trigger), so saving and logging a search is one statement on
SQLite too (it has no INSERT into two tables; PostgreSQL did it with a CTE before)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The event as services.events.log_event writes it: kind "search", the query's category
# (JSON null or absent: NULL), no deal or merchant, the search's own time.
SQLITE_TRIGGER = """
CREATE TRIGGER saved_searches_log_typed AFTER INSERT ON saved_searches
WHEN NEW.logged
BEGIN
    INSERT INTO events (user_id, kind, category, deal_id, merchant_id, created_at)
    VALUES (NEW.user_id, 'search', json_extract(NEW."query", '$.category'), NULL, NULL,
            NEW.created_at);
END
"""
POSTGRESQL_FUNCTION = """
CREATE FUNCTION saved_searches_log_typed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events (user_id, kind, category, deal_id, merchant_id, created_at)
    VALUES (NEW.user_id, 'search', NEW.query ->> 'category', NULL, NULL, NEW.created_at);
    RETURN NULL;
END
$$
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER saved_searches_log_typed AFTER INSERT ON saved_searches
FOR EACH ROW WHEN (NEW.logged) EXECUTE FUNCTION saved_searches_log_typed()
"""


def upgrade() -> None:
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logged', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER saved_searches_log_typed ON saved_searches')
        op.execute('DROP FUNCTION saved_searches_log_typed()')
    else:
        op.execute('DROP TRIGGER saved_searches_log_typed')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_column('logged')
