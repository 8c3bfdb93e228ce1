"""study details from a registry record

Revision ID: e5c1a7d3b9f2
Revises: d4b8f6a2c0e1
Create Date: 2026-12-02 03:00:00.000000

`study.details`: what a ClinicalTrials.gov record says of the study (official title,
sponsor, start date, conditions with their MeSH codes, keywords, central contacts, ages,
sex, the month its status was verified). A JSON object, empty for a study written by hand.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5c1a7d3b9f2'
down_revision = 'd4b8f6a2c0e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('study') as batch:
        batch.add_column(sa.Column('details', sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    with op.batch_alter_table('study') as batch:
        batch.drop_column('details')
