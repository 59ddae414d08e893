"""table bookings: seating, table types, 15-minute capacity units, bookings; a store's
timezone; a refund may return a booking's deposit (order_id becomes optional)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import storage.types
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('ALTER TABLE stores ADD COLUMN timezone VARCHAR(64)')
    else:
        op.add_column('stores', sa.Column('timezone', _S(length=64), nullable=True))
    op.create_table(
        'seatings',
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('slot_minutes', sa.Integer(), nullable=False),
        sa.Column('stay_minutes', sa.Integer(), nullable=False),
        sa.Column('horizon_days', sa.Integer(), nullable=False),
        sa.Column('last_seating_minutes', sa.Integer(), nullable=False),
        sa.Column('closed_days', _S(length=7), nullable=False),
        sa.Column('deposit', sa.Integer(), nullable=False),
        sa.Column('currency', _S(length=3), nullable=False),
        sa.Column('cancel_hours', sa.Integer(), nullable=False),
        sa.Column('updated_at', storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id']),
        sa.PrimaryKeyConstraint('store_id'),
    )
    op.create_table(
        'table_types',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('seats', sa.Integer(), nullable=False),
        sa.Column('tables', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('store_id', 'seats'),
    )
    op.create_index('ix_table_types_store_id', 'table_types', ['store_id'])
    op.create_table(
        'table_units',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('table_type_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('taken', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['table_type_id'], ['table_types.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('table_type_id', 'starts_at'),
    )
    op.create_table(
        'bookings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', _S(length=12), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('table_type_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('name', _S(length=60), nullable=True),
        sa.Column('party', sa.Integer(), nullable=False),
        sa.Column('starts_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('ends_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('status', _S(length=16), nullable=False),
        sa.Column('walk_in', sa.Boolean(), nullable=False),
        sa.Column('deposit', sa.Integer(), nullable=False),
        sa.Column('currency', _S(length=3), nullable=False),
        sa.Column('provider', _S(length=32), nullable=True),
        sa.Column('provider_ref', _S(length=200), nullable=True),
        sa.Column('charge_id', _S(length=200), nullable=True),
        sa.Column('deposit_paid_at', storage.types.UTCDateTime(), nullable=True),
        sa.Column('hold_until', storage.types.UTCDateTime(), nullable=True),
        sa.Column('late_minutes', sa.Integer(), nullable=False),
        sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('closed_at', storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id']),
        sa.ForeignKeyConstraint(['table_type_id'], ['table_types.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
        sa.UniqueConstraint('provider_ref'),
        sa.UniqueConstraint('charge_id'),
    )
    op.create_index('ix_bookings_store_starts', 'bookings', ['store_id', 'starts_at'])
    op.create_index('ix_bookings_user_starts', 'bookings', ['user_id', 'starts_at'])
    op.create_index('ix_bookings_status_hold', 'bookings', ['status', 'hold_until'])
    # A refund may give back a booking's deposit instead of an order's money.
    if sqlite:
        # `refunds` is referred to by ledger entries: its copy is checked at commit.
        op.execute('PRAGMA defer_foreign_keys = ON')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('booking_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_refunds_booking_id', 'bookings', ['booking_id'], ['id'])
        batch_op.create_index('ix_refunds_booking_id', ['booking_id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('PRAGMA defer_foreign_keys = ON')
    op.execute('DELETE FROM refunds WHERE booking_id IS NOT NULL')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index('ix_refunds_booking_id')
        batch_op.drop_constraint('fk_refunds_booking_id', type_='foreignkey')
        batch_op.drop_column('booking_id')
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
    op.drop_index('ix_bookings_status_hold', table_name='bookings')
    op.drop_index('ix_bookings_user_starts', table_name='bookings')
    op.drop_index('ix_bookings_store_starts', table_name='bookings')
    op.drop_table('bookings')
    op.drop_table('table_units')
    op.drop_index('ix_table_types_store_id', table_name='table_types')
    op.drop_table('table_types')
    op.drop_table('seatings')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE stores DROP COLUMN timezone')
    else:
        op.drop_column('stores', 'timezone')
