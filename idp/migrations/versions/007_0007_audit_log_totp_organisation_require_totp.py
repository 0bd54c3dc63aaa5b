"""audit log, totp, organisation require_totp

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 11:17:30.528347
"""

from alembic import op
import sqlalchemy as sa
import idp.storage.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    op.create_index(op.f('ix_audit_events_at'), 'audit_events', ['at'], unique=False)
    op.create_index(op.f('ix_audit_events_client_id'), 'audit_events', ['client_id'], unique=False)
    op.create_index(op.f('ix_audit_events_type'), 'audit_events', ['type'], unique=False)
    op.create_index(op.f('ix_audit_events_user_id'), 'audit_events', ['user_id'], unique=False)
    op.create_table('totp_credentials',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_sealed', sa.String(length=255), nullable=False),
    sa.Column('last_step', sa.Integer(), nullable=True),
    sa.Column('created_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_totp_credentials_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_totp_credentials'))
    )
    op.create_table('totp_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=255), nullable=False),
    sa.Column('used_at', idp.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_totp_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_totp_recovery_codes'))
    )
    op.create_index(op.f('ix_totp_recovery_codes_user_id'), 'totp_recovery_codes', ['user_id'], unique=False)
    op.add_column('organizations', sa.Column('require_totp', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade() -> None:
    op.drop_column('organizations', 'require_totp')
    op.drop_index(op.f('ix_totp_recovery_codes_user_id'), table_name='totp_recovery_codes')
    op.drop_table('totp_recovery_codes')
    op.drop_table('totp_credentials')
    op.drop_index(op.f('ix_audit_events_user_id'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_type'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_client_id'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_at'), table_name='audit_events')
    op.drop_table('audit_events')
