"""outages fail closed: entitlement version, lost-access outbox, durable revocations,
refresh successor kept with its rotation

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import idp.storage.types
from idp.storage import triggers


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.add_column(sa.Column('entitlement_version', sa.Integer(), server_default=sa.text('0'), nullable=False))
    with op.batch_alter_table('refresh_tokens') as batch_op:
        batch_op.add_column(sa.Column('successor_response', sa.Text(), nullable=True))
    op.create_index('ix_refresh_tokens_sealed', 'refresh_tokens', ['rotated_at'], unique=False,
                    postgresql_where=sa.text('successor_response IS NOT NULL'),
                    sqlite_where=sa.text('successor_response IS NOT NULL'))
    op.create_table('revoked_tokens',
    sa.Column('jti', sa.String(length=64), nullable=False),
    sa.Column('expires_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_revoked_tokens'))
    )
    op.create_index(op.f('ix_revoked_tokens_expires_at'), 'revoked_tokens', ['expires_at'], unique=False)
    op.create_table('entitlement_announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('lost_products', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', idp.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entitlement_announcements'))
    )
    op.create_index('ix_entitlement_announcements_due', 'entitlement_announcements', ['done_at', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_entitlement_announcements_organization_id'), 'entitlement_announcements', ['organization_id'], unique=False)
    triggers.install(op.get_bind())


def downgrade() -> None:
    triggers.uninstall(op.get_bind())
    op.drop_index(op.f('ix_entitlement_announcements_organization_id'), table_name='entitlement_announcements')
    op.drop_index('ix_entitlement_announcements_due', table_name='entitlement_announcements')
    op.drop_table('entitlement_announcements')
    op.drop_index(op.f('ix_revoked_tokens_expires_at'), table_name='revoked_tokens')
    op.drop_table('revoked_tokens')
    op.drop_index('ix_refresh_tokens_sealed', table_name='refresh_tokens')
    with op.batch_alter_table('refresh_tokens') as batch_op:
        batch_op.drop_column('successor_response')
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.drop_column('entitlement_version')
