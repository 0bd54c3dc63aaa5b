"""checkout and plan changes: Snap token on orders, one awaiting order per organisation,
cancel at period end

Revision ID: 0012
Revises: 0013
Create Date: 2026-12-01 02:30:00.000000
"""

from alembic import op
import sqlalchemy as sa
import idp.storage.types
from idp.storage import triggers


revision = '0012'
down_revision = '0013'
branch_labels = None
depends_on = None

_AWAITING = sa.text("status = 'awaiting_payment'")


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): no table rebuild, the triggers stay as they are.
    op.add_column('orders', sa.Column('snap_token', sa.String(length=255), nullable=True))
    op.add_column('orders', sa.Column('snap_redirect_url', sa.String(length=1024), nullable=True))
    op.add_column('orders', sa.Column('snap_expires_at', idp.storage.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column('subscriptions', sa.Column('cancel_at_period_end', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    # One awaiting order per organisation (was: per organisation and plan): the newest
    # awaiting order of each organisation stays, older ones are superseded.
    op.execute("UPDATE orders SET status = 'superseded' WHERE status = 'awaiting_payment' "
               "AND id NOT IN (SELECT MAX(id) FROM orders WHERE status = 'awaiting_payment' "
               "GROUP BY organization_id)")
    op.drop_index('uq_orders_one_awaiting', table_name='orders', postgresql_where=_AWAITING,
                  sqlite_where=_AWAITING)
    op.create_index('uq_orders_one_awaiting', 'orders', ['organization_id'], unique=True,
                    postgresql_where=_AWAITING, sqlite_where=_AWAITING)


def downgrade() -> None:
    op.drop_index('uq_orders_one_awaiting', table_name='orders', postgresql_where=_AWAITING,
                  sqlite_where=_AWAITING)
    op.create_index('uq_orders_one_awaiting', 'orders', ['organization_id', 'plan_id'], unique=True,
                    postgresql_where=_AWAITING, sqlite_where=_AWAITING)
    triggers.uninstall(op.get_bind())
    with op.batch_alter_table('subscriptions') as batch_op:
        batch_op.drop_column('cancel_at_period_end')
    with op.batch_alter_table('orders') as batch_op:
        batch_op.drop_column('snap_expires_at')
        batch_op.drop_column('snap_redirect_url')
        batch_op.drop_column('snap_token')
    triggers.install(op.get_bind())
