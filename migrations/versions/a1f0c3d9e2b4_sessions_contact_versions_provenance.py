"""sessions, contact versions, provenance

Revision ID: a1f0c3d9e2b4
Revises: 6e6fa043f555
Create Date: 2026-11-27 09:00:00.000000

Adds the account's session generation (revocable sessions), the contact's version (its
ETag, optimistic locking) and the client's X-Request-ID beside the server's in the audit
log. Rewrites the public provenance of admin writes: "admin: <email>" published who the
admin was; it becomes the kind of admin (site_admin / network_admin, "admin" when the
account is gone). The audit log still says who.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1f0c3d9e2b4'
down_revision = '6e6fa043f555'
branch_labels = None
depends_on = None

ADMIN_PREFIX = "admin: "
# Every table whose rows carry a public `source`.
PROVENANCE_TABLES = ("study", "institution", "reference_centre", "site", "contact")


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_request_id', sa.String(length=64), nullable=True))
    rewrite_admin_sources(op.get_bind())


def rewrite_admin_sources(connection) -> None:
    """Replace each "admin: <email>" source with the role of that email's account."""
    roles = {
        email.lower(): role
        for email, role in connection.execute(sa.text("SELECT email, role FROM account"))
    }
    for table in PROVENANCE_TABLES:
        # The table name comes from the constant above, never from data.
        sources = connection.execute(
            sa.text(f"SELECT DISTINCT source FROM {table} WHERE source LIKE :prefix"),
            {"prefix": ADMIN_PREFIX + "%"},
        ).scalars()
        for source in list(sources):
            if not source.startswith(ADMIN_PREFIX):  # SQLite's LIKE ignores case
                continue
            email = source[len(ADMIN_PREFIX):].strip().lower()
            connection.execute(
                sa.text(f"UPDATE {table} SET source = :new WHERE source = :old"),
                {"new": roles.get(email, "admin"), "old": source},
            )


def downgrade():
    # The rewritten sources stay as they are: the emails are in the audit log, not here.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('client_request_id')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
