"""orders.expiry_told_at: the buyer of an expired order is told once

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import storage.types
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expiry_told_at', storage.types.UTCDateTime(), nullable=True))
    # Orders that expired before this revision are not announced now.
    op.execute("UPDATE orders SET expiry_told_at = updated_at WHERE status = 'expired'")


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('expiry_told_at')
