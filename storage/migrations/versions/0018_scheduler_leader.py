"""scheduler_leader: one row, the scheduler role's fencing epoch

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import storage.types
from alembic import op


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        'scheduler_leader',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('epoch', sa.BigInteger(), nullable=False),
        sa.Column('holder', sa.String(length=200), nullable=False),
        sa.Column('since', storage.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    # The one row each new leader bumps (bot.scale.leader).
    op.bulk_insert(table, [{'id': 1, 'epoch': 0, 'holder': ''}])


def downgrade() -> None:
    op.drop_table('scheduler_leader')
