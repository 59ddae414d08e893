"""the rating prompt is sent once per code

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import storage.types
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('redemption_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_asked_at', storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('redemption_codes', schema=None) as batch_op:
        batch_op.drop_column('rating_asked_at')
