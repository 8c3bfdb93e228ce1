"""token scopes

Revision ID: f7a3c9e1b5d4
Revises: f7d2b9c4e1a3
Create Date: 2026-12-02 03:45:00.000000

`api_token.scope`: what a token may do, `full` (every write its account may make, the
existing tokens' scope), `read` (GET only) or `status` (a site's status and its
confirmation only).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a3c9e1b5d4'
down_revision = 'f7d2b9c4e1a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token') as batch:
        batch.add_column(
            sa.Column('scope', sa.String(length=16), nullable=False, server_default='full')
        )


def downgrade():
    with op.batch_alter_table('api_token') as batch:
        batch.drop_column('scope')
