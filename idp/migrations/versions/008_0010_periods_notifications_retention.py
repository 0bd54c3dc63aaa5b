"""payment notifications: source address, received_at index (refusals are pruned)

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30 12:00:00

Orders gain the status ``superseded`` (a plain string column: no schema change).
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('payment_notifications',
                  sa.Column('source_ip', sa.String(length=64), nullable=True))
    op.create_index('ix_payment_notifications_received_at', 'payment_notifications',
                    ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_payment_notifications_received_at', table_name='payment_notifications')
    op.drop_column('payment_notifications', 'source_ip')
