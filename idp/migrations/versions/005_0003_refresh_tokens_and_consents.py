"""refresh tokens and consents

Revision ID: 0003
Revises: 0008
Create Date: 2026-11-26 11:17:45.772615
"""

from alembic import op
import sqlalchemy as sa
import idp.storage.types


revision = '0003'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('created_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents')),
    sa.UniqueConstraint('user_id', 'client_id', name=op.f('uq_consents_user_id'))
    )
    op.create_table('refresh_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('family_id', sa.String(length=64), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=True),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('kid', sa.String(length=128), nullable=True),
    sa.Column('auth_time', sa.Integer(), nullable=True),
    sa.Column('amr', sa.JSON(), nullable=False),
    sa.Column('acr', sa.String(length=32), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('created_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rotated_at', idp.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', idp.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_refresh_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash'))
    )
    op.create_index(op.f('ix_refresh_tokens_family_id'), 'refresh_tokens', ['family_id'], unique=False)
    op.create_index(op.f('ix_refresh_tokens_kid'), 'refresh_tokens', ['kid'], unique=False)
    op.create_index(op.f('ix_refresh_tokens_sid'), 'refresh_tokens', ['sid'], unique=False)
    op.create_index('ix_refresh_tokens_user_client', 'refresh_tokens', ['user_id', 'client_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_refresh_tokens_user_client', table_name='refresh_tokens')
    op.drop_index(op.f('ix_refresh_tokens_sid'), table_name='refresh_tokens')
    op.drop_index(op.f('ix_refresh_tokens_kid'), table_name='refresh_tokens')
    op.drop_index(op.f('ix_refresh_tokens_family_id'), table_name='refresh_tokens')
    op.drop_table('refresh_tokens')
    op.drop_table('consents')
