"""update_ledger.replies: a handled update's replies, kept until they went out

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('update_ledger') as batch:
        batch.add_column(sa.Column('replies', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('update_ledger') as batch:
        batch.drop_column('replies')
