"""invitations: people invited to an organisation by email

Revision ID: 0013
Revises: 0015
Create Date: 2026-12-01 02:30:00.000000
"""

from alembic import op
import sqlalchemy as sa
import idp.storage.types


revision = '0013'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('email_key', sa.String(length=320), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('invited_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('send_count', sa.Integer(), nullable=False),
    sa.Column('accepted_at', idp.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_user_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', idp.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['accepted_user_id'], ['users.id'], name=op.f('fk_invitations_accepted_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_user_id'], ['users.id'], name=op.f('fk_invitations_invited_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_invitations_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_invitations_token_digest'))
    )
    op.create_index(op.f('ix_invitations_organization_id'), 'invitations', ['organization_id'], unique=False)
    op.create_index('uq_invitations_open_email', 'invitations', ['organization_id', 'email_key'], unique=True,
                    postgresql_where=sa.text('accepted_at IS NULL AND revoked_at IS NULL'),
                    sqlite_where=sa.text('accepted_at IS NULL AND revoked_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_invitations_open_email', table_name='invitations')
    op.drop_index(op.f('ix_invitations_organization_id'), table_name='invitations')
    op.drop_table('invitations')
