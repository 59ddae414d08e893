"""checkout and redemption

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import storage.types
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('redemption_locks',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('locked_until', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('merchant_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], ),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('merchant_id', 'user_id', name='uq_staff_merchant_user')
    )
    with op.batch_alter_table('merchant_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merchant_staff_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merchant_staff_user_id'), ['user_id'], unique=False)

    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('charge_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('codes', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('done_at', storage.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_charge_id'), ['charge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_status'), ['status'], unique=False)

    op.create_table('redemption_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('entered', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['redemption_codes.id'], ),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('redemption_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_redemption_attempts_user_time', ['user_id', 'created_at'], unique=False)

    op.create_table('redemption_requests',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.ForeignKeyConstraint(['code_id'], ['redemption_codes.id'], ),
    sa.ForeignKeyConstraint(['staff_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('redemption_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemption_requests_code_id'), ['code_id'], unique=False)

    op.create_table('visit_ratings',
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['redemption_codes.id'], ),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('code_id')
    )
    with op.batch_alter_table('visit_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_ratings_merchant_id'), ['merchant_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('charge_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('refunded', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_orders_expires_at'), ['expires_at'], unique=False)
        batch_op.create_unique_constraint('uq_orders_charge_id', ['charge_id'])

    with op.batch_alter_table('redemption_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', storage.types.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_redemption_codes_status_until', ['status', 'valid_until'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('redemption_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_redemption_codes_status_until')
        batch_op.drop_column('voided_at')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint('uq_orders_charge_id', type_='unique')
        batch_op.drop_index(batch_op.f('ix_orders_expires_at'))
        batch_op.drop_column('refunded')
        batch_op.drop_column('charge_id')

    with op.batch_alter_table('visit_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_ratings_merchant_id'))

    op.drop_table('visit_ratings')
    with op.batch_alter_table('redemption_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemption_requests_code_id'))

    op.drop_table('redemption_requests')
    with op.batch_alter_table('redemption_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_redemption_attempts_user_time')

    op.drop_table('redemption_attempts')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_status'))
        batch_op.drop_index(batch_op.f('ix_refunds_order_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_charge_id'))

    op.drop_table('refunds')
    with op.batch_alter_table('merchant_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merchant_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_merchant_staff_merchant_id'))

    op.drop_table('merchant_staff')
    op.drop_table('redemption_locks')
