"""institution point precision

Revision ID: f7a3c9e1b5d2
Revises: f7a3c9e1b5d4
Create Date: 2026-12-02 03:20:00.000000

`institution.point_precision`: how precise the institution's point is. "commune" when it
is its commune's point (an import whose record gave no point, or a point too far from the
commune it names to be trusted); null when it was entered as the building's.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a3c9e1b5d2'
down_revision = 'f7a3c9e1b5d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('institution') as batch:
        batch.add_column(sa.Column('point_precision', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('institution') as batch:
        batch.drop_column('point_precision')
