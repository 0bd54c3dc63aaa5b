"""per-organisation upstream sign-in (OIDC federation): connections, domains, identities

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 02:30:00.000000
"""

from alembic import op
import sqlalchemy as sa
import idp.storage.types


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('org_federations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_sealed', sa.Text(), nullable=False),
    sa.Column('enforce', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('created_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_org_federations_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_org_federations_requested_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_federations')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_org_federations_organization_id'))
    )
    op.create_table('federation_domains',
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('verified', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('created_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_federation_domains_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('domain', name=op.f('pk_federation_domains'))
    )
    op.create_index(op.f('ix_federation_domains_organization_id'), 'federation_domains', ['organization_id'], unique=False)
    op.create_table('federated_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('created_at', idp.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', idp.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_federated_identities_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_federated_identities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federated_identities')),
    sa.UniqueConstraint('issuer', 'subject', name='uq_federated_identities_issuer_subject')
    )
    op.create_index(op.f('ix_federated_identities_organization_id'), 'federated_identities', ['organization_id'], unique=False)
    op.create_index(op.f('ix_federated_identities_user_id'), 'federated_identities', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_federated_identities_user_id'), table_name='federated_identities')
    op.drop_index(op.f('ix_federated_identities_organization_id'), table_name='federated_identities')
    op.drop_table('federated_identities')
    op.drop_index(op.f('ix_federation_domains_organization_id'), table_name='federation_domains')
    op.drop_table('federation_domains')
    op.drop_table('org_federations')
