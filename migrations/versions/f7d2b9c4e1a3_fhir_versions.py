"""fhir resource versions

Revision ID: f7d2b9c4e1a3
Revises: f3d8b2a6c4e1
Create Date: 2026-12-02 03:30:00.000000

`fhir_version`: each FHIR resource's current version number, the digest of its JSON, and
when that version took effect (meta.versionId, meta.lastUpdated, ETag, Last-Modified).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f7d2b9c4e1a3"
down_revision = "f3d8b2a6c4e1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fhir_version",
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("resource_type", "resource_id"),
    )


def downgrade():
    op.drop_table("fhir_version")
