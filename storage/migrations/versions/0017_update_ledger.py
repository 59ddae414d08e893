"""update_ledger: the Telegram updates webhook workers took, each handled once

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'update_ledger',
        sa.Column('bot_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('until_ms', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('bot_id', 'update_id'),
    )
    op.create_index(op.f('ix_update_ledger_until_ms'), 'update_ledger', ['until_ms'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_update_ledger_until_ms'), table_name='update_ledger')
    op.drop_table('update_ledger')
