"""organisation time zone (pages show times in it; stored times stay UTC)

users.locale (the person's language, OIDC ``locale``) exists since 0001: the language
switcher and reminder emails use it.

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-01 02:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.drop_column('timezone')
