"""site change sequence

Revision ID: c3a9e5f7d1b2
Revises: b7e2d4c1f9a0
Create Date: 2026-11-26 02:00:00.000000

`site.changed_seq`, indexed, moved on by the database itself at every insert and update
of a site (a trigger, so bulk statements and raw SQL move it too): the snapshot reads the
sites changed since the last one it saw with an index range instead of comparing every
site's version, and the fingerprint reads max(changed_seq) from the index.

The values must grow in commit order, or a reader that moved past a value could miss a
change committed later with a lower one. SQLite has one writer at a time. PostgreSQL
hands out sequence values before commit, so its trigger first takes the transaction-scoped
advisory lock the events outbox takes (sitedir/events/outbox.py, the same key: one lock,
no ordering between two): site writers commit one after the other.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a9e5f7d1b2'
down_revision = 'b7e2d4c1f9a0'
branch_labels = None
depends_on = None

# sitedir.events.outbox._ADVISORY_KEY: written out, as a migration must not change later.
ADVISORY_KEY = 7316011

SQLITE_NEXT = (
    "UPDATE site SET changed_seq = (SELECT coalesce(max(changed_seq), 0) + 1 FROM site)"
    " WHERE id = NEW.id"
)


def upgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('changed_seq', sa.BigInteger(), server_default='0', nullable=False)
        )
        batch_op.create_index(batch_op.f('ix_site_changed_seq'), ['changed_seq'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE SEQUENCE site_changed_seq')
        op.execute(
            'CREATE FUNCTION site_next_change() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            'BEGIN\n'
            f'  PERFORM pg_advisory_xact_lock({ADVISORY_KEY});\n'
            "  NEW.changed_seq := nextval('site_changed_seq');\n"
            '  RETURN NEW;\n'
            'END $$'
        )
        op.execute(
            'CREATE TRIGGER site_changed_seq BEFORE INSERT OR UPDATE ON site'
            ' FOR EACH ROW EXECUTE FUNCTION site_next_change()'
        )
    else:
        op.execute(
            f'CREATE TRIGGER site_changed_seq_insert AFTER INSERT ON site'
            f' BEGIN {SQLITE_NEXT}; END'
        )
        # The WHEN clause: the trigger's own UPDATE (or one that sets changed_seq itself)
        # never takes another value, even with recursive triggers on.
        op.execute(
            f'CREATE TRIGGER site_changed_seq_update AFTER UPDATE ON site'
            f' WHEN NEW.changed_seq IS OLD.changed_seq BEGIN {SQLITE_NEXT}; END'
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS site_changed_seq ON site')
        op.execute('DROP FUNCTION IF EXISTS site_next_change()')
        op.execute('DROP SEQUENCE IF EXISTS site_changed_seq')
    else:
        op.execute('DROP TRIGGER IF EXISTS site_changed_seq_insert')
        op.execute('DROP TRIGGER IF EXISTS site_changed_seq_update')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_changed_seq'))
        batch_op.drop_column('changed_seq')
