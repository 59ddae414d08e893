"""the ledger: accounts, entries and lines; money rules; payouts; commission rates on
merchants and deals

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
import storage.types
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'money_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fee_bp', sa.Integer(), nullable=False),
        sa.Column('commission_cap_bp', sa.Integer(), nullable=False),
        sa.Column('referral_levels', sa.Integer(), nullable=False),
        sa.Column('release_after_days', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO money_rules (id, fee_bp, commission_cap_bp, referral_levels, "
               "release_after_days) VALUES (1, 500, 3000, 3, 7)")
    op.create_table(
        'ledger_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'ref', 'currency', name='uq_ledger_account'),
    )
    op.create_table(
        'payouts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payee', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('payee_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column('requested_by', sa.Integer(), nullable=False),
        sa.Column('requested_at', storage.types.UTCDateTime(), nullable=False),
        sa.Column('paid_by', sa.Integer(), nullable=True),
        sa.Column('paid_at', storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['paid_by'], ['users.id']),
        sa.ForeignKeyConstraint(['requested_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index('ix_payouts_payee_id', ['payee_id'], unique=False)
        batch_op.create_index('ix_payouts_status', ['status'], unique=False)
    op.create_table(
        'ledger_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('code_id', sa.Integer(), nullable=True),
        sa.Column('refund_id', sa.Integer(), nullable=True),
        sa.Column('payout_id', sa.Integer(), nullable=True),
        sa.Column('reverses_id', sa.Integer(), nullable=True),
        sa.Column('posted_at', storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['code_id'], ['redemption_codes.id']),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id']),
        sa.ForeignKeyConstraint(['payout_id'], ['payouts.id']),
        sa.ForeignKeyConstraint(['refund_id'], ['refunds.id']),
        sa.ForeignKeyConstraint(['reverses_id'], ['ledger_entries.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_key', ['key'], unique=True)
        batch_op.create_index('ix_ledger_entries_kind', ['kind'], unique=False)
        batch_op.create_index('ix_ledger_entries_order_id', ['order_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_code_id', ['code_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_reverses_id', ['reverses_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_posted_at', ['posted_at'], unique=False)
    op.create_table(
        'ledger_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id']),
        sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_lines_entry_id', ['entry_id'], unique=False)
        batch_op.create_index('ix_ledger_lines_order_id', ['order_id'], unique=False)
        batch_op.create_index('ix_ledger_lines_account_entry', ['account_id', 'entry_id'],
                              unique=False)
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_bp', sa.Integer(), nullable=True))
        for level in (1, 2, 3):
            batch_op.add_column(sa.Column(f'commission_l{level}_bp', sa.Integer(),
                                          nullable=False, server_default='0'))
    with op.batch_alter_table('deals', schema=None) as batch_op:
        for level in (1, 2, 3):
            batch_op.add_column(sa.Column(f'commission_l{level}_bp', sa.Integer(),
                                          nullable=True))


def _drop_columns(table: str, names: Sequence[str]) -> None:
    """Drop plain columns in place. SQLite (3.35+) can, and must here: the batch mode's
    copy-and-drop of a table others refer to fails with foreign keys on and rows in."""
    for name in names:
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} DROP COLUMN {name}')
        else:
            op.drop_column(table, name)


def downgrade() -> None:
    levels = [f'commission_l{level}_bp' for level in (3, 2, 1)]
    _drop_columns('deals', levels)
    _drop_columns('merchants', [*levels, 'fee_bp'])
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_lines_account_entry')
        batch_op.drop_index('ix_ledger_lines_order_id')
        batch_op.drop_index('ix_ledger_lines_entry_id')
    op.drop_table('ledger_lines')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        for name in ('posted_at', 'reverses_id', 'code_id', 'order_id', 'kind', 'key'):
            batch_op.drop_index(f'ix_ledger_entries_{name}')
    op.drop_table('ledger_entries')
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index('ix_payouts_status')
        batch_op.drop_index('ix_payouts_payee_id')
    op.drop_table('payouts')
    op.drop_table('ledger_accounts')
    op.drop_table('money_rules')
