"""institution change sequence

Revision ID: a9c4e2f6b8d1
Revises: fa1e24c0ffee
Create Date: 2026-12-02 14:00:00.000000

`institution.changed_seq`, indexed, moved on by the database at every insert and update of
a hospital, as `site.changed_seq` is (migration c3a9e5f7d1b2, the same rules): the read
model keeps one entry per hospital, site or not (FHIR's Organization), and reads the
hospitals changed since the last value it saw with an index range. A hospital with no site
has no site version to move, so without it a new or corrected one stayed invisible.

PostgreSQL: its own sequence, the trigger taking the same transaction-scoped advisory lock
as the site's and the outbox's, so values grow in commit order.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9c4e2f6b8d1'
down_revision = 'fa1e24c0ffee'
branch_labels = None
depends_on = None

# sitedir.events.outbox._ADVISORY_KEY: written out, as a migration must not change later.
ADVISORY_KEY = 7316011

SQLITE_NEXT = (
    "UPDATE institution SET changed_seq ="
    " (SELECT coalesce(max(changed_seq), 0) + 1 FROM institution) WHERE id = NEW.id"
)


def upgrade():
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('changed_seq', sa.BigInteger(), server_default='0', nullable=False)
        )
        batch_op.create_index(
            batch_op.f('ix_institution_changed_seq'), ['changed_seq'], unique=False
        )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE SEQUENCE institution_changed_seq')
        op.execute(
            'CREATE FUNCTION institution_next_change() RETURNS trigger LANGUAGE plpgsql AS $$\n'
            'BEGIN\n'
            f'  PERFORM pg_advisory_xact_lock({ADVISORY_KEY});\n'
            "  NEW.changed_seq := nextval('institution_changed_seq');\n"
            '  RETURN NEW;\n'
            'END $$'
        )
        op.execute(
            'CREATE TRIGGER institution_changed_seq BEFORE INSERT OR UPDATE ON institution'
            ' FOR EACH ROW EXECUTE FUNCTION institution_next_change()'
        )
        # Every hospital already there gets a value of its own (a first build reads them all).
        op.execute("UPDATE institution SET changed_seq = nextval('institution_changed_seq')")
    else:
        op.execute(
            'CREATE TRIGGER institution_changed_seq_insert AFTER INSERT ON institution'
            f' BEGIN {SQLITE_NEXT}; END'
        )
        # The WHEN clause: the trigger's own UPDATE never takes another value.
        op.execute(
            'CREATE TRIGGER institution_changed_seq_update AFTER UPDATE ON institution'
            f' WHEN NEW.changed_seq IS OLD.changed_seq BEGIN {SQLITE_NEXT}; END'
        )
        op.execute('UPDATE institution SET changed_seq = id')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS institution_changed_seq ON institution')
        op.execute('DROP FUNCTION IF EXISTS institution_next_change()')
        op.execute('DROP SEQUENCE IF EXISTS institution_changed_seq')
    else:
        op.execute('DROP TRIGGER IF EXISTS institution_changed_seq_insert')
        op.execute('DROP TRIGGER IF EXISTS institution_changed_seq_update')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_changed_seq'))
        batch_op.drop_column('changed_seq')
