"""group-buy (拼团): group deals, their groups, an order's seat in one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import storage.types
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'buy_groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deal_id', sa.Integer(), nullable=False),
        sa.Column('opener_id', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('held', sa.Integer(), nullable=False),
        sa.Column('joined', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('closes_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('created_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('closed_at', storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['deal_id'], ['deals.id']),
        sa.ForeignKeyConstraint(['opener_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_buy_groups_status_closes', 'buy_groups', ['status', 'closes_at'])
    op.create_index('ix_buy_groups_deal_status', 'buy_groups', ['deal_id', 'status'])
    with op.batch_alter_table('deals', schema=None) as batch_op:
        for name in ('group_size', 'group_price', 'group_hours'):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    # In place on SQLite too (ADD COLUMN ... REFERENCES): a batch copy of `orders`, which
    # other tables refer to, fails with foreign keys on and rows in.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE orders ADD COLUMN group_id INTEGER REFERENCES buy_groups (id)')
    else:
        op.add_column('orders', sa.Column('group_id', sa.Integer(),
                                          sa.ForeignKey('buy_groups.id'), nullable=True))
    op.create_index('ix_orders_group_id', 'orders', ['group_id'])


def downgrade() -> None:
    op.drop_index('ix_orders_group_id', table_name='orders')
    for table, name in (('orders', 'group_id'), ('deals', 'group_size'),
                        ('deals', 'group_price'), ('deals', 'group_hours')):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} DROP COLUMN {name}')
        else:
            op.drop_column(table, name)
    op.drop_index('ix_buy_groups_deal_status', table_name='buy_groups')
    op.drop_index('ix_buy_groups_status_closes', table_name='buy_groups')
    op.drop_table('buy_groups')
