"""a paid order extends a subscription at most once

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-26 11:25:00
"""

from alembic import op

revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL order ids (operator grants) are distinct under a unique index, in Postgres and SQLite.
    op.create_index('uq_subscription_periods_order_id', 'subscription_periods', ['order_id'],
                    unique=True)


def downgrade() -> None:
    op.drop_index('uq_subscription_periods_order_id', table_name='subscription_periods')
