"""contact requests

Revision ID: f3d8b2a6c4e1
Revises: e5c1a7d3b9f2
Create Date: 2026-12-02 03:10:00.000000

`contact_request`: a referring doctor's request to be contacted by a site (or a report of
an error in its data), with the doctor's details only, its handling (who, when, an internal
note) and the nonce of the form token it spent. Deleted after 90 days by
`flask contact-requests purge`.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3d8b2a6c4e1"
down_revision = "e5c1a7d3b9f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contact_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("doctor_name", sa.String(length=120), nullable=False),
        sa.Column("profession", sa.String(length=32), nullable=False),
        sa.Column("place_name", sa.String(length=160), nullable=False),
        sa.Column("place_insee", sa.String(length=5), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("rpps", sa.String(length=11), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("form_nonce", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["handled_by_id"], ["account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_nonce"),
        sa.UniqueConstraint("reference"),
    )
    with op.batch_alter_table("contact_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_request_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_request_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contact_request_created_at"), ["created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("contact_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_request_created_at"))
        batch_op.drop_index(batch_op.f("ix_contact_request_status"))
        batch_op.drop_index(batch_op.f("ix_contact_request_site_id"))
    op.drop_table("contact_request")
